/**
 * The fields of issue 5 that sysdig 0.29 lacks or that its fixtures cannot
 * show, on events built with the encoder: any-ancestor proc.aname/apid,
 * fd.ip/fd.port/fd.net on either end (and `!=` on neither), evt.around,
 * typed evt.rawarg, fs.path.*, the executable's inode fields, open flags,
 * fd.types, stateful fields with one state per use, the event-type pre-check
 * of compiled filters, and `-l`.
 */
import { describe, expect, it } from 'vitest';
import { EventBatch, PPME, encodeEvent, type Event } from '../../lib/events/index.js';
import { FIELD_CLASSES, fields, listFields } from '../../lib/fields/index.js';
import { FilterCompileError, compileFilter, generateSource } from '../../lib/filter/index.js';
import { EventFormatter, FormatError } from '../../lib/format/index.js';
import { FD_TYPE, type FdRecord, type ThreadRecord } from '../../lib/scapfile/metadata.js';
import { Inspector } from '../../lib/state/index.js';
import { PPM_EVENT_MAX } from '../../lib/events/schema.generated.js';

function thread(tid: number, over: Partial<ThreadRecord> = {}): ThreadRecord {
  return {
    tid, pid: tid, ptid: 1, sid: tid, vpgid: tid, pgid: tid, comm: 'bash', exe: '/bin/bash', exepath: '/bin/bash', args: ['-l'], cwd: '/home/u',
    fdlimit: 1024n, flags: 0, uid: 1000, gid: 1000, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfmajor: 0n, pfminor: 0n,
    env: [], vtid: tid, vpid: tid, cgroups: [], root: '/', pidnsInitStartTs: 0n, tty: 0,
    loginuid: 1000, exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, exeFromMemfd: false, ...over,
  };
}

/** init(1) → sshd(10) → bash(100) → sh(200), with a TCP client socket on sh's fd 3 and a file on fd 4. */
function world(): Inspector {
  const fds = new Map<number, FdRecord[]>([
    [200, [
      { fd: 3, ino: 0n, type: FD_TYPE.IPV4_SOCK, sip: '10.0.0.5', dip: '1.2.3.4', sport: 5000, dport: 80, l4proto: 2 },
      { fd: 4, ino: 77n, type: FD_TYPE.FILE_V2, name: '/var/log/x.log', openFlags: 1, dev: 0x803 },
    ]],
  ]);
  return new Inspector(
    {
      processes: [
        thread(1, { comm: 'init', exe: '/sbin/init', exepath: '/sbin/init', ptid: 0 }),
        thread(10, { comm: 'sshd', exe: '/usr/sbin/sshd', exepath: '/usr/sbin/sshd', ptid: 1 }),
        thread(100, { comm: 'bash', ptid: 10, sid: 100 }),
        thread(200, { comm: 'sh', exe: 'sh', exepath: '/bin/sh', args: ['-c', 'echo hi'], ptid: 100, sid: 100, vpgid: 200 }),
      ],
      fds,
    },
    {},
  );
}

let ts = 1_700_000_000_000_000_000n;
function ev(insp: Inspector, type: number, tid: number, params: Record<string, unknown> | unknown[], cpu = 0): Event {
  const b = EventBatch.fromEvents([encodeEvent({ type, ts: (ts += 1000n), tid, params })], cpu);
  const e = b.at(0);
  insp.process(e);
  return e;
}

const f = (e: Event, name: string) => fields.get(name).extract(e);
const match = (filter: string, e: Event) => compileFilter(filter, fields).match(e, e.state);

