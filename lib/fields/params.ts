/**
 * Event parameters as sysdig 0.29 prints them in evt.args/evt.info/evt.arg:
 * libsinsp's get_param_as_str, with thread and fd state (fd names, comm of
 * pids, user names, paths resolved against the working directory) and its
 * buffer formats (-A, -x, -X, -b, -j).
 */
import type { Event } from '../events/event.js';
import { readCString } from '../events/decode.js';
import { formatSeconds, renderValue } from '../events/render.js';
import { DYNAMIC_PARAMS, FLAG_TABLES, PF, PT } from '../events/schema.generated.js';
import { errnoName, signalName, syscallName, type ParamInfo } from '../events/table.js';
import { paramInfo } from '../state/compat.js';
import type { EventContext } from '../state/context.js';
import { FD_TYPE, L4 } from '../state/fds.js';
import { sockaddrToString, socktupleToString } from '../state/netfmt.js';
import { concatenatePaths, sanitize } from '../state/strings.js';
import type { ThreadInfo } from '../state/threads.js';

/** libsinsp's sinsp_evt::param_fmt: how buffers (and fds) are printed. */
export const BUF = {
  NORMAL: 1 << 0,
  JSON: 1 << 1,
  SIMPLE: 1 << 2,
  HEX: 1 << 3,
  HEXASCII: 1 << 4,
  EOLS: 1 << 5,
  EOLS_COMPACT: 1 << 6,
  BASE64: 1 << 7,
  JSONEOLS: 1 << 8,
  JSONHEX: 1 << 9,
  JSONHEXASCII: 1 << 10,
  JSONBASE64: 1 << 11,
} as const;

export const ANY_JSON = BUF.JSON | BUF.JSONEOLS | BUF.JSONHEX | BUF.JSONHEXASCII | BUF.JSONBASE64;

/** Rendering options shared by one output stream. */
export interface RenderOptions {
  /** A BUF value (default NORMAL). */
  bufferFormat: number;
  /** sysdig -v lifts it: buffers longer than this are cut with '...' in normal format (default 80). */
  maxBufferLength: number;
}

export const DEFAULT_RENDER: RenderOptions = { bufferFormat: BUF.NORMAL, maxBufferLength: 80 };

export interface Rendered {
  value: string;
  resolved: string;
}

const PPM_AT_FDCWD = -100;

// ---------------------------------------------------------------- numbers

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function i64(b: Uint8Array, o: number): bigint {
  let n = 0n;
  for (let i = 7; i >= 0; i--) n = (n << 8n) | BigInt(b[o + i]);
  return BigInt.asIntN(64, n);
}


/**
 * printf of an integer with SET_NUMERIC_FORMAT's conversions: %#o, %d,
 * %09d, %X. `bits` is the width of the C conversion (8/16-bit values are
 * promoted to int, u32 goes through %d, u64 through PRId64).
 */
function printfInt(raw: number | bigint, format: number, bits: number): string {
  const width = bits === 64 ? 64 : 32;
  if (typeof raw === 'number') {
    if (width === 32) {
      switch (format) {
        case PF.OCT: { const u = raw >>> 0; return u === 0 ? '0' : `0${u.toString(8)}`; }
        case PF.HEX: return (raw >>> 0).toString(16).toUpperCase();
        case PF._10_PADDED_DEC: break;
        default: return String(raw | 0);
      }
    } else if (raw >= 0 || (format !== PF.OCT && format !== PF.HEX)) {
      switch (format) {
        case PF.OCT: return raw === 0 ? '0' : `0${raw.toString(8)}`;
        case PF.HEX: return raw.toString(16).toUpperCase();
        case PF._10_PADDED_DEC: break;
        default: return String(raw);
      }
    }
    raw = BigInt(raw);
  }
  switch (format) {
    case PF.OCT: {
      const u = BigInt.asUintN(width, raw);
      return u === 0n ? '0' : `0${u.toString(8)}`;
    }
    case PF.HEX:
      return BigInt.asUintN(width, raw).toString(16).toUpperCase();
    case PF._10_PADDED_DEC: {
      const v = BigInt.asIntN(width, raw);
      const a = (v < 0n ? -v : v).toString().padStart(v < 0n ? 8 : 9, '0');
      return v < 0n ? `-${a}` : a;
    }
    default:
      return BigInt.asIntN(width, raw).toString();
  }
}

