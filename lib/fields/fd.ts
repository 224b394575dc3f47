/** fd.* fields, as libsinsp's fd filtercheck extracts them. */
import type { Event } from '../events/event.js';
import { EF, PPME } from '../events/schema.generated.js';
import { eventFlags } from '../state/compat.js';
import type { EventContext } from '../state/context.js';
import { FD_TYPE, L4, type FdInfo } from '../state/fds.js';
import { dirOf } from '../state/parsers/files.js';
import { concatenatePaths, sanitize } from '../state/strings.js';
import { ipv6ToString } from '../events/values.js';
import { renderParam, type RenderOptions } from './params.js';
import type { FieldSpec } from './registry.js';

interface FdRef {
  t: NonNullable<EventContext['tinfo']>;
  fi: FdInfo | undefined;
}

/** libsinsp's extract_fd: only fd-related events have fd fields. */
function fdOf(e: Event, c: EventContext | undefined): FdRef | undefined {
  if (!c || !(eventFlags(e.type) & (EF.CREATES_FD | EF.USES_FD | EF.DESTROYS_FD))) return undefined;
  const t = c.thread;
  if (!t) return undefined;
  let fi = c.fdinfo;
  if (!fi && t.lastEventFd !== -1) fi = t.getFd(t.lastEventFd);
  return { t, fi };
}

/** The name an fd-creating exit names even when it failed (libsinsp's extract_fdname_from_creator). */
function nameFromCreator(e: Event, c: EventContext, opts: RenderOptions): string | undefined {
  const type = e.type;
  if ((type & 1) === 0) return undefined;
  switch (type) {
    case PPME.SYSCALL_OPEN_X: case PPME.SOCKET_ACCEPT_X: case PPME.SOCKET_ACCEPT_5_X: case PPME.SOCKET_ACCEPT4_X:
    case PPME.SOCKET_ACCEPT4_5_X: case PPME.SYSCALL_CREAT_X: case PPME.SOCKET_CONNECT_X: {
      if (e.nparams < 2) return '';
      const r = renderParam(e, c, 1, opts);
      return r.resolved || r.value;
    }
    case PPME.SYSCALL_OPENAT_X: case PPME.SYSCALL_OPENAT_2_X: case PPME.SYSCALL_OPENAT2_X: {
      let src: Event | undefined = e;
      let ni = 2;
      let di = 1;
      if (type === PPME.SYSCALL_OPENAT_X) {
        src = c.inspector.retrieveEnter(c);
        ni = 1;
        di = 0;
        if (!src) return undefined;
      }
      if (src.nparams <= ni || !c.tinfo) return '';
      const o = src.paramOffset(ni);
      const len = src.paramLength(ni);
      const name = new TextDecoder().decode(src.bytes.subarray(o, o + len)).split('\0')[0];
      const dirfd = Number(src.view.getBigInt64(src.paramOffset(di), true));
      const sdir = dirOf(c, name, dirfd);
      return sanitize(concatenatePaths(sdir, name, len).path);
    }
    default:
      return '';
  }
}

function fdName(e: Event, c: EventContext | undefined, o: RenderOptions): string | null {
  const r = fdOf(e, c);
  if (!r || !c) return null;
  if (!r.fi) return nameFromCreator(e, c, o) ?? null;
  if (e.type === PPME.SOCKET_CONNECT_X && e.nparams > 0 && e.paramLength(0) === 8 && e.view.getBigInt64(e.paramOffset(0), true) < 0n) {
    return nameFromCreator(e, c, o) ?? null;
  }
  return sanitize(r.fi.name);
}

function ipv4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

