// Property tests (fast-check) of the `.scap` reader and the event decoder.
//
// 1. Mutated real captures: whatever is done to the bytes (flipped bytes, block and event
//    fields overwritten with boundary values, truncation, slices duplicated or deleted, a
//    damaged gzip stream), reading the whole file and decoding every event either completes
//    or throws a ScapError. Any other exception, or a hang, fails.
// 2. Round trip: random events built with encodeEvent, written with ScapWriter and read back,
//    come out with the same bytes, and each param decodes to the value that was encoded.
//
// The number of runs is fixed; the seed changes per run. A failure prints its seed and path:
// replay it with SCAP_FUZZ_SEED=<seed> SCAP_FUZZ_PATH=<path>. SCAP_FUZZ_RUNS scales the runs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ScapError, ScapFileError } from '../../lib/errors.js';
import { EVENT_HEADER_SIZE, EVENT_INFO, EventBatch, PT, assembleEvent, decodeParam, encodeEvent, type Event, type EventInfo } from '../../lib/events/index.js';
import { BLOCK, ScapReader, ScapWriter, eventBlockKind, type ScapReaderOptions, type ScapSource } from '../../lib/scapfile/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE_DIRS = [join(ROOT, 'test', 'fixtures', 'scap'), join(ROOT, '..', 'shared', 'fixtures', 'scap')];

function fixturePath(name: string): string {
  const found = FIXTURE_DIRS.map((d) => join(d, `${name}.scap.gz`)).find((p) => existsSync(p));
  if (!found) throw new Error(`fixture ${name}.scap.gz not found in ${FIXTURE_DIRS.join(', ')}`);
  return found;
}

const RUNS_SCALE = Number(process.env.SCAP_FUZZ_RUNS ?? 1);
/** Per-test limit: vitest's 60 s, scaled with the runs. */
const TEST_TIMEOUT = 60_000 * Math.max(1, RUNS_SCALE);
function params<T>(numRuns: number): fc.Parameters<T> {
  const p: fc.Parameters<T> = { numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)), timeout: 10_000 };
  if (process.env.SCAP_FUZZ_SEED) p.seed = Number(process.env.SCAP_FUZZ_SEED);
  if (process.env.SCAP_FUZZ_PATH) p.path = process.env.SCAP_FUZZ_PATH;
  return p;
}

interface Block {
  offset: number;
  type: number;
  total: number;
}

interface Fixture {
  name: string;
  gz: Uint8Array;
  bytes: Uint8Array;
  /** Blocks other than events (SHB, MI, IL, UL, PL, FDL). */
  metadata: Block[];
  events: Block[];
}

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

function load(name: string): Fixture {
  const gz = new Uint8Array(readFileSync(fixturePath(name)));
  const bytes = new Uint8Array(gunzipSync(gz));
  const blocks = walk(bytes);
  return {
    name,
    gz,
    bytes,
    metadata: blocks.filter((b) => !eventBlockKind(b.type)),
    events: blocks.filter((b) => eventBlockKind(b.type)),
  };
}

// Current generation (PL V9, FDL/IL/UL v2, EV v2), and two old ones (22-byte event headers,
// PL V5 and V6, v1 fd/interface/user lists).
const FIXTURES = ['single_ipv6_conn', 'cat_write', 'curl_google'].map(load);
/** Index into FIXTURES (counterexamples print the index, not the bytes). */
const fixtureArb = fc.integer({ min: 0, max: FIXTURES.length - 1 });

// ---------------------------------------------------------------------------------------------
// Mutations

/** Values that sit on the boundaries the reader checks lengths and counts against. */
const BOUNDARY_U32 = [0, 1, 2, 3, 4, 7, 8, 11, 12, 13, 16, 21, 22, 25, 26, 27, 28, 180, 454, 0x7fff, 0xffff, 0x10000, 0x10040, 0x10041, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];
const BOUNDARY_U16 = [0, 1, 2, 8, 19, 22, 26, 453, 454, 455, 1023, 1024, 1025, 4096, 4097, 0x7fff, 0x8000, 0xfffe, 0xffff];

