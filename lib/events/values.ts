/** Decoded shapes of the structured parameter types. */

/** PPM address families that carry an address we decode. */
export const PPM_AF_UNIX = 1;
export const PPM_AF_INET = 2;
export const PPM_AF_INET6 = 10;

/** PT_SOCKADDR: the family byte plus what that family carries. */
export type SockAddr =
  | { family: typeof PPM_AF_INET; addr: string; port: number }
  | { family: typeof PPM_AF_INET6; addr: string; port: number }
  | { family: typeof PPM_AF_UNIX; path: string }
  | { family: number };

/** PT_SOCKTUPLE: source then destination, as libsinsp names them by byte offset. */
export type SockTuple =
  | { family: typeof PPM_AF_INET | typeof PPM_AF_INET6; sip: string; sport: number; dip: string; dport: number }
  | { family: typeof PPM_AF_UNIX; source: bigint; dest: bigint; path: string }
  | { family: number };

/** One entry of a PT_FDLIST (poll, ppoll): fd and PPM poll flags. */
export interface FdListEntry {
  fd: number;
  flags: number;
}

/** PT_DYN: the sub-type index, the parameter type it selects and the decoded value. */
export interface DynValue {
  index: number;
  type: number;
  value: unknown;
}

export function ipv4ToString(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 text for 16 bytes in network order (what inet_ntop prints). */
export function ipv6ToString(b: Uint8Array, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  // IPv4-mapped and IPv4-compatible forms print the last 32 bits dotted, as glibc does.
  const zeros5 = words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0;
  // As glibc's inet_ntop: ::ffff:a.b.c.d, and ::a.b.c.d when exactly the first six words are zero.
  if (zeros5 && (words[5] === 0xffff || (words[5] === 0 && words[6] !== 0))) {
    const v4 = ipv4ToString(b, off + 12);
    return words[5] === 0xffff ? `::ffff:${v4}` : `::${v4}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