function typecharFromCreator(type: number): string {
  switch (type & ~1) {
    case PPME.SYSCALL_OPEN_E: case PPME.SYSCALL_OPENAT_E: case PPME.SYSCALL_OPENAT_2_E: case PPME.SYSCALL_OPENAT2_E: case PPME.SYSCALL_CREAT_E:
      return 'f';
    case PPME.SOCKET_SOCKET_E: case PPME.SOCKET_ACCEPT_E: case PPME.SOCKET_ACCEPT_5_E: case PPME.SOCKET_ACCEPT4_E: case PPME.SOCKET_ACCEPT4_5_E:
      return '4';
    case PPME.SYSCALL_PIPE_E: return 'p';
    case PPME.SYSCALL_EVENTFD_E: return 'e';
    case PPME.SYSCALL_SIGNALFD_E: return 's';
    case PPME.SYSCALL_TIMERFD_CREATE_E: return 't';
    case PPME.SYSCALL_INOTIFY_INIT_E: return 'i';
    default: return 'o';
  }
}

/** A container's IPv4 address from its container event ('' when unknown). */
function containerIp(info: { readonly [k: string]: unknown } | undefined): string {
  return info && typeof info.ip === 'string' ? info.ip : '';
}

/** libsinsp's is_ipv4addr_in_local_machine: the container's address (0.0.0.0 when unknown) or an interface's. */
function isIpv4Local(c: EventContext, b: Uint8Array, off: number): boolean {
  const ip = ipv4(b, off);
  const t = c.thread;
  if (t?.containerId) {
    const info = c.inspector.containers.get(t.containerId);
    if (info) {
      const own = containerIp(info);
      if (own !== '' && own !== '0.0.0.0') {
        if (own === ip) return true;
      } else {
        for (const k of c.inspector.containers.map.values()) if ((containerIp(k) || '0.0.0.0') === ip) return true;
      }
    }
  }
  return c.inspector.interfaces.v4.some((i) => `${i.addr >>> 24}.${(i.addr >>> 16) & 255}.${(i.addr >>> 8) & 255}.${i.addr & 255}` === ip);
}

function isSock(fi: FdInfo): boolean {
  return fi.type === FD_TYPE.IPV4_SOCK || fi.type === FD_TYPE.IPV6_SOCK;
}

