/** Sockets: socket, bind, connect, accept, socketpair, and the tuples reads and writes reveal. */
import { PPME } from '../../events/schema.generated.js';
import { EF } from '../../events/schema.generated.js';
import { eventFlags } from '../compat.js';
import type { EventContext } from '../context.js';
import { FD_TYPE, FdInfo, L4, ipv4Endpoint, ipv6Endpoint, isIpv4MappedIpv6, type SockInfo } from '../fds.js';
import type { Inspector } from '../inspector.js';
import { AF_INET, AF_INET6, AF_UNIX, sockaddrToString, socktupleToString } from '../netfmt.js';
import type { ThreadInfo } from '../threads.js';
import { indexOf, int, rawParam, str, u16le, type Parser } from './common.js';

const PPM_AF_NETLINK = 16;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const IPPROTO_IP = 0;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_RAW = 255;
const EINPROGRESS = 115;

/** libsinsp's add_socket. */
export function addSocket(c: EventContext, fd: number, domain: number, type: number, protocol: number): void {
  const t = c.tinfo;
  if (!t) return;
  const fi = new FdInfo();
  const s = fi.sockinfo;
  fi.type = FD_TYPE.UNKNOWN;
  if (domain === AF_UNIX) {
    fi.type = FD_TYPE.UNIX_SOCK;
  } else if (domain === AF_INET || domain === AF_INET6) {
    fi.type = domain === AF_INET ? FD_TYPE.IPV4_SOCK : FD_TYPE.IPV6_SOCK;
    let l4: number = L4.UNKNOWN;
    if (protocol === IPPROTO_TCP) l4 = type === SOCK_RAW ? L4.RAW : L4.TCP;
    else if (protocol === IPPROTO_UDP) l4 = type === SOCK_RAW ? L4.RAW : L4.UDP;
    else if (protocol === IPPROTO_IP) {
      if ((type & 0xff) === SOCK_STREAM) l4 = L4.TCP;
      else if ((type & 0xff) === SOCK_DGRAM) l4 = L4.UDP;
    } else if (protocol === IPPROTO_ICMP) l4 = type === SOCK_RAW ? L4.RAW : L4.ICMP;
    else if (protocol === IPPROTO_RAW) l4 = L4.RAW;
    if (domain === AF_INET) s.v4l4 = l4;
    else s.v6l4 = l4;
  } else if (domain === PPM_AF_NETLINK) {
    fi.type = FD_TYPE.NETLINK;
  }
  if (fi.type === FD_TYPE.UNKNOWN) return;
  c.fdinfo = t.addFd(fd, fi, true);
}

/** libsinsp's sockinfo_to_str, for IPv4 and IPv6 sockets. */
export function sockinfoToStr(fi: FdInfo): string {
  const s = fi.sockinfo;
  if (fi.type === FD_TYPE.IPV4_SOCK) {
    const l4 = s.v4l4;
    if (l4 === L4.TCP || l4 === L4.UDP) return `${ipv4Endpoint(s.b, 0, s.v4sport)}->${ipv4Endpoint(s.b, 4, s.v4dport)}`;
    if (l4 === L4.ICMP || l4 === L4.RAW) return `${s.v4sipStr()}->${s.v4dipStr()}`;
    return '<unknown>';
  }
  const l4 = s.v6l4;
  const mapped = isIpv4MappedIpv6(s.b, 0) && isIpv4MappedIpv6(s.b, 16);
  if (l4 === L4.TCP || l4 === L4.UDP) {
    // libsinsp reads the ports of a mapped tuple through the IPv4 view of the union (offsets 8 and 10).
    if (mapped) return `${ipv4Endpoint(s.b, 12, s.v4sport)}->${ipv4Endpoint(s.b, 28, s.v4dport)}`;
    return `${ipv6Endpoint(s.b, 0, s.v6sport)}->${ipv6Endpoint(s.b, 16, s.v6dport)}`;
  }
  if (l4 === L4.ICMP) {
    if (mapped) return `${s.b[12]}.${s.b[13]}.${s.b[14]}.${s.b[15]}->${s.b[28]}.${s.b[29]}.${s.b[30]}.${s.b[31]}`;
    return `${s.v6sipStr()}->${s.v6dipStr()}`;
  }
  return '<unknown>';
}

