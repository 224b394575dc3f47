/**
 * Builds events in the scap wire format from JS values: for tests, for the
 * writer and for sources that synthesize events (plugins, ptrace).
 */
import { ScapError } from '../errors.js';
import { fixedSize } from './decode.js';
import { EVENT_HEADER_SIZE } from './event.js';
import { DYNAMIC_PARAMS, PT } from './schema.generated.js';
import { eventInfo, isLargePayload } from './table.js';
import { PPM_AF_INET, PPM_AF_INET6, PPM_AF_UNIX, type DynValue, type FdListEntry, type SockAddr, type SockTuple } from './values.js';

const utf8 = new TextEncoder();

export interface EventSpec {
  type: number;
  ts: bigint;
  tid: number | bigint;
  /**
   * Parameter values in table order (or by name). A Uint8Array is taken as the
   * raw wire bytes; null encodes an empty parameter.
   */
  params: readonly unknown[] | Record<string, unknown>;
}

function ipv4Bytes(s: string): Uint8Array {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) throw new ScapError('BAD_VALUE', `not an IPv4 address: ${s}`);
  return Uint8Array.from(parts);
}

function ipv6Bytes(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let tail = s;
  let v4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    v4 = ipv4Bytes(s.slice(lastColon + 1));
    tail = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = tail.includes('::') ? tail.split('::') : [tail, undefined];
  const hw = head ? head.split(':') : [];
  const rw = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const words = rest === undefined ? hw : [...hw, ...new Array(8 - hw.length - rw.length).fill('0'), ...rw];
  if (words.length !== 8) throw new ScapError('BAD_VALUE', `not an IPv6 address: ${s}`);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  if (v4) out.set(v4, 12);
  return out;
}

function cstring(s: string): Uint8Array {
  const b = utf8.encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function cstrings(list: readonly string[]): Uint8Array {
  const parts = list.map(cstring);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}

/** Encodes one value as parameter type `type` (the inverse of decodeParam). */
export function encodeParam(type: number, value: unknown, info?: string | number): Uint8Array {
  if (value === null || value === undefined) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  const size = fixedSize(type);
  const buf = new Uint8Array(size ?? 0);
  const v = new DataView(buf.buffer);
  switch (type) {
    case PT.INT8: v.setInt8(0, Number(value)); return buf;
    case PT.INT16: v.setInt16(0, Number(value), true); return buf;
    case PT.INT32: case PT.FD32: case PT.PID32: v.setInt32(0, Number(value), true); return buf;
    case PT.UINT8: case PT.SIGTYPE: case PT.L4PROTO: case PT.SOCKFAMILY: case PT.FLAGS8: case PT.ENUMFLAGS8:
      v.setUint8(0, Number(value)); return buf;
    case PT.UINT16: case PT.SYSCALLID: case PT.PORT: case PT.FLAGS16: case PT.ENUMFLAGS16:
      v.setUint16(0, Number(value), true); return buf;
    case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.UID: case PT.GID: case PT.SIGSET: case PT.MODE:
      v.setUint32(0, Number(value) >>> 0, true); return buf;
    case PT.BOOL: v.setUint32(0, value ? 1 : 0, true); return buf;
    case PT.INT64: case PT.ERRNO: case PT.FD: case PT.PID:
      v.setBigInt64(0, BigInt(value as number | bigint), true); return buf;
    case PT.UINT64: case PT.RELTIME: case PT.ABSTIME:
      v.setBigUint64(0, BigInt.asUintN(64, BigInt(value as number | bigint)), true); return buf;
    case PT.DOUBLE: v.setFloat64(0, Number(value), true); return buf;
    case PT.IPV4ADDR: return ipv4Bytes(String(value));
    case PT.IPV6ADDR: return ipv6Bytes(String(value));
    case PT.CHARBUF: case PT.FSPATH: case PT.FSRELPATH: return cstring(String(value));
    case PT.CHARBUFARRAY: return cstrings(value as string[]);
    case PT.CHARBUF_PAIR_ARRAY: return cstrings((value as Array<[string, string]>).flat());
    case PT.BYTEBUF:
      if (Array.isArray(value)) return cstrings(value as string[]);
      return utf8.encode(String(value));
    case PT.SOCKADDR: {
      const a = value as SockAddr;
      if ('addr' in a && a.family === PPM_AF_INET) return concat([Uint8Array.of(a.family), ipv4Bytes(a.addr), u16(a.port)]);
      if ('addr' in a && a.family === PPM_AF_INET6) return concat([Uint8Array.of(a.family), ipv6Bytes(a.addr), u16(a.port)]);
      if ('path' in a && a.family === PPM_AF_UNIX) return concat([Uint8Array.of(a.family), cstring(a.path)]);
      return Uint8Array.of(a.family);
    }
    case PT.SOCKTUPLE: {
      const t = value as SockTuple;
      if ('sip' in t) {
        const ip = t.family === PPM_AF_INET ? ipv4Bytes : ipv6Bytes;
        return concat([Uint8Array.of(t.family), ip(t.sip), u16(t.sport), ip(t.dip), u16(t.dport)]);
      }
      if ('source' in t) return concat([Uint8Array.of(t.family), u64(t.source), u64(t.dest), cstring(t.path)]);
      return Uint8Array.of(t.family);
    }
    case PT.FDLIST: {
      const list = value as FdListEntry[];
      const out = new Uint8Array(2 + 10 * list.length);
      const dv = new DataView(out.buffer);
      dv.setUint16(0, list.length, true);
      list.forEach((e, i) => {
        dv.setBigInt64(2 + 10 * i, BigInt(e.fd), true);
        dv.setInt16(10 + 10 * i, e.flags, true);
      });
      return out;
    }
    case PT.DYN: {
      const d = value as DynValue;
      const table = typeof info === 'string' ? DYNAMIC_PARAMS[info] : undefined;
      const subType = table?.[d.index]?.[0] ?? d.type;
      return concat([Uint8Array.of(d.index), encodeParam(subType, d.value)]);
    }
    default:
      throw new ScapError('BAD_VALUE', `cannot encode a ${typeof value} as parameter type ${type}`);
  }
}

function u16(n: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n, true);
  return b;
}

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}

