/**
 * Errors of the filter language. Both carry where the problem is (1-based
 * line and column, 0-based index, as libsinsp's parser counts them) and the
 * offending token, so a tool can underline it.
 */
import { ScapError } from '../errors.js';

/** Where a filter error is: `index` 0-based into the text; `line` and `column` 1-based. */
export interface FilterPosition {
  readonly index: number;
  readonly line: number;
  readonly column: number;
}

function where(pos: FilterPosition): string {
  return pos.line > 1 ? `line ${pos.line}, column ${pos.column}` : `column ${pos.column}`;
}

function quoteToken(token: string): string {
  return token === '' ? 'end of input' : JSON.stringify(token);
}

/** Base of both filter errors: the position, the token, and the bare reason. */
export class FilterError extends ScapError {
  readonly index: number;
  readonly line: number;
  readonly column: number;
  /** The text at the error position (one word or symbol), '' at the end of the input. */
  readonly token: string;
  /** The message without the position. */
  readonly reason: string;
  constructor(code: string, kind: string, reason: string, pos: FilterPosition, token: string) {
    super(code, `${kind} at ${where(pos)} (${quoteToken(token)}): ${reason}`);
    this.index = pos.index;
    this.line = pos.line;
    this.column = pos.column;
    this.token = token;
    this.reason = reason;
  }
}

/** The text is not in the filter grammar. The position is where the parser stopped, as libsinsp reports it. */
export class FilterSyntaxError extends FilterError {
  constructor(reason: string, pos: FilterPosition, token: string) {
    super('FILTER_SYNTAX', 'filter syntax error', reason, pos, token);
  }
}

/**
 * The filter parses but cannot run: unknown field, operator that does not fit
 * the field's type, malformed value, transformer misuse. The position is the
 * offending node (field, operator or value).
 */
export class FilterCompileError extends FilterError {
  constructor(reason: string, pos: FilterPosition, token: string) {
    super('FILTER_COMPILE', 'filter error', reason, pos, token);
  }
}
