/**
 * Metadata blocks of a `.scap` section: machine info, process list, fd lists,
 * interfaces, users and groups. Each has a parser for every version the
 * reference lists and an encoder for the current version.
 */
import { ScapFileError } from '../errors.js';
import { readCString, readI64AsNumber, splitCStrings } from '../events/decode.js';
import { encodeParam } from '../events/encode.js';
import { PT } from '../events/schema.generated.js';
import { ipv4ToString, ipv6ToString } from '../events/values.js';
import { BLOCK, MACHINE_INFO_SIZE, processListVersion } from './blocks.js';

export interface MachineInfo {
  numCpus: number;
  memorySizeBytes: bigint;
  maxPid: bigint;
  hostname: string;
  bootTsEpoch: bigint;
  flags: bigint;
}

/** One thread of the process list block, with the defaults libscap uses for absent fields. */
export interface ThreadRecord {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  comm: string;
  exe: string;
  exepath: string;
  args: string[];
  cwd: string;
  fdlimit: bigint;
  flags: number;
  uid: number;
  gid: number;
  vmsizeKb: number;
  vmrssKb: number;
  vmswapKb: number;
  pfmajor: bigint;
  pfminor: bigint;
  env: string[];
  vtid: number;
  vpid: number;
  cgroups: string[];
  root: string;
  pidnsInitStartTs: bigint;
  tty: number;
  loginuid: number;
  exeWritable: boolean;
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeUpperLayer: boolean;
  exeLowerLayer: boolean;
  exeIno: bigint;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  exeFromMemfd: boolean;
}

/** scap_fd_type codes. */
export const FD_TYPE = {
  UNKNOWN: 0, FILE: 1, DIRECTORY: 2, IPV4_SOCK: 3, IPV6_SOCK: 4, IPV4_SERVSOCK: 5, IPV6_SERVSOCK: 6,
  FIFO: 7, UNIX_SOCK: 8, EVENT: 9, UNSUPPORTED: 10, SIGNALFD: 11, EVENTPOLL: 12, INOTIFY: 13,
  TIMERFD: 14, NETLINK: 15, FILE_V2: 16, BPF: 17, USERFAULTFD: 18, IOURING: 19, MEMFD: 20, PIDFD: 21,
} as const;

export interface FdRecord {
  fd: number;
  ino: bigint;
  type: number;
  /** File, directory and other named fds; unix socket path. */
  name?: string;
  openFlags?: number;
  dev?: number;
  sip?: string;
  dip?: string;
  sport?: number;
  dport?: number;
  l4proto?: number;
  /** Kernel socket pointers of a unix socket. */
  source?: bigint;
  dest?: bigint;
}

export interface InterfaceRecord {
  family: 'ipv4' | 'ipv6';
  name: string;
  addr: string;
  netmask: string;
  bcast: string;
  /** Absent in the NOLINKSPEED entry types of old files. */
  linkspeed: bigint | undefined;
}

export interface UserRecord {
  uid: number;
  gid: number;
  name: string;
  homedir: string;
  shell: string;
}

export interface GroupRecord {
  gid: number;
  name: string;
}

const textEncoder = new TextEncoder();

/** Bounds-checked reader over one block body; every error names the absolute file offset. */
export class BodyCursor {
  pos: number;
  readonly end: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    start: number,
    end: number,
    /** File offset of bytes[0]. */
    readonly base: number,
    readonly blockType: number,
  ) {
    this.pos = start;
    this.end = end;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  fail(code: string, why: string, at = this.pos): never {
    throw new ScapFileError(code, why, this.base + at, this.blockType);
  }
  need(n: number, what: string): number {
    if (this.pos + n > this.end) this.fail('RECORD_TRUNCATED', `${what} needs ${n} bytes, ${this.end - this.pos} left in the block`);
    const p = this.pos;
    this.pos += n;
    return p;
  }
  u8(what: string): number {
    return this.bytes[this.need(1, what)];
  }
  u16(what: string): number {
    return this.view.getUint16(this.need(2, what), true);
  }
  u32(what: string): number {
    return this.view.getUint32(this.need(4, what), true);
  }
  i64n(what: string): number {
    return readI64AsNumber(this.view, this.need(8, what));
  }
  u64(what: string): bigint {
    return this.view.getBigUint64(this.need(8, what), true);
  }
  raw(n: number, what: string): Uint8Array {
    const p = this.need(n, what);
    return this.bytes.subarray(p, p + n);
  }
  /** u16 length + bytes (not NUL-terminated on file). */
  lenString(what: string, max = 0xffff): string {
    const n = this.u16(`${what} length`);
    if (n > max) this.fail('STRING_TOO_LONG', `${what} of ${n} bytes exceeds ${max}`, this.pos - 2);
    return decodeText(this.raw(n, what));
  }
  /** u16 length + NUL-separated list. */
  lenList(what: string, max: number): string[] {
    const n = this.u16(`${what} length`);
    if (n > max) this.fail('STRING_TOO_LONG', `${what} of ${n} bytes exceeds ${max}`, this.pos - 2);
    const p = this.need(n, what);
    return splitCStrings(this.bytes, p, p + n);
  }
}

