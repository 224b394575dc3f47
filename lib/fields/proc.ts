/** proc.* and thread.* fields. */
import type { Event } from '../events/event.js';
import { PPME } from '../events/schema.generated.js';
import type { EventContext } from '../state/context.js';
import { CL, type ThreadInfo } from '../state/threads.js';
import type { FieldSpec } from './registry.js';

type T = (t: ThreadInfo, c: EventContext) => unknown;

/** A field of the event's thread (null when the event has none). */
function th(name: string, type: FieldSpec['type'], desc: string, get: T, format: FieldSpec['format'] = 'na'): FieldSpec {
  return { name, type, format, desc, extract: (_e, c) => { const t = c?.thread; return t && c ? get(t, c) : null; } };
}

function cmdline(t: ThreadInfo): string {
  let s = t.comm;
  for (const a of t.args) s += ` ${a}`;
  return s;
}

/** libsinsp's proc.aname[N] walk: the main thread (N = 0), then N parents by ptid. */
function ancestor(t: ThreadInfo, c: EventContext, n: number): ThreadInfo | undefined {
  let cur: ThreadInfo | undefined = t.isMainThread() ? t : t.mainThread();
  for (let i = 0; i < n && cur; i++) cur = c.inspector.threads.getRef(cur.ptid, false);
  return cur;
}

export const PROC_FIELDS: FieldSpec[] = [
  th('proc.pid', 'int64', 'process id', (t) => t.pid, 'id'),
  th('proc.exe', 'string', 'first command line argument (usually the executable name)', (t) => t.exe),
  th('proc.name', 'string', 'name of the executable (comm)', (t) => t.comm),
  th('proc.args', 'string', 'arguments', (t) => t.args.join(' ')),
  {
    name: 'proc.env', type: 'string', arg: 'optional',
    desc: "the process's environment, 'NAME=value NAME1=value1'; proc.env[NAME]: the value of one variable ('' when unset)",
    extract: (_e, c, arg) => {
      const t = c?.thread;
      if (!t) return null;
      // As libsinsp: a numeric argument is no name.
      return arg === undefined || /^\d+$/.test(arg) ? envText(t) : envValue(t, arg);
    },
  },
  th('proc.cmdline', 'string', 'proc.name + proc.args', (t) => cmdline(t)),
  th('proc.exeline', 'string', 'proc.exe + proc.args', (t) => `${t.exe} ${t.args.join(' ')}`),
  th('proc.cwd', 'string', 'current working directory', (t) => t.cwd),
  th('proc.nthreads', 'uint32', 'threads of the process', (t) => { const m = t.mainThread(); return m ? m.nchilds + 1 : null; }, 'dec'),
  th('proc.nchilds', 'uint32', 'child threads (the main thread excluded)', (t) => t.nchilds, 'dec'),
  th('proc.ppid', 'int64', 'parent process id', (t) => (t.isMainThread() ? t.ptid : (t.mainThread()?.ptid ?? null)), 'id'),
  th('proc.pname', 'string', 'name of the parent process', (t, c) => c.inspector.threads.getRef(t.ptid, false)?.comm ?? null),
  th('proc.pcmdline', 'string', 'command line of the parent', (t, c) => { const p = c.inspector.threads.getRef(t.ptid, false); return p ? cmdline(p) : null; }),
  th('proc.exepath', 'string', 'full executable path', (t) => t.exepath),
  th('proc.vpid', 'int64', 'process id in its pid namespace', (t) => (t.vpid === -1 ? null : t.vpid), 'id'),
  th('proc.sid', 'int64', 'session id', (t) => t.sid, 'id'),
  th('proc.vpgid', 'int64', 'process group id in its namespace', (t) => t.vpgid, 'id'),
  th('proc.tty', 'int32', 'controlling terminal (0: none)', (t) => t.tty, 'id'),
  th('proc.fdlimit', 'int64', 'most fds the process can open', (t) => t.mainThread()?.fdlimit ?? t.fdlimit, 'dec'),
  th('proc.fdopencount', 'uint64', 'fds the process has open', (t) => t.mainThread()?.fdtable.size ?? 0, 'dec'),
  // libsinsp reads these from the thread itself (memory events update the thread that made them).
  th('proc.vmsize', 'uint64', 'virtual memory (kB)', (t) => t.vmsizeKb, 'dec'),
  th('proc.vmrss', 'uint64', 'resident memory (kB)', (t) => t.vmrssKb, 'dec'),
  th('proc.vmswap', 'uint64', 'swapped memory (kB)', (t) => t.vmswapKb, 'dec'),
  th('thread.vmsize', 'uint64', 'virtual memory of a main thread (kB), 0 for other threads', (t) => (t.isMainThread() ? t.vmsizeKb : 0), 'dec'),
  th('thread.vmrss', 'uint64', 'resident memory of a main thread (kB), 0 for other threads', (t) => (t.isMainThread() ? t.vmrssKb : 0), 'dec'),
  th('proc.is_exe_writable', 'bool', 'the executable is writable by its user', (t) => t.exeWritable),
  ancestorField('proc.apid', 'int64', 'the pid of one of the process ancestors: proc.apid[1] is the parent, proc.apid[0] the process itself; without an index, in filters, any ancestor', (a) => a.pid, 'id'),
  ancestorField('proc.aname', 'string', 'the name of one of the process ancestors: proc.aname[1] is the parent, proc.aname[0] the process itself; without an index, in filters, any ancestor', (a) => a.comm),
  { name: 'thread.tid', type: 'int64', format: 'id', desc: 'thread id', extract: (e) => e.tid },
  th('thread.vtid', 'int64', 'thread id in its pid namespace', (t) => (t.vtid === -1 ? null : t.vtid), 'id'),
  th('thread.ismain', 'bool', 'the thread is its process main thread', (t) => t.isMainThread()),
  th('thread.cgroups', 'string', 'all the cgroups of the thread', (t) => (t.cgroups.length ? t.cgroups.map(([k, v]) => `${k}=${v}`).join(' ') : null)),
  {
    name: 'thread.cgroup', type: 'string', arg: 'required', dotted: true, desc: 'the cgroup of one subsystem: thread.cgroup.cpuacct',
    extract: (_e, c, arg) => c?.thread?.cgroups.find(([k]) => k === arg)?.[1] ?? null,
  },
  th('thread.pfmajor', 'uint64', 'major page faults', (t) => t.pfmajor, 'dec'),
  th('thread.pfminor', 'uint64', 'minor page faults', (t) => t.pfminor, 'dec'),
];

