/**
 * The field registry: every field is a plain extractor `(evt, ctx, arg) =>
 * value`, plus its type and libsinsp print format, which decide how the value
 * prints (`%field`) and how it goes into JSON (`-j`). The registry is a
 * `FieldSource` for the filter compiler (`lookup(name, arg)`) and parses
 * field tokens in output formats as libsinsp does (`parseToken`).
 *
 * Values by type: strings; numbers (bigint beyond 2^53); booleans; IP
 * addresses as text. null or undefined: the field has no value for this
 * event (sysdig prints `<NA>`).
 */
import type { Event } from '../events/event.js';
import type { EventContext } from '../state/context.js';
import { DEFAULT_RENDER, type RenderOptions } from './params.js';

export type FieldType =
  | 'string' | 'bytes' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'double' | 'reltime' | 'abstime' | 'port' | 'bool' | 'ipaddr' | 'ipnet';

/** libsinsp's print formats for fields: how numbers print. */
export type PrintFormat = 'na' | 'dec' | 'hex' | 'oct' | 'id' | '10_padded_dec';

export type Extractor = (evt: Event, ctx: EventContext | undefined, arg: string | undefined, opts: RenderOptions) => unknown;

/** A JSON value as sysdig's -j writes it; bigint for exact 64-bit integers. */
export type JsonValue = string | number | bigint | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly format?: PrintFormat;
  readonly desc?: string;
  /** Whether `name[arg]` / `name.arg` is accepted. */
  readonly arg?: 'none' | 'optional' | 'required';
  /** The argument may follow a dot (`evt.arg.fd`); `argParser` says how far it extends in an output format. */
  readonly dotted?: boolean;
  /** Length of the dotted argument at the start of `text` (0: none); default: up to the first non-identifier character. */
  readonly argParser?: (text: string) => number;
  readonly isList?: boolean;
  /** Any-of semantics (see the filter's FieldDef); a function when it depends on the argument (proc.aname: only without one). */
  readonly anyOf?: boolean | ((arg: string | undefined) => boolean);
  /** With anyOf: `!=` holds only when every candidate differs (fd.ip, fd.port, fd.net, fd.proto). */
  readonly neEvery?: boolean;
  readonly printOnly?: boolean;
  /** Only for filters (fd.ip, fd.net, evt.around): output formats reject it, as sysdig does. */
  readonly filterOnly?: boolean;
  readonly noTransformer?: boolean;
  readonly noRhs?: boolean;
  readonly operators?: readonly string[];
  /** The type when it depends on the argument (evt.rawarg.res is int64, evt.rawarg.name a string); undefined: no such argument. */
  readonly typeOf?: (arg: string | undefined) => FieldType | undefined;
  /** Why an argument is refused (undefined: accepted), checked when a filter or format names the field. */
  readonly argCheck?: (arg: string | undefined) => string | undefined;
  /** A fresh extractor for each use of the field, for fields that keep state between events (evt.deltatime). */
  readonly instance?: () => Extractor;
  /** A comparison of its own, given the filter's operator and values (evt.around). */
  readonly compareWith?: (arg: string | undefined, op: string, values: readonly unknown[]) => (v: unknown) => boolean;
  /**
   * How an output format reads the field when no argument follows its name:
   * libsinsp takes no characters for it (the name stays in the line as text)
   * and extracts it with this argument (undefined: no value).
   */
  readonly bareFormat?: { readonly arg: string | undefined };
  readonly extract: Extractor;
  /** The value as text, when the type's default printing is not sysdig's for this field. */
  readonly toText?: (v: unknown, evt: Event, ctx: EventContext | undefined, opts: RenderOptions) => string;
  /** The value in -j output, when it differs from the type's default (evt.time is a number there). */
  readonly toJson?: (v: unknown, evt: Event, ctx: EventContext | undefined, opts: RenderOptions) => JsonValue;
}

/** A field resolved with its argument: what the filter compiler and the formatters use. */
export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly format: PrintFormat;
  readonly arg: string | undefined;
  readonly isList?: boolean;
  readonly anyOf?: boolean;
  readonly neEvery?: boolean;
  readonly printOnly?: boolean;
  readonly filterOnly?: boolean;
  readonly noTransformer?: boolean;
  readonly noRhs?: boolean;
  readonly operators?: readonly string[];
  readonly spec: FieldSpec;
  /** This use's extractor (its own instance for stateful fields). */
  readonly extractor: Extractor;
  compareWith?(op: string, values: readonly unknown[]): (v: unknown) => boolean;
  /** The value, or null/undefined when the field does not apply. `ctx` defaults to the Inspector's `evt.state`. */
  extract(evt: unknown, ctx?: unknown, opts?: RenderOptions): unknown;
  /** sysdig's text for the field (null when it has no value). */
  text(evt: Event, ctx?: EventContext, opts?: RenderOptions): string | null;
  /** sysdig's -j value for the field. */
  json(evt: Event, ctx?: EventContext, opts?: RenderOptions): JsonValue;
}

