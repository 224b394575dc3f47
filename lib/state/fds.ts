/**
 * `FdInfo` and `FdTable`: what libsinsp keeps per file descriptor. Socket
 * endpoints live in a 40-byte block laid out like libsinsp's sockinfo union
 * (IPv4/IPv6 tuples, server addresses and unix pointers share the bytes), so
 * the state after a sequence such as bind-then-connect is the one libsinsp
 * reaches.
 */
import type { FdView } from '../events/state.js';
import { ipv4ToString, ipv6ToString } from '../events/values.js';
import { FD_TYPE } from '../scapfile/metadata.js';

export { FD_TYPE };

/** scap_l4_proto. */
export const L4 = { UNKNOWN: 0, NA: 1, TCP: 2, UDP: 3, ICMP: 4, RAW: 5 } as const;

/** sinsp_fdinfo flags. */
export const FDF = {
  FROM_PROC: 1 << 0,
  ROLE_CLIENT: 1 << 2,
  ROLE_SERVER: 1 << 3,
  CLOSE_IN_PROGRESS: 1 << 4,
  CLOSE_CANCELED: 1 << 5,
  IS_SOCKET_PIPE: 1 << 6,
  IS_TRACER_FILE: 1 << 7,
  IS_TRACER_FD: 1 << 8,
  IS_NOT_TRACER_FD: 1 << 9,
  SOCKET_CONNECTED: 1 << 13,
  IS_CLONED: 1 << 14,
  CONNECTION_PENDING: 1 << 15,
  CONNECTION_FAILED: 1 << 16,
} as const;

/** Key of the slot that keeps an fd whose close was canceled by a reuse (libsinsp's CANCELED_FD_NUMBER). */
export const CANCELED_FD = Number.MAX_SAFE_INTEGER;

const TYPECHAR: Record<number, string> = {
  [FD_TYPE.FILE_V2]: 'f', [FD_TYPE.FILE]: 'f', [FD_TYPE.IPV4_SOCK]: '4', [FD_TYPE.IPV6_SOCK]: '6',
  [FD_TYPE.DIRECTORY]: 'd', [FD_TYPE.IPV4_SERVSOCK]: '4', [FD_TYPE.IPV6_SERVSOCK]: '6', [FD_TYPE.FIFO]: 'p',
  [FD_TYPE.UNIX_SOCK]: 'u', [FD_TYPE.EVENT]: 'e', [FD_TYPE.UNKNOWN]: 'o', [FD_TYPE.UNSUPPORTED]: 'X',
  [FD_TYPE.SIGNALFD]: 's', [FD_TYPE.EVENTPOLL]: 'l', [FD_TYPE.INOTIFY]: 'i', [FD_TYPE.TIMERFD]: 't',
  [FD_TYPE.NETLINK]: 'n', [FD_TYPE.BPF]: 'b', [FD_TYPE.USERFAULTFD]: 'u', [FD_TYPE.IOURING]: 'r',
  [FD_TYPE.MEMFD]: 'm', [FD_TYPE.PIDFD]: 'P',
};

const TYPENAME: Record<number, string> = {
  [FD_TYPE.FILE_V2]: 'file', [FD_TYPE.FILE]: 'file', [FD_TYPE.DIRECTORY]: 'directory',
  [FD_TYPE.IPV4_SOCK]: 'ipv4', [FD_TYPE.IPV4_SERVSOCK]: 'ipv4', [FD_TYPE.IPV6_SOCK]: 'ipv6', [FD_TYPE.IPV6_SERVSOCK]: 'ipv6',
  [FD_TYPE.UNIX_SOCK]: 'unix', [FD_TYPE.FIFO]: 'pipe', [FD_TYPE.EVENT]: 'event', [FD_TYPE.SIGNALFD]: 'signalfd',
  [FD_TYPE.EVENTPOLL]: 'eventpoll', [FD_TYPE.INOTIFY]: 'inotify', [FD_TYPE.TIMERFD]: 'timerfd', [FD_TYPE.NETLINK]: 'netlink',
  [FD_TYPE.BPF]: 'bpf', [FD_TYPE.USERFAULTFD]: 'userfaultfd', [FD_TYPE.IOURING]: 'io_uring', [FD_TYPE.MEMFD]: 'memfd',
  [FD_TYPE.PIDFD]: 'pidfd',
};

const ZERO16 = new Uint8Array(16);

