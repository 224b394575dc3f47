/**
 * `Inspector`: the state engine. It is seeded with a capture's starting state
 * (a file's process, fd, user and interface blocks, or a /proc scan), then
 * `process(evt)` updates threads, fds, users and containers for every event,
 * in order, the way libsinsp's parsers do, and attaches the event's thread
 * and fd to it (`evt.state`, read through `evt.thread`, `evt.fd`,
 * `evt.field()`).
 *
 * Exited threads and closed fds are removed when the next event arrives, so
 * the exit or close itself still resolves, as in libsinsp.
 */
import { EventDecodeError } from '../errors.js';
import { Event } from '../events/event.js';
import { EC, EF, PPME } from '../events/schema.generated.js';
import { eventInfo } from '../events/table.js';
import { FD_TYPE, type FdRecord, type InterfaceRecord, type ThreadRecord } from '../scapfile/metadata.js';
import type { SectionMetadata } from '../scapfile/writer.js';
import { RETURNS_IN_PARAM0, eventFlags, exitFdLocation } from './compat.js';
import { CONTAINER_TYPE, ContainerTable, LOOKUP_SUCCESSFUL, containerFromCgroups } from './containers.js';
import { EventContext, type FieldResolver } from './context.js';
import { CANCELED_FD, FDF, FdInfo, L4, SockInfo, ipv4Endpoint, ipv6Endpoint, isIpv4MappedIpv6 } from './fds.js';
import { Interfaces } from './interfaces.js';
import { PARSERS, STORE_ON_ENTER } from './parsers/index.js';
import { ipv4Raw, ipv6Raw } from './rawaddr.js';
import type { ContainerMetadataLookup } from './runtimes/lookup.js';
import { parseCgroups } from './strings.js';
import { CL, ThreadInfo, ThreadTable, setCwd, type ThreadLookup } from './threads.js';
import { UserTable } from './users.js';

/** A thread entry older than this when clone() returns in the child belongs to an exited thread whose exit was missed (libsinsp's value). */
export const CLONE_STALE_TIME_NS = 2_000_000_000n;

export interface InspectorOptions {
  /** Live capture: unknown threads can be read from /proc (through `lookupThread`), exited ones are purged. */
  live?: boolean;
  /** Most threads kept (default 131072, libsinsp's). */
  maxThreads?: number;
  /**
   * A full table evicts its least recently used threads (true, the default
   * for live captures) or drops new ones as libsinsp does (false, the
   * default for files). Both are counted in stats().
   */
  evictThreads?: boolean;
  /** Most fds per process (default 4096, libsinsp's). */
  maxFds?: number;
  /** Reads a thread the table does not know from the OS (live captures), with its fds when it can. */
  lookupThread?: (tid: number) => { thread: ThreadRecord; fds?: readonly FdRecord[] } | undefined;
  /** Live captures: threads not seen for this long are purged (default 20 min of event time). */
  threadTimeoutNs?: bigint;
  /** Live captures: how often, in event time, the purge runs (default 1 min). */
  purgeIntervalNs?: bigint;
  /**
   * Events already numbered before this Inspector starts: a file's next
   * section starts from fresh state but keeps counting (as sysdig does).
   */
  eventsBefore?: number;
  /**
   * Live captures: asks the container runtimes for the metadata of every
   * container a thread is found in (the results come back as container events).
   */
  containerLookup?: ContainerMetadataLookup;
}

export interface InspectorStats {
  events: number;
  threads: number;
  fds: number;
  /** Threads not added because the table was full. */
  threadDrops: number;
  /** Threads evicted to make room (evictThreads). */
  threadEvictions: number;
  /** Threads removed by the live purge (missed exits). */
  threadsPurged: number;
  /** Events whose parameters could not be read. */
  malformed: number;
}

export class Inspector {
  readonly threads: ThreadTable;
  readonly users: UserTable;
  readonly containers = new ContainerTable();
  readonly interfaces: Interfaces;
  readonly live: boolean;
  /** Set by scap-ts/fields when it loads: turns field names into values (for every new Inspector). */
  static defaultFieldResolver: FieldResolver | undefined;
  /** Turns field names into values for `evt.field()`. */
  fieldResolver: FieldResolver | undefined;

