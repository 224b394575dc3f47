/**
 * The `/proc` scan a live capture starts from: every thread and its open fds,
 * machine info, network interfaces, users and groups, in the shapes of the
 * `.scap` metadata blocks (so a live capture writes them into its file).
 *
 * What cannot be read is left empty instead of dropping the thread: in
 * sandboxes `/proc/<pid>/root` and others can return EACCES.
 */
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { hostname, networkInterfaces, totalmem, cpus } from 'node:os';
import {
  FD_TYPE,
  emptyThread,
  type FdRecord,
  type GroupRecord,
  type InterfaceRecord,
  type MachineInfo,
  type ThreadRecord,
  type UserRecord,
} from '../scapfile/metadata.js';
import { FLAG_TABLES } from '../events/schema.generated.js';
import type { SectionMetadata } from '../scapfile/writer.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

function link(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

function nulList(s: string | undefined): string[] {
  if (!s) return [];
  const parts = s.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function statusField(status: string, key: string): string | undefined {
  const m = status.match(new RegExp(`^${key}:\\s*(.*)$`, 'm'));
  return m ? m[1] : undefined;
}

const ppmFileFlag = new Map(FLAG_TABLES.file_flags.map(([n, v]) => [n, v]));
/** Linux O_* bits (x86_64) to PPM_O_* bits. */
const LINUX_OPEN_FLAGS: readonly [number, string][] = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'], [0o4000, 'O_NONBLOCK'],
  [0o10000, 'O_DSYNC'], [0o4010000, 'O_SYNC'], [0o40000, 'O_DIRECT'], [0o100000, 'O_LARGEFILE'],
  [0o200000, 'O_DIRECTORY'], [0o2000000, 'O_CLOEXEC'],
];

/** Converts open(2) flags as /proc/<pid>/fdinfo shows them (octal) to the PPM encoding. */
export function openFlagsToPpm(linux: number): number {
  const acc = linux & 3;
  let out = ppmFileFlag.get(acc === 0 ? 'O_RDONLY' : acc === 1 ? 'O_WRONLY' : 'O_RDWR') ?? 0;
  for (const [bit, name] of LINUX_OPEN_FLAGS) if ((linux & bit) === bit) out |= ppmFileFlag.get(name) ?? 0;
  return out;
}

/** One thread from /proc/<pid>/task/<tid>. */
export function readThread(proc: string, pid: number, tid: number): ThreadRecord | undefined {
  const base = `${proc}/${pid}/task/${tid}`;
  const stat = read(`${base}/stat`);
  const status = read(`${base}/status`);
  if (!stat || !status) return undefined; // the thread exited while we looked
  const t = emptyThread(tid);
  t.pid = pid;
  // comm sits in parentheses and may itself hold spaces and parentheses.
  const close = stat.lastIndexOf(')');
  t.comm = stat.slice(stat.indexOf('(') + 1, close);
  const f = stat.slice(close + 2).split(' ');
  // f[0] is field 3 (state) of proc(5).
  t.ptid = Number(statusField(status, 'PPid') ?? f[1]);
  t.pgid = Number(f[2]);
  t.vpgid = t.pgid;
  t.sid = Number(f[3]);
  t.tty = Number(f[4]);
  t.pfminor = BigInt(f[7]);
  t.pfmajor = BigInt(f[9]);
  t.uid = Number((statusField(status, 'Uid') ?? '0').split(/\s+/)[1]);
  t.gid = Number((statusField(status, 'Gid') ?? '0').split(/\s+/)[1]);
  t.vmsizeKb = parseInt(statusField(status, 'VmSize') ?? '0', 10) || 0;
  t.vmrssKb = parseInt(statusField(status, 'VmRSS') ?? '0', 10) || 0;
  t.vmswapKb = parseInt(statusField(status, 'VmSwap') ?? '0', 10) || 0;
  t.capInheritable = BigInt(`0x${statusField(status, 'CapInh') ?? '0'}`);
  t.capPermitted = BigInt(`0x${statusField(status, 'CapPrm') ?? '0'}`);
  t.capEffective = BigInt(`0x${statusField(status, 'CapEff') ?? '0'}`);
  // The innermost namespace's ids are the last in NSpid/NStgid.
  const nspid = (statusField(status, 'NSpid') ?? String(tid)).trim().split(/\s+/);
  const nstgid = (statusField(status, 'NStgid') ?? String(pid)).trim().split(/\s+/);
  t.vtid = Number(nspid[nspid.length - 1]);
  t.vpid = Number(nstgid[nstgid.length - 1]);
  if (tid !== pid) t.flags |= 0x2000 | 0x1; // PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES
  const cmdline = nulList(read(`${proc}/${pid}/cmdline`));
  t.exepath = link(`${proc}/${pid}/exe`).replace(/ \(deleted\)$/, '');
  t.exe = cmdline[0] ?? t.exepath;
  t.args = cmdline.slice(1);
  t.cwd = link(`${base}/cwd`);
  t.root = link(`${proc}/${pid}/root`);
  t.env = nulList(read(`${proc}/${pid}/environ`));
  t.cgroups = (read(`${base}/cgroup`) ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [, ctrl, path] = l.split(':');
      return `${ctrl || 'unified'}=${path}`;
    });
  const loginuid = read(`${proc}/${pid}/loginuid`);
  if (loginuid !== undefined) t.loginuid = Number(loginuid.trim()) >>> 0;
  const limits = read(`${proc}/${pid}/limits`);
  const nofile = limits?.match(/^Max open files\s+(\S+)/m)?.[1];
  if (nofile) t.fdlimit = nofile === 'unlimited' ? 0xffffffffffffffffn : BigInt(nofile);
  try {
    const st = statSync(`${proc}/${pid}/exe`);
    t.exeIno = BigInt(st.ino);
    t.exeInoCtime = BigInt(Math.round(st.ctimeMs * 1e6));
    t.exeInoMtime = BigInt(Math.round(st.mtimeMs * 1e6));
  } catch {
    // exe of kernel threads and of processes we may not inspect
  }
  return t;
}

