/**
 * `Capture`'s per-event iterator must behave exactly as the async generator it
 * replaced, `for await (const b of batches()) for (...) yield b.at(i)`: same
 * events, same closing (end, break, return, throw, abort), same delivered
 * count, calls made while a batch is awaited answered in order.
 */
import { describe, expect, it } from 'vitest';
import { Capture, openCapture } from '../../lib/capture.js';
import { EventBatch, PPME, encodeEvent, type Event } from '../../lib/events/index.js';
import type { SectionMetadata } from '../../lib/scapfile/writer.js';
import { fixture } from '../helpers/env.js';

/** Batches of these sizes (an empty one included); event k has tid 1000 + k. */
const SIZES = [3, 0, 5, 1, 4];
const TOTAL = SIZES.reduce((a, b) => a + b, 0);

function makeBatches(): EventBatch[] {
  let k = 0;
  return SIZES.map((n) =>
    EventBatch.fromEvents(
      Array.from({ length: n }, () => {
        const tid = 1000 + k++;
        return encodeEvent({ type: PPME.SYSCALL_CLOSE_X, ts: BigInt(tid), tid, params: { res: 0, fd: 3 } });
      }),
    ),
  );
}

interface Fake {
  cap: Capture;
  closes: () => number;
  fetches: () => number;
}

/** A Capture over an in-memory source; `failAt` makes that fetch throw. */
function fakeCapture(opts: { failAt?: number; signal?: AbortSignal } = {}): Fake {
  const batches = makeBatches();
  let fetches = 0;
  let closes = 0;
  const source = {
    next: async () => {
      await new Promise((r) => setTimeout(r, 1)); // a real wait, as a live source has
      if (fetches++ === opts.failAt) throw new Error('source failed');
      return batches.shift() ?? null;
    },
    close: () => {
      closes++;
    },
  };
  const cap = new Capture(source, {} as SectionMetadata, undefined, opts.signal);
  return { cap, closes: () => closes, fetches: () => fetches };
}

/** The generator the iterator replaced, over the same kind of capture. */
async function* reference(cap: Capture): AsyncGenerator<Event> {
  for await (const b of cap.batches()) {
    for (let i = 0; i < b.length; i++) yield b.at(i);
  }
}

const tids = (es: Event[]) => es.map((e) => e.tid);

describe('Capture event iterator', () => {
  it('yields every event of every batch in order, then closes the capture once', async () => {
    const f = fakeCapture();
    const seen: Event[] = [];
    for await (const e of f.cap) seen.push(e);
    expect(tids(seen)).toEqual(Array.from({ length: TOTAL }, (_, k) => 1000 + k));
    expect(f.cap.closed).toBe(true);
    expect(f.closes()).toBe(1);
    expect(f.cap.stats().delivered).toBe(TOTAL);

    const r = fakeCapture();
    const ref: Event[] = [];
    for await (const e of reference(r.cap)) ref.push(e);
    expect(tids(seen)).toEqual(tids(ref));
    expect(f.cap.stats().delivered).toBe(r.cap.stats().delivered);
  });

  it('break closes the capture; delivered counts whole batches, as before', async () => {
    for (const make of [(c: Capture) => c[Symbol.asyncIterator](), reference]) {
      const f = fakeCapture();
      let n = 0;
      for await (const e of { [Symbol.asyncIterator]: () => make(f.cap) }) {
        void e;
        if (++n === 4) break; // inside the third batch (sizes 3, 0, 5)
      }
      expect(f.cap.closed).toBe(true);
      expect(f.closes()).toBe(1);
      expect(f.cap.stats().delivered).toBe(8);
    }
  });

  it('next() after the end, return() and throw() answer as an async generator does', async () => {
    const f = fakeCapture();
    const it = f.cap[Symbol.asyncIterator]();
    // Before the first next(): return() completes the iterator without touching the capture.
    expect(await it.return()).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(f.cap.closed).toBe(false);
    expect(f.fetches()).toBe(0);

    const g = fakeCapture();
    const it2 = g.cap[Symbol.asyncIterator]();
    expect((await it2.next()).value?.tid).toBe(1000);
    const boom = new Error('consumer failed');
    await expect(it2.throw(boom)).rejects.toBe(boom);
    expect(g.cap.closed).toBe(true);
    expect(await it2.next()).toEqual({ value: undefined, done: true });

    const h = fakeCapture();
    const it3 = h.cap[Symbol.asyncIterator]();
    await it3.next();
    expect(await it3.return()).toEqual({ value: undefined, done: true });
    expect(h.cap.closed).toBe(true);
    expect(await it3.next()).toEqual({ value: undefined, done: true });
  });

  it('calls made while a batch is awaited are answered in order', async () => {
    const f = fakeCapture();
    const it = f.cap[Symbol.asyncIterator]();
    const rs = await Promise.all(Array.from({ length: TOTAL + 2 }, () => it.next()));
    expect(rs.slice(0, TOTAL).map((r) => (r.done ? -1 : r.value.tid))).toEqual(Array.from({ length: TOTAL }, (_, k) => 1000 + k));
    expect(rs.slice(TOTAL)).toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
    expect(f.cap.closed).toBe(true);
  });

  it('a source error rejects next(), closes the capture, and the iterator is then done', async () => {
    const f = fakeCapture({ failAt: 2 });
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const e of f.cap) got.push(e.tid);
      })(),
    ).rejects.toThrow('source failed');
    expect(got).toEqual([1000, 1001, 1002]); // the batches before the failure (the empty one included)
    expect(f.cap.closed).toBe(true);
    expect(f.closes()).toBe(1);
  });

  it('an abort ends the loop after the current batch, like close()', async () => {
    for (const make of [(c: Capture) => c[Symbol.asyncIterator](), reference]) {
      const ac = new AbortController();
      const f = fakeCapture({ signal: ac.signal });
      const got: number[] = [];
      for await (const e of { [Symbol.asyncIterator]: () => make(f.cap) }) {
        got.push(e.tid);
        if (got.length === 5) ac.abort(); // inside the third batch: its other 3 events still come
      }
      expect(got).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007]);
      expect(f.cap.closed).toBe(true);
    }
  });

  it('a file replay gives the same events as the batches', async () => {
    const a = await openCapture({ source: { file: fixture('curl_google') } });
    const b = await openCapture({ source: { file: fixture('curl_google') } });
    const mine: string[] = [];
    for await (const e of a) mine.push(`${e.ts} ${e.tid} ${e.type} ${e.len}`);
    const ref: string[] = [];
    for await (const e of reference(b)) ref.push(`${e.ts} ${e.tid} ${e.type} ${e.len}`);
    expect(mine.length).toBeGreaterThan(100);
    expect(mine).toEqual(ref);
    expect(a.stats().delivered).toBe(b.stats().delivered);
    expect(a.closed && b.closed).toBe(true);
  });
});
