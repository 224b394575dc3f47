/**
 * `ScapReader`: streams a `.scap` file (plain or gzip) as batches of events.
 * The file is never loaded whole: blocks are parsed out of a rolling buffer
 * of about `batchBytes`, and each batch is a view over one such buffer.
 */
import { createReadStream } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ScapFileError } from '../errors.js';
import { EventBatch } from '../events/batch.js';
import { Event, EVENT_HEADER_SIZE, recoverNparams } from '../events/event.js';
import { EF, EVENT_ROWS, PPM_EVENT_MAX } from '../events/schema.generated.js';
import {
  BLOCK,
  BLOCK_OVERHEAD,
  CURRENT_MAJOR_VERSION,
  SHB_BODY_SIZE,
  SHB_MAGIC,
  eventBlockKind,
  processListVersion,
} from './blocks.js';
import {
  BodyCursor,
  parseFdList,
  parseInterfaceList,
  parseMachineInfo,
  parseProcessList,
  parseUserList,
  type FdRecord,
  type GroupRecord,
  type InterfaceRecord,
  type MachineInfo,
  type ThreadRecord,
  type UserRecord,
} from './metadata.js';

/** A pcapng option of the section header (code 1 is a comment). */
export interface SectionOption {
  code: number;
  value: Uint8Array;
  /** UTF-8 text of comment options. */
  text?: string;
}

/** One section of a file: its header and the metadata blocks that precede (or follow) its events. */
export interface ScapSection {
  index: number;
  /** File offset of the section header block. */
  offset: number;
  majorVersion: number;
  minorVersion: number;
  options: SectionOption[];
  machineInfo: MachineInfo | undefined;
  processes: ThreadRecord[];
  fds: Map<number, FdRecord[]>;
  interfaces: InterfaceRecord[];
  users: UserRecord[];
  groups: GroupRecord[];
  /** Version of the process list block (1..9), 0 when the section has none. */
  processListVersion: number;
}

/** What generation of the format the file is, as far as it has been read. */
export interface FileGeneration {
  /** `major.minor` of the first section header. */
  sectionVersion: string;
  /** 26 for current event blocks, 22 for old ones (no nparams), undefined before the first event. */
  eventHeaderSize: 22 | 26 | undefined;
  processListVersion: number;
  /**
   * True when the file carries old-version enter events (captures before libs
   * 0.22 recorded enter + exit pairs for every syscall).
   */
  enterExitPairs: boolean;
}

export interface ReaderStats {
  bytes: number;
  blocks: number;
  events: number;
  /** Blocks of unknown type, skipped by their length. */
  skippedBlocks: number;
  /** Events whose type is beyond this schema (kept raw). */
  unknownEventTypes: number;
}

export interface ScapReaderOptions {
  /** Target size of the buffer each batch views (default 1 MiB). */
  batchBytes?: number;
  /** Largest block accepted before the file is called corrupt (default 256 MiB). */
  maxBlockBytes?: number;
  signal?: AbortSignal;
}

/** A batch of file events, with the section they belong to. */
export class FileBatch extends EventBatch {
  section!: ScapSection;
}

export type ScapSource = string | URL | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

/** EVENT_KIND bit: the type's parameter lengths are u32, not u16. */
const KIND_LARGE = 1;
/** EVENT_KIND bit: an enter event of the old enter + exit generation. */
const KIND_OLD_ENTER = 2;
/** KIND_* bits by event type: both in one load on the scan's path. */
const EVENT_KIND = new Uint8Array(PPM_EVENT_MAX);
EVENT_ROWS.forEach(([, , flags], code) => {
  if ((flags & EF.LARGE_PAYLOAD) !== 0) EVENT_KIND[code] |= KIND_LARGE;
  if ((code & 1) === 0 && (flags & EF.OLD_VERSION) !== 0) EVENT_KIND[code] |= KIND_OLD_ENTER;
});

const GZIP_1 = 0x1f;
const GZIP_2 = 0x8b;
const MAX_NON_LARGE_EVENT_BLOCK = 65536 + 64;

function rawChunks(source: ScapSource): AsyncIterable<Uint8Array> {
  if (typeof source === 'string' || source instanceof URL) return createReadStream(source, { highWaterMark: 1 << 20 });
  if (source instanceof Uint8Array) return Readable.from([source]);
  return source as AsyncIterable<Uint8Array>;
}

