/**
 * `lib/filter`: Falco's filter language. Parse (`parseFilter`), compile
 * against a field source (`compileFilter`), and compute which event types and
 * syscalls a filter can match (`compileFilter(...).eventTypes` / `.syscalls`,
 * `eventTypesOf`, `syscallsForEventTypes`).
 */
export * from './ast.js';
export { FilterError, FilterSyntaxError, FilterCompileError, type FilterPosition } from './errors.js';
export { parseFilter, OPERATORS, TRANSFORMER_NAMES, type ParseOptions } from './parser.js';
export type { FieldDef, FieldSource, FieldType } from './fields.js';
export { checkFilter, operatorMismatch, type CheckedExpr, type CheckedOperand, type CmpOp, type FilterWarning } from './checker.js';
export { createInterpreter, type Predicate } from './interpreter.js';
export { compileClosures, compileCodegen, generateSource, type Strategy } from './compiler.js';
export { expandMacros, type Macros } from './macros.js';
export { eventTypesOf, syscallsOf, syscallsForEventTypes, eventCodesForNames, isEventTypeName } from './pushdown.js';
export { compileFilter, type CompiledFilter, type CompileOptions } from './filter.js';
export { tableFieldSource, type TableField, type TableFieldSourceOptions } from './table-source.js';
