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
import type { CompiledFilter } from './filter/filter.js';
import type { Inspector } from './state/inspector.js';
import type { ContainerLookupStats } from './state/runtimes/lookup.js';
import { EventPipeline, compileCaptureFilter, kernelSyscalls, type PipelineOptions } from './pipeline.js';
import type { PluginCaptureOptions, SourceSpec } from './plugins/capture.js';
import type { PluginManager } from './plugins/manager.js';
import { PtraceSource, type PtraceTarget } from './sources/ptrace.js';

/** The longest a consumer loop fed by ready batches runs before the event loop gets a turn. */
const MAX_TURN_MS = 10;

export interface CaptureOptions extends BpfOptions, PipelineOptions, PluginCaptureOptions {
  /**
   * `'bpf'` (live with the eBPF probe, the default), `'kmod'` (live with the
   * kernel module, driver/kmod, loaded), a `.scap` file to replay, a source
   * plugin (`{ plugin: name, openParams? }`) or a traced program (`{ ptrace }`).
   */
  source?: SourceSpec | 'kmod' | { ptrace: PtraceTarget };
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
  /** Events the capture's filter rejected (they updated the state, and were not handed out). */
  rejected: number;
  /** Container metadata lookups of a live capture (undefined when none are made). */
  containerLookups: ContainerLookupStats | undefined;
  /** How the probe hooks the enter and exit events (live eBPF only; else null). */
  enterHook: BpfStats['enterHook'];
  exitHook: BpfStats['exitHook'];
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
  readonly #pipeline: EventPipeline | undefined;
  /**
   * Live captures: the syscalls the kernel probe was configured to keep
   * (`BpfOptions.syscalls`, or what the filter and the state need);
   * undefined when it keeps every syscall, and for files.
   */
  readonly kernelSyscalls: readonly string[] | undefined;

  /** The plugins of the capture (when it was opened with plugins or plugin sources). */
  plugins: PluginManager | undefined;
  /** Progress of the capture's plugin sources, 0..1 (null when they do not tell). */
  progress: () => number | null = () => null;
  /**
   * Called with every event the per-event iterator hands out, before the
   * consumer sees it (parsing plugins run here, so their state is that of
   * the event). Consumers of `batches()` call it themselves.
   */
  eventHook: ((evt: Event) => void) | undefined = undefined;
  /** The ptrace source (its stats: the launched program's pid, exit status), when tracing. */
  readonly ptrace: PtraceSource | undefined;

