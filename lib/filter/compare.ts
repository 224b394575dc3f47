/**
 * Comparison kernels. `scalarTest` builds, once per check, a function telling
 * whether one present value satisfies `op` against the check's parsed values;
 * `shapeTest` wraps it for list fields (`in`: every value, `intersects`: some)
 * and any-of fields (some candidate). `compareDynamic` compares two extracted
 * values for field-to-field checks (`val()`), and `compareGeneric` is the
 * switch-per-call comparison the reference interpreter uses.
 */
import type { CmpOp } from './checker.js';
import { compileRe2 } from './checker.js';
import { compileGlob, compilePathPrefixes } from './glob.js';
import { ipEquals, ipText, netContains, readIp, type IpAddr, type IpNet } from './ip.js';
import { asciiLower } from './transformers.js';
import { numberKey, type Constant, type Kind } from './values.js';

export type Test = (v: any) => boolean;


/** Bytes of an extracted buffer value (a string is read as UTF-8). */
export function asBytes(v: unknown): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  const u = v as Uint8Array;
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bytesStartWith(a: Uint8Array, p: Uint8Array): boolean {
  if (p.length > a.length) return false;
  for (let i = 0; i < p.length; i++) if (a[i] !== p[i]) return false;
  return true;
}

function bytesEndWith(a: Uint8Array, p: Uint8Array): boolean {
  if (p.length > a.length) return false;
  const off = a.length - p.length;
  for (let i = 0; i < p.length; i++) if (a[off + i] !== p[i]) return false;
  return true;
}

const toBool = (v: unknown) => v === true || v === 1 || v === 1n;

/** A test for one present, scalar value. */
export function scalarTest(op: CmpOp, kind: Kind, values: readonly Constant[]): Test {
  const c = values[0];
  switch (kind) {
    case 'string': {
      const s = c as string;
      switch (op) {
        case '=': return (v: string) => v === s;
        case '!=': return (v: string) => v !== s;
        case '<': return (v: string) => v < s;
        case '<=': return (v: string) => v <= s;
        case '>': return (v: string) => v > s;
        case '>=': return (v: string) => v >= s;
        case 'contains': return (v: string) => v.includes(s);
        case 'icontains': {
          const l = asciiLower(s);
          return (v: string) => asciiLower(v).includes(l);
        }
        case 'startswith': return (v: string) => v.startsWith(s);
        case 'endswith': return (v: string) => v.endsWith(s);
        case 'glob':
        case 'iglob': {
          const re = compileGlob(s, op === 'iglob');
          return (v: string) => re.test(v);
        }
        case 'regex': {
          const re = compileRe2(s) as RegExp;
          return (v: string) => re.test(v);
        }
        case 'in':
        case 'intersects': {
          if (values.length === 1) return (v: string) => v === s;
          const set = new Set(values as string[]);
          return (v: string) => set.has(v);
        }
        case 'pmatch': {
          const m = compilePathPrefixes(values as string[]);
          return (v: string) => m(v);
        }
      }
      break;
    }
    case 'number': {
      const n = c as number | bigint;
      switch (op) {
        // Loose equality: exact between numbers and bigints.
        case '=': return (v) => v == n;
        case '!=': return (v) => v != n;
        case '<': return (v) => v < n;
        case '<=': return (v) => v <= n;
        case '>': return (v) => v > n;
        case '>=': return (v) => v >= n;
        case 'in':
        case 'intersects': {
          const set = new Set(values);
          return (v) => set.has(numberKey(v) as never);
        }
      }
      break;
    }
    case 'bool': {
      const b = c as boolean;
      switch (op) {
        case '=': return (v) => toBool(v) === b;
        case '!=': return (v) => toBool(v) !== b;
        case 'in':
        case 'intersects': {
          const has = [values.includes(false), values.includes(true)];
          return (v) => has[toBool(v) ? 1 : 0];
        }
      }
      break;
    }
    case 'bytes': {
      const p = c as Uint8Array;
      switch (op) {
        case '=': return (v) => bytesEqual(asBytes(v), p);
        case '!=': return (v) => !bytesEqual(asBytes(v), p);
        case 'contains':
        case 'bcontains': {
          const needle = Buffer.from(p);
          return (v) => asBytes(v).indexOf(needle) >= 0;
        }
        case 'startswith':
        case 'bstartswith': return (v) => bytesStartWith(asBytes(v), p);
        case 'endswith': return (v) => bytesEndWith(asBytes(v), p);
        case 'in':
        case 'intersects': {
          const list = values as Uint8Array[];
          return (v) => {
            const b = asBytes(v);
            return list.some((x) => bytesEqual(b, x));
          };
        }
      }
      break;
    }
    case 'ipaddr': {
      const tests = (values as IpAddr[]).map(ipEquals);
      const any: Test = tests.length === 1 ? tests[0] : (v) => tests.some((t) => t(v));
      if (op === '!=') return (v) => !any(v);
      // The common case, every address IPv4: one set lookup on the text.
      if ((op === 'in' || op === 'intersects') && (values as IpAddr[]).every((a) => a.v === 4)) {
        const set = new Set((values as IpAddr[]).map(ipText));
        return (v) => set.has(v);
      }
      return any;
    }
    case 'ipnet': {
      const tests = (values as IpNet[]).map(netContains);
      const any: Test = tests.length === 1 ? tests[0] : (v) => tests.some((t) => t(v));
      return op === '!=' ? (v) => !any(v) : any;
    }
  }
  throw new Error(`internal: no comparison for ${op} on ${kind}`);
}

