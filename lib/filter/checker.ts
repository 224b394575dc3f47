/**
 * The checker: resolves every field of a parsed filter through a
 * `FieldSource`, applies transformer typing, checks each operator against the
 * type it is applied to (libsinsp's operator × type matrix), and parses every
 * value for the field it is compared with. The result is a typed tree the
 * compiler and the interpreter both run; every problem is a
 * `FilterCompileError` pointing at the offending field, operator or value.
 */
import {
  MULTI_TRANSFORMERS,
  type BinaryCheck,
  type BinaryOperator,
  type Expr,
  type FieldNode,
  type Modifier,
  type MultiTransformer,
  type Operand,
  type RightHand,
  type TransformerArg,
  type TransformerNode,
  type UnaryTransformer,
  type ValueNode,
} from './ast.js';
import { FilterCompileError } from './errors.js';
import type { FieldDef, FieldSource, FieldType } from './fields.js';
import { transformedType } from './transformers.js';
import { kindOf, parseConstant, type Constant, type Kind } from './values.js';
import { isEventTypeName } from './pushdown.js';

/** Operators after normalisation (`==` is `=`). */
export type CmpOp = Exclude<BinaryOperator, '=='>;

/**
 * A value source: a field, a transformer over another operand, or a
 * multi-value transformer over its arguments (literals and lists appear
 * only as such arguments).
 */
export type CheckedOperand =
  | {
      readonly k: 'field';
      /** Canonical text (`proc.aname[2]`), the per-event cache key. */
      readonly key: string;
      readonly def: FieldDef;
      readonly type: FieldType;
      readonly isList: boolean;
      readonly anyOf: boolean;
      /** With anyOf: `!=` needs every candidate to differ (FieldDef.neEvery). */
      readonly neEvery?: boolean;
    }
  | {
      readonly k: 'transform';
      readonly key: string;
      readonly transformer: UnaryTransformer;
      readonly input: CheckedOperand;
      readonly type: FieldType;
      readonly isList: boolean;
      readonly anyOf: false;
    }
  | {
      readonly k: 'multi';
      readonly key: string;
      readonly transformer: MultiTransformer;
      readonly args: readonly CheckedOperand[];
      /** getopt's `[opt]`: the one option whose value is wanted. */
      readonly select?: string;
      readonly type: 'string';
      readonly isList: boolean;
      readonly anyOf: false;
    }
  | { readonly k: 'literal'; readonly key: string; readonly value: string; readonly type: 'string'; readonly isList: false; readonly anyOf: false }
  | { readonly k: 'list'; readonly key: string; readonly items: readonly CheckedOperand[]; readonly type: 'string'; readonly isList: true; readonly anyOf: false };

export type CheckedExpr =
  | { readonly k: 'and' | 'or'; readonly children: readonly CheckedExpr[] }
  | { readonly k: 'not'; readonly child: CheckedExpr }
  | { readonly k: 'exists'; readonly lhs: CheckedOperand; readonly node: Expr }
  | {
      readonly k: 'cmp';
      readonly op: CmpOp;
      /** `op` applies with each value, the modifier says how many must hold. */
      readonly modifier?: Modifier;
      readonly kind: Kind;
      readonly lhs: CheckedOperand;
      /** One value, or every list item for `in`, `intersects`, `pmatch` and modified operators. */
      readonly values: readonly Constant[];
      readonly node: BinaryCheck;
    }
  | {
      readonly k: 'cmpField';
      readonly op: CmpOp;
      readonly kind: Kind;
      readonly lhs: CheckedOperand;
      readonly rhs: CheckedOperand;
      readonly node: BinaryCheck;
    };

const NUMERIC_OPS = new Set(['=', '!=', '<', '<=', '>', '>=', 'in', 'intersects']);
const BOOL_OPS = new Set(['=', '!=', 'in', 'intersects']);
const STRING_OPS = new Set(['=', '!=', '<', '<=', '>', '>=', 'contains', 'in', 'icontains', 'startswith', 'glob', 'pmatch', 'endswith', 'intersects', 'iglob', 'regex']);
const BYTES_OPS = new Set(['=', '!=', 'contains', 'in', 'startswith', 'endswith', 'intersects', 'bcontains', 'bstartswith']);
const IP_OPS = new Set(['=', '!=', 'in', 'intersects']);
const LIST_FIELD_OPS = new Set(['in', 'intersects']);
const LIST_FIELD_TYPES = new Set<FieldType>(['string', 'uint64', 'reltime', 'abstime', 'bool', 'ipaddr', 'ipnet']);

