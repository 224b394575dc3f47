/**
 * Thread and fd table transitions, driven by events built with the encoder:
 * clone (parent side, child side, inverted, threads), execve, exit (removed
 * when the next event arrives), pipe/dup/close/socket/connect/accept, pid
 * reuse, unknown tids and fds, current-generation exit-only events, the
 * thread cap.
 */
import { describe, expect, it } from 'vitest';
import { EventBatch, PPME, encodeEvent } from '../../lib/events/index.js';
import type { FdRecord, ThreadRecord } from '../../lib/scapfile/metadata.js';
import { FD_TYPE } from '../../lib/scapfile/metadata.js';
import { Inspector, type InspectorOptions } from '../../lib/state/index.js';
import { fields } from '../../lib/fields/index.js';
import { defaultLineFormatter, formatLine } from '../../lib/format/index.js';

const CLONE_THREAD = 1 << 13;
const CLONE_FILES = 1 << 0;

function thread(tid: number, over: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm: 'bash', exe: '/bin/bash', exepath: '/bin/bash', args: ['-l'], cwd: '/home/u',
    fdlimit: 1024n, flags: 0, uid: 1000, gid: 1000, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfmajor: 0n, pfminor: 0n,
    env: ['HOME=/home/u'], vtid: tid, vpid: tid, cgroups: ['cpu=/user.slice'], root: '/', pidnsInitStartTs: 0n, tty: 34816,
    loginuid: 1000, exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, exeFromMemfd: false, ...over,
  };
}

class Sim {
  readonly insp: Inspector;
  ts = 1_000_000_000_000_000_000n;
  constructor(processes: ThreadRecord[], fds: Map<number, FdRecord[]> = new Map(), options: InspectorOptions = {}) {
    this.insp = new Inspector(
      { processes, fds, users: [{ uid: 1000, gid: 1000, name: 'u', homedir: '/home/u', shell: '/bin/bash' }], groups: [{ gid: 1000, name: 'users' }] },
      options,
    );
  }
  ev(type: number, tid: number, params: Record<string, unknown> | unknown[]) {
    const batch = EventBatch.fromEvents([encodeEvent({ type, ts: this.ts, tid, params })]);
    this.ts += 1000n;
    const e = batch.at(0);
    const ctx = this.insp.process(e);
    return { e, ctx, line: formatLine(e, line) };
  }
  /** An unrelated event that lets delayed removals happen. */
  tick() {
    return this.ev(PPME.SYSCALL_GETUID_E, 1, {});
  }
  t(tid: number) {
    return this.insp.threads.getRef(tid, false);
  }
}

const line = defaultLineFormatter();

function cloneX(res: number, over: Record<string, unknown> = {}) {
  return {
    res, exe: '/bin/bash', args: Buffer.from('-c\0ls\0'), tid: 100, pid: 100, ptid: 1, cwd: '', fdlimit: 1024n,
    pgft_maj: 0n, pgft_min: 0n, vm_size: 100, vm_rss: 10, vm_swap: 0, comm: 'bash', cgroups: Buffer.from('cpu=/user.slice\0'),
    flags: 0, uid: 1000, gid: 1000, vtid: 100, vpid: 100, ...over,
  };
}

const seedFds = new Map<number, FdRecord[]>([
  [100, [
    { fd: 0, ino: 0n, type: FD_TYPE.FILE, name: '/dev/pts/0' },
    { fd: 3, ino: 0n, type: FD_TYPE.IPV4_SOCK, sip: '10.0.0.1', dip: '10.0.0.2', sport: 40000, dport: 80, l4proto: 2 },
  ]],
]);

