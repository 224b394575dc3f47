/**
 * `ScapWriter`: writes the current generation of the format (SHB 1.2, MI,
 * IL v2, UL v2, PL V9, FDL v2, EV/EVF v2 and their large-payload variants),
 * gzip-compressed or plain. Events of old captures are widened to the
 * 26-byte header on the way out.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';
import { ScapError } from '../errors.js';
import { Event, EVENT_HEADER_SIZE } from '../events/event.js';
import type { EventBatch } from '../events/batch.js';
import { isLargePayload } from '../events/table.js';
import { BLOCK, BLOCK_OVERHEAD, CURRENT_MAJOR_VERSION, CURRENT_MINOR_VERSION, SHB_MAGIC, padTo4 } from './blocks.js';
import {
  ByteSink,
  encodeFdList,
  encodeInterfaceList,
  encodeMachineInfo,
  encodeProcessList,
  encodeUserList,
  FD_TYPE,
  type FdRecord,
  type GroupRecord,
  type InterfaceRecord,
  type MachineInfo,
  type ThreadRecord,
  type UserRecord,
} from './metadata.js';

/** What a section starts with. Every part is optional (plugin captures have none). */
export interface SectionMetadata {
  machineInfo?: MachineInfo;
  interfaces?: readonly InterfaceRecord[];
  users?: readonly UserRecord[];
  groups?: readonly GroupRecord[];
  processes?: readonly ThreadRecord[];
  fds?: ReadonlyMap<number, readonly FdRecord[]>;
}

export interface ScapWriterOptions {
  /** gzip the output (default: true when the path ends in `.gz`). */
  compress?: boolean;
  /** Bytes buffered before a write to the stream (default 1 MiB). */
  flushBytes?: number;
  /**
   * `'portable'` (default) writes fd types newer than FILE_V2 (bpf, userfaultfd,
   * io_uring, memfd, pidfd) as UNSUPPORTED with their name, because readers of
   * the sysdig 0.29 generation reject a whole file over one unknown fd type.
   * `'current'` keeps them.
   */
  fdTypes?: 'portable' | 'current';
}

function portableFd(fd: FdRecord): FdRecord {
  return fd.type > FD_TYPE.FILE_V2 ? { fd: fd.fd, ino: fd.ino, type: FD_TYPE.UNSUPPORTED, name: fd.name ?? '' } : fd;
}

/** `.scap` dump flag: the event is kept only to rebuild state. */
export const DUMP_FLAG_STATE_ONLY = 1;

export class ScapWriter implements AsyncDisposable {
  readonly #out: WriteStream;
  readonly #gzip: Gzip | undefined;
  readonly #flushBytes: number;
  readonly #portableFds: boolean;
  #sink = new ByteSink();
  #closed = false;
  #events = 0;

  private constructor(path: string, options: ScapWriterOptions) {
    this.#out = createWriteStream(path);
    const compress = options.compress ?? path.endsWith('.gz');
    if (compress) {
      this.#gzip = createGzip();
      this.#gzip.pipe(this.#out);
    }
    this.#flushBytes = options.flushBytes ?? 1 << 20;
    this.#portableFds = (options.fdTypes ?? 'portable') === 'portable';
  }

