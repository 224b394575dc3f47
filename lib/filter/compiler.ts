/**
 * Compiles a checked filter to a predicate `(evt, ctx) => boolean`, two ways:
 *
 * - `codegen`: one JavaScript function generated with `new Function`, the
 *   whole boolean structure inlined (`&&`, `||`, `!`), string and number
 *   comparisons inlined as literals, each field used more than once extracted
 *   once per event into a local variable. Chosen by default (see bench/filter.mjs).
 * - `closure`: a tree of closures, one per node; per-event caching through an
 *   epoch counter. The fallback where code generation is not allowed (CSP).
 *
 * Both start by rejecting, from the event's type code alone, events of types
 * the filter cannot match (when the field source can tell the type).
 * Missing values follow libsinsp: a check on a field without a value is false,
 * whatever the operator; only `exists` looks at presence.
 */
import { operandInputs, type CheckedExpr, type CheckedOperand } from './checker.js';
import { compareDynamic, constantTest, shapeTest, type Test } from './compare.js';
import type { FieldSource } from './fields.js';
import type { Predicate } from './interpreter.js';
import { modifiedTest } from './modifiers.js';
import { applyMulti, listValue } from './multivalue.js';
import { applyTransformer } from './transformers.js';
import type { Constant } from './values.js';

export type Strategy = 'codegen' | 'closure';

export interface CompileTarget {
  readonly root: CheckedExpr;
  readonly fields: FieldSource;
  /** Sorted PPME codes the filter can match; used for the type pre-check. */
  readonly eventTypes: readonly number[];
  /** Number of event codes (the universe); no pre-check when every code is in the set. */
  readonly eventCodeCount: number;
}

/** How often each operand key is evaluated across the tree (nested inputs included). */
function countUses(root: CheckedExpr): Map<string, number> {
  const counts = new Map<string, number>();
  const operand = (o: CheckedOperand) => {
    if (o.k !== 'literal') counts.set(o.key, (counts.get(o.key) ?? 0) + 1);
    operandInputs(o).forEach(operand);
  };
  const walk = (e: CheckedExpr) => {
    switch (e.k) {
      case 'and':
      case 'or':
        e.children.forEach(walk);
        break;
      case 'not':
        walk(e.child);
        break;
      case 'exists':
      case 'cmp':
        operand(e.lhs);
        break;
      case 'cmpField':
        operand(e.lhs);
        operand(e.rhs);
        break;
    }
  };
  walk(root);
  return counts;
}

/** Whether `!=` on an any-of field needs every candidate to differ. */
function neEveryOf(o: CheckedOperand): boolean {
  return o.k === 'field' && o.neEvery === true;
}

/** The test of a present value for a check against constants: the field's own comparison (FieldDef.compareWith), a modified one, or the standard one. */
function valueTest(e: Extract<CheckedExpr, { k: 'cmp' }>): Test {
  const l = e.lhs;
  if (l.k === 'field' && l.def.compareWith) return l.def.compareWith(e.op, e.values) as Test;
  if (e.modifier) return shapeTest(modifiedTest(e.op, e.modifier, e.kind, e.values), e.op, l.isList, l.anyOf, neEveryOf(l));
  return constantTest(e.op, e.kind, e.values, l.isList, l.anyOf, neEveryOf(l));
}

/** List-shaped values: an empty array means no value. */
function normalizeList(v: unknown): unknown {
  return v === null || v === undefined || (v as unknown[]).length === 0 ? undefined : v;
}

type Parted = Extract<CheckedOperand, { k: 'list' | 'multi' }>;

/** A list's or a multi-value transformer's value from its parts' values; a part without one leaves it without one. */
function combiner(o: Parted): (...parts: unknown[]) => unknown {
  const make = o.k === 'list' ? listValue : (parts: unknown[]) => applyMulti(o.transformer, parts, o.select);
  return (...parts) => {
    for (const p of parts) if (p === null || p === undefined) return undefined;
    return make(parts);
  };
}

/** A Uint8Array membership table of the event codes, or undefined when no pre-check applies. */
function typeTable(t: CompileTarget): Uint8Array | undefined {
  if (!t.fields.eventTypeOf || t.eventTypes.length >= t.eventCodeCount) return undefined;
  const table = new Uint8Array(t.eventCodeCount);
  for (const c of t.eventTypes) table[c] = 1;
  return table;
}

// ---------------------------------------------------------------------------
// Closure tree

type Getter = (e: unknown, c: unknown) => unknown;

