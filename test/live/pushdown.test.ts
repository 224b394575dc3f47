/**
 * Kernel pushdown of a filter (issue 5): with `evt.type=openat and fd.name
 * contains /tmp/x` the probe's interesting-syscalls map (read back from the
 * kernel with bpftool) holds exactly openat plus the syscalls the state
 * needs, the matching event still arrives with its state, and a getpid storm
 * that an unfiltered capture sees in full never leaves the kernel.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCapture, type Capture } from '../../lib/capture.js';
import { SYSCALLS_X86_64 } from '../../lib/events/schema.generated.js';
import { fields } from '../../lib/fields/index.js';
import { compileFilter } from '../../lib/filter/index.js';
import { STATE_SYSCALLS, kernelSyscalls } from '../../lib/pipeline.js';
import type { EventContext } from '../../lib/state/context.js';
import { ROOT, prerequisite } from '../helpers/env.js';

const ccPath = ['/usr/bin/cc', '/usr/bin/gcc'].find((p) => existsSync(p));
const bpftool = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/sbin/bpftool'].find((p) => existsSync(p));
const noLive = prerequisite(
  process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux') && ccPath !== undefined && bpftool !== undefined,
  'the pushdown test needs root, kernel BTF, a C compiler and bpftool (scripts/setup-system.sh installs it)',
);

const FILTER = 'evt.type=openat and fd.name contains /tmp/x';
const work = mkdtempSync(join(tmpdir(), 'scap-pushdown-'));
const load = join(work, 'syscall-load');
const NAME_OF = new Map<number, string>(SYSCALLS_X86_64.map(([nr, name]) => [nr, name]));

interface MapInfo {
  id: number;
  name?: string;
}

/** Ids of the BPF maps this process holds open (from /proc/self/fdinfo: no need for bpftool's pid support). */
function ownMapIds(): Set<number> {
  const ids = new Set<number>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:bpf-map') continue;
      const m = /^map_id:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (m) ids.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return ids;
}

/** The probe's interesting-syscalls map of this process, read from the kernel: the names of the syscalls it captures. */
function interestingInKernel(): string[] {
  const own = ownMapIds();
  const maps = JSON.parse(execFileSync(bpftool!, ['-j', 'map', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as MapInfo[];
  const ours = maps.filter((m) => (m.name ?? '').startsWith('interesting_sys') && own.has(m.id));
  expect(ours, 'one interesting-syscalls map belongs to this capture').toHaveLength(1);
  const dump = JSON.parse(execFileSync(bpftool!, ['-j', 'map', 'dump', 'id', String(ours[0].id)], { encoding: 'utf8', maxBuffer: 64 << 20 })) as Array<
    { key: number | string[]; value: number | string[] } | { formatted: { key: number; value: number } }
  >;
  const num = (x: number | string[]) => (typeof x === 'number' ? x : x.reduceRight((n, b) => n * 256 + Number.parseInt(b, 16), 0));
  const on: string[] = [];
  for (const d of dump) {
    const kv = 'formatted' in d ? d.formatted : d;
    // Non-zero = captured (SCAP_SC_GENERIC or SCAP_SC_FILLER in driver/bpf/shared.h).
    if (num(kv.value) !== 0) on.push(NAME_OF.get(num(kv.key)) ?? `#${num(kv.key)}`);
  }
  return on.sort((a, b) => nr(a) - nr(b));
}

const nr = (name: string) => SYSCALLS_X86_64.find((r) => r[1] === name)?.[0] ?? 1e9;

/** Runs the getpid storm gated on stdin, with `open` attached to its pid first; returns the calls and the kernel's count. */
async function storm(open: (pid: number) => Promise<Capture>): Promise<{ calls: number; seen: number; delivered: number }> {
  const child = spawn(load, ['getpid', '0.3', '-1', '--gate'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const cap = await open(child.pid!);
  let delivered = 0;
  const drain = (async () => {
    for await (const b of cap.batches()) delivered += b.length;
  })();
  child.stdin!.end('g');
  expect(await exit).toBe(0);
  await new Promise((r) => setTimeout(r, 300));
  await cap.close();
  await drain;
  const { calls } = JSON.parse(out) as { calls: number };
  return { calls, seen: cap.stats().seen, delivered };
}

describe.skipIf(noLive)('kernel pushdown of filters (SCAP_TS_REQUIRE_LIVE=1 makes a missing root/BTF/cc/bpftool fail)', () => {
  beforeAll(() => {
    execFileSync(ccPath!, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', load, join(ROOT, 'test', 'triggers', 'syscall-load.c')]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(`${FILTER}: the probe's interesting set is openat plus the state's syscalls, and the match arrives`, async () => {
    const expected = kernelSyscalls(compileFilter(FILTER, fields))!;
    expect(expected).toContain('openat');
    expect(expected).toEqual([...new Set(['openat', ...STATE_SYSCALLS])].sort((a, b) => nr(a) - nr(b)));
    const cap = await openCapture({ filter: FILTER });
    try {
      expect(cap.kernelSyscalls).toEqual(expected);
      expect(cap.filter?.syscalls).toEqual(['openat']);
      const inKernel = interestingInKernel();
      expect(inKernel).toEqual(expected);
      expect(inKernel).not.toContain('getpid');
      expect(inKernel).not.toContain('read');

      // A shell opens /tmp/x-<pid> for writing (openat): that event, with its process and fd, is what comes out.
      const path = `/tmp/x-pushdown-${process.pid}`;
      const sh = spawn('/bin/sh', ['-c', `echo hi > ${path}; cat ${path} > /dev/null`], { stdio: 'ignore' });
      const seen: string[] = [];
      const deadline = setTimeout(() => void cap.close(), 10_000);
      for await (const e of cap) {
        const ctx = e.state as EventContext;
        seen.push(`${e.field('evt.type') as string} ${e.field('evt.dir') as string} ${e.field('proc.name') as string} ${e.field('fd.name') as string}`);
        expect(ctx.num).toBeGreaterThan(0);
        if (seen.some((s) => s.startsWith('openat < cat '))) break;
      }
      clearTimeout(deadline);
      rmSync(path, { force: true });
      expect(sh.pid).toBeDefined();
      expect(seen).toContain(`openat < sh ${path}`);
      expect(seen).toContain(`openat < cat ${path}`);
      expect(seen.every((s) => s.startsWith('openat ') && s.includes('/tmp/x'))).toBe(true);
    } finally {
      await cap.close();
    }
  });

  it('a getpid storm the kernel produces in full without the filter never leaves the kernel with it', async () => {
    const all = await storm((pid) => openCapture({ tgids: [pid], state: false }));
    const filtered = await storm((pid) => openCapture({ tgids: [pid], filter: FILTER }));
    expect(all.calls).toBeGreaterThan(10_000);
    expect(filtered.calls).toBeGreaterThan(10_000);
    // An event for every getpid was produced (delivered or dropped) without the filter...
    expect(all.seen).toBeGreaterThanOrEqual(all.calls);
    // ...and none with it: what is left is the load's own start and exit.
    expect(filtered.seen).toBeLessThan(100);
    expect(filtered.delivered).toBe(0);
  });
});
