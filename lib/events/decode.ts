/** Decoding of one parameter's bytes into a JS value, by parameter type (PT_*). */
import { EventDecodeError } from '../errors.js';
import { DYNAMIC_PARAMS, PT } from './schema.generated.js';
import {
  PPM_AF_INET,
  PPM_AF_INET6,
  PPM_AF_UNIX,
  ipv4ToString,
  ipv6ToString,
  type DynValue,
  type FdListEntry,
  type SockAddr,
  type SockTuple,
} from './values.js';

/**
 * A little-endian i64 as a number, without the BigInt getBigInt64 allocates:
 * exact below 2^53, which every thread id is.
 */
export function readI64AsNumber(view: DataView, offset: number): number {
  return view.getInt32(offset + 4, true) * 4294967296 + view.getUint32(offset, true);
}

/** Values below this are read as shared BigInts (a BigInt is immutable, so sharing one is invisible). */
const SMALL_BIGINTS = 1 << 16;
/** BigInt(i) for i below SMALL_BIGINTS, made on first use. */
const smallBigInts: bigint[] = new Array<bigint>(SMALL_BIGINTS);

/**
 * A little-endian u64 (signed: i64) as a BigInt, without allocating one for
 * small values (counters, sizes, flags): those come from a table. In the
 * capture bench/scapfile-read.mjs decodes, 63% of the events are procinfo
 * events, whose two u64 counters (cpu_usr, cpu_sys) are nearly always small.
 */
export function readU64(view: DataView, offset: number, signed: boolean): bigint {
  const lo = view.getUint32(offset, true);
  if (lo < SMALL_BIGINTS && view.getUint32(offset + 4, true) === 0) return smallBigInts[lo] ?? (smallBigInts[lo] = BigInt(lo));
  return signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
}

const utf8 = new TextDecoder('utf-8');
/**
 * Node's one-copy Latin-1 (so ASCII) string maker; it takes any Uint8Array.
 * 55 ns for a 16-64 character path where building the string char by char
 * takes 160-530 ns once it is used (flattened); not worth it below 8.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** Reads bytes [start, end) up to the first NUL as text; ASCII avoids TextDecoder. */
