/**
 * Recursive-descent parser for Falco's filter language, producing the AST of
 * ast.ts. It accepts and rejects exactly what libsinsp's parser does
 * (keywords, blanks, operators that need a blank after them, bare and quoted
 * values, lists, field arguments, transformers and `val()`, operator
 * modifiers), and stops at the same place on errors, so error columns match.
 *
 *   Expr      := Or
 *   Or        := And ( "or" (blank And | "(" Embedded) )*
 *   And       := Not ( "and" (blank Not | "(" Embedded) )*
 *   Not       := ("not" blank)* ( "not(" Embedded | Check )     each "not" flips
 *   Embedded  := Or ")"
 *   Check     := "(" Embedded | Operand Condition | Identifier
 *   Operand   := Field | Transformer
 *   Condition := "exists" | NumOp (Number | RhsTr) | StrOp (Modifier (List | Identifier) | RhsTr | Quoted | Bare)
 *              | ListOp ( List | RhsTr | Identifier )
 *   Modifier  := ("oneof" | "anyof" | "allof") blank    only before "(" or an identifier other than and/or/not
 *   Field     := FieldName [ "[" (Quoted | BareArg) "]" ]
 *   Transformer := TrName "(" TrArg ("," TrArg)* ")" ["[" arg "]"]
 *   TrName    := tolower | toupper | b64 | basename | len | join | concat | getopt   (glued to "(")
 *   TrArg     := Number | Quoted | "(" [TrListArg ("," TrListArg)*] ")" | Transformer | Field
 *   TrListArg := Field | Transformer | Quoted | Number
 *   RhsTr     := "val(" Field ")" | Transformer
 *
 * Precedence: not > and > or; and/or are n-ary. Nesting deeper than
 * `maxDepth` (100, as libsinsp; Falco uses 1000 for rules) is an error.
 */
import {
  LIST_OPERATORS,
  MODIFIERS,
  MULTI_TRANSFORMERS,
  NUMERIC_OPERATORS,
  STRING_OPERATORS,
  UNARY_OPERATORS,
  UNARY_TRANSFORMERS,
  type BinaryCheck,
  type BinaryOperator,
  type Expr,
  type FieldNode,
  type ListNode,
  type Modifier,
  type Operand,
  type Pos,
  type RightHand,
  type TransformerArg,
  type TransformerListNode,
  type TransformerName,
  type TransformerNode,
  type ValueNode,
} from './ast.js';
import { FilterSyntaxError } from './errors.js';
import { LEX, Scanner } from './lexer.js';

export interface ParseOptions {
  /** Maximum nesting of the recursive descent (default 100, as libsinsp). */
  maxDepth?: number;
}

/** Transformer names are glued to their '(' (`b64 (x)` is not a transformer). */
const TRANSFORMERS = [...UNARY_TRANSFORMERS, ...MULTI_TRANSFORMERS].map((t) => `${t}(`);

/** The operators the grammar knows, for help texts. */
export const OPERATORS: readonly string[] = [...UNARY_OPERATORS, ...NUMERIC_OPERATORS, ...STRING_OPERATORS, ...LIST_OPERATORS];
const ALL_OPS = OPERATORS.map((o) => `'${o}'`).join(', ');
/** The transformer names the grammar knows (`val` only on the right-hand side). */
export const TRANSFORMER_NAMES: readonly string[] = ['val', ...UNARY_TRANSFORMERS, ...MULTI_TRANSFORMERS];
const ALL_TRANSFORMERS = TRANSFORMER_NAMES.map((t) => `'${t}'`).join(', ');

class Parser {
  private readonly s: Scanner;
  private depth = 0;
  private readonly maxDepth: number;

  constructor(text: string, options: ParseOptions) {
    this.s = new Scanner(text);
    this.maxDepth = options.maxDepth ?? 100;
  }

  parse(): Expr {
    const s = this.s;
    if (s.text.length === 0) throw s.error('filter input string is empty');
    const e = this.or();
    if (!s.atEnd) throw s.error(`unexpected token after '${s.last}', expecting 'or', 'and'`);
    return e;
  }

