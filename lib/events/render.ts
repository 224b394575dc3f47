/**
 * Text rendering of parameters the way sysdig prints `evt.args`, without
 * process/fd state (the state layer adds fd names and user names on top).
 */
import { FLAG_TABLES, PF, PT } from './schema.generated.js';
import { errnoName, signalName, syscallName, type ParamInfo } from './table.js';
import type { DynValue, FdListEntry, SockAddr, SockTuple } from './values.js';
import { PPM_AF_INET, PPM_AF_INET6, PPM_AF_UNIX } from './values.js';

/** A rendered parameter: the value and, where sysdig resolves one, the name in parentheses. */
export interface RenderedParam {
  value: string;
  resolved: string;
}

function numeric(v: number | bigint, format: number, bits: number, signed: boolean): string {
  // Mirrors printf's %#o / %d / %09d / %X on the C type sysdig picks for each PT.
  let n = BigInt(v);
  if (format === PF.OCT || format === PF.HEX) n = BigInt.asUintN(bits, n);
  else if (signed) n = BigInt.asIntN(bits, n);
  switch (format) {
    case PF.OCT: return n === 0n ? '0' : `0${n.toString(8)}`;
    case PF.HEX: return n.toString(16).toUpperCase();
    case PF._10_PADDED_DEC: {
      const s = (n < 0n ? -n : n).toString().padStart(n < 0n ? 8 : 9, '0');
      return n < 0n ? `-${s}` : s;
    }
    default: return n.toString();
  }
}

/** sysdig prints unprintable bytes as dots. */
export function bytesToDots(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

/** Names of the bits set in `value`, in table order, as libsinsp resolves PT_FLAGS*. */
export function flagNames(table: readonly (readonly [string, number])[], value: number): string {
  const names: string[] = [];
  let rest = value >>> 0;
  const initial = rest;
  for (const [name, bit] of table) {
    const b = bit >>> 0;
    if ((b === 0 && initial === 0) || (b !== 0 && rest !== 0 && (rest & b) >>> 0 === b)) {
      names.push(name);
      rest = (rest & ~b) >>> 0;
      if (b === initial) break;
    }
  }
  return names.join('|');
}

function enumNames(table: readonly (readonly [string, number])[], value: number): string {
  return table.filter(([, v]) => v >>> 0 === value >>> 0).map(([n]) => n).join('|');
}

function modeNames(table: readonly (readonly [string, number])[], value: number): string {
  const names: string[] = [];
  let rest = value >>> 0;
  let i = 0;
  for (; i < table.length && table[i][1] >>> 0 !== value >>> 0; i++) {
    const b = table[i][1] >>> 0;
    if ((b === 0 && value === 0) || (b !== 0 && rest !== 0 && (rest & b) >>> 0 === b)) {
      names.push(table[i][0]);
      rest = (rest & ~b) >>> 0;
    }
  }
  if (i < table.length) names.push(table[i][0]);
  return names.join('|');
}

function renderSockAddr(a: SockAddr): string {
  if (a.family === PPM_AF_INET && 'addr' in a) return `${a.addr}:${a.port}`;
  if (a.family === PPM_AF_INET6 && 'addr' in a) return `${a.addr}:${a.port}`;
  if (a.family === PPM_AF_UNIX && 'path' in a) return a.path;
  return `family ${a.family}`;
}

function renderSockTuple(t: SockTuple): string {
  if ('sip' in t) {
    // IPv4-mapped IPv6 endpoints print as IPv4, as libsinsp does.
    const strip = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);
    const both = t.family === PPM_AF_INET6 && t.sip.startsWith('::ffff:') && t.dip.startsWith('::ffff:');
    const sip = both ? strip(t.sip) : t.sip;
    const dip = both ? strip(t.dip) : t.dip;
    return `${sip}:${t.sport}->${dip}:${t.dport}`;
  }
  if ('source' in t) return `${t.source.toString(16)}->${t.dest.toString(16)} ${t.path}`;
  return `family ${t.family}`;
}

/** AT_FDCWD as the drivers encode it. */
const PPM_AT_FDCWD = -100;

const NULL_WHEN_EMPTY = new Set<number>([PT.BYTEBUF, PT.SOCKTUPLE, PT.FDLIST, PT.CHARBUFARRAY, PT.CHARBUF_PAIR_ARRAY, PT.DYN]);