export const FD_FIELDS: FieldSpec[] = [
  { name: 'fd.num', type: 'int64', format: 'id', desc: 'fd number', extract: (e, c) => { const r = fdOf(e, c); return r ? r.t.lastEventFd : null; } },
  { name: 'fd.type', type: 'string', desc: "fd type: 'file', 'directory', 'ipv4', 'ipv6', 'unix', 'pipe', 'event', ...", extract: (e, c) => fdOf(e, c)?.fi?.typeName ?? null },
  {
    name: 'fd.typechar', type: 'string', desc: "fd type as one character: 'f', '4', '6', 'u', 'p', 'e', ...",
    extract: (e, c) => { const r = fdOf(e, c); if (!r) return null; return r.fi ? r.fi.typechar : typecharFromCreator(e.type); },
  },
  { name: 'fd.name', type: 'string', desc: 'fd name: the path of files, the tuple of sockets', extract: (e, c, _a, o) => fdName(e, c, o) },
  {
    name: 'fd.directory', type: 'string', desc: 'directory of a file fd',
    extract: (e, c, _a, o) => {
      const r = fdOf(e, c);
      if (!r || !c) return null;
      let s: string;
      if (!r.fi) {
        const n = nameFromCreator(e, c, o);
        if (n === undefined) return null;
        s = sanitize(n);
        const p = s.lastIndexOf('/');
        if (p > 0) { if (p < s.length - 1) s = s.slice(0, p); } else s = '/';
        return s;
      }
      if (!(r.fi.isFile() || r.fi.isDirectory())) return null;
      s = sanitize(r.fi.name);
      if (r.fi.isFile()) {
        const p = s.lastIndexOf('/');
        if (p > 0) { if (p < s.length - 1) s = s.slice(0, p); } else s = '/';
      }
      return s;
    },
  },
  {
    name: 'fd.filename', type: 'string', desc: 'file name without its directory',
    extract: (e, c, _a, o) => {
      const r = fdOf(e, c);
      if (!r || !c) return null;
      let s: string;
      if (!r.fi) {
        const t = e.type;
        if (t !== PPME.SYSCALL_OPEN_E && t !== PPME.SYSCALL_OPENAT_E && t !== PPME.SYSCALL_OPENAT_2_E && t !== PPME.SYSCALL_OPENAT2_E && t !== PPME.SYSCALL_CREAT_E) return null;
        const n = nameFromCreator(e, c, o);
        if (n === undefined) return null;
        s = sanitize(n);
        const p = s.lastIndexOf('/');
        if (p >= 0 && p < s.length - 1) s = s.slice(p + 1);
        return s;
      }
      if (!r.fi.isFile()) return null;
      s = sanitize(r.fi.name);
      const p = s.lastIndexOf('/');
      if (p >= 0) { if (p < s.length - 1) s = s.slice(p + 1); } else s = '/';
      return s;
    },
  },
  {
    name: 'fd.cip', type: 'ipaddr', desc: 'client IP address',
    extract: (e, c) => {
      const fi = fdOf(e, c)?.fi;
      if (!fi || fi.isRoleNone() || !fi.sock) return null;
      if (fi.type === FD_TYPE.IPV4_SOCK) return ipv4(fi.sock.b, 0);
      if (fi.type === FD_TYPE.IPV6_SOCK) return ipv6ToString(fi.sock.b, 0);
      return null;
    },
  },
  {
    name: 'fd.sip', type: 'ipaddr', desc: 'server IP address',
    extract: (e, c) => {
      const fi = fdOf(e, c)?.fi;
      if (!fi || fi.isRoleNone() || !fi.sock) return null;
      switch (fi.type) {
        case FD_TYPE.IPV4_SOCK: return ipv4(fi.sock.b, 4);
        case FD_TYPE.IPV4_SERVSOCK: return ipv4(fi.sock.b, 0);
        case FD_TYPE.IPV6_SOCK: return ipv6ToString(fi.sock.b, 16);
        case FD_TYPE.IPV6_SERVSOCK: return ipv6ToString(fi.sock.b, 0);
        default: return null;
      }
    },
  },
  {
    name: 'fd.cport', type: 'port', format: 'dec', desc: 'client port',
    extract: (e, c) => {
      const fi = fdOf(e, c)?.fi;
      if (!fi || fi.isRoleNone()) return null;
      if (fi.type === FD_TYPE.IPV4_SOCK) return fi.sockinfo.v4sport;
      if (fi.type === FD_TYPE.IPV6_SOCK) return fi.sockinfo.v6sport;
      // libsinsp falls through to an empty port string here, which reads as 0.
      return 0;
    },
  },
  {
    name: 'fd.sport', type: 'port', format: 'dec', desc: 'server port',
    extract: (e, c) => {
      const fi = fdOf(e, c)?.fi;
      if (!fi) return null;
      switch (fi.type) {
        case FD_TYPE.IPV4_SOCK: return fi.isRoleNone() ? null : fi.sockinfo.v4dport;
        case FD_TYPE.IPV4_SERVSOCK: return fi.sockinfo.s4port;
        case FD_TYPE.IPV6_SOCK: return fi.isRoleNone() ? null : fi.sockinfo.v6dport;
        case FD_TYPE.IPV6_SERVSOCK: return fi.sockinfo.s6port;
        default: return null;
      }
    },
  },
  {
    name: 'fd.l4proto', type: 'string', desc: "IP protocol: 'tcp', 'udp', 'icmp' or 'raw'",
    extract: (e, c) => {
      const fi = fdOf(e, c)?.fi;
      if (!fi) return null;
      switch (fi.l4proto()) {
        case L4.TCP: return 'tcp';
        case L4.UDP: return 'udp';
        case L4.ICMP: return 'icmp';
        case L4.RAW: return 'raw';
        default: return '<NA>';
      }
    },
  },
  {
    name: 'fd.sockfamily', type: 'string', desc: "'ip' or 'unix' for sockets",
    extract: (e, c) => {
      const fi = fdOf(e, c)?.fi;
      if (!fi) return null;
      if (fi.type === FD_TYPE.IPV4_SOCK || fi.type === FD_TYPE.IPV6_SOCK || fi.type === FD_TYPE.IPV4_SERVSOCK || fi.type === FD_TYPE.IPV6_SERVSOCK) return 'ip';
      if (fi.type === FD_TYPE.UNIX_SOCK) return 'unix';
      return null;
    },
  },
  {
    name: 'fd.is_server', type: 'bool', desc: 'the process is the server end of the connection',
    extract: (e, c) => {
      const fi = fdOf(e, c)?.fi;
      if (!fi || !c) return null;
      if (fi.type === FD_TYPE.IPV4_SERVSOCK || fi.type === FD_TYPE.IPV6_SERVSOCK) return true;
      const s = fi.sock;
      if (fi.type === FD_TYPE.IPV4_SOCK && s) return isIpv4Local(c, s.b, 4);
      if (fi.type === FD_TYPE.IPV6_SOCK && s) return !c.thread?.containerId && c.inspector.interfaces.isIpv6Local(s.b, 16);
      return false;
    },
  },
  {
    name: 'fd.connected', type: 'bool', desc: 'a TCP/UDP socket is connected',
    extract: (e, c) => { const fi = fdOf(e, c)?.fi; return fi ? (fi.flags & (1 << 13)) !== 0 : null; },
  },
  { name: 'fd.dev', type: 'int32', format: 'hex', desc: 'device number of the file', extract: (e, c) => fdOf(e, c)?.fi?.dev ?? null },
  {
    name: 'fd.uid', type: 'string', desc: 'fd number and thread id, chained',
    extract: (e, c) => { const r = fdOf(e, c); return r ? `${r.t.tid}${r.t.lastEventFd}` : null; },
  },
];