function octal(n: bigint): string {
  return n.toString(8);
}

/** libsinsp's rawval_to_string: how a field value prints by type and format. */
export function valueText(v: unknown, type: FieldType, format: PrintFormat): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v !== 'number' && typeof v !== 'bigint') return String(v);
  if (typeof v === 'number' && (format === 'dec' || format === 'id' || format === 'na') && Number.isSafeInteger(v)) {
    switch (type) {
      case 'int8': case 'int16': case 'int32': return String(v | 0);
      case 'uint8': case 'uint16': case 'uint32': case 'port': return String(v >>> 0);
      case 'int64': return String(v);
      case 'uint64': case 'reltime': case 'abstime': if (v >= 0) return String(v); break;
      default: break;
    }
  }
  const n = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
  switch (type) {
    case 'int8': case 'int16': case 'int32': {
      if (format === 'oct') return octal(BigInt.asUintN(32, n));
      if (format === 'hex') return BigInt.asUintN(32, n).toString(16).toUpperCase();
      return BigInt.asIntN(32, n).toString();
    }
    case 'int64': {
      if (format === 'oct') return octal(BigInt.asUintN(64, n));
      if (format === 'hex') return BigInt.asUintN(64, n).toString(16).toUpperCase();
      if (format === '10_padded_dec') {
        const s = BigInt.asIntN(64, n);
        const a = (s < 0n ? -s : s).toString().padStart(s < 0n ? 8 : 9, '0');
        return s < 0n ? `-${a}` : a;
      }
      return BigInt.asIntN(64, n).toString();
    }
    case 'uint8': case 'uint16': case 'uint32': case 'port': {
      // libsinsp prints these in decimal even when their format says hex.
      if (format === 'oct') return octal(BigInt.asUintN(32, n));
      return BigInt.asUintN(32, n).toString();
    }
    case 'uint64': case 'reltime': case 'abstime': {
      const u = BigInt.asUintN(64, n);
      if (format === 'oct') return octal(u);
      if (format === 'hex') return u.toString(16).toUpperCase();
      if (format === '10_padded_dec') return u.toString().padStart(9, '0');
      return u.toString();
    }
    case 'double':
      return Number(v).toFixed(1);
    default:
      return String(v);
  }
}

/** libsinsp's rawval_to_json. */
export function valueJson(v: unknown, type: FieldType, format: PrintFormat): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') {
    switch (type) {
      case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32': case 'port':
        return format === 'dec' || format === 'id' || format === 'na' ? Number(v) : valueText(v, type, format);
      case 'int64': case 'uint64': case 'reltime': case 'abstime': {
        if (format === 'dec' || format === 'id' || format === 'na') {
          const n = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
          return type === 'int64' ? BigInt.asIntN(64, n) : BigInt.asUintN(64, n);
        }
        return valueText(v, type, format);
      }
      case 'double':
        return Number(v);
      default:
        return valueText(v, type, format);
    }
  }
  return valueText(v, type, format);
}

const IDENT = /^[A-Za-z0-9_]+/;

export class FieldRegistry {
  readonly specs = new Map<string, FieldSpec>();
  readonly #defs = new Map<string, FieldDef>();
  /** Field names sorted longest first, for prefix matching in output formats. */
  #names: string[] = [];

  constructor(specs: readonly FieldSpec[] = []) {
    for (const s of specs) this.add(s);
  }

  add(spec: FieldSpec): void {
    this.specs.set(spec.name, spec);
    this.#defs.clear();
    this.#names = [...this.specs.keys()].sort((a, b) => b.length - a.length);
  }

  /** Every field, for `-l`-style listings. */
  list(): FieldSpec[] {
    return [...this.specs.values()];
  }

