/**
 * openCapture's state and filter on file replays: state on by default
 * (evt.thread, evt.fd, evt.user, evt.field), `state: false` for raw events,
 * a filter that sees every event's state but hands out only matches (through
 * the iterator and through batches()), counts, early errors, the kernel set a
 * live capture would get, and the CLI's positional filter and -l.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../lib/capture.js';
import { run } from '../../lib/cli/main.js';
import { SYSCALLS_X86_64 } from '../../lib/events/schema.generated.js';
import { fields } from '../../lib/fields/index.js';
import { compileFilter, FilterCompileError, FilterSyntaxError } from '../../lib/filter/index.js';
import { STATE_SYSCALLS, kernelSyscalls } from '../../lib/pipeline.js';
import type { EventContext } from '../../lib/state/context.js';
import { inspect } from '../../lib/state/index.js';
import { ROOT, fixture } from '../helpers/env.js';

async function collect(filter?: string, state?: boolean) {
  const cap = await openCapture({ source: { file: fixture('cat_write') }, filter, state });
  const out: Array<{ num: number | undefined; type: string; name: unknown; fd: unknown }> = [];
  for await (const e of cap) {
    const ctx = e.state as EventContext | undefined;
    out.push({ num: ctx?.num, type: e.info?.name ?? '', name: ctx ? e.field('proc.name') : undefined, fd: ctx ? e.fd?.name : undefined });
  }
  return { out, cap };
}

describe('openCapture: state and filter', () => {
  it('attaches state by default: threads, fds, users and fields on every event', async () => {
    const { out, cap } = await collect();
    expect(out.length).toBeGreaterThan(300);
    expect(out.every((x) => x.num !== undefined)).toBe(true);
    const open = out.find((x) => x.type === 'open' && x.fd === '/etc/ld.so.cache');
    expect(open?.name).toBe('cat');
    expect(cap.inspector?.nevts).toBe(out.length);
    expect(cap.filter).toBeUndefined();
    expect(cap.kernelSyscalls).toBeUndefined();
  });

  it('state: false hands out raw events', async () => {
    const cap = await openCapture({ source: { file: fixture('cat_write') }, state: false });
    let n = 0;
    for await (const e of cap) {
      expect(e.state).toBeUndefined();
      n++;
    }
    expect(n).toBeGreaterThan(300);
    expect(cap.inspector).toBeUndefined();
  });

  it('a filter sees the state of every event and hands out the matches only, with their state', async () => {
    const { out, cap } = await collect('proc.name=cat and evt.type=open and evt.dir=< and fd.name contains lib');
    expect(out.map((x) => x.fd)).toEqual(['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/locale/locale-archive']);
    expect(out.map((x) => x.num)).toEqual([151, 187]);
    expect(out[0].name).toBe('cat');
    expect(cap.filter?.eventTypes.length).toBeGreaterThan(0);
    const st = cap.stats();
    expect(st.delivered).toBe(2);
    expect(st.rejected).toBeGreaterThan(300);
    expect(st.rejected + st.delivered).toBeLessThanOrEqual(cap.inspector!.nevts);
  });

  it('batches() holds the matching events of each batch, each with its context', async () => {
    const cap = await openCapture({ source: { file: fixture('curl_google') }, filter: 'evt.type=connect and evt.dir=<' });
    const names: string[] = [];
    for await (const b of cap.batches()) {
      for (const e of b) names.push(`${(e.state as EventContext).num} ${e.field('fd.name') as string}`);
    }
    expect(names).toHaveLength(4);
    expect(names[0]).toBe('1057 0->ffff88003c420800 /var/run/nscd/socket');
    expect(names[3]).toBe('1273 2600:1f18:262c:6542:9aa6:df7a:9a47:d29e:37140->2607:f8b0:4004:802::2004:80');
    expect(cap.stats().delivered).toBe(4);
  });

  it('inspect() hands on the events of a capture that keeps state, and builds state for one that does not', async () => {
    const nums = async (state: boolean) => {
      const out: number[] = [];
      for await (const e of inspect(await openCapture({ source: { file: fixture('cat_write') }, state }))) out.push((e.state as EventContext).num);
      return out;
    };
    const withState = await nums(true);
    expect(withState.length).toBeGreaterThan(300);
    expect(withState).toEqual(withState.map((_, i) => i + 1));
    expect(await nums(false)).toEqual(withState);
  });

  it('a bad filter fails before anything is opened', async () => {
    await expect(openCapture({ source: { file: '/nonexistent' }, filter: 'proc.nme=x' })).rejects.toBeInstanceOf(FilterCompileError);
    await expect(openCapture({ source: { file: '/nonexistent' }, filter: 'proc.name=' })).rejects.toBeInstanceOf(FilterSyntaxError);
  });
});

describe('kernel pushdown sets', () => {
  it('evt.type=openat and fd.name contains /tmp/x: openat plus what the state needs', () => {
    const k = kernelSyscalls(compileFilter('evt.type=openat and fd.name contains /tmp/x', fields))!;
    expect(k).toEqual([...new Set(['openat', ...STATE_SYSCALLS])].sort((a, b) => nr(a) - nr(b)));
    for (const s of ['clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'exit', 'open', 'openat2', 'close', 'dup', 'dup2', 'dup3', 'socket', 'connect', 'accept', 'accept4', 'bind', 'pipe', 'pipe2', 'socketpair', 'fcntl', 'chdir', 'fchdir', 'setuid', 'setresuid', 'setgid', 'prctl', 'prlimit64']) {
      expect(k, s).toContain(s);
    }
    for (const s of ['read', 'write', 'getpid', 'mmap', 'nanosleep']) expect(k, s).not.toContain(s);
    // Without state, the filter's own set.
    expect(kernelSyscalls(compileFilter('evt.type in (getpid, openat)', fields), false)).toEqual(['getpid', 'openat']);
    // Filters that do not narrow the types keep everything.
    expect(kernelSyscalls(compileFilter('proc.name=cat', fields))).toBeUndefined();
    expect(kernelSyscalls(undefined)).toBeUndefined();
  });
});

const nr = (name: string) => SYSCALLS_X86_64.find((r) => r[1] === name)![0];

describe('CLI', () => {
  it('prints only the events of a positional filter (words joined), in sysdig’s default line', async () => {
    let text = '';
    expect(await run(['-r', fixture('curl_google'), 'proc.name=curl', 'and', 'evt.type=connect', 'and', 'evt.dir=<'], (s) => (text += s))).toBe(0);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^1057 \S+ 0 curl \(17498\) < connect res=-2\(ENOENT\) tuple=0->ffff88003c420800 \/var\/run\/nscd\/socket $/);
  });

  it('-l lists the fields; a bad filter is an error with its position', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8' });
    const l = cli(['-l']);
    expect(l.status).toBe(0);
    expect(l.stdout).toContain('\nproc.aname                    ');
    expect(l.stdout).toContain('\nfd.net                        (FILTER ONLY) ');
    const bad = cli(['-r', fixture('cat_write'), 'proc.name=cat and']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/FilterSyntaxError.*column/);
  });
});