/** Wraps a scalar test for the field's shape. The value given is present (not null/undefined). */
export function shapeTest(test: Test, op: CmpOp, isList: boolean, anyOf: boolean, neEvery = false): Test {
  if (isList) {
    // `in`: every extracted value is in the set (vacuously true for a
    // transformer's empty list; a field's empty list is no value); `intersects`: at least one is.
    if (op === 'in') return (v: unknown[]) => v.every(test);
    return (v: unknown[]) => v.some(test);
  }
  if (anyOf) return op === '!=' && neEvery ? (v: unknown[]) => v.every(test) : (v: unknown[]) => v.some(test);
  return test;
}

/** Compiles the test of a constant check: from a present value to the result. */
export function constantTest(op: CmpOp, kind: Kind, values: readonly Constant[], isList: boolean, anyOf: boolean, neEvery = false): Test {
  if (values.length === 0) return () => false; // `in ()` matches nothing
  return shapeTest(scalarTest(op, kind, values), op, isList, anyOf, neEvery);
}

function ipOf(v: unknown): IpAddr | undefined {
  return typeof v === 'string' ? readIp(v) : undefined;
}

function ipSame(a: IpAddr | undefined, b: IpAddr | undefined): boolean {
  if (!a || !b || a.v !== b.v) return false;
  return a.v === 4 ? a.n === (b as { n: number }).n : bytesEqual(a.b, (b as { b: Uint8Array }).b);
}

let lastGlob: { p: string; fold: boolean; re: RegExp } | undefined;

/** Two present scalar values (field against field). */
function dynamicScalar(op: CmpOp, kind: Kind, v: any, r: any): boolean {
  switch (kind) {
    case 'number':
      switch (op) {
        case '=': case 'in': case 'intersects': return v == r;
        case '!=': return v != r;
        case '<': return v < r;
        case '<=': return v <= r;
        case '>': return v > r;
        case '>=': return v >= r;
      }
      break;
    case 'bool':
      return op === '!=' ? toBool(v) !== toBool(r) : toBool(v) === toBool(r);
    case 'ipaddr':
      return op === '!=' ? !ipSame(ipOf(v), ipOf(r)) : ipSame(ipOf(v), ipOf(r));
    case 'ipnet':
      // A network field's value is an address: equal addresses (no CIDR on the right).
      return op === '!=' ? !ipSame(ipOf(v), ipOf(r)) : ipSame(ipOf(v), ipOf(r));
    case 'bytes': {
      const a = asBytes(v);
      const b = asBytes(r);
      switch (op) {
        case '=': case 'in': case 'intersects': return bytesEqual(a, b);
        case '!=': return !bytesEqual(a, b);
        case 'contains': case 'bcontains': return a.indexOf(b) >= 0;
        case 'startswith': case 'bstartswith': return bytesStartWith(a, b);
        case 'endswith': return bytesEndWith(a, b);
      }
      break;
    }
    case 'string': {
      const a = v as string;
      const b = r as string;
      switch (op) {
        case '=': case 'in': case 'intersects': return a === b;
        case '!=': return a !== b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case 'contains': return a.includes(b);
        case 'icontains': return asciiLower(a).includes(asciiLower(b));
        case 'startswith': return a.startsWith(b);
        case 'endswith': return a.endsWith(b);
        case 'glob':
        case 'iglob': {
          const fold = op === 'iglob';
          if (!lastGlob || lastGlob.p !== b || lastGlob.fold !== fold) lastGlob = { p: b, fold, re: compileGlob(b, fold) };
          return lastGlob.re.test(a);
        }
        case 'pmatch': return compilePathPrefixes([b])(a);
      }
      break;
    }
  }
  throw new Error(`internal: no comparison for ${op} on ${kind}`);
}

