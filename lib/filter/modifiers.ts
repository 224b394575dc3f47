/**
 * Operator modifiers (libsinsp 0.25+): `v OP oneof|anyof|allof (r1, r2, …)`
 * compares v with each r and holds when exactly one / at least one / every
 * comparison holds. A repeated element counts each time (`== oneof (a, a)`
 * is false for a), and an empty list never holds.
 */
import type { Modifier } from './ast.js';
import type { CmpOp } from './checker.js';
import { scalarTest, type Test } from './compare.js';
import type { Constant, Kind } from './values.js';

/** Whether `n` comparisons, `holdsAt(i)` each, satisfy the modifier. */
export function modifierHolds(modifier: Modifier, n: number, holdsAt: (i: number) => boolean): boolean {
  if (n === 0) return false;
  switch (modifier) {
    case 'anyof':
      for (let i = 0; i < n; i++) if (holdsAt(i)) return true;
      return false;
    case 'allof':
      for (let i = 0; i < n; i++) if (!holdsAt(i)) return false;
      return true;
    case 'oneof': {
      let found = false;
      for (let i = 0; i < n; i++) {
        if (!holdsAt(i)) continue;
        if (found) return false;
        found = true;
      }
      return found;
    }
  }
}

/** The test of one present scalar value against a modified comparison, built once per check. */
export function modifiedTest(op: CmpOp, modifier: Modifier, kind: Kind, values: readonly Constant[]): Test {
  if (values.length === 0) return () => false;
  // `== anyof` is `in` and `!= allof` is its negation: one set lookup instead of a scan.
  if (modifier === 'anyof' && op === '=') return scalarTest('in', kind, values);
  if (modifier === 'allof' && op === '!=') {
    const inSet = scalarTest('in', kind, values);
    return (v) => !inSet(v);
  }
  const tests = values.map((c) => scalarTest(op, kind, [c]));
  return (v) => modifierHolds(modifier, tests.length, (i) => tests[i](v));
}