function updateIpv4(fi: FdInfo, b: Uint8Array, sipOff: number, sportOff: number, dipOff: number, dportOff: number): boolean {
  const s = fi.sockinfo;
  const tsport = u16le(b, sportOff);
  const tdport = u16le(b, dportOff);
  const same = (x: number, y: number) => s.b[x] === b[y] && s.b[x + 1] === b[y + 1] && s.b[x + 2] === b[y + 2] && s.b[x + 3] === b[y + 3];
  if (fi.type === FD_TYPE.IPV4_SOCK) {
    if ((same(0, sipOff) && tsport === s.v4sport && same(4, dipOff) && tdport === s.v4dport) ||
        (same(0, dipOff) && tdport === s.v4sport && same(4, sipOff) && tsport === s.v4dport)) return false;
  }
  let changed = false;
  if (!same(0, sipOff)) {
    s.b.set(b.subarray(sipOff, sipOff + 4), 0);
    changed = true;
  }
  if (s.v4sport !== tsport) {
    s.v4sport = tsport;
    changed = true;
  }
  if (s.v4dip === 0) {
    s.b.set(b.subarray(dipOff, dipOff + 4), 4);
    changed = true;
  }
  if (s.v4dport === 0) {
    s.v4dport = tdport;
    changed = true;
  }
  return changed;
}

export function setIpv4(fi: FdInfo, b: Uint8Array): boolean {
  return updateIpv4(fi, b, 1, 5, 7, 11);
}
export function setIpv4Mapped(fi: FdInfo, b: Uint8Array): boolean {
  return updateIpv4(fi, b, 13, 17, 31, 35);
}
export function setIpv6(fi: FdInfo, b: Uint8Array): boolean {
  const s = fi.sockinfo;
  const tsport = u16le(b, 17);
  const tdport = u16le(b, 35);
  const eq = (x: number, y: number) => {
    for (let i = 0; i < 16; i++) if (s.b[x + i] !== b[y + i]) return false;
    return true;
  };
  if (fi.type === FD_TYPE.IPV6_SOCK) {
    if ((eq(0, 1) && tsport === s.v6sport && eq(16, 19) && tdport === s.v6dport) ||
        (eq(0, 19) && tdport === s.v6sport && eq(16, 1) && tsport === s.v6dport)) return false;
  }
  let changed = false;
  if (!eq(0, 1)) {
    s.b.set(b.subarray(1, 17), 0);
    changed = true;
  }
  if (s.v6sport !== tsport) {
    s.v6sport = tsport;
    changed = true;
  }
  if (s.v6dipEmpty()) {
    s.b.set(b.subarray(19, 35), 16);
    changed = true;
  }
  if (s.v6dport === 0) {
    s.v6dport = tdport;
    changed = true;
  }
  return changed;
}

export function setUnixInfo(s: SockInfo, b: Uint8Array): void {
  const n = Math.min(16, Math.max(0, b.length - 1));
  s.b.fill(0, 0, 16);
  s.b.set(b.subarray(1, 1 + n), 0);
}

function swapAddresses(fi: FdInfo): void {
  const s = fi.sockinfo;
  if (fi.type === FD_TYPE.IPV4_SOCK) {
    const sip = s.b.slice(0, 4);
    const sport = s.v4sport;
    s.b.copyWithin(0, 4, 8);
    s.v4sport = s.v4dport;
    s.b.set(sip, 4);
    s.v4dport = sport;
  } else {
    const sip = s.b.slice(0, 16);
    const sport = s.v6sport;
    s.b.copyWithin(0, 16, 32);
    s.v6sport = s.v6dport;
    s.b.set(sip, 16);
    s.v6dport = sport;
  }
}

function isBoundToPort(t: ThreadInfo, port: number): boolean {
  const table = t.fdTable();
  if (!table) return false;
  for (const f of table.map.values()) {
    if (f.type === FD_TYPE.IPV4_SOCK && f.sock && f.sock.v4dport === port) return true;
    if (f.type === FD_TYPE.IPV4_SERVSOCK && f.sock && f.sock.s4port === port) return true;
  }
  return false;
}

function usesClientPort(t: ThreadInfo, port: number): boolean {
  const table = t.fdTable();
  if (!table) return false;
  for (const f of table.map.values()) if (f.type === FD_TYPE.IPV4_SOCK && f.sock && f.sock.v4sport === port) return true;
  return false;
}

/** libsinsp's set_net_role_by_guessing (it reads the ports through the IPv4 view, whatever the family). */
function guessRole(t: ThreadInfo, fi: FdInfo, incoming: boolean): void {
  const s = fi.sockinfo;
  if (isBoundToPort(t, s.v4dport)) {
    if (usesClientPort(t, s.v4sport)) {
      if (fi.isRoleNone()) {
        if (incoming) fi.setRoleServer();
        else fi.setRoleClient();
      }
      return;
    }
    fi.setRoleServer();
  } else {
    fi.setRoleClient();
  }
}