describe('ThreadTable', () => {
  it('clone: the parent side creates the child with the parent info and a copy of its fds', () => {
    const s = new Sim([thread(1, { comm: 'init', ptid: 0 }), thread(100)], seedFds);
    s.ev(PPME.SYSCALL_CLONE_20_E, 100, []);
    const { ctx } = s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(101));
    expect(ctx.thread?.tid).toBe(100);
    const child = s.t(101)!;
    expect(child).toMatchObject({ tid: 101, pid: 101, ptid: 100, comm: 'bash', vtid: 101, vpid: 101, uid: 1000, sid: 100, tty: 34816 });
    expect(child.args).toEqual(['-c', 'ls']);
    expect(child.cwd).toBe('/home/u/');
    expect(child.env).toEqual(['HOME=/home/u']);
    expect(child.getFd(0)?.name).toBe('/dev/pts/0');
    expect(child.getFd(3)?.name).toBe('10.0.0.1:40000->10.0.0.2:80');
    // A copy: closing in the child leaves the parent's fd alone.
    s.ev(PPME.SYSCALL_CLOSE_E, 101, { fd: 0 });
    s.ev(PPME.SYSCALL_CLOSE_X, 101, [0]);
    s.tick();
    expect(s.t(101)!.getFd(0)).toBeUndefined();
    expect(s.t(100)!.getFd(0)?.name).toBe('/dev/pts/0');
    // The child's own clone exit (res 0) finds it there and changes nothing.
    s.ev(PPME.SYSCALL_CLONE_20_X, 101, cloneX(0, { tid: 101, pid: 101, ptid: 100 }));
    expect(s.t(101)!.flags & (1 << 16)).toBe(0);
  });

  it('clone: a child whose clone returns first is created from its side (inverted), and the parent side keeps it', () => {
    const s = new Sim([thread(100)]);
    s.ev(PPME.SYSCALL_CLONE_20_X, 103, cloneX(0, { tid: 103, pid: 103, ptid: 100, comm: 'sh' }));
    const child = s.t(103)!;
    expect(child).toMatchObject({ tid: 103, pid: 103, ptid: 100, comm: 'sh' });
    expect(child.flags & (1 << 16)).not.toBe(0);
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(103, { comm: 'other' }));
    expect(s.t(103)!.comm).toBe('sh');
  });

  it('clone of a thread: same pid, shared fd table, counted by the main thread', () => {
    const s = new Sim([thread(100)], seedFds);
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(102, { flags: CLONE_THREAD | CLONE_FILES }));
    const th = s.t(102)!;
    expect(th).toMatchObject({ tid: 102, pid: 100 });
    expect(s.t(100)!.nchilds).toBe(1);
    expect(th.cwd).toBe('/home/u/');
    s.ev(PPME.SYSCALL_OPEN_E, 102, { name: 'x', flags: 1, mode: 0 });
    s.ev(PPME.SYSCALL_OPEN_X, 102, { fd: 7, name: 'x', flags: 1, mode: 0, dev: 0 });
    expect(s.t(100)!.getFd(7)?.name).toBe('/home/u/x');
    expect(fields.get('proc.nthreads').extract(s.ev(PPME.SYSCALL_GETUID_E, 102, {}).e)).toBe(2);
    // The main thread exits first: it stays while its thread does, and goes with it.
    s.ev(PPME.PROCEXIT_1_E, 100, [0, 0, 0, 0, 0]);
    s.tick();
    expect(s.t(100)).toBeDefined();
    s.ev(PPME.PROCEXIT_1_E, 102, [0, 0, 0, 0, 0]);
    s.tick();
    expect(s.t(102)).toBeUndefined();
    expect(s.t(100)!.nchilds).toBe(0);
  });

  it('execve: new program, args, env, exepath from the enter event, container from cgroups', () => {
    const s = new Sim([thread(1, { comm: 'init', ptid: 0 }), thread(100)]);
    s.ev(PPME.SYSCALL_EXECVE_19_E, 100, { filename: '../bin/./ls' });
    const cg = 'cpu=/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\0memory=/docker/x\0';
    const { e } = s.ev(PPME.SYSCALL_EXECVE_19_X, 100, {
      res: 0, exe: 'ls', args: Buffer.from('-l\0/tmp\0'), tid: 100, pid: 100, ptid: 1, cwd: '/home/u', fdlimit: 1024n,
      pgft_maj: 0n, pgft_min: 0n, vm_size: 1, vm_rss: 1, vm_swap: 0, comm: 'ls', cgroups: Buffer.from(cg), env: Buffer.from('A=1\0B=2\0'),
      tty: 0, vpgid: 100, loginuid: 1000, flags: 0,
    });
    const t = s.t(100)!;
    expect(t).toMatchObject({ exe: 'ls', comm: 'ls', exepath: '/home/bin/ls', containerId: '0123456789ab' });
    expect(t.args).toEqual(['-l', '/tmp']);
    expect(t.env).toEqual(['A=1', 'B=2']);
    expect(e.field('proc.cmdline')).toBe('ls -l /tmp');
    expect(e.field('container.id')).toBe('0123456789ab');
    expect(e.thread?.comm).toBe('ls');
    expect(e.user?.name).toBe('u');
    expect(fields.get('proc.pname').text(e)).toBe('init');
    expect(fields.get('proc.exepath').text(e)).toBe('/home/bin/ls');
  });

  it('exit: the thread still resolves for its procexit and is gone when the next event arrives', () => {
    const s = new Sim([thread(1, { comm: 'init', ptid: 0 }), thread(100)]);
    const { line: l, ctx } = s.ev(PPME.PROCEXIT_1_E, 100, [0, 0, 0, 0, 0]);
    expect(ctx.thread?.comm).toBe('bash');
    expect(l).toMatch(/ bash \(100\) > procexit /);
    expect(s.t(100)).toBeDefined();
    s.tick();
    expect(s.t(100)).toBeUndefined();
  });

  it('pid reuse: a clone returning a tid the table still holds replaces the stale entry', () => {
    const s = new Sim([thread(100), thread(200, { comm: 'old', ptid: 50 })]);
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(200, { comm: 'new' }));
    expect(s.t(200)).toMatchObject({ comm: 'new', ptid: 100 });
  });

  it('unknown tids get a <NA> placeholder; unknown fds print without a name', () => {
    const s = new Sim([]);
    const { line: l, e } = s.ev(PPME.SYSCALL_READ_E, 555, { fd: 9, size: 10 });
    expect(l).toMatch(/ <NA> \(555\) > read fd=9 size=10 $/);
    expect(e.field('proc.name')).toBe('<NA>');
    expect(e.field('user.name')).toBeNull();
    expect(e.fd).toBeUndefined();
  });

  it('caps the table with eviction: the least recently used threads make room, counted', () => {
    const s = new Sim([thread(100), thread(200), thread(300)], new Map(), { maxThreads: 4, evictThreads: true });
    s.ev(PPME.SYSCALL_GETUID_E, 200, {});
    s.ev(PPME.SYSCALL_GETUID_E, 100, {});
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(101));
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(102));
    expect(s.insp.threads.size).toBe(4);
    expect(s.t(300)).toBeUndefined();
    expect(s.t(102)).toBeDefined();
    expect(s.insp.stats().threadEvictions).toBeGreaterThan(0);
    expect(s.insp.stats().threadDrops).toBe(0);
  });

  it('caps the table: threads beyond the limit are dropped and counted (libsinsp)', () => {
    const s = new Sim([thread(100)], new Map(), { maxThreads: 3 });
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(101));
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(102));
    s.ev(PPME.SYSCALL_CLONE_20_X, 100, cloneX(103));
    expect(s.insp.threads.size).toBe(3);
    expect(s.insp.stats().threadDrops).toBeGreaterThan(0);
  });
});

