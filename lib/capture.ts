/**
 * `openCapture`: one entry point for every source. A `Capture` is an
 * `AsyncIterable<Event>` (plus `batches()` for bulk consumers); leaving the
 * loop, `close()`, disposal or the AbortSignal all release the source.
 */
import type { EventBatch } from './events/batch.js';
import type { Event } from './events/event.js';
import { ScapReader } from './scapfile/reader.js';
import type { SectionMetadata } from './scapfile/writer.js';
import { BpfSource, type BpfOptions, type BpfStats } from './sources/bpf.js';
import { scanSystem } from './sources/procfs.js';

export interface CaptureOptions extends BpfOptions {
  /** `'bpf'` (live, the default) or a `.scap` file to replay. */
  source?: 'bpf' | { file: string };
  /** Stops the capture when aborted; the loop then ends normally. */
  signal?: AbortSignal;
}

export interface CaptureStats {
  /** Events handed to the consumer. */
  delivered: number;
  /** Events the kernel probe produced (live only). */
  seen: number;
  /**
   * Events lost, by cause (live only). Every event the probe produced and the consumer did not
   * get is counted here, so that once the capture is closed `seen = delivered + drops.total`:
   * `ringFull` (the kernel ring was full), `tooLarge` (over 64 KiB), `noRing` (no ring for the
   * CPU), `corrupt` (malformed, skipped by the native drain thread) and `discardedAtClose`
   * (still in a ring or a native batch when the capture was closed; use `stop()` to have
   * them delivered instead).
   */
  drops: { ringFull: number; tooLarge: number; noRing: number; corrupt: number; discardedAtClose: number; total: number };
  readFaults: number;
  cpus: BpfStats['cpus'];
}

interface Source {
  next(): Promise<EventBatch | null>;
  close(): Promise<void> | void;
}

export class Capture implements AsyncIterable<Event>, AsyncDisposable {
  /**
   * The state the capture starts from: for live captures a `/proc` scan
   * (processes, fds, users, interfaces), for files their metadata blocks.
   */
  readonly metadata: SectionMetadata;
  readonly #source: Source;
  readonly #bpf: BpfSource | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => void this.close();
  #delivered = 0;
  #closed = false;
  #finalStats: BpfStats | undefined;

