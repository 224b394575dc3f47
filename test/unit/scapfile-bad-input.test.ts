// Malformed `.scap` input: every defect the reader can meet gives a ScapFileError with a
// stable code, the byte offset of the defect in the decompressed stream and the block type,
// or is skipped where the format allows it. Each case is run twice: with the input as one
// buffer, and as small chunks with a small batch buffer, so offsets that cross buffer
// refills are checked too.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { ScapError, ScapFileError, EventDecodeError } from '../../lib/errors.js';
import { PPME, PT, assembleEvent, encodeEvent, encodeParam, recoverNparams, type Event } from '../../lib/events/index.js';
import { BLOCK, ScapReader, ScapWriter, type ScapReaderOptions, type ScapSource } from '../../lib/scapfile/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE_DIRS = [join(ROOT, 'test', 'fixtures', 'scap'), join(ROOT, '..', 'shared', 'fixtures', 'scap')];

function fixturePath(name: string): string {
  const found = FIXTURE_DIRS.map((d) => join(d, `${name}.scap.gz`)).find((p) => existsSync(p));
  if (!found) throw new Error(`fixture ${name}.scap.gz not found in ${FIXTURE_DIRS.join(', ')}`);
  return found;
}

const IPV6_GZ = new Uint8Array(readFileSync(fixturePath('single_ipv6_conn')));
/** SHB 1.2, MI, IL v2, UL v2, PL V9, 154 FDL v2, 1,728 EV v2 (0x216). */
const IPV6 = new Uint8Array(gunzipSync(IPV6_GZ));
/** SHB 1.0, MI, IL v1, UL v1, PL V6, FDL v1, 345 EV v1 (0x204, 22-byte event headers). */
const CAT = new Uint8Array(gunzipSync(readFileSync(fixturePath('cat_write'))));

interface Block {
  offset: number;
  type: number;
  total: number;
}

/** The block layout of a well-formed stream. */
function walk(bytes: Uint8Array): Block[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Block[] = [];
  for (let p = 0; p + 8 <= bytes.length; ) {
    const type = v.getUint32(p, true);
    const total = v.getUint32(p + 4, true);
    out.push({ offset: p, type, total });
    p += total;
  }
  return out;
}

const IPV6_BLOCKS = walk(IPV6);
const IPV6_EVENTS = IPV6_BLOCKS.filter((b) => b.type === BLOCK.EV_V2);
const IPV6_PL = IPV6_BLOCKS.find((b) => b.type === BLOCK.PL_V9)!;
const CAT_BLOCKS = walk(CAT);
const CAT_EVENTS = CAT_BLOCKS.filter((b) => b.type === BLOCK.EV);

/** Offset of the event inside an EV block (after block type, length and the u16 cpu). */
const EV_PREFIX = 10;
/** Same for EVF blocks, which have a u32 flags word after the cpu. */
const EVF_PREFIX = 14;

function copy(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}
function setU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = copy(bytes);
  new DataView(out.buffer).setUint32(at, value >>> 0, true);
  return out;
}
function setU16(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = copy(bytes);
  new DataView(out.buffer).setUint16(at, value, true);
  return out;
}
function u32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
}
function u16(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(at, true);
}
function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
/** A framed block: type, total length, body, zero pad to 4, trailer. */
function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + ((body.length + 3) & ~3);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, total, true);
  out.set(body, 8);
  v.setUint32(total - 4, total, true);
  return out;
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let p = 0; p < bytes.length; p += size) yield bytes.slice(p, p + size);
}

interface Mode {
  name: string;
  source(bytes: Uint8Array): ScapSource;
  options: ScapReaderOptions;
}
const filesDir = mkdtempSync(join(tmpdir(), 'scap-bad-input-files-'));
let fileSeq = 0;
/** The bytes as a file on disk: plain files are read directly, with chunks read ahead. */
function onDisk(b: Uint8Array): string {
  const path = join(filesDir, `in-${fileSeq++}.scap`);
  writeFileSync(path, b);
  return path;
}
const MODES: Mode[] = [
  { name: 'one buffer', source: (b) => b, options: {} },
  { name: '1000-byte chunks, 4 KiB batches', source: (b) => chunks(b, 1000), options: { batchBytes: 4096 } },
  { name: 'a file, 4 KiB batches', source: onDisk, options: { batchBytes: 4096 } },
];

