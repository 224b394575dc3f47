/**
 * IP addresses and CIDR networks for `fd.ip`, `fd.sip`, `fd.net`, … checks.
 * Field values are addresses as text (lib/events/values.ts forms); filter
 * values are parsed once at compile time. A value containing '.' is read as
 * IPv4 (as libsinsp does), anything else as IPv6; IPv4 and IPv6 never compare equal.
 */
import { ipv4ToString, ipv6ToString } from '../events/values.js';

/** A parsed address: IPv4 as an unsigned 32-bit number, IPv6 as 16 bytes. */
export type IpAddr = { v: 4; n: number } | { v: 6; b: Uint8Array };

/** Strict dotted quad (inet_pton): four decimal octets, no leading zeros. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const o = Number(p);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

/** RFC 4291 text (with `::` and an optional dotted IPv4 tail) to 16 bytes. */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const words: number[] = [];
  const side = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  if (dbl >= 0) {
    const head = side(s.slice(0, dbl));
    const tail = side(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = side(s);
    if (!all || all.length !== 8) return undefined;
    words.push(...all);
  }
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    b[2 * i] = words[i] >> 8;
    b[2 * i + 1] = words[i] & 0xff;
  }
  return b;
}

export function parseIp(s: string): IpAddr | undefined {
  if (s.includes('.') && !s.includes(':')) {
    const n = parseIpv4(s);
    return n === undefined ? undefined : { v: 4, n };
  }
  if (s.includes('.')) return undefined;
  const b = parseIpv6(s);
  return b ? { v: 6, b } : undefined;
}

/** The text lib/events prints for an address: what an extractor returns for it. */
export function ipText(a: IpAddr): string {
  if (a.v === 4) return ipv4ToString(Uint8Array.of(a.n >>> 24, (a.n >>> 16) & 255, (a.n >>> 8) & 255, a.n & 255), 0);
  return ipv6ToString(a.b, 0);
}

/** Reads an extracted address (text, also IPv6 text in any valid form, including a dotted tail). */
export function readIp(s: string): IpAddr | undefined {
  if (!s.includes(':')) {
    const n = parseIpv4(s);
    return n === undefined ? undefined : { v: 4, n };
  }
  const b = parseIpv6(s);
  return b ? { v: 6, b } : undefined;
}

/** A compiled equality test against one address. */
export function ipEquals(a: IpAddr): (v: string) => boolean {
  const text = ipText(a);
  if (a.v === 4) return (v) => v === text;
  const b = a.b;
  return (v) => {
    if (v === text) return true;
    if (!v.includes(':')) return false;
    const r = parseIpv6(v);
    if (!r) return false;
    for (let i = 0; i < 16; i++) if (r[i] !== b[i]) return false;
    return true;
  };
}

/** A CIDR network. */
export type IpNet = { v: 4; net: number; mask: number; bits: number } | { v: 6; b: Uint8Array; bits: number };

/** `a.b.c.d/n` (n ≤ 32) or `ipv6/n` (n ≤ 128). */
export function parseCidr(s: string): IpNet | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const a = parseIp(addr);
  if (!a) return undefined;
  if (a.v === 4) {
    if (bits > 32) return undefined;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { v: 4, net: (a.n & mask) >>> 0, mask, bits };
  }
  if (bits > 128) return undefined;
  return { v: 6, b: a.b, bits };
}

/** Fast IPv4 text to number for the hot path (undefined if not dotted IPv4). */
function ipv4Number(s: string): number | undefined {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return undefined;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) return undefined;
  return n * 256 + octet;
}

/** A compiled "address is in network" test. */
export function netContains(net: IpNet): (v: string) => boolean {
  if (net.v === 4) {
    const { mask, net: base } = net;
    return (v) => {
      const n = ipv4Number(v);
      return n !== undefined && ((n & mask) >>> 0) === base;
    };
  }
  const { b, bits } = net;
  return (v) => {
    if (!v.includes(':')) return false;
    const r = parseIpv6(v);
    if (!r) return false;
    let left = bits;
    for (let i = 0; i < 16 && left > 0; i++, left -= 8) {
      const m = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
      if ((r[i] & m) !== (b[i] & m)) return false;
    }
    return true;
  };
}