/** The text up to the first NUL: some writers include the terminating NUL inside the length. */
function decodeText(b: Uint8Array): string {
  return readCString(b, 0, b.length);
}

const SCAP_MAX_PATH_SIZE = 1024;
const SCAP_MAX_ARGS_SIZE = 4096;
const SCAP_MAX_ENV_SIZE = 4096;
const SCAP_MAX_CGROUPS_SIZE = 4096;
const MAX_CREDENTIALS_STR_LEN = 256;

export function parseMachineInfo(c: BodyCursor): MachineInfo {
  if (c.remaining < MACHINE_INFO_SIZE) c.fail('RECORD_TRUNCATED', `machine info needs ${MACHINE_INFO_SIZE} bytes, block has ${c.remaining}`);
  const numCpus = c.u32('num_cpus');
  const memorySizeBytes = c.u64('memory_size_bytes');
  const maxPid = c.u64('max_pid');
  const hostname = decodeText(c.raw(128, 'hostname'));
  const bootTsEpoch = c.u64('boot_ts_epoch');
  const flags = c.u64('flags');
  return { numCpus, memorySizeBytes, maxPid, hostname, bootTsEpoch, flags };
}

export function emptyThread(tid: number): ThreadRecord {
  return {
    tid, pid: tid, ptid: 0, sid: -1, vpgid: -1, pgid: -1, comm: '', exe: '', exepath: '', args: [], cwd: '',
    fdlimit: 0n, flags: 0, uid: 0, gid: 0, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfmajor: 0n, pfminor: 0n,
    env: [], vtid: -1, vpid: -1, cgroups: [], root: '', pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff,
    exeWritable: false, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeUpperLayer: false,
    exeLowerLayer: false, exeIno: 0n, exeInoCtime: 0n, exeInoMtime: 0n, exeFromMemfd: false,
  };
}