interface ReadResult {
  reader: ScapReader | undefined;
  /** `toBytes()` of every event handed out, in order. */
  events: Uint8Array[];
  error: unknown;
}

/** Opens and reads everything, keeping what came out before an error. */
async function readAll(source: ScapSource, options: ScapReaderOptions = {}): Promise<ReadResult> {
  const res: ReadResult = { reader: undefined, events: [], error: undefined };
  try {
    res.reader = await ScapReader.open(source, options);
    for await (const e of res.reader) res.events.push(e.toBytes());
  } catch (e) {
    res.error = e;
  }
  return res;
}

interface Expected {
  code: string;
  offset: number;
  blockType: number | undefined;
  /** Events that must come out before the error (the intact ones before the defect). */
  eventsBefore?: number;
}

/** Reads `bytes` in every mode and checks the error is exactly the expected ScapFileError. */
async function expectFileError(bytes: Uint8Array, want: Expected): Promise<ScapFileError> {
  let first: ScapFileError | undefined;
  for (const mode of MODES) {
    const { error, events } = await readAll(mode.source(bytes), mode.options);
    expect(error, mode.name).toBeInstanceOf(ScapFileError);
    const e = error as ScapFileError;
    expect({ mode: mode.name, code: e.code, offset: e.offset, blockType: e.blockType }).toEqual({
      mode: mode.name,
      code: want.code,
      offset: want.offset,
      blockType: want.blockType,
    });
    expect(e.message).toContain(`at byte ${want.offset}`);
    if (want.eventsBefore !== undefined) expect(events.length, mode.name).toBe(want.eventsBefore);
    first ??= e;
  }
  return first!;
}

const ORIGINAL_IPV6 = await readAll(IPV6);
const ORIGINAL_CAT = await readAll(CAT);

const tmp = mkdtempSync(join(tmpdir(), 'scap-bad-input-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(filesDir, { recursive: true, force: true });
});
let fileNo = 0;

/** Writes events with ScapWriter (plain) and returns the file's bytes. */
async function written(events: ReadonlyArray<{ bytes: Uint8Array; cpu?: number; flags?: number }>): Promise<Uint8Array> {
  const path = join(tmp, `f${fileNo++}.scap`);
  const w = await ScapWriter.create(path, {}, { compress: false });
  for (const e of events) w.writeEvent(e.bytes, e.cpu ?? 0, e.flags ?? 0);
  await w.close();
  return new Uint8Array(readFileSync(path));
}

describe('fixtures read cleanly (baseline for the mutations below)', () => {
  it('single_ipv6_conn and cat_write', () => {
    expect(ORIGINAL_IPV6.error).toBeUndefined();
    expect(ORIGINAL_IPV6.events.length).toBe(IPV6_EVENTS.length);
    expect(IPV6_EVENTS.length).toBe(1728);
    expect(ORIGINAL_CAT.error).toBeUndefined();
    expect(ORIGINAL_CAT.events.length).toBe(CAT_EVENTS.length);
    expect(CAT_EVENTS.length).toBe(345);
  });
});

