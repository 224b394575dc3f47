/**
 * Drop accounting is exact: with a tiny ring, a syscall storm and a consumer
 * that is slow on purpose, the kernel drops events, and once the storm is over
 * and the rings are drained every event the probe produced is either delivered
 * or counted as dropped (per CPU, to the event), while the consumer's memory
 * stays bounded (back-pressure stops at the rings, not in a queue).
 *
 * It stays exact when the capture ends in the middle of a storm: close()
 * counts what it throws away (events still in the rings, in queued batches
 * and in the open batch: discardedAtClose), and stop() detaches the probe and
 * delivers everything the rings held, so that nothing is discarded.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCapture, type CaptureStats } from '../../lib/capture.js';
import { ROOT, prerequisite } from '../helpers/env.js';

const ccPath = ['/usr/bin/cc', '/usr/bin/gcc'].find((p) => existsSync(p));
// SCAP_TS_REQUIRE_LIVE=1 (CI) turns a missing prerequisite into a failure instead of a skip.
const noLive = prerequisite(
  process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux') && ccPath !== undefined,
  'live capture needs root, kernel BTF and a C compiler',
);

const work = mkdtempSync(join(tmpdir(), 'scap-drops-'));
const load = join(work, 'syscall-load');

const KiB = 1024;
const MiB = 1024 * KiB;
const STORM_SECONDS = 2;
/** The storms of the mid-storm close/stop tests: short, so as not to flood captures running alongside. */
const SHORT_STORM_SECONDS = 0.5;
/** No batch for this long after the load exited: the rings and the queue are empty. */
const QUIET_MS = 750;