/** A plain (not gzip) file path opened for direct reads, or undefined for anything else. */
async function plainFile(source: ScapSource): Promise<FileHandle | undefined> {
  if (typeof source !== 'string' && !(source instanceof URL)) return undefined;
  const fh = await openFile(source, 'r');
  try {
    const head = new Uint8Array(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    if (bytesRead === 2 && head[0] === GZIP_1 && head[1] === GZIP_2) {
      await fh.close();
      return undefined;
    }
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function* emptyChunks(): AsyncGenerator<Uint8Array> {}

/** Decompresses gzip input transparently (as gzread does); plain input passes through. */
async function* decompressed(raw: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = raw[Symbol.asyncIterator]();
  let head: Uint8Array = new Uint8Array(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) break;
    head = head.length ? concat([head, r.value]) : r.value;
  }
  const rest = async function* () {
    if (head.length) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  };
  if (head.length >= 2 && head[0] === GZIP_1 && head[1] === GZIP_2) {
    yield* gunzipped(rest());
  } else {
    yield* rest();
  }
}

/** Compressed bytes handed to zlib at a time: bounds the decompressed output held in memory. */
const GZIP_SLICE = 64 << 10;

/**
 * Gunzips `input`. Each slice of input is fully decompressed and its output handed on
 * before the next is written, so everything decodable before a corrupt or truncated
 * spot comes out, and the GZIP error's offset is exactly where decoding stopped.
 * (Iterating the zlib stream itself drops output still buffered when it errors, and
 * piping the last chunk in lets zlib decode it with Z_FINISH, losing its output.)
 */
async function* gunzipped(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  const out: Uint8Array[] = [];
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // Flowing mode: zlib's output is emitted as it is produced, never left in the stream's buffer.
  gunzip.on('data', (c: Uint8Array) => {
    out.push(c);
    notify();
  });
  gunzip.on('error', (e: Error) => {
    failure = e;
    notify();
  });
  gunzip.on('end', () => {
    ended = true;
    notify();
  });
  let produced = 0;
  async function* drainUntil(done: () => boolean): AsyncGenerator<Uint8Array> {
    for (;;) {
      while (out.length > 0) {
        const c = out.shift()!;
        produced += c.length;
        yield c;
      }
      if (failure) throw new ScapFileError('GZIP', `gzip stream is corrupt or truncated: ${failure.message}`, produced, undefined, { cause: failure });
      if (done()) return;
      await new Promise<void>((r) => (wake = r));
    }
  }
  try {
    for await (const chunk of input) {
      for (let p = 0; p < chunk.length; p += GZIP_SLICE) {
        let written = false;
        gunzip.write(chunk.subarray(p, p + GZIP_SLICE), (err) => {
          if (err) failure ??= gunzip.errored ?? err;
          written = true;
          notify();
        });
        yield* drainUntil(() => written);
      }
    }
    gunzip.end();
    yield* drainUntil(() => ended);
  } finally {
    gunzip.destroy();
  }
}

/** Bytes kept free before each chunk read ahead: room for the previous chunk's tail, any event block but a large-payload one. */
const READ_AHEAD_HEADROOM = MAX_NON_LARGE_EVENT_BLOCK;

/**
 * Chunks kept in reading ahead of the one being parsed. With one, reads the
 * thread pool was slow to get to (a busy machine) kept the parser waiting for
 * a sixth of a full decode's time (bench/scapfile-read.mjs); with two, half that.
 */
const READ_AHEAD_CHUNKS = 2;

interface FileChunk {
  /** The whole allocation: headroom, then the bytes read. */
  buffer: Uint8Array;
  data: Uint8Array;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function newSection(index: number, offset: number): ScapSection {
  return {
    index, offset, majorVersion: 0, minorVersion: 0, options: [], machineInfo: undefined, processes: [],
    fds: new Map(), interfaces: [], users: [], groups: [], processListVersion: 0,
  };
}

export class ScapReader implements AsyncIterable<Event>, AsyncDisposable {
  readonly sections: ScapSection[] = [];
  readonly stats: ReaderStats = { bytes: 0, blocks: 0, events: 0, skippedBlocks: 0, unknownEventTypes: 0 };
  readonly #chunks: AsyncIterator<Uint8Array>;
  /** Set for plain files, read straight into the parse buffer (no stream, no concatenation copy). */
  #file: FileHandle | undefined;
  /** File offset of the next read (reads ahead included). */
  #filePos = 0;
  /** The chunks being read ahead, in file order. */
  #ahead: Promise<FileChunk>[] = [];
  readonly #batchBytes: number;
  readonly #maxBlock: number;
  readonly #signal: AbortSignal | undefined;
  #buf: Uint8Array = new Uint8Array(0);
  #view = new DataView(this.#buf.buffer);
  /** File offset of #buf[0]. */
  #base = 0;
  #pos = 0;
  #eof = false;
  #closed = false;
  #eventHeaderSize: 22 | 26 | undefined;
  #enterExitPairs = false;
  // Events found in #buf and not yet handed out.
  #offsets = new Uint32Array(4096);
  #cpus = new Uint16Array(4096);
  /** Zero at every slot but those of EVF events since the last batch (#flagsSet), so EV events need no store. */
  #flags = new Uint32Array(4096);
  #flagsSet = false;
  #hsizes: Uint8Array | undefined;
  #count = 0;
  #pendingSection: ScapSection | undefined;
  /** A defect met after events were collected: thrown once those events are handed out. */
  #pendingError: ScapFileError | undefined;
  /** The decompressor's error, thrown once the bytes decoded before it are used up. */
  #inputError: ScapFileError | undefined;

  private constructor(source: ScapSource, file: FileHandle | undefined, options: ScapReaderOptions) {
    this.#file = file;
    this.#chunks = file ? emptyChunks() : decompressed(rawChunks(source))[Symbol.asyncIterator]();
    this.#batchBytes = options.batchBytes ?? 1 << 20;
    this.#maxBlock = options.maxBlockBytes ?? 256 << 20;
    this.#signal = options.signal;
  }

  /**
   * Opens a file (path, URL, bytes or stream) and reads its section header and
   * the metadata blocks before the first event, so `section` is ready.
   */
  static async open(source: ScapSource, options: ScapReaderOptions = {}): Promise<ScapReader> {
    const r = new ScapReader(source, await plainFile(source), options);
    try {
      await r.#pump(true);
    } catch (e) {
      await r.close();
      throw e;
    }
    return r;
  }

  /** The current section (the first one right after open). */
  get section(): ScapSection {
    return this.sections[this.sections.length - 1];
  }

  get generation(): FileGeneration {
    const s = this.sections[0];
    return {
      sectionVersion: `${s.majorVersion}.${s.minorVersion}`,
      eventHeaderSize: this.#eventHeaderSize,
      processListVersion: s.processListVersion,
      enterExitPairs: this.#enterExitPairs,
    };
  }

  /** Batches of events in file order. */
  async *batches(): AsyncGenerator<FileBatch> {
    try {
      for (;;) {
        const b = await this.#pump(false);
        if (!b) return;
        yield b;
      }
    } finally {
      await this.close();
    }
  }

  /** Events one by one (each a lazy view into its batch). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Event> {
    for await (const b of this.batches()) {
      for (let i = 0; i < b.length; i++) yield b.at(i);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#chunks.return?.();
    // The file stays open until the read ahead is over.
    for (const a of this.#ahead) await a.catch(() => undefined);
    await this.#file?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #fail(code: string, why: string, at: number, blockType?: number): never {
    throw new ScapFileError(code, why, this.#base + at, blockType);
  }

  /** Makes at least `n` bytes available at #pos; false at end of input. Replaces #buf. */
  async #ensure(n: number): Promise<boolean> {
    if (this.#buf.length - this.#pos >= n) return true;
    if (this.#file) return this.#ensureFromFile(n);
    const parts: Uint8Array[] = [this.#buf.subarray(this.#pos)];
    let have = parts[0].length;
    const want = Math.max(n, this.#batchBytes);
    while (have < want && !this.#eof) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      let r: IteratorResult<Uint8Array>;
      try {
        r = await this.#chunks.next();
      } catch (e) {
        // Corrupt or truncated gzip: what was decoded before it is still parsed, then this is thrown.
        if (!(e instanceof ScapFileError)) throw e;
        this.#inputError = e;
        this.#eof = true;
        break;
      }
      if (r.done) {
        this.#eof = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
      this.stats.bytes += r.value.length;
    }
    this.#base += this.#pos;
    this.#buf = parts.length === 1 ? parts[0] : concat(parts);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    this.#pos = 0;
    if (this.#buf.length < n && this.#inputError) throw this.#inputError;
    return this.#buf.length >= n;
  }

  /**
   * #ensure for plain files. The next chunks (READ_AHEAD_CHUNKS) are read
   * ahead, while the caller works on the current one (a read waited for leaves
   * the thread idle for a quarter of a file's walk); the unparsed tail of the
   * current buffer (a block cut by the chunk's end) goes into the headroom kept
   * before the chunk.
   */
  async #ensureFromFile(n: number): Promise<boolean> {
    const tail = this.#buf.subarray(this.#pos);
    const parts: Uint8Array[] = [];
    let have = tail.length;
    let first: FileChunk | undefined;
    while (have < n && !this.#eof) {
      if (this.#signal?.aborted) throw this.#signal.reason;
      const c = await (this.#ahead.shift() ?? this.#readChunk(Math.max(this.#batchBytes, n - have)));
      if (c.data.length === 0) {
        this.#eof = true;
        break;
      }
      first ??= c;
      parts.push(c.data);
      have += c.data.length;
      this.stats.bytes += c.data.length;
    }
    this.#base += this.#pos;
    if (parts.length === 1 && tail.length <= READ_AHEAD_HEADROOM) {
      // The usual case: no copy of the chunk, only of the tail.
      const start = READ_AHEAD_HEADROOM - tail.length;
      first!.buffer.set(tail, start);
      this.#buf = first!.buffer.subarray(start, READ_AHEAD_HEADROOM + first!.data.length);
    } else {
      this.#buf = concat([tail, ...parts]);
    }
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    this.#pos = 0;
    if (!this.#eof) while (this.#ahead.length < READ_AHEAD_CHUNKS) this.#ahead.push(this.#readChunk(this.#batchBytes));
    return this.#buf.length >= n;
  }

  /** Starts reading the next `size` bytes of the file; fewer only at its end. */
  #readChunk(size: number): Promise<FileChunk> {
    const pos = this.#filePos;
    this.#filePos += size;
    const file = this.#file!;
    // Not zero-filled: every byte handed out is read from the file first.
    const buffer = new Uint8Array(Buffer.allocUnsafeSlow(READ_AHEAD_HEADROOM + size).buffer);
    const read = (async () => {
      let filled = 0;
      while (filled < size) {
        const { bytesRead } = await file.read(buffer, READ_AHEAD_HEADROOM + filled, size - filled, pos + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return { buffer, data: buffer.subarray(READ_AHEAD_HEADROOM, READ_AHEAD_HEADROOM + filled) };
    })();
    // Its error, if any, surfaces where it is awaited; a reader closed before that ignores it.
    read.catch(() => undefined);
    return read;
  }

  #takeBatch(): FileBatch | undefined {
    if (this.#count === 0) return undefined;
    const n = this.#count;
    const b = new FileBatch(this.#buf, this.#offsets.slice(0, n), n, this.#cpus.slice(0, n), this.#flags.slice(0, n), this.#hsizes?.slice(0, n));
    if (this.#flagsSet) {
      this.#flags.fill(0, 0, n);
      this.#flagsSet = false;
    }
    b.section = this.section;
    this.#count = 0;
    this.#hsizes = undefined;
    return b;
  }

  /**
   * Parses blocks. In header mode, stops before the first event block. Otherwise
   * returns a batch when the buffer runs out, a new section starts, or input ends.
   * A defect after valid events first hands those events out, then throws.
   */
  async #pump(headerMode: boolean): Promise<FileBatch | undefined> {
    const failed = this.#pendingError;
    if (failed) throw failed;
    try {
      return await this.#scan(headerMode);
    } catch (e) {
      if (!(e instanceof ScapFileError) || this.#count === 0) throw e;
      this.#pendingError = e;
      return this.#takeBatch();
    }
  }

  async #scan(headerMode: boolean): Promise<FileBatch | undefined> {
    if (this.#pendingSection) {
      this.sections.push(this.#pendingSection);
      this.#pendingSection = undefined;
    }
    for (;;) {
      if (!headerMode && this.sections.length !== 0) this.#scanEvents();
      if (this.#buf.length - this.#pos < 8) {
        if (this.#count > 0) return this.#takeBatch();
        if (!(await this.#ensure(8))) {
          const left = this.#buf.length - this.#pos;
          if (left !== 0) this.#fail('TRUNCATED', `file ends ${left} bytes into a block header`, this.#pos);
          if (this.sections.length === 0) this.#fail('EMPTY', 'not a .scap file: it is empty', 0);
          return undefined;
        }
      }
      const p = this.#pos;
      const type = this.#view.getUint32(p, true);
      const total = this.#view.getUint32(p + 4, true);
      if (this.sections.length === 0 && type !== BLOCK.SHB) {
        this.#fail('NOT_SCAP', `not a .scap file: first block type is 0x${type.toString(16)}, expected a section header`, p, type);
      }
      if (total < BLOCK_OVERHEAD) this.#fail('BLOCK_LENGTH', `block length ${total} is shorter than a block's ${BLOCK_OVERHEAD}-byte frame`, p + 4, type);
      const kind = eventBlockKind(type);
      if (kind && headerMode) return undefined;
      const limit = kind && !kind.large ? MAX_NON_LARGE_EVENT_BLOCK : this.#maxBlock;
      if (total > limit) this.#fail('BLOCK_TOO_LARGE', `block length ${total} exceeds the limit of ${limit}`, p + 4, type);
      if (this.#buf.length - p < total) {
        if (this.#count > 0) return this.#takeBatch();
        if (!(await this.#ensure(total))) {
          this.#fail('TRUNCATED', `block of ${total} bytes is cut short: the file ends ${this.#buf.length - this.#pos} bytes into it`, this.#pos, type);
        }
        continue;
      }
      const trailer = this.#view.getUint32(p + total - 4, true);
      if (trailer !== total) this.#fail('BLOCK_TRAILER', `block length ${total} disagrees with its trailer ${trailer}`, p + total - 4, type);
      this.stats.blocks++;
      if (kind) {
        this.#addEvent(p, total, type, kind.headerSize, kind.hasFlags);
        this.#pos = p + total;
        continue;
      }
      if (type === BLOCK.SHB) {
        const sec = this.#parseSectionHeader(p, total);
        this.#pos = p + total;
        if (this.sections.length === 0) {
          this.sections.push(sec);
        } else if (this.#count > 0) {
          // Events before this header belong to the previous section: hand them out first.
          this.#pendingSection = sec;
          return this.#takeBatch();
        } else {
          this.sections.push(sec);
        }
        continue;
      }
      this.#parseMetadata(p, total, type);
      this.#pos = p + total;
    }
  }

  #parseSectionHeader(p: number, total: number): ScapSection {
    if (total < BLOCK_OVERHEAD + SHB_BODY_SIZE) this.#fail('BLOCK_LENGTH', `section header of ${total} bytes is shorter than ${BLOCK_OVERHEAD + SHB_BODY_SIZE}`, p + 4, BLOCK.SHB);
    const v = this.#view;
    const magic = v.getUint32(p + 8, true);
    if (magic !== SHB_MAGIC) {
      const swapped = magic === 0x4d3c2b1a;
      this.#fail('BAD_MAGIC', swapped ? 'section header is big-endian, which no scap writer produces' : `bad byte-order magic 0x${magic.toString(16)}`, p + 8, BLOCK.SHB);
    }
    const sec = newSection(this.sections.length + (this.#pendingSection ? 1 : 0), this.#base + p);
    sec.majorVersion = v.getUint16(p + 12, true);
    sec.minorVersion = v.getUint16(p + 14, true);
    if (sec.majorVersion > CURRENT_MAJOR_VERSION) {
      this.#fail('VERSION', `section version ${sec.majorVersion}.${sec.minorVersion} is newer than this reader (${CURRENT_MAJOR_VERSION}.x)`, p + 12, BLOCK.SHB);
    }
    // pcapng options: u16 code, u16 length, value padded to 4; code 0 ends the list.
    let o = p + 8 + SHB_BODY_SIZE;
    const end = p + total - 4;
    while (o + 4 <= end) {
      const code = v.getUint16(o, true);
      const len = v.getUint16(o + 2, true);
      if (code === 0) break;
      if (o + 4 + len > end) this.#fail('OPTION_LENGTH', `section option ${code} of ${len} bytes runs past the header`, o, BLOCK.SHB);
      const value = this.#buf.slice(o + 4, o + 4 + len);
      const opt: SectionOption = { code, value };
      if (code === 1) opt.text = new TextDecoder().decode(value).replace(/\0+$/, '');
      sec.options.push(opt);
      o += 4 + ((len + 3) & ~3);
    }
    return sec;
  }

  #parseMetadata(p: number, total: number, type: number): void {
    const sec = this.#pendingSection ?? this.section;
    const c = new BodyCursor(this.#buf, this.#view, p + 8, p + total - 4, this.#base, type);
    switch (type) {
      case BLOCK.MI:
      case BLOCK.MI_INT:
        sec.machineInfo = parseMachineInfo(c);
        return;
      case BLOCK.FDL:
      case BLOCK.FDL_INT:
      case BLOCK.FDL_V2: {
        const { tid, fds } = parseFdList(c, type);
        const list = sec.fds.get(tid);
        if (list) list.push(...fds);
        else sec.fds.set(tid, fds);
        return;
      }
      case BLOCK.IL:
      case BLOCK.IL_INT:
      case BLOCK.IL_V2:
        sec.interfaces.push(...parseInterfaceList(c, type));
        return;
      case BLOCK.UL:
      case BLOCK.UL_INT:
      case BLOCK.UL_V2: {
        const { users, groups } = parseUserList(c, type);
        sec.users.push(...users);
        sec.groups.push(...groups);
        return;
      }
      default: {
        const plv = processListVersion(type);
        if (plv) {
          sec.processListVersion = plv;
          sec.processes.push(...parseProcessList(c, type));
          return;
        }
        this.stats.skippedBlocks++;
      }
    }
  }

  /** Validates the event in an event block and records it in the pending batch. */
  #addEvent(p: number, total: number, blockType: number, headerSize: 22 | 26, hasFlags: boolean): void {
    const v = this.#view;
    const prefix = hasFlags ? 6 : 2;
    const e = p + 8 + prefix;
    const avail = total - BLOCK_OVERHEAD - prefix;
    if (avail < headerSize) this.#fail('EVENT_TRUNCATED', `event block has ${avail} bytes, less than a ${headerSize}-byte event header`, e, blockType);
    const len = v.getUint32(e + 16, true);
    if (len < headerSize || len > avail) this.#fail('EVENT_LENGTH', `event length ${len} does not fit its block (${avail} bytes available)`, e + 16, blockType);
    const type = v.getUint16(e + 20, true);
    if (type >= PPM_EVENT_MAX) this.stats.unknownEventTypes++;
    else if ((EVENT_KIND[type] & KIND_OLD_ENTER) !== 0) this.#enterExitPairs = true;
    if (headerSize === EVENT_HEADER_SIZE) {
      const n = v.getUint32(e + 22, true);
      const lenSize = type < PPM_EVENT_MAX && (EVENT_KIND[type] & KIND_LARGE) !== 0 ? 4 : 2;
      if (n * lenSize > len - EVENT_HEADER_SIZE) this.#fail('EVENT_NPARAMS', `event type ${type} claims ${n} params, more than its ${len} bytes can list`, e + 22, blockType);
      let sum = EVENT_HEADER_SIZE + n * lenSize;
      const lens = e + EVENT_HEADER_SIZE;
      if (lenSize === 2) for (let i = 0; i < n; i++) sum += v.getUint16(lens + 2 * i, true);
      else for (let i = 0; i < n; i++) sum += v.getUint32(lens + 4 * i, true);
      if (sum > len) this.#fail('PARAM_LENGTHS', `event type ${type}: parameter lengths add up to ${sum} bytes, past its length ${len}`, lens, blockType);
    } else if (recoverNparams(v, e, len, type) < 0) {
      this.#fail('EVENT_NPARAMS', `old-format event type ${type}: no parameter count matches its length ${len}`, e, blockType);
    }
    if (this.#eventHeaderSize === undefined) this.#eventHeaderSize = headerSize;
    const i = this.#count;
    if (i === this.#offsets.length) this.#grow();
    this.#offsets[i] = e;
    this.#cpus[i] = v.getUint16(p + 8, true);
    if (hasFlags) {
      this.#flags[i] = v.getUint32(p + 10, true);
      this.#flagsSet = true;
    }
    if (headerSize !== EVENT_HEADER_SIZE || this.#hsizes) {
      if (!this.#hsizes) this.#hsizes = new Uint8Array(this.#offsets.length).fill(EVENT_HEADER_SIZE);
      this.#hsizes[i] = headerSize;
    }
    this.#count = i + 1;
    this.stats.events++;
  }

  /**
   * Fast path of #scan for runs of current-generation event blocks (EV/EVF v2,
   * plain or large) that lie whole in #buf: the same checks as #scan and
   * #addEvent, on locals. It stops, leaving #pos at the block, at anything
   * else: other block types, a block that needs more input, an unknown event
   * type, or any check that fails. #scan then handles that block as before, so
   * errors, refills and batch boundaries are exactly those of the slow path.
   */
  #scanEvents(): void {
    const b = this.#buf;
    const v = this.#view;
    const end = b.length;
    const maxLarge = this.#maxBlock;
    let offsets = this.#offsets;
    let cpus = this.#cpus;
    let flags = this.#flags;
    let p = this.#pos;
    let i = this.#count;
    const first = i;
    let kinds = 0;
    let flagsSet = false;
    while (end - p >= 8) {
      const type = v.getUint32(p, true);
      let prefix: number;
      let limit = MAX_NON_LARGE_EVENT_BLOCK;
      if (type === BLOCK.EV_V2) prefix = 2;
      else if (type === BLOCK.EVF_V2) prefix = 6;
      else if (type === BLOCK.EV_V2_LARGE) {
        prefix = 2;
        limit = maxLarge;
      } else if (type === BLOCK.EVF_V2_LARGE) {
        prefix = 6;
        limit = maxLarge;
      } else break;
      const total = v.getUint32(p + 4, true);
      if (total < BLOCK_OVERHEAD || total > limit || end - p < total) break;
      if (v.getUint32(p + total - 4, true) !== total) break;
      const e = p + 8 + prefix;
      const avail = total - BLOCK_OVERHEAD - prefix;
      if (avail < EVENT_HEADER_SIZE) break;
      const len = v.getUint32(e + 16, true);
      if (len < EVENT_HEADER_SIZE || len > avail) break;
      const evType = v.getUint16(e + 20, true);
      if (evType >= PPM_EVENT_MAX) break;
      const n = v.getUint32(e + 22, true);
      const lens = e + EVENT_HEADER_SIZE;
      const kind = EVENT_KIND[evType];
      let sum: number;
      if ((kind & KIND_LARGE) !== 0) {
        if (n * 4 > len - EVENT_HEADER_SIZE) break;
        sum = EVENT_HEADER_SIZE + n * 4;
        for (let k = 0; k < n; k++) sum += v.getUint32(lens + 4 * k, true);
      } else {
        if (n * 2 > len - EVENT_HEADER_SIZE) break;
        sum = EVENT_HEADER_SIZE + n * 2;
        // Two u16 lengths per u32 read: 10% off the scan.
        const pairsEnd = lens + 4 * (n >>> 1);
        let q = lens;
        for (; q < pairsEnd; q += 4) {
          const two = v.getUint32(q, true);
          sum += (two & 0xffff) + (two >>> 16);
        }
        if ((n & 1) !== 0) sum += v.getUint16(q, true);
      }
      if (sum > len) break;
      kinds |= kind;
      if (i === offsets.length) {
        this.#count = i;
        this.#grow();
        offsets = this.#offsets;
        cpus = this.#cpus;
        flags = this.#flags;
      }
      offsets[i] = e;
      cpus[i] = v.getUint16(p + 8, true);
      if (prefix === 6) {
        flags[i] = v.getUint32(p + 10, true);
        flagsSet = true;
      }
      i++;
      p += total;
    }
    const added = i - first;
    if (added === 0) return;
    // #hsizes, when the batch has one (old events in it), already holds 26 in every slot not set.
    if ((kinds & KIND_OLD_ENTER) !== 0) this.#enterExitPairs = true;
    if (flagsSet) this.#flagsSet = true;
    if (this.#eventHeaderSize === undefined) this.#eventHeaderSize = EVENT_HEADER_SIZE;
    this.#count = i;
    this.#pos = p;
    this.stats.blocks += added;
    this.stats.events += added;
  }

  #grow(): void {
    const n = this.#offsets.length * 2;
    const o = new Uint32Array(n);
    o.set(this.#offsets);
    this.#offsets = o;
    const c = new Uint16Array(n);
    c.set(this.#cpus);
    this.#cpus = c;
    const f = new Uint32Array(n);
    f.set(this.#flags);
    this.#flags = f;
    if (this.#hsizes) {
      const h = new Uint8Array(n).fill(EVENT_HEADER_SIZE);
      h.set(this.#hsizes);
      this.#hsizes = h;
    }
  }
}