export { isSock };

// ---------------------------------------------------------------- more fd.* fields (issue 5)

/** The fd of an fd-related event (libsinsp's m_fdinfo once extract_fd ran). */
function fdInfo(e: Event, c: EventContext | undefined): FdInfo | undefined {
  return fdOf(e, c)?.fi;
}

/** Whether the socket's source address is this machine's (libsinsp's is_ipv4addr_in_local_machine / is_ipv6addr_in_local_machine). */
function sourceIsLocal(c: EventContext, fi: FdInfo): boolean {
  const s = fi.sockinfo;
  return fi.type === FD_TYPE.IPV4_SOCK ? isIpv4Local(c, s.b, 0) : c.inspector.interfaces.isIpv6Local(s.b, 0);
}

/** Local or remote address of a connected IPv4/IPv6 socket. */
function localRemoteIp(e: Event, c: EventContext | undefined, local: boolean): string | null {
  const fi = fdInfo(e, c);
  if (!fi || !c || !isSock(fi) || fi.isRoleNone()) return null;
  const srcLocal = sourceIsLocal(c, fi);
  const useSource = local === srcLocal;
  const s = fi.sockinfo;
  if (fi.type === FD_TYPE.IPV4_SOCK) return ipv4(s.b, useSource ? 0 : 4);
  return ipv6ToString(s.b, useSource ? 0 : 16);
}

function localRemotePort(e: Event, c: EventContext | undefined, local: boolean): number | null {
  const fi = fdInfo(e, c);
  if (!fi || !c || !isSock(fi) || fi.isRoleNone()) return null;
  const useSource = local === sourceIsLocal(c, fi);
  const s = fi.sockinfo;
  if (fi.type === FD_TYPE.IPV4_SOCK) return useSource ? s.v4sport : s.v4dport;
  return useSource ? s.v6sport : s.v6dport;
}

/** Both ends' addresses (a server socket has one): what fd.ip and fd.net match any of. */
function bothIps(e: Event, c: EventContext | undefined): string[] | null {
  const fi = fdInfo(e, c);
  if (!fi || !fi.sock) return null;
  const b = fi.sock.b;
  switch (fi.type) {
    case FD_TYPE.IPV4_SOCK: return [ipv4(b, 0), ipv4(b, 4)];
    case FD_TYPE.IPV4_SERVSOCK: return [ipv4(b, 0)];
    case FD_TYPE.IPV6_SOCK: return [ipv6ToString(b, 0), ipv6ToString(b, 16)];
    case FD_TYPE.IPV6_SERVSOCK: return [ipv6ToString(b, 0)];
    default: return null;
  }
}

