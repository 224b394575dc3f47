/**
 * What a capture does to every event between its source and its consumer:
 * the Inspector's state update (threads, fds, users, containers), then the
 * filter. Every event updates the state, in capture order; only the events
 * the filter accepts are handed out. `openCapture` runs one for its events
 * (`state`, `filter` options); the CLI runs one over raw batches.
 *
 * For live captures a filter also decides what the kernel keeps: the
 * syscalls the filter can match (its event-type pushdown) plus the ones the
 * state needs (`STATE_SYSCALLS`), see `kernelSyscalls`.
 */
import { EventBatch } from './events/batch.js';
import type { Event } from './events/event.js';
import { EF, SYSCALLS_X86_64 } from './events/schema.generated.js';
import { fields } from './fields/index.js';
import { compileFilter, type CompiledFilter, type CompileOptions } from './filter/filter.js';
import { syscallsForEventTypes } from './filter/pushdown.js';
import type { SectionMetadata } from './scapfile/writer.js';
import { eventFlags } from './state/compat.js';
import { containerJsonEvent, type ContainerInfo } from './state/containers.js';
import type { EventContext } from './state/context.js';
import { Inspector, type InspectorOptions } from './state/inspector.js';
import { procThreadLookup } from './state/live.js';
import { PARSERS } from './state/parsers/index.js';
import { containerLookupFor, type ContainerMetadataLookup, type ContainerRuntimesOptions } from './state/runtimes/index.js';

/** What `openCapture` does with events besides reading them. */
export interface PipelineOptions {
  /**
   * Keep threads, fds, users and containers (an Inspector) so that events
   * carry `evt.thread`, `evt.fd`, `evt.user` and `evt.field(name)`: on by
   * default; `false` hands out raw events, for speed.
   */
  state?: boolean;
  /**
   * A Falco/sysdig filter (text or compiled with `compileFilter(text,
   * fields)`): only events it accepts are handed out. It runs after the state
   * update, which every event gets. On live captures it also narrows the
   * syscalls the kernel probe keeps, unless `syscalls` is given.
   */
  filter?: string | CompiledFilter;
  /** How the filter text is compiled (macros, strategy). */
  filterOptions?: CompileOptions;
  /** Options of the Inspector (table sizes, eviction, purge timing). */
  inspector?: InspectorOptions;
  /**
   * Live captures with state: which container runtimes are asked for the
   * name, image, labels... of the containers threads run in (docker and
   * podman by default, as Falco does); `false`: none. Each answer enters the
   * stream as a container event (PPME_CONTAINER_JSON_2_E) before the next
   * batch. File replays never ask: their container events tell.
   */
  containerRuntimes?: false | ContainerRuntimesOptions;
}

const SYSCALL_NR = new Map<string, number>(SYSCALLS_X86_64.map(([nr, name]) => [name, nr]));
const byNumber = (a: string, b: string) => (SYSCALL_NR.get(a) ?? 0) - (SYSCALL_NR.get(b) ?? 0);

/**
 * The syscalls whose events the state needs (thread, fd, credential and
 * limit changes): those with a parser whose events modify state, plus the
 * fd-limit ones, setpgid, bpf and exit. Sorted by number.
 */
export const STATE_SYSCALLS: readonly string[] = (() => {
  const codes: number[] = [];
  for (let t = 2; t < PARSERS.length; t++) if (PARSERS[t] && eventFlags(t) & EF.MODIFIES_STATE) codes.push(t);
  const names = new Set(syscallsForEventTypes(codes));
  for (const n of ['prlimit64', 'setrlimit', 'setpgid', 'bpf', 'exit']) if (SYSCALL_NR.has(n)) names.add(n);
  return [...names].sort(byNumber);
})();

/**
 * The syscalls a live capture with this filter must keep: what the filter can
 * match plus `STATE_SYSCALLS` (without state, what it can match only).
 * undefined when the filter cannot narrow them (every syscall).
 */
export function kernelSyscalls(filter: CompiledFilter | undefined, withState = true): string[] | undefined {
  if (!filter || filter.syscalls.length >= SYSCALLS_X86_64.length) return undefined;
  const set = new Set(filter.syscalls);
  if (withState) for (const s of STATE_SYSCALLS) set.add(s);
  return [...set].sort(byNumber);
}

/** Compiles a capture filter against every scap-ts field. */
export function compileCaptureFilter(filter: string | CompiledFilter, options?: CompileOptions): CompiledFilter {
  return typeof filter === 'string' ? compileFilter(filter, fields, options) : filter;
}

/** The Inspector and the filter of one capture. */
export class EventPipeline {
  readonly filter: CompiledFilter | undefined;
  readonly state: boolean;
  /** Events the filter rejected. */
  rejected = 0;
  #inspector: Inspector | undefined;
  readonly #live: boolean;
  readonly #metadata: SectionMetadata;
  readonly #options: InspectorOptions;
  #section: unknown;
  readonly #match: CompiledFilter['match'] | undefined;
  /** The container runtime lookups of a live capture (undefined: none are made). */
  readonly containerLookup: ContainerMetadataLookup | undefined;
  /** Lookup results not yet handed out as container events. */
  #containerResults: ContainerInfo[] = [];

