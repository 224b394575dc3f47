/**
 * `EventBatch`: many events in one buffer, in time order, as every source
 * (file, live rings, plugins) hands them over. Header fields can be read by
 * index without creating an `Event` object.
 */
import { readI64AsNumber } from './decode.js';
import { Event, EVENT_HEADER_SIZE } from './event.js';
import { paramsDecoder } from './params-decoder.js';

export class EventBatch implements Iterable<Event> {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Byte offset of each event's header in `bytes`. */
  readonly offsets: Uint32Array;
  /** CPU of each event. */
  readonly cpus: Uint16Array;
  /** `.scap` dump flags of each event (0 for live events). */
  readonly dumpFlags: Uint32Array;
  /** Header size (26, or 22 for old captures) of each event; undefined when all are 26. */
  readonly headerSizes: Uint8Array | undefined;
  readonly length: number;

  constructor(
    bytes: Uint8Array,
    offsets: Uint32Array,
    length: number,
    cpus: Uint16Array,
    dumpFlags: Uint32Array,
    headerSizes?: Uint8Array,
  ) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offsets = offsets;
    this.length = length;
    this.cpus = cpus;
    this.dumpFlags = dumpFlags;
    this.headerSizes = headerSizes;
  }

  /** The event at index `i` as a lazy view. */
  at(i: number): Event {
    if (i < 0 || i >= this.length) throw new RangeError(`event ${i} of ${this.length}`);
    return new Event(this.bytes, this.view, this.offsets[i], this.cpus[i], this.dumpFlags[i], this.headerSizes ? this.headerSizes[i] : EVENT_HEADER_SIZE);
  }
  /**
   * `at(i).params()` without the Event: every parameter of event `i`, decoded,
   * by name. For bulk decoding, where an Event per event is pure overhead.
   */
  params(i: number): Record<string, unknown> {
    if (i < 0 || i >= this.length) throw new RangeError(`event ${i} of ${this.length}`);
    if (this.headerSizes === undefined) {
      const o = this.offsets[i];
      const v = this.view;
      const decode = paramsDecoder(v.getUint16(o + 20, true), v.getUint32(o + 22, true));
      if (decode !== undefined) return decode(this.bytes, v, o, o + EVENT_HEADER_SIZE, v.getUint32(o + 16, true));
    }
    return this.at(i).params();
  }
  type(i: number): number {
    return this.view.getUint16(this.offsets[i] + 20, true);
  }
  ts(i: number): bigint {
    return this.view.getBigUint64(this.offsets[i], true);
  }
  tid(i: number): number {
    return readI64AsNumber(this.view, this.offsets[i] + 8);
  }
  len(i: number): number {
    return this.view.getUint32(this.offsets[i] + 16, true);
  }

  *[Symbol.iterator](): Iterator<Event> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /** Builds a batch from standalone event byte arrays (26-byte headers), e.g. from the encoder. */
  static fromEvents(events: readonly Uint8Array[], cpu = 0): EventBatch {
    let total = 0;
    for (const e of events) total += e.length;
    const bytes = new Uint8Array(total);
    const offsets = new Uint32Array(events.length);
    let p = 0;
    events.forEach((e, i) => {
      offsets[i] = p;
      bytes.set(e, p);
      p += e.length;
    });
    return new EventBatch(bytes, offsets, events.length, new Uint16Array(events.length).fill(cpu), new Uint32Array(events.length));
  }
}
