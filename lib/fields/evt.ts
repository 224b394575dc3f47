/** evt.* fields. */
import { hostname } from 'node:os';
import type { Event } from '../events/event.js';
import { EC, EF, PPME, PT } from '../events/schema.generated.js';
import { ipv6ToString } from '../events/values.js';
import { isEventTypeName } from '../filter/pushdown.js';
import { FD_TYPE } from '../state/fds.js';
import { concatenatePaths } from '../state/strings.js';
import { eventInfo } from '../events/table.js';
import { eventFlags, genericCategory029, paramInfo, syscallName029 } from '../state/compat.js';
import type { EventContext } from '../state/context.js';
import { DEFAULT_RENDER, paramName, renderArgs, renderInfo, renderParam } from './params.js';
import type { FieldSpec, JsonValue } from './registry.js';

/** The local time zone offset in seconds, taken once as libsinsp's gmt2local(0) does (at start, not per event). */
let zoneOffset: number | undefined;
function tz(): number {
  return (zoneOffset ??= -new Date().getTimezoneOffset() * 60);
}

/** For tests: fix the time zone offset (seconds east of UTC); undefined goes back to the local one. */
export function setTimeZoneOffset(seconds: number | undefined): void {
  zoneOffset = seconds;
  lastSec = -1;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

let lastSec = -1;
let lastDate = false;
let lastPrefix = '';

/** libsinsp's ts_to_string: `HH:MM:SS.nnnnnnnnn` in local time, optionally with the date first. */
export function tsToString(ts: bigint, date: boolean, ns: boolean): string {
  return timeString(Number(ts / 1_000_000_000n), Number(ts % 1_000_000_000n), date, ns);
}

/**
 * Seconds and nanoseconds of the event's timestamp, read as two 32-bit
 * halves and split exactly with doubles (no BigInt): ts = hi*2^32 + lo =
 * (hi*4294)*10^6 + (hi*967296 + lo).
 */
function evtTime(e: Event, date: boolean, ns: boolean): string {
  const v = e.view;
  const o = e.offset;
  const lo = v.getUint32(o, true);
  const hi = v.getUint32(o + 4, true);
  if (hi >= 0x80000000) return tsToString(e.ts, date, ns);
  const a = hi * 4294;
  const a1 = Math.floor(a / 1000);
  const r = (a - a1 * 1000) * 1_000_000 + hi * 967296 + lo;
  const q = Math.floor(r / 1_000_000_000);
  return timeString(a1 + q, r - q * 1_000_000_000, date, ns);
}

function timeString(sec: number, nsec: number, date: boolean, ns: boolean): string {
  let prefix: string;
  if (sec === lastSec && date === lastDate) prefix = lastPrefix;
  else {
    const local = sec + tz();
    const s = ((local % 86400) + 86400) % 86400;
    prefix = '';
    if (date) {
      const d = new Date((local - s) * 1000);
      prefix = `${d.getUTCFullYear().toString().padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} `;
    }
    prefix += `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
    lastSec = sec;
    lastDate = date;
    lastPrefix = prefix;
  }
  if (!ns) return prefix;
  const n = String(nsec);
  return `${prefix}.${'000000000'.slice(n.length)}${n}`;
}

/** How evt.outputtime prints, sysdig's -t: h (default), a, r, d, D. */
export type TimeMode = 'h' | 'a' | 'r' | 'd' | 'D';

const deltaState = new WeakMap<object, bigint>();

function outputTime(evt: Event, ctx: EventContext | undefined, mode: TimeMode): string {
  if (mode === 'h') return evtTime(evt, false, true);
  const ts = evt.ts;
  switch (mode) {
    case 'a':
      return `${ts / 1_000_000_000n}.${ts % 1_000_000_000n}`;
    case 'r': {
      const d = ts - (ctx?.inspector.firstEventTs ?? ts);
      return `${d / 1_000_000_000n}.${pad(Number(d % 1_000_000_000n), 9)}`;
    }
    case 'd': {
      const t = ctx?.tinfo;
      if (!t) return '0.000000000';
      const lat = t.latency;
      return `${lat / 1_000_000_000n}.${pad(Number(lat % 1_000_000_000n), 9)}`;
    }
    case 'D': {
      const key = ctx?.inspector ?? deltaState;
      const prev = deltaState.get(key) ?? ts;
      deltaState.set(key, ts);
      const d = ts - prev;
      return `${d / 1_000_000_000n}.${pad(Number(d % 1_000_000_000n), 9)}`;
    }
    default:
      return evtTime(evt, false, true);
  }
}

/** The output time mode used by evt.outputtime (set by the CLI's -t). */
export const timeSettings: { mode: TimeMode } = { mode: 'h' };

const tsJson = (_v: unknown, evt: Event): JsonValue => BigInt.asIntN(64, evt.ts);

/** Index of the event's parameter named `name` (0.29 names), or -1. */
function paramIndexByName(evt: Event, name: string): number {
  const n = evt.nparams;
  for (let i = 0; i < n; i++) if (paramName(evt, i) === name) return i;
  return -1;
}

/** The raw return value: `res`, or the `fd` of fd-creating exits (libsinsp's evt.rawres lookup). */
function resIndex(evt: Event): number {
  const i = paramIndexByName(evt, 'res');
  if (i >= 0) return i;
  if (eventFlags(evt.type) & EF.CREATES_FD && evt.type & 1) return paramIndexByName(evt, 'fd');
  return -1;
}

function i64At(evt: Event, i: number): number | bigint | undefined {
  if (evt.paramLength(i) !== 8) return undefined;
  const v = evt.view;
  const o = evt.paramOffset(i);
  const n = v.getBigInt64(o, true);
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

function argValue(evt: Event, ctx: EventContext | undefined, arg: string | undefined, opts: Parameters<typeof renderParam>[3]): string | null {
  if (arg === undefined) return null;
  let i: number;
  if (/^[0-9]+$/.test(arg)) {
    i = Number(arg);
    if (i >= evt.nparams) return null;
  } else {
    i = paramIndexByName(evt, arg);
    if (i < 0) return null;
  }
  const r = renderParam(evt, ctx, i, opts);
  return r.resolved ? r.resolved : r.value;
}

/** Every parameter name of every event type (0.29's names too), longest first: how evt.arg.NAME ends. */
let allParamNames: string[] | undefined;
function paramNames(): string[] {
  if (!allParamNames) {
    const s = new Set<string>();
    for (let t = 0; t < 1024; t++) {
      const info = eventInfo(t);
      if (!info) break;
      for (let i = 0; i < info.params.length; i++) s.add(paramInfo(t, i)?.name ?? info.params[i].name);
    }
    allParamNames = [...s].sort((a, b) => b.length - a.length);
  }
  return allParamNames;
}

export const EVT_FIELDS: FieldSpec[] = [
  { name: 'evt.num', type: 'uint64', format: 'id', desc: 'event number', extract: (_e, c) => c?.num ?? null },
  { name: 'evt.time', type: 'string', desc: 'event timestamp as a time string with nanoseconds', extract: (e) => evtTime(e, false, true), toJson: tsJson },
  { name: 'evt.time.s', type: 'string', desc: 'event timestamp as a time string, no nanoseconds', extract: (e) => tsToString(e.ts, false, false), toJson: tsJson },
  { name: 'evt.datetime', type: 'string', desc: 'event timestamp as a date and time string', extract: (e) => tsToString(e.ts, true, true), toJson: tsJson },
  { name: 'evt.datetime.s', type: 'string', desc: 'date and time string, no nanoseconds', extract: (e) => tsToString(e.ts, true, false), toJson: tsJson },
  { name: 'evt.rawtime', type: 'abstime', format: 'dec', desc: 'absolute event timestamp, nanoseconds from epoch', extract: (e) => e.ts },
  { name: 'evt.rawtime.s', type: 'abstime', format: 'dec', desc: 'integer part of evt.rawtime in seconds', extract: (e) => e.ts / 1_000_000_000n },
  { name: 'evt.rawtime.ns', type: 'abstime', format: '10_padded_dec', desc: 'fractional part of evt.rawtime', extract: (e) => e.ts % 1_000_000_000n },
  { name: 'evt.reltime', type: 'reltime', format: '10_padded_dec', desc: 'nanoseconds from the capture start', extract: (e, c) => e.ts - (c?.inspector.firstEventTs ?? e.ts) },
  { name: 'evt.reltime.s', type: 'reltime', format: 'dec', desc: 'seconds from the capture start', extract: (e, c) => (e.ts - (c?.inspector.firstEventTs ?? e.ts)) / 1_000_000_000n },
  { name: 'evt.reltime.ns', type: 'reltime', format: '10_padded_dec', desc: 'fractional part of evt.reltime', extract: (e, c) => (e.ts - (c?.inspector.firstEventTs ?? e.ts)) % 1_000_000_000n },
  {
    name: 'evt.outputtime', type: 'string', printOnly: true, desc: 'the time as sysdig -t says (default: evt.time)',
    extract: (e, c) => outputTime(e, c, timeSettings.mode), toJson: tsJson,
  },
  { name: 'evt.cpu', type: 'int16', format: 'id', desc: 'CPU number', extract: (e) => e.cpu },
  { name: 'evt.dir', type: 'string', desc: "'>' for enter events, '<' for exit events", extract: (e) => e.direction },
  {
    name: 'evt.type', type: 'string', desc: 'event name (the syscall name for generic events)',
    extract: (e) => {
      // An async event's type is its name (`container`, or a plugin's own).
      if (e.type === PPME.ASYNCEVENT_E) return e.nparams > 1 ? (e.param(1) as string | null) : null;
      if (e.type > 1) return e.info?.name ?? 'unknown';
      return e.nparams > 0 && e.paramLength(0) === 2 ? syscallName029(e.view.getUint16(e.paramOffset(0), true)) : 'syscall';
    },
  },
  { name: 'evt.info', type: 'string', desc: 'evt.args, or decoded information (syslog writes)', extract: (e, c, _a, o) => renderInfo(e, c, o) },
  { name: 'evt.args', type: 'string', desc: 'all the event arguments, as one string', extract: (e, c, _a, o) => renderArgs(e, c, o) },
  {
    name: 'evt.arg', type: 'string', arg: 'required', dotted: true, desc: 'one argument by name or number: evt.arg.fd, evt.arg[0]',
    argParser: (text) => paramNames().find((n) => text.startsWith(n))?.length ?? 0,
    extract: (e, c, arg, o) => argValue(e, c, arg, o),
  },
  {
    name: 'evt.rawarg', type: 'string', arg: 'required', dotted: true, noTransformer: true, desc: 'one argument, unrendered',
    argParser: (text) => paramNames().find((n) => text.startsWith(n))?.length ?? 0,
    extract: (e, _c, arg) => {
      if (arg === undefined) return null;
      const i = paramIndexByName(e, arg);
      if (i < 0) return null;
      const p = paramInfo(e.type, i, e.nparams);
      if (p && (p.type === PT.ERRNO || p.type === PT.FD || p.type === PT.PID || p.type === PT.INT64)) return i64At(e, i) ?? null;
      const v = e.param(i);
      return v instanceof Uint8Array || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? v : v === null ? null : JSON.stringify(v);
    },
  },
  {
    name: 'evt.res', type: 'string', format: 'dec', desc: "SUCCESS, or the error name ('ENOENT')",
    extract: (e, c, _a, o) => {
      const i = resIndex(e);
      if (i < 0) return null;
      const v = i64At(e, i);
      if (v === undefined) return null;
      if (v >= 0) return 'SUCCESS';
      const r = renderParam(e, c, i, o);
      return r.resolved || r.value;
    },
  },
  { name: 'evt.rawres', type: 'int64', format: 'dec', desc: 'return value as a number', extract: (e) => { const i = resIndex(e); return i < 0 ? null : (i64At(e, i) ?? null); } },
  {
    name: 'evt.failed', type: 'bool', desc: 'true for events that returned an error',
    extract: (e) => {
      const i = resIndex(e);
      if (i < 0) return false;
      const v = i64At(e, i);
      return v !== undefined && v < 0;
    },
  },
  { name: 'evt.is_io', type: 'bool', desc: 'reads or writes an fd', extract: (e) => (eventFlags(e.type) & (EF.READS_FROM_FD | EF.WRITES_TO_FD)) !== 0 },
  { name: 'evt.is_io_read', type: 'bool', desc: 'reads from an fd', extract: (e) => (eventFlags(e.type) & EF.READS_FROM_FD) !== 0 },
  { name: 'evt.is_io_write', type: 'bool', desc: 'writes to an fd', extract: (e) => (eventFlags(e.type) & EF.WRITES_TO_FD) !== 0 },
  {
    name: 'evt.io_dir', type: 'string', desc: "'read' or 'write' for I/O events",
    extract: (e) => { const f = eventFlags(e.type); return f & EF.WRITES_TO_FD ? 'write' : f & EF.READS_FROM_FD ? 'read' : null; },
  },
  { name: 'evt.latency', type: 'reltime', format: 'dec', desc: 'time between the enter event and this exit, in ns', extract: (_e, c) => c?.tinfo?.latency ?? 0n },
  {
    name: 'evt.buffer', type: 'bytes', desc: 'the data buffer of I/O events',
    extract: (e) => { const i = paramIndexByName(e, 'data'); return i < 0 ? null : e.raw(i); },
    // Printed, the buffer is the data parameter as evt.args shows it; filters compare the raw bytes.
    toText: (_v, e, c, o) => renderParam(e, c, paramIndexByName(e, 'data'), o).value,
    toJson: (v, e, c, o) => (v === null || v === undefined ? null : renderParam(e, c, paramIndexByName(e, 'data'), o).value),
  },
  { name: 'evt.count', type: 'uint32', format: 'dec', desc: 'always 1', extract: () => 1 },
];

// ---------------------------------------------------------------- more evt.* fields (issue 5)

/** libsinsp's format_time for latencies: `835ns`, `3.43us`, `12us`, `1.05ms`, `12ms`, `1.20s`. */
export function humanDuration(ns: bigint): string {
  const v = ns < 0n ? 0n : ns;
  const p2 = (x: bigint) => String(x).padStart(2, '0');
  if (v >= 1_000_000_000n) return `${v / 1_000_000_000n}.${p2((v % 1_000_000_000n) / 10_000_000n)}s`;
  if (v >= 10_000_000n) return `${v / 1_000_000n}ms`;
  if (v >= 1_000_000n) return `${v / 1_000_000n}.${p2((v % 1_000_000n) / 10_000n)}ms`;
  if (v >= 10_000n) return `${v / 1000n}us`;
  if (v >= 1000n) return `${v / 1000n}.${p2((v % 1000n) / 10n)}us`;
  return `${v}ns`;
}

/** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000` in UTC, as libsinsp's ts_to_iso_8601. */
function iso8601(ts: bigint): string {
  const sec = Number(ts / 1_000_000_000n);
  const d = new Date(sec * 1000);
  const date = `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return `${date}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${String(ts % 1_000_000_000n).padStart(9, '0')}+0000`;
}

const latencyOf = (c: EventContext | undefined): bigint => c?.tinfo?.latency ?? 0n;

/** An extractor per use that remembers the time of the last event it saw (libsinsp's evt.deltatime). */
function deltaInstance(part: 'all' | 's' | 'ns') {
  return () => {
    let prev = 0n;
    return (e: Event) => {
      const ts = e.ts;
      const d = prev === 0n ? 0n : ts - prev;
      prev = ts;
      return part === 'all' ? d : part === 's' ? d / 1_000_000_000n : d % 1_000_000_000n;
    };
  };
}

const CATEGORY_NAMES: Record<number, string> = {
  [EC.UNKNOWN]: 'unknown', [EC.OTHER]: 'other', [EC.FILE]: 'file', [EC.NET]: 'net', [EC.IPC]: 'IPC', [EC.MEMORY]: 'memory',
  [EC.PROCESS]: 'process', [EC.SLEEP]: 'sleep', [EC.SYSTEM]: 'system', [EC.SIGNAL]: 'signal', [EC.USER]: 'user', [EC.TIME]: 'time',
  [EC.PROCESSING]: 'processing', [EC.WAIT]: 'wait', [EC.SCHEDULER]: 'scheduler', [EC.INTERNAL]: 'internal',
};

/** The category without the source bits (syscall, tracepoint, plugin, meta-event). */
function baseCategory(type: number): number {
  const info = eventInfo(type);
  return info ? info.category & ~(EC.SYSCALL | EC.TRACEPOINT | EC.PLUGIN | EC.METAEVENT | EC.ITER) : EC.UNKNOWN;
}

/** libsinsp's get_category: generic events take their syscall's, I/O events their fd's class. */
function categoryName(e: Event, c: EventContext | undefined): string {
  let cat = baseCategory(e.type);
  if (e.type <= 1) cat = e.nparams > 0 && e.paramLength(0) === 2 ? genericCategory029(e.view.getUint16(e.paramOffset(0), true)) : EC.UNKNOWN;
  if (cat & 32) {
    const fi = c?.fdinfo;
    if (!fi) return 'unknown';
    switch (fi.type) {
      case FD_TYPE.FILE: case FD_TYPE.FILE_V2: case FD_TYPE.DIRECTORY:
        return 'file';
      case FD_TYPE.IPV4_SOCK: case FD_TYPE.IPV6_SOCK: case FD_TYPE.IPV4_SERVSOCK: case FD_TYPE.IPV6_SERVSOCK:
        return 'net';
      case FD_TYPE.FIFO: case FD_TYPE.UNIX_SOCK: case FD_TYPE.EVENT: case FD_TYPE.SIGNALFD: case FD_TYPE.INOTIFY:
        return 'ipc';
      case FD_TYPE.UNSUPPORTED: case FD_TYPE.EVENTPOLL: case FD_TYPE.TIMERFD: case FD_TYPE.NETLINK: case FD_TYPE.BPF:
      case FD_TYPE.USERFAULTFD: case FD_TYPE.IOURING: case FD_TYPE.MEMFD: case FD_TYPE.PIDFD: case FD_TYPE.UNKNOWN:
        return 'other';
      default:
        return 'unknown';
    }
  }
  return CATEGORY_NAMES[cat] ?? 'unknown';
}

/** libsinsp's extract_error_count: 1 when the event returned an error, no value otherwise. */
function errorCount(e: Event): number | null {
  const i = resIndex(e);
  if (i < 0) return null;
  const v = i64At(e, i);
  return v !== undefined && v < 0 ? 1 : null;
}

const OPEN_EVENTS = new Set<number>([PPME.SYSCALL_OPEN_X, PPME.SYSCALL_CREAT_X, PPME.SYSCALL_OPENAT_X, PPME.SYSCALL_OPENAT_2_X, PPME.SYSCALL_OPENAT2_X]);
const NET_ERROR_EVENTS = new Set<number>([PPME.SOCKET_ACCEPT_X, PPME.SOCKET_ACCEPT_5_X, PPME.SOCKET_ACCEPT4_X, PPME.SOCKET_ACCEPT4_5_X, PPME.SOCKET_CONNECT_X]);
const isFileFd = (t: number) => t === FD_TYPE.FILE || t === FD_TYPE.FILE_V2 || t === FD_TYPE.DIRECTORY;
const isNetFd = (t: number) => t === FD_TYPE.IPV4_SOCK || t === FD_TYPE.IPV6_SOCK || t === FD_TYPE.IPV4_SERVSOCK || t === FD_TYPE.IPV6_SERVSOCK || t === FD_TYPE.UNIX_SOCK;

const PPM_O_RDONLY = 1;
const PPM_O_WRONLY = 2;
const PPM_O_CREAT = 4;
const PPM_O_TMPFILE = 1 << 13;
const PPM_O_F_CREATED = 1 << 14;
const EXEC_BITS = 0o111;

/** The flags and mode of an open-like event that carries them (0.29's choice of events), or undefined. */
function openFlags(e: Event): { flags: number; mode: number } | undefined {
  const type = e.type;
  if (type !== PPME.SYSCALL_OPEN_X && type !== PPME.SYSCALL_OPENAT_E && type !== PPME.SYSCALL_OPENAT_2_X && type !== PPME.SYSCALL_OPENAT2_X) return undefined;
  const fi = type === PPME.SYSCALL_OPENAT_2_X || type === PPME.SYSCALL_OPENAT2_X ? 3 : 2;
  if (e.nparams <= fi + 1 || e.paramLength(fi) !== 4) return undefined;
  const v = e.view;
  return { flags: v.getUint32(e.paramOffset(fi), true), mode: e.paramLength(fi + 1) === 4 ? v.getUint32(e.paramOffset(fi + 1), true) : 0 };
}

/** dirfd/path parameter names of the *at syscalls, for evt.abspath (src: 0, dst: 1). */
function abspathParams(type: number, which: number): [string, string] | undefined {
  switch (type) {
    case PPME.SYSCALL_RENAMEAT_X: case PPME.SYSCALL_RENAMEAT2_X:
      return which === 0 ? ['olddirfd', 'oldpath'] : ['newdirfd', 'newpath'];
    case PPME.SYSCALL_SYMLINKAT_X:
      return ['linkdirfd', 'linkpath'];
    case PPME.SYSCALL_OPENAT_E: case PPME.SYSCALL_OPENAT_2_X: case PPME.SYSCALL_OPENAT2_X:
      return ['dirfd', 'name'];
    case PPME.SYSCALL_LINKAT_2_X:
      return which === 0 ? ['olddir', 'oldpath'] : ['newdir', 'newpath'];
    case PPME.SYSCALL_UNLINKAT_2_X:
      return ['dirfd', 'name'];
    case PPME.SYSCALL_MKDIRAT_X:
      return ['dirfd', 'path'];
    case PPME.SYSCALL_FCHMODAT_X:
      return ['dirfd', 'filename'];
    default:
      return undefined;
  }
}

function cString(e: Event, i: number): string {
  const o = e.paramOffset(i);
  const b = e.bytes.subarray(o, o + e.paramLength(i));
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? b.subarray(0, nul) : b);
}

/** libsinsp's extract_abspath: the path of an *at syscall made absolute from its dirfd. */
function abspath(e: Event, c: EventContext | undefined, arg: string | undefined): string | null {
  const t = c?.tinfo;
  if (!t) return null;
  const names = abspathParams(e.type, arg === 'dst' ? 1 : 0);
  if (!names) return null;
  const di = paramIndexByName(e, names[0]);
  const pi = paramIndexByName(e, names[1]);
  if (di < 0 || pi < 0 || e.paramLength(di) !== 8) return null;
  const dirfd = Number(e.view.getBigInt64(e.paramOffset(di), true));
  const path = cString(e, pi);
  let sdir: string;
  if (path.startsWith('/')) sdir = '';
  else if (dirfd === -100) sdir = t.cwd;
  else {
    // As libsinsp, the event's fd becomes dirfd's: fd fields read after this one describe the directory.
    const fi = t.getFd(dirfd);
    c!.fdinfo = fi;
    sdir = fi ? `${fi.name}/` : '<UNKNOWN>/';
  }
  return concatenatePaths(sdir, path, Buffer.byteLength(path) + 1).path;
}

/** The first parameter with this name in the event table (0.29's names), as libsinsp types evt.rawarg.NAME. */
function firstParamNamed(name: string): { type: number } | undefined {
  for (let t = 0; t < 1024; t++) {
    const info = eventInfo(t);
    if (!info) break;
    for (let i = 0; i < info.params.length; i++) {
      const p = paramInfo(t, i);
      if ((p?.name ?? info.params[i].name) === name) return { type: p?.type ?? info.params[i].type };
    }
  }
  return undefined;
}

type FT = FieldSpec['type'];

/** The filter type of a parameter type. */
function fieldTypeOfParam(pt: number): FT {
  switch (pt) {
    case PT.INT8: return 'int8';
    case PT.INT16: return 'int16';
    case PT.INT32: return 'int32';
    case PT.INT64: case PT.ERRNO: case PT.FD: case PT.PID: case PT.FD32: case PT.PID32: return 'int64';
    case PT.UINT8: case PT.SIGTYPE: case PT.FLAGS8: case PT.ENUMFLAGS8: case PT.L4PROTO: case PT.SOCKFAMILY: return 'uint8';
    case PT.UINT16: case PT.FLAGS16: case PT.ENUMFLAGS16: case PT.SYSCALLID: return 'uint16';
    case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.UID: case PT.GID: case PT.MODE: return 'uint32';
    case PT.UINT64: return 'uint64';
    case PT.RELTIME: return 'reltime';
    case PT.ABSTIME: return 'abstime';
    case PT.PORT: return 'port';
    case PT.BOOL: return 'bool';
    case PT.DOUBLE: return 'double';
    case PT.IPV4ADDR: case PT.IPV6ADDR: case PT.IPADDR: return 'ipaddr';
    case PT.BYTEBUF: return 'bytes';
    default: return 'string';
  }
}

const SIGNED: ReadonlySet<FT> = new Set<FT>(['int8', 'int16', 'int32', 'int64']);

/** A parameter as a number of the given type, read by its actual length. */
function numberAt(e: Event, i: number, signed: boolean): number | bigint | undefined {
  const v = e.view;
  const o = e.paramOffset(i);
  switch (e.paramLength(i)) {
    case 8: {
      const n = signed ? v.getBigInt64(o, true) : v.getBigUint64(o, true);
      return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
    }
    case 4: return signed ? v.getInt32(o, true) : v.getUint32(o, true);
    case 2: return signed ? v.getInt16(o, true) : v.getUint16(o, true);
    case 1: return signed ? v.getInt8(o) : v.getUint8(o);
    default: return undefined;
  }
}

/** evt.rawarg.NAME: the parameter's raw value, of the type the field was compiled with. */
export function rawArg(e: Event, arg: string, type: FT): unknown {
  const i = paramIndexByName(e, arg);
  if (i < 0) return null;
  switch (type) {
    case 'string': {
      const p = paramInfo(e.type, i, e.nparams);
      if (p && (p.type === PT.CHARBUF || p.type === PT.FSPATH || p.type === PT.FSRELPATH)) return cString(e, i);
      const r = e.param(i);
      return r instanceof Uint8Array || typeof r === 'string' || typeof r === 'number' || typeof r === 'bigint' ? r : r === null ? null : JSON.stringify(r);
    }
    case 'bytes':
      return e.raw(i);
    case 'ipaddr': {
      const n = e.paramLength(i);
      const o = e.paramOffset(i);
      if (n === 4) return `${e.bytes[o]}.${e.bytes[o + 1]}.${e.bytes[o + 2]}.${e.bytes[o + 3]}`;
      if (n === 16) return ipv6ToString(e.bytes, o);
      return null;
    }
    case 'bool':
      return (numberAt(e, i, false) ?? 0) !== 0;
    case 'double':
      return e.paramLength(i) === 8 ? e.view.getFloat64(e.paramOffset(i), true) : null;
    default:
      return numberAt(e, i, SIGNED.has(type)) ?? null;
  }
}

/** Every parameter name (0.29's and current), for evt.arg.NAME checks. */
let knownParams: Set<string> | undefined;
function isParamName(name: string): boolean {
  knownParams ??= new Set(paramNames());
  return knownParams.has(name);
}

function argCheck(arg: string | undefined): string | undefined {
  if (arg === undefined || /^[0-9]+$/.test(arg)) return undefined;
  return isParamName(arg) ? undefined : `unknown event argument ${arg}`;
}

const ts = (e: Event) => e.ts;

export const EVT_MORE_FIELDS: FieldSpec[] = [
  { name: 'evt.time.iso8601', type: 'string', desc: 'event timestamp in ISO 8601 format, including nanoseconds and time zone offset (in UTC)', extract: (e) => iso8601(e.ts), toJson: tsJson },
  { name: 'evt.latency.s', type: 'reltime', format: 'dec', desc: 'integer part of the event latency delta', extract: (_e, c) => latencyOf(c) / 1_000_000_000n },
  { name: 'evt.latency.ns', type: 'reltime', format: '10_padded_dec', desc: 'fractional part of the event latency delta', extract: (_e, c) => latencyOf(c) % 1_000_000_000n },
  { name: 'evt.latency.human', type: 'string', desc: 'delta between an exit event and the correspondent enter event, as a human readable string (e.g. 10.3ms)', extract: (_e, c) => humanDuration(latencyOf(c)) },
  { name: 'evt.deltatime', type: 'reltime', format: 'dec', desc: 'delta between this event and the previous event, in nanoseconds', extract: () => 0n, instance: deltaInstance('all') },
  { name: 'evt.deltatime.s', type: 'reltime', format: 'dec', desc: 'integer part of the delta between this event and the previous event', extract: () => 0n, instance: deltaInstance('s') },
  { name: 'evt.deltatime.ns', type: 'reltime', format: '10_padded_dec', desc: 'fractional part of the delta between this event and the previous event', extract: () => 0n, instance: deltaInstance('ns') },
  {
    name: 'evt.type.is', type: 'uint32', format: 'dec', arg: 'required', dotted: true, bareFormat: { arg: undefined },
    desc: 'allows one to specify an event type, and returns 1 for events that are of that type. For example, evt.type.is.open returns 1 for open events, 0 for any other event',
    argCheck: (a) => (a === undefined || isEventTypeName(a) ? undefined : `unknown event type ${a}`),
    extract: (e, c, arg) => (arg === undefined ? null : (EVT_FIELDS_BY_NAME.get('evt.type')!.extract(e, c, undefined, DEFAULT_RENDER) === arg ? 1 : 0)),
  },
  {
    name: 'syscall.type', type: 'string',
    desc: "for system call events, the name of the system call (e.g. 'open'). Unset for other events (e.g. switch or internal events)",
    extract: (e, c) => {
      const cat = baseCategory(e.type);
      if (e.type > 1 && (cat === EC.SCHEDULER || cat === EC.INTERNAL || (eventInfo(e.type)?.category ?? 0) & (EC.PLUGIN | EC.METAEVENT))) return null;
      return EVT_FIELDS_BY_NAME.get('evt.type')!.extract(e, c, undefined, DEFAULT_RENDER);
    },
  },
  { name: 'evt.category', type: 'string', desc: "the event category: 'file', 'net', 'memory', 'process', ...", extract: (e, c) => categoryName(e, c) },
  {
    name: 'evt.buflen', type: 'uint64', format: 'dec', desc: 'the length of the binary data buffer for events that have one, like read(), recvfrom(), etc.',
    extract: (e, c) => {
      if (!c?.fdinfo || !(baseCategory(e.type) & 32) || !(e.type & 1) || e.nparams < 1) return null;
      const v = i64At(e, 0);
      return v !== undefined && v >= 0 ? v : null;
    },
  },
  { name: 'evt.is_wait', type: 'bool', desc: "'true' for events that make the thread wait, e.g. sleep(), select(), poll()", extract: (e) => (eventFlags(e.type) & EF.WAITS) !== 0 },
  {
    name: 'evt.wait_latency', type: 'reltime', format: 'dec', desc: 'for events that make the thread wait (e.g. sleep(), select(), poll()), the time spent waiting for the event to return, in nanoseconds',
    extract: (e, c) => ((e.type & 1) && eventFlags(e.type) & EF.WAITS ? latencyOf(c) : null),
  },
  {
    name: 'evt.is_syslog', type: 'bool', desc: "'true' for events that are writes to /dev/log",
    extract: (e, c) => (e.type === PPME.SYSCALL_WRITE_E || e.type === PPME.SYSCALL_WRITE_X) && c?.fdinfo?.syslog === true,
  },
  { name: 'evt.count.error', type: 'uint32', format: 'dec', desc: 'returns 1 for events that returned with an error', extract: (e) => errorCount(e) },
  {
    name: 'evt.count.error.file', type: 'uint32', format: 'dec', desc: 'returns 1 for events that returned with an error and are related to file I/O',
    extract: (e, c) => {
      const fi = c?.fdinfo;
      if (fi) return isFileFd(fi.type) ? errorCount(e) : null;
      return e.type === PPME.SYSCALL_OPEN_X || e.type === PPME.SYSCALL_CREAT_X || e.type === PPME.SYSCALL_OPENAT_X || e.type === PPME.SYSCALL_OPENAT_2_X || e.type === PPME.SYSCALL_OPENAT2_X ? errorCount(e) : null;
    },
  },
  {
    name: 'evt.count.error.net', type: 'uint32', format: 'dec', desc: 'returns 1 for events that returned with an error and are related to network I/O',
    extract: (e, c) => {
      const fi = c?.fdinfo;
      if (fi) return isNetFd(fi.type) ? errorCount(e) : null;
      return NET_ERROR_EVENTS.has(e.type) ? errorCount(e) : null;
    },
  },
  {
    name: 'evt.count.error.memory', type: 'uint32', format: 'dec', desc: 'returns 1 for events that returned with an error and are related to memory allocation',
    extract: (e) => (baseCategory(e.type) === EC.MEMORY ? errorCount(e) : null),
  },
  {
    name: 'evt.count.error.other', type: 'uint32', format: 'dec', desc: 'returns 1 for events that returned with an error and are related to none of the previous categories',
    extract: (e, c) => {
      const fi = c?.fdinfo;
      if (fi) return isFileFd(fi.type) || isNetFd(fi.type) ? null : errorCount(e);
      if (OPEN_EVENTS.has(e.type) || NET_ERROR_EVENTS.has(e.type) || baseCategory(e.type) === EC.MEMORY) return null;
      return errorCount(e);
    },
  },
  { name: 'evt.count.exit', type: 'uint32', format: 'dec', desc: 'returns 1 for exit events', extract: (e) => (e.type & 1 ? 1 : null) },
  {
    name: 'evt.around', type: 'uint64', format: 'dec', arg: 'required', filterOnly: true, operators: ['=', '=='],
    desc: "(FILTER ONLY) Accepts the event if it's around the specified time interval. The syntax is evt.around[T]=D, where T is the value returned by %evt.rawtime for the event and D is a delta in milliseconds",
    argCheck: (a) => (a !== undefined && /^[0-9]+$/.test(a) ? undefined : `evt.around needs a timestamp argument: evt.around[T]`),
    extract: ts,
    compareWith: (arg, _op, values) => {
      const t = BigInt(arg ?? '0');
      const d = BigInt(values[0] as number | bigint) * 1_000_000n;
      const lo = t - d;
      const hi = t + d;
      return (v) => {
        const x = v as bigint;
        return x >= lo && x <= hi;
      };
    },
  },
  {
    name: 'evt.abspath', type: 'string', arg: 'optional', dotted: true,
    desc: "Absolute path calculated from dirfd and name during syscalls like renameat and symlinkat. Use 'evt.abspath.src' or 'evt.abspath.dst' for syscalls that support multiple paths",
    argCheck: (a) => (a === undefined || a === 'src' || a === 'dst' ? undefined : `wrong evt.abspath argument ${a}`),
    extract: (e, c, arg) => abspath(e, c, arg),
  },
  {
    name: 'evt.is_open_read', type: 'bool', desc: "'true' for open/openat/openat2 events where the path was opened for reading",
    extract: (e) => ((openFlags(e)?.flags ?? 0) & PPM_O_RDONLY) !== 0,
  },
  {
    name: 'evt.is_open_write', type: 'bool', desc: "'true' for open/openat/openat2 events where the path was opened for writing",
    extract: (e) => ((openFlags(e)?.flags ?? 0) & PPM_O_WRONLY) !== 0,
  },
  {
    name: 'evt.is_open_exec', type: 'bool', desc: "'true' for open/openat/openat2 or creat events where a file is created with execute permissions",
    extract: (e) => {
      const o = openFlags(e);
      return o !== undefined && (o.flags & (PPM_O_TMPFILE | PPM_O_CREAT)) !== 0 && (o.mode & EXEC_BITS) !== 0;
    },
  },
  {
    name: 'evt.is_open_create', type: 'bool', desc: "'true' for open/openat/openat2 events where a file was created (O_F_CREATED, or a successful O_TMPFILE)",
    extract: (e) => {
      const o = openFlags(e);
      if (!o || !(e.type & 1)) return false;
      if (o.flags & PPM_O_F_CREATED) return true;
      return (o.flags & PPM_O_TMPFILE) !== 0 && (i64At(e, 0) ?? -1) >= 0;
    },
  },
  { name: 'evt.source', type: 'string', desc: "the event's source: 'syscall'", extract: () => 'syscall' },
  { name: 'evt.hostname', type: 'string', desc: 'the name of the host the events were captured on (this host)', extract: () => hostname() },
  {
    name: 'evt.is_async', type: 'bool', desc: "'true' for asynchronous (meta) events, such as container announcements",
    extract: (e) => ((eventInfo(e.type)?.category ?? 0) & EC.METAEVENT) !== 0,
  },
];

const EVT_FIELDS_BY_NAME = new Map<string, FieldSpec>();

/** evt.rawarg and evt.arg with argument checks and evt.rawarg's typing (applied to EVT_FIELDS below). */
for (const f of EVT_FIELDS) EVT_FIELDS_BY_NAME.set(f.name, f);
{
  const i = EVT_FIELDS.findIndex((f) => f.name === 'evt.rawarg');
  const base = EVT_FIELDS[i];
  EVT_FIELDS[i] = {
    ...base,
    argCheck: (a) => (a !== undefined && isParamName(a) ? undefined : `unknown event argument ${a}`),
    typeOf: (a) => {
      const p = a === undefined ? undefined : firstParamNamed(a);
      return p ? fieldTypeOfParam(p.type) : undefined;
    },
    // The type is the argument's (typeOf); the extractor reads it again from the name.
    extract: (e, _c, arg) => (arg === undefined ? null : rawArg(e, arg, fieldTypeOfParam(firstParamNamedCached(arg)))),
  };
  const j = EVT_FIELDS.findIndex((f) => f.name === 'evt.arg');
  EVT_FIELDS[j] = { ...EVT_FIELDS[j], argCheck };
}

const paramTypeCache = new Map<string, number>();
function firstParamNamedCached(name: string): number {
  let t = paramTypeCache.get(name);
  if (t === undefined) paramTypeCache.set(name, (t = firstParamNamed(name)?.type ?? PT.CHARBUF));
  return t;
}