describe('FdTable', () => {
  it('pipe, dup, close (removed after the next event), socket, connect, accept', () => {
    const s = new Sim([thread(100)]);
    s.ev(PPME.SYSCALL_PIPE_E, 100, []);
    s.ev(PPME.SYSCALL_PIPE_X, 100, { res: 0, fd1: 5, fd2: 6, ino: 77n });
    const t = () => s.t(100)!;
    expect(t().getFd(5)).toMatchObject({ type: FD_TYPE.FIFO, ino: 77n });
    s.ev(PPME.SYSCALL_DUP_E, 100, { fd: 5 });
    s.ev(PPME.SYSCALL_DUP_X, 100, { res: 7 });
    expect(t().getFd(7)?.typechar).toBe('p');
    s.ev(PPME.SYSCALL_CLOSE_E, 100, { fd: 5 });
    const close = s.ev(PPME.SYSCALL_CLOSE_X, 100, [0]);
    expect(close.e.fd?.num).toBe(5);
    expect(close.e.field('fd.typechar')).toBe('p');
    expect(t().getFd(5)).toBeDefined();
    s.tick();
    expect(t().getFd(5)).toBeUndefined();

    s.ev(PPME.SOCKET_SOCKET_E, 100, { domain: 2, type: 1, proto: 0 });
    s.ev(PPME.SOCKET_SOCKET_X, 100, [8]);
    expect(t().getFd(8)).toMatchObject({ type: FD_TYPE.IPV4_SOCK });
    expect(s.ev(PPME.SOCKET_CONNECT_E, 100, { fd: 8, addr: { family: 2, addr: '93.184.216.34', port: 443 } }).line).toMatch(/> connect fd=8\(<4>\) addr=93.184.216.34:443 $/);
    const c = s.ev(PPME.SOCKET_CONNECT_X, 100, { res: 0, tuple: { family: 2, sip: '10.0.0.1', sport: 51000, dip: '93.184.216.34', dport: 443 } });
    expect(t().getFd(8)?.name).toBe('10.0.0.1:51000->93.184.216.34:443');
    expect(c.e.field('fd.cip')).toBe('10.0.0.1');
    expect(c.e.field('fd.sport')).toBe(443);
    expect(c.e.field('fd.l4proto')).toBe('tcp');
    expect(s.ev(PPME.SYSCALL_WRITE_E, 100, { fd: 8, size: 3 }).line).toMatch(/fd=8\(<4t>10.0.0.1:51000->93.184.216.34:443\) size=3 $/);

    s.ev(PPME.SOCKET_ACCEPT_5_E, 100, []);
    const a = s.ev(PPME.SOCKET_ACCEPT_5_X, 100, { fd: 9, tuple: { family: 2, sip: '10.0.0.9', sport: 60000, dip: '10.0.0.1', dport: 80 }, queuepct: 0, queuelen: 0, queuemax: 5 });
    expect(a.e.fd).toMatchObject({ num: 9, name: '10.0.0.9:60000->10.0.0.1:80' });
    expect(a.e.field('fd.is_server')).toBe(false);
    expect(t().getFd(9)?.isRoleServer()).toBe(true);
  });

  it('an fd reused between close enter and close exit: handled as libsinsp 0.29 handles it', () => {
    const s = new Sim([thread(100), thread(101, { pid: 100, flags: CLONE_THREAD | CLONE_FILES })]);
    s.ev(PPME.SYSCALL_OPEN_E, 100, { name: '/a', flags: 1, mode: 0 });
    s.ev(PPME.SYSCALL_OPEN_X, 100, { fd: 4, name: '/a', flags: 1, mode: 0, dev: 0 });
    s.ev(PPME.SYSCALL_CLOSE_E, 100, { fd: 4 });
    s.ev(PPME.SYSCALL_OPEN_E, 101, { name: '/b', flags: 1, mode: 0 });
    s.ev(PPME.SYSCALL_OPEN_X, 101, { fd: 4, name: '/b', flags: 1, mode: 0, dev: 0 });
    // The old entry waits aside while the new one takes the number.
    expect(s.t(100)!.fdtable.map.size).toBe(2);
    expect(s.t(100)!.getFd(4)?.name).toBe('/b');
    const c = s.ev(PPME.SYSCALL_CLOSE_X, 100, [0]);
    expect(c.line).toContain('< close res=0');
    s.tick();
    // libsinsp clears the cancel mark while finding the fd, then lets the close remove both entries.
    expect(s.t(100)!.fdtable.map.size).toBe(0);
  });

  it('current-generation exit-only events carry what the enter event used to', () => {
    const s = new Sim([thread(100)]);
    s.ev(PPME.SOCKET_SOCKET_X, 100, { fd: 4, domain: 10, type: 2, proto: 0, flags: 0 });
    expect(s.t(100)!.getFd(4)).toMatchObject({ type: FD_TYPE.IPV6_SOCK });
    const r = s.ev(PPME.SYSCALL_READ_X, 100, { res: 0, data: '', fd: 4, size: 10 });
    expect(r.e.fd?.num).toBe(4);
    s.ev(PPME.SYSCALL_CLOSE_X, 100, { res: 0, fd: 4 });
    s.tick();
    expect(s.t(100)!.getFd(4)).toBeUndefined();
  });

  it('openat resolves names against dirfd, and failed opens still name their file', () => {
    const s = new Sim([thread(100)]);
    s.ev(PPME.SYSCALL_OPENAT_2_E, 100, { dirfd: -100, name: 'etc', flags: 1 << 10, mode: 0 });
    s.ev(PPME.SYSCALL_OPENAT_2_X, 100, { fd: 3, dirfd: -100, name: 'etc', flags: 1 << 10, mode: 0, dev: 0, ino: 0n });
    expect(s.t(100)!.getFd(3)).toMatchObject({ name: '/home/u/etc', type: FD_TYPE.DIRECTORY });
    s.ev(PPME.SYSCALL_OPENAT_2_E, 100, { dirfd: 3, name: 'hosts', flags: 1, mode: 0 });
    const x = s.ev(PPME.SYSCALL_OPENAT_2_X, 100, { fd: 5, dirfd: 3, name: 'hosts', flags: 1, mode: 0, dev: 0, ino: 0n });
    expect(x.e.field('fd.name')).toBe('/home/u/etc/hosts');
    expect(x.line).toContain('name=hosts(/home/u/etc/hosts)');
    s.ev(PPME.SYSCALL_OPEN_E, 100, { name: 'missing', flags: 1, mode: 0 });
    const f = s.ev(PPME.SYSCALL_OPEN_X, 100, { fd: -2, name: 'missing', flags: 1, mode: 0, dev: 0 });
    expect(f.e.field('fd.name')).toBe('/home/u/missing');
    expect(f.e.field('evt.res')).toBe('ENOENT');
    expect(f.e.field('evt.failed')).toBe(true);
    expect(f.line).toContain('fd=-2(ENOENT)');
  });

  it('chdir moves the working directory relative paths resolve against', () => {
    const s = new Sim([thread(100)]);
    s.ev(PPME.SYSCALL_CHDIR_E, 100, []);
    s.ev(PPME.SYSCALL_CHDIR_X, 100, { res: 0, path: '../v/./w/' });
    expect(s.t(100)!.cwd).toBe('/home/v/w/');
  });
});