/** Renders one decoded value of parameter `p` (value null means an empty param). */
export function renderValue(p: ParamInfo, value: unknown, type = p.type): RenderedParam {
  if (value === null) return { value: NULL_WHEN_EMPTY.has(type) ? 'NULL' : '<NA>', resolved: '' };
  const r = (v: string, res = ''): RenderedParam => ({ value: v, resolved: res });
  switch (type) {
    case PT.INT8: return r(numeric(value as number, p.format, 8, true));
    case PT.INT16: return r(numeric(value as number, p.format, 16, true));
    case PT.INT32: case PT.FD32: case PT.PID32: return r(numeric(value as number, p.format, 32, true));
    case PT.INT64: return r(numeric(value as bigint, p.format, 64, true));
    case PT.UINT8: return r(numeric(value as number, p.format, 8, true));
    case PT.UINT16: return r(numeric(value as number, p.format, 16, true));
    // sysdig prints u32/u64 through the signed printf conversions.
    case PT.UINT32: return r(numeric(value as number, p.format, 32, true));
    case PT.UINT64: return r(numeric(value as bigint, p.format, 64, true));
    case PT.FD: {
      // As libsinsp renders fds of a known thread; fd names come from the state layer.
      const n = value as number;
      if (n === PPM_AT_FDCWD) return r(String(n), 'AT_FDCWD');
      return r(String(n), n < 0 ? (errnoName(-n) ?? '') : '');
    }
    case PT.PID: return r(String(value));
    case PT.ERRNO: {
      const n = value as number;
      return r(String(n), n < 0 ? (errnoName(-n) ?? '') : '');
    }
    case PT.CHARBUF: case PT.FSPATH: case PT.FSRELPATH: return r(value as string);
    case PT.BYTEBUF: return r(bytesToDots(value as Uint8Array));
    case PT.SOCKADDR: return r(renderSockAddr(value as SockAddr));
    case PT.SOCKTUPLE: return r(renderSockTuple(value as SockTuple));
    case PT.FDLIST: return r((value as FdListEntry[]).map((e) => `${e.fd}:?${(e.flags & 0xffff).toString(16)}`).join(' '));
    case PT.SYSCALLID: return r(String(value), syscallName(value as number) ?? '');
    case PT.SIGTYPE: return r(String(value), signalName(value as number) ?? '');
    case PT.RELTIME: {
      const n = value as bigint;
      if (n === 0xffffffffffffffffn) return r('none');
      return r(n.toString(), `${formatSeconds(Number(n) / 1e9)}s`);
    }
    case PT.ABSTIME: return r(formatAbsTime(value as bigint));
    case PT.FLAGS8: case PT.FLAGS16: case PT.FLAGS32: {
      const t = typeof p.info === 'string' ? FLAG_TABLES[p.info] : undefined;
      return r(String(value), t ? flagNames(t, value as number) : '');
    }
    case PT.ENUMFLAGS8: case PT.ENUMFLAGS16: case PT.ENUMFLAGS32: {
      const t = typeof p.info === 'string' ? FLAG_TABLES[p.info] : undefined;
      return r(String(value), t ? enumNames(t, value as number) : '');
    }
    case PT.MODE: {
      const t = typeof p.info === 'string' ? FLAG_TABLES[p.info] : undefined;
      return r(numeric(value as number, p.format, 32, true), t ? modeNames(t, value as number) : '');
    }
    case PT.UID: case PT.GID: {
      const n = value as number;
      return n === 0xffffffff ? r('-1', '<NONE>') : r(String(n | 0));
    }
    case PT.SIGSET: {
      const n = value as number;
      const names: string[] = [];
      for (let sig = 0; sig < 32; sig++) if ((n >>> sig) & 1) { const s = signalName(sig + 1); if (s) names.push(s); }
      return r(names.join(' '));
    }
    case PT.CHARBUFARRAY: return r((value as string[]).join('.'));
    case PT.CHARBUF_PAIR_ARRAY: return r((value as Array<[string, string]>).map(([a, b]) => `${a}:${b}`).join(','));
    case PT.DYN: {
      const d = value as DynValue;
      return renderValue(p, d.value, d.type);
    }
    case PT.BOOL: return r(value ? '1' : '0');
    case PT.DOUBLE: return r(String(value));
    default: return r(typeof value === 'string' ? value : String(value));
  }
}

/** printf's %lg: 6 significant digits, no trailing zeros. */
export function formatSeconds(x: number): string {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = x.toPrecision(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function formatAbsTime(ns: bigint): string {
  const sec = Number(ns / 1_000_000_000n);
  const nsec = Number(ns % 1_000_000_000n);
  const d = new Date(sec * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const tz = `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(nsec, 9)} ${tz}`;
}