// ---------------------------------------------------------------- more proc.* / thread.* fields (issue 5)

/** A thread's parent (libsinsp's get_parent_thread: the thread named by its ptid). */
function parentOf(t: ThreadInfo, c: EventContext): ThreadInfo | undefined {
  return c.inspector.threads.getRef(t.ptid, false);
}

/**
 * libsinsp's traverse_parent_state: the ancestors of `t`, parent first, until
 * one is missing or the chain loops back on itself (then it stops).
 */
export function ancestors(t: ThreadInfo, c: EventContext): ThreadInfo[] {
  const out: ThreadInfo[] = [];
  const seen = new Set<ThreadInfo>([t]);
  for (let p = parentOf(t, c); p && p.tid !== -1 && !seen.has(p); p = parentOf(p, c)) {
    seen.add(p);
    out.push(p);
    if (out.length > 4096) break;
  }
  return out;
}

/** The process's main thread, as libsinsp's fields take it. */
function main(t: ThreadInfo): ThreadInfo | undefined {
  return t.isMainThread() ? t : t.mainThread();
}

function inPidNamespace(t: ThreadInfo): boolean {
  return (t.flags & CL.CHILD_IN_PIDNS) !== 0 || (t.vtid !== -1 && t.tid !== t.vtid);
}

/** Linux's capability names, by bit number, as libsinsp lists them. */
const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** A capability set as libsinsp prints it: the names of its bits, space-separated (bits without a name left out). */
function capsText(set: bigint): string {
  return CAPABILITIES.filter((_, i) => (set >> BigInt(i)) & 1n).join(' ');
}

/** The environment of a thread's process (its main thread's), as libsinsp concatenates it. */
function envText(t: ThreadInfo): string {
  return (t.isMainThread() ? t.env : (t.mainThread()?.env ?? t.env)).join(' ');
}