/**
 * Field against field, both present. The right-hand side of a list operator
 * may be a list field (every / some value of the left in it) or a scalar.
 */
export function compareDynamic(op: CmpOp, kind: Kind, isList: boolean, anyOf: boolean, v: any, r: any, neEvery = false): boolean {
  const rights: unknown[] = Array.isArray(r) ? r : [r];
  if (rights.length === 0) return false;
  const one = (x: unknown) => {
    if (op === 'in' || op === 'intersects' || op === 'pmatch') return rights.some((y) => dynamicScalar(op, kind, x, y));
    return dynamicScalar(op, kind, x, rights[0]);
  };
  if (isList) {
    const list = v as unknown[];
    return op === 'in' ? list.every(one) : list.some(one);
  }
  if (anyOf) return op === '!=' && neEvery ? (v as unknown[]).every(one) : (v as unknown[]).some(one);
  return one(v);
}

/** The interpreter's comparison: a switch on every call, linear scans for lists, no precompiled sets. */
export function compareGeneric(op: CmpOp, kind: Kind, values: readonly Constant[], patterns: readonly unknown[], v: any): boolean {
  switch (op) {
    case 'in':
    case 'intersects':
      for (const c of values) if (equalsConstant(kind, v, c)) return true;
      return false;
    case 'pmatch':
      return (patterns[0] as (s: string) => boolean)(v);
    case 'glob':
    case 'iglob':
    case 'regex':
      return (patterns[0] as RegExp).test(v);
    case '=':
      return equalsConstant(kind, v, values[0]);
    case '!=':
      return !equalsConstant(kind, v, values[0]);
    default:
      break;
  }
  const c = values[0] as any;
  if (kind === 'bytes') {
    const b = asBytes(v);
    switch (op) {
      case 'contains': case 'bcontains': return b.indexOf(Buffer.from(c as Uint8Array)) >= 0;
      case 'startswith': case 'bstartswith': return bytesStartWith(b, c);
      case 'endswith': return bytesEndWith(b, c);
    }
  }
  switch (op) {
    case '<': return v < c;
    case '<=': return v <= c;
    case '>': return v > c;
    case '>=': return v >= c;
    case 'contains': return (v as string).includes(c);
    case 'icontains': return asciiLower(v).includes(asciiLower(c));
    case 'startswith': return (v as string).startsWith(c);
    case 'endswith': return (v as string).endsWith(c);
  }
  throw new Error(`internal: no comparison for ${op} on ${kind}`);
}

function equalsConstant(kind: Kind, v: any, c: Constant): boolean {
  switch (kind) {
    case 'string': return v === c;
    case 'number': return v == c;
    case 'bool': return toBool(v) === c;
    case 'bytes': return bytesEqual(asBytes(v), c as Uint8Array);
    case 'ipaddr': return ipSame(ipOf(v), c as IpAddr);
    case 'ipnet': return netContains(c as IpNet)(v);
  }
}

/** Precompiled patterns a check needs (regex, glob, pmatch), for the interpreter. */
export function patternsOf(op: CmpOp, values: readonly Constant[]): unknown[] {
  switch (op) {
    case 'glob':
    case 'iglob':
      return [compileGlob(values[0] as string, op === 'iglob')];
    case 'regex':
      return [compileRe2(values[0] as string)];
    case 'pmatch':
      return [compilePathPrefixes(values as string[])];
    default:
      return [];
  }
}
