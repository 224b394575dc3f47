/**
 * The ptrace engine (binding/src/ptrace_engine.cc): the trigger of the eBPF
 * tests run under ptrace gives, for the syscalls the engine covers (its
 * `more` run makes those beyond its usual ones), the same events with the
 * same params as the eBPF probe (diffed modulo pids, ports, paths, times,
 * memory counters, addresses and kernel pointers); it works as an
 * unprivileged user on its own child; close kills or detaches; exit codes
 * and output are unchanged.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openCapture, type Capture } from '../../lib/capture.js';
import { Event, PPME } from '../../lib/events/index.js';
import { ROOT, prerequisite } from '../helpers/env.js';

const yama = existsSync('/proc/sys/kernel/yama/ptrace_scope') ? Number(readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8')) : 0;
const built = existsSync(join(ROOT, 'build', 'Release', 'scap_ts.node')) || existsSync(join(ROOT, 'prebuilds'));
// SCAP_TS_REQUIRE_LIVE=1 (CI) turns a missing prerequisite into a failure instead of a skip.
const noPtrace = prerequisite(process.platform === 'linux' && process.arch === 'x64' && (yama < 2 || process.getuid?.() === 0) && built && existsSync('/usr/bin/cc'), 'ptrace capture needs x86_64 Linux, ptrace allowed (Yama scope < 2, or root), the addon and cc');
const noBpf = prerequisite(process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux'), 'the eBPF side of the diff needs root and kernel BTF');
const noNobody = prerequisite(process.getuid?.() === 0 && spawnSync('id', ['nobody']).status === 0 && existsSync('/usr/sbin/runuser'), 'the unprivileged run needs root (to become nobody) and runuser');

const work = mkdtempSync(join(tmpdir(), 'scap-ptrace-'));
chmodSync(work, 0o755);
const trigger = join(work, 'trigger');

interface Report {
  pid: number;
  port: number;
  localPort: number;
  exiter: number;
  victim: number;
  execer: number;
  udpPort?: number;
}

async function collect(cap: Capture, until?: (e: Event) => boolean): Promise<Event[]> {
  const out: Event[] = [];
  const deadline = setTimeout(() => void cap.close(), 20_000);
  try {
    for await (const e of cap) {
      const copy = e.toBytes();
      const ev = new Event(copy, new DataView(copy.buffer), 0, e.cpu);
      out.push(ev);
      if (until?.(ev)) break;
    }
  } finally {
    clearTimeout(deadline);
  }
  return out;
}

/** Syscalls the trigger makes in its `more` run, each of which must be compared. */
const MORE = [
  'readv', 'writev', 'preadv', 'pwritev', 'socketpair', 'sendmsg', 'recvmsg', 'fcntl', 'ioctl', 'memfd_create',
  'userfaultfd', 'io_uring_setup', 'mmap', 'munmap', 'mprotect', 'chmod', 'fchmod', 'fchmodat', 'rename', 'renameat',
  'renameat2', 'unlink', 'unlinkat', 'mkdir', 'mkdirat', 'link', 'linkat', 'symlink', 'symlinkat', 'chdir', 'fchdir',
  'setuid', 'setgid', 'setresuid', 'setresgid', 'capset', 'setns', 'unshare', 'mount', 'umount2', 'ptrace', 'prctl',
  'init_module', 'finit_module', 'delete_module', 'bpf',
];
/** Event types the ptrace engine writes (and so compares). */
const COVERED = new Set(['execve', 'open', 'openat', 'openat2', 'creat', 'close', 'read', 'write', 'pread', 'pwrite', 'socket', 'bind', 'listen', 'connect', 'accept', 'accept4', 'shutdown', 'sendto', 'recvfrom', 'clone', 'fork', 'vfork', 'clone3', 'kill', 'tkill', 'tgkill', 'procexit', 'signaldeliver', 'dup', 'dup2', 'dup3', 'pipe', 'pipe2', ...MORE]);
/** Params the probe fills from kernel-only data, which the ptrace engine leaves as the probe does when it has none. */
const KERNEL_ONLY: Record<string, string[]> = {
  socketpair: ['source', 'peer'], // the kernel's socket pointers (0 from ptrace)
};
/** Addresses, which differ between any two runs (ASLR): masked, errors (negative) kept. */
const ADDRESSES: Record<string, string[]> = { mmap: ['res', 'addr'], munmap: ['addr'], mprotect: ['addr'] };
/** Params that differ between any two runs (times, memory, page faults) or that userspace cannot see the same way. */
const VOLATILE = new Set(['pgft_maj', 'pgft_min', 'vm_size', 'vm_rss', 'vm_swap', 'pidns_init_start_ts', 'ino', 'exe_ino_ctime']);
/**
 * Since Linux 6.11 (multigrain timestamps) the kernel keeps a flag in bit 31
 * of i_ctime_nsec (I_CTIME_QUERIED): the probe's raw read may carry it, stat(2)
 * never does. exe_ino_ctime is compared on its own, modulo that bit.
 */