describe('process ancestry', () => {
  it('proc.aname / proc.apid without an index match any ancestor from the parent up; with one, that ancestor', () => {
    const insp = world();
    const e = ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    expect(f(e, 'proc.aname')).toEqual(['bash', 'sshd', 'init']);
    expect(match('proc.aname=sshd', e)).toBe(true);
    expect(match('proc.aname=sh', e)).toBe(false); // the process itself is not an ancestor
    expect(match('proc.aname in (cron, init)', e)).toBe(true);
    expect(match('proc.aname!=bash', e)).toBe(true); // some ancestor differs
    expect(match('proc.apid=10', e)).toBe(true);
    expect(match('proc.apid=200', e)).toBe(false);
    expect(match('proc.aname[0]=sh and proc.aname[1]=bash and proc.aname[3]=init', e)).toBe(true);
    expect(f(e, 'proc.aname[4]')).toBeNull();
    expect(match('proc.aexepath[2]=/usr/sbin/sshd and proc.aexe=/sbin/init', e)).toBe(true);
    expect(match('proc.acmdline[0]="sh -c echo hi"', e)).toBe(true);
    // init has no ancestors: any-ancestor checks are false, even !=.
    const top = ev(insp, PPME.SYSCALL_GETUID_E, 1, {});
    expect(match('proc.aname!=nothing', top)).toBe(false);
    expect(match('proc.aname exists', top)).toBe(false);
    // In output formats 0.29 reads a bare proc.aname as the process's name and leaves the text.
    expect(new EventFormatter('%proc.aname|%proc.aname[1]').format(e)).toBe('shproc.aname|bash');
  });

  it('a loop in the parent chain ends the walk', () => {
    const insp = new Inspector({ processes: [thread(5, { ptid: 6, comm: 'a' }), thread(6, { ptid: 5, comm: 'b' })] });
    const e = ev(insp, PPME.SYSCALL_GETUID_E, 5, {});
    expect(f(e, 'proc.aname')).toEqual(['b']);
    expect(match('proc.aname=nothing', e)).toBe(false);
  });

  it('parent, session and command line fields', () => {
    const insp = world();
    const e = ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    expect(f(e, 'proc.pexe')).toBe('/bin/bash');
    expect(f(e, 'proc.pexepath')).toBe('/bin/bash');
    expect(f(e, 'proc.pvpid')).toBe(100);
    expect(f(e, 'proc.cmdnargs')).toBe(2);
    expect(f(e, 'proc.cmdlenargs')).toBe(9);
    expect(f(e, 'proc.sname')).toBe('bash');
    expect(f(e, 'proc.is_sid_leader')).toBe(false);
    expect(f(e, 'proc.is_vpgid_leader')).toBe(true);
    expect(f(e, 'proc.loginshellid')).toBe(100);
    expect(f(e, 'proc.stdin.type')).toBeNull();
    expect(f(e, 'proc.duration')).toBeNull(); // start unknown: it came from the process list
  });
});