/** The syslog decoder watches fds named like /dev/log (on a tuple change it also stops watching others). */
function syslogCheck(fi: FdInfo, tupleChange = false): void {
  if (fi.name.includes('/dev/log')) fi.syslog = true;
  else if (tupleChange) fi.syslog = false;
}

/** libsinsp's update_fd: applies a tuple seen on a read or write; false when nothing changed. */
function updateFd(insp: Inspector, fi: FdInfo, b: Uint8Array | null): boolean {
  if (!b || b.length === 0) return false;
  const family = b[0];
  const s = fi.sockinfo;
  if (family === AF_INET) {
    if (fi.type === FD_TYPE.IPV4_SERVSOCK) s.v4l4 = s.s4l4;
    fi.type = FD_TYPE.IPV4_SOCK;
    if (!setIpv4(fi, b)) return false;
  } else if (family === AF_INET6) {
    if (isIpv4MappedIpv6(b, 1) && isIpv4MappedIpv6(b, 19)) {
      fi.type = FD_TYPE.IPV4_SOCK;
      if (!setIpv4Mapped(fi, b)) return false;
    } else if (!setIpv6(fi, b)) {
      return false;
    }
  } else if (family === AF_UNIX) {
    fi.type = FD_TYPE.UNIX_SOCK;
    setUnixInfo(s, b);
    fi.name = b.length > 17 ? str17(b) : '';
    syslogCheck(fi, true);
    return true;
  }
  if (fi.type === FD_TYPE.IPV4_SOCK && s.v4l4 === L4.UNKNOWN) s.v4l4 = L4.UDP;
  else if (fi.type === FD_TYPE.IPV6_SOCK && s.v6l4 === L4.UNKNOWN) s.v6l4 = L4.UDP;
  insp.interfaces.updateFd(fi);
  syslogCheck(fi, true);
  return true;
}

function str17(b: Uint8Array): string {
  let e = 17;
  while (e < b.length && b[e] !== 0) e++;
  return new TextDecoder().decode(b.subarray(17, e));
}

const socketExit: Parser = (c, insp) => {
  const e = c.evt;
  const fd = int(e, 0);
  if (fd < 0 || !c.tinfo) return;
  const enter = insp.retrieveEnter(c);
  if (enter) {
    if (enter.nparams < 3) return;
    addSocket(c, fd, int(enter, 0) >>> 0, int(enter, 1) >>> 0, int(enter, 2) >>> 0);
  } else if (e.nparams >= 4) {
    // Current generation: the exit carries domain, type and protocol.
    addSocket(c, fd, int(e, 1) >>> 0, int(e, 2) >>> 0, int(e, 3) >>> 0);
  }
};

const bindExit: Parser = (c) => {
  const fi = c.fdinfo;
  if (!fi) return;
  const e = c.evt;
  if (int(e, 0) < 0) return;
  const b = rawParam(e, 1);
  if (!b || b.length === 0) return;
  const s = fi.sockinfo;
  const family = b[0];
  if (family === AF_INET && b.length >= 7) {
    const port = u16le(b, 5);
    if (port > 0) {
      fi.type = FD_TYPE.IPV4_SERVSOCK;
      s.b.set(b.subarray(1, 5), 0);
      s.s4port = port;
      s.s4l4 = s.v4l4;
      fi.setRoleServer();
    }
  } else if (family === AF_INET6 && b.length >= 19) {
    const port = u16le(b, 17);
    if (port > 0) {
      if (isIpv4MappedIpv6(b, 1)) {
        fi.type = FD_TYPE.IPV4_SERVSOCK;
        s.s4l4 = s.v6l4;
        s.b.set(b.subarray(13, 17), 0);
        s.s4port = port;
      } else {
        fi.type = FD_TYPE.IPV6_SERVSOCK;
        s.s6port = port;
        s.b.set(b.subarray(1, 17), 0);
        s.s6l4 = s.v6l4;
      }
      fi.setRoleServer();
    }
  }
  fi.name = sockaddrToString(b);
};

const connectEnter: Parser = (c) => {
  const fi = c.fdinfo;
  const e = c.evt;
  if (!fi || e.nparams < 2) return;
  const b = rawParam(e, 1);
  if (!b || b.length === 0) return;
  const s = fi.sockinfo;
  const family = b[0];
  if (family === AF_INET) {
    fi.type = FD_TYPE.IPV4_SOCK;
    s.b.set(b.subarray(1, 5), 4);
    s.v4dport = u16le(b, 5);
  } else if (family === AF_INET6) {
    const port = u16le(b, 17);
    if (isIpv4MappedIpv6(b, 1)) {
      fi.type = FD_TYPE.IPV4_SOCK;
      s.b.set(b.subarray(13, 17), 4);
      s.v4dport = port;
    } else {
      fi.type = FD_TYPE.IPV6_SOCK;
      s.v6dport = port;
      s.b.set(b.subarray(1, 17), 16);
    }
  } else {
    fi.name = sockaddrToString(b);
    setUnixInfo(s, b);
  }
};

