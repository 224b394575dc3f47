/**
 * `Event.params()` for a known event type, compiled once per (type, parameter
 * count) into a plain function: the lengths are read and summed inline, each
 * parameter is decoded by an expression for its type, and the result is one
 * object literal, so every object of a type shares one shape. Decoding through
 * `param(i)` pays an offsets array, a table lookup and a switch per parameter,
 * which made it 2-3x slower. Values and errors are those of `decodeParam`.
 */
import { EventDecodeError } from '../errors.js';
import { decodeParam, fixedSize, readCString, readI64AsNumber, readU64 } from './decode.js';
import { PPM_EVENT_MAX, PT } from './schema.generated.js';
import { EVENT_INFO, type ParamInfo } from './table.js';
import { ipv4ToString, ipv6ToString } from './values.js';

/** `(bytes, view, event offset, offset of the lengths array, event length)` to the params by name. */
export type ParamsDecoder = (b: Uint8Array, v: DataView, o: number, base: number, len: number) => Record<string, unknown>;

/** How a fixed-size value is read at `p` (its length already checked). */
function fixedRead(type: number, p: string): string | undefined {
  switch (type) {
    case PT.INT8: return `v.getInt8(${p})`;
    case PT.INT16: return `v.getInt16(${p}, true)`;
    case PT.INT32: case PT.FD32: case PT.PID32: return `v.getInt32(${p}, true)`;
    case PT.INT64: return `U64(v, ${p}, true)`;
    case PT.UINT8: case PT.SIGTYPE: case PT.L4PROTO: case PT.SOCKFAMILY: case PT.FLAGS8: case PT.ENUMFLAGS8:
      return `b[${p}]`;
    case PT.UINT16: case PT.SYSCALLID: case PT.PORT: case PT.FLAGS16: case PT.ENUMFLAGS16:
      return `v.getUint16(${p}, true)`;
    case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.UID: case PT.GID: case PT.SIGSET: case PT.MODE:
      return `v.getUint32(${p}, true)`;
    case PT.UINT64: case PT.RELTIME: case PT.ABSTIME: return `U64(v, ${p}, false)`;
    case PT.ERRNO: case PT.FD: case PT.PID: return `I64(v, ${p})`;
    case PT.BOOL: return `v.getUint32(${p}, true) !== 0`;
    case PT.DOUBLE: return `v.getFloat64(${p}, true)`;
    case PT.IPV4ADDR: return `IP4(b, ${p})`;
    case PT.IPV6ADDR: return `IP6(b, ${p})`;
    default: return undefined;
  }
}

function paramExpr(code: number, i: number, p: ParamInfo): string {
  const l = `l${i}`;
  const at = `p${i}`;
  const size = fixedSize(p.type);
  const read = size === undefined ? undefined : fixedRead(p.type, at);
  if (read) return `${l} === ${size} ? ${read} : ${l} === 0 ? null : SIZE(${code}, ${i}, ${p.type}, ${size}, ${l})`;
  switch (p.type) {
    case PT.CHARBUF: case PT.FSPATH: case PT.FSRELPATH: return `${l} === 0 ? null : STR(b, ${at}, ${at} + ${l})`;
    case PT.BYTEBUF: return `${l} === 0 ? null : b.subarray(${at}, ${at} + ${l})`;
    default: return `DEC(b, v, ${at}, ${l}, ${p.type}, INFO[${i}], ${code}, ${i})`;
  }
}

function sizeError(eventType: number, paramIndex: number, type: number, size: number, len: number): never {
  throw new EventDecodeError('PARAM_SIZE', `event type ${eventType} param ${paramIndex}: type ${type} needs ${size} bytes, has ${len}`, eventType, paramIndex);
}

function pastEndError(eventType: number, end: number, len: number): never {
  throw new EventDecodeError('PARAMS_PAST_END', `event type ${eventType}: parameters end at ${end}, past the event length ${len}`, eventType);
}

/** Most parameters an event type has, plus one: the stride of `decoders`. */
const STRIDE = EVENT_INFO.reduce((m, e) => Math.max(m, e.params.length), 0) + 1;
/** Compiled decoders by type * STRIDE + parameter count: one array load per event once made. Filled, so never sparse (a sparse array is a slow dictionary). */
const decoders = new Array<ParamsDecoder | undefined>(PPM_EVENT_MAX * STRIDE).fill(undefined);

/**
 * The decoder of the first `n` parameters of event type `code` (events from
 * older producers carry fewer than the table lists); undefined for a type
 * beyond this schema or a count above the table's.
 */
export function paramsDecoder(code: number, n: number): ParamsDecoder | undefined {
  if (code >= PPM_EVENT_MAX || n >= STRIDE) return undefined;
  return decoders[code * STRIDE + n] ?? made(code, n);
}

function made(code: number, n: number): ParamsDecoder | undefined {
  const info = EVENT_INFO[code];
  if (n > info.params.length) return undefined;
  return (decoders[code * STRIDE + n] = compile(code, info.params, n, info.largePayload));
}

function compile(code: number, params: readonly ParamInfo[], n: number, largePayload: boolean): ParamsDecoder {
  const lenSize = largePayload ? 4 : 2;
  const get = largePayload ? 'getUint32' : 'getUint16';
  const lines = [`let p = base + ${lenSize * n};`];
  for (let i = 0; i < n; i++) lines.push(`const l${i} = v.${get}(base + ${lenSize * i}, true), p${i} = p; p += l${i};`);
  lines.push(`if (p > o + len) END(${code}, p - o, len);`);
  const fields = params.slice(0, n).map((p, i) => `${JSON.stringify(p.name)}: ${paramExpr(code, i, p)}`);
  lines.push(`return { ${fields.join(', ')} };`);
  const make = new Function(
    'I64', 'U64', 'IP4', 'IP6', 'STR', 'DEC', 'SIZE', 'END', 'INFO',
    `'use strict';\nreturn function decodeParams(b, v, o, base, len) {\n${lines.join('\n')}\n};`,
  ) as (...deps: unknown[]) => ParamsDecoder;
  return make(readI64AsNumber, readU64, ipv4ToString, ipv6ToString, readCString, decodeParam, sizeError, pastEndError, params.map((p) => p.info));
}