interface SocketInfo {
  type: number;
  sip?: string;
  dip?: string;
  sport?: number;
  dport?: number;
  l4proto?: number;
  name?: string;
}

function hexIpv4(h: string): string {
  // /proc/net/tcp prints the address as a host-order (little-endian) u32.
  const n = parseInt(h, 16);
  return `${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`;
}

function hexIpv6(h: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = h.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  const s = groups.join(':');
  // Compress the longest zero run as inet_ntop does.
  const m = s.match(/(^|:)0(:0)+(:|$)/g);
  if (!m) return s;
  const longest = m.reduce((a, b) => (b.length > a.length ? b : a));
  return s.replace(longest, '::').replace(/^:::/, '::').replace(/:::$/, '::');
}

/** Socket inodes of the network namespace seen through `proc/<pid>/net`. */
export function readSockets(netDir: string): Map<number, SocketInfo> {
  const out = new Map<number, SocketInfo>();
  const inet = (file: string, v6: boolean, l4proto: number) => {
    const lines = (read(`${netDir}/${file}`) ?? '').split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [lip, lport] = f[1].split(':');
      const [rip, rport] = f[2].split(':');
      const ino = Number(f[9]);
      const ip = v6 ? hexIpv6 : hexIpv4;
      const listening = l4proto === 2 ? f[3] === '0A' : parseInt(rport, 16) === 0;
      if (listening) {
        out.set(ino, { type: v6 ? FD_TYPE.IPV6_SERVSOCK : FD_TYPE.IPV4_SERVSOCK, sip: ip(lip), sport: parseInt(lport, 16), l4proto });
      } else {
        out.set(ino, { type: v6 ? FD_TYPE.IPV6_SOCK : FD_TYPE.IPV4_SOCK, sip: ip(lip), sport: parseInt(lport, 16), dip: ip(rip), dport: parseInt(rport, 16), l4proto });
      }
    }
  };
  inet('tcp', false, 2);
  inet('udp', false, 3);
  inet('raw', false, 5);
  inet('tcp6', true, 2);
  inet('udp6', true, 3);
  inet('raw6', true, 5);
  for (const line of (read(`${netDir}/unix`) ?? '').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 7) continue;
    out.set(Number(f[6]), { type: FD_TYPE.UNIX_SOCK, name: f[7] ?? '' });
  }
  for (const line of (read(`${netDir}/netlink`) ?? '').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 10) out.set(Number(f[f.length - 1]), { type: FD_TYPE.NETLINK, name: '' });
  }
  return out;
}

const ANON_TYPES: Record<string, number> = {
  eventfd: FD_TYPE.EVENT,
  eventpoll: FD_TYPE.EVENTPOLL,
  inotify: FD_TYPE.INOTIFY,
  signalfd: FD_TYPE.SIGNALFD,
  timerfd: FD_TYPE.TIMERFD,
  'bpf-map': FD_TYPE.BPF,
  'bpf-prog': FD_TYPE.BPF,
  'bpf-link': FD_TYPE.BPF,
  userfaultfd: FD_TYPE.USERFAULTFD,
  io_uring: FD_TYPE.IOURING,
  pidfd: FD_TYPE.PIDFD,
};

