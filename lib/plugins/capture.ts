/**
 * Several sources in one capture: the syscall driver, `.scap` files and
 * source plugins, merged into one stream ordered by timestamp. Every event
 * keeps its source (`evt.source`); parsing plugins see every event, in
 * order, before it is handed out; async events of plugins join the stream.
 */
import { Capture, type CaptureOptions } from '../capture.js';
import { EventBatch } from '../events/batch.js';
import { EVENT_HEADER_SIZE } from '../events/event.js';
import type { SectionMetadata } from '../scapfile/writer.js';
import { ScapReader } from '../scapfile/reader.js';
import { BpfSource } from '../sources/bpf.js';
import { scanSystem } from '../sources/procfs.js';
import { EventPipeline, compileCaptureFilter } from '../pipeline.js';
import { PluginManager } from './manager.js';
import { EMPTY_BATCH, checkAsyncEvent, type LoadedPlugin, type PluginStream } from './plugin.js';
import type { PluginConfig, PluginsConfig } from './types.js';

/** One source of a multi-source capture. */
export type SourceSpec = 'bpf' | { file: string } | { plugin: string; openParams?: string };

export interface PluginCaptureOptions {
  /** Plugins to load (Falco's config or a list), or a manager already loaded (not closed with the capture). */
  plugins?: PluginsConfig | readonly PluginConfig[] | PluginManager;
  /** Several sources, merged by timestamp. */
  sources?: readonly SourceSpec[];
  /** How long a merge waits for a live source that has nothing yet, in ms (default 20). */
  mergeWindowMs?: number;
}

interface Input {
  readonly next: () => Promise<EventBatch | null>;
  readonly close: () => Promise<void> | void;
  /** Async events: does not keep the stream alive by itself. */
  readonly auxiliary: boolean;
  batch: EventBatch | null;
  i: number;
  ended: boolean;
  pending: Promise<void> | null;
  error?: unknown;
}

function sleep(ms: number): Promise<void> {
  return new Promise<void>((res) => setTimeout(res, ms));
}

/** Merges inputs by timestamp; runs parsers over each outgoing event. */
export class MergedSource {
  readonly #inputs: Input[];
  readonly #window: number;
  readonly #onClose: () => Promise<void>;
  #closed = false;

  constructor(inputs: Omit<Input, 'batch' | 'i' | 'ended' | 'pending' | 'error'>[], windowMs: number, onClose: () => Promise<void>) {
    this.#inputs = inputs.map((x) => ({ ...x, batch: null, i: 0, ended: false, pending: null }));
    this.#window = windowMs;
    this.#onClose = onClose;
  }