/** An integer of `size` bytes at `off`: a number, or a bigint when a 64-bit value is beyond 2^53. */
function readInt(v: DataView, off: number, size: number, signed: boolean): number | bigint {
  switch (size) {
    case 1: return signed ? v.getInt8(off) : v.getUint8(off);
    case 2: return signed ? v.getInt16(off, true) : v.getUint16(off, true);
    case 4: return signed ? v.getInt32(off, true) : v.getUint32(off, true);
    default: {
      const lo = v.getUint32(off, true);
      const hi = signed ? v.getInt32(off + 4, true) : v.getUint32(off + 4, true);
      if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + lo;
      return signed ? v.getBigInt64(off, true) : v.getBigUint64(off, true);
    }
  }
}

/** Names of the flags set in `value`: libsinsp's FLAGS/MODE loop (stops at an exact match, which it names). */
export function flagsString(table: readonly (readonly [string, number])[] | undefined, value: number): string {
  if (!table) return '';
  let val = value >>> 0;
  const initial = val;
  const names: string[] = [];
  let k = 0;
  for (; k < table.length && table[k][1] >>> 0 !== initial; k++) {
    const f = table[k][1] >>> 0;
    if ((f === 0 && initial === 0) || (f !== 0 && ((val & f) >>> 0) === f && val !== 0)) {
      names.push(table[k][0]);
      val = (val & ~f) >>> 0;
    }
  }
  if (k < table.length) names.push(table[k][0]);
  return names.join('|');
}

// ---------------------------------------------------------------- buffers

function isPrint(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

function dots(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    s += isPrint(c) ? String.fromCharCode(c) : '.';
  }
  return s;
}

function asciiOnly(b: Uint8Array, compact: boolean): string {
  let s = compact ? '' : '\n';
  for (let j = 0; j < b.length; j++) {
    const c = b[j];
    if (isPrint(c)) s += String.fromCharCode(c);
    else if (c === 0x0d) s += '\n';
    else if (c === 0x0a) {
      if (j > 0 && b[j - 1] !== 0x0d) s += '\n';
    }
  }
  return s;
}

function hexDump(b: Uint8Array, ascii: boolean): string {
  let out = '';
  for (let j = 0; j < b.length; j += 16) {
    let row = `\n\t0x${j.toString(16).padStart(4, '0')}:`;
    let chunks = 0;
    for (let p = j; chunks < 8 && p < b.length; p += 2, chunks++) {
      if (p === b.length - 1) row += ` ${b[p].toString(16).padStart(2, '0')}`;
      else row += ` ${b[p].toString(16).padStart(2, '0')}${b[p + 1].toString(16).padStart(2, '0')}`;
    }
    if (ascii) {
      for (; chunks < 8; chunks++) row += '     ';
      row += '  ';
      for (let p = j; p < j + 16 && p < b.length; p++) row += isPrint(b[p]) ? String.fromCharCode(b[p]) : '.';
    }
    out += row;
  }
  return `${out}\n`;
}

