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
  /** Drops by cause (live only); every drop is counted here. */
  drops: { ringFull: number; tooLarge: number; total: number };
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

  async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
    for await (const b of this.batches()) {
      for (let i = 0; i < b.length; i++) yield b.at(i);
    }
  }

  stats(): CaptureStats {
    const s = this.#finalStats ?? this.#bpf?.stats();
    const cpus = s?.cpus ?? [];
    const sum = (k: 'events' | 'dropsRingFull' | 'dropsTooLarge' | 'readFaults') => cpus.reduce((n, c) => n + c[k], 0);
    const ringFull = sum('dropsRingFull');
    const tooLarge = sum('dropsTooLarge');
    return {
      delivered: this.#delivered,
      seen: sum('events'),
      drops: { ringFull, tooLarge, total: ringFull + tooLarge },
      readFaults: sum('readFaults'),
      cpus,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#bpf) this.#finalStats = this.#bpf.stats();
    await this.#source.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
