/**
 * Live: the eBPF driver and a plugin source merged in one capture, ordered by
 * timestamp, each event with its source; plugin fields false on syscall events.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../lib/capture.js';
import { fields } from '../../lib/fields/index.js';
import { compileFilter } from '../../lib/filter/filter.js';
import type { TsPlugin } from '../../lib/plugins/index.js';
import { prerequisite } from '../helpers/env.js';

const noLive = prerequisite(process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux'), 'live capture needs root and kernel BTF');

describe.skipIf(noLive)('live capture merged with a plugin source', () => {
  it("interleaves the driver's events and a TypeScript source's by timestamp", async () => {
    let sent = 0;
    const ticker: TsPlugin = {
      name: 'ticker',
      id: 7001,
      eventSource: 'ticker',
      fields: [{ name: 'ticker.n', type: 'uint64', desc: 'tick number' }],
      extract: (evt) => Number(Buffer.from(evt.data).toString()),
      open: () => ({
        // One tick a call while the capture runs (ts stamped by the framework: now).
        next: async () => {
          if (sent >= 20) return null;
          await new Promise((r) => setTimeout(r, 10));
          return [{ data: String(sent++) }];
        },
      }),
    };
    const cap = await openCapture({ plugins: [{ name: 'ticker', plugin: ticker }], sources: ['bpf', { plugin: 'ticker' }], syscalls: ['openat', 'read'], includeSelf: true });
    const f = compileFilter('ticker.n >= 0', fields);
    const bySource = new Map<string, number>();
    const ticks: number[] = [];
    let prev = 0n;
    let disorder = 0;
    // Our own reads (includeSelf) keep syscall events coming while the ticker runs.
    const load = setInterval(() => void readFile('/proc/self/status').catch(() => undefined), 2);
    try {
      for await (const e of cap) {
        const s = String(fields.get('evt.source').extract(e));
        bySource.set(s, (bySource.get(s) ?? 0) + 1);
        if (e.ts < prev) disorder++;
        prev = e.ts > prev ? e.ts : prev;
        if (f.match(e)) ticks.push(Number(fields.get('ticker.n').extract(e)));
        else expect(s).not.toBe('ticker');
        if (ticks.length === 20) break;
      }
    } finally {
      clearInterval(load);
      await cap.close();
    }
    expect(ticks).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(bySource.get('syscall') ?? 0).toBeGreaterThan(0);
    expect(bySource.get('ticker')).toBe(20);
    // Live sources can only be merged within the merge window; a late batch may step back a little.
    expect(disorder / [...bySource.values()].reduce((a, b) => a + b, 0)).toBeLessThan(0.05);
  });
});