/** libsinsp's binary_buffer_to_string, then sysdig's cut at maxBufferLength for the normal format. */
export function bufferString(b: Uint8Array, opts: RenderOptions): string {
  if (b.length === 0) return '';
  const f = opts.bufferFormat;
  let s: string;
  if (f & (BUF.HEX | BUF.HEXASCII)) s = hexDump(b, (f & BUF.HEXASCII) !== 0);
  else if (f & BUF.BASE64) s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  else if (f & ANY_JSON) {
    if (f & (BUF.JSONHEX | BUF.JSONHEXASCII)) s = hexDump(b, (f & BUF.JSONHEXASCII) !== 0);
    else if (f & BUF.JSONEOLS) s = asciiOnly(b, false);
    else if (f & BUF.JSONBASE64) s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
    else s = dots(b);
  } else if (f & (BUF.EOLS | BUF.EOLS_COMPACT)) s = asciiOnly(b, f === BUF.EOLS_COMPACT);
  else s = dots(b);
  const max = opts.maxBufferLength;
  if (max !== 0 && s.length > max && f === BUF.NORMAL) s = `${s.slice(0, Math.max(0, max - 3))}...`;
  return s;
}

// ---------------------------------------------------------------- fds

function protoChar(l4: number): string {
  switch (l4) {
    case L4.TCP: return 't';
    case L4.UDP: return 'u';
    case L4.ICMP: return 'i';
    case L4.RAW: return 'r';
    default: return '';
  }
}

/** libsinsp's render_fd: `3` resolved to `<f>/etc/hosts`, `AT_FDCWD`, or an errno name. */
export function renderFd(fd: number, t: ThreadInfo | undefined, opts: RenderOptions): Rendered {
  const value = String(fd);
  if (!t) return { value, resolved: '' };
  if (fd >= 0) {
    const fi = t.getFd(fd);
    if (!fi) return { value, resolved: '' };
    let proto = '';
    if (fi.type === FD_TYPE.IPV4_SOCK || fi.type === FD_TYPE.IPV6_SOCK || fi.type === FD_TYPE.IPV4_SERVSOCK || fi.type === FD_TYPE.IPV6_SERVSOCK) {
      proto = protoChar(fi.l4proto());
    }
    const tc = opts.bufferFormat & BUF.SIMPLE ? '' : fi.typechar;
    return { value, resolved: `<${tc}${proto}>${sanitize(fi.name)}` };
  }
  if (fd === PPM_AT_FDCWD) return { value, resolved: 'AT_FDCWD' };
  return { value, resolved: errnoName(-fd) ?? '' };
}

/** The directory a FSPATH/FSRELPATH parameter is relative to (libsinsp's get_base_dir). */
function baseDir(evt: Event, p: ParamInfo, t: ThreadInfo): string {
  const cwd = t.cwd;
  if (p.type !== PT.FSRELPATH || typeof p.info !== 'number') return cwd;
  const di = p.info;
  if (di >= evt.nparams) return cwd;
  const dp = paramInfo(evt.type, di, evt.nparams);
  if (!dp || dp.type !== PT.FD || evt.paramLength(di) !== 8) return cwd;
  const dirfd = Number(readInt(evt.view, evt.paramOffset(di), 8, true));
  if (dirfd === PPM_AT_FDCWD) return cwd;
  const fi = t.getFd(dirfd);
  // libsinsp would read /proc/<pid>/fd of the machine it runs on here; a replay has nothing to read.
  if (!fi || fi.name === '') return '';
  return `${sanitize(fi.name)}/`;
}

// ---------------------------------------------------------------- parameters

