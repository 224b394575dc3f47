/**
 * Event-type pushdown: the smallest set of event types (PPME codes) a filter
 * can match, computed from its AST, so that the driver can drop everything
 * else in the kernel and the compiled filter can reject other events first.
 *
 * Only `evt.type` / `syscall.type` checks with `=`, `!=`, `in`, `intersects`
 * and no modifier narrow the set (`evt.type = open` is every code named
 * `open`: enter and exit, every version; a syscall name with no event of its
 * own means the generic events). `and` intersects, `or` unites, and negations are pushed down to the
 * checks (De Morgan), where a negated type set becomes its complement. Checks
 * that say nothing about the type (`proc.name = cat`) match every type, negated
 * or not. `evt.num` is never 0, so `evt.num = 0` (Falco's `never_true`) matches
 * no type and `evt.num != 0` every type.
 */
import type { Expr } from './ast.js';
import { EVENT_ROWS, PPME, PPM_EVENT_MAX, PPM_SC_NAMES, SYSCALLS_X86_64 } from '../events/schema.generated.js';
import { parseInteger } from './values.js';

const GENERIC = [0, 1];

/** Event name → its codes (the generic events are named by their syscall instead). */
const codesByName = new Map<string, number[]>();
for (let code = 2; code < EVENT_ROWS.length; code++) {
  const name = EVENT_ROWS[code][0];
  let list = codesByName.get(name);
  if (!list) codesByName.set(name, (list = []));
  list.push(code);
}
const syscallNames = new Set(PPM_SC_NAMES.filter((n) => n !== ''));

/**
 * Names of async events the loaded plugins declared (get_async_events), with
 * how many plugins declared each: `evt.type` of an async event is its name.
 */
const asyncEventNames = new Map<string, number>();

/** Makes `evt.type = name` valid for the async events of a plugin being loaded. */
export function declareAsyncEventNames(names: readonly string[]): void {
  for (const n of names) asyncEventNames.set(n, (asyncEventNames.get(n) ?? 0) + 1);
}

/** Undoes declareAsyncEventNames for a plugin that is unloaded. */
export function forgetAsyncEventNames(names: readonly string[]): void {
  for (const n of names) {
    const left = (asyncEventNames.get(n) ?? 0) - 1;
    if (left > 0) asyncEventNames.set(n, left);
    else asyncEventNames.delete(n);
  }
}

/**
 * True for a name `evt.type` can take: an event's name, a syscall's name,
 * `syscall` (generic events), or an async event name a loaded plugin declared.
 */
export function isEventTypeName(name: string): boolean {
  return codesByName.has(name) || syscallNames.has(name) || name === 'syscall' || asyncEventNames.has(name);
}

/** The PPME codes `evt.type = name` can match, for each name. */
export function eventCodesForNames(names: Iterable<string>): number[] {
  const out = new Set<number>();
  for (const n of names) {
    const codes = codesByName.get(n);
    if (codes) for (const c of codes) out.add(c);
    else if (syscallNames.has(n) || n === 'syscall') for (const c of GENERIC) out.add(c);
    if (asyncEventNames.has(n)) out.add(PPME.ASYNCEVENT_E);
  }
  return [...out].sort((a, b) => a - b);
}

/** A set over a universe of `size` members, as a byte per member. */
type Bits = Uint8Array;

interface Universe {
  readonly size: number;
  /** Members `evt.type` equal to one of `names` can be. */
  of(names: readonly string[]): Bits;
}

const all = (u: Universe): Bits => new Uint8Array(u.size).fill(1);
const none = (u: Universe): Bits => new Uint8Array(u.size);
const complement = (b: Bits): Bits => b.map((x) => x ^ 1);

const EVENTS: Universe = {
  size: PPM_EVENT_MAX,
  of(names) {
    const b = new Uint8Array(PPM_EVENT_MAX);
    for (const c of eventCodesForNames(names)) b[c] = 1;
    return b;
  },
};

const isGenericSyscall = (row: (typeof SYSCALLS_X86_64)[number]) => row[3] === 0 && row[4] === 0;