describe('session and process group leaders, environment of ancestors', () => {
  /** sshd(10) → bash(100, session 100, group 100, HOME and TERM set) → sh(200, group 200, LANG set) → sleep(300, group 200), on the host or in a pid namespace. */
  function family(inNamespace: boolean): Inspector {
    // In a pid namespace the virtual ids differ from the host's: leaders are found by walking the ancestry.
    const ns = (tid: number) => (inNamespace ? { vtid: tid - 90, vpid: tid - 90 } : {});
    return new Inspector({
      processes: [
        thread(10, { comm: 'sshd', exe: '/usr/sbin/sshd', exepath: '/usr/sbin/sshd', ptid: 1 }),
        thread(100, { comm: 'bash', exe: '-bash', ptid: 10, sid: 100, vpgid: 100, env: ['HOME=/root', 'TERM=xterm=256'], ...ns(100) }),
        thread(200, { comm: 'sh', exe: 'sh', exepath: '/bin/sh', ptid: 100, sid: 100, vpgid: 200, env: ['LANG=C'], pidnsInitStartTs: 1_600_000_000_000_000_000n, ...ns(200) }),
        thread(300, { comm: 'sleep', exe: 'sleep', exepath: '/bin/sleep', ptid: 200, sid: 100, vpgid: 200, env: [], ...ns(300) }),
      ],
    }, {});
  }

  it('proc.sname / sid.exe / sid.exepath and proc.vpgid.name / .exe / .exepath, on the host and in a pid namespace', () => {
    for (const inNamespace of [false, true]) {
      const e = ev(family(inNamespace), PPME.SYSCALL_GETUID_E, 300, {});
      const names = ['proc.sname', 'proc.sid.exe', 'proc.sid.exepath', 'proc.vpgid.name', 'proc.vpgid.exe', 'proc.vpgid.exepath'];
      expect(names.map((n) => f(e, n)), inNamespace ? 'in a pid namespace' : 'on the host').toEqual(['bash', '-bash', '/bin/bash', 'sh', 'sh', '/bin/sh']);
    }
  });

  it('proc.env[NAME] reads one variable (\'\' when unset); proc.aenv[NAME] the first value among the ancestors, proc.aenv[N] ancestor N', () => {
    const insp = family(false);
    const sh = ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    expect([f(sh, 'proc.env'), f(sh, 'proc.env[LANG]'), f(sh, 'proc.env[HOME]'), f(sh, 'proc.env[0]')]).toEqual(['LANG=C', 'C', '', 'LANG=C']);
    const sleep = ev(insp, PPME.SYSCALL_GETUID_E, 300, {});
    // The first ancestor that has it; a value may hold '='.
    expect([f(sleep, 'proc.aenv[LANG]'), f(sleep, 'proc.aenv[TERM]'), f(sleep, 'proc.aenv[NOPE]')]).toEqual(['C', 'xterm=256', '']);
    expect([f(sleep, 'proc.aenv[0]'), f(sleep, 'proc.aenv[2]'), f(sleep, 'proc.aenv[9]')]).toEqual(['', 'HOME=/root TERM=xterm=256', null]);
    // Without an argument, in filters: any ancestor's environment; in formats: the process's own.
    expect(match('proc.aenv contains "HOME="', sleep)).toBe(true);
    expect(match('proc.aenv contains "HOME="', ev(insp, PPME.SYSCALL_GETUID_E, 100, {}))).toBe(false);
    expect(match('proc.env[HOME] = /root and proc.aenv[HOME] = ""', ev(insp, PPME.SYSCALL_GETUID_E, 100, {}))).toBe(true);
    // As libsinsp reads a bare ancestor field in a format: the process's own value, the name left as text.
    expect(new EventFormatter('%proc.aenv|%proc.env[LANG]').format(sh)).toBe('LANG=Cproc.aenv|C');
    expect(new EventFormatter('%proc.aexe|%proc.aexe[1]').format(sh)).toBe('shproc.aexe|-bash');
    expect([f(sh, 'proc.pidns_init_start_ts'), f(sleep, 'proc.pidns_init_start_ts')]).toEqual([1_600_000_000_000_000_000n, null]);
  });
});

