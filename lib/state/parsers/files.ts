/** Files and the other fd kinds: open family, close, dup, fcntl, pipes, eventfd, signalfd, timerfd, inotify... */
import { PPME } from '../../events/schema.generated.js';
import type { EventContext } from '../context.js';
import { CANCELED_FD, FDF, FD_TYPE, FdInfo } from '../fds.js';
import { concatenatePaths } from '../strings.js';
import { CL } from '../threads.js';
import { indexOf, int, str, type Parser } from './common.js';
import { uint } from '../inspector.js';

export const PPM_AT_FDCWD = -100;
const PPM_O_DIRECTORY = 1 << 10;
const F_DUPFD = 1;
const F_DUPFD_CLOEXEC = 26;

/** libsinsp's parse_dirfd: the directory a relative path starts from (sets the event's fd to dirfd's). */
export function dirOf(c: EventContext, name: string, dirfd: number): string {
  if (name.startsWith('/')) return '.';
  const t = c.tinfo!;
  if (dirfd === PPM_AT_FDCWD) return t.cwd;
  c.fdinfo = t.getFd(dirfd);
  return c.fdinfo ? `${c.fdinfo.name}/` : '<UNKNOWN>';
}

const openExit: Parser = (c, insp) => {
  const t = c.tinfo;
  if (!t) return;
  const e = c.evt;
  const type = e.type;
  const enter = insp.retrieveEnter(c);
  const fd = int(e, 0);
  let name: string;
  let namelen: number;
  let flags: number;
  let dev = 0;
  let sdir: string;
  if (type === PPME.SYSCALL_OPEN_X) {
    name = str(e, 1);
    namelen = e.nparams > 1 ? e.paramLength(1) : 0;
    flags = e.nparams > 2 ? uint(e, 2) : 0;
    if (e.nparams > 4) dev = uint(e, 4);
    if (enter && enter.nparams >= 2) {
      const en = str(enter, 0);
      const el = enter.paramLength(0);
      if (el !== 0 && en !== '(NULL)') {
        name = en;
        namelen = el;
        flags = uint(enter, 1);
      }
    }
    sdir = t.cwd;
  } else if (type === PPME.SYSCALL_CREAT_X) {
    name = str(e, 1);
    namelen = e.nparams > 1 ? e.paramLength(1) : 0;
    flags = 0;
    if (e.nparams > 3) dev = uint(e, 3);
    if (enter && enter.nparams >= 1) {
      const en = str(enter, 0);
      const el = enter.paramLength(0);
      if (el !== 0 && en !== '(NULL)') {
        name = en;
        namelen = el;
      }
    }
    sdir = t.cwd;
  } else if (type === PPME.SYSCALL_OPENAT_X) {
    // The oldest openat exit carries only the fd: everything else is in the enter event.
    const src = enter ?? (e.nparams >= 4 ? e : undefined);
    if (!src) return;
    const base = src === enter ? 0 : 1;
    name = str(src, base + 1);
    namelen = src.paramLength(base + 1);
    flags = uint(src, base + 2);
    sdir = dirOf(c, name, int(src, base));
  } else if (type === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X) {
    name = str(e, 3);
    namelen = e.nparams > 3 ? e.paramLength(3) : 0;
    flags = e.nparams > 2 ? uint(e, 2) : 0;
    if (e.nparams > 4) dev = uint(e, 4);
    sdir = t.cwd;
  } else {
    // openat (2nd version) and openat2: the exit has dirfd, name and flags; the enter's win when present.
    name = str(e, 2);
    namelen = e.nparams > 2 ? e.paramLength(2) : 0;
    flags = e.nparams > 3 ? uint(e, 3) : 0;
    let dirfd = e.nparams > 1 ? int(e, 1) : PPM_AT_FDCWD;
    if (type === PPME.SYSCALL_OPENAT_2_X && e.nparams > 5) dev = uint(e, 5);
    if (enter && enter.nparams >= 3) {
      const en = str(enter, 1);
      const el = enter.paramLength(1);
      if (el !== 0 && en !== '(NULL)') {
        name = en;
        namelen = el;
        flags = uint(enter, 2);
        dirfd = int(enter, 0);
      }
    }
    sdir = dirOf(c, name, dirfd);
  }
  const fullpath = concatenatePaths(sdir, name, namelen).path;
  if (fd >= 0) {
    const fi = new FdInfo();
    fi.type = flags & PPM_O_DIRECTORY ? FD_TYPE.DIRECTORY : FD_TYPE.FILE_V2;
    fi.openFlags = flags;
    fi.mountId = 0;
    fi.dev = dev;
    fi.name = fullpath;
    fi.nameRaw = name;
    const ino = indexOf(e, 'ino');
    if (ino >= 0 && e.paramLength(ino) === 8) fi.ino = e.view.getBigUint64(e.paramOffset(ino), true);
    fi.flags |= FDF.IS_NOT_TRACER_FD;
    c.fdinfo = t.addFd(fd, fi, true);
    if (c.fdinfo && c.fdinfo.name.includes('/dev/log')) c.fdinfo.syslog = true;
  }
};

const closeEnter: Parser = (c) => {
  const t = c.tinfo;
  if (!t) return;
  const fi = t.getFd(t.lastEventFd);
  c.fdinfo = fi;
  if (fi) fi.flags |= FDF.CLOSE_IN_PROGRESS;
};

