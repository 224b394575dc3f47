/** `scap-ts/events`: the event table, the `Event` view, batches, rendering and the encoder. */
export * from './schema.generated.js';
export type { EventStateSlot, ThreadView, FdView, UserView } from './state.js';
export { Event, EVENT_HEADER_SIZE, EVENT_HEADER_V1_SIZE, recoverNparams, widenV1Event, type EventCode, type TypedEvent } from './event.js';
export { EventBatch } from './batch.js';
export { decodeParam, readCString, splitCStrings, fixedSize } from './decode.js';
export { renderValue, flagNames, bytesToDots, type RenderedParam } from './render.js';
export { encodeEvent, encodeParam, assembleEvent, type EventSpec } from './encode.js';
export {
  EVENT_INFO,
  eventInfo,
  isLargePayload,
  isListedEvent,
  errnoName,
  signalName,
  syscallName,
  flagTable,
  type EventInfo,
  type ParamInfo,
} from './table.js';
export * from './values.js';
export { EventDecodeError } from '../errors.js';
