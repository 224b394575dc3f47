/**
 * The live source: the CO-RE eBPF probe, loaded and drained by the native
 * addon. Batches cross the native boundary whole (one call per batch, never
 * per event); at most a few wait on the JS side, so when JS falls behind the
 * kernel rings fill and the probe counts the drops instead of memory growing.
 */
import { PermissionError, ScapError, UnsupportedFeatureError, VerifierError } from '../errors.js';
import { EventBatch } from '../events/batch.js';
import { SYSCALLS_X86_64 } from '../events/schema.generated.js';
import { kernelFeatures, loadNative } from '../native/index.js';

/** Options of the eBPF engine. */
export interface BpfOptions {
  /** Syscall names to capture (default: all). State-critical ones should stay on. */
  syscalls?: readonly string[];
  /** Bytes of I/O data kept per read/write-like event (default 80, as Falco). */
  snaplen?: number;
  /** Ring buffer size per CPU, a power of two multiple of the page size (default 8 MiB). */
  bufferBytesPerCpu?: number;
  /** Drop syscalls that failed, in the kernel. */
  dropFailed?: boolean;
  /** Capture only these thread-group ids. */
  tgids?: readonly number[];
  /** Capture this process's own syscalls too (off by default: the consumer would see itself). */
  includeSelf?: boolean;
  /**
   * Attach the sched_switch tracepoint: one `switch` event per context switch of a captured
   * task (default false: it is by far the busiest source of events).
   */
  schedSwitch?: boolean;
  /**
   * How the TOCTOU enter events (open, openat, openat2, creat, connect) are hooked:
   * `'tracepoint'` (a program on each captured one's `syscalls:sys_enter_<name>` event),
   * `'btf'` (`tp_btf/sys_enter`, run for every syscall), `'auto'` (default: `'tracepoint'`
   * when tracefs can be had).
   */
  enterHook?: 'auto' | 'tracepoint' | 'btf';
  /**
   * How the exit events are hooked: `'tracepoint'` (a program on each captured syscall's
   * `syscalls:sys_exit_<name>` event: syscalls not captured cost a bitmap test, captured ones
   * a little more than with `'btf'`; captured syscalls without an event, which the kernel does
   * not implement, are left out; closing takes ~70 ms per event), `'btf'` (`tp_btf/sys_exit`,
   * run for every syscall), `'auto'` (default: `'tracepoint'` when every captured syscall has
   * its event and they are at most 16, else `'btf'`). The same events either way.
   */
  exitHook?: 'auto' | 'tracepoint' | 'btf';
  /** Size of a batch buffer (default 1 MiB). */
  batchBytes?: number;
  /** Batches the native side may hold ready for JS (default 4). */
  maxQueuedBatches?: number;
}

/** Per-CPU counters the probe keeps in the kernel. */
export interface CpuStats {
  cpu: number;
  /** Events the probe produced on this CPU (written or dropped). */
  events: number;
  /** Dropped: the CPU's ring was full. */
  dropsRingFull: number;
  /** Dropped: the event was over 64 KiB. */
  dropsTooLarge: number;
  /** Dropped: no ring for this CPU (should stay 0). */
  dropsNoRing: number;
  /** Parameters left empty because user memory could not be read. */
  readFaults: number;
  /** Events the native drain thread found malformed and skipped (should stay 0). */
  corrupt: number;
  /** Events still in the ring or in a batch not yet handed to JS when the capture was closed. */
  discardedAtClose: number;
}

export interface BpfStats {
  cpus: CpuStats[];
  /** Events handed to JS. */
  delivered: number;
  batches: number;
  /** `stopping`: stop() was called and what the rings held is still being delivered. */
  state: 'running' | 'stopping' | 'closed';
  /** How the enter events are hooked (null: none is captured, or the kernel module). */
  enterHook: 'tracepoint' | 'btf' | null;
  /** How the exit events are hooked (null: the kernel module). */
  exitHook: 'tracepoint' | 'btf' | null;
}

interface NativeBatch {
  data: ArrayBuffer;
  offsets: Uint32Array;
  cpus: Uint16Array;
  count: number;
}