function bothPorts(e: Event, c: EventContext | undefined): number[] | null {
  const fi = fdInfo(e, c);
  if (!fi || !fi.sock) return null;
  const s = fi.sock;
  switch (fi.type) {
    case FD_TYPE.IPV4_SOCK: return [s.v4sport, s.v4dport];
    case FD_TYPE.IPV4_SERVSOCK: return [s.s4port];
    case FD_TYPE.IPV6_SOCK: return [s.v6sport, s.v6dport];
    case FD_TYPE.IPV6_SERVSOCK: return [s.s6port];
    default: return null;
  }
}

/** libsinsp's port_to_string with name resolution off (sysdig's default): the number. */
const proto = (p: number | null | undefined): string | null => (p === null || p === undefined ? null : String(p));

/** The extractor of an existing fd field, for fields built on it. */
function base(name: string) {
  const f = FD_FIELDS.find((x) => x.name === name);
  if (!f) throw new Error(`internal: no field ${name}`);
  return f.extract;
}

const cipOf = base('fd.cip');
const sipOf = base('fd.sip');
const nameOf = base('fd.name');
const directoryOf = base('fd.directory');

/** fd.cproto / fd.sproto: the port of a connected socket's end; '' for other fds with a role, none without. */
function tupleProto(e: Event, c: EventContext | undefined, client: boolean): string | null {
  const fi = fdInfo(e, c);
  if (!fi || fi.isRoleNone()) return null;
  const s = fi.sockinfo;
  if (fi.type === FD_TYPE.IPV4_SOCK) return String(client ? s.v4sport : s.v4dport);
  if (fi.type === FD_TYPE.IPV6_SOCK) return String(client ? s.v6sport : s.v6dport);
  // sysdig 0.29: an empty client protocol for every other fd with a role, an empty server one for server sockets only.
  if (client || fi.type === FD_TYPE.IPV4_SERVSOCK || fi.type === FD_TYPE.IPV6_SERVSOCK) return '';
  return null;
}

