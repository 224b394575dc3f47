/**
 * Filter values parsed for the field they are compared with, at compile
 * time: numbers by the field's width and sign, booleans, ports (numbers or
 * service names), addresses, CIDR networks, byte strings and hex byte strings.
 * A value that does not parse is a compile error, never a silent mismatch.
 */
import { readFileSync } from 'node:fs';
import type { ValueNode } from './ast.js';
import type { FieldType } from './fields.js';
import { parseCidr, parseIp, type IpAddr, type IpNet } from './ip.js';

/** How values of a field type compare. */
export type Kind = 'string' | 'bytes' | 'number' | 'bool' | 'ipaddr' | 'ipnet';

export function kindOf(type: FieldType): Kind {
  switch (type) {
    case 'string':
    case 'bytes':
    case 'bool':
    case 'ipaddr':
    case 'ipnet':
      return type;
    default:
      return 'number';
  }
}

/** Bit width and signedness of the numeric types (double compares against integers only, as in libsinsp). */
const NUMERIC: Record<string, readonly [bits: number, signed: boolean]> = {
  int8: [8, true],
  int16: [16, true],
  int32: [32, true],
  int64: [64, true],
  uint8: [8, false],
  uint16: [16, false],
  uint32: [32, false],
  uint64: [64, false],
  double: [64, true],
  reltime: [64, false],
  abstime: [64, false],
  port: [16, false],
};

/** A number the way extractors return them: a JS number when exact, else a bigint. */
export function normalizeInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Normalizes an extracted number (number or bigint) for set lookups. */
export function numberKey(v: unknown): unknown {
  return typeof v === 'bigint' ? normalizeInt(v) : v;
}

let services: Map<string, number> | undefined;

/** Service name to port, from /etc/services (as getservbyname would). */
export function servicePort(name: string): number | undefined {
  if (!services) {
    services = new Map();
    let text = '';
    try {
      text = readFileSync('/etc/services', 'utf8');
    } catch {
      // No services database: only numeric ports.
    }
    for (const line of text.split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/);
      const m = /^(\d+)\/(tcp|udp)$/.exec(fields[1] ?? '');
      if (!m) continue;
      for (const n of [fields[0], ...fields.slice(2)]) if (n && !services.has(n)) services.set(n, Number(m[1]));
    }
  }
  return services.get(name);
}

/**
 * An integer as libsinsp reads it (decimal, optional sign and leading blanks;
 * no hex, no fraction), wrapped to the type's width as a C cast would.
 */
export function parseInteger(text: string, type: FieldType): number | bigint | undefined {
  const spec = NUMERIC[type];
  if (!spec || !/^[ \t\n\v\f\r]*[+-]?[0-9]+$/.test(text)) return undefined;
  const v = BigInt(text.trim());
  const [bits, signed] = spec;
  if (v > 18446744073709551615n || v < -9223372036854775808n) return undefined;
  return normalizeInt(signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v));
}

/** Even-length hex text (case-insensitive) to bytes, for `bcontains` / `bstartswith`. */
export function parseHex(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export type Constant = string | number | bigint | boolean | Uint8Array | IpAddr | IpNet;

const utf8 = new TextEncoder();

/** The bytes of a literal: its exact bytes if it used `\x` escapes, else its UTF-8 encoding. */
export function literalBytes(v: ValueNode): Uint8Array {
  return v.bytes ?? utf8.encode(v.value);
}

/** Parses one filter value for a field type and operator; a string result is the error. */
export function parseConstant(type: FieldType, op: string, v: ValueNode): { value: Constant } | string {
  const text = v.value;
  const kind = kindOf(type);
  if (kind !== 'bytes' && text.includes('\0')) return `filter value ${JSON.stringify(text)} contains a NUL byte`;
  switch (kind) {
    case 'string':
      return { value: text };
    case 'bytes':
      if (op === 'bcontains' || op === 'bstartswith') {
        const b = parseHex(text);
        return b ? { value: b } : `${op} needs a hex string of even length, not ${JSON.stringify(text)}`;
      }
      return { value: literalBytes(v) };
    case 'bool':
      if (text === 'true') return { value: true };
      if (text === 'false') return { value: false };
      return `${JSON.stringify(text)} is not a valid boolean (true or false)`;
    case 'number': {
      const n = parseInteger(text, type);
      if (n !== undefined) return { value: n };
      if (type === 'port') {
        const p = servicePort(text);
        if (p !== undefined) return { value: p };
        return `${JSON.stringify(text)} is not a valid port number or service name`;
      }
      return `${JSON.stringify(text)} is not a valid number for a field of type ${type}`;
    }
    case 'ipaddr': {
      const a = parseIp(text);
      return a ? { value: a } : `${JSON.stringify(text)} is not a valid IP address`;
    }
    case 'ipnet': {
      const n = parseCidr(text);
      return n ? { value: n } : `${JSON.stringify(text)} is not a valid CIDR network (a.b.c.d/n or ipv6/n)`;
    }
  }
}