  /** Runs `f` one level deeper, failing past the depth limit. */
  private nested<T>(f: () => T): T {
    if (++this.depth >= this.maxDepth) {
      this.depth--;
      throw this.s.error(`exceeded max depth limit of ${this.maxDepth}`);
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private or(): Expr {
    return this.nested(() => {
      const s = this.s;
      const pos = s.pos();
      s.blank();
      const children = [this.and()];
      s.blank();
      while (s.str('or')) {
        if (s.blank()) children.push(this.and());
        else if (s.str('(')) children.push(this.embedded());
        else throw s.error("expected blank or '(' after 'or'");
        s.blank();
      }
      return children.length > 1 ? { kind: 'or', children, pos } : children[0];
    });
  }

  private and(): Expr {
    return this.nested(() => {
      const s = this.s;
      const pos = s.pos();
      s.blank();
      const children = [this.not()];
      s.blank();
      while (s.str('and')) {
        if (s.blank()) children.push(this.not());
        else if (s.str('(')) children.push(this.embedded());
        else throw s.error("expected blank or '(' after 'and'");
        s.blank();
      }
      return children.length > 1 ? { kind: 'and', children, pos } : children[0];
    });
  }

  private not(): Expr {
    return this.nested(() => {
      const s = this.s;
      const pos = s.pos();
      s.blank();
      let negate = false;
      while (s.rgx(LEX.notBlank)) negate = !negate;
      let child: Expr;
      if (s.str('not(')) {
        negate = !negate;
        child = this.embedded();
      } else {
        child = this.check();
      }
      return negate ? { kind: 'not', child, pos } : child;
    });
  }

  /** The rest of a parenthesised expression, after its "(". */
  private embedded(): Expr {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      const e = this.or();
      s.blank();
      if (!s.str(')')) throw s.error("expected a ')' token");
      return e;
    });
  }

  private check(): Expr {
    return this.nested(() => {
      const s = this.s;
      const pos = s.pos();
      s.blank();
      if (s.str('(')) return this.embedded();
      if (s.rgx(LEX.fieldName)) return this.condition(this.fieldRest(s.last, pos), pos);
      if (s.oneOf(TRANSFORMERS)) {
        s.blank();
        return this.condition(this.transformerRest(s.last.slice(0, -1) as TransformerName, pos), pos);
      }
      if (s.rgx(LEX.identifier)) return { kind: 'identifier', name: s.last, pos };
      throw s.error("expected a '(' token, a field check, or an identifier");
    });
  }

  private fieldRest(name: string, pos: Pos): FieldNode {
    return this.nested(() => {
      const arg = this.optionalArg();
      return arg === undefined ? { kind: 'field', name, pos } : { kind: 'field', name, arg, pos };
    });
  }

  /** `[arg]` right after a field name or a transformer's ")". */
  private optionalArg(): string | undefined {
    const s = this.s;
    if (!s.str('[')) return undefined;
    let arg: string;
    const q = s.quoted();
    if (q) arg = q.value;
    else if (s.rgx(LEX.fieldArgBare)) arg = s.last;
    else throw s.error('expected a valid field argument: a quoted string or a bare string');
    if (!s.str(']')) throw s.error("expected a ']' token");
    return arg;
  }

