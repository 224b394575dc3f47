#!/usr/bin/env node
/**
 * Benchmark `ptrace`: what tracing a program from userspace costs it, with
 * the seccomp filter (only the covered syscalls stop), tracing every syscall
 * (`-a`), under the eBPF probe, and with nothing, in one run.
 *
 * The load (C, compiled at start into os.tmpdir()) repeats ITER times: MIX
 * cheap syscalls the engine does not cover (`syscall(SYS_getppid)`), then
 * one openat + 16-byte write + close of /dev/null (covered: 4 events; /dev/null
 * keeps file-system noise out).
 * It prints its own elapsed time; slowdown = time / time with nothing.
 *
 * Loads:
 *   trigger-like  MIX = 10: a program that mostly does uninteresting syscalls
 *   uninteresting MIX = 10, no file I/O: the seccomp filter's best case
 *   file-only     MIX = 0: every syscall is covered (the filter saves nothing)
 *
 * Cases per load: nothing, ptrace-seccomp, ptrace-full, bpf (bpf needs root and
 * kernel BTF; it captures system-wide, consumed in this process). Each is run
 * BENCH_PTRACE_RUNS times (default 3), the median is reported.
 * Environment: BENCH_PTRACE_ITER (default 20000), BENCH_PTRACE_RUNS.
 * Progress on stderr; stdout carries only JSON lines.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { openCapture } from '../dist/index.js';

const BENCH = 'ptrace';
const ITER = Number(process.env.BENCH_PTRACE_ITER ?? 20000);
const RUNS = Number(process.env.BENCH_PTRACE_RUNS ?? 3);
const log = (m) => process.stderr.write(`[${BENCH}] ${m}\n`);
const emit = (o) => process.stdout.write(`${JSON.stringify({ bench: BENCH, ...o })}\n`);
const round = (x, d = 3) => +x.toFixed(d);

const LOAD_C = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long iter = atol(argv[1]), mix = atol(argv[2]);
  int files = atoi(argv[3]);
  const char *path = argv[4];
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < iter; i++) {
    for (long j = 0; j < mix; j++) syscall(SYS_getppid);
    if (files) {
      int fd = openat(AT_FDCWD, path, O_WRONLY);
      if (write(fd, "0123456789abcdef", 16) != 16) return 3;
      close(fd);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("{\\"seconds\\":%.9f}\\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  return 0;
}
`;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  emit({ case: 'skip', reason: 'x86_64 Linux only' });
  process.exit(0);
}
const dir = mkdtempSync(join(os.tmpdir(), 'scap-ts-bench-ptrace-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, 'load');
writeFileSync(join(dir, 'load.c'), LOAD_C);
try {
  execFileSync('cc', ['-O2', '-o', bin, join(dir, 'load.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  emit({ case: 'skip', reason: `cannot compile the load: ${e.message}` });
  process.exit(0);
}
const bpfOk = process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux');

const LOADS = {
  'trigger-like': { mix: 10, files: 1 },
  uninteresting: { mix: 10, files: 0 },
  'file-only': { mix: 0, files: 1 },
};

function args(load) {
  const l = LOADS[load];
  return [String(ITER), String(l.mix), String(l.files), '/dev/null'];
}

function plain(load) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args(load), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out).seconds) : reject(new Error(`load exited ${code}`))));
  });
}

async function traced(load, full) {
  const outFile = join(dir, 'out');
  const fd = openSync(outFile, 'w');
  const cap = await openCapture({ source: { ptrace: { command: [bin, ...args(load)], stdio: [-1, fd, -1], full } } });
  closeSync(fd);
  let events = 0;
  for await (const b of cap.batches()) events += b.length;
  const st = cap.ptrace.stats();
  if (st.exit?.code !== 0) throw new Error(`traced load exited ${JSON.stringify(st.exit)}`);
  return { seconds: JSON.parse(readFileSync(outFile, 'utf8')).seconds, events, stops: st.syscallStops };
}

async function underBpf(load) {
  const cap = await openCapture({});
  const draining = (async () => {
    let n = 0;
    for await (const b of cap.batches()) n += b.length;
    return n;
  })();
  try {
    return await plain(load);
  } finally {
    await cap.close();
    await draining;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await plain('trigger-like'); // warm-up (page cache, CPU frequency)
for (const load of Object.keys(LOADS)) {
  const syscalls = ITER * (LOADS[load].mix + 3 * LOADS[load].files);
  const times = { nothing: [], 'ptrace-seccomp': [], 'ptrace-full': [], bpf: [] };
  const extra = {};
  for (let r = 0; r < RUNS; r++) {
    log(`${load}: run ${r + 1}/${RUNS}`);
    times.nothing.push(await plain(load));
    const s = await traced(load, false);
    times['ptrace-seccomp'].push(s.seconds);
    extra['ptrace-seccomp'] = { events: s.events, syscallStops: s.stops };
    const f = await traced(load, true);
    times['ptrace-full'].push(f.seconds);
    extra['ptrace-full'] = { events: f.events, syscallStops: f.stops };
    if (bpfOk) times.bpf.push(await underBpf(load));
  }
  const base = median(times.nothing);
  for (const [c, ts] of Object.entries(times)) {
    if (ts.length === 0) {
      emit({ load, case: c, skipped: 'needs root and kernel BTF' });
      continue;
    }
    const t = median(ts);
    emit({ load, case: c, iterations: ITER, syscalls, seconds: round(t, 4), slowdown: round(t / base, 2), nsPerSyscall: round(((t - base) * 1e9) / syscalls, 0), ...(extra[c] ?? {}) });
  }
}