function equalBytes(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** True for ::ffff:a.b.c.d and for the all-zero address (libsinsp treats both as IPv4). */
export function isIpv4MappedIpv6(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  if (b[off + 10] === 0xff && b[off + 11] === 0xff) return true;
  return b[off + 10] === 0 && b[off + 11] === 0 && b[off + 12] === 0 && b[off + 13] === 0 && b[off + 14] === 0 && b[off + 15] === 0;
}

/**
 * libsinsp's sockinfo union. Offsets: IPv4 tuple sip 0, dip 4, sport 8,
 * dport 10, l4proto 12; IPv6 tuple sip 0, dip 16, sport 32, dport 34,
 * l4proto 36; IPv4 server ip 0, port 4, l4proto 6; IPv6 server ip 0, port 16,
 * l4proto 18; unix source 0, dest 8. Addresses in network order, ports as the
 * driver stores them (host order).
 */
export class SockInfo {
  readonly b = new Uint8Array(40);
  readonly v = new DataView(this.b.buffer);
  clone(): SockInfo {
    const s = new SockInfo();
    s.b.set(this.b);
    return s;
  }
  // IPv4 tuple
  get v4sport(): number { return this.v.getUint16(8, true); }
  set v4sport(p: number) { this.v.setUint16(8, p, true); }
  get v4dport(): number { return this.v.getUint16(10, true); }
  set v4dport(p: number) { this.v.setUint16(10, p, true); }
  get v4l4(): number { return this.b[12]; }
  set v4l4(p: number) { this.b[12] = p; }
  get v4sip(): number { return this.v.getUint32(0, false); }
  set v4sip(ip: number) { this.v.setUint32(0, ip >>> 0, false); }
  get v4dip(): number { return this.v.getUint32(4, false); }
  set v4dip(ip: number) { this.v.setUint32(4, ip >>> 0, false); }
  // IPv6 tuple
  get v6sport(): number { return this.v.getUint16(32, true); }
  set v6sport(p: number) { this.v.setUint16(32, p, true); }
  get v6dport(): number { return this.v.getUint16(34, true); }
  set v6dport(p: number) { this.v.setUint16(34, p, true); }
  get v6l4(): number { return this.b[36]; }
  set v6l4(p: number) { this.b[36] = p; }
  // IPv4 server
  get s4port(): number { return this.v.getUint16(4, true); }
  set s4port(p: number) { this.v.setUint16(4, p, true); }
  get s4l4(): number { return this.b[6]; }
  set s4l4(p: number) { this.b[6] = p; }
  // IPv6 server
  get s6port(): number { return this.v.getUint16(16, true); }
  set s6port(p: number) { this.v.setUint16(16, p, true); }
  get s6l4(): number { return this.b[18]; }
  set s6l4(p: number) { this.b[18] = p; }
  // unix
  get unixSource(): bigint { return this.v.getBigUint64(0, true); }
  set unixSource(p: bigint) { this.v.setBigUint64(0, p, true); }
  get unixDest(): bigint { return this.v.getBigUint64(8, true); }
  set unixDest(p: bigint) { this.v.setBigUint64(8, p, true); }

  v4sipStr(): string { return ipv4ToString(this.b, 0); }
  v4dipStr(): string { return ipv4ToString(this.b, 4); }
  v6sipStr(): string { return ipv6ToString(this.b, 0); }
  v6dipStr(): string { return ipv6ToString(this.b, 16); }
  v6sipEmpty(): boolean { return equalBytes(this.b, 0, ZERO16, 0, 16); }
  v6dipEmpty(): boolean { return equalBytes(this.b, 16, ZERO16, 0, 16); }
  zero(n = 40): void { this.b.fill(0, 0, n); }
}

/** `a.b.c.d:port`, libsinsp's ipv4serveraddr_to_string without name resolution. */
export function ipv4Endpoint(b: Uint8Array, off: number, port: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}:${port}`;
}

export function ipv6Endpoint(b: Uint8Array, off: number, port: number): string {
  return `${ipv6ToString(b, off)}:${port}`;
}

export class FdInfo implements FdView {
  /** The number this entry has in its table (set by FdTable.add/find). */
  num = -1;
  /** scap_fd_type (FD_TYPE); -1 while uninitialized. */
  type: number = FD_TYPE.UNKNOWN;
  name = '';
  /** The path as the process passed it (files opened by an event), '' when unknown. */
  nameRaw = '';
  openFlags = 0;
  dev = 0;
  mountId = 0;
  ino: bigint = 0n;
  flags = 0;
  /** Socket endpoints; allocated for sockets only. */
  sock: SockInfo | undefined = undefined;
  /** A syslog decoder watches writes to this fd (its name holds /dev/log). */
  syslog = false;

  get sockinfo(): SockInfo {
    return (this.sock ??= new SockInfo());
  }

  clone(): FdInfo {
    const f = new FdInfo();
    f.num = this.num;
    f.type = this.type;
    f.name = this.name;
    f.nameRaw = this.nameRaw;
    f.openFlags = this.openFlags;
    f.dev = this.dev;
    f.mountId = this.mountId;
    f.ino = this.ino;
    f.flags = this.flags;
    f.sock = this.sock?.clone();
    f.syslog = this.syslog;
    return f;
  }

  get typechar(): string {
    return TYPECHAR[this.type] ?? '?';
  }
  get typeName(): string {
    return TYPENAME[this.type] ?? '<NA>';
  }

  isRoleServer(): boolean { return (this.flags & FDF.ROLE_SERVER) !== 0; }
  isRoleClient(): boolean { return (this.flags & FDF.ROLE_CLIENT) !== 0; }
  isRoleNone(): boolean { return (this.flags & (FDF.ROLE_CLIENT | FDF.ROLE_SERVER)) === 0; }
  setRoleServer(): void { this.flags = (this.flags & ~FDF.ROLE_CLIENT) | FDF.ROLE_SERVER; }
  setRoleClient(): void { this.flags = (this.flags & ~FDF.ROLE_SERVER) | FDF.ROLE_CLIENT; }
  setSocketConnected(): void { this.flags = (this.flags & ~(FDF.CONNECTION_PENDING | FDF.CONNECTION_FAILED)) | FDF.SOCKET_CONNECTED; }
  setSocketPending(): void { this.flags = (this.flags & ~(FDF.SOCKET_CONNECTED | FDF.CONNECTION_FAILED)) | FDF.CONNECTION_PENDING; }
  setSocketFailed(): void { this.flags = (this.flags & ~(FDF.SOCKET_CONNECTED | FDF.CONNECTION_PENDING)) | FDF.CONNECTION_FAILED; }

  isFile(): boolean { return this.type === FD_TYPE.FILE || this.type === FD_TYPE.FILE_V2; }
  isDirectory(): boolean { return this.type === FD_TYPE.DIRECTORY; }
  isUnixSocket(): boolean { return this.type === FD_TYPE.UNIX_SOCK; }
  isTcpSocket(): boolean { return this.type === FD_TYPE.IPV4_SOCK && this.sockinfo.v4l4 === L4.TCP; }
  isUdpSocket(): boolean { return this.type === FD_TYPE.IPV4_SOCK && this.sockinfo.v4l4 === L4.UDP; }

  /** libsinsp's get_l4proto: NA for non-sockets and for sockets with no role yet. */
  l4proto(): number {
    const s = this.sock;
    switch (this.type) {
      case FD_TYPE.IPV4_SOCK:
        if (!s) return L4.NA;
        if (s.v4l4 === L4.RAW) return L4.RAW;
        return this.isRoleNone() ? L4.NA : s.v4l4;
      case FD_TYPE.IPV4_SERVSOCK:
        return s ? s.s4l4 : L4.UNKNOWN;
      case FD_TYPE.IPV6_SOCK:
        if (!s) return L4.NA;
        if (s.v6l4 === L4.RAW) return L4.RAW;
        return this.isRoleNone() ? L4.NA : s.v6l4;
      case FD_TYPE.IPV6_SERVSOCK:
        return s ? s.s6l4 : L4.UNKNOWN;
      default:
        return L4.NA;
    }
  }
}

/** One process's fds (threads sharing CLONE_FILES use their main thread's table). */
export class FdTable {
  readonly map = new Map<number, FdInfo>();

  constructor(private readonly limits: { maxFds: number }) {}

  get size(): number {
    return this.map.size;
  }

  find(fd: number): FdInfo | undefined {
    return this.map.get(fd);
  }

  /**
   * Stores a copy of `info` as `fd` and returns the stored entry (undefined
   * when the table is full). A reuse of an fd whose close is in progress
   * keeps the old entry aside, as libsinsp does, so the close exit does not
   * destroy the new one.
   */
  add(fd: number, info: FdInfo, adopt = false): FdInfo | undefined {
    const old = this.map.get(fd);
    if (!old) {
      if (this.map.size >= this.limits.maxFds) return undefined;
      const e = adopt ? info : info.clone();
      e.num = fd;
      this.map.set(fd, e);
      return e;
    }
    if (old.flags & FDF.CLOSE_IN_PROGRESS) {
      info.flags = (info.flags & ~FDF.CLOSE_IN_PROGRESS) | FDF.CLOSE_CANCELED;
      const kept = old.clone();
      kept.num = CANCELED_FD;
      this.map.set(CANCELED_FD, kept);
    }
    const e = adopt ? info : info.clone();
    e.num = fd;
    this.map.set(fd, e);
    return e;
  }

  erase(fd: number): void {
    this.map.delete(fd);
  }

  /** A deep copy (fork copies its parent's table). */
  copy(): FdTable {
    const t = new FdTable(this.limits);
    for (const [k, v] of this.map) t.map.set(k, v.clone());
    return t;
  }
}
