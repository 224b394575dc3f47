/**
 * The protobuf reader and writer the CRI client uses: round trips of every
 * kind of field, unknown fields skipped, and malformed bytes refused with a
 * typed error (never a crash or a hang).
 */
import { describe, expect, it } from 'vitest';
import { ProtobufError } from '../../lib/errors.js';
import { ProtoMessage, ProtoWriter } from '../../lib/state/runtimes/protobuf.js';

function refusal(bytes: number[], read: (m: ProtoMessage) => unknown = () => undefined): ProtobufError {
  let error: unknown;
  try {
    read(new ProtoMessage(Uint8Array.from(bytes)));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ProtobufError);
  return error as ProtobufError;
}

describe('ProtoWriter and ProtoMessage', () => {
  it('round-trips varints, int64, bools, strings, bytes, messages, repeated messages and maps', () => {
    const inner = new ProtoWriter().string(1, 'web').varint(2, 3);
    const bytes = new ProtoWriter()
      .varint(1, 0)
      .varint(2, 300)
      .varint(3, 2n ** 64n - 1n)
      .varint(4, -1)
      .varint(5, 1_715_678_467_123_456_789n)
      .bool(6, true)
      .bool(7, false)
      .string(8, 'nginx:1.25 — ünïcode ✓')
      .bytes(9, Uint8Array.from([0, 255, 7]))
      .message(10, inner)
      .message(11, new ProtoWriter().string(1, 'a'))
      .message(11, new ProtoWriter().string(1, 'b'))
      .message(12, new ProtoWriter().string(1, 'app').string(2, 'web'))
      .message(12, new ProtoWriter().string(1, 'tier').string(2, 'front'))
      .finish();
    const m = new ProtoMessage(bytes);
    expect(m.uint64(1)).toBe(0n);
    expect(m.uint64(2)).toBe(300n);
    expect(m.uint64(3)).toBe(2n ** 64n - 1n);
    expect(m.int64(4)).toBe(-1n);
    expect(m.int64(5)).toBe(1_715_678_467_123_456_789n);
    expect([m.bool(6), m.bool(7)]).toEqual([true, false]);
    expect(m.string(8)).toBe('nginx:1.25 — ünïcode ✓');
    expect([...m.bytes(9)]).toEqual([0, 255, 7]);
    expect(m.message(10)?.string(1)).toBe('web');
    expect(m.message(10)?.uint64(2)).toBe(3n);
    expect(m.messages(11).map((x) => x.string(1))).toEqual(['a', 'b']);
    expect(m.stringMap(12)).toEqual({ app: 'web', tier: 'front' });
  });

  it('negative varints take 10 bytes; field numbers up to 2^29 - 1', () => {
    expect(new ProtoWriter().varint(1, -1).finish()).toHaveLength(11);
    const big = new ProtoMessage(new ProtoWriter().string(0x1fffffff, 'last').finish());
    expect(big.string(0x1fffffff)).toBe('last');
  });

  it('absent fields read as their defaults', () => {
    const m = new ProtoMessage(new Uint8Array(0));
    expect([m.uint64(1), m.int64(1), m.bool(1), m.string(1), m.bytes(1).length, m.message(1), m.messages(1), m.stringMap(1)])
      .toEqual([0n, 0n, false, '', 0, undefined, [], {}]);
  });

  it('skips fields it is not asked for, of every wire type; a scalar given twice is its last value', () => {
    const bytes = Uint8Array.from([
      0x08, 0x96, 0x01, // field 1 varint 150
      0x11, 1, 2, 3, 4, 5, 6, 7, 8, // field 2 fixed64
      0x1d, 1, 2, 3, 4, // field 3 fixed32
      0x22, 0x02, 0x68, 0x69, // field 4 "hi"
      0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01, // field 2^29-1 varint 1
      0x08, 0x07, // field 1 again: 7
    ]);
    const m = new ProtoMessage(bytes);
    expect(m.string(4)).toBe('hi');
    expect(m.uint64(1)).toBe(7n);
  });

  it('a map entry without a key or a value has an empty one', () => {
    const m = new ProtoMessage(new ProtoWriter().message(1, new ProtoWriter().string(2, 'v')).message(1, new ProtoWriter().string(1, 'k')).finish());
    expect(m.stringMap(1)).toEqual({ '': 'v', k: '' });
  });
});

describe('ProtoMessage refuses malformed bytes with a ProtobufError', () => {
  it.each([
    ['a truncated tag', [0x80], 'PROTOBUF_TRUNCATED', 0],
    ['a truncated varint', [0x08, 0x96], 'PROTOBUF_TRUNCATED', 1],
    ['a length past the end', [0x0a, 0x05, 0x61, 0x62], 'PROTOBUF_TRUNCATED', 0],
    ['a truncated length', [0x0a], 'PROTOBUF_TRUNCATED', 1],
    ['a huge length', [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], 'PROTOBUF_TRUNCATED', 0],
    ['a truncated fixed64', [0x09, 1, 2, 3], 'PROTOBUF_TRUNCATED', 0],
    ['a truncated fixed32', [0x0d, 1], 'PROTOBUF_TRUNCATED', 0],
    ['a varint of 11 bytes', [0x08, ...Array(10).fill(0x80), 0x01], 'PROTOBUF_VARINT', 1],
    ['a varint over 64 bits', [0x08, ...Array(9).fill(0xff), 0x02], 'PROTOBUF_VARINT', 1],
    ['field number 0', [0x00, 0x01], 'PROTOBUF_FIELD', 0],
    ['a field number over 2^29 - 1', [0x80, 0x80, 0x80, 0x80, 0x10, 0x00], 'PROTOBUF_FIELD', 0],
    ['a group', [0x0b, 0x0c], 'PROTOBUF_WIRE_TYPE', 0],
    ['wire type 7', [0x0f], 'PROTOBUF_WIRE_TYPE', 0],
  ])('%s', (_what, bytes, code, offset) => {
    const e = refusal(bytes);
    expect(e.code).toBe(code);
    expect(e.offset).toBe(offset);
  });

  it('a field read with another wire type than it has', () => {
    expect(refusal([0x08, 0x01], (m) => m.string(1)).code).toBe('PROTOBUF_WIRE_TYPE');
    expect(refusal([0x0a, 0x00], (m) => m.uint64(1)).code).toBe('PROTOBUF_WIRE_TYPE');
    expect(refusal([0x0a, 0x00, 0x08, 0x01], (m) => m.messages(1)).code).toBe('PROTOBUF_WIRE_TYPE');
  });

  it('errors in a sub-message tell the offset in the whole message', () => {
    // Field 1 at 0, its message at 2: a string field whose length runs past the sub-message.
    const e = refusal([0x0a, 0x03, 0x12, 0x05, 0x61, 0x10, 0x01], (m) => m.message(1));
    expect(e.code).toBe('PROTOBUF_TRUNCATED');
    expect(e.offset).toBe(2);
  });

  it('random bytes end in a value or a ProtobufError, nothing else', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) & 0xff;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 40) }, rand);
      try {
        const m = new ProtoMessage(bytes);
        m.string(1);
        m.messages(2).forEach((x) => x.stringMap(1));
        m.int64(3);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtobufError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