export function compileClosures(t: CompileTarget): Predicate {
  const counts = countUses(t.root);
  const getters = new Map<string, Getter>();
  const clock = { now: 0 };

  const getter = (o: CheckedOperand): Getter => {
    const known = getters.get(o.key);
    if (known) return known;
    let raw: Getter;
    switch (o.k) {
      case 'field': {
        const def = o.def;
        raw = o.isList || o.anyOf ? (e, c) => normalizeList(def.extract(e, c)) : (e, c) => def.extract(e, c);
        break;
      }
      case 'transform': {
        const inner = getter(o.input);
        const kind = o.transformer;
        const list = o.input.isList;
        raw = (e, c) => {
          const x = inner(e, c);
          return x === null || x === undefined ? undefined : applyTransformer(kind, x, list);
        };
        break;
      }
      case 'literal': {
        const v = o.value;
        raw = () => v;
        break;
      }
      default: {
        const parts = operandInputs(o).map(getter);
        const combine = combiner(o);
        raw = (e, c) => combine(...parts.map((p) => p(e, c)));
      }
    }
    let g = raw;
    if ((counts.get(o.key) ?? 0) > 1) {
      let at = -1;
      let value: unknown;
      g = (e, c) => {
        if (at === clock.now) return value;
        value = raw(e, c);
        at = clock.now;
        return value;
      };
    }
    getters.set(o.key, g);
    return g;
  };

  const node = (e: CheckedExpr): Predicate => {
    switch (e.k) {
      case 'and': {
        const cs = e.children.map(node);
        if (cs.length === 2) {
          const [a, b] = cs;
          return (x, c) => a(x, c) && b(x, c);
        }
        return (x, c) => {
          for (let i = 0; i < cs.length; i++) if (!cs[i](x, c)) return false;
          return true;
        };
      }
      case 'or': {
        const cs = e.children.map(node);
        if (cs.length === 2) {
          const [a, b] = cs;
          return (x, c) => a(x, c) || b(x, c);
        }
        return (x, c) => {
          for (let i = 0; i < cs.length; i++) if (cs[i](x, c)) return true;
          return false;
        };
      }
      case 'not': {
        const a = node(e.child);
        return (x, c) => !a(x, c);
      }
      case 'exists': {
        const g = getter(e.lhs);
        return (x, c) => g(x, c) != null;
      }
      case 'cmp': {
        const g = getter(e.lhs);
        const test = valueTest(e);
        return (x, c) => {
          const v = g(x, c);
          return v != null && test(v);
        };
      }
      case 'cmpField': {
        const gl = getter(e.lhs);
        const gr = getter(e.rhs);
        const { op, kind } = e;
        const { isList, anyOf } = e.lhs;
        const ne = neEveryOf(e.lhs);
        return (x, c) => {
          const v = gl(x, c);
          if (v == null) return false;
          const r = gr(x, c);
          return r != null && compareDynamic(op, kind, isList, anyOf, v, r, ne);
        };
      }
    }
  };

  const root = node(t.root);
  const table = typeTable(t);
  const fields = t.fields;
  if (table) {
    const n = table.length;
    return (x, c) => {
      const ty = fields.eventTypeOf!(x);
      if (ty < n && table[ty] === 0) return false;
      clock.now++;
      return root(x, c);
    };
  }
  return (x, c) => {
    clock.now++;
    return root(x, c);
  };
}

// ---------------------------------------------------------------------------
// Generated function

const SENTINEL = Object.freeze({ unset: true });

function isSafeLiteral(v: Constant): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

class Generator {
  readonly env: unknown[] = [];
  private readonly counts: Map<string, number>;
  /** Slot variable per cached operand key. */
  private readonly slots = new Map<string, string>();
  private temps = 0;

  constructor(root: CheckedExpr) {
    this.counts = countUses(root);
  }

  private readonly refs = new Map<unknown, string>();

  /** A name for a value of the environment (one per distinct value). */
  ref(x: unknown): string {
    let r = this.refs.get(x);
    if (!r) this.refs.set(x, (r = `$${this.env.push(x) - 1}`));
    return r;
  }

  temp(): string {
    return `t${this.temps++}`;
  }

  get slotNames(): string[] {
    return [...this.slots.values()];
  }

  get tempNames(): string[] {
    return Array.from({ length: this.temps }, (_, i) => `t${i}`);
  }

