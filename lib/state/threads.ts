/**
 * `ThreadInfo` and `ThreadTable`: libsinsp's thread state. Threads come from
 * the starting state (a file's process list or a /proc scan) and from
 * clone/fork/execve/exit events; a tid never seen before gets a placeholder
 * entry named `<NA>` the first time an event names it, as libsinsp's
 * get_thread_ref does for captures it cannot query /proc for.
 */
import type { Event } from '../events/event.js';
import type { ThreadView } from '../events/state.js';
import { FdInfo, FdTable } from './fds.js';
import { concatenatePaths } from './strings.js';

/** PPM_CL_* clone flags, plus libsinsp's own thread flags. */
export const CL = {
  CLONE_FILES: 1 << 0,
  CLONE_FS: 1 << 1,
  CLONE_THREAD: 1 << 13,
  CLONE_INVERTED: 1 << 16,
  NAME_CHANGED: 1 << 17,
  CLOSED: 1 << 18,
  ACTIVE: 1 << 19,
  PIPE_SRC: 1 << 21,
  PIPE_DST: 1 << 22,
  CHILD_IN_PIDNS: 1 << 29,
  IS_MAIN_THREAD: 1 << 30,
} as const;

export const UID_NONE = 0xffffffff;

export class ThreadInfo implements ThreadView {
  tid = 0;
  pid = -1;
  ptid = -1;
  sid = -1;
  vpgid = -1;
  comm = '';
  exe = '';
  exepath = '';
  exeWritable = false;
  /** execve flags: the executable is on an overlayfs upper / lower layer, or was run from a memfd. */
  exeUpperLayer = false;
  exeLowerLayer = false;
  exeFromMemfd = false;
  /** The executable's inode number and its ctime/mtime (ns), 0 when unknown. */
  exeIno = 0n;
  exeInoCtime = 0n;
  exeInoMtime = 0n;
  /** Start time of the pid namespace's init (ns), 0 when unknown. */
  pidnsInitStartTs = 0n;
  /** Capability sets (bit N: capability N), from /proc, execve and capset. */
  capInheritable = 0n;
  capPermitted = 0n;
  capEffective = 0n;
  args: string[] = [];
  env: string[] = [];
  /** Only meaningful on main threads; read it through cwd. */
  ownCwd = '';
  fdlimit = -1;
  flags: number = CL.NAME_CHANGED;
  uid = 0;
  gid = 0;
  loginuid = 0;
  vmsizeKb = 0;
  vmrssKb = 0;
  vmswapKb = 0;
  pfmajor = 0n;
  pfminor = 0n;
  vtid = -1;
  vpid = -1;
  cloneTs = 0n;
  tty = 0;
  root = '';
  cgroups: Array<[string, string]> = [];
  containerId = '';
  /** Values of the fields plugins added to the `threads` table, by field index (see lib/plugins/tables.ts). */
  pluginFields: unknown[] | undefined = undefined;
  /** Threads of this process that keep it in the table (libsinsp's m_nchilds). */
  nchilds = 0;
  fdtable: FdTable;
  // Per-event bookkeeping, as libsinsp keeps it on the thread.
  lastEventType = -1;
  lastEventFd = 0;
  /** Copy of the last stored enter event (for exit events to read its parameters). */
  lastEventData: Event | undefined = undefined;
  lastEventDataValid = false;
  lastEventTs = 0n;
  prevEventTs = 0n;
  lastAccessTs = 0n;
  latency = 0n;
  lastLatencyEnterTime = 0n;

  constructor(readonly table: ThreadTable) {
    this.fdtable = new FdTable(table.limits);
  }

  isMainThread(): boolean {
    return this.tid === this.pid || (this.flags & CL.IS_MAIN_THREAD) !== 0;
  }

  /** The process's main thread (a placeholder is created for an unknown pid, as libsinsp does). */
  mainThread(): ThreadInfo | undefined {
    if (this.isMainThread()) return this;
    return this.table.getRef(this.pid, true, true);
  }

  /** The table holding this thread's fds: its own, or its main thread's under CLONE_FILES. */
  fdTable(): FdTable | undefined {
    if (!(this.flags & CL.CLONE_FILES)) return this.fdtable;
    return this.mainThread()?.fdtable;
  }

  getFd(fd: number): FdInfo | undefined {
    if (fd < 0) return undefined;
    return this.fdTable()?.find(fd);
  }

  /** Stores `info` as `fd` (a copy, unless `adopt`: the caller hands over an entry it will not touch again). */
  addFd(fd: number, info: FdInfo, adopt = false): FdInfo | undefined {
    const t = this.fdTable();
    if (!t) return undefined;
    const r = t.add(fd, info, adopt);
    this.lastEventFd = fd;
    return r;
  }

  removeFd(fd: number): void {
    this.fdTable()?.erase(fd);
  }

  get cwd(): string {
    const m = this.mainThread();
    return m ? m.ownCwd : './';
  }

  parent(): ThreadInfo | undefined {
    return this.table.getRef(this.ptid, false, true);
  }
}

