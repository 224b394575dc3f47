/** Process lifecycle: clone/fork/vfork/clone3, execve/execveat, exit, working directory, limits, names. */
import type { Event } from '../../events/event.js';
import { PPME } from '../../events/schema.generated.js';
import { CLONE_STALE_TIME_NS, type Inspector, uint } from '../inspector.js';
import { FDF } from '../fds.js';
import { concatenatePaths, cgroupsFromBytes, splitArgs, splitEnv } from '../strings.js';
import { CL, UID_NONE, setCwd, type ThreadInfo } from '../threads.js';
import { argSource, indexOf, int, rawParam, str, type Parser } from './common.js';
import { dirOf, PPM_AT_FDCWD } from './files.js';

export type { Inspector };

const PPM_RLIMIT_NOFILE = 7;
const PPM_EXVAT_AT_EMPTY_PATH = 1;
const PR_SET_NAME = 15;

interface CloneLayout {
  flags: number;
  uid: number;
  gid: number;
  /** Index of comm, or -1 when comm is the exe (oldest versions). */
  comm: number;
  vm: boolean;
  /** vtid/vpid and cgroups present. */
  v20: boolean;
}

const L11: CloneLayout = { flags: 8, uid: 9, gid: 10, comm: -1, vm: false, v20: false };
const L16: CloneLayout = { flags: 13, uid: 14, gid: 15, comm: -1, vm: true, v20: false };
const L17: CloneLayout = { flags: 14, uid: 15, gid: 16, comm: 13, vm: true, v20: false };
const L20: CloneLayout = { flags: 15, uid: 16, gid: 17, comm: 13, vm: true, v20: true };

function cloneLayout(type: number): CloneLayout {
  switch (type) {
    case PPME.SYSCALL_CLONE_11_X: return L11;
    case PPME.SYSCALL_CLONE_16_X: case PPME.SYSCALL_FORK_X: case PPME.SYSCALL_VFORK_X: return L16;
    case PPME.SYSCALL_CLONE_17_X: case PPME.SYSCALL_FORK_17_X: case PPME.SYSCALL_VFORK_17_X: return L17;
    default: return L20;
  }
}

function u64(e: Event, i: number): bigint {
  return i < e.nparams && e.paramLength(i) === 8 ? e.view.getBigUint64(e.paramOffset(i), true) : 0n;
}

function copyFromParent(t: ThreadInfo, p: ThreadInfo, flags: number, withExeWritable: boolean): void {
  t.comm = p.comm;
  t.exe = p.exe;
  t.exepath = p.exepath;
  if (withExeWritable) {
    t.exeWritable = p.exeWritable;
    t.exeUpperLayer = p.exeUpperLayer;
    t.exeLowerLayer = p.exeLowerLayer;
    t.exeFromMemfd = p.exeFromMemfd;
    t.exeIno = p.exeIno;
    t.exeInoCtime = p.exeInoCtime;
    t.exeInoMtime = p.exeInoMtime;
  }
  t.pidnsInitStartTs = p.pidnsInitStartTs;
  t.capInheritable = p.capInheritable;
  t.capPermitted = p.capPermitted;
  t.capEffective = p.capEffective;
  t.args = p.args.slice();
  t.root = p.root;
  t.sid = p.sid;
  t.vpgid = p.vpgid;
  t.tty = p.tty;
  t.loginuid = p.loginuid;
  if (!(flags & CL.CLONE_THREAD)) t.env = p.env.slice();
}