  /** Events processed (the last one's evt.num). */
  nevts = 0;
  firstEventTs = 0n;
  lastEventTs = 0n;
  /** Delayed removal of an exited thread (libsinsp's m_tid_to_remove). */
  tidToRemove = -1;
  /** Delayed removal of closed fds. */
  fdsToRemove: number[] = [];
  tidOfFdToRemove = -1;
  /** Server ports seen in the starting state, to orient /proc sockets. */
  readonly serverPorts = new Set<number>();
  /** The syslog decoder's state for the current event (-1: nothing decoded). */
  syslogPriority = -1;
  syslogMessage = '';
  threadsPurged = 0;
  /** Events whose parameters could not be read (their state update was skipped). */
  malformed = 0;
  /** A non-container event has been seen (container events before it are the file's preamble). */
  #started = false;
  readonly #threadTimeoutNs: bigint;
  readonly #purgeIntervalNs: bigint;
  #nextPurge = 0n;
  readonly #containerLookup: ContainerMetadataLookup | undefined;

  constructor(metadata: SectionMetadata = {}, options: InspectorOptions = {}) {
    this.fieldResolver = Inspector.defaultFieldResolver;
    this.nevts = options.eventsBefore ?? 0;
    this.live = options.live ?? false;
    this.threads = new ThreadTable({ maxThreads: options.maxThreads, maxFds: options.maxFds, evict: options.evictThreads ?? this.live });
    this.users = new UserTable(metadata.users, metadata.groups);
    this.interfaces = new Interfaces(metadata.interfaces ?? []);
    this.#threadTimeoutNs = options.threadTimeoutNs ?? 1_200_000_000_000n;
    this.#purgeIntervalNs = options.purgeIntervalNs ?? 60_000_000_000n;
    this.#containerLookup = options.containerLookup;
    if (options.lookupThread) {
      const lookup = options.lookupThread;
      const l: ThreadLookup = (tid) => {
        const r = lookup(tid);
        return r ? this.threadFromRecord(r.thread, r.fds ?? []) : undefined;
      };
      this.threads.lookupOs = l;
    }
    this.seed(metadata.processes ?? [], metadata.fds ?? new Map());
  }

  // ---------------------------------------------------------------- seeding

  /** libsinsp's threadinfo init from a scap thread (process list block or /proc). */
  threadFromRecord(r: ThreadRecord, fds: readonly FdRecord[]): ThreadInfo {
    const t = this.threads.newThread();
    t.tid = r.tid;
    t.pid = r.pid;
    t.ptid = r.ptid;
    t.sid = r.sid;
    t.vpgid = r.vpgid;
    t.comm = r.comm;
    t.exe = r.exe;
    t.exepath = r.exepath;
    t.exeWritable = r.exeWritable;
    t.exeUpperLayer = r.exeUpperLayer;
    t.exeLowerLayer = r.exeLowerLayer;
    t.exeFromMemfd = r.exeFromMemfd;
    t.exeIno = r.exeIno;
    t.exeInoCtime = r.exeInoCtime;
    t.exeInoMtime = r.exeInoMtime;
    t.pidnsInitStartTs = r.pidnsInitStartTs;
    t.capInheritable = r.capInheritable;
    t.capPermitted = r.capPermitted;
    t.capEffective = r.capEffective;
    t.args = r.args.slice();
    if (t.isMainThread()) {
      t.env = r.env.slice();
      t.ownCwd = '';
      setCwd(t, r.cwd);
    }
    t.flags |= r.flags | CL.ACTIVE;
    t.fdlimit = Number(r.fdlimit);
    t.uid = r.uid;
    t.gid = r.gid;
    t.vmsizeKb = r.vmsizeKb;
    t.vmrssKb = r.vmrssKb;
    t.vmswapKb = r.vmswapKb;
    t.pfmajor = r.pfmajor;
    t.pfminor = r.pfminor;
    t.vtid = r.vtid;
    t.vpid = r.vpid;
    t.tty = r.tty;
    t.loginuid = r.loginuid;
    t.root = r.root;
    t.cgroups = parseCgroups(r.cgroups);
    this.resolveContainer(t);
    for (const f of fds) this.addFdFromRecord(t, f);
    return t;
  }