/** One variable of a thread's process environment, '' when unset (libsinsp's get_env). */
function envValue(t: ThreadInfo, name: string): string {
  const env = t.isMainThread() ? t.env : (t.mainThread()?.env ?? t.env);
  const prefix = `${name}=`;
  return env.find((v) => v.startsWith(prefix))?.slice(prefix.length) ?? '';
}

/**
 * libsinsp's session or process group leader of a thread (`idOf`: sid or
 * vpgid): on the host, the thread whose id it is; in a pid namespace, or when
 * that one is gone, the eldest ancestor of its process sharing the id.
 */
function leader(t: ThreadInfo, c: EventContext, idOf: (x: ThreadInfo) => number): ThreadInfo | undefined {
  if (!inPidNamespace(t)) {
    const s = c.inspector.threads.getRef(idOf(t), false);
    if (s) return s;
  }
  let m = main(t);
  if (!m) return undefined;
  const id = idOf(m);
  for (const p of ancestors(m, c)) {
    if (idOf(p) !== id) break;
    m = p;
  }
  return m;
}

const sidOf = (x: ThreadInfo) => x.sid;
const vpgidOf = (x: ThreadInfo) => x.vpgid;

function parentThread(t: ThreadInfo, c: EventContext): ThreadInfo | undefined {
  return c.inspector.threads.getRef(t.ptid, false);
}

/**
 * An ancestor field: `name[N]` is ancestor N (0: the process itself); without
 * N, in filters, any ancestor from the parent on. In output formats libsinsp
 * reads a bare one as the process's own value and takes no characters for it.
 */
function ancestorField(name: string, type: FieldSpec['type'], desc: string, get: (t: ThreadInfo) => unknown, format: FieldSpec['format'] = 'na'): FieldSpec {
  return {
    name, type, format, arg: 'optional', desc, noTransformer: true,
    anyOf: (arg) => arg === undefined,
    bareFormat: { arg: '0' },
    argCheck: (arg) => (arg === undefined || /^[0-9]+$/.test(arg) ? undefined : `wrong argument '${arg}' for ${name}: an ancestor number`),
    extract: (_e, c, arg) => {
      const t = c?.thread;
      if (!t || !c) return null;
      if (arg === undefined) {
        const m = main(t);
        return m ? ancestors(m, c).map(get) : null;
      }
      const a = ancestor(t, c, Number(arg));
      return a ? get(a) : null;
    },
  };
}

/** The process's fd `n` (0, 1, 2 for the standard streams). */
function stdFd(t: ThreadInfo, n: number) {
  return t.getFd(n);
}

/** libsinsp's thread.exectime: on switch events, the time since the previous switch on this CPU (per use of the field). */
function execTimeInstance(total: boolean) {
  return () => {
    const last = new Map<number, bigint>();
    const totals = new WeakMap<ThreadInfo, bigint>();
    return (e: Event, c: EventContext | undefined) => {
      let d = 0n;
      if (e.type === PPME.SCHEDSWITCH_1_E || e.type === PPME.SCHEDSWITCH_6_E) {
        const prev = last.get(e.cpu) ?? 0n;
        if (prev !== 0n) d = e.ts - prev;
        last.set(e.cpu, e.ts);
      }
      if (!total) return d;
      const t = c?.thread;
      if (!t) return null;
      const sum = (totals.get(t) ?? 0n) + d;
      totals.set(t, sum);
      return sum;
    };
  };
}

