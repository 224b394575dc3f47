/**
 * The filter AST: what `parseFilter` returns. Every node carries the position
 * of its first character (as libsinsp's parser records it), so later stages
 * can point at the node in errors.
 */
import type { FilterPosition } from './errors.js';

export type Pos = FilterPosition;

/**
 * The operators of the grammar, the one list every stage derives from. Each
 * list is in the order the parser tries it: an operator before any operator
 * that is its prefix (`==` before `=`, `<=` before `<`, `intersects` before `in`).
 */
export const UNARY_OPERATORS = ['exists'] as const;
/** Their right-hand side is a number (or a transformer). */
export const NUMERIC_OPERATORS = ['<=', '<', '>=', '>'] as const;
/** Their right-hand side is a string; the word ones need a blank after them, the symbol ones do not. */
export const STRING_OPERATORS = ['==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex'] as const;
/** Their right-hand side is a list, a list name or a transformer. */
export const LIST_OPERATORS = ['intersects', 'in', 'pmatch'] as const;

/**
 * Modifiers of a string operator (libsinsp 0.25+): `proc.name != allof (a, b)`
 * applies `!=` with each list element and holds when exactly one / at least
 * one / every comparison holds.
 */
export const MODIFIERS = ['oneof', 'anyof', 'allof'] as const;
export type Modifier = (typeof MODIFIERS)[number];

/** Comparison operators as written (`=` and `==` are both kept, for printing). */
export type BinaryOperator = (typeof NUMERIC_OPERATORS)[number] | (typeof STRING_OPERATORS)[number] | (typeof LIST_OPERATORS)[number];
export type UnaryOperator = (typeof UNARY_OPERATORS)[number];
export type Operator = BinaryOperator | UnaryOperator;

/** Transformers of one value: `tolower(proc.name)`. */
export const UNARY_TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename', 'len'] as const;
/** Transformers of several arguments: `join(sep, (a, b))`, `concat(a, b, …)`, `getopt(args, optstring)[opt]`. */
export const MULTI_TRANSFORMERS = ['join', 'concat', 'getopt'] as const;

export type UnaryTransformer = (typeof UNARY_TRANSFORMERS)[number];
export type MultiTransformer = (typeof MULTI_TRANSFORMERS)[number];
/** Transformers the parser recognises (`val` only on the right-hand side). */
export type TransformerName = UnaryTransformer | MultiTransformer | 'val';

export type Expr = AndExpr | OrExpr | NotExpr | IdentifierExpr | UnaryCheck | BinaryCheck;

export interface AndExpr {
  readonly kind: 'and';
  readonly children: readonly Expr[];
  readonly pos: Pos;
}

export interface OrExpr {
  readonly kind: 'or';
  readonly children: readonly Expr[];
  readonly pos: Pos;
}

export interface NotExpr {
  readonly kind: 'not';
  readonly child: Expr;
  readonly pos: Pos;
}

/** A bare identifier where a check is expected: a macro reference (Falco expands these). */
export interface IdentifierExpr {
  readonly kind: 'identifier';
  readonly name: string;
  readonly pos: Pos;
}

export interface UnaryCheck {
  readonly kind: 'unary';
  readonly op: UnaryOperator;
  readonly left: Operand;
  readonly pos: Pos;
  readonly opPos: Pos;
}

export interface BinaryCheck {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  /** After a string operator; the right-hand side is then a list or a list name. */
  readonly modifier?: Modifier;
  readonly left: Operand;
  readonly right: RightHand;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** `proc.name`, `proc.aname[2]`, `evt.arg.flags`: the name as written and the bracket argument, unquoted. */
export interface FieldNode {
  readonly kind: 'field';
  readonly name: string;
  readonly arg?: string;
  readonly pos: Pos;
}

/** `tolower(x)`, `val(proc.pname)`; `arg` is a bracket argument after the closing parenthesis. */
export interface TransformerNode {
  readonly kind: 'transformer';
  readonly name: TransformerName;
  readonly args: readonly TransformerArg[];
  readonly arg?: string;
  readonly pos: Pos;
}

/** A literal: a bare word, a number or a quoted string (unescaped). */
export interface ValueNode {
  readonly kind: 'value';
  readonly value: string;
  /** The exact bytes, present only when the literal used `\xHH` escapes. */
  readonly bytes?: Uint8Array;
  readonly quoted: boolean;
  readonly pos: Pos;
}

/** `(a, 'b', c)`: the right-hand side of `in`, `intersects`, `pmatch`. */
export interface ListNode {
  readonly kind: 'list';
  readonly items: readonly ValueNode[];
  readonly pos: Pos;
}

/** `(fd.name, "x", 1)`: a list argument of a multi-value transformer (`join`, `getopt`). */
export interface TransformerListNode {
  readonly kind: 'transformer_list';
  readonly items: readonly TransformerArg[];
  readonly pos: Pos;
}

export type Operand = FieldNode | TransformerNode;
export type TransformerArg = FieldNode | TransformerNode | ValueNode | TransformerListNode;
export type RightHand = ValueNode | ListNode | TransformerNode;

/** Quotes a literal when it would not read back as the same bare word. */
function formatValue(v: string): string {
  return v !== '' && /^[^()"'\s=,]+$/.test(v) ? v : formatQuoted(v);
}

function formatQuoted(v: string): string {
  return `"${v.replace(/[\\"\n\r\t\b\f]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' })[c]!)}"`;
}

function formatArg(arg: string | undefined): string {
  if (arg === undefined) return '';
  return /^[^\][\s"']+$/.test(arg) ? `[${arg}]` : `[${JSON.stringify(arg)}]`;
}

function formatNode(n: Expr | Operand | RightHand | TransformerArg, inner: boolean): string {
  switch (n.kind) {
    case 'and':
    case 'or': {
      const s = n.children.map((c) => formatNode(c, true)).join(` ${n.kind} `);
      return inner ? `(${s})` : s;
    }
    case 'not':
      // `not not a` reads back as `a` (each not flips): keep a nested not in parentheses.
      return n.child.kind === 'not' ? `not (${formatNode(n.child, false)})` : `not ${formatNode(n.child, true)}`;
    case 'identifier':
      return n.name;
    case 'unary':
      return `${formatNode(n.left, true)} ${n.op}`;
    case 'binary':
      return `${formatNode(n.left, true)} ${n.op}${n.modifier ? ` ${n.modifier}` : ''} ${formatNode(n.right, true)}`;
    case 'field':
      return `${n.name}${formatArg(n.arg)}`;
    case 'transformer':
      return `${n.name}(${n.args.map(formatTransformerArg).join(', ')})${formatArg(n.arg)}`;
    case 'value':
      return formatValue(n.value);
    case 'list':
      return `(${n.items.map((i) => formatNode(i, true)).join(', ')})`;
    case 'transformer_list':
      return `(${n.items.map(formatTransformerArg).join(', ')})`;
  }
}

/** Transformer arguments take no bare words: a literal stays quoted unless it was a number. */
function formatTransformerArg(a: TransformerArg): string {
  return a.kind === 'value' && a.quoted ? formatQuoted(a.value) : formatNode(a, true);
}

/**
 * Prints an AST back as filter text that parses to the same tree (modulo
 * positions): boolean sub-expressions are parenthesised, literals quoted when needed.
 */
export function formatFilter(node: Expr | Operand | RightHand): string {
  return formatNode(node, false);
}