  #addFdFromRecordInto(t: ThreadInfo, f: FdRecord): void {
    const fi = new FdInfo();
    fi.type = f.type;
    fi.flags = FDF.FROM_PROC;
    fi.ino = f.ino;
    switch (f.type) {
      case FD_TYPE.IPV4_SOCK:
        this.#seedIpv4Tuple(fi, ipv4Raw(f.sip ?? '0.0.0.0'), ipv4Raw(f.dip ?? '0.0.0.0'), f);
        break;
      case FD_TYPE.IPV4_SERVSOCK: {
        const s = fi.sockinfo;
        s.b.set(ipv4Raw(f.sip ?? '0.0.0.0'), 0);
        s.s4port = f.sport ?? 0;
        s.s4l4 = f.l4proto ?? 0;
        fi.name = ipv4Endpoint(s.b, 0, s.s4port);
        this.serverPorts.add(s.s4port);
        break;
      }
      case FD_TYPE.IPV6_SOCK: {
        const sip = ipv6Raw(f.sip ?? '::');
        const dip = ipv6Raw(f.dip ?? '::');
        const s = fi.sockinfo;
        if (isIpv4MappedIpv6(sip, 0) && isIpv4MappedIpv6(dip, 0)) {
          fi.type = FD_TYPE.IPV4_SOCK;
          this.#seedIpv4Tuple(fi, sip.subarray(12, 16), dip.subarray(12, 16), f);
        } else {
          s.b.set(sip, 0);
          s.b.set(dip, 16);
          s.v6sport = f.sport ?? 0;
          s.v6dport = f.dport ?? 0;
          s.v6l4 = f.l4proto ?? 0;
          if (s.v6l4 === L4.TCP) fi.flags |= FDF.SOCKET_CONNECTED;
          fi.name = `${ipv6Endpoint(s.b, 0, s.v6sport)}->${ipv6Endpoint(s.b, 16, s.v6dport)}`;
        }
        break;
      }
      case FD_TYPE.IPV6_SERVSOCK: {
        const s = fi.sockinfo;
        s.b.set(ipv6Raw(f.sip ?? '::'), 0);
        s.s6port = f.sport ?? 0;
        s.s6l4 = f.l4proto ?? 0;
        fi.name = ipv6Endpoint(s.b, 0, s.s6port);
        this.serverPorts.add(s.s6port);
        break;
      }
      case FD_TYPE.UNIX_SOCK: {
        const s = fi.sockinfo;
        s.unixSource = f.source ?? 0n;
        s.unixDest = f.dest ?? 0n;
        fi.name = f.name ?? '';
        if (fi.name === '') fi.setRoleClient();
        else fi.setRoleServer();
        break;
      }
      case FD_TYPE.FILE_V2:
        fi.openFlags = f.openFlags ?? 0;
        fi.name = f.name ?? '';
        fi.dev = f.dev ?? 0;
        fi.flags |= FDF.IS_NOT_TRACER_FD;
        break;
      case FD_TYPE.UNKNOWN:
        return;
      default:
        fi.name = f.name ?? '';
        fi.flags |= FDF.IS_NOT_TRACER_FD;
        break;
    }
    if (fi.name.includes('/dev/log')) fi.syslog = true;
    t.fdtable.add(f.fd, fi);
  }

  /** An IPv4 tuple from a file's fd record (or an IPv4-mapped IPv6 one): addresses, ports, name. */
  #seedIpv4Tuple(fi: FdInfo, sip: Uint8Array, dip: Uint8Array, f: FdRecord): void {
    const s = fi.sockinfo;
    s.b.set(sip, 0);
    s.b.set(dip, 4);
    s.v4sport = f.sport ?? 0;
    s.v4dport = f.dport ?? 0;
    s.v4l4 = f.l4proto ?? 0;
    if (s.v4l4 === L4.TCP) fi.flags |= FDF.SOCKET_CONNECTED;
    this.interfaces.updateFd(fi);
    fi.name = `${ipv4Endpoint(s.b, 0, s.v4sport)}->${ipv4Endpoint(s.b, 4, s.v4dport)}`;
  }

  addFdFromRecord(t: ThreadInfo, f: FdRecord): void {
    this.#addFdFromRecordInto(t, f);
  }

  seed(processes: readonly ThreadRecord[], fds: ReadonlyMap<number, readonly FdRecord[]>): void {
    for (const r of processes) {
      const t = this.threadFromRecord(r, fds.get(r.tid) ?? []);
      this.threads.add(t, true);
    }
    for (const t of [...this.threads.map.values()]) this.threads.incrementMainThreadChildCount(t);
    // libsinsp's fix_sockets_coming_from_proc: a /proc IPv4 socket on a known server port is the server side.
    for (const t of this.threads.map.values()) {
      for (const fi of t.fdtable.map.values()) {
        if (fi.type !== FD_TYPE.IPV4_SOCK || !fi.sock) continue;
        const s = fi.sock;
        if (this.serverPorts.has(s.v4sport)) {
          const sip = s.b.slice(0, 4);
          const sport = s.v4sport;
          s.b.copyWithin(0, 4, 8);
          s.b.set(sip, 4);
          s.v4sport = s.v4dport;
          s.v4dport = sport;
          fi.name = `${ipv4Endpoint(s.b, 0, s.v4sport)}->${ipv4Endpoint(s.b, 4, s.v4dport)}`;
          fi.setRoleServer();
        } else {
          fi.setRoleClient();
        }
      }
    }
  }

  /**
   * Sets the thread's container id from its cgroups ('' on the host). A
   * container seen for the first time gets an entry with what the cgroups
   * tell (id and runtime), as libsinsp records it when it cannot ask the
   * runtime; container events fill in the rest. With runtime lookups, a
   * container without metadata yet is looked up (once: the lookup keeps
   * track); until its container event comes, its name and image have no
   * value, as in libsinsp.
   */
  resolveContainer(t: ThreadInfo): void {
    const m = containerFromCgroups(t.cgroups);
    t.containerId = m?.id ?? '';
    if (!m) return;
    const known = this.containers.get(m.id);
    if (!known) this.containers.add({ id: m.id, type: CONTAINER_TYPE[m.runtime], name: '', image: '', runtime: m.runtime });
    if (this.#containerLookup && known?.lookup_state !== LOOKUP_SUCCESSFUL) this.#containerLookup.request(m.id, m.runtime, m.owner);
  }

  // ---------------------------------------------------------------- events

  /**
   * Updates the state with one event (every event, in capture order) and
   * returns its context, also set as `evt.state`.
   */
  process(evt: Event): EventContext {
    const type = evt.type;
    const ts = evt.ts;
    this.nevts++;
    const c = new EventContext(this, evt, this.nevts);
    if (this.firstEventTs === 0n && type !== PPME.CONTAINER_JSON_E && type !== PPME.CONTAINER_JSON_2_E) this.firstEventTs = ts;
    this.lastEventTs = ts;
    this.threads.now = ts;
    if (this.tidToRemove !== -1) {
      this.threads.remove(this.tidToRemove, false);
      this.tidToRemove = -1;
    }
    if (this.live && ts >= this.#nextPurge) this.#purge(ts);
    if (this.fdsToRemove.length) {
      const t = this.threads.getRef(this.tidOfFdToRemove, true, true);
      if (t) for (const fd of this.fdsToRemove) t.removeFd(fd);
      this.fdsToRemove.length = 0;
    }
    this.syslogPriority = -1;
    if (!this.#started) {
      if (type === PPME.CONTAINER_E || type === PPME.CONTAINER_JSON_E || type === PPME.CONTAINER_JSON_2_E) c.preamble = !this.live;
      else this.#started = true;
    }

    try {
      this.reset(c, type, ts);
      const parse = PARSERS[type];
      if (parse) parse(c, this);
      else if (STORE_ON_ENTER[type]) this.storeEvent(c);
    } catch (e) {
      // A malformed event changes no state (libsinsp would read past it); count it and go on.
      if (!(e instanceof EventDecodeError || e instanceof RangeError)) throw e;
      this.malformed++;
    }

    if (!this.live && evt.dumpFlags & 1) c.filteredOut = true;
    const t = c.tinfo;
    if (!c.filteredOut && t) {
      // libsinsp's event_cleanup: the stored enter event serves its exit only.
      if ((type & 1) === 1 && t.lastEventData) {
        t.lastEventData = undefined;
        t.lastEventDataValid = false;
      }
      if (type !== PPME.SCHEDSWITCH_1_E && type !== PPME.SCHEDSWITCH_6_E) {
        t.prevEventTs = t.lastEventTs;
        t.lastEventTs = ts;
      }
    }
    evt.state = c;
    return c;
  }

  /** libsinsp's parser reset: finds the thread and, for fd events, the fd (parsers call it again after a tid collision). */
  reset(c: EventContext, type = c.evt.type, ts = c.evt.ts): boolean {
    const evt = c.evt;
    const flags = eventFlags(type);
    c.tinfo = undefined;
    c.fdinfo = undefined;
    c.errorcode = 0;
    if (flags & EF.SKIPPARSERESET) {
      c.tinfo = type === PPME.PROCINFO_E ? this.threads.getRef(evt.tid, false) : undefined;
      return false;
    }
    if (type === PPME.CONTAINER_JSON_E || type === PPME.CONTAINER_JSON_2_E) return true;
    const cloneExit = isCloneExit(type);
    const queryOs = !cloneExit && type !== PPME.SCHEDSWITCH_6_E;
    const t = this.threads.getRef(evt.tid, queryOs);
    c.tinfo = t;
    if (type === PPME.SCHEDSWITCH_6_E || !t) return false;
    if (queryOs) t.flags |= CL.ACTIVE;
    if ((type & 1) === 0) {
      t.lastEventFd = -1;
      t.lastEventType = type;
      if (flags & EF.USES_FD && evt.nparams > 0) {
        t.lastEventFd = int(evt, 0);
        c.fdinfo = t.getFd(t.lastEventFd);
      }
      t.latency = 0n;
      t.lastLatencyEnterTime = ts;
      return true;
    }
    if (t.lastLatencyEnterTime !== 0n) t.latency = ts - t.lastLatencyEnterTime;
    const fdLoc = flags & EF.USES_FD ? exitFdLocation(type) : -1;
    const ownFd = fdLoc >= 0 && fdLoc < evt.nparams && evt.paramLength(fdLoc) === 8;
    if (type === t.lastEventType + 1) {
      t.lastEventDataValid = true;
    } else {
      t.lastEventDataValid = false;
      // Exits of older generations need their enter; current-generation exits carry the fd themselves.
      if (!ownFd) return false;
      t.lastEventFd = -1;
    }
    const n = evt.nparams;
    if (n !== 0 && RETURNS_IN_PARAM0[type] === 1 && evt.paramLength(0) === 8) {
      const res = int(evt, 0);
      if (res < 0) c.errorcode = -res;
    }
    if (flags & EF.USES_FD) {
      if (type === PPME.SYSCALL_COPY_FILE_RANGE_X && n > 1) t.lastEventFd = int(evt, 1);
      if (t.lastEventFd === -1 && ownFd) t.lastEventFd = int(evt, fdLoc);
      const fi = t.getFd(t.lastEventFd);
      c.fdinfo = fi;
      if (!fi) return false;
      if (fi.flags & FDF.CLOSE_CANCELED) {
        fi.flags &= ~FDF.CLOSE_CANCELED;
        this.eraseFd(t, CANCELED_FD, t.getFd(CANCELED_FD), true);
      }
    }
    return true;
  }

  /** Keeps a copy of an enter event on its thread, for the exit to read. */
  storeEvent(c: EventContext): void {
    const t = c.tinfo;
    if (!t) return;
    const b = c.evt.toBytes();
    t.lastEventData = new Event(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, c.evt.cpu);
    t.lastEventDataValid = true;
  }

  /** The stored enter event matching this exit, if there is one. */
  retrieveEnter(c: EventContext): Event | undefined {
    const t = c.tinfo;
    if (!t || !t.lastEventDataValid || !t.lastEventData) return undefined;
    const e = t.lastEventData;
    if (e.type !== c.evt.type - 1) {
      t.lastEventDataValid = false;
      return undefined;
    }
    return e;
  }

  /** Schedules the removal of an fd (done when the next event arrives). */
  eraseFd(t: ThreadInfo, fd: number, fi: FdInfo | undefined, removeFromTable: boolean): void {
    if (!fi) return;
    if (removeFromTable) {
      this.tidOfFdToRemove = t.tid;
      this.fdsToRemove.push(fd);
    }
  }

  #purge(ts: bigint): void {
    if (this.#nextPurge !== 0n) {
      for (const t of [...this.threads.map.values()]) {
        if (ts > t.lastAccessTs && ts - t.lastAccessTs > this.#threadTimeoutNs && t.nchilds === 0) {
          if (this.threads.remove(t.tid, false)) this.threadsPurged++;
        }
      }
    }
    this.#nextPurge = ts + this.#purgeIntervalNs;
  }

  stats(): InspectorStats {
    let fds = 0;
    for (const t of this.threads.map.values()) fds += t.fdtable.size;
    return { events: this.nevts, threads: this.threads.size, fds, threadDrops: this.threads.drops, threadEvictions: this.threads.evictions, threadsPurged: this.threadsPurged, malformed: this.malformed };
  }

  /** Category of an event as sysdig uses it to leave internal events out of its output. */
  static isInternal(type: number): boolean {
    const info = eventInfo(type);
    return info !== undefined && (info.category & EC.INTERNAL) !== 0;
  }
}

