/** Reading runtimes' JSON without trusting its shape: a value of another type reads as empty. */

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** `root[k0][k1]...`, undefined where a step is missing. */
export function dig(root: unknown, ...keys: string[]): unknown {
  let v = root;
  for (const k of keys) v = obj(v)[k];
  return v;
}
