#!/usr/bin/env node
/**
 * Benchmark runner: `npm run bench` (= `node --expose-gc bench/run.mjs`).
 *
 * The benchmarks import the COMPILED library from ../dist/, so the library
 * must have been built first: `npm run build` (or at least `npm run build:ts`,
 * i.e. `npx tsc -p tsconfig.build.json`). Results are only meaningful against a
 * fresh build of the sources being measured.
 *
 * Each benchmark is one file in this folder; this runner runs each in turn in
 * its own `node --expose-gc` process (so one benchmark's JIT state and heap do
 * not colour the next) and passes their output through: one JSON object per
 * line, `{"bench": ..., "case": ..., ...}`.
 *
 *   node bench/run.mjs                 run every benchmark
 *   node bench/run.mjs scapfile-read   run the named ones only (live-capture needs root)
 *   node bench/run.mjs kmod-guest      the kernel module vs the eBPF probe in a QEMU guest (not run by default)
 *
 * Environment knobs are documented in each benchmark file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Every benchmark, in the order they run. */
const BENCHMARKS = ['scapfile-read', 'live-capture', 'filter', 'state', 'plugins', 'ptrace'];
/** Run only when named (minutes: a QEMU guest). */
const OPTIONAL = ['kmod-guest'];

if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
  console.error('bench: ../dist/index.js is missing: run `npm run build` (or `npm run build:ts`) first');
  process.exit(2);
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !BENCHMARKS.includes(w) && !OPTIONAL.includes(w));
if (unknown.length) {
  console.error(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${[...BENCHMARKS, ...OPTIONAL].join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const name of wanted.length ? wanted : BENCHMARKS) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, `${name}.mjs`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: ${name} failed (${r.signal ?? `exit ${r.status}`})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