/** Why `op` does not apply to values of `type`, or undefined when it does. */
export function operatorMismatch(op: CmpOp, type: FieldType, isList: boolean, modifier?: Modifier): string | undefined {
  if (isList) {
    if (!LIST_FIELD_TYPES.has(type)) return `list filters are not supported for type '${type}'`;
    return LIST_FIELD_OPS.has(op) ? undefined : `'${op}' operator not supported for list filters (only 'exists', 'in' and 'intersects')`;
  }
  switch (kindOf(type)) {
    case 'number':
      return NUMERIC_OPS.has(op) ? undefined : `'${op}' operator not supported for numeric filters (field type ${type})`;
    case 'bool':
      return BOOL_OPS.has(op) ? undefined : `'${op}' operator not supported for boolean filters`;
    case 'string':
      return STRING_OPS.has(op) ? undefined : `'${op}' operator not supported for string filters`;
    case 'bytes':
      return BYTES_OPS.has(op) ? undefined : `'${op}' operator not supported for buffer filters`;
    case 'ipaddr':
    case 'ipnet':
      if (modifier && op !== '=' && op !== '!=') return `'${op}' with modifier not supported for ip address and network filters`;
      return IP_OPS.has(op) ? undefined : `'${op}' operator not supported for ip address and network filters`;
  }
}

function fieldText(f: FieldNode): string {
  return f.arg === undefined ? f.name : `${f.name}[${f.arg}]`;
}

/** Names the checker treats as `evt.type` (values validated, pushdown reads them). */
export function isEventTypeField(o: Operand | RightHand): boolean {
  return o.kind === 'field' && (o.name === 'evt.type' || o.name === 'syscall.type') && o.arg === undefined;
}

