/**
 * `Event`: a view over one event's bytes in a batch buffer. The header is read
 * on demand through a DataView; parameters are decoded only when asked for.
 */
import { EventDecodeError } from '../errors.js';
import { decodeParam, readI64AsNumber } from './decode.js';
import { paramsDecoder } from './params-decoder.js';
import { renderValue, type RenderedParam } from './render.js';
import { PPME, type EventParamsByCode } from './schema.generated.js';
import type { EventStateSlot, FdView, ThreadView, UserView } from './state.js';
import { eventInfo, isLargePayload, syscallName, type EventInfo } from './table.js';

/** Size of the current event header: ts u64, tid u64, len u32, type u16, nparams u32. */
export const EVENT_HEADER_SIZE = 26;
/** Size of the header of old captures (no nparams). */
export const EVENT_HEADER_V1_SIZE = 22;

export type EventCode = keyof EventParamsByCode & number;
type ParamsOf<C extends EventCode> = EventParamsByCode[C];

/**
 * Recovers nparams of a 22-byte-header event: the largest count not above the
 * schema's for which header + lengths + payload add up to `len` exactly.
 * Returns -1 when no count fits.
 */
export function recoverNparams(view: DataView, offset: number, len: number, type: number): number {
  const info = eventInfo(type);
  const lenSize = isLargePayload(type) ? 4 : 2;
  // Old writers stored these two events 3 bytes too long.
  if (type === PPME.NOTIFICATION_E || type === PPME.INFRASTRUCTURE_EVENT_E) len -= 3;
  for (let n = info ? info.params.length : 0; n >= 0; n--) {
    let total = EVENT_HEADER_V1_SIZE + lenSize * n;
    if (total > len) continue;
    for (let i = 0; i < n; i++) {
      total += lenSize === 2 ? view.getUint16(offset + EVENT_HEADER_V1_SIZE + 2 * i, true) : view.getUint32(offset + EVENT_HEADER_V1_SIZE + 4 * i, true);
    }
    if (total === len) return n;
  }
  return -1;
}

export class Event {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Offset of the event's first header byte in `bytes`. */
  readonly offset: number;
  /** CPU (ring) the event came from. */
  readonly cpu: number;
  /** `.scap` dump flags (1 = kept for state only). */
  readonly dumpFlags: number;
  /** 26, or 22 for events of old captures. */
  readonly headerSize: number;
  // A plain array: allocating one is much cheaper than a Uint32Array for a few entries.
  #paramOffsets: number[] | undefined;
  #nparams = -1;
  /** Set by an Inspector that processed the event: thread, fd, user and fields. */
  state: EventStateSlot | undefined = undefined;

  constructor(bytes: Uint8Array, view: DataView, offset: number, cpu = 0, dumpFlags = 0, headerSize = EVENT_HEADER_SIZE) {
    this.bytes = bytes;
    this.view = view;
    this.offset = offset;
    this.cpu = cpu;
    this.dumpFlags = dumpFlags;
    this.headerSize = headerSize;
  }

  /** Nanoseconds since the epoch. */
  get ts(): bigint {
    return this.view.getBigUint64(this.offset, true);
  }
  /** Thread id as a number (every real tid fits); see `rawTid` for the full 64 bits. */
  get tid(): number {
    return readI64AsNumber(this.view, this.offset + 8);
  }
  get rawTid(): bigint {
    return this.view.getBigInt64(this.offset + 8, true);
  }
  /** Whole event length including the header, as stored. */
  get len(): number {
    return this.view.getUint32(this.offset + 16, true);
  }
  get type(): number {
    return this.view.getUint16(this.offset + 20, true);
  }
  get nparams(): number {
    if (this.#nparams < 0) {
      this.#nparams =
        this.headerSize === EVENT_HEADER_SIZE
          ? this.view.getUint32(this.offset + 22, true)
          : recoverNparams(this.view, this.offset, this.len, this.type);
      if (this.#nparams < 0) throw new EventDecodeError('NPARAMS_UNRECOVERABLE', `event type ${this.type}: no parameter count fits its length ${this.len}`, this.type);
    }
    return this.#nparams;
  }
  /** Table entry, or undefined for event codes from a newer schema. */
  get info(): EventInfo | undefined {
    return eventInfo(this.type);
  }
  /** The event type's name; for generic events, the syscall's name (as sysdig's `evt.type`). */
  get name(): string {
    if (this.type <= PPME.GENERIC_X) {
      const sc = this.param(0);
      const n = typeof sc === 'number' ? syscallName(sc) : undefined;
      if (n) return n;
    }
    return this.info?.name ?? 'unknown';
  }
  /** `>` for enter events (even codes), `<` for exit events. */
  get direction(): '>' | '<' {
    return (this.type & 1) === 0 ? '>' : '<';
  }
  /** True when the type is `code`; narrows `param()` to that event's parameters. */
  is<C extends EventCode>(code: C): this is TypedEvent<C> {
    return this.type === code;
  }

  #offsets(): number[] {
    if (this.#paramOffsets) return this.#paramOffsets;
    const n = this.nparams;
    const lenSize = isLargePayload(this.type) ? 4 : 2;
    const out: number[] = [];
    const base = this.offset + this.headerSize;
    let p = base + lenSize * n;
    const end = this.offset + this.len;
    const v = this.view;
    if (lenSize === 2) {
      for (let i = 0; i < n; i++) {
        out.push(p);
        p += v.getUint16(base + 2 * i, true);
      }
    } else {
      for (let i = 0; i < n; i++) {
        out.push(p);
        p += v.getUint32(base + 4 * i, true);
      }
    }
    out.push(p);
    if (p > end) {
      throw new EventDecodeError('PARAMS_PAST_END', `event type ${this.type}: parameters end at ${p - this.offset}, past the event length ${this.len}`, this.type);
    }
    this.#paramOffsets = out;
    return out;
  }

  /** Length in bytes of parameter `i` (0 = empty). */
  paramLength(i: number): number {
    const o = this.#offsets();
    return o[i + 1] - o[i];
  }

  /** Offset in `bytes` (and `view`) where parameter `i` starts. */
  paramOffset(i: number): number {
    return this.#offsets()[i];
  }

  /** Raw bytes of parameter `i` (a view into the batch, not a copy). */
  raw(i: number): Uint8Array {
    const o = this.#offsets();
    if (i < 0 || i >= o.length - 1) throw new RangeError(`param ${i} of ${o.length - 1}`);
    return this.bytes.subarray(o[i], o[i + 1]);
  }

  #index(key: string | number): number {
    if (typeof key === 'number') return key;
    const i = this.info?.paramIndex.get(key);
    return i === undefined ? -1 : i;
  }