const CLONE_EXIT: boolean[] = [];

export function isCloneExit(type: number): boolean {
  return CLONE_EXIT[type] === true;
}

function cloneExitOf(type: number): boolean {
  switch (type) {
    case PPME.SYSCALL_CLONE_11_X: case PPME.SYSCALL_CLONE_16_X: case PPME.SYSCALL_CLONE_17_X: case PPME.SYSCALL_CLONE_20_X:
    case PPME.SYSCALL_FORK_X: case PPME.SYSCALL_FORK_17_X: case PPME.SYSCALL_FORK_20_X: case PPME.SYSCALL_VFORK_X:
    case PPME.SYSCALL_VFORK_17_X: case PPME.SYSCALL_VFORK_20_X: case PPME.SYSCALL_CLONE3_X:
      return true;
    default:
      return false;
  }
}

/** An integer parameter as a number (every fd, pid and errno fits). */
export function int(evt: Event, i: number): number {
  const len = evt.paramLength(i);
  const o = paramOffset(evt, i);
  const v = evt.view;
  switch (len) {
    case 8: return v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true);
    case 4: return v.getInt32(o, true);
    case 2: return v.getInt16(o, true);
    case 1: return v.getInt8(o);
    default: return 0;
  }
}

/** An unsigned integer parameter (u32 and smaller exactly; u64 as a number). */
export function uint(evt: Event, i: number): number {
  const len = evt.paramLength(i);
  const o = paramOffset(evt, i);
  const v = evt.view;
  switch (len) {
    case 8: return v.getUint32(o + 4, true) * 4294967296 + v.getUint32(o, true);
    case 4: return v.getUint32(o, true);
    case 2: return v.getUint16(o, true);
    case 1: return v.getUint8(o);
    default: return 0;
  }
}

function paramOffset(evt: Event, i: number): number {
  return evt.paramOffset(i);
}

/** Raw bytes of parameter i, or null when the event does not carry it. */
export function rawParam(evt: Event, i: number): Uint8Array | null {
  return i < evt.nparams ? evt.raw(i) : null;
}

export { SockInfo };

for (let t = 0; t < 1024; t++) if (cloneExitOf(t)) CLONE_EXIT[t] = true;
