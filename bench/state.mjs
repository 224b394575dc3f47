#!/usr/bin/env node
/**
 * Benchmark `state`: the Inspector (threads, fds, users, containers as
 * libsinsp keeps them) and sysdig's default line, on a large file, against
 * `sysdig -r FILE > /dev/null` in the same run; the memory a thread and an fd
 * take; and RSS while 1 M fork/exit pairs go through an Inspector.
 *
 * Needs the compiled library: run `npm run build` (or `npm run build:ts`) first.
 * Run through `npm run bench`, or alone: `node --expose-gc bench/state.mjs`.
 *
 * Cases (one JSON line each on stdout; progress on stderr):
 *   inspector            events/s of ScapReader + Inspector.process() on every event
 *   inspector-format     the same plus sysdig's default line (EventFormatter) for every event sysdig prints
 *   cli                  `node dist/cli/main.js -r FILE > /dev/null` wall time (reading, state, lines, writing)
 *   sysdig               `sysdig -r FILE > /dev/null` wall time
 *   inspector-format-vs-sysdig, cli-vs-sysdig: events/s ratios, the median of per-rep ratios (each rep runs
 *                        ours, the CLI and sysdig in turn); target >= 1.5 for inspector-format
 *   thread-bytes         heap bytes per thread (100 k threads from process-list records: comm, exe, exepath,
 *                        2 args, 4 env entries, cwd, a cgroup)
 *   fd-bytes             heap bytes per fd: files with distinct paths, and connected IPv4 sockets
 *   fork-exit-rss        1 M fork/exit pairs (parent-side clone exit, child-side clone exit, an openat and
 *                        a close in the child, procexit, a getuid of the parent), synthesized with the encoder,
 *                        tids recycled over 32 k: RSS sampled every 100 k pairs; flat = the last sample within
 *                        FLAT_MB of the first after warm-up
 *
 * The large file is bench/bigfile.mjs's (fixture events repeated, BENCH_EVENTS, default 1 M).
 * Environment: BENCH_EVENTS, BENCH_REPS (default 5, at least 3), BENCH_SYSDIG (path, or "0" to skip),
 * BENCH_PAIRS (default 1,000,000), BENCH_CACHE_DIR, BENCH_FIXTURES.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBatch, PPME, encodeEvent } from '../dist/events/index.js';
import { DEFAULT_FORMAT, EventFormatter, isPrintable } from '../dist/format/index.js';
import { ScapReader } from '../dist/scapfile/index.js';
import { FD_TYPE } from '../dist/scapfile/metadata.js';
import { FdInfo, Inspector } from '../dist/state/index.js';
import { bigFile } from './bigfile.mjs';

const BENCH = 'state';
const TARGET_VS_SYSDIG = 1.5;
const FLAT_MB = 16;
const here = dirname(fileURLToPath(import.meta.url));
const MIN_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const REPS = Math.max(3, Number(process.env.BENCH_REPS ?? 5));
const SYSDIG = process.env.BENCH_SYSDIG ?? 'sysdig';
const PAIRS = Number(process.env.BENCH_PAIRS ?? 1_000_000);

const log = (msg) => process.stderr.write(`[${BENCH}] ${msg}\n`);
const emit = (obj) => process.stdout.write(`${JSON.stringify({ bench: BENCH, ...obj })}\n`);
const gc = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};
if (!globalThis.gc) log('run with --expose-gc (npm run bench does) for exact memory figures');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let sink = 0;

/** Median seconds of REPS runs of `fn` (which returns the events it saw). */
async function measure(label, expected, fn) {
  const secs = [];
  for (let r = 0; r < REPS; r++) {
    gc();
    const t0 = process.hrtime.bigint();
    const n = await fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (expected !== undefined && n !== expected) throw new Error(`${label}: saw ${n} events, expected ${expected}`);
    secs.push(s);
    log(`${label} rep ${r + 1}/${REPS}: ${s.toFixed(3)} s${n ? `, ${(n / s / 1e6).toFixed(2)} M events/s` : ''}`);
  }
  return median(secs);
}