/** Parameter `i` of `evt` as sysdig 0.29 renders it, with the event's state. */
export function renderParam(evt: Event, ctx: EventContext | undefined, i: number, opts: RenderOptions = DEFAULT_RENDER): Rendered {
  const outer = paramInfo(evt.type, i, evt.nparams);
  if (!outer) return { value: '', resolved: '' };
  let poff = evt.paramOffset(i);
  let len = evt.paramLength(i);
  let type = outer.type;
  if (type === PT.DYN && typeof outer.info === 'string' && len !== 0) {
    const table = DYNAMIC_PARAMS[outer.info];
    const idx = evt.bytes[poff];
    if (table && idx < table.length) {
      type = table[idx][0];
      poff++;
      len--;
    }
  }
  const fmt = outer.format;
  const view = evt.view;
  // Integer types read straight from the view; the others get the bytes.
  const b = INT_TYPES[type] ? EMPTY : evt.bytes.subarray(poff, poff + len);
  switch (type) {
    case PT.INT8: case PT.INT16: case PT.INT32: case PT.INT64: {
      const size = type === PT.INT8 ? 1 : type === PT.INT16 ? 2 : type === PT.INT32 ? 4 : 8;
      if (len < size) return rr('<NA>');
      return rr(printfInt(readInt(view, poff, size, true), fmt, size * 8));
    }
    case PT.UINT8: case PT.UINT16: case PT.UINT32: case PT.UINT64: {
      const size = type === PT.UINT8 ? 1 : type === PT.UINT16 ? 2 : type === PT.UINT32 ? 4 : 8;
      if (len < size) return rr('<NA>');
      return rr(printfInt(readInt(view, poff, size, false), fmt, size * 8));
    }
    case PT.FD: {
      if (len < 8) return rr('<NA>');
      return renderFd(Number(readInt(view, poff, 8, true)), ctx?.thread, opts);
    }
    case PT.PID: {
      if (len < 8) return rr('<NA>');
      const pid = Number(readInt(view, poff, 8, true));
      const t = ctx?.inspector.threads.getRef(pid, false);
      return rr(String(pid), t ? t.comm : '');
    }
    case PT.ERRNO: {
      if (len < 8) return rr('<NA>');
      const v = Number(readInt(view, poff, 8, true));
      return rr(String(v), v < 0 ? (errnoName(-v) ?? '') : '');
    }
    case PT.CHARBUF:
      return rr(readCString(b, 0, b.length));
    case PT.FSPATH: case PT.FSRELPATH: {
      const path = sanitize(readCString(b, 0, b.length));
      const t = ctx?.thread;
      let resolved = '';
      if (t && b.length > 0 && !path.startsWith('<NA>')) {
        const raw = readCString(b, 0, b.length);
        const c = concatenatePaths(baseDir(evt, outer, t), raw, b.length);
        if (c.relative) resolved = c.path;
      }
      return rr(path, resolved);
    }
    case PT.BYTEBUF:
      return rr(bufferString(b, opts));
    case PT.SOCKADDR:
      return rr(sockaddrToString(b));
    case PT.SOCKTUPLE:
      return rr(socktupleToString(b));
    case PT.FDLIST: {
      const t = ctx?.thread;
      if (!t || b.length < 2) return rr('');
      const n = b[0] | (b[1] << 8);
      const parts: string[] = [];
      for (let j = 0, p = 2; j < n && p + 10 <= b.length; j++, p += 10) {
        const fd = i64(b, p);
        const fi = fd >= 0n && fd <= BigInt(Number.MAX_SAFE_INTEGER) ? t.getFd(Number(fd)) : undefined;
        const flags = (b[p + 8] | (b[p + 9] << 8)) << 16 >> 16;
        parts.push(`${BigInt.asUintN(64, fd)}:${fi ? fi.typechar : '?'}${(flags >>> 0).toString(16)}`);
      }
      return rr(parts.join(' '));
    }
    case PT.SYSCALLID: {
      if (b.length < 2) return rr('<NA>');
      const id = b[0] | (b[1] << 8);
      return rr(String(id), syscallName(id) ?? '');
    }
    case PT.SIGTYPE: {
      if (b.length < 1) return rr('<NA>');
      return rr(String(b[0]), signalName(b[0]) ?? '');
    }
    case PT.RELTIME: {
      if (b.length < 8) return rr('<NA>');
      const v = BigInt.asUintN(64, i64(b, 0));
      if (v === 0xffffffffffffffffn) return rr('none');
      return rr(v.toString(), `${formatSeconds(Number(v) / 1e9)}s`);
    }
    case PT.FLAGS8: case PT.FLAGS16: case PT.FLAGS32: {
      const size = type === PT.FLAGS8 ? 1 : type === PT.FLAGS16 ? 2 : 4;
      if (len < size) return rr('<NA>');
      const v = Number(readInt(view, poff, size, false));
      const table = typeof outer.info === 'string' ? FLAG_TABLES[outer.info] : undefined;
      return rr(String(v), flagsString(table, v));
    }
    case PT.MODE: {
      if (b.length < 4) return rr('<NA>');
      const v = u32(b, 0);
      const table = typeof outer.info === 'string' ? FLAG_TABLES[outer.info] : undefined;
      return rr(printfInt(v, fmt, 32), flagsString(table, v));
    }
    case PT.DYN:
      return rr('INVALID DYNAMIC PARAMETER');
    case PT.UID: case PT.GID: {
      if (b.length < 4) return rr('<NA>');
      const v = u32(b, 0);
      if (v === 0xffffffff) return rr('-1', '<NONE>');
      const users = ctx?.inspector.users;
      const name = type === PT.UID ? users?.user(v)?.name : users?.group(v)?.name;
      return rr(String(v | 0), name !== undefined ? sanitize(name) : '<NA>');
    }
    case PT.SIGSET: {
      if (b.length < 4) return rr('<NA>');
      const v = u32(b, 0);
      const names: string[] = [];
      for (let sig = 0; sig < 32; sig++) if ((v >>> sig) & 1) { const s = signalName(sig + 1); if (s) names.push(s); }
      return rr(names.join(' '));
    }
    default: {
      // Types sysdig 0.29 did not know: the current rendering.
      const v = evt.param(i);
      const x = renderValue(outer, v, type);
      return rr(x.value, x.resolved);
    }
  }
}