/** Parses a process list block body (any version) into thread records. */
export function parseProcessList(c: BodyCursor, blockType: number): ThreadRecord[] {
  const v = processListVersion(blockType);
  const out: ThreadRecord[] = [];
  while (c.remaining >= 4) {
    const entryStart = c.pos;
    let entryLen = 0;
    if (v >= 9) {
      entryLen = c.u32('entry_len');
      if (entryLen < 4 || entryStart + entryLen > c.end) c.fail('ENTRY_LENGTH', `process entry length ${entryLen} does not fit the block`, entryStart);
    }
    const t = emptyThread(0);
    t.tid = c.i64n('tid');
    t.pid = c.i64n('pid');
    t.ptid = c.i64n('ptid');
    if (v >= 6) t.sid = c.i64n('sid');
    if (v >= 8) t.vpgid = c.i64n('vpgid');
    t.comm = c.lenString('comm', SCAP_MAX_PATH_SIZE);
    t.exe = c.lenString('exe', SCAP_MAX_PATH_SIZE);
    if (v >= 7) t.exepath = c.lenString('exepath', SCAP_MAX_PATH_SIZE);
    t.args = c.lenList('args', SCAP_MAX_ARGS_SIZE);
    t.cwd = c.lenString('cwd', SCAP_MAX_PATH_SIZE);
    t.fdlimit = c.u64('fdlimit');
    t.flags = c.u32('flags');
    t.uid = c.u32('uid');
    t.gid = c.u32('gid');
    if (v >= 2) {
      t.vmsizeKb = c.u32('vmsize_kb');
      t.vmrssKb = c.u32('vmrss_kb');
      t.vmswapKb = c.u32('vmswap_kb');
      t.pfmajor = c.u64('pfmajor');
      t.pfminor = c.u64('pfminor');
    }
    if (v >= 3) t.env = c.lenList('env', SCAP_MAX_ENV_SIZE);
    if (v >= 4) {
      t.vtid = c.i64n('vtid');
      t.vpid = c.i64n('vpid');
      t.cgroups = c.lenList('cgroups', SCAP_MAX_CGROUPS_SIZE);
    }
    if (v >= 5) t.root = c.lenString('root', SCAP_MAX_PATH_SIZE);
    if (entryLen) {
      const entryEnd = entryStart + entryLen;
      if (c.pos > entryEnd) c.fail('ENTRY_LENGTH', `process entry of ${entryLen} bytes is shorter than its version-${v} fields`, entryStart);
      const fits = (n: number) => c.pos + n <= entryEnd;
      // Writers before libs 0.10 had only loginuid..cap_effective (29 bytes) here.
      if (entryEnd - c.pos > 29) {
        if (fits(8)) t.pidnsInitStartTs = c.u64('pidns_init_start_ts');
        if (fits(4)) t.tty = c.u32('tty');
      }
      if (fits(4)) t.loginuid = c.u32('loginuid');
      if (fits(1)) t.exeWritable = c.u8('exe_writable') !== 0;
      if (fits(8)) t.capInheritable = c.u64('cap_inheritable');
      if (fits(8)) t.capPermitted = c.u64('cap_permitted');
      if (fits(8)) t.capEffective = c.u64('cap_effective');
      if (fits(1)) t.exeUpperLayer = c.u8('exe_upper_layer') !== 0;
      if (fits(8)) t.exeIno = c.u64('exe_ino');
      if (fits(8)) t.exeInoCtime = c.u64('exe_ino_ctime');
      if (fits(8)) t.exeInoMtime = c.u64('exe_ino_mtime');
      if (fits(1)) t.exeFromMemfd = c.u8('exe_from_memfd') !== 0;
      if (fits(1)) t.exeLowerLayer = c.u8('exe_lower_layer') !== 0;
      if (fits(8)) t.pgid = c.i64n('pgid');
      c.pos = entryEnd;
    }
    out.push(t);
  }
  return out;
}

/** Parses an fd list block body: the owning tid and its fd records. */
export function parseFdList(c: BodyCursor, blockType: number): { tid: number; fds: FdRecord[] } {
  const v2 = blockType === BLOCK.FDL_V2;
  const tid = c.i64n('tid');
  const fds: FdRecord[] = [];
  while (c.remaining >= 4) {
    const entryStart = c.pos;
    let entryLen = 0;
    if (v2) {
      entryLen = c.u32('entry_len');
      if (entryLen < 4 || entryStart + entryLen > c.end) c.fail('ENTRY_LENGTH', `fd entry length ${entryLen} does not fit the block`, entryStart);
    }
    const fd: FdRecord = { fd: c.i64n('fd'), ino: c.u64('ino'), type: c.u8('type') };
    switch (fd.type) {
      case FD_TYPE.IPV4_SOCK: {
        const s = c.raw(4, 'sip');
        const d = c.raw(4, 'dip');
        fd.sip = ipv4ToString(s, 0);
        fd.dip = ipv4ToString(d, 0);
        fd.sport = c.u16('sport');
        fd.dport = c.u16('dport');
        fd.l4proto = c.u8('l4proto');
        break;
      }
      case FD_TYPE.IPV4_SERVSOCK:
        fd.sip = ipv4ToString(c.raw(4, 'ip'), 0);
        fd.sport = c.u16('port');
        fd.l4proto = c.u8('l4proto');
        break;
      case FD_TYPE.IPV6_SOCK:
        fd.sip = ipv6ToString(c.raw(16, 'sip'), 0);
        fd.dip = ipv6ToString(c.raw(16, 'dip'), 0);
        fd.sport = c.u16('sport');
        fd.dport = c.u16('dport');
        fd.l4proto = c.u8('l4proto');
        break;
      case FD_TYPE.IPV6_SERVSOCK:
        fd.sip = ipv6ToString(c.raw(16, 'ip'), 0);
        fd.sport = c.u16('port');
        fd.l4proto = c.u8('l4proto');
        break;
      case FD_TYPE.UNIX_SOCK:
        fd.source = c.u64('source');
        fd.dest = c.u64('destination');
        fd.name = c.lenString('name', SCAP_MAX_PATH_SIZE - 1);
        break;
      case FD_TYPE.FILE_V2:
        fd.openFlags = c.u32('open_flags');
        fd.name = c.lenString('name', SCAP_MAX_PATH_SIZE - 1);
        if (entryLen && c.pos + 4 <= entryStart + entryLen) fd.dev = c.u32('dev');
        break;
      case FD_TYPE.UNKNOWN:
        break;
      default:
        if (fd.type <= FD_TYPE.PIDFD) {
          fd.name = c.lenString('name', SCAP_MAX_PATH_SIZE - 1);
        } else {
          // A newer writer's fd type: V2 entries can be skipped by length, V1 ones cannot.
          if (!entryLen) c.fail('UNKNOWN_FD_TYPE', `fd type ${fd.type} in a version-1 fd list cannot be skipped`, entryStart);
          fd.name = `unknown-type:[${fd.type}]`;
          fd.type = FD_TYPE.UNSUPPORTED;
          c.pos = entryStart + entryLen;
        }
    }
    if (entryLen) {
      if (c.pos > entryStart + entryLen) c.fail('ENTRY_LENGTH', `fd entry of ${entryLen} bytes is shorter than its fields`, entryStart);
      c.pos = entryStart + entryLen;
    }
    fds.push(fd);
  }
  return { tid, fds };
}