export function readCString(b: Uint8Array, start: number, end: number): string {
  let stop = start;
  let ascii = true;
  while (stop < end) {
    const c = b[stop];
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
    stop++;
  }
  const n = stop - start;
  if (n === 0) return '';
  if (ascii) {
    if (n > 8 && latin1Slice !== undefined) return latin1Slice.call(b, start, stop);
    let s = '';
    for (let i = start; i < stop; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  return utf8.decode(b.subarray(start, stop));
}

/** Splits NUL-separated strings (args, env, cgroups lists). A trailing NUL ends the list. */
export function splitCStrings(b: Uint8Array, start: number, end: number): string[] {
  const out: string[] = [];
  let s = start;
  for (let i = start; i < end; i++) {
    if (b[i] === 0) {
      out.push(readCString(b, s, i));
      s = i + 1;
    }
  }
  if (s < end) out.push(readCString(b, s, end));
  return out;
}

const FIXED_SIZE: Partial<Record<number, number>> = {
  [PT.INT8]: 1, [PT.INT16]: 2, [PT.INT32]: 4, [PT.INT64]: 8,
  [PT.UINT8]: 1, [PT.UINT16]: 2, [PT.UINT32]: 4, [PT.UINT64]: 8,
  [PT.ERRNO]: 8, [PT.FD]: 8, [PT.PID]: 8, [PT.SYSCALLID]: 2, [PT.SIGTYPE]: 1,
  [PT.RELTIME]: 8, [PT.ABSTIME]: 8, [PT.PORT]: 2, [PT.L4PROTO]: 1, [PT.SOCKFAMILY]: 1,
  [PT.BOOL]: 4, [PT.IPV4ADDR]: 4, [PT.FLAGS8]: 1, [PT.FLAGS16]: 2, [PT.FLAGS32]: 4,
  [PT.UID]: 4, [PT.GID]: 4, [PT.DOUBLE]: 8, [PT.SIGSET]: 4, [PT.MODE]: 4,
  [PT.ENUMFLAGS8]: 1, [PT.ENUMFLAGS16]: 2, [PT.ENUMFLAGS32]: 4, [PT.FD32]: 4, [PT.PID32]: 4,
  [PT.IPV4NET]: 8, [PT.IPV6ADDR]: 16, [PT.IPV6NET]: 32,
};

/** Wire size of a fixed-size type, or undefined for variable-length types. */
export function fixedSize(type: number): number | undefined {
  return FIXED_SIZE[type];
}

/** Where a parameter sits, for error messages: built only when decoding fails. */
interface Where {
  readonly eventType: number;
  readonly paramIndex: number;
}

function fail(w: Where, code: string, why: string): never {
  throw new EventDecodeError(code, `event type ${w.eventType} param ${w.paramIndex}: ${why}`, w.eventType, w.paramIndex);
}

function decodeSockAddr(b: Uint8Array, v: DataView, off: number, len: number, ctx: Where): SockAddr {
  const family = b[off];
  if (family === PPM_AF_INET) {
    if (len < 7) fail(ctx, 'SOCKADDR_SHORT', `IPv4 sockaddr of ${len} bytes`);
    return { family, addr: ipv4ToString(b, off + 1), port: v.getUint16(off + 5, true) };
  }
  if (family === PPM_AF_INET6) {
    if (len < 19) fail(ctx, 'SOCKADDR_SHORT', `IPv6 sockaddr of ${len} bytes`);
    return { family, addr: ipv6ToString(b, off + 1), port: v.getUint16(off + 17, true) };
  }
  if (family === PPM_AF_UNIX) {
    // Abstract socket names start with a NUL that the driver keeps; skip it as libsinsp does.
    let p = off + 1;
    if (p < off + len && b[p] === 0) p++;
    return { family, path: readCString(b, p, off + len) };
  }
  return { family };
}

function decodeSockTuple(b: Uint8Array, v: DataView, off: number, len: number, ctx: Where): SockTuple {
  const family = b[off];
  if (family === PPM_AF_INET) {
    if (len < 13) fail(ctx, 'SOCKTUPLE_SHORT', `IPv4 socktuple of ${len} bytes`);
    return {
      family,
      sip: ipv4ToString(b, off + 1),
      sport: v.getUint16(off + 5, true),
      dip: ipv4ToString(b, off + 7),
      dport: v.getUint16(off + 11, true),
    };
  }
  if (family === PPM_AF_INET6) {
    if (len < 37) fail(ctx, 'SOCKTUPLE_SHORT', `IPv6 socktuple of ${len} bytes`);
    return {
      family,
      sip: ipv6ToString(b, off + 1),
      sport: v.getUint16(off + 17, true),
      dip: ipv6ToString(b, off + 19),
      dport: v.getUint16(off + 35, true),
    };
  }
  if (family === PPM_AF_UNIX) {
    if (len < 17) fail(ctx, 'SOCKTUPLE_SHORT', `unix socktuple of ${len} bytes`);
    let p = off + 17;
    if (p < off + len && b[p] === 0) p++;
    return { family, source: v.getBigUint64(off + 1, true), dest: v.getBigUint64(off + 9, true), path: readCString(b, p, off + len) };
  }
  return { family };
}

function decodeFdList(v: DataView, off: number, len: number, ctx: Where): FdListEntry[] {
  if (len < 2) fail(ctx, 'FDLIST_SHORT', `fd list of ${len} bytes`);
  const n = v.getUint16(off, true);
  if (2 + n * 10 > len) fail(ctx, 'FDLIST_SHORT', `fd list of ${n} entries in ${len} bytes`);
  const out: FdListEntry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = off + 2 + i * 10;
    out[i] = { fd: readI64AsNumber(v, p), flags: v.getInt16(p + 8, true) };
  }
  return out;
}

function decodeIpNet(b: Uint8Array, off: number, len: number): string {
  if (len === 8) return `${ipv4ToString(b, off)}/${ipv4ToString(b, off + 4)}`;
  if (len === 32) return `${ipv6ToString(b, off)}/${ipv6ToString(b, off + 16)}`;
  return len === 4 ? ipv4ToString(b, off) : ipv6ToString(b, off);
}

/**
 * Decodes one parameter. `len` 0 means the producer left it empty (a failed
 * user-memory read, a param it does not fill): that decodes to null.
 */
export function decodeParam(
  b: Uint8Array,
  v: DataView,
  off: number,
  len: number,
  type: number,
  info: string | number | undefined,
  eventType: number,
  paramIndex: number,
): unknown {
  if (len === 0) return null;
  const size = FIXED_SIZE[type];
  if (size !== undefined && len !== size && !(type === PT.IPV4NET || type === PT.IPV6NET)) {
    fail({ eventType, paramIndex }, 'PARAM_SIZE', `type ${type} needs ${size} bytes, has ${len}`);
  }
  switch (type) {
    case PT.INT8: return v.getInt8(off);
    case PT.INT16: return v.getInt16(off, true);
    case PT.INT32: case PT.FD32: case PT.PID32: return v.getInt32(off, true);
    case PT.INT64: return readU64(v, off, true);
    case PT.UINT8: case PT.SIGTYPE: case PT.L4PROTO: case PT.SOCKFAMILY: case PT.FLAGS8: case PT.ENUMFLAGS8:
      return b[off];
    case PT.UINT16: case PT.SYSCALLID: case PT.PORT: case PT.FLAGS16: case PT.ENUMFLAGS16:
      return v.getUint16(off, true);
    case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.UID: case PT.GID: case PT.SIGSET: case PT.MODE:
      return v.getUint32(off, true);
    case PT.UINT64: case PT.RELTIME: case PT.ABSTIME: return readU64(v, off, false);
    // errno, fd and pid values always fit in a double: keep them plain numbers.
    case PT.ERRNO: case PT.FD: case PT.PID: return readI64AsNumber(v, off);
    case PT.BOOL: return v.getUint32(off, true) !== 0;
    case PT.DOUBLE: return v.getFloat64(off, true);
    case PT.CHARBUF: case PT.FSPATH: case PT.FSRELPATH: return readCString(b, off, off + len);
    case PT.BYTEBUF: return b.subarray(off, off + len);
    case PT.SOCKADDR: return decodeSockAddr(b, v, off, len, { eventType, paramIndex });
    case PT.SOCKTUPLE: return decodeSockTuple(b, v, off, len, { eventType, paramIndex });
    case PT.FDLIST: return decodeFdList(v, off, len, { eventType, paramIndex });
    case PT.IPV4ADDR: return ipv4ToString(b, off);
    case PT.IPV6ADDR: return ipv6ToString(b, off);
    case PT.IPV4NET: case PT.IPV6NET: case PT.IPADDR: case PT.IPNET:
      if (len !== 4 && len !== 8 && len !== 16 && len !== 32) fail({ eventType, paramIndex }, 'PARAM_SIZE', `address of ${len} bytes`);
      return decodeIpNet(b, off, len);
    case PT.CHARBUFARRAY: return splitCStrings(b, off, off + len);
    case PT.CHARBUF_PAIR_ARRAY: {
      const s = splitCStrings(b, off, off + len);
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i + 1 < s.length; i += 2) pairs.push([s[i], s[i + 1]]);
      return pairs;
    }
    case PT.DYN: {
      const table = typeof info === 'string' ? DYNAMIC_PARAMS[info] : undefined;
      const index = b[off];
      if (!table || index >= table.length) fail({ eventType, paramIndex }, 'DYN_INDEX', `dynamic index ${index} out of range`);
      const [subType] = table[index];
      const value = decodeParam(b, v, off + 1, len - 1, subType, undefined, eventType, paramIndex);
      const out: DynValue = { index, type: subType, value };
      return out;
    }
    default:
      return b.subarray(off, off + len);
  }
}
