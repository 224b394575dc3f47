/** evt.* fields. */
import type { Event } from '../events/event.js';
import { EF, PT } from '../events/schema.generated.js';
import { eventInfo } from '../events/table.js';
import { eventFlags, paramInfo, syscallName029 } from '../state/compat.js';
import type { EventContext } from '../state/context.js';
import { paramName, renderArgs, renderInfo, renderParam } from './params.js';
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