/** libsinsp's parse_clone_exit: the child gets its parent's process info and (for processes) a copy of its fds. */
const cloneExit: Parser = (c, insp) => {
  const e = c.evt;
  const type = e.type;
  const L = cloneLayout(type);
  if (e.nparams <= L.gid) return;
  let tid = e.tid;
  let childtid = int(e, 0);
  const flags = uint(e, L.flags);
  if (childtid < 0) return;
  let vtid = tid;
  let vpid = -1;
  if (L.v20 && e.nparams > 19) {
    vtid = int(e, 18);
    vpid = int(e, 19);
  }
  const inContainer = (flags & CL.CHILD_IN_PIDNS) !== 0 || tid !== vtid;
  let inverted = false;
  let collision = false;
  const ts = e.ts;
  const threads = insp.threads;
  if (childtid === 0) {
    if (c.tinfo && c.tinfo.cloneTs !== 0n && ts - c.tinfo.cloneTs > CLONE_STALE_TIME_NS) {
      threads.remove(tid, true);
      c.tinfo = undefined;
    }
    const parenttid = flags & CL.CLONE_THREAD ? int(e, 4) : int(e, 5);
    if (!c.tinfo) {
      inverted = true;
      childtid = tid;
      tid = parenttid;
    } else {
      if (inContainer) {
        c.tinfo.vtid = vtid;
        c.tinfo.vpid = vpid;
      }
      return;
    }
  } else if (inContainer) {
    return;
  }
  let parent = threads.getRef(tid, true, true);
  if (!parent) return;
  const validParent = !(parent.comm === '<NA>' && parent.uid === UID_NONE);
  const existing = threads.getRef(childtid, false, true);
  if (existing) {
    if (existing.flags & CL.CLONE_INVERTED) return;
    threads.remove(childtid, true);
    collision = true;
  }
  const t = threads.newThread();
  t.tid = childtid;
  t.ptid = tid;
  if (validParent) {
    copyFromParent(t, parent, flags, true);
  } else {
    threads.remove(tid, true);
    collision = true;
    parent = threads.getRef(tid, true, true);
    if (!parent) return;
    if (parent.comm !== '<NA>' && parent.uid !== UID_NONE) {
      copyFromParent(t, parent, flags, false);
    } else {
      t.exe = str(e, 1);
      t.comm = L.comm < 0 ? t.exe : str(e, L.comm);
      t.args = splitArgs(rawParam(e, 2));
      parent.comm = t.comm;
      parent.exe = t.exe;
      parent.exepath = t.exepath;
      parent.args = t.args.slice();
    }
  }
  t.pid = int(e, 4);
  t.flags = flags;
  if (!(flags & CL.CLONE_THREAD)) {
    t.pid = childtid;
    const pt = parent.fdTable();
    if (pt) {
      t.fdtable = pt.copy();
      for (const f of t.fdtable.map.values()) f.flags |= FDF.IS_CLONED;
    }
    t.ownCwd = parent.cwd;
  }
  if (inverted) t.flags |= CL.CLONE_INVERTED;
  t.exe = str(e, 1);
  t.comm = L.comm < 0 ? t.exe : str(e, L.comm);
  t.args = splitArgs(rawParam(e, 2));
  t.fdlimit = int(e, 7);
  if (L.vm) {
    t.pfmajor = u64(e, 8);
    t.pfminor = u64(e, 9);
    t.vmsizeKb = uint(e, 10);
    t.vmrssKb = uint(e, 11);
    t.vmswapKb = uint(e, 12);
  }
  t.uid = uint(e, L.uid);
  t.gid = uint(e, L.gid);
  if (inContainer) {
    t.vtid = vtid;
    t.vpid = vpid;
  } else {
    t.vtid = t.tid;
    t.vpid = t.pid;
  }
  if (L.v20 && e.nparams > 14) {
    t.cgroups = cgroupsFromBytes(rawParam(e, 14));
    insp.resolveContainer(t);
  }
  if (L.v20 && e.nparams > 20 && e.paramLength(20) === 8) t.pidnsInitStartTs = u64(e, 20);
  t.cloneTs = ts;
  threads.add(t, false);
  if (collision) insp.reset(c);
};