type Value = { kind: 'boundary'; index: number } | { kind: 'random'; value: number } | { kind: 'delta'; delta: number };

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.record({ kind: fc.constant('boundary' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('random' as const), value: fc.nat({ max: 0xffffffff }) }),
  fc.record({ kind: fc.constant('delta' as const), delta: fc.integer({ min: -16, max: 16 }) }),
);

/** Offsets inside a block where the structure lives (block frame, event header, first records). */
const FIELD_OFFSETS = [
  0, 4, -4, // block type, total length, trailer (from the end)
  8, 10, 12, 14, 16, 20, 24, // SHB magic/version, cpu/flags, first record fields
  10 + 16, 10 + 20, 10 + 22, 10 + 26, 10 + 28, 10 + 30, 10 + 32, // EV: len, type, nparams, param lengths
  14 + 16, 14 + 20, // EVF
  8 + 4 + 40, 8 + 4 + 40 + 2, // PL V9: comm length; PL old: first strings
  8 + 8 + 17, // FDL: first fd's name length
];

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'write'; at: number; width: 1 | 2 | 4; value: Value }
  | { kind: 'field'; eventBlock: boolean; block: number; field: number; inBody: number | undefined; width: 2 | 4; value: Value };

/** Length-changing damage, applied after the in-place mutations. */
type Reshape =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number; to: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('write' as const), at: fc.nat(), width: fc.constantFrom(1 as const, 2 as const, 4 as const), value: valueArb }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('field' as const),
      eventBlock: fc.boolean(),
      block: fc.nat(),
      field: fc.nat(),
      // Mostly the structural offsets above, sometimes anywhere in the body.
      inBody: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat() }),
      width: fc.constantFrom(2 as const, 4 as const),
      value: valueArb,
    }),
  },
);

const reshapeArb: fc.Arbitrary<Reshape> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 300 }), to: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

function resolve(v: Value, current: number, width: 1 | 2 | 4): number {
  const max = width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff;
  if (v.kind === 'boundary') {
    const list = width === 4 ? BOUNDARY_U32 : BOUNDARY_U16;
    return list[v.index % list.length] & max;
  }
  if (v.kind === 'random') return v.value & max;
  return (current + v.delta) & max;
}

function write(view: DataView, at: number, width: 1 | 2 | 4, v: Value): void {
  if (at < 0 || at + width > view.byteLength) return;
  const current = width === 4 ? view.getUint32(at, true) : width === 2 ? view.getUint16(at, true) : view.getUint8(at);
  const value = resolve(v, current, width);
  if (width === 4) view.setUint32(at, value >>> 0, true);
  else if (width === 2) view.setUint16(at, value, true);
  else view.setUint8(at, value);
}

function mutate(fx: Fixture, mutations: readonly Mutation[], reshape: Reshape): Uint8Array {
  let b: Uint8Array = fx.bytes.slice();
  const view = new DataView(b.buffer);
  for (const m of mutations) {
    switch (m.kind) {
      case 'flip':
        b[m.at % b.length] ^= m.xor;
        break;
      case 'write':
        write(view, m.at % b.length, m.width, m.value);
        break;
      case 'field': {
        const list = m.eventBlock ? fx.events : fx.metadata;
        const blk = list[m.block % list.length];
        let at: number;
        if (m.inBody !== undefined) at = blk.offset + 8 + (m.inBody % Math.max(1, blk.total - 12));
        else {
          const f = FIELD_OFFSETS[m.field % FIELD_OFFSETS.length];
          at = f < 0 ? blk.offset + blk.total + f : blk.offset + f;
        }
        write(view, at, m.width, m.value);
        break;
      }
    }
  }
  switch (reshape.kind) {
    case 'none':
      break;
    case 'truncate':
      b = b.subarray(0, reshape.at % (b.length + 1));
      break;
    case 'delete': {
      const at = reshape.at % b.length;
      b = concat(b.subarray(0, at), b.subarray(at + reshape.len));
      break;
    }
    case 'duplicate': {
      const at = reshape.at % b.length;
      const slice = b.slice(at, at + reshape.len);
      const to = reshape.to % (b.length + 1);
      b = concat(b.subarray(0, to), slice, b.subarray(to));
      break;
    }
    case 'insert': {
      const at = reshape.at % (b.length + 1);
      b = concat(b.subarray(0, at), reshape.bytes, b.subarray(at));
      break;
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let p = 0; p < bytes.length; p += size) yield bytes.slice(p, p + size);
}

/** How the bytes reach the reader: one buffer, or chunks with a small batch buffer. */
interface Feed {
  chunk: number | undefined;
  batchBytes: number | undefined;
}
const feedArb: fc.Arbitrary<Feed> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ chunk: undefined, batchBytes: undefined }) },
  fc.record({ chunk: fc.option(fc.integer({ min: 1000, max: 70_000 }), { nil: undefined }), batchBytes: fc.option(fc.integer({ min: 256, max: 70_000 }), { nil: undefined }) }),
);

