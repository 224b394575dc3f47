/**
 * Field transformers: `tolower`, `toupper`, `b64` (base64 decode), `basename`,
 * `len`. Each maps a present value to a value or to undefined (no value: a
 * base64 text that does not decode, for instance); on list values, all but
 * `len` apply to every element.
 */
import type { UnaryTransformer } from './ast.js';
import type { FieldType } from './fields.js';

const NON_ASCII = /[^\x00-\x7f]/;

/** ASCII-only case mapping, as C's tolower/toupper in the "C" locale. */
export function asciiLower(s: string): string {
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function asciiUpper(s: string): string {
  if (!NON_ASCII.test(s)) return s.toUpperCase();
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

export function basename(s: string): string {
  const i = s.lastIndexOf('/');
  return i < 0 ? s : s.slice(i + 1);
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder('utf-8');

/** Base64 decoding that fails (undefined) on characters outside the alphabet or a bad length. */
export function b64Bytes(text: string): Uint8Array | undefined {
  // Trailing NULs are not part of the text (libsinsp strips them first).
  let t = text;
  while (t.endsWith('\0')) t = t.slice(0, -1);
  if (!B64.test(t)) return undefined;
  const body = t.replace(/=+$/, '');
  if (body.length % 4 === 1) return undefined;
  if (t.length !== body.length && t.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** The type a transformer produces from `type` (and list-ness), or an error message. */
export function transformedType(kind: UnaryTransformer, type: FieldType, isList: boolean): { type: FieldType; isList: boolean } | string {
  switch (kind) {
    case 'tolower':
    case 'toupper':
    case 'basename':
      return type === 'string' ? { type, isList } : `'${kind}' transformer is not supported for field type '${type}'`;
    case 'b64':
      return type === 'string' || type === 'bytes' ? { type, isList } : `'b64' transformer is not supported for field type '${type}'`;
    case 'len':
      if (isList) return { type: 'uint64', isList: false };
      return type === 'string' || type === 'bytes' ? { type: 'uint64', isList: false } : `'len' transformer is not supported for field type '${type}'`;
  }
}

function scalar(kind: UnaryTransformer, v: unknown): unknown {
  switch (kind) {
    case 'tolower':
      return asciiLower(v as string);
    case 'toupper':
      return asciiUpper(v as string);
    case 'basename':
      return basename(v as string);
    case 'b64': {
      const b = b64Bytes(typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('latin1'));
      if (!b) return undefined;
      return typeof v === 'string' ? utf8.decode(b) : b;
    }
    case 'len':
      return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : (v as Uint8Array).length;
  }
}

/** Applies a transformer to a present value (an array for list fields). */
export function applyTransformer(kind: UnaryTransformer, v: unknown, isList: boolean): unknown {
  if (!isList) return scalar(kind, v);
  const list = v as unknown[];
  if (kind === 'len') return list.length;
  const out: unknown[] = [];
  for (const x of list) {
    const r = scalar(kind, x);
    if (r === undefined) return undefined;
    out.push(r);
  }
  return out;
}