describe('executable fields from execve', () => {
  it('inode, times, layer and memfd flags; carried to children by clone', () => {
    const insp = world();
    ev(insp, PPME.SYSCALL_EXECVE_19_E, 200, { filename: '/usr/bin/cat' });
    const e = ev(insp, PPME.SYSCALL_EXECVE_19_X, 200, {
      res: 0, exe: 'cat', args: Buffer.from('x\0'), tid: 200, pid: 200, ptid: 100, cwd: '/', fdlimit: 1024n, pgft_maj: 0n, pgft_min: 0n,
      vm_size: 1, vm_rss: 1, vm_swap: 0, comm: 'cat', cgroups: Buffer.from(''), env: Buffer.from(''), tty: 0, vpgid: 200, loginuid: 1000,
      flags: 2 | 4, cap_inheritable: 0n, cap_permitted: 0n, cap_effective: 0n, exe_ino: 1234n, exe_ino_ctime: 1_600_000_000_000_000_000n,
      exe_ino_mtime: 1_500_000_000_000_000_000n, uid: 1000,
    });
    expect(f(e, "proc.exe_ino")).toBe(1234n);
    expect(f(e, 'proc.exe_ino.ctime')).toBe(1_600_000_000_000_000_000n);
    expect(f(e, 'proc.exe_ino.mtime')).toBe(1_500_000_000_000_000_000n);
    expect(f(e, 'proc.is_exe_upper_layer')).toBe(true);
    expect(f(e, 'proc.is_exe_from_memfd')).toBe(true);
    expect(f(e, 'proc.is_exe_lower_layer')).toBe(false);
    expect(f(e, 'proc.is_exe_writable')).toBe(false);
    expect(match('proc.exe_ino=1234 and proc.is_exe_from_memfd=true', e)).toBe(true);
    // A child keeps them, and knows when it started.
    ev(insp, PPME.SYSCALL_CLONE_20_X, 200, {
      res: 201, exe: 'cat', args: Buffer.from(''), tid: 200, pid: 200, ptid: 100, cwd: '', fdlimit: 1024n, pgft_maj: 0n, pgft_min: 0n,
      vm_size: 1, vm_rss: 1, vm_swap: 0, comm: "cat", cgroups: Buffer.from(""), flags: 0, uid: 1000, gid: 1000, vtid: 200, vpid: 200,
      pidns_init_start_ts: 1_550_000_000_000_000_000n,
    });
    const c = ev(insp, PPME.SYSCALL_GETUID_E, 201, {});
    expect(f(c, 'proc.exe_ino')).toBe(1234n);
    expect(f(c, 'proc.duration')).toBe(1000n);
    expect(f(c, 'proc.exe_ino.ctime_duration_pidns_start')).toBe(50_000_000_000_000_000n);
    expect(typeof f(c, 'proc.exe_ino.ctime_duration_proc_start')).toBe('bigint');
  });
});

describe('capabilities', () => {
  it('thread.cap_* from the process record, then execve, capset (when it succeeds) and clone, named as libsinsp names them', () => {
    const insp = new Inspector({
      processes: [thread(1, { comm: 'init', ptid: 0 }), thread(300, { ptid: 1, capPermitted: 0x1fffffffffn, capEffective: (1n << 21n) | (1n << 12n), capInheritable: 0n })],
    }, {});
    const first = ev(insp, PPME.SYSCALL_GETUID_E, 300, {});
    expect(f(first, 'thread.cap_effective')).toBe('CAP_NET_ADMIN CAP_SYS_ADMIN');
    expect((f(first, 'thread.cap_permitted') as string).split(' ')).toHaveLength(37);
    expect(f(first, 'thread.cap_inheritable')).toBe('');
    expect(match('thread.cap_effective contains CAP_SYS_ADMIN', first)).toBe(true);

    ev(insp, PPME.SYSCALL_EXECVE_19_E, 300, { filename: '/usr/bin/ping' });
    ev(insp, PPME.SYSCALL_EXECVE_19_X, 300, {
      res: 0, exe: 'ping', args: Buffer.from(''), tid: 300, pid: 300, ptid: 1, cwd: '/', fdlimit: 1024n, pgft_maj: 0n, pgft_min: 0n,
      vm_size: 1, vm_rss: 1, vm_swap: 0, comm: 'ping', cgroups: Buffer.from(''), env: Buffer.from(''), tty: 0, vpgid: 300, loginuid: 0,
      flags: 0, cap_inheritable: 0n, cap_permitted: 1n << 13n, cap_effective: (1n << 13n) | (1n << 40n) | (1n << 50n), exe_ino: 0n,
      exe_ino_ctime: 0n, exe_ino_mtime: 0n, uid: 0,
    });
    // Bits past the last named capability are left out.
    expect(f(ev(insp, PPME.SYSCALL_GETUID_E, 300, {}), 'thread.cap_effective')).toBe('CAP_NET_RAW CAP_CHECKPOINT_RESTORE');

    ev(insp, PPME.SYSCALL_CAPSET_X, 300, { res: -1, cap_inheritable: 0n, cap_permitted: 0n, cap_effective: 0n });
    expect(f(ev(insp, PPME.SYSCALL_GETUID_E, 300, {}), 'thread.cap_permitted')).toBe('CAP_NET_RAW');
    ev(insp, PPME.SYSCALL_CAPSET_X, 300, { res: 0, cap_inheritable: 1n, cap_permitted: 1n << 13n, cap_effective: 0n });
    const after = ev(insp, PPME.SYSCALL_GETUID_E, 300, {});
    expect([f(after, 'thread.cap_inheritable'), f(after, 'thread.cap_permitted'), f(after, 'thread.cap_effective')]).toEqual(['CAP_CHOWN', 'CAP_NET_RAW', '']);

    ev(insp, PPME.SYSCALL_CLONE_20_X, 300, {
      res: 301, exe: 'ping', args: Buffer.from(''), tid: 300, pid: 300, ptid: 1, cwd: '', fdlimit: 1024n, pgft_maj: 0n, pgft_min: 0n,
      vm_size: 1, vm_rss: 1, vm_swap: 0, comm: 'ping', cgroups: Buffer.from(''), flags: 0, uid: 0, gid: 0, vtid: 300, vpid: 300,
    });
    expect(f(ev(insp, PPME.SYSCALL_GETUID_E, 301, {}), 'thread.cap_inheritable')).toBe('CAP_CHOWN');
  });
});