interface LoadReport {
  mode: string;
  calls: number;
  seconds: number;
  rate: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every event the probe produced is delivered or counted as a drop, in total and on each CPU. */
function expectExact(st: CaptureStats, deliveredByCpu: Map<number, number>): void {
  const d = st.drops;
  expect(d.total).toBe(d.ringFull + d.tooLarge + d.noRing + d.corrupt + d.discardedAtClose);
  expect(st.seen).toBe(st.delivered + d.total);
  expect(d.noRing).toBe(0);
  expect(d.corrupt).toBe(0);
  for (const c of st.cpus) {
    const lost = c.dropsRingFull + c.dropsTooLarge + c.dropsNoRing + c.corrupt + c.discardedAtClose;
    expect(c.events, `cpu ${c.cpu}`).toBe((deliveredByCpu.get(c.cpu) ?? 0) + lost);
  }
}

/** Starts the load gated (it waits for a byte on stdin); `exited` resolves with its exit code. */
function startLoad(mode: string, seconds: number) {
  const child = spawn(load, [mode, String(seconds), '-1', '--gate'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return { child, exited, go: () => child.stdin!.end('g'), report: () => JSON.parse(out) as LoadReport };
}

describe.skipIf(noLive)('drop accounting (SCAP_TS_REQUIRE_LIVE=1 makes a missing root/BTF/cc fail)', () => {
  beforeAll(() => {
    execFileSync(ccPath!, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', load, join(ROOT, 'test', 'triggers', 'syscall-load.c')]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // Both exit hooks: tp_btf/sys_exit (what a capture of every syscall gets) and the sys_exit
  // tracepoints (of the captured syscalls only: here the storm's).
  it.each([
    { hook: 'btf', options: {} },
    { hook: 'tracepoint', options: { exitHook: 'tracepoint', syscalls: ['getppid'] } },
  ] as const)('tiny ring, syscall storm, slow consumer: drops > 0, seen = delivered + dropped exactly, bounded RSS ($hook exit hook)', async ({ hook, options }) => {
    // The load waits for a byte on stdin, so the capture is attached (to its pid only) before the storm.
    const child = spawn(load, ['getppid', String(STORM_SECONDS), '-1', '--gate'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    let exited = false;
    const exit = new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        exited = true;
        resolve(code);
      });
    });

    const cap = await openCapture({
      ...options,
      tgids: [child.pid!],
      bufferBytesPerCpu: 64 * KiB,
      batchBytes: 64 * KiB,
      maxQueuedBatches: 1,
    });
    expect(cap.stats().exitHook).toBe(hook);
    const rss0 = process.memoryUsage.rss();
    let rssMax = rss0;
    const deliveredByCpu = new Map<number, number>();
    let delivered = 0;
    let batches = 0;
    let foreign = 0;
    let lastBatch = Date.now();
    let before: CaptureStats | undefined;

    // Ends the capture once the load is gone and nothing has come for QUIET_MS (or after 30 s).
    const started = Date.now();
    const watchdog = setInterval(() => {
      const quiet = exited && Date.now() - lastBatch >= QUIET_MS;
      if (quiet || Date.now() - started > 30_000) {
        clearInterval(watchdog);
        before = cap.stats();
        void cap.close();
      }
    }, 50);

    child.stdin!.end('g');
    try {
      for await (const b of cap.batches()) {
        batches++;
        delivered += b.length;
        for (let i = 0; i < b.length; i++) {
          deliveredByCpu.set(b.cpus[i], (deliveredByCpu.get(b.cpus[i]) ?? 0) + 1);
          if (b.tid(i) !== child.pid) foreign++;
        }
        rssMax = Math.max(rssMax, process.memoryUsage.rss());
        // The slow consumer: the rings fill up while it sleeps.
        await sleep(2);
        lastBatch = Date.now();
      }
    } finally {
      clearInterval(watchdog);
      await cap.close();
    }

    expect(await exit).toBe(0);
    const report = JSON.parse(out) as LoadReport;
    const after = cap.stats();

    // The storm happened and overran the consumer.
    expect(report.calls).toBeGreaterThan(100_000);
    expect(batches).toBeGreaterThan(10);
    expect(after.drops.ringFull).toBeGreaterThan(0);
    expect(after.drops.tooLarge).toBe(0);
    // The capture was quiet when closed: nothing left to discard.
    expect(after.drops.discardedAtClose).toBe(0);
    expect(delivered).toBeGreaterThan(0);
    expect(after.delivered).toBe(delivered);

    // Only the load was captured, and the kernel counts only what passed the filters: one
    // event per getppid plus the load's few other syscalls (gate read, write, exit).
    expect(foreign).toBe(0);
    expect(after.seen).toBeGreaterThanOrEqual(report.calls);
    expect(after.seen - report.calls).toBeLessThan(100);

    // Exact: delivered + dropped = seen, in total and CPU by CPU, before and after close().
    expect(before).toBeDefined();
    expectExact(before!, deliveredByCpu);
    expectExact(after, deliveredByCpu);
    expect(after.seen).toBe(before!.seen);

    // Back-pressure stops at the kernel rings: the consumer's memory stays bounded.
    expect(rssMax - rss0).toBeLessThan(64 * MiB);
  });

  it('close() in the middle of a storm: what it throws away is counted, seen = delivered + drops exactly', async () => {
    const loadRun = startLoad('getppid', SHORT_STORM_SECONDS);
    const cap = await openCapture({ tgids: [loadRun.child.pid!], bufferBytesPerCpu: 1 * MiB, batchBytes: 64 * KiB, maxQueuedBatches: 2 });
    const deliveredByCpu = new Map<number, number>();
    let delivered = 0;
    loadRun.go();
    let closing = false;
    try {
      for await (const b of cap.batches()) {
        delivered += b.length;
        for (let i = 0; i < b.length; i++) deliveredByCpu.set(b.cpus[i], (deliveredByCpu.get(b.cpus[i]) ?? 0) + 1);
        // Closed while the storm runs, once the slow consumer lags so much that the ring is full.
        if (!closing && cap.stats().drops.ringFull > 0) {
          closing = true;
          setTimeout(() => void cap.close(), 20);
        }
        await sleep(10);
      }
    } finally {
      await cap.close();
    }
    expect(closing).toBe(true);
    expect(await loadRun.exited).toBe(0);
    const st = cap.stats();
    expect(st.delivered).toBe(delivered);
    expect(delivered).toBeGreaterThan(0);
    // The rings and batches held events when it closed: thrown away, and counted.
    expect(st.drops.discardedAtClose).toBeGreaterThan(0);
    expectExact(st, deliveredByCpu);
    // Only the load was counted (its getppid calls and a few syscalls of its own).
    expect(st.seen).toBeLessThan(loadRun.report().calls + 100);
  });

  it('stop() in the middle of a storm: the rest is delivered, in order, nothing discarded, seen = delivered + drops', async () => {
    const loadRun = startLoad('getppid', SHORT_STORM_SECONDS);
    const cap = await openCapture({ tgids: [loadRun.child.pid!], bufferBytesPerCpu: 1 * MiB, batchBytes: 64 * KiB, maxQueuedBatches: 2 });
    const deliveredByCpu = new Map<number, number>();
    let delivered = 0;
    let lastTs = 0n;
    let inversions = 0;
    let stoppedAt = 0n;
    let afterStop = 0;
    let late = 0;
    loadRun.go();
    try {
      for await (const b of cap.batches()) {
        delivered += b.length;
        if (stoppedAt) afterStop += b.length;
        // Stopped while the storm runs, once the slow consumer lags so much that the ring is full.
        if (!stoppedAt && cap.stats().drops.ringFull > 0) {
          await cap.stop();
          // Wall clock (ns since the epoch) once the probe is detached: no event can be later.
          stoppedAt = BigInt(Date.now() + 1) * 1_000_000n;
        }
        for (let i = 0; i < b.length; i++) {
          deliveredByCpu.set(b.cpus[i], (deliveredByCpu.get(b.cpus[i]) ?? 0) + 1);
          const ts = b.ts(i);
          if (ts < lastTs) inversions++;
          lastTs = ts;
          if (stoppedAt && ts > stoppedAt) late++;
        }
        await sleep(10);
      }
    } finally {
      await cap.close();
    }
    expect(await loadRun.exited).toBe(0);
    expect(stoppedAt).toBeGreaterThan(0n);
    const st = cap.stats();
    expect(st.delivered).toBe(delivered);
    // The loop ended by itself after delivering what the rings held when stop() came.
    expect(afterStop).toBeGreaterThan(0);
    expect(st.drops.discardedAtClose).toBe(0);
    expect(inversions).toBe(0);
    expect(late).toBe(0);
    expectExact(st, deliveredByCpu);
    // Only the load was counted (its getppid calls and a few syscalls of its own).
    expect(st.seen).toBeLessThan(loadRun.report().calls + 100);
  });
  it('a consumer fed by a storm still lets timers run: a 300 ms abort timer ends the loop long before the storm does', async () => {
    // Batches are always ready, so nextBatch() settles at once; without turns given
    // to the event loop, the abort timer fired only when the storm was over.
    for (const perEvent of [false, true]) {
      const loadRun = startLoad('getppid', 4);
      const ac = new AbortController();
      const cap = await openCapture({ tgids: [loadRun.child.pid!], signal: ac.signal });
      const t0 = Date.now();
      loadRun.go();
      setTimeout(() => ac.abort(), 300);
      let n = 0;
      if (perEvent) for await (const e of cap) n += e.len > 0 ? 1 : 0;
      else for await (const b of cap.batches()) n += b.length;
      const ms = Date.now() - t0;
      loadRun.child.kill();
      await loadRun.exited;
      expect(cap.closed).toBe(true);
      expect(n).toBeGreaterThan(0);
      // The storm lasts 4 s.
      expect(ms, `${perEvent ? 'events' : 'batches'}: loop ended after ${ms} ms`).toBeLessThan(2500);
    }
  });
});
