/**
 * The scanner under the filter parser. Falco's filter grammar is lexed on
 * demand: what a piece of text is depends on where the parser stands (`and`
 * is a keyword between checks, an identifier prefix in `android`, a bare value
 * after `=`), so there is no token stream; the parser asks the scanner "is
 * there an X here?" and the scanner consumes it or leaves the position as it was.
 *
 * Positions count as libsinsp's parser does: index from 0, line and column
 * from 1; every `\r` or `\n` starts a new line. (Characters are UTF-16 code
 * units here, where libsinsp counts bytes: columns differ after non-ASCII text.)
 */
import { FilterSyntaxError, type FilterPosition } from './errors.js';

/** The lexical classes, as sticky regular expressions (they only match at the scanner's position). */
export const LEX = {
  /** `not` followed by at least one blank: the prefix negation keyword. */
  notBlank: /not[ \t\n\v\f\r]+/y,
  /** Macro and list names: a letter first, then letters, digits, `_`. */
  identifier: /[a-zA-Z]+[a-zA-Z0-9_]*/y,
  /** Field names: identifiers joined by at least one dot. */
  fieldName: /[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+/y,
  /** A bracket argument without quotes. */
  fieldArgBare: /[^\][\s"']+/y,
  hexNumber: /0[xX][0-9a-fA-F]+/y,
  number: /[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/y,
  /** A bare string value: anything up to a blank, a parenthesis, a quote, `=` or `,`. */
  bareString: /[^()"'\s=,]+/y,
  /** `and`, `or`, `not` as words of their own (libsinsp: not followed by a letter or digit, so `and_x` counts). */
  boolKeyword: /(?:and|or|not)(?![a-zA-Z0-9])/y,
} as const;

/** Blanks between tokens (note: `\b` counts, `\v` and `\f` do not, as in libsinsp). */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x08 || c === 0x0d || c === 0x0a;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** An unescaped quoted string: its text, and its exact bytes when it used `\xHH` escapes. */
export interface QuotedString {
  value: string;
  bytes?: Uint8Array;
}

/**
 * Resolves the escapes of a quoted string given with its quotes:
 * `\b \f \n \r \t \\ \/`, `\"` only in "…", `\'` only in '…', `\xHH` (two hex
 * digits), and a backslash before a space, which stands for a single backslash
 * (a legacy form Falco's parser keeps). Anything else is an error.
 */
export function unescapeQuoted(raw: string): QuotedString | string {
  const quote = raw[0];
  const end = raw.length - 1;
  let out = '';
  let bytes: number[] | undefined;
  const flush = () => {
    if (bytes && out) {
      for (const b of utf8.encode(out)) bytes.push(b);
      out = '';
    }
  };
  for (let i = 1; i < end; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case ' ':
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case '"':
        if (quote !== '"') return `invalid \\" escape in '-quoted string`;
        out += '"';
        break;
      case "'":
        if (quote !== "'") return `invalid \\' escape in "-quoted string`;
        out += "'";
        break;
      case 'x': {
        if (i + 2 >= end) return 'truncated hex char escape sequence';
        const hex = raw.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) return `invalid hex char escape sequence: ${hex}`;
        if (!bytes) {
          bytes = [...utf8.encode(out)];
          out = '';
        } else flush();
        bytes.push(parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        return `unsupported string escape sequence: \\${e}`;
    }
  }
  if (!bytes) return { value: out };
  flush();
  const b = Uint8Array.from(bytes);
  return { value: utf8Decoder.decode(b), bytes: b };
}

/** A saved scanner position (see `Scanner.save` / `restore`). */
export interface ScanState {
  idx: number;
  line: number;
  col: number;
  last: string;
}

export class Scanner {
  readonly text: string;
  idx = 0;
  line = 1;
  col = 1;
  /** The last token consumed (blanks excepted), for error messages. */
  last = '';

  constructor(text: string) {
    this.text = text;
  }

  get atEnd(): boolean {
    return this.idx >= this.text.length;
  }

  pos(): FilterPosition {
    return { index: this.idx, line: this.line, column: this.col };
  }

  save(): ScanState {
    return { idx: this.idx, line: this.line, col: this.col, last: this.last };
  }

  restore(s: ScanState): void {
    this.idx = s.idx;
    this.line = s.line;
    this.col = s.col;
    this.last = s.last;
  }

  /** Moves over `n` characters, counting lines. */
  advance(n: number): void {
    const t = this.text;
    for (let k = 0; k < n; k++) {
      const c = t.charCodeAt(this.idx++);
      this.col++;
      if (c === 0x0d || c === 0x0a) {
        this.col = 1;
        this.line++;
      }
    }
  }

  /** Skips blanks; true if there was at least one. Does not change `last`. */
  blank(): boolean {
    const start = this.idx;
    let n = 0;
    while (start + n < this.text.length && isBlank(this.text.charCodeAt(start + n))) n++;
    this.advance(n);
    return n > 0;
  }

  /** The next character, or '' at the end. */
  peek(): string {
    return this.text.charAt(this.idx);
  }

  /** Consumes `s` if the text continues with it. */
  str(s: string): boolean {
    if (!this.text.startsWith(s, this.idx)) return false;
    this.last = s;
    this.advance(s.length);
    return true;
  }

  /** Consumes the first of `list` the text continues with. */
  oneOf(list: readonly string[]): boolean {
    for (const s of list) if (this.str(s)) return true;
    return false;
  }

  /** Consumes a match of a sticky regex at the current position. */
  rgx(re: RegExp): boolean {
    re.lastIndex = this.idx;
    const m = re.exec(this.text);
    if (!m || m[0].length === 0) return false;
    this.last = m[0];
    this.advance(m[0].length);
    return true;
  }

  /** True if a match of `re` starts here (nothing is consumed). */
  test(re: RegExp): boolean {
    re.lastIndex = this.idx;
    const m = re.exec(this.text);
    return m !== null && m[0].length > 0;
  }

  /**
   * Consumes a quoted string. The closing quote is the first quote character
   * of the same kind not preceded by a backslash (so `"a\\"` never closes:
   * libsinsp scans the same way). An unterminated string consumes nothing;
   * a bad escape is a syntax error reported after the string.
   */
  quoted(): QuotedString | undefined {
    const q = this.peek();
    if (q !== '"' && q !== "'") return undefined;
    const t = this.text;
    let i = this.idx + 1;
    while (i < t.length) {
      if (t[i] === q && t[i - 1] !== '\\') break;
      i++;
    }
    if (i >= t.length) return undefined;
    const raw = t.slice(this.idx, i + 1);
    this.last = raw;
    this.advance(raw.length);
    const r = unescapeQuoted(raw);
    if (typeof r === 'string') throw this.error(r);
    return r;
  }

  /** The token at the current position, for error reports: one word or one symbol, '' at the end. */
  tokenHere(): string {
    if (this.atEnd) return '';
    const m = /[^\s()=,"'<>![\]]+|[<>!=]=?|\S|\s/y;
    m.lastIndex = this.idx;
    return m.exec(this.text)![0];
  }

  /** A syntax error at the current position. */
  error(reason: string): FilterSyntaxError {
    return new FilterSyntaxError(reason, this.pos(), this.tokenHere());
  }
}