const II_IPV4 = 1;
const II_IPV6 = 2;
const II_IPV4_NOLINKSPEED = 3;
const II_IPV6_NOLINKSPEED = 4;

export function parseInterfaceList(c: BodyCursor, blockType: number): InterfaceRecord[] {
  const v2 = blockType === BLOCK.IL_V2;
  const out: InterfaceRecord[] = [];
  while (c.remaining >= 4) {
    let entryEnd = 0;
    if (v2) {
      const n = c.u32('entry_len');
      entryEnd = c.pos + n;
      if (entryEnd > c.end) c.fail('ENTRY_LENGTH', `interface entry length ${n} does not fit the block`, c.pos - 4);
    }
    const type = c.u16('type');
    const nameLen = c.u16('ifnamelen');
    if (type === II_IPV4 || type === II_IPV4_NOLINKSPEED) {
      const a = c.raw(4, 'addr');
      const m = c.raw(4, 'netmask');
      const b = c.raw(4, 'bcast');
      const linkspeed = type === II_IPV4 ? c.u64('linkspeed') : undefined;
      out.push({ family: 'ipv4', addr: ipv4ToString(a, 0), netmask: ipv4ToString(m, 0), bcast: ipv4ToString(b, 0), linkspeed, name: decodeText(c.raw(nameLen, 'ifname')) });
    } else if (type === II_IPV6 || type === II_IPV6_NOLINKSPEED) {
      const a = c.raw(16, 'addr');
      const m = c.raw(16, 'netmask');
      const b = c.raw(16, 'bcast');
      const linkspeed = type === II_IPV6 ? c.u64('linkspeed') : undefined;
      out.push({ family: 'ipv6', addr: ipv6ToString(a, 0), netmask: ipv6ToString(m, 0), bcast: ipv6ToString(b, 0), linkspeed, name: decodeText(c.raw(nameLen, 'ifname')) });
    } else {
      c.fail('UNKNOWN_INTERFACE_TYPE', `interface entry type ${type}`, c.pos - 4);
    }
    if (entryEnd) {
      if (c.pos > entryEnd) c.fail('ENTRY_LENGTH', 'interface entry is shorter than its fields');
      c.pos = entryEnd;
    }
  }
  return out;
}

export function parseUserList(c: BodyCursor, blockType: number): { users: UserRecord[]; groups: GroupRecord[] } {
  const v2 = blockType === BLOCK.UL_V2;
  const users: UserRecord[] = [];
  const groups: GroupRecord[] = [];
  while (c.remaining >= 4) {
    const start = c.pos;
    let entryEnd = 0;
    if (v2) {
      const n = c.u32('entry_len');
      entryEnd = start + n;
      if (n < 5 || entryEnd > c.end) c.fail('ENTRY_LENGTH', `user entry length ${n} does not fit the block`, start);
    }
    const type = c.u8('type');
    if (type === 0) {
      const uid = c.u32('uid');
      const gid = c.u32('gid');
      const name = c.lenString('name', MAX_CREDENTIALS_STR_LEN - 1);
      const homedir = c.lenString('homedir', MAX_CREDENTIALS_STR_LEN - 1);
      const shell = c.lenString('shell', MAX_CREDENTIALS_STR_LEN - 1);
      users.push({ uid, gid, name, homedir, shell });
    } else {
      const gid = c.u32('gid');
      groups.push({ gid, name: c.lenString('name', MAX_CREDENTIALS_STR_LEN - 1) });
    }
    if (entryEnd) {
      if (c.pos > entryEnd) c.fail('ENTRY_LENGTH', 'user entry is shorter than its fields', start);
      c.pos = entryEnd;
    }
  }
  return { users, groups };
}

