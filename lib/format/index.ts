/** `scap-ts/format`: sysdig-compatible text output. */
export { EventSummary } from './summary.js';
export { stdSort, type Less } from './stdsort.js';