  /**
   * Decoded value of a parameter by name or index; null when the event does not
   * carry it (older producer) or the producer left it empty. Events of unknown
   * types have only raw params.
   */
  param(key: string | number): unknown {
    const i = this.#index(key);
    if (i < 0 || i >= this.nparams) return null;
    const o = this.#offsets();
    const info = this.info;
    const p = info?.params[i];
    if (!p) return this.bytes.subarray(o[i], o[i + 1]);
    return decodeParam(this.bytes, this.view, o[i], o[i + 1] - o[i], p.type, p.info, this.type, i);
  }

  /** Every parameter the event carries, decoded, by name. */
  params(): Record<string, unknown> {
    const n = this.nparams;
    const decode = paramsDecoder(this.type, n);
    if (decode !== undefined) return decode(this.bytes, this.view, this.offset, this.offset + this.headerSize, this.len);
    const defs = this.info?.params;
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) out[defs?.[i]?.name ?? `param${i}`] = this.param(i);
    return out;
  }

  /** Parameter `i` rendered as sysdig prints it (without state). */
  render(i: number): RenderedParam {
    const p = this.info?.params[i];
    if (!p) return { value: '', resolved: '' };
    return renderValue(p, this.param(i));
  }

  /** `evt.args` as sysdig prints it without state: `name=value(resolved) ...`. */
  args(): string {
    const info = this.info;
    // Generic events carry only the syscall id, which sysdig shows as the event name instead.
    if (!info || this.type <= PPME.GENERIC_X) return '';
    const n = Math.min(this.nparams, info.params.length);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.render(i);
      parts.push(`${info.params[i].name}=${r.value}${r.resolved ? `(${r.resolved})` : ''}`);
    }
    return parts.join(' ');
  }

  /** The thread that generated the event (needs an Inspector; undefined otherwise or when unknown). */
  get thread(): ThreadView | undefined {
    return this.state?.thread;
  }
  /** The file descriptor the event uses or creates, when there is one (needs an Inspector). */
  get fd(): FdView | undefined {
    return this.state?.fd;
  }
  /** The user of the thread (needs an Inspector). */
  get user(): UserView | undefined {
    return this.state?.user;
  }
  /**
   * A field by name, as sysdig/Falco name them (`proc.name`, `fd.name`,
   * `evt.arg.fd`...): null when it does not apply to this event. Needs the
   * event to have gone through an Inspector (every Capture does that).
   */
  field(name: string): unknown {
    if (!this.state) throw new TypeError(`field('${name}') needs the event to go through an Inspector (scap-ts/state)`);
    return this.state.field(name);
  }

  /** The event's bytes with a current (26-byte) header: a copy, usable after the batch is gone. */
  toBytes(): Uint8Array {
    if (this.headerSize === EVENT_HEADER_SIZE) return this.bytes.slice(this.offset, this.offset + this.len);
    return widenV1Event(this.bytes, this.offset, this.len, this.nparams);
  }
}

/** Converts a 22-byte-header event into the current layout (len grows by 4, nparams filled in). */
export function widenV1Event(bytes: Uint8Array, offset: number, len: number, nparams: number): Uint8Array {
  const type = bytes[offset + 20] | (bytes[offset + 21] << 8);
  if (type === PPME.NOTIFICATION_E || type === PPME.INFRASTRUCTURE_EVENT_E) len -= 3;
  const out = new Uint8Array(len + 4);
  out.set(bytes.subarray(offset, offset + EVENT_HEADER_V1_SIZE), 0);
  out.set(bytes.subarray(offset + EVENT_HEADER_V1_SIZE, offset + len), EVENT_HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setUint32(16, len + 4, true);
  v.setUint32(22, nparams, true);
  return out;
}

/** An event narrowed to one type: `param(name)` knows that type's parameter names and value types. */
export interface TypedEvent<C extends EventCode> extends Event {
  readonly type: C;
  param<K extends keyof ParamsOf<C> & string>(key: K): ParamsOf<C>[K] | null;
  param(key: string | number): unknown;
}
