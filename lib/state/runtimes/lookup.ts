/**
 * Asynchronous container metadata lookups, as libsinsp's async container
 * engines make them: the first thread of a new container starts a lookup
 * and the event stream goes on; the result is handed to `onResult` (the
 * pipeline turns it into a container event). At most one lookup per
 * container is under way; a failed attempt is retried after libsinsp's
 * delays (125, 250, 500 ms), except a not-found answer; a container whose lookup failed
 * is not asked for again before `failureTtlMs`. Failures are counted,
 * never thrown.
 */
import { ContainerRuntimeError } from '../../errors.js';
import type { ContainerInfo, ContainerRuntime } from '../containers.js';

/** A runtime API that tells a container's metadata. */
export interface ContainerRuntimeClient {
  /** Its name, in errors and stats. */
  readonly runtime: string;
  /** The container's metadata; rejects with a ContainerRuntimeError. */
  inspect(id: string, signal?: AbortSignal): Promise<ContainerInfo>;
}

/** The client of each runtime, and the rootless podman API of a user (by uid). */
export type ContainerRuntimeClients = Partial<Record<ContainerRuntime, ContainerRuntimeClient>> & {
  rootlessPodman?: (uid: number) => ContainerRuntimeClient | undefined;
};

export interface ContainerLookupOptions {
  /** Waits before each new attempt after a failed one, in ms (default libsinsp's [125, 250, 500]). */
  retryDelaysMs?: readonly number[];
  /** How long a failed container is not asked for again, in ms (default 60000). */
  failureTtlMs?: number;
  /** Most containers remembered (default 4096); the oldest finished ones make room. */
  maxEntries?: number;
  /** Most lookups under way at once (default 8); the others wait their turn. */
  maxInFlight?: number;
}

export interface ContainerLookupStats {
  /** Lookups started (one per container, and again after failureTtlMs). */
  started: number;
  succeeded: number;
  /** Lookups that failed on their last attempt. */
  failed: number;
  /** Attempts made again after a failure. */
  retries: number;
  /** Lookups under way, waiting their turn or waiting to retry. */
  pending: number;
  /** Requests not taken because every remembered container was still pending. */
  dropped: number;
  /** Failed attempts by cause. */
  errors: { unreachable: number; timeout: number; notFound: number; http: number; rpc: number; badResponse: number };
  /** The last failure, for diagnosis. */
  lastError: ContainerRuntimeError | undefined;
}

type EntryState = 'queued' | 'running' | 'waiting' | 'found' | 'failed';

interface Entry {
  readonly client: ContainerRuntimeClient;
  state: EntryState;
  /** Attempts failed so far. */
  failures: number;
  /** When the lookup failed (performance.now()). */
  failedAt: number;
}

const ERROR_COUNTER: Record<string, keyof ContainerLookupStats['errors']> = {
  RUNTIME_UNREACHABLE: 'unreachable',
  RUNTIME_TIMEOUT: 'timeout',
  RUNTIME_NOT_FOUND: 'notFound',
  RUNTIME_HTTP: 'http',
  RUNTIME_RPC: 'rpc',
  RUNTIME_BAD_RESPONSE: 'badResponse',
};

