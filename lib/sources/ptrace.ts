/**
 * The userspace source: the ptrace engine of the native addon (Falco's pdig,
 * in spirit). It launches a command, or attaches to a running process, and
 * follows every child and thread; the events have the codes and params the
 * eBPF probe gives for the syscalls it covers. No kernel module, no eBPF and
 * no root: tracing one's own children works unprivileged (CAP_SYS_PTRACE or
 * kernel.yama.ptrace_scope <= 1 is needed for other processes).
 *
 * Launched programs get a seccomp filter (only the covered syscalls stop),
 * unless `full` is set or they are to keep running after the capture
 * (`onClose: 'detach'`): a seccomp filter cannot be removed, and without its
 * tracer every syscall it traces would fail with ENOSYS. Those, and attached
 * processes, are traced at every syscall entry and exit instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { PermissionError, ScapError } from '../errors.js';
import { EventBatch } from '../events/batch.js';
import { loadNative } from '../native/index.js';

/** What to trace: a command to launch, or a running process. */
export type PtraceTarget =
  | {
      /** argv of the program to launch (argv[0] looked up in PATH). */
      command: readonly string[];
      /** Its environment (default: this process's). */
      env?: Readonly<Record<string, string>>;
      /** Its working directory. */
      cwd?: string;
      /** fds for its stdin, stdout, stderr (default: inherited). */
      stdio?: readonly number[];
      /** On close: kill it and its descendants (default), or detach and leave them running. */
      onClose?: 'kill' | 'detach';
      /** Use the seccomp filter when possible (default true). */
      seccomp?: boolean;
      /** Emit every syscall (the uncovered ones as generic events); traces every syscall. */
      full?: boolean;
    }
  | {
      /** A running process: all its threads, and the children it makes while traced. */
      pid: number;
      full?: boolean;
    };

export interface PtraceStats {
  /** Events written by the tracer. */
  events: number;
  /** Syscall stops handled (seccomp, entry and exit). */
  syscallStops: number;
  readFaults: number;
  /** Tasks traced so far. */
  tracees: number;
  delivered: number;
  batches: number;
  /** The launched (or attached) process. */
  pid: number;
  /** Whether the seccomp filter is in use. */
  seccomp: boolean;
  /** Exit of the launched program, once known. */
  exit: { code: number | null; signal: number | null } | null;
}

interface NativeBatch {
  data: ArrayBuffer;
  offsets: Uint32Array;
  cpus: Uint16Array;
  count: number;
}

interface NativePtraceCapture {
  nextBatch(): Promise<NativeBatch | null>;
  stats(): PtraceStats;
  close(): void;
}

type NativePtraceCtor = new (options: Record<string, unknown>) => NativePtraceCapture;

function ptraceScope(): number | undefined {
  const p = '/proc/sys/kernel/yama/ptrace_scope';
  if (!existsSync(p)) return undefined;
  return Number(readFileSync(p, 'utf8').trim());
}

function translate(e: unknown, target: PtraceTarget): Error {
  const err = e as Error & { code?: string; errno?: number };
  if (err.code === 'PERMISSION') {
    const scope = ptraceScope();
    const what = 'pid' in target ? `attaching to process ${target.pid}` : 'tracing the launched program';
    const yama =
      scope === undefined
        ? 'kernel.yama.ptrace_scope is not set (no Yama)'
        : `kernel.yama.ptrace_scope is ${scope}${scope >= 3 ? ' (ptrace disabled until reboot)' : scope >= 1 ? ' (only descendants, or with CAP_SYS_PTRACE)' : ''}`;
    return new PermissionError(
      ['CAP_SYS_PTRACE'],
      `ptrace denied ${what}: ${err.message}; ${yama}. Trace your own children, run with CAP_SYS_PTRACE, or lower kernel.yama.ptrace_scope`,
      { cause: e },
    );
  }
  if (err.code === 'NOT_FOUND') return new ScapError('NOT_FOUND', err.message, { cause: e });
  return new ScapError(err.code ?? 'PTRACE', err.message ?? String(e), { cause: e });
}

export interface PtraceSourceOptions {
  snaplen?: number;
  batchBytes?: number;
  maxQueuedBatches?: number;
}

/** A program traced with ptrace; batches end when every traced task is gone. */
export class PtraceSource {
  readonly #native: NativePtraceCapture;
  #closed = false;
  #final: PtraceStats | undefined;

  constructor(target: PtraceTarget, options: PtraceSourceOptions = {}) {
    const Ctor = (loadNative() as unknown as { PtraceCapture: NativePtraceCtor }).PtraceCapture;
    const o: Record<string, unknown> = {
      snaplen: options.snaplen,
      batchBytes: options.batchBytes,
      maxQueuedBatches: options.maxQueuedBatches,
      full: target.full,
    };
    if ('pid' in target) {
      o.pid = target.pid;
    } else {
      o.command = [...target.command];
      if (target.env) o.env = Object.entries(target.env).map(([k, v]) => `${k}=${v}`);
      o.cwd = target.cwd;
      o.stdio = target.stdio ? [...target.stdio] : undefined;
      o.killOnClose = (target.onClose ?? 'kill') === 'kill';
      o.seccomp = target.seccomp;
    }
    try {
      this.#native = new Ctor(o);
    } catch (e) {
      throw translate(e, target);
    }
  }

  async next(): Promise<EventBatch | null> {
    if (this.#closed) return null;
    const b = await this.#native.nextBatch();
    if (!b) return null;
    return new EventBatch(new Uint8Array(b.data), b.offsets, b.count, b.cpus, new Uint32Array(b.count));
  }

  stats(): PtraceStats {
    return this.#final ?? this.#native.stats();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
    this.#final = this.#native.stats();
  }
}