  /** Creates the file and writes the first section's header and metadata. */
  static async create(path: string, metadata: SectionMetadata = {}, options: ScapWriterOptions = {}): Promise<ScapWriter> {
    const w = new ScapWriter(path, options);
    await once(w.#out, 'open');
    w.beginSection(metadata);
    return w;
  }

  get eventsWritten(): number {
    return this.#events;
  }

  /** Starts a section: SHB, then MI, IL, UL, PL and one FDL per thread, as libscap orders them. */
  beginSection(m: SectionMetadata): void {
    this.#assertOpen();
    const s = this.#sink;
    this.#block(BLOCK.SHB, () => {
      s.u32(SHB_MAGIC);
      s.u16(CURRENT_MAJOR_VERSION);
      s.u16(CURRENT_MINOR_VERSION);
      s.u64(0xffffffffffffffffn);
    });
    if (m.machineInfo) {
      const mi = m.machineInfo;
      this.#block(BLOCK.MI, () => encodeMachineInfo(s, mi));
    }
    if (m.interfaces) {
      const ifs = m.interfaces;
      this.#block(BLOCK.IL_V2, () => encodeInterfaceList(s, ifs));
    }
    if (m.users || m.groups) this.#block(BLOCK.UL_V2, () => encodeUserList(s, m.users ?? [], m.groups ?? []));
    if (m.processes) {
      const procs = m.processes;
      this.#block(BLOCK.PL_V9, () => encodeProcessList(s, procs));
    }
    if (m.fds) {
      for (const [tid, fds] of m.fds) {
        const list = this.#portableFds ? fds.map(portableFd) : fds;
        this.#block(BLOCK.FDL_V2, () => encodeFdList(s, tid, list));
      }
    }
  }

  /** Frames a block around what `body` writes: type, length, body, pad, trailer. */
  #block(type: number, body: () => void): void {
    const s = this.#sink;
    const start = s.len;
    s.u32(type);
    s.u32(0);
    body();
    const unpadded = s.len - start + 4;
    const total = padTo4(unpadded);
    const pad = s.reserve(total - unpadded);
    s.buf.fill(0, pad, s.len);
    s.view.setUint32(start + 4, total, true);
    s.u32(total);
  }

  /**
   * Appends one event: an `Event` view (any header generation) or the bytes of
   * an event with a 26-byte header.
   */
  writeEvent(evt: Event | Uint8Array, cpu = 0, dumpFlags = 0): void {
    this.#assertOpen();
    let bytes: Uint8Array;
    if (evt instanceof Event) {
      bytes = evt.headerSize === EVENT_HEADER_SIZE ? evt.bytes.subarray(evt.offset, evt.offset + evt.len) : evt.toBytes();
      cpu = evt.cpu;
      dumpFlags = evt.dumpFlags;
    } else {
      bytes = evt;
    }
    if (bytes.length < EVENT_HEADER_SIZE) throw new ScapError('BAD_EVENT', `event of ${bytes.length} bytes is shorter than its header`);
    const type = bytes[20] | (bytes[21] << 8);
    const large = isLargePayload(type);
    const withFlags = dumpFlags !== 0;
    const blockType = withFlags ? (large ? BLOCK.EVF_V2_LARGE : BLOCK.EVF_V2) : large ? BLOCK.EV_V2_LARGE : BLOCK.EV_V2;
    // libscap pads from (cpu + event) only: the optional flags word keeps 4-byte alignment.
    const total = BLOCK_OVERHEAD + (withFlags ? 4 : 0) + padTo4(2 + bytes.length);
    const s = this.#sink;
    const p = s.reserve(total);
    const v = s.view;
    v.setUint32(p, blockType, true);
    v.setUint32(p + 4, total, true);
    v.setUint16(p + 8, cpu, true);
    let e = p + 10;
    if (withFlags) {
      v.setUint32(e, dumpFlags, true);
      e += 4;
    }
    s.buf.set(bytes, e);
    s.buf.fill(0, e + bytes.length, p + total - 4);
    v.setUint32(p + total - 4, total, true);
    this.#events++;
  }

  /** Appends every event of a batch. Resolves once buffered data is handed to the stream. */
  async writeBatch(batch: EventBatch): Promise<void> {
    for (let i = 0; i < batch.length; i++) this.writeEvent(batch.at(i));
    await this.flush(false);
  }

  /** Hands buffered blocks to the output stream, waiting when it pushes back. */
  async flush(force = true): Promise<void> {
    if (!force && this.#sink.len < this.#flushBytes) return;
    if (this.#sink.len === 0) return;
    const data = this.#sink.result();
    this.#sink = new ByteSink();
    const target = this.#gzip ?? this.#out;
    if (!target.write(data)) await once(target, 'drain');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush(true);
    this.#closed = true;
    const finished = once(this.#out, 'close');
    if (this.#gzip) this.#gzip.end();
    else this.#out.end();
    await finished;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ScapError('WRITER_CLOSED', 'the writer is closed');
  }
}
