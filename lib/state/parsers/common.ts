/** Helpers shared by the parsers. */
import type { Event } from '../../events/event.js';
import { readCString } from '../../events/decode.js';
import type { EventContext } from '../context.js';
import type { Inspector } from '../inspector.js';
import { int, rawParam } from '../inspector.js';

export type Parser = (c: EventContext, insp: Inspector) => void;

export { int, rawParam };

/** A CHARBUF/FSPATH parameter as text ('' when absent). */
export function str(evt: Event, i: number): string {
  if (i >= evt.nparams) return '';
  const o = evt.paramOffset(i);
  return readCString(evt.bytes, o, o + evt.paramLength(i));
}

/** Index of a parameter by its current-table name, or -1. */
export function indexOf(evt: Event, name: string): number {
  const i = evt.info?.paramIndex.get(name);
  return i === undefined || i >= evt.nparams ? -1 : i;
}

/**
 * Where to read an argument the enter event carried: the stored enter event
 * (older generations), else the exit event itself when it carries the same
 * parameter (current generation, exit-only events).
 */
export function argSource(c: EventContext, insp: Inspector, name: string): { evt: Event; i: number } | undefined {
  const enter = insp.retrieveEnter(c);
  if (enter) {
    const i = indexOf(enter, name);
    if (i >= 0) return { evt: enter, i };
    return undefined;
  }
  const i = indexOf(c.evt, name);
  return i >= 0 ? { evt: c.evt, i } : undefined;
}

export function u16le(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8);
}
