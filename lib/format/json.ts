/**
 * JSON text as sysdig's -j writes it (jsoncpp's FastWriter): objects with
 * keys in byte order, no spaces, exact 64-bit integers, strings escaped as
 * jsoncpp escapes them (control characters and non-ASCII as \uXXXX).
 */
import type { JsonValue } from '../fields/registry.js';

const HEX = '0123456789abcdef';

function u4(c: number): string {
  return `\\u${HEX[(c >> 12) & 15]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
}

export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default:
        if (c < 0x20 || c >= 0x7f) out += u4(c);
        else out += s[i];
    }
  }
  return `${out}"`;
}

export function jsonText(v: JsonValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return jsonString(v);
    case 'bigint': return v.toString();
    case 'number': return Number.isInteger(v) ? String(v) : jsonDouble(v);
    case 'boolean': return v ? 'true' : 'false';
    default:
      break;
  }
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  const o = v as { [k: string]: JsonValue };
  const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${jsonString(k)}:${jsonText(o[k])}`).join(',')}}`;
}

/** jsoncpp prints doubles with 17 significant digits, trimmed. */
function jsonDouble(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '1e+9999' : x < 0 ? '-1e+9999' : 'null';
  let s = x.toPrecision(17);
  if (s.includes('e')) return s;
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '.0');
  return s;
}
