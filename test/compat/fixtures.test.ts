/**
 * Real captures read by scap-ts and by Debian's sysdig 0.29: same events,
 * same per-type counts, same -S table, same parameter rendering; files we
 * write read back identically in both.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ScapReader, ScapWriter } from '../../lib/scapfile/index.js';
import { EventSummary } from '../../lib/format/index.js';
import { PT } from '../../lib/events/index.js';
import { FIXTURE_NAMES, fixture, noSysdig, sysdig } from '../helpers/env.js';

const tmp = mkdtempSync(join(tmpdir(), 'scap-compat-'));
/** sysdig 0.29 cannot open the copy with section-header comments; it holds the same events as this one. */
const sysdigTwin = (name: string) => fixture(name === 'curl_google_comments' ? 'curl_google' : name);

async function summarize(path: string): Promise<string> {
  const s = new EventSummary();
  await using r = await ScapReader.open(path);
  for await (const b of r.batches()) for (const e of b) s.add(e);
  return s.format();
}

describe.skipIf(noSysdig)('fixtures against sysdig 0.29 (SCAP_TS_REQUIRE_LIVE makes a missing sysdig fail)', () => {
  for (const name of FIXTURE_NAMES) {
    it(`${name}: the -S table is sysdig's, byte for byte`, async () => {
      const ours = await summarize(fixture(name));
      expect(ours).toBe(sysdig(['-r', sysdigTwin(name), '-S', '-q']));
      expect(ours.split('\n').length).toBeGreaterThan(8);
    });

    it(`${name}: round trip gives the same events byte for byte, and sysdig reads our file`, async () => {
      const out = join(tmp, `${name}.scap`);
      const original: Buffer[] = [];
      {
        await using r = await ScapReader.open(fixture(name));
        await using w = await ScapWriter.create(out, r.section);
        for await (const b of r.batches()) {
          for (const e of b) original.push(Buffer.from(e.toBytes()));
          await w.writeBatch(b);
        }
      }
      const back: Buffer[] = [];
      await using r2 = await ScapReader.open(out);
      for await (const e of r2) back.push(Buffer.from(e.toBytes()));
      expect(back.length).toBe(original.length);
      expect(back.every((b, i) => b.equals(original[i]))).toBe(true);
      expect(r2.generation.sectionVersion).toBe('1.2');
      expect(r2.generation.eventHeaderSize).toBe(26);
      expect(r2.generation.processListVersion).toBe(r2.section.processes.length > 0 ? 9 : 0);
      // Same counts in sysdig for our file as for the original.
      expect(sysdig(['-r', out, '-S', '-q'])).toBe(sysdig(['-r', sysdigTwin(name), '-S', '-q']));
    });
  }

  it('writes gzip too, and sysdig renders every event of our copy as it renders the original', async () => {
    const out = join(tmp, 'cat_write-copy.scap.gz');
    {
      await using r = await ScapReader.open(fixture('cat_write'));
      await using w = await ScapWriter.create(out, r.section);
      for await (const b of r.batches()) await w.writeBatch(b);
    }
    expect(readFileSync(out).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const theirs = sysdig(['-r', fixture('cat_write')]);
    expect(sysdig(['-r', out])).toBe(theirs);
    expect(theirs.split('\n').length).toBeGreaterThan(50);
  });

  it('renders parameters as sysdig does', async () => {
    // Parameters whose text depends on process/fd state (fd names, fd type letters in fd lists, user names) or on sysdig's output
    // truncation are the state layer's business (not compared here).
    const stateful = new Set<number>([PT.FD, PT.PID, PT.FDLIST, PT.BYTEBUF, PT.FSRELPATH, PT.FSPATH, PT.UID, PT.GID, PT.CHARBUF]);
    // Where libs changed a parameter's type since sysdig 0.29 (e5c53d64), we follow the current table:
    // mmap res became ERRNO (was UINT64 hex); socket domain became an enum, which lists every alias.
    const schemaChanged = new Set(['mmap.res', 'socket.domain']);
    let compared = 0;
    const mismatches: string[] = [];
    for (const name of ['cat_write', 'connect_localhost', 'single_ipv6_conn', 'curl_google', 'syscall']) {
      const lines = new Map<number, string>();
      for (const l of sysdig(['-r', fixture(name), '-p', '%evt.num %evt.args']).split('\n')) {
        const sp = l.indexOf(' ');
        if (sp > 0) lines.set(Number(l.slice(0, sp)), `${l.slice(sp)} `);
      }
      let num = 0;
      await using r = await ScapReader.open(fixture(name));
      for await (const e of r) {
        num++;
        const line = lines.get(num);
        const info = e.info;
        if (line === undefined || !info) continue;
        if (e.type <= 1) {
          expect(line.trim()).toBe('');
          expect(e.args()).toBe('');
          continue;
        }
        for (let i = 0; i < Math.min(e.nparams, info.params.length); i++) {
          const p = info.params[i];
          if (stateful.has(p.type) || schemaChanged.has(`${e.name}.${p.name}`)) continue;
          const r1 = e.render(i);
          const text = ` ${p.name}=${r1.value}${r1.resolved ? `(${r1.resolved})` : ''} `;
          compared++;
          if (!line.includes(text)) mismatches.push(`${name}#${num} ${text.trim()} vs ${line.trim().slice(0, 160)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(300);
  });
});

describe('fixtures (no external tools)', () => {
  it('batch.params(i) decodes what at(i).params() and param() one by one decode, in every generation', async () => {
    let compared = 0;
    for (const name of FIXTURE_NAMES) {
      await using r = await ScapReader.open(fixture(name));
      for await (const b of r.batches()) {
        for (let i = 0; i < b.length; i++) {
          const e = b.at(i);
          const names = e.info?.params ?? [];
          const oneByOne = Object.fromEntries(Array.from({ length: e.nparams }, (_, k) => [names[k]?.name ?? `param${k}`, e.param(k)]));
          expect(b.params(i)).toEqual(oneByOne);
          expect(e.params()).toEqual(oneByOne);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(7000);
  });

  it('reads every generation the fixtures hold, with their metadata', async () => {
    const seen: Record<string, unknown> = {};
    for (const name of FIXTURE_NAMES) {
      await using r = await ScapReader.open(fixture(name));
      let n = 0;
      for await (const b of r.batches()) n += b.length;
      seen[name] = { n, pl: r.section.processes.length > 0, ...r.generation };
      expect(r.stats.events).toBe(n);
      expect(r.generation.enterExitPairs).toBe(true);
    }
    expect(seen.curl_google).toMatchObject({ n: 1536, sectionVersion: '1.0', eventHeaderSize: 22, processListVersion: 5 });
    expect(seen.curl_google_comments).toMatchObject({ n: 1536, sectionVersion: '1.0', eventHeaderSize: 22 });
    expect(seen.single_ipv6_conn).toMatchObject({ n: 1728, sectionVersion: '1.2', eventHeaderSize: 26, processListVersion: 9 });
    expect(seen.syscall).toMatchObject({ n: 368, sectionVersion: '1.1', processListVersion: 8 });
    expect(seen.connect_localhost).toMatchObject({ n: 374, processListVersion: 7 });
    expect(seen.cat_write).toMatchObject({ n: 345, processListVersion: 6 });
  });

  it('exposes the section header comments of curl_google_comments', async () => {
    await using r = await ScapReader.open(fixture('curl_google_comments'));
    expect(r.section.options.length).toBeGreaterThan(0);
    expect(r.section.options.every((o) => o.code !== 0)).toBe(true);
    expect(r.section.options.some((o) => o.code === 1 && (o.text ?? '').length > 0)).toBe(true);
  });

  it('decodes the worked example of the reference (first bind exit of single_ipv6_conn)', async () => {
    await using r = await ScapReader.open(fixture('single_ipv6_conn'));
    for await (const e of r) {
      if (e.name !== 'bind' || e.direction !== '<') continue;
      expect(e.ts).toBe(1533943853000944904n);
      expect(e.tid).toBe(25886);
      expect(e.len).toBe(57);
      expect(e.nparams).toBe(2);
      expect(e.cpu).toBe(1);
      expect(e.param('res')).toBe(0);
      expect(e.param('addr')).toEqual({ family: 10, addr: '2001:db8::3', port: 1234 });
      expect(e.param('fd')).toBeNull();
      return;
    }
    throw new Error('no bind exit event');
  });

  it('exposes process, fd, interface and user blocks', async () => {
    await using r = await ScapReader.open(fixture('single_ipv6_conn'));
    const s = r.section;
    expect(s.machineInfo?.numCpus).toBeGreaterThan(0);
    expect(s.interfaces.some((i) => i.name === 'lo' && i.addr === '127.0.0.1')).toBe(true);
    expect(s.users.some((u) => u.uid === 0 && u.name === 'root' && u.homedir === '/root')).toBe(true);
    expect(s.groups.some((g) => g.gid === 0 && g.name === 'root')).toBe(true);
    const init = s.processes.find((t) => t.tid === 1);
    expect(init?.pid).toBe(1);
    expect(init?.comm.length).toBeGreaterThan(0);
    const fdsOfInit = s.fds.get(1) ?? [];
    expect(fdsOfInit.length).toBeGreaterThan(0);
  });

  it('reads concatenated captures as sections, and metadata per section', async () => {
    const a = gunzipSync(readFileSync(fixture('cat_write')));
    const b = gunzipSync(readFileSync(fixture('single_ipv6_conn')));
    const path = join(tmp, 'two-sections.scap');
    writeFileSync(path, Buffer.concat([a, b]));
    await using r = await ScapReader.open(path, { batchBytes: 4096 });
    const perSection = new Map<number, number>();
    for await (const batch of r.batches()) perSection.set(batch.section.index, (perSection.get(batch.section.index) ?? 0) + batch.length);
    expect([...perSection]).toEqual([
      [0, 345],
      [1, 1728],
    ]);
    expect(r.sections).toHaveLength(2);
    expect(r.sections[0].processListVersion).toBe(6);
    expect(r.sections[1].processListVersion).toBe(9);
    expect(r.sections[1].offset).toBe(a.length);
  });
});
