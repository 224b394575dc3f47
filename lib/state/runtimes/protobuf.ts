/**
 * A small protobuf reader and writer (the proto3 wire format), enough for the
 * CRI messages the CRI client exchanges: no schema compiler and no
 * dependency for a handful of fields. A message's bytes are split into
 * fields once; its sub-messages are split only when asked for, so deep
 * nesting costs no recursion. Fields nobody asks for are skipped whatever
 * their wire type; bytes that are not protobuf throw a ProtobufError.
 */
import { ProtobufError } from '../../errors.js';

/** The wire types (protobuf's encoding guide); 3 and 4 are proto2's groups. */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** The largest field number protobuf allows (2^29 - 1). */
const MAX_FIELD = 0x1fffffff;

interface Field {
  wire: number;
  /** Where the field's tag starts, for errors. */
  at: number;
  /** A varint's value. */
  value: bigint;
  /** Where the payload of a LEN, I64 or I32 field starts and ends. */
  start: number;
  end: number;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** The varint at `pos` and the position after it. `base` places `buf` in the whole answer, for errors. */
function readVarint(buf: Uint8Array, pos: number, base: number): [bigint, number] {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) throw new ProtobufError('PROTOBUF_TRUNCATED', 'a varint runs past the end', base + pos);
    const b = buf[pos + i];
    // The 10th byte holds bit 63 only.
    if (i === 9 && b > 1) throw new ProtobufError('PROTOBUF_VARINT', 'a varint over 64 bits', base + pos);
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return [value, pos + i + 1];
  }
  throw new ProtobufError('PROTOBUF_VARINT', 'a varint over 10 bytes', base + pos);
}

/** One message's fields, read on demand; a field given more than once is its last value, as protobuf merges scalars. */
export class ProtoMessage {
  readonly #buf: Uint8Array;
  readonly #base: number;
  readonly #fields = new Map<number, Field[]>();

  /** `base`: where `buf` starts in the outermost message, so that errors tell the offset there. */
  constructor(buf: Uint8Array, base = 0) {
    this.#buf = buf;
    this.#base = base;
    let pos = 0;
    while (pos < buf.length) {
      const at = pos;
      const [tag, afterTag] = readVarint(buf, pos, base);
      const number = Number(tag >> 3n);
      const wire = Number(tag & 7n);
      if (number === 0 || number > MAX_FIELD) throw new ProtobufError('PROTOBUF_FIELD', `field number ${tag >> 3n}`, base + at);
      const field: Field = { wire, at, value: 0n, start: afterTag, end: afterTag };
      switch (wire) {
        case WIRE.VARINT:
          [field.value, pos] = readVarint(buf, afterTag, base);
          field.end = pos;
          break;
        case WIRE.I64:
        case WIRE.I32:
          pos = afterTag + (wire === WIRE.I64 ? 8 : 4);
          if (pos > buf.length) throw new ProtobufError('PROTOBUF_TRUNCATED', `field ${number} runs past the end`, base + at);
          field.end = pos;
          break;
        case WIRE.LEN: {
          const [length, start] = readVarint(buf, afterTag, base);
          if (length > BigInt(buf.length - start)) throw new ProtobufError('PROTOBUF_TRUNCATED', `field ${number} is ${length} bytes, past the end`, base + at);
          field.start = start;
          pos = field.end = start + Number(length);
          break;
        }
        default:
          // Groups (proto2) have no place in the messages read here; 6 and 7 are no wire type.
          throw new ProtobufError('PROTOBUF_WIRE_TYPE', `field ${number} has wire type ${wire}`, base + at);
      }
      let list = this.#fields.get(number);
      if (!list) this.#fields.set(number, (list = []));
      list.push(field);
    }
  }

  /** The last occurrence of field `n`, which must have wire type `wire`. */
  #last(n: number, wire: number): Field | undefined {
    const list = this.#fields.get(n);
    const f = list?.[list.length - 1];
    if (f && f.wire !== wire) throw new ProtobufError('PROTOBUF_WIRE_TYPE', `field ${n} has wire type ${f.wire}, not ${wire}`, this.#base + f.at);
    return f;
  }

  #all(n: number, wire: number): Field[] {
    const list = this.#fields.get(n) ?? [];
    for (const f of list) if (f.wire !== wire) throw new ProtobufError('PROTOBUF_WIRE_TYPE', `field ${n} has wire type ${f.wire}, not ${wire}`, this.#base + f.at);
    return list;
  }

  /** A varint field as unsigned 64 bits (0 when absent). */
  uint64(n: number): bigint {
    return this.#last(n, WIRE.VARINT)?.value ?? 0n;
  }

  /** An int64 field (negative values are 10-byte varints). */
  int64(n: number): bigint {
    return BigInt.asIntN(64, this.uint64(n));
  }

  bool(n: number): boolean {
    return this.uint64(n) !== 0n;
  }

  bytes(n: number): Uint8Array {
    const f = this.#last(n, WIRE.LEN);
    return f ? this.#buf.subarray(f.start, f.end) : new Uint8Array(0);
  }

  /** A string field ('' when absent; bytes that are not UTF-8 become U+FFFD). */
  string(n: number): string {
    return utf8.decode(this.bytes(n));
  }

  /** A message field, undefined when absent. */
  message(n: number): ProtoMessage | undefined {
    const f = this.#last(n, WIRE.LEN);
    return f && new ProtoMessage(this.#buf.subarray(f.start, f.end), this.#base + f.start);
  }

  /** A repeated message field, in order. */
  messages(n: number): ProtoMessage[] {
    return this.#all(n, WIRE.LEN).map((f) => new ProtoMessage(this.#buf.subarray(f.start, f.end), this.#base + f.start));
  }

  /** A `map<string, string>` field: repeated entries of key 1 and value 2; a later key wins. */
  stringMap(n: number): Record<string, string> {
    const map: Record<string, string> = {};
    for (const entry of this.messages(n)) map[entry.string(1)] = entry.string(2);
    return map;
  }
}

/** Builds a message field by field, in the order written. */
export class ProtoWriter {
  readonly #parts: Uint8Array[] = [];

  #varint(v: bigint): void {
    const out: number[] = [];
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.#parts.push(Uint8Array.from(out));
  }

  #tag(n: number, wire: number): void {
    this.#varint((BigInt(n) << 3n) | BigInt(wire));
  }

  /** A varint field: int32, int64, uint32, uint64, an enum; negative values take 10 bytes, as protobuf writes them. */
  varint(n: number, v: number | bigint): this {
    this.#tag(n, WIRE.VARINT);
    this.#varint(BigInt(v));
    return this;
  }

  bool(n: number, v: boolean): this {
    return this.varint(n, v ? 1 : 0);
  }

  bytes(n: number, b: Uint8Array): this {
    this.#tag(n, WIRE.LEN);
    this.#varint(BigInt(b.length));
    this.#parts.push(b);
    return this;
  }

  string(n: number, s: string): this {
    return this.bytes(n, utf8Encoder.encode(s));
  }

  message(n: number, m: ProtoWriter): this {
    return this.bytes(n, m.finish());
  }

  finish(): Uint8Array {
    return Buffer.concat(this.#parts);
  }
}