  /** @internal use openCapture() */
  constructor(
    source: Source,
    metadata: SectionMetadata,
    bpf: BpfSource | undefined,
    signal: AbortSignal | undefined,
    pipeline?: EventPipeline,
    kernelSyscalls?: readonly string[],
    ptrace?: PtraceSource,
  ) {
    this.ptrace = ptrace;
    this.#source = source;
    this.metadata = metadata;
    this.#bpf = bpf;
    this.#signal = signal;
    this.#pipeline = pipeline;
    this.kernelSyscalls = kernelSyscalls;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The compiled filter events pass through (undefined: none). */
  get filter(): CompiledFilter | undefined {
    return this.#pipeline?.filter;
  }

  /** The Inspector keeping the state (undefined with `state: false`, or before the first event). */
  get inspector(): Inspector | undefined {
    return this.#pipeline?.inspector;
  }

  /** True when events carry their state (`evt.thread`, `evt.fd`, `evt.field()`): `state` was not turned off. */
  get hasState(): boolean {
    return this.#pipeline?.state === true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Batches in time order, until the source ends or the capture is closed.
   * With state (the default) every event of a batch is processed before the
   * batch is handed out, so `evt.thread` and `evt.fd` show the tables as
   * they are after the batch; with a filter the batch holds only the events
   * that pass.
   */
  batches(): AsyncGenerator<EventBatch> {
    return this.#batches(false);
  }

  /** The batch loop; `perEvent`: the iterator applies the pipeline event by event (raw batches). */
  async *#batches(perEvent: boolean): AsyncGenerator<EventBatch> {
    let turn = performance.now();
    try {
      while (!this.#closed) {
        // A source that always has a batch ready settles next() at once, and a loop
        // of settled promises never lets the event loop run timers or I/O (an
        // AbortSignal's timeout, the consumer's own sockets): give it a turn now and then.
        if (performance.now() - turn > MAX_TURN_MS) {
          await new Promise(setImmediate);
          turn = performance.now();
        }
        // Containers whose metadata came meanwhile are announced before the next batch, as libsinsp does.
        const raw = this.#pipeline?.takeContainerEvents() ?? (await this.#source.next());
        if (!raw) return;
        const p = perEvent ? undefined : this.#pipeline;
        const b = p ? p.batch(raw) : raw;
        if (!perEvent) this.#delivered += b.length;
        if (b.length === 0 && p) continue;
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
    const p = this.#pipeline;
    const hook = this.eventHook;
    if (!p || (!p.state && !p.filter)) {
      if (!hook) return new EventIterator(this.batches());
      return new EventIterator(this.batches(), { begin: () => undefined, accept: (e) => (hook(e), true) });
    }
    // State and filter event by event: each event is handed out with the tables as they are at that event.
    return new EventIterator(this.#batches(true), {
      begin: (b) => p.begin(b),
      accept: (e) => {
        if (!p.accept(e)) return false;
        this.#delivered++;
        hook?.(e);
        return true;
      },
    });
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
      rejected: this.#pipeline?.rejected ?? 0,
      containerLookups: this.#pipeline?.containerLookup?.stats(),
      enterHook: s?.enterHook ?? null,
      exitHook: s?.exitHook ?? null,
    };
  }

  /**
   * Graceful end of a live capture: stops capturing now, and lets the iteration deliver every
   * event captured until then before it ends (nothing is discarded). For a file, the same as
   * close().
   */
  async stop(): Promise<void> {
    if (this.#closed) return;
    if (this.#bpf) await this.#bpf.stop();
    else await this.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#pipeline?.close();
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
/** Per-event processing for the iterator: a hook per raw batch, and which events are handed out. */
interface EventGate {
  begin(b: EventBatch): void;
  accept(e: Event): boolean;
}

class EventIterator implements AsyncGenerator<Event, void, unknown> {
  readonly #batches: AsyncGenerator<EventBatch>;
  readonly #gate: EventGate | undefined;
  #batch: EventBatch | null = null;
  #i = 0;
  #done = false;
  /** The batch fetch in progress; calls made meanwhile queue behind it. */
  #fetching: Promise<IteratorResult<Event, void>> | null = null;
  readonly #again = () => this.next();

  constructor(batches: AsyncGenerator<EventBatch>, gate?: EventGate) {
    this.#batches = batches;
    this.#gate = gate;
  }

  /** The next event of the current batch the gate accepts (every one without a gate), or undefined. */
  #take(b: EventBatch): Event | undefined {
    const g = this.#gate;
    while (this.#i < b.length) {
      const e = b.at(this.#i++);
      if (!g || g.accept(e)) return e;
    }
    return undefined;
  }

  next(): Promise<IteratorResult<Event, void>> {
    if (this.#fetching !== null) return this.#fetching.then(this.#again, this.#again);
    const b = this.#batch;
    if (b !== null && this.#i < b.length) {
      if (!this.#gate) return Promise.resolve({ value: b.at(this.#i++), done: false });
      let e: Event | undefined;
      try {
        e = this.#take(b);
      } catch (err) {
        // A failing gate (a parsing plugin's hook) ends the iteration and closes the capture.
        this.#done = true;
        this.#batch = null;
        return this.#batches.return(undefined).then(() => Promise.reject(err));
      }
      if (e) return Promise.resolve({ value: e, done: false });
    }
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
        let first: Event | undefined;
        if (this.#gate) {
          this.#gate.begin(b);
          this.#i = 0;
          first = this.#take(b);
          if (!first) continue;
        } else {
          first = b.at(0);
          this.#i = 1;
        }
        // A return() or throw() that came meanwhile ends the iteration after this answer.
        if (!this.#done) this.#batch = b;
        return { value: first, done: false };
      }
    } catch (e) {
      this.#done = true;
      // A failing gate (a parsing plugin's hook) closes the capture too; after a source error this is a no-op.
      await this.#batches.return(undefined).catch(() => undefined);
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
  if (options.plugins !== undefined || options.sources !== undefined || (typeof src === 'object' && 'plugin' in src)) {
    const { openPluginCapture } = await import('./plugins/capture.js');
    return openPluginCapture(options);
  }
  // The filter is compiled first: a bad one fails before anything is loaded.
  const filter = options.filter === undefined ? undefined : compileCaptureFilter(options.filter, options.filterOptions);
  const pipelineFor = (metadata: SectionMetadata, live: boolean) =>
    options.state === false && filter === undefined ? undefined : new EventPipeline(metadata, { ...options, filter, live });
  if (src === 'bpf' || src === 'kmod') {
    const syscalls = options.syscalls ?? kernelSyscalls(filter, options.state !== false);
    // Scan first, then attach: what runs between the two shows up as events.
    const metadata = scanSystem();
    const bpf = new BpfSource({ ...options, syscalls }, src);
    const pipeline = pipelineFor(metadata, true);
    return new Capture(bpf, metadata, bpf, options.signal, pipeline, syscalls);
  }
  if ('ptrace' in src) {
    const metadata = scanSystem();
    const pt = new PtraceSource(src.ptrace, options);
    return new Capture(pt, metadata, undefined, options.signal, pipelineFor(metadata, true), undefined, pt);
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
  return new Capture(source, reader.section, undefined, options.signal, pipelineFor(reader.section, false));
}