describe('section header', () => {
  it('empty input', async () => {
    await expectFileError(new Uint8Array(0), { code: 'EMPTY', offset: 0, blockType: undefined });
  });

  it('an empty gzip stream is an empty file', async () => {
    await expectFileError(new Uint8Array(gzipSync(new Uint8Array(0))), { code: 'EMPTY', offset: 0, blockType: undefined });
  });

  it('first block is not a section header', async () => {
    // The stream without its SHB starts with the machine info block.
    const noShb = IPV6.subarray(IPV6_BLOCKS[1].offset);
    expect(u32(noShb, 0)).toBe(BLOCK.MI);
    await expectFileError(noShb, { code: 'NOT_SCAP', offset: 0, blockType: BLOCK.MI });
  });

  it('text that is not a capture at all', async () => {
    const text = new TextEncoder().encode('hello, this is not a capture file\n');
    await expectFileError(text, { code: 'NOT_SCAP', offset: 0, blockType: u32(text, 0) });
  });

  it('fewer bytes than a block header', async () => {
    await expectFileError(IPV6.subarray(0, 5), { code: 'TRUNCATED', offset: 0, blockType: undefined });
  });

  it('byte-swapped (big-endian) magic', async () => {
    const b = copy(IPV6);
    b.set([0x1a, 0x2b, 0x3c, 0x4d], 8);
    const e = await expectFileError(b, { code: 'BAD_MAGIC', offset: 8, blockType: BLOCK.SHB });
    expect(e.message).toMatch(/big-endian/);
  });

  it('bad magic', async () => {
    await expectFileError(setU32(IPV6, 8, 0xdeadbeef), { code: 'BAD_MAGIC', offset: 8, blockType: BLOCK.SHB });
  });

  it('major version 2', async () => {
    const e = await expectFileError(setU16(IPV6, 12, 2), { code: 'VERSION', offset: 12, blockType: BLOCK.SHB });
    expect(e.message).toMatch(/2\.2/);
  });

  it('section header shorter than its fixed body', async () => {
    // A 20-byte SHB (magic and versions, no section_length).
    const shb = new Uint8Array(20);
    const v = new DataView(shb.buffer);
    v.setUint32(0, BLOCK.SHB, true);
    v.setUint32(4, 20, true);
    v.setUint32(8, 0x1a2b3c4d, true);
    v.setUint32(16, 20, true);
    await expectFileError(shb, { code: 'BLOCK_LENGTH', offset: 4, blockType: BLOCK.SHB });
  });

  it('section option running past the header', async () => {
    // SHB with one option (code 1, claimed length 40) in a 36-byte block.
    const body = new Uint8Array(24);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, true);
    v.setUint16(4, 1, true);
    v.setUint16(6, 2, true);
    v.setBigUint64(8, 0xffffffffffffffffn, true);
    v.setUint16(16, 1, true);
    v.setUint16(18, 40, true);
    await expectFileError(block(BLOCK.SHB, body), { code: 'OPTION_LENGTH', offset: 8 + 16, blockType: BLOCK.SHB });
  });
});

