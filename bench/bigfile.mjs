/**
 * The large `.scap` the file benchmarks read: every event of some fixture
 * captures written over and over behind the first fixture's section metadata,
 * each copy's timestamps moved on so that time keeps increasing. Built once
 * and cached under os.tmpdir(); bench/scapfile-read.mjs and bench/state.mjs
 * read it. Not a benchmark itself: bench/run.mjs does not run it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScapReader, ScapWriter } from '../dist/scapfile/index.js';

const CACHE_VERSION = 'v1';
const here = dirname(fileURLToPath(import.meta.url));

/** Where fixture captures are looked for: BENCH_FIXTURES, the repo's copies, then shared/ beside the checkout. */
export const fixtureDirs = [
  process.env.BENCH_FIXTURES,
  join(here, '..', 'test', 'fixtures', 'scap'),
  join(here, '..', 'shared', 'fixtures', 'scap'),
  join(here, '..', '..', 'shared', 'fixtures', 'scap'),
].filter(Boolean);

export function findFixture(name) {
  for (const d of fixtureDirs) {
    const p = join(d, `${name}.scap.gz`);
    if (existsSync(p)) return p;
  }
  throw new Error(`fixture ${name}.scap.gz not found in ${fixtureDirs.join(', ')}`);
}

async function loadFixture(name) {
  const reader = await ScapReader.open(findFixture(name));
  const events = [];
  for await (const batch of reader.batches()) {
    for (let i = 0; i < batch.length; i++) {
      const e = batch.at(i);
      events.push({ bytes: e.toBytes(), cpu: e.cpu, dumpFlags: e.dumpFlags });
    }
  }
  return { section: reader.sections[0], events };
}

/**
 * The plain (uncompressed) file of at least `minEvents` events from
 * `fixtures`; returns its path and event count. `log` gets progress lines.
 */
export async function bigFile({ fixtures = ['single_ipv6_conn', 'curl_google', 'cat_write'], minEvents = 1_000_000, log = () => {} } = {}) {
  const cacheDir = process.env.BENCH_CACHE_DIR ?? join(os.tmpdir(), 'scap-ts-bench');
  mkdirSync(cacheDir, { recursive: true });
  const stem = join(cacheDir, `scapfile-read-${CACHE_VERSION}-${fixtures.join('+')}-${minEvents}`);
  const plain = `${stem}.scap`;
  const meta = `${stem}.json`; // written last: its presence means the file is complete
  if (existsSync(plain) && existsSync(meta)) {
    const { events } = JSON.parse(readFileSync(meta, 'utf8'));
    log(`using cached ${plain} (${events} events)`);
    return { plain, events };
  }
  const loaded = [];
  for (const name of fixtures) loaded.push(await loadFixture(name));
  const templates = loaded.flatMap((f) => f.events);
  const s = loaded[0].section;
  const metadata = { machineInfo: s.machineInfo, interfaces: s.interfaces, users: s.users, groups: s.groups, processes: s.processes, fds: s.fds };
  const views = templates.map((t) => new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength));
  let ts = views[0].getBigUint64(0, true);
  const tmp = `${plain}.tmp-${process.pid}`;
  log(`writing ${plain} from ${templates.length} fixture events`);
  const w = await ScapWriter.create(tmp, metadata, { compress: false });
  let n = 0;
  while (n < minEvents) {
    for (let i = 0; i < templates.length; i++) {
      ts += 1000n;
      views[i].setBigUint64(0, ts, true);
      w.writeEvent(templates[i].bytes, templates[i].cpu, templates[i].dumpFlags);
      n++;
    }
    await w.flush(false);
  }
  await w.close();
  renameSync(tmp, plain);
  // No gzip copy here: scapfile-read writes one beside it when it needs one.
  if (!existsSync(meta)) writeFileSync(meta, `${JSON.stringify({ version: CACHE_VERSION, fixtures, events: n, templates: templates.length })}\n`);
  return { plain, events: n };
}