export const FD_MORE_FIELDS: FieldSpec[] = [
  {
    name: 'fd.ip', type: 'ipaddr', filterOnly: true, anyOf: true, neEvery: true, noTransformer: true,
    desc: '(FILTER ONLY) matches the ip address (client or server) of the fd', extract: (e, c) => bothIps(e, c),
  },
  { name: 'fd.lip', type: 'ipaddr', desc: 'local IP address', extract: (e, c) => localRemoteIp(e, c, true) },
  { name: 'fd.rip', type: 'ipaddr', desc: 'remote IP address', extract: (e, c) => localRemoteIp(e, c, false) },
  {
    name: 'fd.port', type: 'port', format: 'dec', filterOnly: true, anyOf: true, neEvery: true, noTransformer: true,
    desc: '(FILTER ONLY) matches the port (either client or server) of the fd', extract: (e, c) => bothPorts(e, c),
  },
  { name: 'fd.lport', type: 'port', format: 'dec', desc: 'for TCP/UDP FDs, the local port', extract: (e, c) => localRemotePort(e, c, true) },
  { name: 'fd.rport', type: 'port', format: 'dec', desc: 'for TCP/UDP FDs, the remote port', extract: (e, c) => localRemotePort(e, c, false) },
  {
    name: 'fd.proto', type: 'string', filterOnly: true, anyOf: true, neEvery: true, noTransformer: true,
    desc: '(FILTER ONLY) matches the protocol (either client or server) of the fd', extract: (e, c) => bothPorts(e, c)?.map(String) ?? null,
  },
  { name: 'fd.cproto', type: 'string', desc: 'for TCP/UDP FDs, the client protocol', extract: (e, c) => tupleProto(e, c, true) },
  { name: 'fd.sproto', type: 'string', desc: 'for TCP/UDP FDs, server protocol', extract: (e, c) => tupleProto(e, c, false) },
  { name: 'fd.lproto', type: 'string', desc: 'for TCP/UDP FDs, the local protocol', extract: (e, c) => proto(localRemotePort(e, c, true)) },
  { name: 'fd.rproto', type: 'string', desc: 'for TCP/UDP FDs, the remote protocol', extract: (e, c) => proto(localRemotePort(e, c, false)) },
  {
    name: 'fd.net', type: 'ipnet', filterOnly: true, anyOf: true, neEvery: true, noTransformer: true,
    desc: '(FILTER ONLY) matches the IP network (client or server) of the fd', extract: (e, c) => bothIps(e, c),
  },
  { name: 'fd.cnet', type: 'ipnet', filterOnly: true, desc: '(FILTER ONLY) matches the client IP network of the fd', extract: (e, c, a, o) => cipOf(e, c, a, o) },
  { name: 'fd.snet', type: 'ipnet', filterOnly: true, desc: '(FILTER ONLY) matches the server IP network of the fd', extract: (e, c, a, o) => sipOf(e, c, a, o) },
  { name: 'fd.lnet', type: 'ipnet', filterOnly: true, desc: '(FILTER ONLY) matches the local IP network of the fd', extract: (e, c) => localRemoteIp(e, c, true) },
  { name: 'fd.rnet', type: 'ipnet', filterOnly: true, desc: '(FILTER ONLY) matches the remote IP network of the fd', extract: (e, c) => localRemoteIp(e, c, false) },
  {
    name: 'fd.containername', type: 'string', desc: 'chaining of the container ID and the FD name. Useful when trying to identify which container an FD belongs to',
    extract: (e, c, a, o) => {
      const r = fdOf(e, c);
      const n = r ? nameOf(e, c, a, o) : null;
      return r && n !== null && n !== undefined ? `${r.t.containerId}:${n as string}` : null;
    },
  },
  {
    name: 'fd.containerdirectory', type: 'string', desc: 'chaining of the container ID and the directory name. Useful when trying to identify which container a directory belongs to',
    extract: (e, c, a, o) => {
      const r = fdOf(e, c);
      const d = r ? directoryOf(e, c, a, o) : null;
      return r && d !== null && d !== undefined ? `${r.t.containerId}:${d as string}` : null;
    },
  },
  { name: 'fd.dev.major', type: 'uint32', format: 'dec', desc: 'major device number containing the referenced file', extract: (e, c) => { const fi = fdInfo(e, c); return fi ? (fi.dev & 0xfff00) >>> 8 : null; } },
  { name: 'fd.dev.minor', type: 'uint32', format: 'dec', desc: 'minor device number containing the referenced file', extract: (e, c) => { const fi = fdInfo(e, c); return fi ? ((fi.dev & 0xff) | ((fi.dev >>> 12) & 0xfff00)) >>> 0 : null; } },
  { name: 'fd.ino', type: 'int64', format: 'dec', desc: 'inode number of the referenced file', extract: (e, c) => { const fi = fdInfo(e, c); return fi ? fi.ino : null; } },
  { name: 'fd.nameraw', type: 'string', desc: 'the path of a file fd as the process passed it, unresolved', extract: (e, c) => { const fi = fdInfo(e, c); return fi ? fi.nameRaw : null; } },
  {
    name: 'fd.types', type: 'string', isList: true, arg: 'optional',
    desc: 'the types of the fds the process has open (a list); fd.types[N] is the type of fd N only',
    argCheck: (a) => (a === undefined || /^[0-9]+$/.test(a) ? undefined : `wrong argument '${a}' for fd.types: an fd number`),
    extract: (_e, c, arg) => {
      const t = c?.thread;
      if (!t) return null;
      if (arg !== undefined) {
        const fi = t.getFd(Number(arg));
        return fi ? [fi.typeName] : null;
      }
      const table = t.fdTable();
      if (!table) return null;
      return [...new Set([...table.map.values()].map((f) => f.typeName))].sort();
    },
  },
];