/** Every event through an Inspector (a file's next section gets a fresh one, as sysdig does), optionally formatted. */
async function inspect(path, format) {
  const reader = await ScapReader.open(path);
  const fmt = format ? new EventFormatter(DEFAULT_FORMAT) : undefined;
  let insp;
  let section;
  let n = 0;
  let chars = 0;
  for await (const b of reader.batches()) {
    if (!insp || (b.section && b.section !== section)) {
      insp = new Inspector(b.section ?? reader.section, { eventsBefore: insp?.nevts ?? 0 });
      section = b.section;
    }
    for (let i = 0; i < b.length; i++) {
      const e = b.at(i);
      const ctx = insp.process(e);
      if (fmt && isPrintable(e, ctx)) {
        const line = fmt.format(e, ctx);
        if (line !== null) chars += line.length;
      }
    }
    n += b.length;
  }
  sink += chars;
  return n;
}

/** Wall seconds of one run of a command with stdout to /dev/null. */
function timedToNull(cmd, args) {
  const out = openSync('/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', out, 'pipe'], maxBuffer: 64 << 20 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.signal ?? r.status}): ${r.stderr}`);
    return s;
  } finally {
    closeSync(out);
  }
}

function sysdigAvailable() {
  if (SYSDIG === '0') return false;
  return spawnSync(SYSDIG, ['--version'], { encoding: 'utf8' }).status === 0;
}

// ------------------------------------------------------------------ memory per thread and per fd

function record(tid) {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm: `proc-${tid % 1000}`, exe: `/usr/bin/prog-${tid}`,
    exepath: `/usr/bin/prog-${tid}`, args: ['--flag', `value-${tid}`], cwd: `/home/user${tid % 100}`, fdlimit: 1024n, flags: 0,
    uid: 1000, gid: 1000, vmsizeKb: 1000, vmrssKb: 100, vmswapKb: 0, pfmajor: 0n, pfminor: 0n,
    env: ['HOME=/home/user', 'PATH=/usr/bin:/bin', `TERM=xterm-${tid % 10}`, `ID=${tid}`], vtid: tid, vpid: tid,
    cgroups: [`cpu=/user.slice/user-${tid % 100}.slice`], root: '/', pidnsInitStartTs: 0n, tty: 0, loginuid: 1000,
    exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false, exeLowerLayer: false,
    exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, exeFromMemfd: false,
  };
}

function heap() {
  gc();
  return process.memoryUsage().heapUsed;
}

function threadBytes(n) {
  const insp = new Inspector({}, { maxThreads: n + 10 });
  const recs = Array.from({ length: n }, (_, i) => record(1000 + i)); // made before measuring: their strings are the input
  const h0 = heap();
  for (const r of recs) insp.threads.add(insp.threadFromRecord(r, []), true);
  const h1 = heap();
  sink += insp.threads.size;
  return (h1 - h0) / n;
}

function fdBytes(n, kind) {
  const insp = new Inspector({ processes: [record(100)] }, { maxFds: n + 10 });
  const t = insp.threads.getRef(100, false);
  const names = Array.from({ length: n }, (_, i) => `/var/lib/app/data/file-${i}.db`);
  const h0 = heap();
  for (let i = 0; i < n; i++) {
    const fi = new FdInfo();
    if (kind === 'file') {
      fi.type = FD_TYPE.FILE_V2;
      fi.name = names[i];
      fi.openFlags = 1;
    } else {
      fi.type = FD_TYPE.IPV4_SOCK;
      const s = fi.sockinfo;
      s.v4sip = 0x0a000001;
      s.v4dip = 0x0a000002 + i;
      s.v4sport = 40000 + (i % 20000);
      s.v4dport = 443;
      s.v4l4 = 2;
      fi.name = `10.0.0.1:${s.v4sport}->10.0.${(i >> 8) & 255}.${i & 255}:443`;
    }
    t.addFd(3 + i, fi, true);
  }
  const h1 = heap();
  sink += t.fdtable.size;
  return (h1 - h0) / n;
}

// ------------------------------------------------------------------ 1 M fork/exit pairs

/** A template event with setters for its timestamp, tid and some integer parameters. */
function template(type, params) {
  const bytes = encodeEvent({ type, ts: 1n, tid: 1, params });
  const batch = EventBatch.fromEvents([bytes]);
  const e = batch.at(0);
  const offsets = Array.from({ length: e.nparams }, (_, i) => e.paramOffset(i));
  return { bytes, offsets };
}

async function forkExitRss(pairs) {
  const PARENT = 500;
  const clone = {
    res: 0, exe: '/bin/sh', args: Buffer.from('-c\0true\0'), tid: PARENT, pid: PARENT, ptid: 1, cwd: '/tmp', fdlimit: 1024n,
    pgft_maj: 0n, pgft_min: 0n, vm_size: 1000, vm_rss: 100, vm_swap: 0, comm: 'sh', cgroups: Buffer.from('cpu=/user.slice\0'),
    flags: 0, uid: 1000, gid: 1000, vtid: PARENT, vpid: PARENT, pidns_init_start_ts: 0n,
  };
  const T = [
    template(PPME.SYSCALL_CLONE_20_X, clone), // parent side: res = child
    template(PPME.SYSCALL_CLONE_20_X, { ...clone, res: 0 }), // child side: tid/pid = child, ptid = parent
    template(PPME.SYSCALL_OPENAT_2_X, { fd: 3, dirfd: -100, name: '/etc/hosts', flags: 1, mode: 0, dev: 0, ino: 5n }),
    template(PPME.SYSCALL_CLOSE_X, { res: 0, fd: 3 }),
    template(PPME.PROCEXIT_1_E, { status: 0, ret: 0, sig: 0, core: 0, reaper_tid: 0 }),
    template(PPME.SYSCALL_GETUID_E, {}),
  ];
  const PER = T.length;
  const CHUNK = 512; // pairs per batch
  const size = T.reduce((n, t) => n + t.bytes.length, 0);
  const buf = new Uint8Array(size * CHUNK);
  const view = new DataView(buf.buffer);
  const offsets = new Uint32Array(PER * CHUNK);
  const fields = []; // per event slot: [header offset, template]
  let p = 0;
  for (let c = 0; c < CHUNK; c++) {
    for (const t of T) {
      offsets[fields.length] = p;
      buf.set(t.bytes, p);
      fields.push([p, t]);
      p += t.bytes.length;
    }
  }
  const batch = new EventBatch(buf, offsets, PER * CHUNK, new Uint16Array(PER * CHUNK), new Uint32Array(PER * CHUNK));
  const insp = new Inspector({ processes: [record(1), { ...record(PARENT), comm: 'sh', ptid: 1 }] });
  let ts = 1_700_000_000_000_000_000n;
  const samples = [];
  const every = Math.max(1, Math.floor(pairs / 10));
  gc();
  const rss0 = process.memoryUsage.rss();
  const t0 = process.hrtime.bigint();
  let done = 0;
  while (done < pairs) {
    const k = Math.min(CHUNK, pairs - done);
    for (let c = 0; c < k; c++) {
      const child = 1000 + ((done + c) % 32000);
      for (let j = 0; j < PER; j++) {
        const [o, t] = fields[c * PER + j];
        view.setBigUint64(o, (ts += 100n), true);
        const tid = j === 0 || j === 5 ? PARENT : child;
        view.setBigInt64(o + 8, BigInt(tid), true);
        if (j === 0) view.setBigInt64(o + t.offsets[0], BigInt(child), true);
        if (j === 1) {
          view.setBigInt64(o + t.offsets[3], BigInt(child), true); // tid
          view.setBigInt64(o + t.offsets[4], BigInt(child), true); // pid
          view.setBigInt64(o + t.offsets[5], BigInt(PARENT), true); // ptid
          view.setBigInt64(o + t.offsets[18], BigInt(child), true); // vtid
          view.setBigInt64(o + t.offsets[19], BigInt(child), true); // vpid
        }
      }
    }
    for (let i = 0; i < k * PER; i++) insp.process(batch.at(i));
    const before = done;
    done += k;
    if (Math.floor(done / every) > Math.floor(before / every)) {
      gc();
      const rss = process.memoryUsage.rss();
      samples.push({ pairs: done, rssMb: +(rss / 2 ** 20).toFixed(1), threads: insp.threads.size });
      log(`fork/exit: ${done} pairs, RSS ${(rss / 2 ** 20).toFixed(1)} MB, ${insp.threads.size} threads`);
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { samples, rss0Mb: +(rss0 / 2 ** 20).toFixed(1), seconds: secs, events: pairs * PER, threads: insp.threads.size, stats: insp.stats() };
}

// ------------------------------------------------------------------ run

const { plain, events } = await bigFile({ minEvents: MIN_EVENTS, log });
emit({ case: 'env', node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, file: plain, events, reps: REPS });

const insSecs = await measure('inspector', events, () => inspect(plain, false));
emit({ case: 'inspector', events, seconds: +insSecs.toFixed(4), eventsPerSec: Math.round(events / insSecs), nsPerEvent: +((insSecs / events) * 1e9).toFixed(1) });

// Formatting, the CLI and sysdig in turns, so that each rep of each sees the same machine (the ratio is per rep).
const withSysdig = sysdigAvailable();
if (!withSysdig) log(`sysdig (${SYSDIG}) not available: skipping its figures`);
const cliArgs = [join(here, '..', 'dist', 'cli', 'main.js'), '-r', plain];
const fmtRuns = [];
const cliRuns = [];
const sdRuns = [];
await inspect(plain, true); // warm-up
for (let r = 0; r < REPS; r++) {
  gc();
  const t0 = process.hrtime.bigint();
  const n = await inspect(plain, true);
  if (n !== events) throw new Error(`inspector-format: saw ${n} events, expected ${events}`);
  fmtRuns.push(Number(process.hrtime.bigint() - t0) / 1e9);
  cliRuns.push(timedToNull(process.execPath, cliArgs));
  if (withSysdig) sdRuns.push(timedToNull(SYSDIG, ['-r', plain]));
  log(`rep ${r + 1}/${REPS}: inspector-format ${fmtRuns[r].toFixed(3)} s, cli ${cliRuns[r].toFixed(3)} s${withSysdig ? `, sysdig ${sdRuns[r].toFixed(3)} s` : ''}`);
}
const fmtSecs = median(fmtRuns);
const cliSecs = median(cliRuns);
emit({ case: 'inspector-format', events, seconds: +fmtSecs.toFixed(4), eventsPerSec: Math.round(events / fmtSecs), nsPerEvent: +((fmtSecs / events) * 1e9).toFixed(1) });
emit({ case: 'cli', events, seconds: +cliSecs.toFixed(4), eventsPerSec: Math.round(events / cliSecs) });
if (withSysdig) {
  const sdSecs = median(sdRuns);
  emit({ case: 'sysdig', events, seconds: +sdSecs.toFixed(4), eventsPerSec: Math.round(events / sdSecs) });
  const ratio = median(sdRuns.map((s, i) => s / fmtRuns[i]));
  emit({ case: 'inspector-format-vs-sysdig', ratio: +ratio.toFixed(3), perRep: sdRuns.map((s, i) => +(s / fmtRuns[i]).toFixed(2)), target: TARGET_VS_SYSDIG, meets: ratio >= TARGET_VS_SYSDIG });
  emit({ case: 'cli-vs-sysdig', ratio: +median(sdRuns.map((s, i) => s / cliRuns[i])).toFixed(3) });
}

emit({ case: 'thread-bytes', threads: 100_000, bytesPerThread: Math.round(threadBytes(100_000)) });
emit({ case: 'fd-bytes', kind: 'file', fds: 100_000, bytesPerFd: Math.round(fdBytes(100_000, 'file')) });
emit({ case: 'fd-bytes', kind: 'ipv4-socket', fds: 100_000, bytesPerFd: Math.round(fdBytes(100_000, 'ipv4')) });

const fe = await forkExitRss(PAIRS);
const warm = fe.samples[Math.min(1, fe.samples.length - 1)];
const last = fe.samples[fe.samples.length - 1];
const maxMb = Math.max(...fe.samples.map((s) => s.rssMb));
emit({
  case: 'fork-exit-rss',
  pairs: PAIRS,
  events: fe.events,
  eventsPerSec: Math.round(fe.events / fe.seconds),
  threadsAtEnd: fe.threads,
  rssStartMb: fe.rss0Mb,
  rssAfterWarmupMb: warm.rssMb,
  rssEndMb: last.rssMb,
  rssMaxMb: maxMb,
  growthAfterWarmupMb: +(last.rssMb - warm.rssMb).toFixed(1),
  flat: last.rssMb - warm.rssMb <= FLAT_MB,
  samples: fe.samples,
});
log(`checksum ${sink}`);