/** Assembles header + length array + payloads from already-encoded params. */
export function assembleEvent(type: number, ts: bigint, tid: number | bigint, params: readonly Uint8Array[]): Uint8Array {
  const lenSize = isLargePayload(type) ? 4 : 2;
  const payload = params.reduce((n, p) => n + p.length, 0);
  const len = EVENT_HEADER_SIZE + lenSize * params.length + payload;
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, ts, true);
  v.setBigInt64(8, BigInt(tid), true);
  v.setUint32(16, len, true);
  v.setUint16(20, type, true);
  v.setUint32(22, params.length, true);
  let p = EVENT_HEADER_SIZE + lenSize * params.length;
  params.forEach((x, i) => {
    if (lenSize === 2) {
      if (x.length > 0xffff) throw new ScapError('PARAM_TOO_LARGE', `param ${i} of event type ${type} is ${x.length} bytes; only large-payload events take more than 65535`);
      v.setUint16(EVENT_HEADER_SIZE + 2 * i, x.length, true);
    } else {
      v.setUint32(EVENT_HEADER_SIZE + 4 * i, x.length, true);
    }
    out.set(x, p);
    p += x.length;
  });
  return out;
}

/** Encodes a whole event from values, using the event table for parameter types. */
export function encodeEvent(spec: EventSpec): Uint8Array {
  const info = eventInfo(spec.type);
  let values: readonly unknown[];
  if (Array.isArray(spec.params)) values = spec.params;
  else {
    if (!info) throw new ScapError('UNKNOWN_EVENT', `event type ${spec.type} has no table entry; pass params as an array of bytes`);
    const byName = spec.params as Record<string, unknown>;
    values = info.params.map((p) => byName[p.name] ?? null);
  }
  const encoded = values.map((val, i) => {
    const p = info?.params[i];
    if (!p) {
      if (val instanceof Uint8Array) return val;
      throw new ScapError('BAD_VALUE', `event type ${spec.type} has no param ${i}; pass raw bytes`);
    }
    return encodeParam(p.type, val, p.info);
  });
  return assembleEvent(spec.type, spec.ts, spec.tid, encoded);
}