/** The open fds of process `pid`. */
export function readFds(proc: string, pid: number, sockets: Map<number, SocketInfo>): FdRecord[] {
  let names: string[];
  try {
    names = readdirSync(`${proc}/${pid}/fd`);
  } catch {
    return [];
  }
  const out: FdRecord[] = [];
  for (const name of names) {
    const fd = Number(name);
    const target = link(`${proc}/${pid}/fd/${name}`);
    if (!target) continue;
    const rec: FdRecord = { fd, ino: 0n, type: FD_TYPE.UNKNOWN };
    const m = target.match(/^(socket|pipe|anon_inode):\[?([^\]]*)\]?$/);
    if (m && m[1] === 'socket') {
      const ino = Number(m[2]);
      rec.ino = BigInt(ino);
      const s = sockets.get(ino);
      if (!s) continue; // a socket family the scan does not know (packet, vsock, ...)
      Object.assign(rec, s);
    } else if (m && m[1] === 'pipe') {
      rec.type = FD_TYPE.FIFO;
      rec.ino = BigInt(m[2]);
      rec.name = target;
    } else if (m && m[1] === 'anon_inode') {
      rec.type = ANON_TYPES[m[2]] ?? FD_TYPE.UNSUPPORTED;
      rec.name = target;
    } else if (target.startsWith('/memfd:')) {
      rec.type = FD_TYPE.MEMFD;
      rec.name = target;
    } else {
      const info = read(`${proc}/${pid}/fdinfo/${name}`) ?? '';
      const flags = info.match(/^flags:\s*(\d+)/m);
      try {
        const st = statSync(`${proc}/${pid}/fd/${name}`);
        rec.ino = BigInt(st.ino);
        rec.dev = st.dev;
        if (st.isDirectory()) {
          rec.type = FD_TYPE.DIRECTORY;
          rec.name = target;
          out.push(rec);
          continue;
        }
      } catch {
        // the fd was closed while we looked
      }
      rec.type = FD_TYPE.FILE_V2;
      rec.name = target;
      rec.openFlags = flags ? openFlagsToPpm(parseInt(flags[1], 8)) : 0;
    }
    out.push(rec);
  }
  return out;
}

/** Every thread under `proc` (default /proc), with the fds of each process on its main thread. */
export function scanProcesses(proc = '/proc'): { processes: ThreadRecord[]; fds: Map<number, FdRecord[]> } {
  const processes: ThreadRecord[] = [];
  const fds = new Map<number, FdRecord[]>();
  const socketsByNetns = new Map<string, Map<number, SocketInfo>>();
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let tids: string[];
    try {
      tids = readdirSync(`${proc}/${pid}/task`);
    } catch {
      continue;
    }
    for (const tidName of tids) {
      const t = readThread(proc, pid, Number(tidName));
      if (t) processes.push(t);
    }
    const netns = link(`${proc}/${pid}/ns/net`) || 'host';
    let sockets = socketsByNetns.get(netns);
    if (!sockets) {
      sockets = readSockets(`${proc}/${pid}/net`);
      socketsByNetns.set(netns, sockets);
    }
    const list = readFds(proc, pid, sockets);
    if (list.length) fds.set(pid, list);
  }
  return { processes, fds };
}

export function readMachineInfo(proc = '/proc'): MachineInfo {
  const btime = Number((read(`${proc}/stat`) ?? '').match(/^btime (\d+)/m)?.[1] ?? 0);
  return {
    numCpus: cpus().length,
    memorySizeBytes: BigInt(totalmem()),
    maxPid: BigInt(Number((read(`${proc}/sys/kernel/pid_max`) ?? '0').trim())),
    hostname: hostname(),
    bootTsEpoch: BigInt(btime) * 1_000_000_000n,
    flags: 0n,
  };
}

export function readInterfaces(): InterfaceRecord[] {
  const out: InterfaceRecord[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4') {
        const ip = a.address.split('.').map(Number);
        const mask = a.netmask.split('.').map(Number);
        const bcast = ip.map((b, i) => (b | (~mask[i] & 255)) & 255).join('.');
        out.push({ family: 'ipv4', name, addr: a.address, netmask: a.netmask, bcast, linkspeed: 0n });
      } else {
        out.push({ family: 'ipv6', name, addr: a.address.replace(/%.*$/, ''), netmask: a.netmask, bcast: '::', linkspeed: 0n });
      }
    }
  }
  return out;
}

/** Users and groups from /etc/passwd and /etc/group (the host's, as libscap reads them). */
export function readUsers(etc = '/etc'): { users: UserRecord[]; groups: GroupRecord[] } {
  const users: UserRecord[] = [];
  for (const line of (read(`${etc}/passwd`) ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    users.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), homedir: f[5], shell: f[6] });
  }
  const groups: GroupRecord[] = [];
  for (const line of (read(`${etc}/group`) ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#')) continue;
    groups.push({ name: f[0], gid: Number(f[2]) });
  }
  return { users, groups };
}

/** Everything a live capture's `.scap` section starts with. */
export function scanSystem(proc = '/proc'): SectionMetadata & { processes: ThreadRecord[]; fds: Map<number, FdRecord[]> } {
  const { processes, fds } = scanProcesses(proc);
  const { users, groups } = readUsers();
  return { machineInfo: readMachineInfo(proc), interfaces: readInterfaces(), users, groups, processes, fds };
}
