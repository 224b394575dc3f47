/**
 * A `FieldSource` from a plain table of field definitions: what tests,
 * benchmarks and small embedders need without the full registry. Handles
 * bracket arguments (`proc.aname[2]`) and dotted arguments (`evt.arg.flags`).
 */
import type { FieldDef, FieldSource, FieldType } from './fields.js';

export interface TableField {
  readonly name: string;
  /** The type; a function when it depends on the argument (`evt.rawarg.res` is int64, `.name` a string). */
  readonly type: FieldType | ((arg: string | undefined) => FieldType | undefined);
  /** Whether `name[arg]` / `name.arg` is accepted: 'none' (default), 'optional' or 'required'. */
  readonly arg?: 'none' | 'optional' | 'required';
  /** The argument may also follow a dot: `evt.arg.flags` for `evt.arg[flags]`. */
  readonly dotted?: boolean;
  readonly isList?: boolean;
  /** Any-of semantics; a function when it depends on the argument (proc.aname: only without one). */
  readonly anyOf?: boolean | ((arg: string | undefined) => boolean);
  readonly neEvery?: boolean;
  readonly printOnly?: boolean;
  readonly noTransformer?: boolean;
  readonly noRhs?: boolean;
  readonly operators?: readonly string[];
  extract(evt: any, ctx: any, arg: string | undefined): unknown;
}

export interface TableFieldSourceOptions {
  /** The event's PPME code, for the compiled filter's type pre-check. */
  eventTypeOf?: (evt: any) => number;
}

export function tableFieldSource(fields: readonly TableField[], options: TableFieldSourceOptions = {}): FieldSource {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const defs = new Map<string, FieldDef>();
  const resolve = (f: TableField, arg: string | undefined, text: string): FieldDef => {
    const mode = f.arg ?? 'none';
    if (arg !== undefined && mode === 'none') throw new Error(`field '${f.name}' does not take an argument`);
    if (arg === undefined && mode === 'required') throw new Error(`field '${f.name}' requires an argument`);
    const type = typeof f.type === 'function' ? f.type(arg) : f.type;
    if (!type) throw new Error(`field '${f.name}' has no argument '${arg}'`);
    const extract = f.extract;
    const def: FieldDef = {
      name: f.name,
      type,
      isList: f.isList,
      anyOf: typeof f.anyOf === 'function' ? f.anyOf(arg) : f.anyOf,
      neEvery: f.neEvery,
      printOnly: f.printOnly,
      noTransformer: f.noTransformer,
      noRhs: f.noRhs,
      operators: f.operators,
      extract: arg === undefined ? (e, c) => extract(e, c, undefined) : (e, c) => extract(e, c, arg),
    };
    defs.set(text, def);
    return def;
  };
  const source: FieldSource = {
    lookup(name, arg) {
      const text = arg === undefined ? name : `${name}[${arg}]`;
      const known = defs.get(text);
      if (known) return known;
      const exact = byName.get(name);
      if (exact) return resolve(exact, arg, text);
      // Dotted argument: the longest field name that prefixes `name` at a dot.
      for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
        const f = byName.get(name.slice(0, dot));
        if (f?.dotted) {
          if (arg !== undefined) throw new Error(`field '${name}' takes no bracket argument`);
          return resolve(f, name.slice(dot + 1), text);
        }
      }
      return undefined;
    },
  };
  if (options.eventTypeOf) source.eventTypeOf = options.eventTypeOf;
  return source;
}