  constructor(metadata: SectionMetadata, options: PipelineOptions & { live?: boolean } = {}) {
    this.state = options.state ?? true;
    this.filter = options.filter === undefined ? undefined : compileCaptureFilter(options.filter, options.filterOptions);
    this.#match = this.filter?.match;
    this.#live = options.live ?? false;
    this.#metadata = metadata;
    this.#options = options.inspector ?? {};
    const runtimes = options.containerRuntimes;
    this.containerLookup =
      this.#live && this.state && runtimes !== false ? containerLookupFor(runtimes ?? {}, (info) => this.#containerResults.push(info)) : undefined;
  }

  /** The Inspector of the current section (undefined without state, or before the first event). */
  get inspector(): Inspector | undefined {
    return this.#inspector;
  }

  #newInspector(meta: SectionMetadata): Inspector {
    const prev = this.#inspector?.nevts ?? 0;
    const live: InspectorOptions = this.#live
      ? { live: true, lookupThread: procThreadLookup(), containerLookup: this.containerLookup }
      : { eventsBefore: prev };
    return new Inspector(meta, { ...live, ...this.#options });
  }

  /**
   * Builds the Inspector from the initial metadata before any event, for
   * those who must see the initial threads first (capture listening plugins).
   */
  start(): void {
    if (!this.state || this.#inspector) return;
    this.#inspector = this.#newInspector(this.#metadata);
    // A file's first batch carries this same section: it must not start over.
    this.#section = this.#metadata;
  }

  /** Called with each raw batch before its events: a file's next section starts from its own state. */
  begin(batch: EventBatch): void {
    if (!this.state) return;
    const sec = (batch as { section?: SectionMetadata }).section;
    if (!this.#inspector || (sec && sec !== this.#section)) {
      this.#inspector = this.#newInspector(sec ?? this.#metadata);
      this.#section = sec;
    }
  }

  /**
   * Updates the state with `e` and runs the filter: true when `e` is to be
   * handed out (with a filter, events the state keeps only, such as a
   * file's preamble, never are).
   */
  accept(e: Event): boolean {
    let ctx: EventContext | undefined;
    if (this.state) {
      ctx = (this.#inspector ??= this.#newInspector(this.#metadata)).process(e);
    }
    const m = this.#match;
    if (!m) return true;
    if (ctx && (ctx.filteredOut || ctx.preamble)) return false;
    if (m(e, ctx)) return true;
    this.rejected++;
    return false;
  }

  /**
   * The container events of the lookups completed since the last call, to
   * run through the pipeline before the next batch (undefined: none). Like
   * libsinsp's, they carry no thread and the time of the last event.
   */
  takeContainerEvents(): EventBatch | undefined {
    if (this.#containerResults.length === 0) return undefined;
    const ts = this.#inspector?.lastEventTs || BigInt(Date.now()) * 1_000_000n;
    const events = this.#containerResults.map((info) => containerJsonEvent(info, ts));
    this.#containerResults = [];
    return EventBatch.fromEvents(events);
  }

  /** Cancels the container lookups under way. */
  close(): void {
    this.containerLookup?.close();
  }

  /** The events of a batch that pass, each processed in order (their state is read after the whole batch). */
  batch(b: EventBatch): EventBatch {
    this.begin(b);
    if (!this.state && !this.#match) return b;
    const keep: number[] | undefined = this.#match ? [] : undefined;
    const states: unknown[] = [];
    for (let i = 0; i < b.length; i++) {
      const e = b.at(i);
      if (this.accept(e)) {
        keep?.push(i);
        states.push(e.state);
      }
    }
    return subBatch(b, keep, states);
  }
}

/** A batch of some of another batch's events (sharing its bytes), each with the state it was given. */
function subBatch(b: EventBatch, keep: readonly number[] | undefined, states: unknown[]): EventBatch {
  const n = keep ? keep.length : b.length;
  if (!keep) {
    const out = new EventBatch(b.bytes, b.offsets, n, b.cpus, b.dumpFlags, b.headerSizes);
    return withStates(out, b, states);
  }
  const offsets = new Uint32Array(n);
  const cpus = new Uint16Array(n);
  const flags = new Uint32Array(n);
  const sizes = b.headerSizes ? new Uint8Array(n) : undefined;
  keep.forEach((i, j) => {
    offsets[j] = b.offsets[i];
    cpus[j] = b.cpus[i];
    flags[j] = b.dumpFlags[i];
    if (sizes) sizes[j] = b.headerSizes![i];
  });
  return withStates(new EventBatch(b.bytes, offsets, n, cpus, flags, sizes), b, states);
}

function withStates(out: EventBatch, b: EventBatch, states: unknown[]): EventBatch {
  const at = out.at.bind(out);
  // Events taken from the batch carry the context the pipeline gave them.
  Object.defineProperty(out, 'at', {
    value: (i: number) => {
      const e = at(i);
      e.state = states[i] as EventContext | undefined;
      return e;
    },
  });
  const sec = (b as { section?: unknown }).section;
  if (sec) Object.defineProperty(out, 'section', { value: sec });
  return out;
}