/** Translates RE2 syntax (full match) to a JS RegExp, rejecting what RE2 would reject. */
export function compileRe2(pattern: string): RegExp | string {
  if (/\(\?<?[=!]/.test(pattern)) return 'lookaround assertions are not supported (RE2 syntax)';
  if (/\\[1-9]/.test(pattern)) return 'backreferences are not supported (RE2 syntax)';
  const src = pattern
    .replace(/\(\?P</g, '(?<')
    .replace(/\[:(alpha|digit|alnum|upper|lower|space|blank|punct|xdigit|cntrl|print|graph|word):\]/g, (_, c: string) => {
      const map: Record<string, string> = {
        alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s', blank: ' \\t',
        punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~', word: '\\w',
      };
      return map[c];
    });
  try {
    return new RegExp(`^(?:${src})$`);
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message}`;
  }
}

/** A non-fatal remark about a filter that compiles (as libsinsp's compiler warnings). */
export interface FilterWarning {
  readonly message: string;
  readonly index: number;
  readonly line: number;
  readonly column: number;
  readonly token: string;
}

const FIELD_NAME = /^[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+$/;

class Checker {
  constructor(
    private readonly fields: FieldSource,
    private readonly warnings: FilterWarning[],
  ) {}

  /** libsinsp warns when a literal is exactly a known field's name: `val()` was probably meant. */
  private warnIfFieldName(v: ValueNode): void {
    if (!FIELD_NAME.test(v.value)) return;
    let known = false;
    try {
      known = this.fields.lookup(v.value) !== undefined;
    } catch {
      known = true; // a field that wants an argument is still a field name
    }
    if (known) {
      const { index, line, column } = v.pos;
      this.warnings.push({
        message: `'${v.value}' is compared as a literal string; to compare with the field's value, write val(${v.value})`,
        index,
        line,
        column,
        token: v.value,
      });
    }
  }

  private fail(reason: string, pos: { index: number; line: number; column: number }, token: string): never {
    throw new FilterCompileError(reason, pos, token);
  }

  private field(f: FieldNode): CheckedOperand {
    const text = fieldText(f);
    let def: FieldDef | undefined;
    try {
      def = this.fields.lookup(f.name, f.arg);
    } catch (e) {
      this.fail((e as Error).message, f.pos, text);
    }
    if (!def) this.fail(`unknown field '${text}'`, f.pos, text);
    if (def.printOnly) this.fail(`field '${text}' cannot be used in filters`, f.pos, text);
    return { k: 'field', key: text, def, type: def.type, isList: def.isList === true, anyOf: def.anyOf === true, neEvery: def.anyOf === true && def.neEvery === true };
  }

  private transformer(t: TransformerNode): CheckedOperand {
    if (t.arg !== undefined && t.name !== 'getopt') this.fail(`transformer '${t.name}' does not support field arguments`, t.pos, t.name);
    if (t.name === 'val') this.fail("'val' can only wrap the right-hand side of a comparison", t.pos, t.name);
    if (isMulti(t.name)) return this.multi(t, t.name);
    if (t.args.length !== 1) this.fail(`transformer '${t.name}' takes exactly one field`, t.pos, t.name);
    const a = t.args[0];
    if (a.kind !== 'field' && a.kind !== 'transformer') this.fail(`transformer '${t.name}' takes a field or another transformer, not a literal`, a.pos, t.name);
    const input = this.operand(a);
    const base = baseField(input);
    if (base && (base.noTransformer || input.anyOf)) this.fail(`field '${base.name}' does not support transformers`, t.pos, t.name);
    const r = transformedType(t.name, input.type, input.isList);
    if (typeof r === 'string') this.fail(r, t.pos, t.name);
    return { k: 'transform', key: `${t.name}(${input.key})`, transformer: t.name, input, type: r.type, isList: r.isList, anyOf: false };
  }

  /** join / concat / getopt: arity and argument shapes as libsinsp checks them; the result is a string (getopt: a list of them). */
  private multi(t: TransformerNode, name: MultiTransformer): CheckedOperand {
    const args = t.args.map((a) => this.argument(a));
    const failAt = (i: number, reason: string): never => this.fail(reason, t.args[i].pos, nodeToken(t.args[i]));
    switch (name) {
      case 'join':
        if (args.length !== 2) this.fail('join() requires exactly 2 arguments: separator and list', t.pos, name);
        if (args[0].isList) failAt(0, 'join() first argument (separator) must be a single value, not a list');
        if (args[0].type !== 'string') failAt(0, 'join() first argument (separator) must be a string');
        if (!args[1].isList) failAt(1, 'join() second argument must be a list');
        if (!isText(args[1].type)) failAt(1, 'join() second argument must be a list of strings or numbers');
        break;
      case 'concat':
        if (args.length < 2) this.fail('concat() requires at least 2 arguments', t.pos, name);
        args.forEach((a, i) => {
          if (a.isList || a.type !== 'string') failAt(i, 'concat() arguments must be strings');
        });
        break;
      case 'getopt':
        if (args.length !== 2) this.fail('getopt() requires exactly 2 arguments: args list and optstring', t.pos, name);
        if (!args[0].isList) failAt(0, 'getopt() first argument must be a list');
        if (args[1].isList) failAt(1, 'getopt() second argument (optstring) must be a single value');
        args.forEach((a, i) => {
          if (a.type !== 'string') failAt(i, 'getopt() arguments must be strings');
        });
        if (t.arg !== undefined && t.arg.length !== 1) this.fail('getopt() field argument must be a single option character', t.pos, name);
        break;
    }
    const select = t.arg;
    const key = `${name}(${args.map((a) => a.key).join(', ')})${select === undefined ? '' : `[${select}]`}`;
    return { k: 'multi', key, transformer: name, args, select, type: 'string', isList: name === 'getopt' && select === undefined, anyOf: false };
  }

  /** An argument of a multi-value transformer: literals are strings, `( … )` a list of strings. */
  private argument(a: TransformerArg): CheckedOperand {
    switch (a.kind) {
      case 'value':
        return { k: 'literal', key: JSON.stringify(a.value), value: a.value, type: 'string', isList: false, anyOf: false };
      case 'transformer_list': {
        const items = a.items.map((i) => this.argument(i));
        items.forEach((o, i) => {
          if (!isText(o.type)) this.fail('transformer list elements must be strings or numbers', a.items[i].pos, nodeToken(a.items[i]));
        });
        return { k: 'list', key: `(${items.map((i) => i.key).join(', ')})`, items, type: 'string', isList: true, anyOf: false };
      }
      default: {
        const o = this.operand(a);
        // Candidates of either end (fd.ip) or of any ancestor (proc.aname) are no single value to combine.
        if (o.anyOf) this.fail(`field '${o.key}' does not support transformers`, a.pos, nodeToken(a));
        return o;
      }
    }
  }

  private operand(o: Operand): CheckedOperand {
    return o.kind === 'field' ? this.field(o) : this.transformer(o);
  }

  /** The right-hand side when it is a field: `val(f)` or a transformer. */
  private rhsOperand(t: TransformerNode): CheckedOperand {
    let r: CheckedOperand;
    if (t.name === 'val') {
      if (t.arg !== undefined) this.fail("transformer 'val' does not support field arguments", t.pos, 'val');
      r = this.field(t.args[0] as FieldNode);
    } else {
      r = this.transformer(t);
    }
    if (baseField(r)?.noRhs) this.fail(`field '${r.key}' cannot be used as a right-hand side value`, t.pos, t.name);
    return r;
  }

  expr(e: Expr): CheckedExpr {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { k: e.kind, children: e.children.map((c) => this.expr(c)) };
      case 'not':
        return { k: 'not', child: this.expr(e.child) };
      case 'identifier':
        this.fail(`unknown identifier '${e.name}' (an undefined macro: fields have a dot in their name)`, e.pos, e.name);
      // eslint-disable-next-line no-fallthrough
      case 'unary': {
        const lhs = this.operand(e.left);
        const ops = lhs.k === 'field' ? lhs.def.operators : undefined;
        if (ops && !ops.includes('exists')) this.fail(`field '${lhs.key}' does not support the 'exists' operator`, e.opPos, 'exists');
        return { k: 'exists', lhs, node: e };
      }
      case 'binary':
        return this.binary(e);
    }
  }

  private binary(e: BinaryCheck): CheckedExpr {
    const lhs = this.operand(e.left);
    const op = (e.op === '==' ? '=' : e.op) as CmpOp;
    const allowed = lhs.k === 'field' ? lhs.def.operators : undefined;
    if (allowed && !allowed.includes(op) && !allowed.includes(e.op)) this.fail(`field '${lhs.key}' does not support the '${e.op}' operator`, e.opPos, e.op);
    // A field with a comparison of its own (evt.around) compares with its one value.
    if (e.modifier && lhs.k === 'field' && lhs.def.compareWith) this.fail(`field '${lhs.key}' does not support the '${e.op} ${e.modifier}' operator`, e.opPos, e.op);
    const mismatch = operatorMismatch(op, lhs.type, lhs.isList, e.modifier);
    if (mismatch) this.fail(mismatch, e.opPos, e.op);
    const kind = kindOf(lhs.type);

    if (e.right.kind === 'transformer') {
      if (op === 'regex') this.fail("the 'regex' operator does not support field values (val() or transformers)", e.right.pos, e.right.name);
      const rhs = this.rhsOperand(e.right);
      if (rhs.type !== lhs.type || rhs.isList !== lhs.isList) {
        const t = (o: CheckedOperand) => `${o.type}${o.isList ? ' (list)' : ''}`;
        this.fail(`field '${lhs.key}' has type '${t(lhs)}' while the right-hand side field '${rhs.key}' has incompatible type '${t(rhs)}'`, e.right.pos, e.right.name);
      }
      return { k: 'cmpField', op, kind, lhs, rhs, node: e };
    }

    const items: readonly ValueNode[] = e.right.kind === 'list' ? e.right.items : [e.right];
    const values: Constant[] = [];
    const evtType = isEventTypeField(e.left) && (op === '=' || op === '!=' || op === 'in' || op === 'intersects');
    for (const item of items) {
      this.warnIfFieldName(item);
      if (evtType && !isEventTypeName(item.value)) this.fail(`unknown event type '${item.value}'`, item.pos, item.value);
      const r = parseConstant(lhs.type, op, item);
      if (typeof r === 'string') this.fail(r, item.pos, item.value);
      values.push(r.value);
    }
    if (op === 'regex') {
      values.forEach((v, i) => {
        const re = compileRe2(v as string);
        if (typeof re === 'string') this.fail(re, items[i].pos, items[i].value);
      });
    }
    return { k: 'cmp', op, modifier: e.modifier, kind, lhs, values, node: e };
  }
}