function source(bytes: Uint8Array, feed: Feed): [ScapSource, ScapReaderOptions] {
  const options: ScapReaderOptions = feed.batchBytes === undefined ? {} : { batchBytes: feed.batchBytes };
  return [feed.chunk === undefined ? bytes : chunks(bytes, feed.chunk), options];
}

/** Asserts a thrown value is a ScapError with sane fields; rethrows anything else. */
function expectScapError(e: unknown, inputLength: number): void {
  if (!(e instanceof ScapError)) throw e;
  expect(typeof e.code).toBe('string');
  expect(e.code.length).toBeGreaterThan(0);
  if (e instanceof ScapFileError) {
    expect(Number.isSafeInteger(e.offset)).toBe(true);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(inputLength);
  }
}

interface Outcome {
  events: number;
  decodeErrors: number;
  fileError: ScapError | undefined;
}

/**
 * Reads everything and decodes every event (params, args, toBytes). A decode error of one
 * event is checked and the next event is tried; a file error ends the read.
 * `inputLength` bounds the offsets of file errors (the decompressed length for gzip input).
 */
async function readAndDecode(src: ScapSource, options: ScapReaderOptions, inputLength: number): Promise<Outcome> {
  const out: Outcome = { events: 0, decodeErrors: 0, fileError: undefined };
  let reader: ScapReader | undefined;
  try {
    reader = await ScapReader.open(src, options);
    for await (const evt of reader) {
      out.events++;
      try {
        evt.params();
        evt.args();
        const copy = evt.toBytes();
        expect(new DataView(copy.buffer).getUint32(16, true)).toBe(copy.length);
      } catch (e) {
        expectScapError(e, inputLength);
        out.decodeErrors++;
      }
    }
    expect(reader.stats.events).toBe(out.events);
  } catch (e) {
    expectScapError(e, inputLength);
    out.fileError = e as ScapError;
  }
  return out;
}