export const PROC_MORE_FIELDS: FieldSpec[] = [
  th('proc.pexe', 'string', 'the first command line argument of the parent process', (t, c) => parentThread(main(t) ?? t, c)?.exe ?? null),
  th('proc.pexepath', 'string', 'the full executable path of the parent process', (t, c) => parentThread(main(t) ?? t, c)?.exepath ?? null),
  th('proc.pvpid', 'int64', 'the id of the parent process as seen from its pid namespace', (t, c) => { const p = parentThread(main(t) ?? t, c); return p && p.vpid !== -1 ? p.vpid : null; }, 'id'),
  ancestorField('proc.aexe', 'string', 'the first command line argument of an ancestor: proc.aexe[1] is the parent; without an index, in filters, any ancestor', (a) => a.exe),
  ancestorField('proc.aexepath', 'string', 'the full executable path of an ancestor: proc.aexepath[1] is the parent; without an index, in filters, any ancestor', (a) => a.exepath),
  ancestorField('proc.acmdline', 'string', 'the command line of an ancestor: proc.acmdline[1] is the parent; without an index, in filters, any ancestor', (a) => cmdline(a)),
  th('proc.cmdnargs', 'uint64', 'the number of command line arguments', (t) => t.args.length, 'dec'),
  th('proc.cmdlenargs', 'uint64', 'the total length of the command line arguments, separators excluded', (t) => t.args.reduce((n, a) => n + a.length, 0), 'dec'),
  th('proc.loginshellid', 'int64', 'the pid of the oldest shell among the ancestors of the current process, if there is one', (t, c) => {
    const m = main(t);
    if (!m) return null;
    let res: number | null = null;
    for (const p of [m, ...ancestors(m, c)]) if (p.exe.length >= 2 && p.exe.endsWith('sh')) res = p.pid;
    return res;
  }, 'id'),
  th('proc.duration', 'reltime', 'number of nanoseconds since the process started', (t, c) => (t.cloneTs !== 0n ? c.evt.ts - t.cloneTs : null), 'dec'),
  th('proc.fdusage', 'double', 'the ratio between open FDs and maximum available FDs for the process', (t) => {
    const m = main(t);
    if (!m || m.fdlimit === 0) return null;
    // libsinsp divides by the limit as an unsigned 64-bit number: -1 (unknown) gives 0.
    const limit = m.fdlimit < 0 ? 18446744073709551616 + m.fdlimit : m.fdlimit;
    return (m.fdtable.size / limit) * 100;
  }),
  th('proc.sname', 'string', "the name of the current process's session leader", (t, c) => leader(t, c, sidOf)?.comm ?? null),
  th('proc.sid.exe', 'string', "the first command line argument of the current process's session leader", (t, c) => leader(t, c, sidOf)?.exe ?? null),
  th('proc.sid.exepath', 'string', "the full executable path of the current process's session leader", (t, c) => leader(t, c, sidOf)?.exepath ?? null),
  th('proc.vpgid.name', 'string', "the name of the current process's process group leader", (t, c) => leader(t, c, vpgidOf)?.comm ?? null),
  th('proc.vpgid.exe', 'string', "the first command line argument of the current process's process group leader", (t, c) => leader(t, c, vpgidOf)?.exe ?? null),
  th('proc.vpgid.exepath', 'string', "the full executable path of the current process's process group leader", (t, c) => leader(t, c, vpgidOf)?.exepath ?? null),
  {
    name: 'proc.aenv', type: 'string', arg: 'optional', noTransformer: true,
    desc: "[EXPERIMENTAL] an ancestor's environment: proc.aenv[2] is the grandparent's, proc.aenv[NAME] the first value of NAME among up to 20 ancestors; without an argument, in filters, any ancestor's",
    anyOf: (arg) => arg === undefined,
    bareFormat: { arg: '0' },
    extract: (_e, c, arg) => {
      const t = c?.thread;
      if (!t || !c) return null;
      const m = main(t);
      if (!m) return arg === undefined ? null : '';
      if (arg === undefined) return ancestors(m, c).map(envText);
      if (/^\d+$/.test(arg)) {
        const a = ancestor(t, c, Number(arg));
        return a ? envText(a) : null;
      }
      for (const p of ancestors(m, c).slice(0, 20)) {
        const v = envValue(p, arg);
        if (v !== '') return v;
      }
      return '';
    },
  },
  th('thread.cap_permitted', 'string', 'the permitted capabilities set', (t) => capsText(t.capPermitted)),
  th('thread.cap_inheritable', 'string', 'the inheritable capabilities set', (t) => capsText(t.capInheritable)),
  th('thread.cap_effective', 'string', 'the effective capabilities set', (t) => capsText(t.capEffective)),
  th('proc.pidns_init_start_ts', 'uint64', "the start of the process's pid namespace (ns from epoch)", (t) => (t.pidnsInitStartTs === 0n ? null : t.pidnsInitStartTs), 'dec'),
  th('proc.is_sid_leader', 'bool', 'true if this process is the leader of its session', (t) => t.sid === (t.vpid === -1 ? t.pid : t.vpid)),
  th('proc.is_vpgid_leader', 'bool', 'true if this process is the leader of its process group (pid namespace view)', (t) => t.vpgid === (t.vpid === -1 ? t.pid : t.vpid)),
  th('proc.exe_ino', 'int64', 'the inode number of the executable file on disk', (t) => (t.exeIno === 0n ? null : t.exeIno), 'dec'),
  th('proc.exe_ino.ctime', 'abstime', 'last status change time of the executable file (ns from epoch)', (t) => (t.exeInoCtime === 0n ? null : t.exeInoCtime), 'dec'),
  th('proc.exe_ino.mtime', 'abstime', 'last modification time of the executable file (ns from epoch)', (t) => (t.exeInoMtime === 0n ? null : t.exeInoMtime), 'dec'),
  th('proc.exe_ino.ctime_duration_proc_start', 'reltime', "nanoseconds between the executable's last status change and the process start", (t) => {
    const start = t.cloneTs;
    return t.exeInoCtime !== 0n && start !== 0n && start >= t.exeInoCtime ? start - t.exeInoCtime : null;
  }, 'dec'),
  th('proc.exe_ino.ctime_duration_pidns_start', 'reltime', "nanoseconds between the start of the pid namespace and the executable's last status change", (t) => {
    const ns = t.pidnsInitStartTs;
    return t.exeInoCtime !== 0n && ns !== 0n && t.exeInoCtime >= ns ? t.exeInoCtime - ns : null;
  }, 'dec'),
  th('proc.is_exe_upper_layer', 'bool', "true if the executable is on an overlayfs upper layer", (t) => t.exeUpperLayer),
  th('proc.is_exe_lower_layer', 'bool', "true if the executable is on an overlayfs lower layer", (t) => t.exeLowerLayer),
  th('proc.is_exe_from_memfd', 'bool', 'true if the executable was run from a memfd (fileless execution)', (t) => t.exeFromMemfd),
  th('proc.pid.ts', 'reltime', 'start of the process, ns from epoch (when the capture saw it start)', (t) => { const m = main(t); return m && m.cloneTs !== 0n ? m.cloneTs : null; }, 'dec'),
  th('proc.ppid.ts', 'reltime', 'start of the parent process, ns from epoch (when the capture saw it start)', (t, c) => {
    const p = parentThread(main(t) ?? t, c);
    return p && p.cloneTs !== 0n ? p.cloneTs : null;
  }, 'dec'),
  th('proc.ppid.duration', 'reltime', 'nanoseconds since the parent process started', (t, c) => {
    const p = parentThread(main(t) ?? t, c);
    return p && p.cloneTs !== 0n ? c.evt.ts - p.cloneTs : null;
  }, 'dec'),
  th('proc.stdin.type', 'string', 'the type of the process stdin (fd 0)', (t) => stdFd(t, 0)?.typeName ?? null),
  th('proc.stdout.type', 'string', 'the type of the process stdout (fd 1)', (t) => stdFd(t, 1)?.typeName ?? null),
  th('proc.stderr.type', 'string', 'the type of the process stderr (fd 2)', (t) => stdFd(t, 2)?.typeName ?? null),
  th('proc.stdin.name', 'string', 'the name of the process stdin (fd 0)', (t) => stdFd(t, 0)?.name ?? null),
  th('proc.stdout.name', 'string', 'the name of the process stdout (fd 1)', (t) => stdFd(t, 1)?.name ?? null),
  th('proc.stderr.name', 'string', 'the name of the process stderr (fd 2)', (t) => stdFd(t, 2)?.name ?? null),
  th('proc.is_container_healthcheck', 'bool', "true if this process is running as a part of the container's health check", () => false),
  th('proc.is_container_liveness_probe', 'bool', "true if this process is running as a part of the container's liveness probe", () => false),
  th('proc.is_container_readiness_probe', 'bool', "true if this process is running as a part of the container's readiness probe", () => false),
  {
    name: 'thread.exectime', type: 'reltime', format: 'dec', desc: 'CPU time spent by the last scheduled thread, in nanoseconds. Exported by switch events only',
    extract: () => 0n, instance: execTimeInstance(false),
  },
  {
    name: 'thread.totexectime', type: 'reltime', format: 'dec', desc: 'total CPU time, in nanoseconds since the beginning of the capture, for the current thread. Exported by switch events only',
    extract: () => 0n, instance: execTimeInstance(true),
  },
];
