import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK, DUMP_FLAG_STATE_ONLY, FD_TYPE, ScapReader, ScapWriter, type SectionMetadata } from '../../lib/scapfile/index.js';
import { PPME, encodeEvent } from '../../lib/events/index.js';
import { emptyThread } from '../../lib/scapfile/metadata.js';

const dir = mkdtempSync(join(tmpdir(), 'scap-writer-'));

/** Block types in file order, walking the container by block_total_length. */
function blockTypes(path: string): number[] {
  const b = readFileSync(path);
  const out: number[] = [];
  for (let p = 0; p < b.length; p += b.readUInt32LE(p + 4)) out.push(b.readUInt32LE(p));
  return out;
}

describe('ScapWriter', () => {
  it('picks EV, EVF and the large-payload variants per event, and reads them back', async () => {
    const path = join(dir, 'kinds.scap');
    const plain = encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts: 1n, tid: 10, params: [0, 3] });
    const big = encodeEvent({ type: PPME.PLUGINEVENT_E, ts: 2n, tid: 0, params: [7, new Uint8Array(100_000).fill(7)] });
    const w = await ScapWriter.create(path, {}, { compress: false });
    w.writeEvent(plain, 1);
    w.writeEvent(plain, 1, DUMP_FLAG_STATE_ONLY);
    w.writeEvent(big, 0);
    w.writeEvent(big, 0, DUMP_FLAG_STATE_ONLY);
    expect(w.eventsWritten).toBe(4);
    await w.close();
    expect(blockTypes(path)).toEqual([BLOCK.SHB, BLOCK.EV_V2, BLOCK.EVF_V2, BLOCK.EV_V2_LARGE, BLOCK.EVF_V2_LARGE]);
    const r = await ScapReader.open(path);
    const got = [];
    for await (const e of r) got.push({ cpu: e.cpu, flags: e.dumpFlags, bytes: Buffer.from(e.toBytes()) });
    expect(got.map((g) => [g.cpu, g.flags])).toEqual([[1, 0], [1, 1], [0, 0], [0, 1]]);
    expect(got[0].bytes.equals(Buffer.from(plain))).toBe(true);
    expect(got[3].bytes.equals(Buffer.from(big))).toBe(true);
    // Read again in 4 KiB chunks: the 100 KB blocks span chunks, and are larger than the read-ahead headroom.
    const again = [];
    for await (const e of await ScapReader.open(path, { batchBytes: 4096 })) again.push(Buffer.from(e.toBytes()));
    expect(again).toEqual(got.map((g) => g.bytes));
  });

  it('gives EV events dump flags 0 in batches after ones with EVF events', async () => {
    const path = join(dir, 'flags.scap');
    const ev = encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts: 1n, tid: 10, params: [0, 3] });
    // Runs of flagged and unflagged events, each longer than a 4 KiB batch holds.
    const flags = [...Array(300).fill(DUMP_FLAG_STATE_ONLY | 4), ...Array(300).fill(0), ...Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 2 : 0))];
    const w = await ScapWriter.create(path, {}, { compress: false });
    for (const f of flags) w.writeEvent(ev, 0, f);
    await w.close();
    for (const source of [path, new Uint8Array(readFileSync(path))]) {
      const got: number[] = [];
      for await (const b of (await ScapReader.open(source, { batchBytes: 4096 })).batches()) got.push(...b.dumpFlags);
      expect(got).toEqual(flags);
    }
  });

  it('writes the section metadata it is given in current block versions', async () => {
    const path = join(dir, 'meta.scap.gz');
    const t = { ...emptyThread(4242), pid: 4242, ptid: 1, comm: 'node', exe: '/usr/bin/node', exepath: '/usr/bin/node', args: ['a.js', '--x'], cwd: '/srv', env: ['A=1'], cgroups: ['cpu=/x'], loginuid: 1000, pgid: 4242, exeIno: 99n };
    const meta: SectionMetadata = {
      machineInfo: { numCpus: 2, memorySizeBytes: 24n << 30n, maxPid: 0n, hostname: 'box', bootTsEpoch: 1n, flags: 0n },
      interfaces: [
        { family: 'ipv4', name: 'lo', addr: '127.0.0.1', netmask: '255.0.0.0', bcast: '127.255.255.255', linkspeed: 0n },
        { family: 'ipv6', name: 'eth0', addr: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', bcast: '::', linkspeed: 1000n },
      ],
      users: [{ uid: 0, gid: 0, name: 'root', homedir: '/root', shell: '/bin/bash' }],
      groups: [{ gid: 0, name: 'root' }],
      processes: [t],
      fds: new Map([[4242, [
        { fd: 0, ino: 5n, type: FD_TYPE.FILE_V2, name: '/dev/null', openFlags: 1, dev: 6 },
        { fd: 3, ino: 0n, type: FD_TYPE.IPV4_SOCK, sip: '10.0.0.1', dip: '1.1.1.1', sport: 40000, dport: 443, l4proto: 2 },
        { fd: 4, ino: 0n, type: FD_TYPE.UNIX_SOCK, source: 1n, dest: 2n, name: '/run/s' },
      ]]]),
    };
    const w = await ScapWriter.create(path, meta);
    w.writeEvent(encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts: 1n, tid: 4242, params: [0, 3] }));
    await w.close();
    expect(readFileSync(path).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const r = await ScapReader.open(path);
    const s = r.section;
    expect([s.majorVersion, s.minorVersion, s.processListVersion]).toEqual([1, 2, 9]);
    expect(s.machineInfo).toEqual(meta.machineInfo);
    expect(s.interfaces).toEqual(meta.interfaces);
    expect(s.users).toEqual(meta.users);
    expect(s.groups).toEqual(meta.groups);
    expect(s.processes).toEqual([t]);
    expect(s.fds.get(4242)).toEqual(meta.fds!.get(4242));
    let n = 0;
    for await (const e of r) n += e.tid === 4242 ? 1 : 0;
    expect(n).toBe(1);
  });

  it("cuts strings and lists to the limits that libscap's reader enforces (a process with 25 KB of args stays readable)", async () => {
    const path = join(dir, 'long.scap');
    const args = Array.from({ length: 3000 }, (_, i) => `arg${i}`); // ~25 KB joined, as a CI runner's command line can be
    const env = ['X=' + 'é'.repeat(5000)]; // two-byte characters: the cut must not split one
    const t = { ...emptyThread(7), comm: 'c'.repeat(2000), args, env, cgroups: ['cpu=/' + 'x'.repeat(9000)] };
    const w = await ScapWriter.create(path, { processes: [t], users: [{ uid: 1, gid: 1, name: 'u'.repeat(300), homedir: '/h', shell: '/bin/sh' }] }, { compress: false });
    await w.close();
    const s = (await ScapReader.open(path)).section;
    const got = s.processes[0];
    expect(got.comm).toBe('c'.repeat(1024));
    expect(got.args.join('\0').length + 1).toBeLessThanOrEqual(4096);
    expect(got.args.slice(0, -1)).toEqual(args.slice(0, got.args.length - 1));
    expect(args[got.args.length - 1].startsWith(got.args.at(-1)!)).toBe(true);
    expect(got.env[0]).toMatch(/^X=é+$/);
    expect(Buffer.byteLength(got.env[0]) + 1).toBeLessThanOrEqual(4096);
    expect(got.cgroups[0].length).toBe(4095);
    expect(s.users[0].name).toBe('u'.repeat(255));
  });

  it('refuses to write after close', async () => {
    const w = await ScapWriter.create(join(dir, 'closed.scap'));
    await w.close();
    expect(() => w.writeEvent(new Uint8Array(26))).toThrow(/closed/);
  });
});
