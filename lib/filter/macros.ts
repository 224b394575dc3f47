/**
 * Macro expansion, as Falco's rule loader does it: every bare identifier in a
 * condition is replaced by its macro's AST, recursively. An identifier without
 * a macro stays (the checker reports it); a macro that reaches itself is an error.
 */
import type { Expr } from './ast.js';
import { FilterCompileError } from './errors.js';
import { parseFilter, type ParseOptions } from './parser.js';

export type Macros = ReadonlyMap<string, string | Expr> | Readonly<Record<string, string | Expr>>;

export function expandMacros(ast: Expr, macros: Macros, options: ParseOptions = {}): Expr {
  const lookup = (name: string): string | Expr | undefined =>
    macros instanceof Map ? macros.get(name) : Object.hasOwn(macros, name) ? (macros as Record<string, string | Expr>)[name] : undefined;
  const parsed = new Map<string, Expr>();
  const resolve = (name: string): Expr | undefined => {
    let m = parsed.get(name);
    if (m) return m;
    const def = lookup(name);
    if (def === undefined) return undefined;
    m = typeof def === 'string' ? parseFilter(def, { maxDepth: options.maxDepth ?? 1000 }) : def;
    parsed.set(name, m);
    return m;
  };
  const expanding: string[] = [];
  const walk = (e: Expr): Expr => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { ...e, children: e.children.map(walk) };
      case 'not':
        return { ...e, child: walk(e.child) };
      case 'identifier': {
        const m = resolve(e.name);
        if (!m) return e;
        if (expanding.includes(e.name)) throw new FilterCompileError(`reference loop in macro '${e.name}'`, e.pos, e.name);
        expanding.push(e.name);
        try {
          return walk(m);
        } finally {
          expanding.pop();
        }
      }
      default:
        return e;
    }
  };
  return walk(ast);
}