const closeExit: Parser = (c, insp) => {
  const e = c.evt;
  const fi = c.fdinfo;
  const t = c.tinfo;
  if (int(e, 0) >= 0) {
    if (!fi || !t) return;
    if (fi.flags & FDF.CLOSE_CANCELED) {
      fi.flags &= ~FDF.CLOSE_CANCELED;
      insp.eraseFd(t, CANCELED_FD, t.getFd(CANCELED_FD), true);
    } else {
      insp.eraseFd(t, t.lastEventFd, fi, true);
    }
  } else if (fi) {
    fi.flags &= ~FDF.CLOSE_IN_PROGRESS;
  }
};

const dupExit: Parser = (c) => {
  const t = c.tinfo;
  if (!t) return;
  const res = int(c.evt, 0);
  if (res < 0) return;
  if (res === 0) t.flags |= CL.PIPE_DST;
  if (res === 1) t.flags |= CL.PIPE_SRC;
  if (!c.fdinfo) return;
  c.fdinfo = t.addFd(res, c.fdinfo);
};

const fcntlEnter: Parser = (c, insp) => {
  if (!c.tinfo || c.evt.nparams < 2) return;
  const cmd = c.evt.bytes[c.evt.paramOffset(1)];
  if (cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC) insp.storeEvent(c);
};

const fcntlExit: Parser = (c, insp) => {
  const e = c.evt;
  const res = int(e, 0);
  if (!insp.retrieveEnter(c)) {
    // Current generation: the exit carries the command.
    const i = indexOf(e, 'cmd');
    if (i < 0) return;
    const cmd = e.bytes[e.paramOffset(i)];
    if (cmd !== F_DUPFD && cmd !== F_DUPFD_CLOEXEC) return;
  }
  if (res >= 0 && c.fdinfo && c.tinfo) c.fdinfo = c.tinfo.addFd(res, c.fdinfo);
};

function addPipe(c: EventContext, fd: number, ino: bigint): void {
  if (!c.tinfo) return;
  const fi = new FdInfo();
  fi.type = FD_TYPE.FIFO;
  fi.ino = ino;
  c.fdinfo = c.tinfo.addFd(fd, fi, true);
}

const pipeExit: Parser = (c) => {
  const e = c.evt;
  if (int(e, 0) < 0 || e.nparams < 4) return;
  const ino = e.view.getBigUint64(e.paramOffset(3), true);
  addPipe(c, int(e, 1), ino);
  addPipe(c, int(e, 2), ino);
};

/** An exit whose first parameter is the new fd, of a fixed kind. */
function simpleFd(kind: number): Parser {
  return (c) => {
    const t = c.tinfo;
    if (!t) return;
    const fd = int(c.evt, 0);
    if (fd < 0) return;
    const fi = new FdInfo();
    fi.type = kind;
    c.fdinfo = t.addFd(fd, fi, true);
  };
}

const memfdExit: Parser = (c) => {
  const t = c.tinfo;
  if (!t) return;
  const fd = int(c.evt, 0);
  if (fd < 0) return;
  const fi = new FdInfo();
  fi.type = FD_TYPE.MEMFD;
  fi.name = str(c.evt, 1);
  c.fdinfo = t.addFd(fd, fi, true);
};

export const FILE_PARSERS: Array<[number[], Parser]> = [
  [[PPME.SYSCALL_OPEN_X, PPME.SYSCALL_CREAT_X, PPME.SYSCALL_OPENAT_X, PPME.SYSCALL_OPENAT_2_X, PPME.SYSCALL_OPENAT2_X, PPME.SYSCALL_OPEN_BY_HANDLE_AT_X], openExit],
  [[PPME.SYSCALL_CLOSE_E], closeEnter],
  [[PPME.SYSCALL_CLOSE_X], closeExit],
  [[PPME.SYSCALL_DUP_X, PPME.SYSCALL_DUP_1_X, PPME.SYSCALL_DUP2_X, PPME.SYSCALL_DUP3_X], dupExit],
  [[PPME.SYSCALL_FCNTL_E], fcntlEnter],
  [[PPME.SYSCALL_FCNTL_X], fcntlExit],
  [[PPME.SYSCALL_PIPE_X, PPME.SYSCALL_PIPE2_X], pipeExit],
  [[PPME.SYSCALL_EVENTFD_X, PPME.SYSCALL_EVENTFD2_X], simpleFd(FD_TYPE.EVENT)],
  [[PPME.SYSCALL_SIGNALFD_X, PPME.SYSCALL_SIGNALFD4_X], simpleFd(FD_TYPE.SIGNALFD)],
  [[PPME.SYSCALL_TIMERFD_CREATE_X], simpleFd(FD_TYPE.TIMERFD)],
  [[PPME.SYSCALL_INOTIFY_INIT_X, PPME.SYSCALL_INOTIFY_INIT1_X], simpleFd(FD_TYPE.INOTIFY)],
  [[PPME.SYSCALL_EPOLL_CREATE_X, PPME.SYSCALL_EPOLL_CREATE1_X], simpleFd(FD_TYPE.EVENTPOLL)],
  [[PPME.SYSCALL_USERFAULTFD_X], simpleFd(FD_TYPE.USERFAULTFD)],
  [[PPME.SYSCALL_IO_URING_SETUP_X], simpleFd(FD_TYPE.IOURING)],
  [[PPME.SYSCALL_BPF_2_X], simpleFd(FD_TYPE.BPF)],
  [[PPME.SYSCALL_PIDFD_OPEN_X], simpleFd(FD_TYPE.PIDFD)],
  [[PPME.SYSCALL_MEMFD_CREATE_X], memfdExit],
];
