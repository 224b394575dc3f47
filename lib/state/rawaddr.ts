/** Text IP addresses back to their network-order bytes. */

export function ipv4Raw(s: string): Uint8Array {
  const p = s.split('.').map(Number);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = (p[i] ?? 0) & 0xff;
  return out;
}

export function ipv6Raw(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = s;
  const lc = text.lastIndexOf(':');
  const last = text.slice(lc + 1);
  if (last.includes('.')) {
    const v4 = ipv4Raw(last);
    text = `${text.slice(0, lc + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const dbl = text.indexOf('::');
  const split = (x: string) => (x === '' ? [] : x.split(':'));
  const head = split(dbl >= 0 ? text.slice(0, dbl) : text);
  const tail = dbl >= 0 ? split(text.slice(dbl + 2)) : [];
  const words = dbl >= 0 ? [...head, ...new Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail] : head;
  for (let i = 0; i < 8 && i < words.length; i++) {
    const n = parseInt(words[i], 16) || 0;
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  }
  return out;
}

/** IPv4 bytes (network order) as a number, most significant byte first. */
export function ipv4Number(b: Uint8Array, off = 0): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}
