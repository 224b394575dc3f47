#!/usr/bin/env node
/**
 * Benchmark `plugins`: events per second from a source plugin through a
 * filter on plugin fields and the extraction of a field for each match, into
 * `for await`: a native plugin (test/plugins/testplugin.c, built here with
 * `cc -O2 -shared`) against a TypeScript plugin producing the same events
 * (payload `n=<i> msg=<word>`) and extracting the same fields.
 *
 * Needs the compiled library and addon: `npm run build` first.
 * Run through `npm run bench`, or alone: `node --expose-gc bench/plugins.mjs`.
 *
 * Knobs: BENCH_PLUGIN_EVENTS (default 1,000,000), BENCH_ROUNDS (default 3),
 * BENCH_BATCH (events per next_batch, default 512).
 *
 * Cases, for each plugin kind:
 *   source   events only (for await, no field touched)
 *   filter   `<p>.msg = beta and <p>.n > 100` compiled, and `<p>.n` extracted for each match
 * Prints one JSON line per (case, kind): best and median events/s over the
 * rounds, and the native/TS ratio.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { openCapture, fields } = await import(join(here, '..', 'dist', 'index.js'));
const { compileFilter } = await import(join(here, '..', 'dist', 'filter', 'index.js'));

const N = Number(process.env.BENCH_PLUGIN_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? 512);

const lib = join(mkdtempSync(join(tmpdir(), 'scap-ts-bench-')), 'libtestplugin.so');
execFileSync('cc', ['-shared', '-fPIC', '-O2', '-fvisibility=hidden', '-o', lib, join(here, '..', 'test', 'plugins', 'testplugin.c'), '-lpthread']);

const WORDS = ['alpha', 'beta', 'gamma', 'delta'];
const enc = new TextEncoder();
const dec = new TextDecoder();

/** The TypeScript twin of the C plugin: same payloads, same fields (under `tsb.`). */
function tsPlugin() {
  return {
    name: 'tsbench',
    version: '1.0.0',
    id: 6001,
    eventSource: 'tsbench',
    fields: [
      { name: 'tsb.n', type: 'uint64', desc: 'sequence number' },
      { name: 'tsb.msg', type: 'string', desc: 'word' },
    ],
    open(params) {
      const count = Number(/count=(\d+)/.exec(params)?.[1] ?? 20);
      let i = 0;
      return {
        next() {
          if (i >= count) return null;
          const out = [];
          for (let k = 0; k < BATCH && i < count; k++, i++) out.push({ ts: 1_000_000_000n + BigInt(i) * 1000n, data: enc.encode(`n=${i} msg=${WORDS[i % 4]}`) });
          return out;
        },
      };
    },
    extract(evt, f) {
      const s = dec.decode(evt.data);
      const sp = s.indexOf(' ');
      if (f.name === 'tsb.n') return Number(s.slice(2, sp));
      return s.slice(sp + 5);
    },
  };
}

async function once(kind, withFilter) {
  const prefix = kind === 'native' ? 'test' : 'tsb';
  const plugins = kind === 'native' ? [{ name: 'testplugin', library_path: lib }] : [{ name: 'tsbench', plugin: tsPlugin() }];
  const name = kind === 'native' ? 'testplugin' : 'tsbench';
  // The test plugin's parse_event and async capabilities are left out of the measure.
  const cap = await openCapture({ plugins, source: { plugin: name, openParams: `count=${N},batch=${BATCH}` } });
  cap.eventHook = undefined;
  const filter = withFilter ? compileFilter(`${prefix}.msg = beta and ${prefix}.n > 100`, fields) : undefined;
  const nField = fields.get(`${prefix}.n`);
  let n = 0;
  let matched = 0;
  let sum = 0;
  const t0 = process.hrtime.bigint();
  for await (const e of cap) {
    if (e.type !== 322) continue;
    n++;
    if (filter && filter.match(e)) {
      matched++;
      sum += nField.extract(e);
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  if (n !== N) throw new Error(`${kind}: ${n} events, expected ${N}`);
  return { eps: (N * 1e9) / ns, matched, sum };
}

for (const withFilter of [false, true]) {
  const res = {};
  for (const kind of ['native', 'ts']) {
    const runs = [];
    for (let r = 0; r < ROUNDS; r++) {
      globalThis.gc?.();
      runs.push(await once(kind, withFilter));
    }
    const eps = runs.map((x) => x.eps).sort((a, b) => a - b);
    res[kind] = { best: eps[eps.length - 1], median: eps[Math.floor(eps.length / 2)], matched: runs[0].matched };
  }
  for (const kind of ['native', 'ts']) {
    console.log(JSON.stringify({
      bench: 'plugins', case: withFilter ? 'filter+extract' : 'source', plugin: kind, events: N, batch: BATCH,
      eventsPerSec: Math.round(res[kind].median), bestEventsPerSec: Math.round(res[kind].best),
      matched: res[kind].matched,
      ...(kind === 'native' ? { nativeOverTs: Number((res.native.median / res.ts.median).toFixed(2)) } : {}),
    }));
  }
}
