/**
 * The reference interpreter: walks the checked tree for every event,
 * extracting each field where it is used (no per-event cache) and comparing
 * through one generic switch. It is the baseline the compiled filters are
 * measured against, and the oracle they are tested against.
 */
import type { CheckedExpr, CheckedOperand } from './checker.js';
import { compareDynamic, compareGeneric, patternsOf } from './compare.js';
import { modifierHolds } from './modifiers.js';
import { applyMulti, listValue } from './multivalue.js';
import { applyTransformer } from './transformers.js';

/** An operand's value for an event, or undefined when it has none. */
export function extractOperand(o: CheckedOperand, evt: unknown, ctx: unknown): unknown {
  switch (o.k) {
    case 'field': {
      const v = o.def.extract(evt, ctx);
      if (v === null || v === undefined) return undefined;
      if ((o.isList || o.anyOf) && (v as unknown[]).length === 0) return undefined;
      return v;
    }
    case 'transform': {
      const x = extractOperand(o.input, evt, ctx);
      if (x === undefined) return undefined;
      const r = applyTransformer(o.transformer, x, o.input.isList);
      return r === null ? undefined : r;
    }
    case 'literal':
      return o.value;
    case 'list':
    case 'multi': {
      // Any part without a value leaves the whole without one.
      const parts: unknown[] = [];
      for (const p of o.k === 'list' ? o.items : o.args) {
        const v = extractOperand(p, evt, ctx);
        if (v === undefined) return undefined;
        parts.push(v);
      }
      return o.k === 'list' ? listValue(parts) : applyMulti(o.transformer, parts, o.select);
    }
  }
}

export type Predicate = (evt: unknown, ctx?: unknown) => boolean;

/** Builds the interpreter for a checked filter. */
export function createInterpreter(root: CheckedExpr): Predicate {
  const patterns = new Map<CheckedExpr, unknown[]>();
  const evaluate = (e: CheckedExpr, evt: unknown, ctx: unknown): boolean => {
    switch (e.k) {
      case 'and':
        for (const c of e.children) if (!evaluate(c, evt, ctx)) return false;
        return true;
      case 'or':
        for (const c of e.children) if (evaluate(c, evt, ctx)) return true;
        return false;
      case 'not':
        return !evaluate(e.child, evt, ctx);
      case 'exists':
        return extractOperand(e.lhs, evt, ctx) !== undefined;
      case 'cmp': {
        const v = extractOperand(e.lhs, evt, ctx);
        if (v === undefined || e.values.length === 0) return false;
        if (e.lhs.k === 'field' && e.lhs.def.compareWith) return e.lhs.def.compareWith(e.op, e.values)(v);
        const { op, modifier, kind, values } = e;
        let p = patterns.get(e);
        // With a modifier, each value is a comparison of its own: patterns per value.
        if (!p) patterns.set(e, (p = modifier ? values.map((c) => patternsOf(op, [c])) : patternsOf(op, values)));
        const one = modifier
          ? (x: unknown) => modifierHolds(modifier, values.length, (i) => compareGeneric(op, kind, [values[i]], p![i] as unknown[], x))
          : (x: unknown) => compareGeneric(op, kind, values, p!, x);
        if (e.lhs.isList) return e.op === 'in' ? (v as unknown[]).every(one) : (v as unknown[]).some(one);
        if (e.lhs.anyOf) return e.op === '!=' && e.lhs.k === 'field' && e.lhs.neEvery ? (v as unknown[]).every(one) : (v as unknown[]).some(one);
        return one(v);
      }
      case 'cmpField': {
        const v = extractOperand(e.lhs, evt, ctx);
        if (v === undefined) return false;
        const r = extractOperand(e.rhs, evt, ctx);
        if (r === undefined) return false;
        return compareDynamic(e.op, e.kind, e.lhs.isList, e.lhs.anyOf, v, r, e.lhs.k === 'field' && e.lhs.neEvery === true);
      }
    }
  };
  return (evt, ctx) => evaluate(root, evt, ctx);
}