export interface ThreadTableLimits {
  /** Most threads kept (libsinsp's default: 131072). */
  maxThreads: number;
  /** Most fds per process (libsinsp's default: 4096); beyond it new fds are not tracked. */
  maxFds: number;
  /**
   * What happens to a new thread when the table is full: false (libsinsp's
   * way, the default for files) drops it; true (the default for live
   * captures) first evicts the least recently used threads that no other
   * thread depends on. Both are counted (`drops`, `evictions`).
   */
  evict: boolean;
}

/** A way to learn about a thread the table has not seen (live captures read /proc). */
export type ThreadLookup = (tid: number) => ThreadInfo | undefined;

export class ThreadTable {
  readonly map = new Map<number, ThreadInfo>();
  readonly limits: ThreadTableLimits;
  /** Threads not added because the table was full. */
  drops = 0;
  /** Threads removed to make room for new ones. */
  evictions = 0;
  lookupOs: ThreadLookup | undefined;
  /** Timestamp used for access bookkeeping. */
  now = 0n;

  constructor(limits: Partial<ThreadTableLimits> = {}) {
    this.limits = { maxThreads: limits.maxThreads ?? 131072, maxFds: limits.maxFds ?? 4096, evict: limits.evict ?? false };
  }

  /** Makes room by removing the least recently used ~1/64 of the table (threads others depend on stay). */
  #evict(): void {
    const n = Math.max(1, this.limits.maxThreads >> 6);
    const candidates = [...this.map.values()].filter((t) => t.nchilds === 0);
    candidates.sort((a, b) => (a.lastAccessTs < b.lastAccessTs ? -1 : a.lastAccessTs > b.lastAccessTs ? 1 : 0));
    for (let i = 0; i < n && i < candidates.length; i++) {
      if (this.remove(candidates[i].tid, false)) this.evictions++;
    }
  }

  get size(): number {
    return this.map.size;
  }

  newThread(): ThreadInfo {
    return new ThreadInfo(this);
  }

  find(tid: number): ThreadInfo | undefined {
    const t = this.map.get(tid);
    if (t) t.lastAccessTs = this.now;
    return t;
  }

  /**
   * libsinsp's get_thread_ref: the thread, or when `create` is set and the
   * table has room, a new entry (from the OS lookup on live captures, a
   * `<NA>` placeholder otherwise).
   */
  getRef(tid: number, create: boolean, _lookupOnly = false): ThreadInfo | undefined {
    const t = this.find(tid);
    if (t || !create) return t;
    if (this.map.size >= this.limits.maxThreads && this.limits.evict) this.#evict();
    if (this.map.size >= this.limits.maxThreads) return undefined;
    let n = this.lookupOs?.(tid);
    if (!n) {
      n = this.newThread();
      n.tid = tid;
      n.pid = tid;
      n.ptid = -1;
      n.comm = '<NA>';
      n.exe = '<NA>';
      n.uid = UID_NONE;
      n.gid = UID_NONE;
      n.loginuid = UID_NONE;
    }
    n.nchilds = 0;
    for (const o of this.map.values()) if (o.pid === tid) n.nchilds++;
    this.add(n, false);
    return this.map.get(tid);
  }

  /** Adds a thread; false (and a drop counted) when the table is full. */
  add(t: ThreadInfo, fromProcList: boolean): boolean {
    if (this.map.size >= this.limits.maxThreads && this.limits.evict && !this.map.has(t.tid)) this.#evict();
    if (this.map.size >= this.limits.maxThreads) {
      this.drops++;
      return false;
    }
    if (!fromProcList) this.incrementMainThreadChildCount(t);
    t.lastAccessTs = this.now;
    this.map.set(t.tid, t);
    return true;
  }

  incrementMainThreadChildCount(t: ThreadInfo): void {
    if (t.flags & CL.CLONE_THREAD) {
      const main = this.getRef(t.pid, true, true);
      if (main) main.nchilds++;
    }
  }

  /**
   * libsinsp's remove_thread: a main thread that other threads still refer to
   * stays unless forced. Returns the removed thread.
   */
  remove(tid: number, force: boolean): ThreadInfo | undefined {
    const t = this.map.get(tid);
    if (!t) return undefined;
    const nchilds = t.nchilds;
    if (nchilds !== 0 && !force) return undefined;
    if (t.flags & CL.CLONE_THREAD) {
      const main = this.getRef(t.pid, false, true);
      if (main && main.nchilds > 0) main.nchilds--;
    }
    this.map.delete(tid);
    if (nchilds !== 0) this.recreateChildDependencies();
    return t;
  }

  recreateChildDependencies(): void {
    for (const t of this.map.values()) t.nchilds = 0;
    for (const t of [...this.map.values()]) this.incrementMainThreadChildCount(t);
  }
}

/** libsinsp's set_cwd: the new directory relative to the current one, always ending in '/'. */
export function setCwd(t: ThreadInfo, cwd: string, len?: number): void {
  const m = t.mainThread();
  if (!m) return;
  const p = concatenatePaths(m.ownCwd, cwd, len).path;
  m.ownCwd = p.length === 0 || p[p.length - 1] !== '/' ? `${p}/` : p;
}