describe('fd fields on either end of a connection', () => {
  const insp = world();
  const e = ev(insp, PPME.SYSCALL_READ_E, 200, { fd: 3, size: 10 });

  it('fd.ip, fd.port, fd.net, fd.proto match either end; != only when neither does', () => {
    expect(match('fd.ip=1.2.3.4', e)).toBe(true);
    expect(match('fd.ip=10.0.0.5', e)).toBe(true);
    expect(match('fd.ip!=1.2.3.4', e)).toBe(false);
    expect(match('fd.ip!=9.9.9.9', e)).toBe(true);
    expect(match('fd.ip in (9.9.9.9, 1.2.3.4)', e)).toBe(true);
    expect(match('fd.net=1.2.0.0/16', e)).toBe(true);
    expect(match('fd.net!=1.2.0.0/16', e)).toBe(false);
    expect(match('fd.net!=192.168.0.0/16', e)).toBe(true);
    expect(match('fd.net in (192.168.0.0/16, 10.0.0.0/8)', e)).toBe(true);
    expect(match('fd.port=80 and fd.port=5000', e)).toBe(true);
    expect(match('fd.port!=80', e)).toBe(false);
    expect(match('fd.port>4000', e)).toBe(true);
    expect(match('fd.proto=80', e)).toBe(true);
    expect(match('fd.cnet=10.0.0.0/24 and fd.snet=1.2.3.0/24', e)).toBe(true);
  });

  it('are filter-only: output formats refuse them', () => {
    expect(() => new EventFormatter('%fd.ip')).toThrow(FormatError);
    expect(() => new EventFormatter('%fd.net')).toThrow(/filter only/);
  });

  it('local and remote ends, ports as protocols, fd.types, fd.ino', () => {
    expect(f(e, 'fd.cproto')).toBe('5000');
    expect(f(e, 'fd.sproto')).toBe('80');
    expect(f(e, 'fd.types')).toEqual(['file', 'ipv4']);
    expect(match('fd.types intersects (ipv4, ipv6)', e)).toBe(true);
    expect(match('fd.types[4] in (file)', e)).toBe(true);
    const r = ev(insp, PPME.SYSCALL_READ_E, 200, { fd: 4, size: 10 });
    expect(f(r, 'fd.ino')).toBe(77n);
    expect(f(r, 'fd.dev.major')).toBe(8);
    expect(f(r, 'fd.dev.minor')).toBe(3);
  });
});