  /** The rest of a transformer after "name(": its arguments, ")" and an optional argument. */
  private transformerRest(name: TransformerName, pos: Pos): TransformerNode {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      const args: TransformerArg[] = [];
      do {
        args.push(this.transformerArg());
        s.blank();
      } while (s.str(','));
      s.blank();
      if (!s.str(')')) throw s.error("expected a ')' token closing the transformer");
      const arg = this.optionalArg();
      return arg === undefined ? { kind: 'transformer', name, args, pos } : { kind: 'transformer', name, args, arg, pos };
    });
  }

  /** One transformer argument; its position is its first character (libsinsp's is before the blanks). */
  private transformerArg(): TransformerArg {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      if (s.rgx(LEX.hexNumber) || s.rgx(LEX.number)) return { kind: 'value', value: s.last, quoted: false, pos };
      const q = s.quoted();
      if (q) return valueNode(q.value, q.bytes, true, pos);
      if (s.str('(')) return this.transformerList(pos);
      if (s.oneOf(TRANSFORMERS)) return this.transformerRest(s.last.slice(0, -1) as TransformerName, pos);
      if (s.rgx(LEX.fieldName)) return this.fieldRest(s.last, pos);
      throw s.error('expected field transformer argument: field, transformer, quoted string, number, or transformer list');
    });
  }

  /** A parenthesised transformer argument list, after its "(". */
  private transformerList(pos: Pos): TransformerListNode {
    const s = this.s;
    const items: TransformerArg[] = [];
    s.blank();
    if (s.str(')')) return { kind: 'transformer_list', items, pos };
    items.push(this.transformerListItem());
    s.blank();
    while (s.str(',')) {
      s.blank();
      items.push(this.transformerListItem());
      s.blank();
    }
    if (!s.str(')')) throw s.error("expected ')'");
    return { kind: 'transformer_list', items, pos };
  }

  /** One list item, after any blanks: no bare words, no nested lists. */
  private transformerListItem(): TransformerArg {
    const s = this.s;
    const pos = s.pos();
    if (s.rgx(LEX.fieldName)) return this.fieldRest(s.last, pos);
    if (s.oneOf(TRANSFORMERS)) {
      s.blank();
      return this.transformerRest(s.last.slice(0, -1) as TransformerName, pos);
    }
    const q = s.quoted();
    if (q) return valueNode(q.value, q.bytes, true, pos);
    if (s.rgx(LEX.hexNumber) || s.rgx(LEX.number)) return { kind: 'value', value: s.last, quoted: false, pos };
    throw s.error('expected transformer list argument: field, transformer, quoted string, or number');
  }

  /** Consumes an operator of `list`; the word ones only when a blank follows. */
  private operator(list: readonly string[], wordsNeedBlank: boolean): string | undefined {
    const s = this.s;
    for (const op of list) {
      const word = /^[a-z]/.test(op);
      if (!word || !wordsNeedBlank) {
        if (s.str(op)) return op;
        continue;
      }
      const saved = s.save();
      if (s.str(op)) {
        if (s.blank()) return op;
        s.restore(saved);
      }
    }
    return undefined;
  }

  private condition(left: Operand, pos: Pos): Expr {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      let opPos = s.pos();
      if (this.operator(UNARY_OPERATORS, false)) return { kind: 'unary', op: 'exists', left, pos, opPos };
      s.blank();
      opPos = s.pos();
      let op: string | undefined;
      let modifier: Modifier | undefined;
      let right: RightHand;
      if ((op = this.operator(NUMERIC_OPERATORS, false))) {
        right = this.numValue();
      } else if ((op = this.operator(STRING_OPERATORS, true))) {
        // Word operators took the blank after them; symbol ones need none, but a modifier does.
        const blank = /^[a-z]/.test(op) || s.blank();
        modifier = blank ? this.modifier() : undefined;
        right = modifier ? this.listValue(false) : this.strValue(false);
      } else if ((op = this.operator(LIST_OPERATORS, false))) {
        right = this.listValue(true);
      } else {
        throw s.error(`expected a valid check operator: one of ${ALL_OPS}`);
      }
      const check: BinaryCheck = modifier
        ? { kind: 'binary', op: op as BinaryOperator, modifier, left, right, pos, opPos }
        : { kind: 'binary', op: op as BinaryOperator, left, right, pos, opPos };
      return check;
    });
  }

  /**
   * `oneof` / `anyof` / `allof` and a blank, taken only when a list or a list
   * name follows (a name that is not `and`, `or`, `not`); otherwise the word
   * is the value itself: `proc.name == anyof and fd.name exists`.
   */
  private modifier(): Modifier | undefined {
    const s = this.s;
    const saved = s.save();
    const m = this.operator(MODIFIERS, true) as Modifier | undefined;
    if (m && (s.peek() === '(' || (s.test(LEX.identifier) && !s.test(LEX.boolKeyword)))) return m;
    s.restore(saved);
    return undefined;
  }

  private numValue(): RightHand {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      const tr = this.rhsTransformer();
      if (tr) return tr;
      if (s.rgx(LEX.hexNumber) || s.rgx(LEX.number)) return { kind: 'value', value: s.last, quoted: false, pos };
      throw s.error(`expected a number value or a field with a valid transformer: ${ALL_TRANSFORMERS}`);
    });
  }

  private strValue(noTransformer: boolean): ValueNode | TransformerNode {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      if (!noTransformer) {
        const tr = this.rhsTransformer();
        if (tr) return tr;
      }
      const q = s.quoted();
      if (q) return valueNode(q.value, q.bytes, true, pos);
      if (s.rgx(LEX.bareString)) return { kind: 'value', value: s.last, quoted: false, pos };
      throw s.error(noTransformer ? 'expected a string value' : `expected a string value or a field with a valid transformer: ${ALL_TRANSFORMERS}`);
    });
  }

  /** `( v, v, ... )` after a list operator; undefined if no "(" is here. */
  private list(): ListNode | undefined {
    const s = this.s;
    const pos = s.pos();
    if (!s.str('(')) return undefined;
    const items: ValueNode[] = [];
    s.blank();
    let first: ValueNode | TransformerNode | undefined;
    try {
      first = this.strValue(true);
    } catch (e) {
      // Nothing parseable here: the list must be empty (checked by the ")" below).
      if (!(e instanceof FilterSyntaxError) || e.reason.startsWith('exceeded max depth')) throw e;
    }
    if (first) {
      items.push(first as ValueNode);
      s.blank();
      while (s.str(',')) {
        items.push(this.strValue(true) as ValueNode);
        s.blank();
      }
    }
    if (!s.str(')')) throw s.error("expected a ')' token");
    return { kind: 'list', items, pos };
  }

  /** A list, a list name, or (after list operators, not after modifiers) a transformer. */
  private listValue(transformers: boolean): RightHand {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      const l = this.list();
      if (l) return l;
      const tr = transformers ? this.rhsTransformer() : undefined;
      if (tr) return tr;
      if (s.rgx(LEX.identifier)) return { kind: 'value', value: s.last, quoted: false, pos };
      throw s.error(transformers ? `expected a list, an identifier, or a field with a valid transformer: ${ALL_TRANSFORMERS}` : 'expected a list or an identifier');
    });
  }

  /** `val(field)` or a transformer on the right-hand side; undefined if neither is here. */
  private rhsTransformer(): TransformerNode | undefined {
    return this.nested(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      if (s.str('val(')) {
        s.blank();
        const fieldPos = s.pos();
        if (!s.rgx(LEX.fieldName)) throw s.error("expected a field within 'val' transformer");
        const field = this.fieldRest(s.last, fieldPos);
        s.blank();
        if (!s.str(')')) throw s.error("expected a ')' token closing the transformer");
        const arg = this.optionalArg();
        return arg === undefined ? { kind: 'transformer', name: 'val', args: [field], pos } : { kind: 'transformer', name: 'val', args: [field], arg, pos };
      }
      if (s.oneOf(TRANSFORMERS)) {
        s.blank();
        return this.transformerRest(s.last.slice(0, -1) as TransformerName, pos);
      }
      return undefined;
    });
  }
}

function valueNode(value: string, bytes: Uint8Array | undefined, quoted: boolean, pos: Pos): ValueNode {
  return bytes ? { kind: 'value', value, bytes, quoted, pos } : { kind: 'value', value, quoted, pos };
}

/**
 * Parses a filter into its AST. Throws `FilterSyntaxError` with the position
 * where parsing stopped and the token found there.
 */
export function parseFilter(text: string, options: ParseOptions = {}): Expr {
  return new Parser(text, options).parse();
}
