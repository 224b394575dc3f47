/**
 * `lib/filter`: Falco's filter language. Parse (`parseFilter`), compile
 * against a field source (`compileFilter`), and compute which event types a
 * filter can match (`eventTypesOf`, `compileFilter(...).eventTypes`).
 */
export * from './ast.js';
export { FilterError, FilterSyntaxError, FilterCompileError, type FilterPosition } from './errors.js';
export { parseFilter, OPERATORS, TRANSFORMER_NAMES, type ParseOptions } from './parser.js';