function fillClientSocketInfo(c: EventContext, fi: FdInfo, b: Uint8Array): void {
  const family = b[0];
  if (family === AF_INET || family === AF_INET6) {
    let changed: boolean;
    if (family === AF_INET6) {
      if (!(isIpv4MappedIpv6(b, 1) && isIpv4MappedIpv6(b, 19))) {
        fi.type = FD_TYPE.IPV6_SOCK;
        changed = setIpv6(fi, b);
      } else {
        fi.type = FD_TYPE.IPV4_SOCK;
        changed = setIpv4Mapped(fi, b);
      }
    } else {
      fi.type = FD_TYPE.IPV4_SOCK;
      changed = setIpv4(fi, b);
    }
    if (changed && fi.isRoleServer() && fi.isUdpSocket()) swapAddresses(fi);
    fi.name = sockinfoToStr(fi);
  } else {
    fi.name = socktupleToString(b);
    setUnixInfo(fi.sockinfo, b);
  }
  if (fi.isRoleNone()) fi.setRoleClient();
  syslogCheck(fi);
}

const connectExit: Parser = (c) => {
  const fi = c.fdinfo;
  if (!fi) return;
  const e = c.evt;
  const res = int(e, 0);
  if (res < 0 && res !== -EINPROGRESS) return;
  fi.setSocketConnected();
  const b = rawParam(e, 1);
  if (!b || b.length === 0) return;
  fillClientSocketInfo(c, fi, b);
};

const acceptExit: Parser = (c) => {
  const t = c.tinfo;
  if (!t) return;
  const e = c.evt;
  const fd = int(e, 0);
  if (fd < 0) return;
  t.lastEventFd = fd;
  const b = rawParam(e, 1);
  if (!b || b.length === 0) return;
  const fi = new FdInfo();
  const family = b[0];
  if (family === AF_INET && b.length >= 13) {
    setIpv4(fi, b);
    fi.type = FD_TYPE.IPV4_SOCK;
    fi.sockinfo.v4l4 = L4.TCP;
  } else if (family === AF_INET6 && b.length >= 37) {
    if (isIpv4MappedIpv6(b, 1) && isIpv4MappedIpv6(b, 19)) {
      setIpv4Mapped(fi, b);
      fi.type = FD_TYPE.IPV4_SOCK;
      fi.sockinfo.v4l4 = L4.TCP;
    } else {
      setIpv6(fi, b);
      fi.type = FD_TYPE.IPV6_SOCK;
      fi.sockinfo.v6l4 = L4.TCP;
    }
  } else if (family === AF_UNIX) {
    fi.type = FD_TYPE.UNIX_SOCK;
    setUnixInfo(fi.sockinfo, b);
  } else {
    return;
  }
  fi.name = socktupleToString(b);
  fi.flags = 0;
  fi.setRoleServer();
  fi.setSocketConnected();
  c.fdinfo = t.addFd(fd, fi, true);
};

const socketpairExit: Parser = (c) => {
  const e = c.evt;
  if (int(e, 0) < 0 || !c.tinfo || e.nparams < 5) return;
  const fi = new FdInfo();
  fi.type = FD_TYPE.UNIX_SOCK;
  const s = fi.sockinfo;
  s.b.set(rawParam(e, 3)!.subarray(0, 8), 0);
  s.b.set(rawParam(e, 4)!.subarray(0, 8), 8);
  c.fdinfo = c.tinfo.addFd(int(e, 1), fi);
  c.tinfo.addFd(int(e, 2), fi);
};

const getsockoptExit: Parser = (c) => {
  const t = c.tinfo;
  const e = c.evt;
  if (!t || e.nparams < 2) return;
  const fd = int(e, 1);
  c.fdinfo = t.mainThread()?.getFd(fd);
  t.lastEventFd = fd;
};

/** sendto on an fd we never saw created: libsinsp assumes a UDP socket. */
const sendtoEnter: Parser = (c, insp) => {
  const t = c.tinfo;
  const e = c.evt;
  if (!c.fdinfo && t && e.nparams >= 3) {
    const fd = int(e, 0);
    const b = rawParam(e, 2);
    if (fd >= 0 && b && b.length > 0 && (b[0] === AF_INET || b[0] === AF_INET6)) addSocket(c, fd, b[0], SOCK_DGRAM, IPPROTO_UDP);
  }
  insp.storeEvent(c);
};