const CTIME_QUERIED = 2n ** 31n;

/** The trigger's events as comparable lines, per role (main, exiter, victim, execer), from its execve on. */
function normalize(events: Event[], r: Report, path: string, extraPids: Record<number, string> = {}): Map<string, string[]> {
  const role = new Map<number, string>([
    [r.pid, 'MAIN'],
    [r.exiter, 'EXITER'],
    [r.victim, 'VICTIM'],
    [r.execer, 'EXECER'],
  ]);
  const subst = (s: string) => {
    let out = s.split(path).join('PATH');
    for (const [pid, name] of role) out = out.replace(new RegExp(`\\b${pid}\\b`, 'g'), name);
    for (const [pid, name] of Object.entries(extraPids)) out = out.replace(new RegExp(`\\b${pid}\\b`, 'g'), name);
    out = out.replace(new RegExp(`\\b${r.port}\\b`, 'g'), 'PORT').replace(new RegExp(`\\b${r.localPort}\\b`, 'g'), 'LPORT');
    if (r.udpPort) out = out.replace(new RegExp(`\\b${r.udpPort}\\b`, 'g'), 'UPORT');
    return out;
  };
  const per = new Map<string, string[]>();
  const started = new Set<number>();
  for (const e of events) {
    const who = role.get(e.tid);
    if (!who) continue;
    if (e.type === PPME.SYSCALL_EXECVE_19_X && e.tid === r.pid) started.add(e.tid);
    if (e.tid === r.pid && !started.has(e.tid)) continue;
    if (!COVERED.has(e.name)) continue;
    const params = e.params() as Record<string, unknown>;
    const shown: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) {
      if (VOLATILE.has(k) || KERNEL_ONLY[e.name]?.includes(k)) continue;
      if (ADDRESSES[e.name]?.includes(k) && BigInt(v as number | bigint) > 0n) {
        shown[k] = 'ADDR';
        continue;
      }
      // The launcher differs (Node's main thread, the tracer thread): the trigger's own parent is masked.
      if (k === 'ptid' && e.tid === r.pid) continue;
      shown[k] = v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v;
    }
    // The trigger's report (its stdout) holds pids cut at snaplen: digits masked.
    if (e.type === PPME.SYSCALL_WRITE_X && shown.fd === 1 && typeof shown.data === 'string') {
      shown.data = shown.data.replace(/\d+/g, 'N').slice(0, 100);
      shown.res = shown.size = 'N';
    }
    if (e.type === PPME.SYSCALL_EXECVE_19_X || e.type === PPME.SYSCALL_CLONE_20_X) {
      // Environment: the parts both launches share (the bpf side's Node adds nothing, the tracer neither).
      delete shown.env;
    }
    // bigints, also inside objects (ptrace's addr and data).
    const line = subst(`${e.direction}${e.name} ${JSON.stringify(shown, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}`);
    (per.get(who) ?? per.set(who, []).get(who)!).push(line);
  }
  return per;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function underPtrace(path: string, full = false, more: string[] = []): Promise<{ events: Event[]; report: Report; cap: Capture }> {
  const outFile = join(work, `report-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(outFile, 'w');
  const cap = await openCapture({ source: { ptrace: { command: [trigger, path, ...more], stdio: [-1, fd, -1], full } }, snaplen: 128 });
  closeSync(fd);
  const events = await collect(cap);
  const report = JSON.parse(readFileSync(outFile, 'utf8')) as Report;
  return { events, report, cap };
}

describe.skipIf(noPtrace)('ptrace engine (SCAP_TS_REQUIRE_LIVE=1 makes a missing prerequisite fail)', () => {
  beforeAll(() => {
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', trigger, join(ROOT, 'test', 'triggers', 'trigger.c')]);
  });

  it('records what the trigger did through the seccomp filter, and ends when it exits', async () => {
    const path = join(work, 'seccomp-run');
    const { events, report: r, cap } = await underPtrace(path);
    const st = cap.ptrace!.stats();
    expect(st.seccomp).toBe(true);
    expect(st.exit).toEqual({ code: 0, signal: null });
    expect(cap.closed).toBe(true);
    const open = events.find((e) => e.type === PPME.SYSCALL_OPENAT_2_X && e.param('name') === path)!;
    expect(open.tid).toBe(r.pid);
    expect(open.param('flags')).toBe(2 | 4 | 4096 | 16384); // WRONLY|CREAT|CLOEXEC|F_CREATED
    const conn = events.find((e) => e.type === PPME.SOCKET_CONNECT_X)!;
    expect(conn.param('tuple')).toEqual({ family: 2, sip: '127.0.0.1', sport: r.localPort, dip: '127.0.0.1', dport: r.port });
    expect(events.find((e) => e.type === PPME.PROCEXIT_1_E && e.tid === r.exiter)!.param('ret')).toBe(7);
    expect(events.find((e) => e.type === PPME.PROCEXIT_1_E && e.tid === r.victim)!.param('sig')).toBe(15);
    const exec = events.find((e) => e.type === PPME.SYSCALL_EXECVE_19_X && e.tid === r.execer)!;
    expect(Buffer.from(exec.param('args') as Uint8Array).toString()).toBe('scap-ts-exec-marker\0');
    expect(Buffer.from(exec.param('env') as Uint8Array).toString()).toBe('SCAP_TS_TRIGGER=1\0');
    expect(exec.param('filename')).toBe('/bin/true');
    // Only covered syscalls stop: no generic events, far fewer stops than with -a.
    expect(events.some((e) => e.type === PPME.GENERIC_X)).toBe(false);
    const full = await underPtrace(join(work, 'full-run'), true);
    expect(full.cap.ptrace!.stats().seccomp).toBe(false);
    expect(full.events.some((e) => e.type === PPME.GENERIC_X && e.tid === full.report.pid)).toBe(true);
    expect(full.cap.ptrace!.stats().syscallStops).toBeGreaterThan(st.syscallStops);
    for (let i = 1; i < events.length; i++) expect(events[i].ts >= events[i - 1].ts).toBe(true);
  });

  it.skipIf(noBpf)('gives the events and params the eBPF probe gives for the covered syscalls (root + BTF)', async () => {
    const pathB = join(work, 'bpf-run');
    const cap = await openCapture({ snaplen: 128 });
    let report: Report | undefined;
    const pending = run(trigger, [pathB, 'more']).then((out) => {
      report = JSON.parse(out) as Report;
      // Wake the loop up if the procexit was the last event.
      void run('/bin/true', []);
    });
    // The trigger's procexit may come before its report does: remember the exits seen.
    const exited = new Set<number>();
    const bpfEvents = await collect(cap, (e) => {
      if (e.type === PPME.PROCEXIT_1_E) exited.add(e.tid);
      return report !== undefined && exited.has(report.pid);
    });
    await pending;
    const pathP = join(work, 'ptrace-run');
    const p = await underPtrace(pathP, false, ['more']);
    const a = normalize(bpfEvents, report!, pathB);
    const b = normalize(p.events, p.report, pathP);
    expect([...b.keys()].sort()).toEqual(['EXECER', 'EXITER', 'MAIN', 'VICTIM']);
    for (const who of ['MAIN', 'EXITER', 'VICTIM', 'EXECER']) expect(b.get(who), who).toEqual(a.get(who));
    for (const name of MORE) expect(b.get('MAIN')!.some((l) => l.startsWith(`<${name} `)), name).toBe(true);
    const ctimes = (evs: Event[]) => evs.filter((e) => e.type === PPME.SYSCALL_EXECVE_19_X).map((e) => BigInt(e.param('exe_ino_ctime') as bigint));
    const [cb, cp] = [ctimes(bpfEvents.filter((e) => e.tid === report!.pid || e.tid === report!.execer)), ctimes(p.events)];
    expect(cp.length).toBe(2);
    cp.forEach((c, i) => expect([c, c + CTIME_QUERIED]).toContain(cb[cb.length - 2 + i]));
  });

  it.skipIf(noNobody)('runs as an unprivileged user (nobody) tracing its own child', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scap-nobody-'));
    chmodSync(dir, 0o777);
    // The checkout may sit in a directory nobody cannot enter (mktemp -d is 0700): give the
    // unprivileged child its own readable copy of the package's runtime files.
    const pkg = join(dir, 'pkg');
    for (const rel of ['package.json', 'dist', join('build', 'Release', 'scap_ts.node'), ...['commander', 'node-gyp-build', 'yaml'].map((m) => join('node_modules', m))]) {
      cpSync(join(ROOT, rel), join(pkg, rel), { recursive: true });
    }
    const script = `
      import { openCapture } from ${JSON.stringify(join(pkg, 'dist', 'index.js'))};
      const cap = await openCapture({ source: { ptrace: { command: [${JSON.stringify(trigger)}, ${JSON.stringify(join(dir, 'f'))}], stdio: [-1, 2, -1] } } });
      const names = new Set();
      for await (const e of cap) names.add(e.name);
      const denied = await openCapture({ source: { ptrace: { pid: 1 } } }).then(() => 'attached', (e) => e.name + ':' + e.missing?.join(',') + ':' + /ptrace_scope/.test(e.message));
      console.log(JSON.stringify({ names: [...names].sort(), exit: cap.ptrace.stats().exit, seccomp: cap.ptrace.stats().seccomp, uid: process.getuid(), denied }));
    `;
    const r = spawnSync('/usr/sbin/runuser', ['-u', 'nobody', '--', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { names: string[]; exit: unknown; seccomp: boolean; uid: number; denied: string };
    expect(out.uid).not.toBe(0);
    expect(out.seccomp).toBe(true);
    expect(out.exit).toEqual({ code: 0, signal: null });
    for (const n of ['execve', 'openat', 'write', 'connect', 'accept', 'clone', 'kill', 'procexit']) expect(out.names).toContain(n);
    expect(out.denied).toBe('PermissionError:CAP_SYS_PTRACE:true');
  });

  it('keeps exit codes and output unchanged', async () => {
    const outFile = join(work, 'out.txt');
    const fd = openSync(outFile, 'w');
    const cap = await openCapture({ source: { ptrace: { command: ['/bin/sh', '-c', 'echo hello; echo err >&2; exit 3'], stdio: [-1, fd, fd] } } });
    closeSync(fd);
    const events = await collect(cap);
    expect(cap.ptrace!.stats().exit).toEqual({ code: 3, signal: null });
    expect(readFileSync(outFile, 'utf8')).toBe('hello\nerr\n');
    expect(events.find((e) => e.type === PPME.PROCEXIT_1_E)!.param('ret')).toBe(3);
    const killed = await openCapture({ source: { ptrace: { command: ['/bin/sh', '-c', 'kill -9 $$'] } } });
    await collect(killed);
    expect(killed.ptrace!.stats().exit).toEqual({ code: null, signal: 9 });
  });

  it('close kills a launched program by default, or detaches and leaves it running', async () => {
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    const tracer = (pid: number) => Number(/TracerPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    const k = await openCapture({ source: { ptrace: { command: ['/bin/sleep', '30'] } } });
    const kpid = k.ptrace!.stats().pid;
    expect(alive(kpid)).toBe(true);
    await k.close();
    expect(alive(kpid)).toBe(false);
    expect(k.ptrace!.stats().exit).toEqual({ code: null, signal: 9 });

    const d = await openCapture({ source: { ptrace: { command: ['/bin/sleep', '1'], onClose: 'detach' } } });
    const dpid = d.ptrace!.stats().pid;
    expect(d.ptrace!.stats().seccomp).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    await d.close();
    expect(alive(dpid)).toBe(true);
    expect(tracer(dpid)).toBe(0);
    for (let i = 0; i < 40 && alive(dpid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(dpid)).toBe(false);
  });

  it('attaches to a running process and detaches, leaving it running', async () => {
    // Not a child of this process: the real parent of a tracee in the tracer's own thread group
    // would collect its ptrace stops (Node's SIGCHLD handler waits for its children).
    const pid = Number(execFileSync('/bin/sh', ['-c', '(while :; do cat /proc/self/stat > /dev/null; sleep 0.05; done) > /dev/null 2>&1 & echo $!'], { encoding: 'utf8' }).trim());
    const alive = () => !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const cap = await openCapture({ source: { ptrace: { pid } } });
      setTimeout(() => void cap.close(), 600);
      const events = await collect(cap);
      expect(events.some((e) => e.type === PPME.SYSCALL_OPENAT_2_X && e.param('name') === '/proc/self/stat')).toBe(true);
      expect(events.some((e) => ['clone', 'fork', 'vfork'].includes(e.name) && e.direction === '<' && e.tid === pid)).toBe(true);
      expect(/TracerPid:\s+0\b/.test(readFileSync(`/proc/${pid}/status`, 'utf8'))).toBe(true);
      expect(alive()).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(alive()).toBe(true);
      expect(/State:\s+[RS]/.test(readFileSync(`/proc/${pid}/status`, 'utf8'))).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('follows fd plumbing: pipe2 and dup2 of a shell pipeline', async () => {
    const outFile = join(work, 'pipe.txt');
    const fd = openSync(outFile, 'w');
    const cap = await openCapture({ source: { ptrace: { command: ['/bin/sh', '-c', 'echo piped | cat'], stdio: [-1, fd, -1] } } });
    closeSync(fd);
    const events = await collect(cap);
    expect(readFileSync(outFile, 'utf8')).toBe('piped\n');
    const pipe = events.find((e) => e.type === PPME.SYSCALL_PIPE2_X || e.type === PPME.SYSCALL_PIPE_X)!;
    expect(pipe.param('res')).toBe(0);
    const [r, w] = [pipe.param('fd1') as number, pipe.param('fd2') as number];
    expect(w).toBe(r + 1);
    expect(pipe.param('ino')).toBeGreaterThan(0n);
    const dups = events.filter((e) => e.type === PPME.SYSCALL_DUP2_X).map((e) => [e.param('oldfd'), e.param('newfd'), e.param('res')]);
    expect(dups).toContainEqual([r, 0, 0]);
    expect(dups).toContainEqual([w, 1, 1]);
  });

  it('follows threads: clone with CLONE_THREAD on both sides, their syscalls and exits', async () => {
    const src = join(work, 'threads.c');
    const bin = join(work, 'threads');
    writeFileSync(
      src,
      `#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
static void *run(void *arg) {
  char p[64];
  snprintf(p, sizeof p, "/dev/null/thread-%ld", (long)arg);
  openat(AT_FDCWD, p, O_RDONLY);
  printf("%ld %ld\\n", (long)arg, (long)syscall(SYS_gettid));
  return 0;
}
int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, run, (void *)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  fflush(stdout);
  return 0;
}
`,
    );
    execFileSync('cc', ['-O2', '-pthread', '-o', bin, src]);
    const outFile = join(work, 'threads.txt');
    const fd = openSync(outFile, 'w');
    const cap = await openCapture({ source: { ptrace: { command: [bin], stdio: [-1, fd, -1] } } });
    closeSync(fd);
    const pid = cap.ptrace!.stats().pid;
    const events = await collect(cap);
    const tids = new Map(readFileSync(outFile, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]));
    expect(tids.size).toBe(2);
    for (const [i, tid] of tids) {
      expect(tid).not.toBe(pid);
      const open = events.find((e) => e.type === PPME.SYSCALL_OPENAT_2_X && e.param('name') === `/dev/null/thread-${i}`)!;
      expect(open.tid).toBe(tid);
      expect(open.param('fd')).toBe(-20); // ENOTDIR
      const child = events.find((e) => ['clone', 'clone3'].includes(e.name) && e.direction === '<' && e.tid === tid)!;
      expect(child.params()).toMatchObject({ res: 0, tid, pid, ptid: expect.any(Number) });
      expect((child.param('flags') as number) & 8192 /* PPM_CL_CLONE_THREAD */).not.toBe(0);
      const parent = events.find((e) => ['clone', 'clone3'].includes(e.name) && e.direction === '<' && e.tid === pid && e.param('res') === tid)!;
      expect(parent.param('pid')).toBe(pid);
      expect(events.some((e) => e.type === PPME.PROCEXIT_1_E && e.tid === tid)).toBe(true);
    }
    expect(cap.ptrace!.stats().exit).toEqual({ code: 0, signal: null });
  });

  it('fails with typed errors for a missing program or process', async () => {
    await expect(openCapture({ source: { ptrace: { command: ['/nonexistent/prog'] } } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(openCapture({ source: { ptrace: { pid: 4194000 } } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
