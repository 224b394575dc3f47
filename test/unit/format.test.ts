/** Output formats (-p, -j), buffer rendering and field lookup, without sysdig. */
import { describe, expect, it } from 'vitest';
import { EventBatch, PPME, encodeEvent } from '../../lib/events/index.js';
import { BUF, bufferString, fields, flagsString, setTimeZoneOffset, tsToString } from '../../lib/fields/index.js';
import { EventFormatter, FormatError, jsonString, unescapeFormat } from '../../lib/format/index.js';
import { Inspector } from '../../lib/state/index.js';
import { FLAG_TABLES } from '../../lib/events/index.js';

function event(type: number, tid: number, params: Record<string, unknown>) {
  const e = EventBatch.fromEvents([encodeEvent({ type, ts: 1_533_943_856_118_352_985n, tid, params })]).at(0);
  new Inspector({}).process(e);
  return e;
}

describe('EventFormatter', () => {
  const e = event(PPME.SYSCALL_READ_E, 42, { fd: 3, size: 10 });

  it("skips events with a missing field unless the format starts with '*'", () => {
    expect(new EventFormatter('%evt.num %fd.name').format(e)).toBeNull();
    expect(new EventFormatter('*%evt.num %fd.name').format(e)).toBe('1 <NA>');
  });

  it('cuts or pads values to %N widths, and keeps raw text', () => {
    expect(new EventFormatter('[%3evt.type][%8proc.name][%thread.tid]').format(e)).toBe('[rea][<NA>    ][42]');
  });

  it('reads field tokens as libsinsp does: longest name, then literal text', () => {
    expect(new EventFormatter('%evt.typex %evt.arg.fd| %evt.arg[1]').format(e)).toBe('readx 3| 10');
  });

  it('rejects bad formats with libsinsp messages', () => {
    expect(() => new EventFormatter('%evt.num %')).toThrow(FormatError);
    expect(() => new EventFormatter('%nosuch.field')).toThrow(/invalid formatting token nosuch.field/);
    expect(() => new EventFormatter('')).toThrow(/empty formatting token/);
  });

  it('writes JSON with sorted keys, numbers for ids and times', () => {
    const j = new EventFormatter('*%thread.tid %evt.num %evt.time %evt.type %fd.name', { json: true }).format(e);
    expect(j).toBe('{"evt.num":1,"evt.time":1533943856118352985,"evt.type":"read","fd.name":null,"thread.tid":42}');
  });

  it('unescapes -p strings as sysdig does', () => {
    expect(unescapeFormat('a\\tb\\nc\\\\d\\q')).toBe('a\tb\nc\\d\\q');
  });
});

describe('rendering helpers', () => {
  it('cuts long buffers at 80 characters with ..., only in the normal format', () => {
    const b = new Uint8Array(100).fill(0x41);
    expect(bufferString(b, { bufferFormat: BUF.NORMAL, maxBufferLength: 80 })).toBe(`${'A'.repeat(77)}...`);
    expect(bufferString(b, { bufferFormat: BUF.JSON, maxBufferLength: 80 })).toHaveLength(100);
    expect(bufferString(Uint8Array.of(0x41, 0x0a, 0x42), { bufferFormat: BUF.NORMAL, maxBufferLength: 80 })).toBe('A.B');
    expect(bufferString(Uint8Array.of(0x41, 0x0d, 0x0a, 0x42), { bufferFormat: BUF.EOLS, maxBufferLength: 80 })).toBe('\nA\nB');
    expect(bufferString(Uint8Array.of(0x41, 0x42, 0x43), { bufferFormat: BUF.HEX, maxBufferLength: 80 })).toBe('\n\t0x0000: 4142 43\n');
  });

  it("names flags with libsinsp's loop", () => {
    expect(flagsString(FLAG_TABLES.file_flags, 4097)).toBe('O_RDONLY|O_CLOEXEC');
    expect(flagsString(FLAG_TABLES.socket_families, 1)).toBe('AF_LOCAL');
  });

  it('escapes JSON strings as jsoncpp does', () => {
    expect(jsonString('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\n\\u0001\\u00e9"');
  });

  it('prints times in the zone offset taken at start', () => {
    setTimeZoneOffset(3600);
    expect(tsToString(1_533_943_856_118_352_985n, true, true)).toBe('2018-08-11 00:30:56.118352985');
    setTimeZoneOffset(undefined);
  });

  it('is a field source for filters: dotted and bracket arguments', () => {
    expect(fields.lookup('evt.arg.fd')?.arg).toBe('fd');
    expect(fields.lookup('proc.aname', '2')?.arg).toBe('2');
    expect(fields.lookup('no.such')).toBeUndefined();
    expect(() => fields.lookup('proc.name', 'x')).toThrow(/does not take an argument/);
  });
});