/** x86_64 syscalls (indexes into SYSCALLS_X86_64) whose events can have a given `evt.type`. */
const SYSCALLS: Universe = {
  size: SYSCALLS_X86_64.length,
  of(names) {
    const b = new Uint8Array(SYSCALLS_X86_64.length);
    const wanted = new Set(names);
    SYSCALLS_X86_64.forEach((row, i) => {
      const hit = isGenericSyscall(row)
        ? wanted.has(row[1]) || wanted.has('syscall')
        : wanted.has(EVENT_ROWS[row[3]]?.[0]) || wanted.has(EVENT_ROWS[row[4]]?.[0]);
      if (hit) b[i] = 1;
    });
    return b;
  },
};

const TYPE_OPS = new Set(['=', '==', '!=', 'in', 'intersects']);

/** `evt.num OP N` decided from evt.num ≥ 1: true/false, or undefined when it depends on the event. */
function evtNumInvariant(e: Extract<Expr, { kind: 'binary' }>): boolean | undefined {
  if (e.left.kind !== 'field' || e.left.name !== 'evt.num' || e.left.arg !== undefined) return undefined;
  const num = (t: string) => {
    const v = parseInteger(t, 'uint64');
    return v === undefined ? undefined : BigInt(v);
  };
  if (e.op === 'in') {
    if (e.right.kind !== 'list') return undefined;
    return e.right.items.every((i) => num(i.value) === 0n) ? false : undefined;
  }
  if (e.right.kind !== 'value') return undefined;
  const n = num(e.right.value);
  if (n === undefined) return undefined;
  switch (e.op) {
    case '=':
    case '==':
      return n === 0n ? false : undefined;
    case '!=':
      return n === 0n ? true : undefined;
    case '<':
      return n <= 1n ? false : undefined;
    case '<=':
      return n === 0n ? false : undefined;
    case '>':
      return n === 0n ? true : undefined;
    case '>=':
      return n <= 1n ? true : undefined;
    default:
      return undefined;
  }
}

function isTypeField(o: { kind: string; name?: string; arg?: string }): boolean {
  return o.kind === 'field' && (o.name === 'evt.type' || o.name === 'syscall.type') && o.arg === undefined;
}

/** The members an expression can match; `negated` when under an odd number of `not`s. */
function visit(e: Expr, negated: boolean, u: Universe): Bits {
  switch (e.kind) {
    case 'and':
    case 'or': {
      // Under a negation, and/or swap (De Morgan).
      const intersect = (e.kind === 'and') !== negated;
      let acc = intersect ? all(u) : none(u);
      for (const c of e.children) {
        const b = visit(c, negated, u);
        acc = acc.map((x, i) => (intersect ? x & b[i] : x | b[i]));
      }
      return acc;
    }
    case 'not':
      return visit(e.child, !negated, u);
    case 'identifier':
      return all(u);
    case 'unary':
      // `evt.type exists` is always true; negated, never.
      return isTypeField(e.left) && negated ? none(u) : all(u);
    case 'binary': {
      const known = evtNumInvariant(e);
      if (known !== undefined) return known !== negated ? all(u) : none(u);
      // libsinsp does not narrow modified checks either (`evt.type == oneof (a, b)` may match any type).
      if (!isTypeField(e.left) || !TYPE_OPS.has(e.op) || e.modifier || e.right.kind === 'transformer') return all(u);
      const names = e.right.kind === 'list' ? e.right.items.map((i) => i.value) : [e.right.value];
      let set = u.of(names);
      if (e.op === '!=') set = complement(set);
      return negated ? complement(set) : set;
    }
  }
}

function members(b: Bits): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) if (b[i]) out.push(i);
  return out;
}

/** The PPME codes (sorted) a filter can match. */
export function eventTypesOf(ast: Expr): number[] {
  return members(visit(ast, false, EVENTS));
}

/** The x86_64 syscall names (sorted by number) whose events a filter can match. */
export function syscallsOf(ast: Expr): string[] {
  return members(visit(ast, false, SYSCALLS)).map((i) => SYSCALLS_X86_64[i][1]);
}

/**
 * The x86_64 syscalls that produce any of the given event codes: those whose
 * enter or exit event is in the set, and every syscall without events of its
 * own when a generic event code (0, 1) is.
 */
export function syscallsForEventTypes(codes: Iterable<number>): string[] {
  const set = new Set(codes);
  const generic = set.has(0) || set.has(1);
  return SYSCALLS_X86_64.filter((row) => (isGenericSyscall(row) ? generic : set.has(row[3]) || set.has(row[4]))).map((row) => row[1]);
}
