/** `scap-ts/format`: sysdig-compatible text output. */
export { EventSummary } from './summary.js';
export { stdSort, type Less } from './stdsort.js';
export { EventFormatter, FormatError, unescapeFormat, jsonBufferFormat, type FormatterOptions } from './printf.js';
export { DEFAULT_FORMAT, CONTAINER_FORMAT, PLUGIN_FORMAT, defaultLineFormatter, formatLine, isPrintable } from './line.js';
export { jsonText, jsonString } from './json.js';
