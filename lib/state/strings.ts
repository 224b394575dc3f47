/**
 * String helpers with libsinsp's exact semantics: path concatenation and
 * normalisation, sanitising, and the NUL-separated lists events carry
 * (args, env, cgroups).
 */
import { readCString } from '../events/decode.js';

/** libsinsp's SCAP_MAX_PATH_SIZE. */
export const MAX_PATH_SIZE = 1024;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** Printable ASCII (0x20..0x7e), what libsinsp keeps. */
function valid(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/** Removes every character that is not printable ASCII (libsinsp's sanitize_string). */
export function sanitize(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!valid(c)) return s.replace(/[^\x20-\x7e]/g, '');
  }
  return s;
}

function byteLength(s: string): number {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) { ascii = false; break; }
  return ascii ? s.length : utf8.encode(s).length;
}

/**
 * libsinsp's concatenate_paths: `path2` relative to `path1` (which should end
 * in '/'), normalised ('.', '..', '//', trailing '/'), non-printable bytes
 * replaced by '.'. `len2` is the parameter's byte length including its NUL, as
 * libsinsp counts it. Returns the path and whether path2 was relative.
 */
export function concatenatePaths(path1: string, path2: string, len2 = byteLength(path2) + 1): { path: string; relative: boolean } {
  const fast = fastPath(path1, path2, len2);
  if (fast) return fast;
  const p1 = utf8.encode(path1);
  if (MAX_PATH_SIZE < p1.length + len2 + 1) return { path: '/PATH_TOO_LONG', relative: false };
  const p2 = utf8.encode(path2);
  const relative = len2 !== 0 && p2.length > 0 && p2[0] !== 0x2f;
  const out: number[] = relative ? Array.from(p1) : [];
  copySanitizedPath(out, out.length, p2);
  return { path: decodeBytes(out), relative };
}

/** Plain absolute paths (printable ASCII, no '.', '//' or trailing '/') need no work. */
function fastPath(path1: string, path2: string, len2: number): { path: string; relative: boolean } | undefined {
  const n = path2.length;
  if (n < 2 || path2.charCodeAt(0) !== 0x2f || path2.charCodeAt(n - 1) === 0x2f || MAX_PATH_SIZE < path1.length + len2 + 1) return undefined;
  for (let i = 0; i < n; i++) {
    const c = path2.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x2e || (c === 0x2f && path2.charCodeAt(i + 1) === 0x2f)) return undefined;
  }
  for (let i = 0; i < path1.length; i++) if (path1.charCodeAt(i) >= 0x80) return undefined;
  return { path: path2, relative: false };
}

function decodeBytes(b: number[]): string {
  let ascii = true;
  for (const c of b) if (c >= 0x80) { ascii = false; break; }
  if (ascii) {
    let s = '';
    for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.slice(i, i + 4096));
    return s;
  }
  return utf8d.decode(Uint8Array.from(b));
}

const SEP = 0x2f;
const DOT = 0x2e;

/** copy_and_sanitize_path: appends `path` at `start` of `t`, resolving '.' and '..' against what `t` holds. */
function copySanitizedPath(t: number[], start: number, path: Uint8Array): void {
  let tc = start;
  let pc = 0;
  const at = (i: number) => (i < path.length ? path[i] : 0);
  const rewind = (delta: number) => {
    if (tc <= 1) {
      pc += delta;
      return;
    }
    tc--;
    while (tc >= 1 && t[tc - 1] !== SEP) tc--;
    pc += delta;
  };
  for (;;) {
    const c = at(pc);
    if (c === 0) {
      t.length = tc;
      // A trailing separator goes, as the OS drops it.
      if (tc > 1 && t[tc - 1] === SEP) t.length = tc - 1;
      return;
    }
    if (!valid(c)) {
      t[tc++] = DOT;
      pc++;
    } else if (c === DOT && at(pc + 1) === DOT && at(pc + 2) === SEP) {
      rewind(3);
    } else if (c === DOT && at(pc + 1) === DOT) {
      if (at(pc + 2) === 0) rewind(2);
      else {
        t[tc++] = DOT;
        t[tc++] = DOT;
        pc += 2;
      }
    } else if (c === DOT && at(pc + 1) === SEP) {
      pc += 2;
    } else if (c === DOT) {
      if (at(pc + 1) === 0) pc++;
      else {
        t[tc++] = c;
        pc++;
      }
    } else if (c === SEP) {
      if (tc > 0 && t[tc - 1] === SEP) pc++;
      else {
        t[tc++] = c;
        pc++;
      }
    } else {
      t[tc++] = c;
      pc++;
    }
  }
}

/** NUL-separated strings as libsinsp splits args: a trailing NUL ends the list. */
export function splitArgs(b: Uint8Array | null): string[] {
  const out: string[] = [];
  if (!b) return out;
  let off = 0;
  while (off < b.length) {
    let end = off;
    while (end < b.length && b[end] !== 0) end++;
    out.push(readCString(b, off, end));
    off = end + 1;
  }
  return out;
}

/** Like splitArgs, but stops at an empty string followed only by NULs (libsinsp's set_env). */
export function splitEnv(b: Uint8Array | null): string[] {
  const out: string[] = [];
  if (!b) return out;
  let off = 0;
  while (off < b.length) {
    if (b[off] === 0) {
      let rest = off;
      while (rest < b.length && b[rest] === 0) rest++;
      if (rest === b.length) return out;
    }
    let end = off;
    while (end < b.length && b[end] !== 0) end++;
    out.push(readCString(b, off, end));
    off = end + 1;
  }
  return out;
}

/** `subsys=path` entries (the last '=' splits), with libsinsp's subsystem renames. */
export function parseCgroups(list: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const s of list) {
    const eq = s.lastIndexOf('=');
    if (eq < 0) break;
    let subsys = s.slice(0, eq);
    const k = subsys.indexOf('_cgroup');
    if (k >= 0) subsys = subsys.slice(0, k) + subsys.slice(k + 7);
    if (subsys === 'perf') subsys = 'perf_event';
    else if (subsys === 'mem') subsys = 'memory';
    else if (subsys === 'io') subsys = 'blkio';
    out.push([subsys, s.slice(eq + 1)]);
  }
  return out;
}

/** Cgroups from a raw NUL-separated parameter. */
export function cgroupsFromBytes(b: Uint8Array | null): Array<[string, string]> {
  return parseCgroups(splitArgs(b));
}