/** The addon's `BpfCapture` class (binding/src/bpf_engine.cc). */
export interface NativeBpfCapture {
  nextBatch(): Promise<NativeBatch | null>;
  stats(): BpfStats;
  /** Resolves once the probe is detached (detaching waits for RCU grace periods, off the JS thread). */
  stop(): Promise<void>;
  /** Resolves once everything native is stopped and freed, and stats() are final. */
  close(): Promise<void>;
}

interface NativeBpfCtor {
  new (options: Record<string, unknown>): NativeBpfCapture;
}

const syscallNumbers = new Map<string, number>(SYSCALLS_X86_64.map(([nr, name]) => [name, nr]));

/** Native syscall numbers for names; unknown names are an error, not silently ignored. */
export function syscallsByName(names: readonly string[]): number[] {
  return names.map((n) => {
    const nr = syscallNumbers.get(n);
    if (nr === undefined) throw new ScapError('UNKNOWN_SYSCALL', `unknown syscall "${n}" (x86_64)`);
    return nr;
  });
}

/** Fails early, with a typed error, when this process or kernel cannot run the probe. */
export function checkLiveSupport(): void {
  const f = kernelFeatures();
  if (!f.capSysAdmin && !(f.capBpf && f.capPerfmon)) {
    const missing = [!f.capBpf && 'CAP_BPF', !f.capPerfmon && 'CAP_PERFMON'].filter((x): x is string => Boolean(x));
    throw new PermissionError(missing.length ? missing : ['CAP_SYS_ADMIN']);
  }
  if (!f.btf) throw new UnsupportedFeatureError('kernel BTF (/sys/kernel/btf/vmlinux); a kernel built with CONFIG_DEBUG_INFO_BTF, 5.8 or newer');
  if (!f.ringbufSupported) throw new UnsupportedFeatureError('BPF ring buffers (kernel 5.8 or newer)');
}

function translateNativeError(e: unknown): Error {
  const err = e as Error & { code?: string; verifierLog?: string; missing?: string[] };
  switch (err.code) {
    case 'PERMISSION':
      return new PermissionError(err.missing ?? ['CAP_BPF', 'CAP_PERFMON'], err.message, { cause: e });
    case 'UNSUPPORTED':
      // e.g. the kernel module is not loaded (no /dev/scap0).
      return new UnsupportedFeatureError(err.message, err.message, { cause: e });
    case 'VERIFIER':
      return new VerifierError(err.message, err.verifierLog ?? '', { cause: e });
    default:
      return new ScapError(err.code ?? 'BPF', err.message ?? String(e), { cause: e });
  }
}

/**
 * A live source: the loaded and attached eBPF probe (`engine` 'bpf'), or the
 * kernel module (`engine` 'kmod': driver/kmod, loaded beforehand, read
 * through /dev/scapN). Both take the same options and are drained by the
 * same native thread into the same batches.
 */
export class BpfSource {
  readonly #native: NativeBpfCapture;
  #closed = false;

  constructor(options: BpfOptions = {}, engine: 'bpf' | 'kmod' = 'bpf') {
    if (engine === 'bpf') checkLiveSupport();
    const Ctor = (loadNative() as unknown as { BpfCapture: NativeBpfCtor }).BpfCapture;
    try {
      this.#native = new Ctor({
        engine,
        snaplen: options.snaplen,
        bufferBytesPerCpu: options.bufferBytesPerCpu,
        dropFailed: options.dropFailed,
        syscalls: options.syscalls ? syscallsByName(options.syscalls) : undefined,
        tgids: options.tgids,
        includeSelf: options.includeSelf,
        schedSwitch: options.schedSwitch,
        enterHook: options.enterHook,
        exitHook: options.exitHook,
        batchBytes: options.batchBytes,
        maxQueuedBatches: options.maxQueuedBatches,
      });
    } catch (e) {
      throw translateNativeError(e);
    }
  }

  /** The next batch, or null once closed. */
  async next(): Promise<EventBatch | null> {
    if (this.#closed) return null;
    const b = await this.#native.nextBatch();
    if (!b) return null;
    return new EventBatch(new Uint8Array(b.data), b.offsets, b.count, b.cpus, new Uint32Array(b.count));
  }

  stats(): BpfStats {
    return this.#native.stats();
  }

  /**
   * Detaches the probe; once that resolves, nothing new is captured, and
   * next() keeps returning what the rings held, then null (and the source is
   * closed).
   */
  async stop(): Promise<void> {
    if (!this.#closed) await this.#native.stop();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#native.close();
  }
}