function isExecveOld(type: number): boolean {
  return type === PPME.SYSCALL_EXECVE_8_X || type === PPME.SYSCALL_EXECVE_13_X || type === PPME.SYSCALL_EXECVE_14_X;
}

/** libsinsp's parse_execve_exit: the thread becomes the new program. */
const execveExit: Parser = (c, insp) => {
  const e = c.evt;
  const type = e.type;
  if (int(e, 0) < 0) return;
  const t = c.tinfo;
  if (!t) return;
  t.exe = str(e, 1);
  t.comm = isExecveOld(type) ? t.exe : str(e, 13);
  t.args = splitArgs(rawParam(e, 2));
  t.pid = int(e, 4);
  if (t.ptid === -1) t.ptid = int(e, 5);
  t.fdlimit = int(e, 7);
  if (type !== PPME.SYSCALL_EXECVE_8_X && e.nparams > 12) {
    t.pfmajor = u64(e, 8);
    t.pfminor = u64(e, 9);
    t.vmsizeKb = uint(e, 10);
    t.vmrssKb = uint(e, 11);
    t.vmswapKb = uint(e, 12);
  }
  if (type === PPME.SYSCALL_EXECVE_14_X) t.env = splitEnv(rawParam(e, 13));
  else if (type === PPME.SYSCALL_EXECVE_15_X) t.env = splitEnv(rawParam(e, 14));
  else if (!isExecveOld(type) && e.nparams > 15) {
    t.env = splitEnv(rawParam(e, 15));
    t.cgroups = cgroupsFromBytes(rawParam(e, 14));
    insp.resolveContainer(t);
  }
  if ((type === PPME.SYSCALL_EXECVE_17_X || type === PPME.SYSCALL_EXECVE_18_X || type === PPME.SYSCALL_EXECVE_19_X || type === PPME.SYSCALL_EXECVEAT_X) && e.nparams > 16) {
    t.tty = int(e, 16);
  }
  if (type === PPME.SYSCALL_EXECVE_18_X || type === PPME.SYSCALL_EXECVE_19_X) {
    const enter = insp.retrieveEnter(c);
    if (enter && enter.nparams > 0) {
      const name = str(enter, 0);
      t.exepath = name.startsWith('<NA>') ? '<NA>' : concatenatePaths(t.ownCwd, name, enter.paramLength(0)).path;
    } else {
      // Current generation: the exit carries the path the kernel resolved.
      const i = indexOf(e, 'trusted_exepath');
      const f = indexOf(e, 'filename');
      if (i >= 0 && e.paramLength(i) > 1) t.exepath = str(e, i);
      else if (f >= 0) {
        const name = str(e, f);
        t.exepath = name.startsWith('<NA>') ? '<NA>' : concatenatePaths(t.ownCwd, name, e.paramLength(f)).path;
      }
    }
  } else if (type === PPME.SYSCALL_EXECVEAT_X) {
    const enter = insp.retrieveEnter(c);
    if (enter && enter.nparams >= 3) {
      let pathname = str(enter, 1);
      if (pathname.startsWith('<NA>')) t.exepath = '<NA>';
      else {
        const flags = uint(enter, 2);
        const sdir = dirOf(c, pathname, int(enter, 0));
        // AT_EMPTY_PATH with an empty path executes dirfd itself.
        if (flags & PPM_EXVAT_AT_EMPTY_PATH && pathname.length === 0) pathname = sdir;
        t.exepath = concatenatePaths(sdir, pathname, Math.max(enter.paramLength(1), Buffer.byteLength(pathname) + 1)).path;
      }
    }
  }
  // Parameters a current producer may leave empty are only applied when present.
  const has = (i: number) => e.nparams > i && e.paramLength(i) > 0;
  if ((type === PPME.SYSCALL_EXECVE_19_X || type === PPME.SYSCALL_EXECVEAT_X) && has(17)) t.vpgid = int(e, 17);
  if (!isExecveOld(type) && has(18)) t.loginuid = uint(e, 18);
  if (!isExecveOld(type) && has(19)) {
    const f = uint(e, 19);
    t.exeWritable = (f & 1) !== 0;
    t.exeUpperLayer = (f & 2) !== 0;
    t.exeFromMemfd = (f & 4) !== 0;
    t.exeLowerLayer = (f & 8) !== 0;
  }
  if (type === PPME.SYSCALL_EXECVE_19_X || type === PPME.SYSCALL_EXECVEAT_X) {
    if (has(20)) t.capInheritable = u64(e, 20);
    if (has(21)) t.capPermitted = u64(e, 21);
    if (has(22)) t.capEffective = u64(e, 22);
    if (has(23)) t.exeIno = u64(e, 23);
    if (has(24)) t.exeInoCtime = u64(e, 24);
    if (has(25)) t.exeInoMtime = u64(e, 25);
  }
  if (has(26)) t.uid = uint(e, 26);
  if (has(29)) t.gid = uint(e, 29);
  const keep = t.flags & (CL.PIPE_SRC | CL.PIPE_DST | CL.IS_MAIN_THREAD);
  const inverted = (t.flags & CL.CLONE_INVERTED) !== 0;
  t.flags = CL.ACTIVE | keep | CL.NAME_CHANGED | (inverted ? CL.CLONE_INVERTED : 0);
};