/** A growable little-endian byte sink for encoding blocks. */
export class ByteSink {
  buf = new Uint8Array(4096);
  view = new DataView(this.buf.buffer);
  len = 0;
  reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + n) size *= 2;
      const nb = new Uint8Array(size);
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
      this.view = new DataView(nb.buffer);
    }
    const p = this.len;
    this.len += n;
    return p;
  }
  // reserve() may replace buf/view, so it must run before they are read.
  u8(v: number): void { const p = this.reserve(1); this.buf[p] = v; }
  u16(v: number): void { const p = this.reserve(2); this.view.setUint16(p, v, true); }
  u32(v: number): void { const p = this.reserve(4); this.view.setUint32(p, v >>> 0, true); }
  i64(v: number | bigint): void { const p = this.reserve(8); this.view.setBigInt64(p, BigInt(v), true); }
  u64(v: bigint): void { const p = this.reserve(8); this.view.setBigUint64(p, BigInt.asUintN(64, v), true); }
  bytes(b: Uint8Array): void { const p = this.reserve(b.length); this.buf.set(b, p); }
  lenBytes(b: Uint8Array): void { this.u16(b.length); this.bytes(b); }
  /** Strings longer than the readers' limit are cut (as libscap cuts what it reads from /proc) so the file stays readable. */
  lenString(s: string, max: number): void { this.lenBytes(clipUtf8(textEncoder.encode(s), max, false)); }
  lenList(list: readonly string[], max: number): void {
    this.lenBytes(clipUtf8(textEncoder.encode(list.map((x) => `${x}\0`).join('')), max, true));
  }
  /** Writes a u32 placeholder and returns a function that patches it with the bytes written since. */
  lengthPrefix(includeSelf: boolean): () => void {
    const at = this.reserve(4);
    return () => this.view.setUint32(at, this.len - at - (includeSelf ? 0 : 4), true);
  }
  result(): Uint8Array { return this.buf.subarray(0, this.len); }
}

/** Cuts `b` to at most `max` bytes on a UTF-8 character boundary; a cut list keeps its final NUL. */
function clipUtf8(b: Uint8Array, max: number, nulTerminated: boolean): Uint8Array {
  if (b.length <= max) return b;
  let end = nulTerminated ? max - 1 : max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  if (!nulTerminated) return b.subarray(0, end);
  const out = b.slice(0, end + 1);
  out[end] = 0;
  return out;
}

const ipv4Raw = (ip: string): Uint8Array => encodeParam(PT.IPV4ADDR, ip);
const ipv6Raw = (ip: string): Uint8Array => encodeParam(PT.IPV6ADDR, ip);

export function encodeMachineInfo(s: ByteSink, m: MachineInfo): void {
  s.u32(m.numCpus);
  s.u64(m.memorySizeBytes);
  s.u64(m.maxPid);
  const host = new Uint8Array(128);
  host.set(textEncoder.encode(m.hostname).subarray(0, 127));
  s.bytes(host);
  s.u64(m.bootTsEpoch);
  s.u64(m.flags);
  s.u64(0n);
  s.u64(0n);
}

/** Encodes thread records as a V9 process list body. */
export function encodeProcessList(s: ByteSink, threads: readonly ThreadRecord[]): void {
  for (const t of threads) {
    const done = s.lengthPrefix(true);
    s.i64(t.tid); s.i64(t.pid); s.i64(t.ptid); s.i64(t.sid); s.i64(t.vpgid);
    s.lenString(t.comm, SCAP_MAX_PATH_SIZE); s.lenString(t.exe, SCAP_MAX_PATH_SIZE);
    s.lenString(t.exepath, SCAP_MAX_PATH_SIZE); s.lenList(t.args, SCAP_MAX_ARGS_SIZE); s.lenString(t.cwd, SCAP_MAX_PATH_SIZE);
    s.u64(t.fdlimit); s.u32(t.flags); s.u32(t.uid); s.u32(t.gid);
    s.u32(t.vmsizeKb); s.u32(t.vmrssKb); s.u32(t.vmswapKb); s.u64(t.pfmajor); s.u64(t.pfminor);
    s.lenList(t.env, SCAP_MAX_ENV_SIZE); s.i64(t.vtid); s.i64(t.vpid);
    s.lenList(t.cgroups, SCAP_MAX_CGROUPS_SIZE); s.lenString(t.root, SCAP_MAX_PATH_SIZE);
    s.u64(t.pidnsInitStartTs); s.u32(t.tty); s.u32(t.loginuid); s.u8(t.exeWritable ? 1 : 0);
    s.u64(t.capInheritable); s.u64(t.capPermitted); s.u64(t.capEffective); s.u8(t.exeUpperLayer ? 1 : 0);
    s.u64(t.exeIno); s.u64(t.exeInoCtime); s.u64(t.exeInoMtime); s.u8(t.exeFromMemfd ? 1 : 0);
    s.u8(t.exeLowerLayer ? 1 : 0); s.i64(t.pgid);
    done();
  }
}