describe('evt fields', () => {
  it('evt.around[T]=D: within D ms of T, = only', () => {
    const insp = world();
    const e = ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    expect(match(`evt.around[${e.ts}]=1`, e)).toBe(true);
    expect(match(`evt.around[${e.ts + 999_999n}]=1`, e)).toBe(true);
    expect(match(`evt.around[${e.ts + 1_000_001n}]=1`, e)).toBe(false);
    expect(match(`evt.around[${e.ts - 5_000_000n}]=10`, e)).toBe(true);
    expect(() => compileFilter(`evt.around[${e.ts}]>1`, fields)).toThrow(FilterCompileError);
    expect(() => compileFilter('evt.around=1', fields)).toThrow(FilterCompileError);
  });

  it('evt.rawarg is typed by its parameter; evt.arg names are checked', () => {
    const insp = world();
    ev(insp, PPME.SYSCALL_OPEN_E, 200, { name: '/x', flags: 1, mode: 0 });
    const e = ev(insp, PPME.SYSCALL_OPEN_X, 200, { fd: -2, name: '/x', flags: 1, mode: 0, dev: 0 });
    expect(fields.get('evt.rawarg.fd').type).toBe('int64');
    expect(match('evt.rawarg.fd < -1', e)).toBe(true);
    expect(match('evt.rawarg.name = /x', e)).toBe(true);
    expect(match('evt.rawarg.flags = 1', e)).toBe(true);
    expect(() => compileFilter('evt.arg.nonexistent = 1', fields)).toThrow(/unknown event argument nonexistent/);
    expect(() => compileFilter('evt.rawarg.nonexistent = 1', fields)).toThrow(FilterCompileError);
  });

  it('evt.is_open_create, evt.is_open_exec and fd.nameraw on a current-generation openat', () => {
    const insp = world();
    const O_CREAT = 4;
    const O_F_CREATED = 1 << 14;
    const e = ev(insp, PPME.SYSCALL_OPENAT_2_X, 200, { fd: 5, dirfd: -100, name: 'new.sh', flags: 2 | O_CREAT | O_F_CREATED, mode: 0o755, dev: 0, ino: 99n });
    expect(f(e, 'evt.is_open_create')).toBe(true);
    expect(f(e, 'evt.is_open_exec')).toBe(true);
    expect(f(e, 'evt.is_open_write')).toBe(true);
    expect(f(e, 'evt.is_open_read')).toBe(false);
    expect(f(e, 'fd.name')).toBe('/home/u/new.sh');
    expect(f(e, 'fd.nameraw')).toBe('new.sh');
    expect(f(e, 'fd.ino')).toBe(99n);
    expect(f(e, 'evt.abspath')).toBe('/home/u/new.sh');
  });

  it('evt.deltatime keeps one state per use; evt.latency.human and evt.category', () => {
    const insp = world();
    const a = compileFilter('evt.deltatime > 1500', fields);
    const b = compileFilter('evt.deltatime > 1500', fields);
    const e1 = ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    expect(a.match(e1, e1.state)).toBe(false); // first event: 0
    ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    const e3 = ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    expect(a.match(e3, e3.state)).toBe(true); // 2000 ns since e1, the last event this filter saw
    expect(b.match(e3, e3.state)).toBe(false); // a new filter: its own first event
    const x = ev(insp, PPME.SYSCALL_GETUID_X, 200, { res: 0 });
    expect(f(x, 'evt.latency')).toBe(1000n);
    expect(f(x, 'evt.latency.human')).toBe('1.00us');
    expect(f(x, 'evt.category')).toBe('user');
  });

  it('thread.exectime and thread.totexectime on switch events, per CPU', () => {
    const insp = world();
    const fmt = new EventFormatter('%thread.exectime %thread.totexectime');
    const s1 = ev(insp, PPME.SCHEDSWITCH_6_E, 200, { next: 100, pgft_maj: 0n, pgft_min: 0n, vm_size: 0, vm_rss: 0, vm_swap: 0 }, 1);
    expect(fmt.format(s1)).toBe('0 0');
    ev(insp, PPME.SYSCALL_GETUID_E, 200, {}, 1);
    const s2 = ev(insp, PPME.SCHEDSWITCH_6_E, 200, { next: 100, pgft_maj: 0n, pgft_min: 0n, vm_size: 0, vm_rss: 0, vm_swap: 0 }, 1);
    expect(fmt.format(s2)).toBe('2000 2000');
    const s3 = ev(insp, PPME.SCHEDSWITCH_6_E, 200, { next: 100, pgft_maj: 0n, pgft_min: 0n, vm_size: 0, vm_rss: 0, vm_swap: 0 }, 1);
    expect(fmt.format(s3)).toBe('1000 3000');
  });
});