describe('mutated fixtures: the reader and the decoder complete or throw a ScapError', () => {
  it('unmutated fixtures read cleanly', async () => {
    for (const fx of FIXTURES) {
      const o = await readAndDecode(fx.bytes, {}, fx.bytes.length);
      expect(o).toEqual({ events: fx.events.length, decodeErrors: 0, fileError: undefined });
    }
  });

  it('in-place and length-changing mutations', async () => {
    const stats = { runs: 0, fileErrors: 0, completed: 0, decodeErrors: 0, codes: new Map<string, number>() };
    await fc.assert(
      fc.asyncProperty(
        fixtureArb,
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        reshapeArb,
        feedArb,
        async (f, mutations, reshape, feed) => {
          const fx = FIXTURES[f];
          const bytes = mutate(fx, mutations, reshape);
          const [src, options] = source(bytes, feed);
          const o = await readAndDecode(src, options, bytes.length);
          stats.runs++;
          stats.decodeErrors += o.decodeErrors;
          if (o.fileError) {
            stats.fileErrors++;
            stats.codes.set(o.fileError.code, (stats.codes.get(o.fileError.code) ?? 0) + 1);
          } else stats.completed++;
        },
      ),
      params(400),
    );
    // The mutations must reach the checks: some inputs are rejected, some still read through.
    expect(stats.fileErrors).toBeGreaterThan(0);
    expect(stats.completed).toBeGreaterThan(0);
    expect(stats.codes.size).toBeGreaterThan(3);
  }, TEST_TIMEOUT);

  it('the same inputs gzip-compressed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fixtureArb,
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        reshapeArb,
        async (f, mutations, reshape) => {
          const fx = FIXTURES[f];
          const bytes = mutate(fx, mutations, reshape);
          await readAndDecode(new Uint8Array(gzipSync(bytes, { level: 1 })), {}, bytes.length);
        },
      ),
      params(40),
    );
  }, TEST_TIMEOUT);

  it('damaged gzip streams', async () => {
    await fc.assert(
      fc.asyncProperty(
        fixtureArb,
        fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 3 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
        async (f, flips, cutAt, chunk) => {
          const fx = FIXTURES[f];
          let gz = fx.gz.slice();
          for (const x of flips) gz[x.at % gz.length] ^= x.xor;
          const cut = cutAt === undefined ? gz.length : cutAt % (gz.length + 1);
          gz = gz.subarray(0, cut);
          const src = chunk === undefined ? gz : chunks(gz, chunk);
          // A flipped byte in the deflate data can make zlib produce more bytes than the fixture
          // has; the bound is loose on purpose: offsets still must not be negative or absurd.
          const o = await readAndDecode(src, {}, 64 * fx.bytes.length);
          if (flips.length === 0 && cut === fx.gz.length) expect(o.fileError).toBeUndefined();
          if (cut < fx.gz.length) expect(o.fileError).toBeInstanceOf(ScapFileError);
        },
      ),
      params(60),
    );
  }, TEST_TIMEOUT);
});