function decodeSyslog(insp: Inspector, data: Uint8Array | null): void {
  if (!data) return;
  let j = 0;
  let pri = '';
  for (let p = 1; p < data.length && data[p] !== 0x3e && data[p] !== 0 && j < 15; p++, j++) pri += String.fromCharCode(data[p]);
  if (data.length < j + 2 || j === 0 || !/^[0-9]+$/.test(pri)) {
    insp.syslogPriority = -1;
    return;
  }
  insp.syslogPriority = Number(pri) | 0;
  insp.syslogMessage = new TextDecoder().decode(data.subarray(j + 2));
}

/** libsinsp's parse_rw_exit: tuples learnt from datagram reads and writes, syslog messages. */
const rwExit: Parser = (c, insp) => {
  const fi = c.fdinfo;
  if (!fi) return;
  const e = c.evt;
  const type = e.type;
  const res = int(e, 0);
  if (res < 0) return;
  if (fi.type === FD_TYPE.IPV4_SOCK || fi.type === FD_TYPE.IPV6_SOCK) fi.setSocketConnected();
  if (eventFlags(type) & EF.READS_FROM_FD) {
    const tupleIdx = type === PPME.SOCKET_RECVFROM_X ? 2 : type === PPME.SOCKET_RECVMSG_X ? 3 : -1;
    if (tupleIdx !== -1 && (fi.name.length === 0 || !fi.isTcpSocket())) {
      const b = rawParam(e, tupleIdx);
      if (updateFd(insp, fi, b)) afterTupleChange(c, fi, b, true);
    }
  } else {
    if ((type === PPME.SOCKET_SENDTO_X || type === PPME.SOCKET_SENDMSG_X) && (fi.name.length === 0 || !fi.isTcpSocket())) {
      // The destination is in the enter event (older generations) or in the exit itself (current one).
      const enter = insp.retrieveEnter(c);
      let b: Uint8Array | null;
      if (enter) b = rawParam(enter, 2);
      else {
        const i = indexOf(e, 'tuple');
        if (i < 0) return;
        b = rawParam(e, i);
      }
      if (updateFd(insp, fi, b)) afterTupleChange(c, fi, b, false);
    }
    if (fi.syslog) decodeSyslog(insp, rawParam(e, 1));
  }
};

function afterTupleChange(c: EventContext, fi: FdInfo, b: Uint8Array | null, incoming: boolean): void {
  if (fi.type === FD_TYPE.IPV4_SOCK || fi.type === FD_TYPE.IPV6_SOCK) {
    if (fi.isRoleNone() && c.tinfo) guessRole(c.tinfo, fi, incoming);
    if (incoming ? fi.isRoleClient() : fi.isRoleServer()) swapAddresses(fi);
    fi.name = sockinfoToStr(fi);
  } else {
    fi.name = socktupleToString(b);
  }
}

export const NETWORK_PARSERS: Array<[number[], Parser]> = [
  [[PPME.SOCKET_SOCKET_X], socketExit],
  [[PPME.SOCKET_BIND_X], bindExit],
  [[PPME.SOCKET_CONNECT_E], connectEnter],
  [[PPME.SOCKET_CONNECT_X], connectExit],
  [[PPME.SOCKET_ACCEPT_X, PPME.SOCKET_ACCEPT_5_X, PPME.SOCKET_ACCEPT4_X, PPME.SOCKET_ACCEPT4_5_X, PPME.SOCKET_ACCEPT4_6_X], acceptExit],
  [[PPME.SOCKET_SOCKETPAIR_X], socketpairExit],
  [[PPME.SOCKET_GETSOCKOPT_X], getsockoptExit],
  [[PPME.SOCKET_SENDTO_E], sendtoEnter],
  [[PPME.SYSCALL_READ_X, PPME.SYSCALL_WRITE_X, PPME.SOCKET_RECV_X, PPME.SOCKET_SEND_X, PPME.SOCKET_RECVFROM_X, PPME.SOCKET_RECVMSG_X,
    PPME.SOCKET_SENDTO_X, PPME.SOCKET_SENDMSG_X, PPME.SYSCALL_READV_X, PPME.SYSCALL_WRITEV_X, PPME.SYSCALL_PREAD_X,
    PPME.SYSCALL_PWRITE_X, PPME.SYSCALL_PREADV_X, PPME.SYSCALL_PWRITEV_X], rwExit],
];

export { str };