/** The field under a chain of one-value transformers; undefined when a multi-value transformer is at the bottom. */
function baseField(o: CheckedOperand): FieldDef | undefined {
  if (o.k === 'field') return o.def;
  return o.k === 'transform' ? baseField(o.input) : undefined;
}

/** The operands an operand reads: a transformer's input, a list's items, a multi-value transformer's arguments. */
export function operandInputs(o: CheckedOperand): readonly CheckedOperand[] {
  switch (o.k) {
    case 'transform':
      return [o.input];
    case 'list':
      return o.items;
    case 'multi':
      return o.args;
    default:
      return [];
  }
}

function isMulti(name: string): name is MultiTransformer {
  return (MULTI_TRANSFORMERS as readonly string[]).includes(name);
}

/** Types a transformer list can hold: they print as text (strings as they are, numbers in decimal). */
function isText(type: FieldType): boolean {
  const k = kindOf(type);
  return k === 'string' || k === 'number';
}

/** The text an error about an AST node shows as the offending token. */
function nodeToken(n: TransformerArg): string {
  switch (n.kind) {
    case 'field':
      return fieldText(n);
    case 'transformer':
      return n.name;
    case 'value':
      return n.value;
    case 'transformer_list':
      return '(';
  }
}

/**
 * Type-checks a parsed filter against a field source. Throws
 * FilterCompileError; remarks that are not errors go to `warnings`.
 */
export function checkFilter(ast: Expr, fields: FieldSource, warnings: FilterWarning[] = []): CheckedExpr {
  return new Checker(fields, warnings).expr(ast);
}
