/**
 * Init-config validation against a plugin's JSON Schema (get_init_schema).
 * Falco validates with a full JSON Schema library; this covers the keywords
 * plugins' schemas use: type, properties, required, additionalProperties,
 * enum, const, items, minimum/maximum, minLength/maxLength, pattern,
 * anyOf/oneOf/allOf. Unknown keywords ($ref included) are ignored.
 */
type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

/** Problems with `value` against `schema`, as `path: why` strings (empty when valid). */
export function validateSchema(value: unknown, schema: unknown, path = '$'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  const out: string[] = [];
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(value, t))) return [`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) out.push(`${path}: not one of ${JSON.stringify(s.enum)}`);
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value)) out.push(`${path}: must be ${JSON.stringify(s.const)}`);
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) out.push(`${path}: below the minimum ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) out.push(`${path}: above the maximum ${s.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) out.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) out.push(`${path}: longer than ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) out.push(`${path}: does not match ${s.pattern}`);
  }
  if (Array.isArray(value) && s.items && typeof s.items === 'object') {
    value.forEach((v, i) => out.push(...validateSchema(v, s.items, `${path}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? []) if (!(r in obj)) out.push(`${path}: missing required property '${r}'`);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) out.push(...validateSchema(v, props[k], `${path}.${k}`));
      else if (s.additionalProperties === false) out.push(`${path}: unknown property '${k}'`);
      else if (typeof s.additionalProperties === 'object') out.push(...validateSchema(v, s.additionalProperties, `${path}.${k}`));
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) out.push(...validateSchema(value, sub, path));
  if (Array.isArray(s.anyOf) && !s.anyOf.some((sub) => validateSchema(value, sub, path).length === 0)) out.push(`${path}: matches none of anyOf`);
  if (Array.isArray(s.oneOf) && s.oneOf.filter((sub) => validateSchema(value, sub, path).length === 0).length !== 1) out.push(`${path}: must match exactly one of oneOf`);
  return out;
}
