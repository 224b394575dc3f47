/**
 * Multi-value transformers (libsinsp 0.24+/0.25+): `join(sep, list)`,
 * `concat(a, b, …)` and `getopt(args, optstring)[opt]`, and the
 * parenthesised lists they take. Every function here gets present values
 * only: the callers turn a missing argument into a missing result first.
 */
import type { MultiTransformer } from './ast.js';

/** An element of a transformer list as text: numbers print in decimal (libsinsp's rawnum_check). */
function text(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

/**
 * The value of a transformer list `(a, b, …)` from its items' values: the
 * items in order, a list-valued item spliced in, every element as text.
 */
export function listValue(items: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const v of items) {
    if (Array.isArray(v)) for (const x of v) out.push(text(x));
    else out.push(text(v));
  }
  return out;
}

/** What an optstring declares: the valid option characters, and those that take an argument. */
interface Optstring {
  readonly valid: ReadonlySet<string>;
  readonly withArg: ReadonlySet<string>;
}

/** Parses a getopt(3) optstring (`"nt:"`); a leading ':' and a second ':' (GNU optional argument) are ignored. */
function parseOptstring(optstring: string): Optstring {
  const valid = new Set<string>();
  const withArg = new Set<string>();
  for (let i = optstring.startsWith(':') ? 1 : 0; i < optstring.length; i++) {
    const c = optstring[i];
    if (c === ':') continue;
    valid.add(c);
    if (optstring[i + 1] === ':') {
      withArg.add(c);
      i++;
    }
  }
  return { valid, withArg };
}

/**
 * POSIX getopt(3) over `argv` as libsinsp's getopt() transformer runs it:
 * the scan stops at `--` and at the first word that is not an option
 * (`-` alone included); `--long` words are skipped; `-abc` is a cluster of
 * options; an option that takes an argument takes the rest of its word or
 * the next word. Without `select`, the result lists each option found (an
 * unknown one as `?`) followed by its argument, and an option whose argument
 * is missing as `""`. With `select`, the result is the last value of that
 * option (its argument, `""` when missing, or its own name when it takes
 * none), or undefined when it does not occur.
 */
export function getopt(argv: readonly string[], optstring: string, select?: string): string[] | string | undefined {
  const { valid, withArg } = parseOptstring(optstring);
  const found: string[] = [];
  let selected: string | undefined;
  words: for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') break;
    if (word.length > 2 && word.startsWith('--')) continue;
    if (word.length < 2 || word[0] !== '-') break;
    for (let j = 1; j < word.length; j++) {
      const c = word[j];
      if (c === ':' || !valid.has(c)) {
        if (select === undefined) found.push('?');
        continue;
      }
      const wanted = select === undefined || c === select;
      if (!withArg.has(c)) {
        if (wanted) {
          if (select === undefined) found.push(c);
          else selected = c;
        }
        continue;
      }
      let arg: string | undefined;
      if (j + 1 < word.length) arg = word.slice(j + 1);
      else if (i + 1 < argv.length) arg = argv[++i];
      if (wanted) {
        if (select !== undefined) selected = arg ?? '';
        else if (arg === undefined) found.push('');
        else found.push(c, arg);
      }
      continue words;
    }
  }
  return select === undefined ? found : selected;
}

/**
 * Applies a multi-value transformer to its arguments' values (all present):
 * join's list and getopt's argv are string arrays (see `listValue`).
 */
export function applyMulti(kind: MultiTransformer, args: readonly unknown[], select: string | undefined): unknown {
  switch (kind) {
    case 'join':
      return (args[1] as string[]).join(text(args[0]));
    case 'concat':
      return args.map(text).join('');
    case 'getopt':
      return getopt(args[0] as string[], args[1] as string, select);
  }
}