describe('block framing', () => {
  const ev = IPV6_EVENTS[100];
  const evIndex = 100;

  it('truncated inside a block header: the events before it come out', async () => {
    await expectFileError(IPV6.subarray(0, ev.offset + 5), { code: 'TRUNCATED', offset: ev.offset, blockType: undefined, eventsBefore: evIndex });
  });

  it('truncated right after the metadata, inside the first event block header', async () => {
    const first = IPV6_EVENTS[0];
    await expectFileError(IPV6.subarray(0, first.offset + 7), { code: 'TRUNCATED', offset: first.offset, blockType: undefined, eventsBefore: 0 });
  });

  it('truncated in the middle of an event block', async () => {
    await expectFileError(IPV6.subarray(0, ev.offset + 30), { code: 'TRUNCATED', offset: ev.offset, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('truncated just before the trailer of the last block', async () => {
    const last = IPV6_EVENTS[IPV6_EVENTS.length - 1];
    await expectFileError(IPV6.subarray(0, IPV6.length - 1), {
      code: 'TRUNCATED',
      offset: last.offset,
      blockType: BLOCK.EV_V2,
      eventsBefore: IPV6_EVENTS.length - 1,
    });
  });

  it('truncated in the middle of the process list', async () => {
    await expectFileError(IPV6.subarray(0, IPV6_PL.offset + Math.floor(IPV6_PL.total / 2)), {
      code: 'TRUNCATED',
      offset: IPV6_PL.offset,
      blockType: BLOCK.PL_V9,
    });
  });

  it('block length past the end of the file', async () => {
    const last = IPV6_EVENTS[IPV6_EVENTS.length - 1];
    await expectFileError(setU32(IPV6, last.offset + 4, last.total + 64), {
      code: 'TRUNCATED',
      offset: last.offset,
      blockType: BLOCK.EV_V2,
      eventsBefore: IPV6_EVENTS.length - 1,
    });
  });

  for (const total of [0, 8, 11]) {
    it(`block total length ${total} (< 12) on an event block`, async () => {
      await expectFileError(setU32(IPV6, ev.offset + 4, total), { code: 'BLOCK_LENGTH', offset: ev.offset + 4, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
    });
  }

  it('block total length < 12 on a metadata block', async () => {
    const fdl = IPV6_BLOCKS.find((b) => b.type === BLOCK.FDL_V2)!;
    await expectFileError(setU32(IPV6, fdl.offset + 4, 4), { code: 'BLOCK_LENGTH', offset: fdl.offset + 4, blockType: BLOCK.FDL_V2 });
  });

  it('trailer disagrees with the block length (event block)', async () => {
    const at = ev.offset + ev.total - 4;
    await expectFileError(setU32(IPV6, at, ev.total + 4), { code: 'BLOCK_TRAILER', offset: at, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('trailer disagrees with the block length (process list)', async () => {
    const at = IPV6_PL.offset + IPV6_PL.total - 4;
    await expectFileError(setU32(IPV6, at, 0), { code: 'BLOCK_TRAILER', offset: at, blockType: BLOCK.PL_V9 });
  });

  it('block length larger than written: the trailer is looked for in the next block', async () => {
    // 4 bytes more lands the "trailer" on the next block's type word.
    const at = ev.offset + ev.total;
    await expectFileError(setU32(IPV6, ev.offset + 4, ev.total + 4), { code: 'BLOCK_TRAILER', offset: at, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('non-large event block longer than 64 KiB', async () => {
    await expectFileError(setU32(IPV6, ev.offset + 4, 0x7fffffff), { code: 'BLOCK_TOO_LARGE', offset: ev.offset + 4, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('metadata block larger than maxBlockBytes', async () => {
    for (const mode of MODES) {
      const { error } = await readAll(mode.source(setU32(IPV6, IPV6_PL.offset + 4, 0xfffffff0)), mode.options);
      expect(error).toBeInstanceOf(ScapFileError);
      expect(error).toMatchObject({ code: 'BLOCK_TOO_LARGE', offset: IPV6_PL.offset + 4, blockType: BLOCK.PL_V9 });
    }
    const { error } = await readAll(IPV6, { maxBlockBytes: 1024 });
    expect(error).toMatchObject({ code: 'BLOCK_TOO_LARGE', offset: IPV6_BLOCKS.find((b) => b.total > 1024)!.offset + 4 });
  });

  it('an unknown block type between events is skipped; every event around it comes out', async () => {
    const at = IPV6_EVENTS[500].offset;
    const unknown = block(0x7777, new Uint8Array([1, 2, 3, 4, 5]));
    const b = concatBytes(IPV6.subarray(0, at), unknown, IPV6.subarray(at));
    for (const mode of MODES) {
      const { reader, events, error } = await readAll(mode.source(b), mode.options);
      expect(error).toBeUndefined();
      expect(reader!.stats.skippedBlocks).toBe(1);
      expect(reader!.stats.events).toBe(IPV6_EVENTS.length);
      expect(events).toEqual(ORIGINAL_IPV6.events);
    }
  });

  it('unknown block types before the first event and at the very end are skipped', async () => {
    const first = IPV6_EVENTS[0].offset;
    const b = concatBytes(IPV6.subarray(0, first), block(0x12345678, new Uint8Array(0)), IPV6.subarray(first), block(0x300, new Uint8Array(9)));
    for (const mode of MODES) {
      const { reader, events, error } = await readAll(mode.source(b), mode.options);
      expect(error).toBeUndefined();
      expect(reader!.stats.skippedBlocks).toBe(2);
      expect(events).toEqual(ORIGINAL_IPV6.events);
      expect(reader!.section.processes.length).toBeGreaterThan(0);
    }
  });
});

describe('event blocks (26-byte headers)', () => {
  const evIndex = 200;
  const ev = IPV6_EVENTS[evIndex];
  const e = ev.offset + EV_PREFIX;
  const len = u32(IPV6, e + 16);
  const avail = ev.total - 12 - 2;

  it('event length past its block', async () => {
    expect(len).toBeLessThanOrEqual(avail);
    await expectFileError(setU32(IPV6, e + 16, avail + 1), { code: 'EVENT_LENGTH', offset: e + 16, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
    await expectFileError(setU32(IPV6, e + 16, 0xffffffff), { code: 'EVENT_LENGTH', offset: e + 16, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('event length shorter than the event header', async () => {
    await expectFileError(setU32(IPV6, e + 16, 25), { code: 'EVENT_LENGTH', offset: e + 16, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('event block too small for an event header', async () => {
    // A well-framed 0x216 block holding 20 bytes: cpu + 18 bytes of header.
    const bad = block(BLOCK.EV_V2, new Uint8Array(20));
    const b = concatBytes(IPV6.subarray(0, ev.offset), bad, IPV6.subarray(ev.offset));
    await expectFileError(b, { code: 'EVENT_TRUNCATED', offset: e, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('nparams too large for the event length', async () => {
    await expectFileError(setU32(IPV6, e + 22, (len - 26) / 2 + 1), { code: 'EVENT_NPARAMS', offset: e + 22, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
    await expectFileError(setU32(IPV6, e + 22, 0xffffffff), { code: 'EVENT_NPARAMS', offset: e + 22, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('parameter lengths adding up past the event end', async () => {
    const n = u32(IPV6, e + 22);
    expect(n).toBeGreaterThan(0);
    // One byte more in the last parameter is already too much.
    const last = e + 26 + 2 * (n - 1);
    await expectFileError(setU16(IPV6, last, u16(IPV6, last) + (len - sumOfLengths(IPV6, e)) + 1), {
      code: 'PARAM_LENGTHS',
      offset: e + 26,
      blockType: BLOCK.EV_V2,
      eventsBefore: evIndex,
    });
    await expectFileError(setU16(IPV6, e + 26, 0xffff), { code: 'PARAM_LENGTHS', offset: e + 26, blockType: BLOCK.EV_V2, eventsBefore: evIndex });
  });

  it('parameter lengths: one byte too many in any slot, with an odd or an even count (the scan sums lengths in pairs)', async () => {
    const counts = new Set<number>();
    for (const [k, blk] of IPV6_EVENTS.entries()) {
      const at = blk.offset + EV_PREFIX;
      const n = u32(IPV6, at + 22);
      if (n < 2 || counts.has(n)) continue;
      counts.add(n);
      const slack = u32(IPV6, at + 16) - sumOfLengths(IPV6, at);
      for (const slot of [0, n - 2, n - 1]) {
        const lp = at + 26 + 2 * slot;
        await expectFileError(setU16(IPV6, lp, u16(IPV6, lp) + slack + 1), { code: 'PARAM_LENGTHS', offset: at + 26, blockType: BLOCK.EV_V2, eventsBefore: k });
      }
    }
    expect([...counts].some((n) => n % 2 === 1) && [...counts].some((n) => n % 2 === 0)).toBe(true);
  });

  it('event type ≥ PPM_EVENT_MAX (454) is kept raw', async () => {
    const b = setU16(IPV6, e + 20, 500);
    for (const mode of MODES) {
      const r = await ScapReader.open(mode.source(b), mode.options);
      let seen = 0;
      let i = 0;
      for await (const evt of r) {
        if (i++ !== evIndex) continue;
        seen++;
        const orig = ORIGINAL_IPV6.events[evIndex];
        const n = u32(orig, 22);
        expect(evt.type).toBe(500);
        expect(evt.info).toBeUndefined();
        expect(evt.name).toBe('unknown');
        expect(evt.nparams).toBe(n);
        expect(evt.args()).toBe('');
        let p = 26 + 2 * n;
        for (let k = 0; k < n; k++) {
          const l = u16(orig, 26 + 2 * k);
          const raw = evt.raw(k);
          expect(raw).toEqual(orig.subarray(p, p + l));
          const value = evt.param(k);
          expect(value).toBeInstanceOf(Uint8Array);
          expect(value).toEqual(raw);
          p += l;
        }
        expect(Object.keys(evt.params())).toEqual(Array.from({ length: n }, (_, k) => `param${k}`));
        const bytes = evt.toBytes();
        expect(bytes.subarray(22)).toEqual(orig.subarray(22));
      }
      expect(seen).toBe(1);
      expect(i).toBe(IPV6_EVENTS.length);
      expect(r.stats.unknownEventTypes).toBe(1);
      expect(r.stats.events).toBe(IPV6_EVENTS.length);
    }
  });

  it('EVF block (with dump flags): offsets count the flags word', async () => {
    const close = encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts: 1n, tid: 42, params: [0, 3] });
    const file = await written([{ bytes: close, flags: 1 }, { bytes: close, flags: 1 }]);
    const blocks = walk(file);
    const evf = blocks.filter((x) => x.type === BLOCK.EVF_V2);
    expect(evf.length).toBe(2);
    const ok = await readAll(file);
    expect(ok.error).toBeUndefined();
    expect(ok.events).toEqual([close, close]);
    const at = evf[1].offset + EVF_PREFIX;
    // close exit is 46 bytes: 20 after the header, so 11 u16 lengths do not fit.
    await expectFileError(setU32(file, at + 22, 11), { code: 'EVENT_NPARAMS', offset: at + 22, blockType: BLOCK.EVF_V2, eventsBefore: 1 });
    await expectFileError(setU32(file, at + 16, 100), { code: 'EVENT_LENGTH', offset: at + 16, blockType: BLOCK.EVF_V2, eventsBefore: 1 });
  });
});

function sumOfLengths(bytes: Uint8Array, e: number): number {
  const n = u32(bytes, e + 22);
  let sum = 26 + 2 * n;
  for (let i = 0; i < n; i++) sum += u16(bytes, e + 26 + 2 * i);
  return sum;
}

describe('old event blocks (22-byte headers, 0x204)', () => {
  const evIndex = 10;
  const ev = CAT_EVENTS[evIndex];
  const e = ev.offset + EV_PREFIX;

  it('the fixture event has params whose lengths add up', () => {
    const view = new DataView(CAT.buffer, CAT.byteOffset, CAT.byteLength);
    expect(recoverNparams(view, e, u32(CAT, e + 16), u16(CAT, e + 20))).toBeGreaterThan(0);
  });

  it('lengths that fit no parameter count', async () => {
    const b = setU16(CAT, e + 22, 0xffff);
    const view = new DataView(b.buffer);
    expect(recoverNparams(view, e, u32(b, e + 16), u16(b, e + 20))).toBe(-1);
    await expectFileError(b, { code: 'EVENT_NPARAMS', offset: e, blockType: BLOCK.EV, eventsBefore: evIndex });
  });

  it('event length past its block', async () => {
    await expectFileError(setU32(CAT, e + 16, ev.total), { code: 'EVENT_LENGTH', offset: e + 16, blockType: BLOCK.EV, eventsBefore: evIndex });
  });

  it('event length shorter than the 22-byte header', async () => {
    await expectFileError(setU32(CAT, e + 16, 21), { code: 'EVENT_LENGTH', offset: e + 16, blockType: BLOCK.EV, eventsBefore: evIndex });
  });

  it('truncated in the middle of an old event block', async () => {
    await expectFileError(CAT.subarray(0, ev.offset + 20), { code: 'TRUNCATED', offset: ev.offset, blockType: BLOCK.EV, eventsBefore: evIndex });
  });

  it('an event type ≥ 454 with params has no recoverable count', async () => {
    // Without a table entry only nparams = 0 can be recovered from a 22-byte header.
    await expectFileError(setU16(CAT, e + 20, 600), { code: 'EVENT_NPARAMS', offset: e, blockType: BLOCK.EV, eventsBefore: evIndex });
  });
});

describe('metadata records', () => {
  const body = IPV6_PL.offset + 8;

  it('process record (PL V9) whose entry_len is shorter than its fields', async () => {
    const entryLen = u32(IPV6, body);
    expect(entryLen).toBeGreaterThan(100);
    const e = await expectFileError(setU32(IPV6, body, 60), { code: 'ENTRY_LENGTH', offset: body, blockType: BLOCK.PL_V9 });
    expect(e.message).toMatch(/version-9/);
  });

  it('process record (PL V9) whose entry_len is below 4 or past the block', async () => {
    await expectFileError(setU32(IPV6, body, 3), { code: 'ENTRY_LENGTH', offset: body, blockType: BLOCK.PL_V9 });
    await expectFileError(setU32(IPV6, body, IPV6_PL.total), { code: 'ENTRY_LENGTH', offset: body, blockType: BLOCK.PL_V9 });
  });

  it('process record (PL V9) whose comm does not fit in the block', async () => {
    // A PL V9 block with one record: entry_len, tid, pid, ptid, sid, vpgid (5 × i64), then a
    // comm length of 50 with only 10 bytes of it in the block.
    const rec = new Uint8Array(4 + 40 + 2 + 10);
    const v = new DataView(rec.buffer);
    v.setUint32(0, rec.length, true);
    v.setUint16(44, 50, true);
    const b = concatBytes(IPV6.subarray(0, IPV6_PL.offset), block(BLOCK.PL_V9, rec), IPV6.subarray(IPV6_PL.offset + IPV6_PL.total));
    await expectFileError(b, { code: 'RECORD_TRUNCATED', offset: body + 46, blockType: BLOCK.PL_V9 });
  });

  it('process record (PL V9) whose comm is longer than the format allows', async () => {
    const comm = body + 4 + 40;
    await expectFileError(setU16(IPV6, comm, 2000), { code: 'STRING_TOO_LONG', offset: comm, blockType: BLOCK.PL_V9 });
  });

  it('process record (PL V6, no entry_len) cut short by its block', async () => {
    const pl = CAT_BLOCKS.find((b) => b.type === BLOCK.PL_V6)!;
    // A PL V6 block whose body holds tid, pid, ptid and sid (32 bytes) and nothing else:
    // the record's comm length is missing.
    const short = block(BLOCK.PL_V6, CAT.subarray(pl.offset + 8, pl.offset + 8 + 32));
    const b = concatBytes(CAT.subarray(0, pl.offset), short, CAT.subarray(pl.offset + pl.total));
    await expectFileError(b, { code: 'RECORD_TRUNCATED', offset: pl.offset + 8 + 32, blockType: BLOCK.PL_V6 });
  });

  it('fd record (FDL V2) whose entry_len is past the block', async () => {
    const fdl = IPV6_BLOCKS.find((b) => b.type === BLOCK.FDL_V2)!;
    const entry = fdl.offset + 8 + 8;
    await expectFileError(setU32(IPV6, entry, fdl.total), { code: 'ENTRY_LENGTH', offset: entry, blockType: BLOCK.FDL_V2 });
  });

  it('machine info block shorter than 180 bytes', async () => {
    const mi = IPV6_BLOCKS.find((b) => b.type === BLOCK.MI)!;
    const short = block(BLOCK.MI, IPV6.subarray(mi.offset + 8, mi.offset + 8 + 100));
    const b = concatBytes(IPV6.subarray(0, mi.offset), short, IPV6.subarray(mi.offset + mi.total));
    await expectFileError(b, { code: 'RECORD_TRUNCATED', offset: mi.offset + 8, blockType: BLOCK.MI });
  });
});

describe('gzip', () => {
  /** The decompressed bytes a truncated or corrupt gzip stream still yields before zlib gives up. */
  function decodable(gz: Uint8Array): number {
    return gunzipSync(gz, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).length;
  }
  /** Event blocks of single_ipv6_conn that lie whole in its first `n` bytes. */
  function eventsWithin(n: number): number {
    return IPV6_EVENTS.filter((b) => b.offset + b.total <= n).length;
  }

  /**
   * The reader hands out every event decoded before the gzip defect, then throws GZIP with
   * the offset where decoding stopped (the decompressed bytes before the defect).
   */
  async function expectGzipError(gz: Uint8Array, offset: number | { atMost: number }): Promise<void> {
    for (const mode of MODES) {
      const { error, events } = await readAll(mode.source(gz), mode.options);
      expect(error, mode.name).toBeInstanceOf(ScapFileError);
      const e = error as ScapFileError;
      const exact = typeof offset === 'number' ? offset : e.offset;
      expect({ mode: mode.name, code: e.code, offset: e.offset, blockType: e.blockType }).toEqual({ mode: mode.name, code: 'GZIP', offset: exact, blockType: undefined });
      if (typeof offset !== 'number') expect(e.offset).toBeLessThanOrEqual(offset.atMost);
      expect(e.cause).toBeInstanceOf(Error);
      expect(events.length, mode.name).toBe(eventsWithin(e.offset));
      expect(events, mode.name).toEqual(ORIGINAL_IPV6.events.slice(0, events.length));
    }
  }

  it('gzip stream cut in the middle of the metadata', async () => {
    const cut = IPV6_GZ.subarray(0, Math.floor(IPV6_GZ.length / 2));
    const upTo = decodable(cut);
    expect(upTo).toBeLessThan(IPV6_EVENTS[0].offset);
    await expectGzipError(cut, upTo);
  });

  it('gzip stream cut in the middle of the events: the events before the cut come out', async () => {
    const cut = IPV6_GZ.subarray(0, Math.floor(IPV6_GZ.length * 0.8));
    const upTo = decodable(cut);
    expect(eventsWithin(upTo)).toBeGreaterThan(100);
    expect(eventsWithin(upTo)).toBeLessThan(IPV6_EVENTS.length);
    await expectGzipError(cut, upTo);
  });

  it('gzip stream missing only its 8-byte trailer: every event, then the error', async () => {
    await expectGzipError(IPV6_GZ.subarray(0, IPV6_GZ.length - 8), IPV6.length);
  });

  it('corrupted CRC in the gzip trailer', async () => {
    // zlib reports a data error with no output from the input slice it was decoding, so the
    // offset is where the last good slice's output ended: at most the whole stream.
    const b = copy(IPV6_GZ);
    b[b.length - 8] ^= 0xff;
    await expectGzipError(b, { atMost: IPV6.length });
  });

  it('corrupted compression method byte in the gzip header', async () => {
    const b = copy(IPV6_GZ);
    b[2] = 0x07;
    await expectGzipError(b, 0);
  });

  it('corrupted byte in the deflate data', async () => {
    // Caught by zlib itself, by the CRC check, or by the block checks on what zlib made of it.
    for (const at of [20, Math.floor(IPV6_GZ.length / 3), IPV6_GZ.length - 40]) {
      for (const mode of MODES) {
        const b = copy(IPV6_GZ);
        b[at] ^= 0x55;
        const { error } = await readAll(mode.source(b), mode.options);
        expect(error, `${mode.name}, byte ${at}`).toBeInstanceOf(ScapFileError);
      }
    }
  });

  it('gzip input split into 1-byte chunks', async () => {
    const cut = IPV6_GZ.subarray(0, IPV6_GZ.length - 8);
    const { error, events } = await readAll(chunks(cut, 1), { batchBytes: 4096 });
    expect(error).toMatchObject({ code: 'GZIP', offset: IPV6.length });
    expect(events.length).toBe(IPV6_EVENTS.length);
  });
});

describe('parameter decoding', () => {
  it('a fixed-size param with the wrong length: EventDecodeError PARAM_SIZE from param(i)', async () => {
    // close exit: res is PT_ERRNO (8 bytes); give it 4.
    const bad = assembleEvent(PPME.SYSCALL_CLOSE_X, 5n, 7, [new Uint8Array(4), encodeParam(PT.FD, 3)]);
    const good = encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts: 6n, tid: 7, params: [-9, 3] });
    const file = await written([{ bytes: bad }, { bytes: good }]);
    const r = await ScapReader.open(file);
    const evts: Event[] = [];
    for await (const b of r.batches()) for (const e of b) evts.push(e);
    expect(evts.length).toBe(2);
    const [e0, e1] = evts;
    expect(e0.toBytes()).toEqual(bad);
    let caught: unknown;
    try {
      e0.param(0);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EventDecodeError);
    expect(caught).toBeInstanceOf(ScapError);
    expect(caught).toMatchObject({ code: 'PARAM_SIZE', eventType: PPME.SYSCALL_CLOSE_X, paramIndex: 0 });
    expect(() => e0.param('res')).toThrow(EventDecodeError);
    expect(() => e0.params()).toThrow(EventDecodeError);
    expect(() => e0.args()).toThrow(EventDecodeError);
    // The other param and the next event are unaffected.
    expect(e0.param(1)).toBe(3);
    expect(e0.raw(0)).toEqual(new Uint8Array(4));
    expect(e1.params()).toEqual({ res: -9, fd: 3 });
  });

  it('structured params too short for their family', async () => {
    // bind exit: addr is a PT_SOCKADDR; an INET6 family byte with 5 bytes of address.
    const bad = assembleEvent(PPME.SOCKET_BIND_X, 1n, 2, [encodeParam(PT.ERRNO, 0), Uint8Array.of(10, 1, 2, 3, 4, 5), encodeParam(PT.FD, 3)]);
    const file = await written([{ bytes: bad }]);
    const r = await ScapReader.open(file);
    for await (const e of r) {
      expect(() => e.param('addr')).toThrow(EventDecodeError);
      expect(e.param('fd')).toBe(3);
    }
  });
});
