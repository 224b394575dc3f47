/** proc.* and thread.* fields. */
import type { EventContext } from '../state/context.js';
import type { ThreadInfo } from '../state/threads.js';
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

function ancestor(t: ThreadInfo, c: EventContext, n: number): ThreadInfo | undefined {
  let cur: ThreadInfo | undefined = t;
  for (let i = 0; i < n && cur; i++) {
    const m = cur.mainThread();
    cur = m ? c.inspector.threads.getRef(m.ptid, false) : undefined;
  }
  return cur;
}

export const PROC_FIELDS: FieldSpec[] = [
  th('proc.pid', 'int64', 'process id', (t) => t.pid, 'id'),
  th('proc.exe', 'string', 'first command line argument (usually the executable name)', (t) => t.exe),
  th('proc.name', 'string', 'name of the executable (comm)', (t) => t.comm),
  th('proc.args', 'string', 'arguments', (t) => t.args.join(' ')),
  th('proc.env', 'string', 'environment', (t) => (t.isMainThread() ? t.env : (t.mainThread()?.env ?? t.env)).join(' ')),
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
  {
    name: 'proc.apid', type: 'int64', format: 'id', arg: 'optional', desc: 'pid of an ancestor: proc.apid[1] is the parent',
    extract: (_e, c, arg) => { const t = c?.thread; if (!t || !c || arg === undefined) return null; return ancestor(t, c, Number(arg))?.pid ?? null; },
  },
  {
    name: 'proc.aname', type: 'string', arg: 'optional', desc: 'name of an ancestor: proc.aname[1] is the parent',
    extract: (_e, c, arg) => { const t = c?.thread; if (!t || !c || arg === undefined) return null; return ancestor(t, c, Number(arg))?.comm ?? null; },
  },
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