describe('decoder on re-typed and re-split params', () => {
  /** Param payloads (all params' bytes back to back) of the fixture events, with their types. */
  const pool: Array<{ type: number; ts: bigint; tid: bigint; nparams: number; payload: Uint8Array }> = [];

  beforeAll(async () => {
    for (const fx of FIXTURES) {
      const r = await ScapReader.open(fx.bytes);
      for await (const e of r) {
        const b = e.toBytes();
        const n = e.nparams;
        const lenSize = e.info?.largePayload ? 4 : 2;
        pool.push({ type: e.type, ts: e.ts, tid: e.rawTid, nparams: n, payload: b.subarray(EVENT_HEADER_SIZE + lenSize * n) });
      }
    }
    expect(pool.length).toBe(FIXTURES.reduce((n, fx) => n + fx.events.length, 0));
  }, TEST_TIMEOUT);

  /** Event types with a param whose decoder parses structure (families, counts, sub-types). */
  const STRUCTURED = new Set<number>([PT.SOCKADDR, PT.SOCKTUPLE, PT.FDLIST, PT.DYN, PT.IPADDR, PT.IPNET, PT.IPV4NET, PT.IPV6NET, PT.CHARBUF_PAIR_ARRAY, PT.CHARBUFARRAY]);
  const STRUCTURED_TYPES = EVENT_INFO.filter((i) => i.params.some((p) => STRUCTURED.has(p.type))).map((i) => i.code);

  interface Respun {
    pick: number;
    type: { kind: 'same' } | { kind: 'any'; code: number } | { kind: 'structured'; index: number };
    extraParams: number;
    cuts: number[];
    /** The last param runs to the end of the payload (else the bytes after the last cut are left over). */
    tight: boolean;
    pokes: Array<{ at: number; value: number }>;
    /** First bytes of params (the family byte of sockaddrs/tuples, the index of dyn params). */
    heads: Array<{ param: number; value: number }>;
  }

  /**
   * An event rebuilt from a fixture event's param bytes: maybe another type (any code, known
   * or not, often one with structured params), maybe another param count, the bytes split at
   * random points, a few bytes changed. Its framing is valid, so the reader passes it and the
   * decoder meets it.
   */
  const respunArb: fc.Arbitrary<Respun> = fc.record({
    pick: fc.nat(),
    type: fc.oneof(
      fc.constant({ kind: 'same' as const }),
      fc.record({ kind: fc.constant('any' as const), code: fc.integer({ min: 0, max: 470 }) }),
      fc.record({ kind: fc.constant('structured' as const), index: fc.nat() }),
    ),
    extraParams: fc.integer({ min: -3, max: 3 }),
    cuts: fc.array(fc.nat(), { maxLength: 40 }),
    tight: fc.boolean(),
    pokes: fc.array(fc.record({ at: fc.nat(), value: fc.constantFrom(0, 1, 2, 3, 4, 10, 16, 0xff, 0x7f, 0x80) }), { maxLength: 4 }),
    heads: fc.array(fc.record({ param: fc.nat(), value: fc.constantFrom(0, 1, 2, 3, 4, 5, 10, 16, 0xff) }), { maxLength: 4 }),
  });

  function respin(r: Respun): Uint8Array {
    const src = pool[r.pick % pool.length];
    const type = r.type.kind === 'same' ? src.type : r.type.kind === 'any' ? r.type.code : STRUCTURED_TYPES[r.type.index % STRUCTURED_TYPES.length];
    const payload = src.payload.slice();
    for (const p of r.pokes) if (payload.length) payload[p.at % payload.length] = p.value;
    const n = Math.max(0, (EVENT_INFO[type]?.params.length ?? src.nparams) + r.extraParams);
    const points = Array.from({ length: n }, (_, i) => (r.cuts.length ? r.cuts[i % r.cuts.length] : i) % (payload.length + 1)).sort((a, b) => a - b);
    if (r.tight && n > 0) points[n - 1] = payload.length;
    for (const h of r.heads) {
      const start = n === 0 ? payload.length : h.param % n === 0 ? 0 : points[(h.param % n) - 1];
      if (start < payload.length) payload[start] = h.value;
    }
    const params: Uint8Array[] = [];
    let prev = 0;
    for (const p of points) {
      params.push(payload.subarray(prev, Math.min(p, prev + 0xffff)));
      prev = p;
    }
    return assembleEvent(type, src.ts, src.tid, params);
  }

  /** A minimal file: a section header, then one EV / EV_LARGE block per event. */
  function fileOf(events: readonly Uint8Array[]): Uint8Array {
    const parts: Uint8Array[] = [];
    const shb = new Uint8Array(28);
    const sv = new DataView(shb.buffer);
    sv.setUint32(0, BLOCK.SHB, true);
    sv.setUint32(4, 28, true);
    sv.setUint32(8, 0x1a2b3c4d, true);
    sv.setUint16(12, 1, true);
    sv.setUint16(14, 2, true);
    sv.setBigUint64(16, 0xffffffffffffffffn, true);
    sv.setUint32(24, 28, true);
    parts.push(shb);
    for (const e of events) {
      const type = e[20] | (e[21] << 8);
      const total = 12 + ((2 + e.length + 3) & ~3);
      const blk = new Uint8Array(total);
      const v = new DataView(blk.buffer);
      v.setUint32(0, EVENT_INFO[type]?.largePayload ? BLOCK.EV_V2_LARGE : BLOCK.EV_V2, true);
      v.setUint32(4, total, true);
      blk.set(e, 10);
      v.setUint32(total - 4, total, true);
      parts.push(blk);
    }
    return concat(...parts);
  }

  type Attempt = { ok: unknown } | { error: string };
  /** The value `f` returns, or the ScapError code it throws; anything else is rethrown. */
  function attempt(f: () => unknown): Attempt {
    try {
      return { ok: f() };
    } catch (err) {
      if (!(err instanceof ScapError)) throw err;
      return { error: err.code };
    }
  }
  function decodeAll(e: Event): Attempt {
    return attempt(() => [e.params(), e.args()]);
  }
  /**
   * Each known param decoded from a copy of just its bytes must equal what the event gives:
   * a read past the param's end throws there (DataView) or reads different bytes.
   */
  function expectParamsSelfContained(e: Event): void {
    const info = e.info;
    if (!info) return;
    const n = Math.min(e.nparams, info.params.length);
    for (let i = 0; i < n; i++) {
      const p = info.params[i];
      const bytes = e.raw(i).slice();
      const alone = attempt(() => decodeParam(bytes, new DataView(bytes.buffer), 0, bytes.length, p.type, p.info, e.type, i));
      expect(alone).toEqual(attempt(() => e.param(i)));
    }
    // params() is compiled per event type: the same values, or the same first error, as param() one by one.
    const oneByOne = attempt(() => Object.fromEntries(Array.from({ length: e.nparams }, (_, i) => [info.params[i]?.name ?? `param${i}`, e.param(i)])));
    expect(attempt(() => e.params())).toEqual(oneByOne);
  }

  it('decoding completes or throws a ScapError, and reads nothing outside the event', async () => {
    let decodeErrors = 0;
    let decoded = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(respunArb, { minLength: 1, maxLength: 8 }), async (specs) => {
        const events = specs.map(respin);
        const r = await ScapReader.open(fileOf(events));
        let i = 0;
        for await (const e of r) {
          expect(e.toBytes()).toEqual(events[i++]);
          const inFile = decodeAll(e);
          // The same event alone in a buffer of its own length: a read past its end would
          // throw (DataView) or give different values (typed array) than inside the file.
          const alone = decodeAll(EventBatch.fromEvents([e.toBytes()]).at(0));
          expect(alone).toEqual(inFile);
          expectParamsSelfContained(e);
          if ('error' in inFile) decodeErrors++;
          else decoded++;
        }
        // The framing is valid: the reader takes every event.
        expect(i).toBe(events.length);
      }),
      params(300),
    );
    expect(decodeErrors).toBeGreaterThan(0);
    expect(decoded).toBeGreaterThan(0);
  }, TEST_TIMEOUT);
});