  /** @internal use openCapture() */
  constructor(source: Source, metadata: SectionMetadata, bpf: BpfSource | undefined, signal: AbortSignal | undefined) {
    this.#source = source;
    this.metadata = metadata;
    this.#bpf = bpf;
    this.#signal = signal;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Batches in time order, until the source ends or the capture is closed. */
  async *batches(): AsyncGenerator<EventBatch> {
    try {
      while (!this.#closed) {
        const b = await this.#source.next();
        if (!b) return;
        this.#delivered += b.length;
        yield b;
      }
    } finally {
      await this.close();
    }
  }

  /**
   * Events one by one, in time order. Behaves as an async generator over
   * `batches()` would (same closing, counting and errors), but hands out the
   * events of the current batch without an async generator's per-event
   * machinery: at millions of events per second that halves the cost of a
   * `for await` step.
   */
  [Symbol.asyncIterator](): AsyncGenerator<Event, void, unknown> {
    return new EventIterator(this.batches());
  }

  stats(): CaptureStats {
    const s = this.#finalStats ?? this.#bpf?.stats();
    const cpus = s?.cpus ?? [];
    type Counter = 'events' | 'dropsRingFull' | 'dropsTooLarge' | 'dropsNoRing' | 'corrupt' | 'discardedAtClose' | 'readFaults';
    const sum = (k: Counter) => cpus.reduce((n, c) => n + c[k], 0);
    const drops = {
      ringFull: sum('dropsRingFull'),
      tooLarge: sum('dropsTooLarge'),
      noRing: sum('dropsNoRing'),
      corrupt: sum('corrupt'),
      discardedAtClose: sum('discardedAtClose'),
      total: 0,
    };
    drops.total = drops.ringFull + drops.tooLarge + drops.noRing + drops.corrupt + drops.discardedAtClose;
    return {
      delivered: this.#delivered,
      seen: sum('events'),
      drops,
      readFaults: sum('readFaults'),
      cpus,
    };
  }

  /**
   * Graceful end of a live capture: stops capturing now, and lets the iteration deliver every
   * event captured until then before it ends (nothing is discarded). For a file, the same as
   * close().
   */
  async stop(): Promise<void> {
    if (this.#closed) return;
    if (this.#bpf) this.#bpf.stop();
    else await this.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    // Counters as the native side last read them, once its drain thread has
    // stopped: later than a read taken before closing, so nothing counted in
    // between is missed.
    await this.#source.close();
    if (this.#bpf) this.#finalStats = this.#bpf.stats();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * The per-event iterator of a Capture. `next()` answers from the current
 * batch with an already settled promise; only when the batch is used up does
 * it wait for the next one from `batches()`, whose generator owns closing (on
 * the end, an error, `return()` or `throw()`) and the delivered count, so the
 * observable behaviour is that of
 * `async function* () { for await (const b of batches()) for (...) yield b.at(i) }`:
 * calls made while a batch is awaited are answered in order after it, and
 * `return()` / `throw()` before the first `next()` do not close the capture.
 */
class EventIterator implements AsyncGenerator<Event, void, unknown> {
  readonly #batches: AsyncGenerator<EventBatch>;
  #batch: EventBatch | null = null;
  #i = 0;
  #done = false;
  /** The batch fetch in progress; calls made meanwhile queue behind it. */
  #fetching: Promise<IteratorResult<Event, void>> | null = null;
  readonly #again = () => this.next();

  constructor(batches: AsyncGenerator<EventBatch>) {
    this.#batches = batches;
  }

  next(): Promise<IteratorResult<Event, void>> {
    if (this.#fetching !== null) return this.#fetching.then(this.#again, this.#again);
    const b = this.#batch;
    if (b !== null && this.#i < b.length) return Promise.resolve({ value: b.at(this.#i++), done: false });
    this.#batch = null;
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    const p = this.#fetch();
    this.#fetching = p;
    return p;
  }

  async #fetch(): Promise<IteratorResult<Event, void>> {
    try {
      for (;;) {
        const r = await this.#batches.next();
        if (r.done) {
          this.#done = true;
          return { value: undefined, done: true };
        }
        const b = r.value;
        if (b.length === 0) continue;
        // A return() or throw() that came meanwhile ends the iteration after this answer.
        if (!this.#done) {
          this.#batch = b;
          this.#i = 1;
        }
        return { value: b.at(0), done: false };
      }
    } catch (e) {
      this.#done = true;
      throw e;
    } finally {
      this.#fetching = null;
    }
  }

  async return(value?: void | PromiseLike<void>): Promise<IteratorResult<Event, void>> {
    this.#done = true;
    this.#batch = null;
    await this.#batches.return(undefined);
    return { value: await value, done: true };
  }

  async throw(err: unknown): Promise<IteratorResult<Event, void>> {
    this.#done = true;
    this.#batch = null;
    // Rejects with `err` (after closing the capture when iteration had started).
    await this.#batches.throw(err);
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

/** Opens a live capture (default) or a file replay. */
export async function openCapture(options: CaptureOptions = {}): Promise<Capture> {
  options.signal?.throwIfAborted();
  const src = options.source ?? 'bpf';
  if (src === 'bpf') {
    // Scan first, then attach: what runs between the two shows up as events.
    const metadata = scanSystem();
    const bpf = new BpfSource(options);
    return new Capture(bpf, metadata, bpf, options.signal);
  }
  const reader = await ScapReader.open(src.file, { signal: options.signal });
  const it = reader.batches();
  const source: Source = {
    next: async () => {
      const r = await it.next();
      return r.done ? null : r.value;
    },
    close: async () => {
      await it.return(undefined);
      await reader.close();
    },
  };
  return new Capture(source, reader.section, undefined, options.signal);
}