  #fetch(x: Input): Promise<void> {
    x.pending ??= x.next().then(
      (b) => {
        x.pending = null;
        if (b === null) x.ended = true;
        else if (b.length > 0) {
          x.batch = b;
          x.i = 0;
        }
      },
      (e: unknown) => {
        x.pending = null;
        x.ended = true;
        x.error = e;
      },
    );
    return x.pending;
  }

  async next(): Promise<EventBatch | null> {
    for (;;) {
      if (this.#closed) return null;
      const inputs = this.#inputs;
      const needy = inputs.filter((x) => !x.ended && (x.batch === null || x.i >= x.batch.length));
      for (const x of needy) {
        x.batch = null;
        void this.#fetch(x);
      }
      const waits = needy.map((x) => x.pending).filter((p): p is Promise<void> => p !== null);
      // Wait for every source that has nothing, up to the merge window for live ones.
      if (waits.length > 0) await Promise.race([Promise.allSettled(waits), sleep(this.#window)]);
      const failed = inputs.find((x) => x.error !== undefined);
      if (failed) {
        const e = failed.error;
        failed.error = undefined;
        throw e;
      }
      const live = inputs.filter((x) => !x.ended && !x.auxiliary);
      const ready = inputs.filter((x) => x.batch !== null && x.i < x.batch.length);
      if (ready.length === 0) {
        if (live.length === 0 && inputs.every((x) => x.auxiliary || x.ended)) {
          await this.close();
          return null;
        }
        await sleep(1);
        continue;
      }
      let out: EventBatch;
      if (ready.length === 1 && ready[0].i === 0) {
        out = ready[0].batch!;
        ready[0].i = out.length;
      } else out = this.#merge(ready);
      return out;
    }
  }

  /** Events in timestamp order until one input's batch is used up, copied into one buffer. */
  #merge(ready: Input[]): EventBatch {
    const picks: [Input, number][] = [];
    let total = 0;
    for (;;) {
      let best: Input | undefined;
      let bestTs = 0n;
      for (const x of ready) {
        const ts = x.batch!.ts(x.i);
        if (best === undefined || ts < bestTs) {
          best = x;
          bestTs = ts;
        }
      }
      const b = best!.batch!;
      picks.push([best!, best!.i]);
      total += b.len(best!.i);
      best!.i++;
      if (best!.i >= b.length) break;
    }
    const bytes = new Uint8Array(total);
    const offsets = new Uint32Array(picks.length);
    const cpus = new Uint16Array(picks.length);
    const flags = new Uint32Array(picks.length);
    // Events of old captures have 22-byte headers: their sizes travel along.
    const headerSizes = ready.some((x) => x.batch!.headerSizes !== undefined) ? new Uint8Array(picks.length) : undefined;
    let at = 0;
    picks.forEach(([x, i], k) => {
      const b = x.batch!;
      const o = b.offsets[i];
      const len = b.len(i);
      bytes.set(b.bytes.subarray(o, o + len), at);
      offsets[k] = at;
      cpus[k] = b.cpus[i];
      flags[k] = b.dumpFlags[i];
      if (headerSizes) headerSizes[k] = b.headerSizes ? b.headerSizes[i] : EVENT_HEADER_SIZE;
      at += len;
    });
    return new EventBatch(bytes, offsets, picks.length, cpus, flags, headerSizes);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const x of this.#inputs) await x.close();
    await this.#onClose();
  }
}

function warnOnce(warned: Set<string>, plugin: string, what: string): void {
  if (warned.has(what)) return;
  warned.add(what);
  process.emitWarning(`plugin '${plugin}' sent ${what}; dropped`, { code: 'SCAP_TS_PLUGIN_ASYNC' });
}

/** A push queue of async events, as an auxiliary input. */
class AsyncQueue {
  #queue: Uint8Array[] = [];
  #closed = false;
  push(b: Uint8Array): void {
    if (!this.#closed) this.#queue.push(b);
  }
  async next(): Promise<EventBatch | null> {
    if (this.#closed) return null;
    if (this.#queue.length === 0) {
      await new Promise<void>((res) => setImmediate(res));
      return EMPTY_BATCH;
    }
    const evts = this.#queue;
    this.#queue = [];
    return EventBatch.fromEvents(evts);
  }
  close(): void {
    this.#closed = true;
  }
}

/** openCapture() for plugin sources and several sources. */
export async function openPluginCapture(options: CaptureOptions & PluginCaptureOptions): Promise<Capture> {
  options.signal?.throwIfAborted();
  const given = options.plugins instanceof PluginManager ? options.plugins : undefined;
  const manager = given ?? (options.plugins ? await PluginManager.load(options.plugins as PluginsConfig) : new PluginManager());
  const specs: SourceSpec[] = options.sources ? [...options.sources] : [(options.source as SourceSpec | undefined) ?? 'bpf'];
  const inputs: ConstructorParameters<typeof MergedSource>[0] = [];
  let metadata: SectionMetadata = {};
  let bpf: BpfSource | undefined;
  const streams: PluginStream[] = [];
  try {
    for (const s of specs) {
      if (s === 'bpf') {
        if (bpf) throw new TypeError("the 'bpf' source is given twice");
        metadata = scanSystem();
        const b = (bpf = new BpfSource(options));
        inputs.push({ next: () => b.next(), close: () => b.close(), auxiliary: false });
      } else if ('file' in s) {
        const reader = await ScapReader.open(s.file, { signal: options.signal });
        if (!bpf) metadata = reader.section;
        const it = reader.batches();
        inputs.push({
          next: async () => {
            const r = await it.next();
            return r.done ? null : r.value;
          },
          close: async () => {
            await it.return(undefined);
            await reader.close();
          },
          auxiliary: false,
        });
      } else {
        const stream = await manager.openSource(s.plugin, s.openParams);
        streams.push(stream);
        inputs.push({ next: () => stream.next(), close: () => stream.close(), auxiliary: false });
      }
    }
  } catch (e) {
    for (const x of inputs) await x.close();
    if (!given) await manager.close();
    throw e;
  }
  const queue = new AsyncQueue();
  for (const p of manager.asyncPlugins) {
    const warned = new Set<string>();
    p.startAsync((b) => {
      // Only the names the plugin declared in get_async_events are accepted.
      const bad = checkAsyncEvent(p, b);
      if (bad !== undefined) return warnOnce(warned, p.info.name, bad);
      queue.push(b);
    });
  }
  if (manager.asyncPlugins.length > 0) inputs.push({ next: () => queue.next(), close: () => queue.close(), auxiliary: true });
  // The plugins told of this capture's opening, to be told of its closing.
  const opened: LoadedPlugin[] = [];
  const merged = new MergedSource(inputs, options.mergeWindowMs ?? 20, async () => {
    for (const p of manager.asyncPlugins) p.stopAsync();
    try {
      for (const p of opened) p.captureClose();
    } finally {
      if (!given) await manager.close();
    }
  });
  // Compiled once the plugins are loaded, so their fields are known to the filter.
  const filter = options.filter === undefined ? undefined : compileCaptureFilter(options.filter, options.filterOptions);
  const pipeline = options.state === false && filter === undefined ? undefined : new EventPipeline(metadata, { ...options, filter, live: bpf !== undefined });
  const cap = new Capture(merged, metadata, bpf, options.signal, pipeline);
  cap.plugins = manager;
  // Plugins reading the `threads` table see this capture's Inspector.
  manager.tables.useThreads(() => cap.inspector?.threads);
  // As libsinsp: once the initial threads (the /proc scan or the file's process list) are loaded.
  pipeline?.start();
  try {
    for (const p of manager.plugins) {
      if (!p.info.capabilities.captureListening) continue;
      p.captureOpen();
      opened.push(p);
    }
  } catch (e) {
    await cap.close();
    throw e;
  }
  // Always set: a parsing plugin added at run time (`cap.plugins.add`) sees the events from then on.
  cap.eventHook = (e) => manager.parse(e);
  cap.progress = () => {
    const ps = streams.map((s) => s.progress()).filter((p): p is NonNullable<typeof p> => p !== null);
    return ps.length === 0 ? null : ps.reduce((a, p) => a + p.pct, 0) / ps.length;
  };
  return cap;
}