const EMPTY = new Uint8Array(0);
const INT_TYPES: boolean[] = [];
for (const t of [PT.INT8, PT.INT16, PT.INT32, PT.INT64, PT.UINT8, PT.UINT16, PT.UINT32, PT.UINT64, PT.FD, PT.PID, PT.ERRNO, PT.FLAGS8, PT.FLAGS16, PT.FLAGS32]) INT_TYPES[t] = true;

function rr(value: string, resolved = ''): Rendered {
  return { value, resolved };
}

/** Name of parameter i as sysdig 0.29 called it. */
export function paramName(evt: Event, i: number): string {
  return paramInfo(evt.type, i, evt.nparams)?.name ?? `param${i}`;
}

/** evt.args: `name=value(resolved) ` for every parameter; empty for generic syscalls. */
export function renderArgs(evt: Event, ctx: EventContext | undefined, opts: RenderOptions = DEFAULT_RENDER): string {
  const type = evt.type;
  if (type <= 1) return '';
  let s = '';
  const n = evt.nparams;
  for (let j = 0; j < n; j++) {
    const p = renderParam(evt, ctx, j, opts);
    s += `${paramName(evt, j)}=${p.value}${p.resolved ? `(${p.resolved}) ` : ' '}`;
  }
  return s;
}

const SEVERITY = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

/** evt.info: evt.args, or the syslog decoder's line for a write to /dev/log. */
export function renderInfo(evt: Event, ctx: EventContext | undefined, opts: RenderOptions = DEFAULT_RENDER): string {
  if (ctx && ctx.fdinfo?.syslog && ctx.inspector.syslogPriority !== -1 && ctx.num === ctx.inspector.nevts) {
    const insp = ctx.inspector;
    const sev = SEVERITY[insp.syslogPriority & 7] ?? '<NA>';
    const msg = insp.syslogMessage;
    const nul = msg.indexOf('\0');
    return `syslog sev=${sev} msg=${nul >= 0 ? msg.slice(0, nul) : msg}`;
  }
  return renderArgs(evt, ctx, opts);
}
