/**
 * `compileFilter`: text → parse → (macros) → check → compile, plus the event
 * types and syscalls the filter can match.
 */
import { formatFilter, type Expr } from './ast.js';
import { checkFilter, operandInputs, type CheckedExpr, type CheckedOperand, type FilterWarning } from './checker.js';
import { compileClosures, compileCodegen, type Strategy } from './compiler.js';
import type { FieldSource } from './fields.js';
import { createInterpreter, type Predicate } from './interpreter.js';
import { expandMacros, type Macros } from './macros.js';
import { parseFilter, type ParseOptions } from './parser.js';
import { eventTypesOf, syscallsOf } from './pushdown.js';
import { PPM_EVENT_MAX } from '../events/schema.generated.js';

export interface CompileOptions extends ParseOptions {
  /** `codegen` (default) or `closure`; `interpret` gives the reference interpreter. */
  strategy?: Strategy | 'interpret';
  /** Macros to expand: name → condition text or AST. */
  macros?: Macros;
}

export interface CompiledFilter {
  /** The filter as given, or the given AST printed. */
  readonly text: string;
  /** The AST after macro expansion. */
  readonly ast: Expr;
  /** The typed tree the predicate runs. */
  readonly checked: CheckedExpr;
  /** Sorted PPME codes of the events the filter can match (every code when it cannot tell). */
  readonly eventTypes: readonly number[];
  /** True when `eventTypes` is every event code: the filter does not narrow types. */
  readonly allEventTypes: boolean;
  /** The x86_64 syscalls whose events the filter can match: what the live driver needs to keep. */
  readonly syscalls: readonly string[];
  /** Remarks that are not errors (a literal that is a field name: `val()` was probably meant). */
  readonly warnings: readonly FilterWarning[];
  /** Names of the fields the filter reads (with their arguments), sorted. */
  readonly fields: readonly string[];
  readonly strategy: Strategy | 'interpret';
  /** True when the event matches. `ctx` is passed to every extractor (the inspector). */
  readonly match: Predicate;
}

function fieldNames(e: CheckedExpr, out: Set<string>): Set<string> {
  const op = (o: CheckedOperand): void => {
    if (o.k === 'field') out.add(o.key);
    else operandInputs(o).forEach(op);
  };
  switch (e.k) {
    case 'and':
    case 'or':
      e.children.forEach((c) => fieldNames(c, out));
      break;
    case 'not':
      fieldNames(e.child, out);
      break;
    case 'exists':
    case 'cmp':
      op(e.lhs);
      break;
    case 'cmpField':
      op(e.lhs);
      op(e.rhs);
      break;
  }
  return out;
}

let codegenWorks: boolean | undefined;

function canGenerate(): boolean {
  if (codegenWorks === undefined) {
    try {
      codegenWorks = new Function('return 1')() === 1;
    } catch {
      codegenWorks = false;
    }
  }
  return codegenWorks;
}

/**
 * Compiles a filter against a field source. Throws `FilterSyntaxError` or
 * `FilterCompileError` (unknown field, operator/type mismatch, bad value).
 */
export function compileFilter(filter: string | Expr, fields: FieldSource, options: CompileOptions = {}): CompiledFilter {
  let ast = typeof filter === 'string' ? parseFilter(filter, options) : filter;
  if (options.macros) ast = expandMacros(ast, options.macros, options);
  const warnings: FilterWarning[] = [];
  const checked = checkFilter(ast, fields, warnings);
  const eventTypes = eventTypesOf(ast);
  const target = { root: checked, fields, eventTypes, eventCodeCount: PPM_EVENT_MAX };
  let strategy = options.strategy ?? 'codegen';
  if (strategy === 'codegen' && !canGenerate()) strategy = 'closure';
  const match = strategy === 'codegen' ? compileCodegen(target) : strategy === 'closure' ? compileClosures(target) : createInterpreter(checked);
  return {
    text: typeof filter === 'string' ? filter : formatFilter(filter),
    ast,
    checked,
    eventTypes,
    allEventTypes: eventTypes.length === PPM_EVENT_MAX,
    syscalls: syscallsOf(ast),
    warnings,
    fields: [...fieldNames(checked, new Set())].sort(),
    strategy,
    match,
  };
}