describe('fs.path.*', () => {
  it('paths of file syscalls that make no fd, raw and resolved against the cwd or the dirfd', () => {
    const insp = world();
    ev(insp, PPME.SYSCALL_OPEN_X, 200, { fd: 6, name: '/srv', flags: 1 << 10, mode: 0, dev: 0 });
    const m = ev(insp, PPME.SYSCALL_MKDIRAT_X, 200, { res: 0, dirfd: 6, path: 'data', mode: 0o755 });
    expect(f(m, 'fs.path.name')).toBe('/srv/data');
    expect(f(m, 'fs.path.nameraw')).toBe('data');
    const u = ev(insp, PPME.SYSCALL_UNLINK_2_X, 200, { res: 0, path: '../tmp/./x' });
    expect(f(u, 'fs.path.name')).toBe('/home/tmp/x');
    expect(f(u, 'fs.path.source')).toBeNull();
    const r = ev(insp, PPME.SYSCALL_RENAMEAT2_X, 200, { res: 0, olddirfd: -100, oldpath: 'a', newdirfd: 6, newpath: 'b', flags: 0 });
    expect([f(r, 'fs.path.source'), f(r, 'fs.path.target'), f(r, 'fs.path.sourceraw'), f(r, 'fs.path.targetraw')]).toEqual(['/home/u/a', '/srv/b', 'a', 'b']);
    const s = ev(insp, PPME.SYSCALL_SYMLINKAT_X, 200, { res: 0, target: '/etc/passwd', linkdirfd: -100, linkpath: 'pw' });
    expect([f(s, 'fs.path.source'), f(s, 'fs.path.target')]).toEqual(['/etc/passwd', '/home/u/pw']);
    const c = ev(insp, PPME.SYSCALL_FCHMOD_X, 200, { res: 0, fd: 4, mode: 0o600 });
    expect(f(c, 'fs.path.name')).toBe('/var/log/x.log');
    expect(match('fs.path.name startswith /srv', m)).toBe(true);
  });
});

describe('the registry as a filter field source', () => {
  it('tells event types, so compiled filters reject other types before reading fields', () => {
    const insp = world();
    const e = ev(insp, PPME.SYSCALL_GETUID_E, 200, {});
    expect(fields.eventTypeOf(e)).toBe(PPME.SYSCALL_GETUID_E);
    const c = compileFilter('evt.type=open and proc.name=sh', fields);
    const src = generateSource({ root: c.checked, fields, eventTypes: c.eventTypes, eventCodeCount: PPM_EVENT_MAX }).source;
    expect(src).toContain('eventTypeOf(e)');
    expect(c.match(e, e.state)).toBe(false);
    expect(compileFilter('proc.name=sh', fields).match(e, e.state)).toBe(true);
  });

  it('lists every field by class as sysdig -l does', () => {
    const text = listFields();
    const names = FIELD_CLASSES.flatMap((c) => c.fields.map((x) => x.name));
    expect(names.length).toBeGreaterThanOrEqual(120);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(text).toMatch(new RegExp(`^${n.replace(/\./g, '\\.')}(\\s|$)`, 'm'));
    expect(text).toContain('Field Class:                  evt (All event types)\n');
    expect(text).toMatch(/^fd\.net {24}\(FILTER ONLY\) /m);
    // Descriptions wrap at 120 columns, continued under the description column.
    expect(text.split('\n').every((l) => l.length <= 121)).toBe(true);
    // Every field resolves (with an argument when it needs one).
    for (const spec of fields.list()) {
      const arg = spec.arg === 'required' ? (spec.name === 'evt.around' ? '1' : spec.name === 'evt.type.is' ? 'open' : spec.name.startsWith('evt.') ? 'fd' : 'cpu') : undefined;
      expect(fields.lookup(spec.name, arg), spec.name).toBeDefined();
    }
  });
});
