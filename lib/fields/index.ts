/**
 * `scap-ts/fields`: sysdig/Falco fields over the Inspector's state. The
 * registry is a filter `FieldSource` (`fields.lookup(name, arg)`) and the
 * base of the output formatters.
 */
import { Inspector } from '../state/inspector.js';
import { EVT_FIELDS } from './evt.js';
import { FD_FIELDS } from './fd.js';
import { PROC_FIELDS } from './proc.js';
import { FieldRegistry } from './registry.js';
import { USER_FIELDS } from './user.js';

export { FieldRegistry, valueJson, valueText, type FieldDef, type FieldSpec, type FieldType, type JsonValue, type PrintFormat, type Extractor } from './registry.js';
export { renderParam, renderArgs, renderInfo, renderFd, bufferString, flagsString, BUF, ANY_JSON, DEFAULT_RENDER, type RenderOptions, type Rendered } from './params.js';
export { tsToString, timeSettings, setTimeZoneOffset, type TimeMode } from './evt.js';

/** Every field scap-ts knows. */
export const fields = new FieldRegistry([...EVT_FIELDS, ...PROC_FIELDS, ...USER_FIELDS, ...FD_FIELDS]);

/** Resolves `evt.field(name)` for events an Inspector processed. */
Inspector.defaultFieldResolver = (name, evt, ctx) => fields.get(name).extract(evt, ctx);