  #resolve(spec: FieldSpec, arg: string | undefined, key: string): FieldDef {
    const mode = spec.arg ?? 'none';
    if (arg !== undefined && mode === 'none') throw new Error(`field '${spec.name}' does not take an argument`);
    if (arg === undefined && mode === 'required') throw new Error(`field '${spec.name}' requires an argument`);
    const refused = spec.argCheck?.(arg);
    if (refused) throw new Error(refused);
    const type = spec.typeOf ? spec.typeOf(arg) : spec.type;
    if (!type) throw new Error(`field '${spec.name}' has no argument '${arg}'`);
    const format = spec.format ?? 'na';
    const ex = spec.instance ? spec.instance() : spec.extract;
    const ctxOf = (evt: Event, ctx: unknown): EventContext | undefined => (ctx as EventContext | undefined) ?? (evt.state as EventContext | undefined);
    const cmp = spec.compareWith;
    const def: FieldDef = {
      name: spec.name,
      type,
      format,
      arg,
      isList: spec.isList,
      anyOf: typeof spec.anyOf === 'function' ? spec.anyOf(arg) : spec.anyOf,
      neEvery: spec.neEvery,
      printOnly: spec.printOnly,
      filterOnly: spec.filterOnly,
      noTransformer: spec.noTransformer,
      noRhs: spec.noRhs,
      operators: spec.operators,
      spec,
      extractor: ex,
      compareWith: cmp ? (op, values) => cmp(arg, op, values) : undefined,
      extract(evt, ctx, opts = DEFAULT_RENDER) {
        const e = evt as Event;
        return ex(e, ctxOf(e, ctx), arg, opts);
      },
      text(evt, ctx, opts = DEFAULT_RENDER) {
        const c = ctxOf(evt, ctx);
        const v = ex(evt, c, arg, opts);
        if (v === null || v === undefined) return null;
        return spec.toText ? spec.toText(v, evt, c, opts) : valueText(v, type, format);
      },
      json(evt, ctx, opts = DEFAULT_RENDER) {
        const c = ctxOf(evt, ctx);
        const v = ex(evt, c, arg, opts);
        if (spec.toJson) return spec.toJson(v, evt, c, opts);
        return valueJson(v, type, format);
      },
    };
    // Stateful fields get a fresh instance for every use, as each libsinsp filtercheck has its own.
    if (!spec.instance) this.#defs.set(key, def);
    return def;
  }

  /**
   * A field as written in a filter: the full dotted name (`evt.arg.fd`) and
   * the bracket argument, if any. undefined for unknown fields; throws for a
   * known field with a bad argument.
   */
  lookup(name: string, arg?: string): FieldDef | undefined {
    const key = arg === undefined ? name : `${name}[${arg}]`;
    const known = this.#defs.get(key);
    if (known) return known;
    const exact = this.specs.get(name);
    if (exact) return this.#resolve(exact, arg, key);
    for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
      const s = this.specs.get(name.slice(0, dot));
      if (s?.dotted) {
        if (arg !== undefined) throw new Error(`field '${name}' takes no bracket argument`);
        return this.#resolve(s, name.slice(dot + 1), key);
      }
    }
    return undefined;
  }

  /** Resolves `name` (with `[arg]` or a dotted argument) or throws. */
  get(text: string): FieldDef {
    const m = /^([^[]+)(?:\[(.*)\])?$/.exec(text);
    const def = m ? this.lookup(m[1], m[2]) : undefined;
    if (!def) throw new Error(`unknown field '${text}'`);
    return def;
  }

  /**
   * The field token at the start of `text` in an output format, as libsinsp
   * reads it: the longest field name that prefixes it, then its argument
   * (`[N]`, or a dotted one). Returns the field and how many characters it
   * took, or undefined when no field name matches.
   */
  parseToken(text: string): { def: FieldDef; length: number } | undefined {
    for (const name of this.#names) {
      if (!text.startsWith(name)) continue;
      const spec = this.specs.get(name)!;
      if (spec.filterOnly) throw new Error(`${text} is filter only and cannot be used as a display field`);
      const rest = text.slice(name.length);
      const mode = spec.arg ?? 'none';
      if (spec.bareFormat && !rest.startsWith('[')) {
        const bare = spec.bareFormat.arg;
        return { def: this.#resolve({ ...spec, arg: 'optional', argCheck: undefined, typeOf: undefined }, bare, `${name}#bare`), length: 0 };
      }
      if (mode !== 'none' && rest.startsWith('[')) {
        const close = rest.indexOf(']');
        if (close < 0) throw new Error(`invalid formatting token ${text}`);
        const arg = rest.slice(1, close);
        return { def: this.#resolve(spec, arg, `${name}[${arg}]`), length: name.length + close + 1 };
      }
      if (spec.dotted && rest.startsWith('.')) {
        const n = spec.argParser ? spec.argParser(rest.slice(1)) : (IDENT.exec(rest.slice(1))?.[0].length ?? 0);
        if (n > 0) {
          const arg = rest.slice(1, 1 + n);
          return { def: this.#resolve(spec, arg, `${name}.${arg}`), length: name.length + 1 + n };
        }
        if (mode === 'required') throw new Error(`invalid formatting token ${text}`);
      }
      if (mode === 'required') continue;
      return { def: this.#resolve(spec, undefined, name), length: name.length };
    }
    return undefined;
  }
}