export class ContainerMetadataLookup {
  readonly #clients: ContainerRuntimeClients;
  readonly #onResult: (info: ContainerInfo) => void;
  readonly #retryDelaysMs: readonly number[];
  readonly #failureTtlMs: number;
  readonly #maxEntries: number;
  readonly #maxInFlight: number;
  /** By container id, oldest first. */
  readonly #entries = new Map<string, Entry>();
  /** Ids waiting for a free slot. */
  #queue: string[] = [];
  #running = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #abort = new AbortController();
  #closed = false;
  readonly #stats: Omit<ContainerLookupStats, 'pending'> = {
    started: 0, succeeded: 0, failed: 0, retries: 0, dropped: 0,
    errors: { unreachable: 0, timeout: 0, notFound: 0, http: 0, rpc: 0, badResponse: 0 },
    lastError: undefined,
  };

  constructor(
    clients: ContainerRuntimeClients,
    onResult: (info: ContainerInfo) => void,
    options: ContainerLookupOptions = {},
  ) {
    this.#clients = clients;
    this.#onResult = onResult;
    this.#retryDelaysMs = options.retryDelaysMs ?? [125, 250, 500];
    this.#failureTtlMs = options.failureTtlMs ?? 60_000;
    this.#maxEntries = options.maxEntries ?? 4096;
    this.#maxInFlight = options.maxInFlight ?? 8;
  }

  /**
   * Starts a lookup for the container unless one is pending, done, or failed
   * less than failureTtlMs ago. `owner`: a rootless podman container's uid
   * (its user's own API is asked).
   */
  request(id: string, runtime: ContainerRuntime, owner?: number): void {
    const client = owner === undefined ? this.#clients[runtime] : this.#clients.rootlessPodman?.(owner);
    if (!client || this.#closed) return;
    const known = this.#entries.get(id);
    if (known) {
      if (known.state !== 'failed' || performance.now() - known.failedAt < this.#failureTtlMs) return;
      this.#entries.delete(id);
    } else if (!this.#makeRoom()) {
      this.#stats.dropped++;
      return;
    }
    this.#entries.set(id, { client, state: 'queued', failures: 0, failedAt: 0 });
    this.#stats.started++;
    this.#queue.push(id);
    this.#pump();
  }

  stats(): ContainerLookupStats {
    let pending = 0;
    for (const e of this.#entries.values()) if (e.state !== 'found' && e.state !== 'failed') pending++;
    return { ...this.#stats, errors: { ...this.#stats.errors }, pending };
  }

  /** Cancels every pending lookup; later requests are ignored. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#queue = [];
  }

  /** Forgets the oldest finished container when full; false when every one is pending. */
  #makeRoom(): boolean {
    if (this.#entries.size < this.#maxEntries) return true;
    for (const [id, e] of this.#entries) {
      if (e.state === 'found' || e.state === 'failed') {
        this.#entries.delete(id);
        return true;
      }
    }
    return false;
  }

  #pump(): void {
    while (this.#running < this.#maxInFlight && this.#queue.length > 0) {
      const id = this.#queue.shift()!;
      const entry = this.#entries.get(id);
      if (entry) void this.#attempt(id, entry);
    }
  }

  async #attempt(id: string, entry: Entry): Promise<void> {
    this.#running++;
    entry.state = 'running';
    let info: ContainerInfo | undefined;
    let error: ContainerRuntimeError | undefined;
    try {
      info = await entry.client.inspect(id, this.#abort.signal);
    } catch (e) {
      error = e instanceof ContainerRuntimeError ? e : new ContainerRuntimeError('RUNTIME_BAD_RESPONSE', String(e), entry.client.runtime, id, undefined, { cause: e });
    }
    this.#running--;
    if (this.#closed) return;
    if (info) {
      entry.state = 'found';
      this.#stats.succeeded++;
      this.#onResult(info);
    } else if (error) {
      this.#failed(id, entry, error);
    }
    this.#pump();
  }

  #failed(id: string, entry: Entry, error: ContainerRuntimeError): void {
    const counter = ERROR_COUNTER[error.code];
    if (counter) this.#stats.errors[counter]++;
    this.#stats.lastError = error;
    // Not found (HTTP 404, gRPC NOT_FOUND) is an answer: the runtime does not know the container (another runtime runs it).
    const delay = error.code === 'RUNTIME_NOT_FOUND' ? undefined : this.#retryDelaysMs[entry.failures];
    entry.failures++;
    if (delay === undefined) {
      entry.state = 'failed';
      entry.failedAt = performance.now();
      this.#stats.failed++;
      return;
    }
    entry.state = 'waiting';
    this.#stats.retries++;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      entry.state = 'queued';
      this.#queue.push(id);
      this.#pump();
    }, delay);
    // A retry alone does not keep the process running.
    timer.unref();
    this.#timers.add(timer);
  }
}