const procExit: Parser = (c, insp) => {
  if (c.tinfo) {
    c.tinfo.flags |= CL.CLOSED;
    insp.tidToRemove = c.evt.tid;
  }
};

const chdirExit: Parser = (c) => {
  const t = c.tinfo;
  if (!t || int(c.evt, 0) < 0 || c.evt.nparams < 2) return;
  setCwd(t, str(c.evt, 1), c.evt.paramLength(1));
};

const fchdirExit: Parser = (c) => {
  if (int(c.evt, 0) < 0 || !c.fdinfo || !c.tinfo) return;
  setCwd(c.tinfo, c.fdinfo.name, Buffer.byteLength(c.fdinfo.name));
};

const rlimitExit: Parser = (c, insp) => {
  const t = c.tinfo;
  const e = c.evt;
  if (!t || int(e, 0) < 0) return;
  const src = argSource(c, insp, 'resource');
  if (!src) return;
  if (src.evt.bytes[src.evt.paramOffset(src.i)] !== PPM_RLIMIT_NOFILE || e.nparams < 2) return;
  const cur = int(e, 1);
  const m = t.mainThread();
  if (cur !== -1 && m) m.fdlimit = cur;
};

const prlimitExit: Parser = (c, insp) => {
  const e = c.evt;
  if (int(e, 0) < 0 || e.nparams < 2) return;
  const enter = insp.retrieveEnter(c);
  let resource: number;
  let pid: number;
  if (enter) {
    if (enter.nparams < 2) return;
    resource = enter.bytes[enter.paramOffset(1)];
    pid = int(enter, 0);
  } else {
    const r = indexOf(e, 'resource');
    const p = indexOf(e, 'pid');
    if (r < 0 || p < 0) return;
    resource = e.bytes[e.paramOffset(r)];
    pid = int(e, p);
  }
  if (resource !== PPM_RLIMIT_NOFILE) return;
  const cur = int(e, 1);
  if (cur === -1) return;
  const t = insp.threads.getRef(pid === 0 ? e.tid : pid, true, true);
  const m = t?.mainThread();
  if (m) m.fdlimit = cur;
};

const setsidExit: Parser = (c) => {
  const res = int(c.evt, 0);
  const t = c.thread;
  if (res >= 0 && t) t.sid = res;
};

const chrootExit: Parser = (c, insp) => {
  const t = c.tinfo;
  if (!t || int(c.evt, 0) !== 0 || c.evt.nparams < 2) return;
  const path = str(c.evt, 1);
  const r = concatenatePaths(t.cwd, path, c.evt.paramLength(1));
  t.root = r.relative ? r.path : path;
  insp.resolveContainer(t);
};