/** Encodes one thread's fds as a V2 fd list body. */
export function encodeFdList(s: ByteSink, tid: number, fds: readonly FdRecord[]): void {
  s.i64(tid);
  for (const fd of fds) {
    if (fd.type === FD_TYPE.UNKNOWN) continue;
    const done = s.lengthPrefix(true);
    s.i64(fd.fd); s.u64(fd.ino); s.u8(fd.type);
    switch (fd.type) {
      case FD_TYPE.IPV4_SOCK:
        s.bytes(ipv4Raw(fd.sip ?? '0.0.0.0')); s.bytes(ipv4Raw(fd.dip ?? '0.0.0.0'));
        s.u16(fd.sport ?? 0); s.u16(fd.dport ?? 0); s.u8(fd.l4proto ?? 0);
        break;
      case FD_TYPE.IPV4_SERVSOCK:
        s.bytes(ipv4Raw(fd.sip ?? '0.0.0.0')); s.u16(fd.sport ?? 0); s.u8(fd.l4proto ?? 0);
        break;
      case FD_TYPE.IPV6_SOCK:
        s.bytes(ipv6Raw(fd.sip ?? '::')); s.bytes(ipv6Raw(fd.dip ?? '::'));
        s.u16(fd.sport ?? 0); s.u16(fd.dport ?? 0); s.u8(fd.l4proto ?? 0);
        break;
      case FD_TYPE.IPV6_SERVSOCK:
        s.bytes(ipv6Raw(fd.sip ?? '::')); s.u16(fd.sport ?? 0); s.u8(fd.l4proto ?? 0);
        break;
      case FD_TYPE.UNIX_SOCK:
        s.u64(fd.source ?? 0n); s.u64(fd.dest ?? 0n); s.lenString(fd.name ?? '', SCAP_MAX_PATH_SIZE - 1);
        break;
      case FD_TYPE.FILE_V2:
        s.u32(fd.openFlags ?? 0); s.lenString(fd.name ?? '', SCAP_MAX_PATH_SIZE - 1); s.u32(fd.dev ?? 0);
        break;
      default:
        s.lenString(fd.name ?? '', SCAP_MAX_PATH_SIZE - 1);
    }
    done();
  }
}

export function encodeInterfaceList(s: ByteSink, ifs: readonly InterfaceRecord[]): void {
  for (const i of ifs) {
    const done = s.lengthPrefix(false);
    const name = textEncoder.encode(i.name);
    s.u16(i.family === 'ipv4' ? II_IPV4 : II_IPV6);
    s.u16(name.length);
    const raw = i.family === 'ipv4' ? ipv4Raw : ipv6Raw;
    s.bytes(raw(i.addr)); s.bytes(raw(i.netmask)); s.bytes(raw(i.bcast));
    s.u64(i.linkspeed ?? 0n);
    s.bytes(name);
    done();
  }
}

export function encodeUserList(s: ByteSink, users: readonly UserRecord[], groups: readonly GroupRecord[]): void {
  for (const u of users) {
    const done = s.lengthPrefix(true);
    s.u8(0); s.u32(u.uid); s.u32(u.gid); s.lenString(u.name, MAX_CREDENTIALS_STR_LEN - 1); s.lenString(u.homedir, MAX_CREDENTIALS_STR_LEN - 1);
    s.lenString(u.shell, MAX_CREDENTIALS_STR_LEN - 1);
    done();
  }
  for (const g of groups) {
    const done = s.lengthPrefix(true);
    s.u8(1); s.u32(g.gid); s.lenString(g.name, MAX_CREDENTIALS_STR_LEN - 1);
    done();
  }
}