describe('exact errors at random points', () => {
  /** Reads everything, returning the events' bytes and the error. */
  async function readEvents(src: ScapSource, options: ScapReaderOptions): Promise<{ events: number; error: unknown }> {
    let events = 0;
    try {
      const r = await ScapReader.open(src, options);
      for await (const e of r) {
        e.toBytes();
        events++;
      }
    } catch (error) {
      return { events, error };
    }
    return { events, error: undefined };
  }

  it('a file cut anywhere: TRUNCATED at the block the cut is in, after every event before it', async () => {
    await fc.assert(
      fc.asyncProperty(fixtureArb, fc.nat(), feedArb, async (f, at, feed) => {
        const fx = FIXTURES[f];
        const cut = at % (fx.bytes.length + 1);
        const blocks = [...fx.metadata, ...fx.events].sort((a, b) => a.offset - b.offset);
        const inBlock = blocks.find((b) => b.offset < cut && cut < b.offset + b.total);
        const eventsBefore = fx.events.filter((b) => b.offset + b.total <= cut).length;
        const { events, error } = await readEvents(...source(fx.bytes.subarray(0, cut), feed));
        if (cut === 0) {
          expect(error).toMatchObject({ code: 'EMPTY', offset: 0 });
        } else if (!inBlock) {
          expect(error).toBeUndefined();
        } else {
          expect(error).toBeInstanceOf(ScapFileError);
          const blockType = cut - inBlock.offset < 8 ? undefined : inBlock.type;
          expect(error).toMatchObject({ code: 'TRUNCATED', offset: inBlock.offset, blockType });
        }
        expect(events).toBe(eventsBefore);
      }),
      params(200),
    );
  }, TEST_TIMEOUT);

  it('a block trailer changed: BLOCK_TRAILER at the trailer, after every event before it', async () => {
    await fc.assert(
      fc.asyncProperty(fixtureArb, fc.nat(), fc.boolean(), fc.nat({ max: 0xffffffff }), feedArb, async (f, pick, eventBlock, value, feed) => {
        const fx = FIXTURES[f];
        const list = eventBlock ? fx.events : fx.metadata;
        const blk = list[pick % list.length];
        fc.pre(value !== blk.total);
        const at = blk.offset + blk.total - 4;
        const bytes = fx.bytes.slice();
        new DataView(bytes.buffer).setUint32(at, value, true);
        const { events, error } = await readEvents(...source(bytes, feed));
        expect(error).toBeInstanceOf(ScapFileError);
        expect(error).toMatchObject({ code: 'BLOCK_TRAILER', offset: at, blockType: blk.type });
        expect(events).toBe(fx.events.filter((b) => b.offset < blk.offset).length);
      }),
      params(200),
    );
  }, TEST_TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// Round trip

/** An arbitrary for a value of a parameter type and what decodeParam gives back for it. */
type Gen = fc.Arbitrary<{ value: unknown; decoded: unknown }>;

const noNul = (s: string): boolean => !s.includes('\0');
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter(noNul);
const same = (a: fc.Arbitrary<unknown>): Gen => a.map((v) => ({ value: v, decoded: v }));
const int = (min: number, max: number): Gen => same(fc.integer({ min, max }));

const GENERATORS: Partial<Record<number, (info: EventInfo) => Gen>> = {
  [PT.INT8]: () => int(-128, 127),
  [PT.INT16]: () => int(-32768, 32767),
  [PT.INT32]: () => int(-(2 ** 31), 2 ** 31 - 1),
  [PT.FD32]: () => int(-(2 ** 31), 2 ** 31 - 1),
  [PT.PID32]: () => int(-(2 ** 31), 2 ** 31 - 1),
  [PT.INT64]: () => same(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  [PT.UINT8]: () => int(0, 255),
  [PT.SIGTYPE]: () => int(0, 255),
  [PT.L4PROTO]: () => int(0, 255),
  [PT.SOCKFAMILY]: () => int(0, 255),
  [PT.FLAGS8]: () => int(0, 255),
  [PT.ENUMFLAGS8]: () => int(0, 255),
  [PT.UINT16]: () => int(0, 0xffff),
  [PT.SYSCALLID]: () => int(0, 0xffff),
  [PT.PORT]: () => int(0, 0xffff),
  [PT.FLAGS16]: () => int(0, 0xffff),
  [PT.ENUMFLAGS16]: () => int(0, 0xffff),
  [PT.UINT32]: () => int(0, 0xffffffff),
  [PT.FLAGS32]: () => int(0, 0xffffffff),
  [PT.ENUMFLAGS32]: () => int(0, 0xffffffff),
  [PT.UID]: () => int(0, 0xffffffff),
  [PT.GID]: () => int(0, 0xffffffff),
  [PT.SIGSET]: () => int(0, 0xffffffff),
  [PT.MODE]: () => int(0, 0xffffffff),
  [PT.UINT64]: () => same(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  [PT.RELTIME]: () => same(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  [PT.ABSTIME]: () => same(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
  // errno, fd and pid decode to plain numbers.
  [PT.ERRNO]: () => same(fc.maxSafeInteger()),
  [PT.FD]: () => same(fc.maxSafeInteger()),
  [PT.PID]: () => same(fc.maxSafeInteger()),
  [PT.BOOL]: () => same(fc.boolean()),
  [PT.DOUBLE]: () => same(fc.double()),
  [PT.IPV4ADDR]: () => same(fc.ipV4()),
  [PT.CHARBUF]: () => same(text),
  [PT.FSPATH]: () => same(text),
  [PT.FSRELPATH]: () => same(text),
  // A list of NUL-terminated strings; the empty list is an empty param.
  [PT.CHARBUFARRAY]: () => fc.array(text, { maxLength: 5 }).map((v) => ({ value: v, decoded: v.length ? v : null })),
  // Raw bytes (large-payload events also get params past the u16 limit of the others).
  [PT.BYTEBUF]: (info) =>
    (info.largePayload
      ? fc.oneof(
          { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }) },
          { weight: 1, arbitrary: fc.integer({ min: 65536, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
        )
      : fc.uint8Array({ maxLength: 300 })
    ).map((v) => ({ value: v, decoded: v.length ? v : null })),
};

/** Event types whose params all have a generator. */
const ROUND_TRIP_TYPES = EVENT_INFO.filter((info) => info.params.length > 0 && info.params.every((p) => GENERATORS[p.type] !== undefined));

/** A param value, or null (an empty param: decodes to null). */
function paramArb(info: EventInfo, type: number): Gen {
  const gen = GENERATORS[type]!(info);
  return fc.oneof({ weight: 9, arbitrary: gen }, { weight: 1, arbitrary: fc.constant({ value: null, decoded: null }) });
}

interface GeneratedEvent {
  info: EventInfo;
  ts: bigint;
  tid: bigint;
  cpu: number;
  flags: number;
  params: Array<{ value: unknown; decoded: unknown }>;
}

const eventArb: fc.Arbitrary<GeneratedEvent> = fc.constantFrom(...ROUND_TRIP_TYPES).chain((info) =>
  fc.record({
    info: fc.constant(info),
    ts: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    tid: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    cpu: fc.integer({ min: 0, max: 0xffff }),
    // 0: EV block; 1 (state only): EVF block.
    flags: fc.constantFrom(0, 0, 1),
    params: fc.tuple(...info.params.map((p) => paramArb(info, p.type))),
  }),
);

const tmp = mkdtempSync(join(tmpdir(), 'scap-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;

describe('round trip: encodeEvent → ScapWriter → ScapReader', () => {
  it('the event table offers enough types to draw from', () => {
    expect(ROUND_TRIP_TYPES.length).toBeGreaterThan(100);
    expect(ROUND_TRIP_TYPES.some((i) => i.largePayload)).toBe(true);
  });

  it('same bytes, same header fields, same param values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 12 }), fc.boolean(), async (events, compress) => {
        const encoded = events.map((e) => encodeEvent({ type: e.info.code, ts: e.ts, tid: e.tid, params: e.params.map((p) => p.value) }));
        const path = join(tmp, `rt${fileNo++}.scap${compress ? '.gz' : ''}`);
        try {
          const w = await ScapWriter.create(path, {}, { compress });
          events.forEach((e, i) => w.writeEvent(encoded[i], e.cpu, e.flags));
          await w.close();

          const r = await ScapReader.open(path);
          let i = 0;
          for await (const evt of r) {
            const e = events[i];
            expect(evt.toBytes()).toEqual(encoded[i]);
            expect(evt.type).toBe(e.info.code);
            expect(evt.ts).toBe(e.ts);
            expect(evt.rawTid).toBe(e.tid);
            expect(evt.cpu).toBe(e.cpu);
            expect(evt.dumpFlags).toBe(e.flags);
            expect(evt.nparams).toBe(e.info.params.length);
            e.params.forEach((p, k) => {
              const got = evt.param(k);
              if (got instanceof Uint8Array) expect(got).toEqual(p.decoded);
              else expect(got).toStrictEqual(p.decoded);
              expect(evt.param(e.info.params[k].name)).toStrictEqual(got);
            });
            evt.args();
            i++;
          }
          expect(i).toBe(events.length);
          expect(r.stats.events).toBe(events.length);
          expect(r.stats.unknownEventTypes).toBe(0);
        } finally {
          rmSync(path, { force: true });
        }
      }),
      params(150),
    );
  }, TEST_TIMEOUT);

  it('block types follow the dump flags and the large-payload flag', async () => {
    // One of each kind, checked on the file's own block list.
    const large = ROUND_TRIP_TYPES.find((i) => i.largePayload)!;
    const small = ROUND_TRIP_TYPES.find((i) => !i.largePayload)!;
    const ev = (info: EventInfo) => encodeEvent({ type: info.code, ts: 1n, tid: 1, params: info.params.map(() => null) });
    const path = join(tmp, 'kinds.scap');
    const w = await ScapWriter.create(path, {}, { compress: false });
    w.writeEvent(ev(small), 0, 0);
    w.writeEvent(ev(small), 0, 1);
    w.writeEvent(ev(large), 0, 0);
    w.writeEvent(ev(large), 0, 1);
    await w.close();
    const types = walk(new Uint8Array(readFileSync(path))).map((b) => b.type);
    expect(types).toEqual([BLOCK.SHB, BLOCK.EV_V2, BLOCK.EVF_V2, BLOCK.EV_V2_LARGE, BLOCK.EVF_V2_LARGE]);
  });
});