  /** An expression for an operand's value (null/undefined: none). */
  operand(o: CheckedOperand): string {
    let raw: string;
    switch (o.k) {
      case 'field': {
        const call = `${this.ref(o.def)}.extract(e, c)`;
        raw = o.isList || o.anyOf ? `${this.ref(normalizeList)}(${call})` : call;
        break;
      }
      case 'transform': {
        const u = this.temp();
        const kind = o.transformer;
        const list = o.input.isList;
        const f = this.ref((x: unknown) => applyTransformer(kind, x, list));
        raw = `((${u} = ${this.operand(o.input)}) == null ? undefined : ${f}(${u}))`;
        break;
      }
      case 'literal':
        return JSON.stringify(o.value);
      default:
        raw = `${this.ref(combiner(o))}(${operandInputs(o).map((p) => this.operand(p)).join(', ')})`;
    }
    if ((this.counts.get(o.key) ?? 0) <= 1) return raw;
    let s = this.slots.get(o.key);
    if (!s) this.slots.set(o.key, (s = `s${this.slots.size}`));
    return `(${s} !== U ? ${s} : (${s} = ${raw}))`;
  }

  /** An inline test of temp `t` when the comparison is simple enough, else a call. */
  private test(e: Extract<CheckedExpr, { k: 'cmp' }>, t: string): string {
    const { op, kind, values, lhs } = e;
    const scalar = !lhs.isList && !lhs.anyOf && !e.modifier && !(lhs.k === 'field' && lhs.def.compareWith);
    if (scalar && (kind === 'string' || kind === 'number') && values.every(isSafeLiteral)) {
      const lit = (v: string | number) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
      const c = values[0] as string | number;
      // Loose (in)equality for numbers: exact against bigint values too.
      const eq = kind === 'number' ? '==' : '===';
      const ne = kind === 'number' ? '!=' : '!==';
      switch (op) {
        case '=': return `${t} ${eq} ${lit(c)}`;
        case '!=': return `${t} ${ne} ${lit(c)}`;
        case '<':
        case '<=':
        case '>':
        case '>=': return `${t} ${op} ${lit(c)}`;
        case 'in':
        case 'intersects':
          if (values.length <= 4) return `(${values.map((v) => `${t} ${eq} ${lit(v as string | number)}`).join(' || ')})`;
          break;
      }
      if (kind === 'string') {
        switch (op) {
          case 'startswith': return `${t}.startsWith(${lit(c)})`;
          case 'endswith': return `${t}.endsWith(${lit(c)})`;
          case 'contains': return `${t}.includes(${lit(c)})`;
          case 'in':
          case 'intersects': return `${this.ref(new Set(values))}.has(${t})`;
        }
      }
    }
    return `${this.ref(valueTest(e))}(${t})`;
  }

  node(e: CheckedExpr): string {
    switch (e.k) {
      case 'and':
        return `(${e.children.map((c) => this.node(c)).join(' && ')})`;
      case 'or':
        return `(${e.children.map((c) => this.node(c)).join(' || ')})`;
      case 'not':
        return `!${this.node(e.child)}`;
      case 'exists':
        return `(${this.operand(e.lhs)} != null)`;
      case 'cmp': {
        if (e.values.length === 0) return 'false';
        const t = this.temp();
        return `((${t} = ${this.operand(e.lhs)}) != null && ${this.test(e, t)})`;
      }
      case 'cmpField': {
        const l = this.temp();
        const r = this.temp();
        const { op, kind } = e;
        const { isList, anyOf } = e.lhs;
        const ne = neEveryOf(e.lhs);
        const d = this.ref((v: unknown, w: unknown) => compareDynamic(op, kind, isList, anyOf, v, w, ne));
        return `((${l} = ${this.operand(e.lhs)}) != null && (${r} = ${this.operand(e.rhs)}) != null && ${d}(${l}, ${r}))`;
      }
    }
  }
}

/** The generated source, for inspection and tests. */
export function generateSource(t: CompileTarget): { source: string; env: unknown[] } {
  const g = new Generator(t.root);
  const body = g.node(t.root);
  const table = typeTable(t);
  const lines: string[] = [];
  if (table) {
    const tab = g.ref(table);
    const fs = g.ref(t.fields);
    lines.push(`const ty = ${fs}.eventTypeOf(e);`, `if (ty < ${table.length} && ${tab}[ty] === 0) return false;`);
  }
  const vars = [...g.slotNames.map((s) => `${s} = U`), ...g.tempNames];
  if (vars.length) lines.push(`let ${vars.join(', ')};`);
  lines.push(`return ${body};`);
  const prologue = g.env.map((_, i) => `const $${i} = env[${i}];`).join('\n');
  const source = `"use strict";\n${prologue}\nconst U = env[${g.env.length}];\nreturn function filter(e, c) {\n  ${lines.join('\n  ')}\n};`;
  return { source, env: [...g.env, SENTINEL] };
}

export function compileCodegen(t: CompileTarget): Predicate {
  const { source, env } = generateSource(t);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('env', source) as (env: unknown[]) => Predicate;
  return factory(env);
}
