/**
 * Socket addresses and tuples as text, from the raw parameter bytes, the way
 * libsinsp 0.29 prints them (no host or port name resolution, which sysdig
 * turns off by default).
 */
import { readCString } from '../events/decode.js';
import { ipv4Endpoint, ipv6Endpoint, isIpv4MappedIpv6 } from './fds.js';
import { sanitize } from './strings.js';

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

function u16(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}

function hex64(b: Uint8Array, off: number): string {
  let n = 0n;
  for (let i = 7; i >= 0; i--) n = (n << 8n) | BigInt(b[off + i]);
  return n.toString(16);
}

function signedByte(x: number): number {
  return x > 127 ? x - 256 : x;
}

/** PT_SOCKADDR. */
export function sockaddrToString(b: Uint8Array | null): string {
  if (!b || b.length === 0) return 'NULL';
  const family = b[0];
  if (family === AF_UNIX) return sanitize(readCString(b, 1, b.length));
  if (family === AF_INET) return b.length === 7 ? ipv4Endpoint(b, 1, u16(b, 5)) : 'INVALID IPv4';
  if (family === AF_INET6) return b.length === 19 ? ipv6Endpoint(b, 1, u16(b, 17)) : 'INVALID IPv6';
  return `family ${signedByte(family)}`;
}

/** PT_SOCKTUPLE. */
export function socktupleToString(b: Uint8Array | null): string {
  if (!b || b.length === 0) return 'NULL';
  const family = b[0];
  if (family === AF_INET) {
    if (b.length !== 13) return 'INVALID IPv4';
    return `${ipv4Endpoint(b, 1, u16(b, 5))}->${ipv4Endpoint(b, 7, u16(b, 11))}`;
  }
  if (family === AF_INET6) {
    if (b.length !== 37) return 'INVALID IPv6';
    if (isIpv4MappedIpv6(b, 1) && isIpv4MappedIpv6(b, 19)) {
      return `${ipv4Endpoint(b, 13, u16(b, 17))}->${ipv4Endpoint(b, 31, u16(b, 35))}`;
    }
    return `${ipv6Endpoint(b, 1, u16(b, 17))}->${ipv6Endpoint(b, 19, u16(b, 35))}`;
  }
  if (family === AF_UNIX) {
    if (b.length < 17) return 'INVALID UNIX';
    return `${hex64(b, 1)}->${hex64(b, 9)} ${sanitize(readCString(b, 17, b.length))}`;
  }
  return `family ${signedByte(family)}`;
}