const contextSwitch: Parser = (c) => {
  const t = c.tinfo;
  const e = c.evt;
  if (!t || e.nparams < 6) return;
  t.pfmajor = u64(e, 1);
  t.pfminor = u64(e, 2);
  const m = t.mainThread();
  if (m) {
    m.vmsizeKb = uint(e, 3);
    m.vmrssKb = uint(e, 4);
    m.vmswapKb = uint(e, 5);
  }
};

const vmExit: Parser = (c) => {
  const t = c.tinfo;
  const e = c.evt;
  if (!t || e.nparams < 4) return;
  t.vmsizeKb = uint(e, 1);
  t.vmrssKb = uint(e, 2);
  t.vmswapKb = uint(e, 3);
};

/** A successful capset sets the thread's capability sets. */
const capsetExit: Parser = (c) => {
  const t = c.tinfo;
  const e = c.evt;
  if (!t || int(e, 0) < 0 || e.nparams < 4) return;
  t.capInheritable = u64(e, 1);
  t.capPermitted = u64(e, 2);
  t.capEffective = u64(e, 3);
};

/** prctl(PR_SET_NAME) renames the thread. */
const prctlExit: Parser = (c) => {
  const t = c.tinfo;
  const e = c.evt;
  if (!t || int(e, 0) < 0 || e.nparams < 3) return;
  if (uint(e, 1) === PR_SET_NAME) t.comm = str(e, 2);
};

export const PROCESS_PARSERS: Array<[number[], Parser]> = [
  [[PPME.SYSCALL_CLONE_11_X, PPME.SYSCALL_CLONE_16_X, PPME.SYSCALL_CLONE_17_X, PPME.SYSCALL_CLONE_20_X, PPME.SYSCALL_FORK_X,
    PPME.SYSCALL_FORK_17_X, PPME.SYSCALL_FORK_20_X, PPME.SYSCALL_VFORK_X, PPME.SYSCALL_VFORK_17_X, PPME.SYSCALL_VFORK_20_X,
    PPME.SYSCALL_CLONE3_X], cloneExit],
  [[PPME.SYSCALL_EXECVE_8_X, PPME.SYSCALL_EXECVE_13_X, PPME.SYSCALL_EXECVE_14_X, PPME.SYSCALL_EXECVE_15_X, PPME.SYSCALL_EXECVE_16_X,
    PPME.SYSCALL_EXECVE_17_X, PPME.SYSCALL_EXECVE_18_X, PPME.SYSCALL_EXECVE_19_X, PPME.SYSCALL_EXECVEAT_X], execveExit],
  [[PPME.PROCEXIT_E, PPME.PROCEXIT_1_E], procExit],
  [[PPME.SYSCALL_CHDIR_X, PPME.SYSCALL_GETCWD_X], chdirExit],
  [[PPME.SYSCALL_FCHDIR_X], fchdirExit],
  [[PPME.SYSCALL_GETRLIMIT_X, PPME.SYSCALL_SETRLIMIT_X], rlimitExit],
  [[PPME.SYSCALL_PRLIMIT_X], prlimitExit],
  [[PPME.SYSCALL_SETSID_X], setsidExit],
  [[PPME.SYSCALL_CHROOT_X], chrootExit],
  [[PPME.SCHEDSWITCH_1_E, PPME.SCHEDSWITCH_6_E], contextSwitch],
  [[PPME.SYSCALL_BRK_4_X, PPME.SYSCALL_MMAP_X, PPME.SYSCALL_MMAP2_X, PPME.SYSCALL_MUNMAP_X], vmExit],
  [[PPME.SYSCALL_PRCTL_X], prctlExit],
  [[PPME.SYSCALL_CAPSET_X], capsetExit],
];

export { PPM_AT_FDCWD };
