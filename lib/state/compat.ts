/**
 * Where the event table changed since libs e5c53d64 (the version Debian's
 * sysdig 0.29 is built from), scap-ts follows 0.29 for state and rendering
 * when the difference is cosmetic or only affects how old captures are
 * read. Each entry says why.
 */
import { EC, EF, PF, PT, PPME } from '../events/schema.generated.js';
import { EVENT_INFO, syscallName as currentSyscallName, type ParamInfo } from '../events/table.js';

/** Event flags as libsinsp 0.29 had them, where they differ from the current table. */
const FLAG_OVERRIDES = new Map<number, number>();
function override(code: number, set: number, clear: number): void {
  FLAG_OVERRIDES.set(code, (EVENT_INFO[code].flags | set) & ~clear);
}
// mmap/mmap2 got EF_USES_FD (their fd is not param 0); 0.29 did not resolve an fd for them.
for (const c of [PPME.SYSCALL_MMAP_E, PPME.SYSCALL_MMAP_X, PPME.SYSCALL_MMAP2_E, PPME.SYSCALL_MMAP2_X]) override(c, 0, EF.USES_FD);
// These exits got EF_USES_FD with an fd in the exit event; 0.29's enter events did not carry one.
for (const c of [PPME.SYSCALL_SYMLINKAT_X, PPME.SYSCALL_UNLINKAT_2_X, PPME.SYSCALL_MKDIRAT_X, PPME.SYSCALL_FCHMODAT_X, PPME.SYSCALL_FCHMOD_X]) override(c, 0, EF.USES_FD);
// sendmmsg/recvmmsg exits had no flags in 0.29.
override(PPME.SOCKET_SENDMMSG_X, 0, EF.USES_FD | EF.MODIFIES_STATE | EF.WRITES_TO_FD);
override(PPME.SOCKET_RECVMMSG_X, 0, EF.USES_FD | EF.MODIFIES_STATE | EF.READS_FROM_FD);
// fstat64's exit was flagged EF_USES_FD in 0.29.
override(PPME.SYSCALL_FSTAT64_X, EF.USES_FD, 0);

/** Flags of every event type, with 0.29's where they differ. */
const FLAGS = Uint32Array.from(EVENT_INFO, (info, code) => FLAG_OVERRIDES.get(code) ?? info.flags);

/** Flags of an event type, with 0.29's where they differ. */
export function eventFlags(type: number): number {
  return type < FLAGS.length ? FLAGS[type] : 0;
}

/** Event types whose first parameter is the return value (named res or fd): libsinsp's error detection. */
export const RETURNS_IN_PARAM0: Uint8Array = Uint8Array.from(EVENT_INFO, (info) => (info.params[0]?.name === 'res' || info.params[0]?.name === 'fd' ? 1 : 0));

const P = (name: string, type: number, format: number, info?: string): ParamInfo => ({ name, type, format, info });
/** Event types whose overrides hold only for events with at most 0.29's number of parameters. */
const MAX_PARAMS_029 = new Map<number, number>();
const PARAM_OVERRIDES = new Map<number, ParamInfo>();
const key = (code: number, i: number) => code * 64 + i;
function param(code: number, i: number, p: ParamInfo): void {
  PARAM_OVERRIDES.set(key(code, i), p);
}
// These became ENUMFLAGS (every name whose value matches); 0.29 rendered them as FLAGS, which names the
// first match in table order (socket domain 1 prints AF_LOCAL, not AF_LOCAL|AF_UNIX).
param(PPME.SOCKET_SOCKET_E, 0, P('domain', PT.FLAGS32, PF.DEC, 'socket_families'));
param(PPME.SOCKET_SOCKETPAIR_E, 0, P('domain', PT.FLAGS32, PF.DEC, 'socket_families'));
param(PPME.SOCKET_SHUTDOWN_E, 1, P('how', PT.FLAGS8, PF.HEX, 'shutdown_how'));
for (const c of [PPME.SOCKET_SETSOCKOPT_X, PPME.SOCKET_GETSOCKOPT_X]) {
  param(c, 2, P('level', PT.FLAGS8, PF.DEC, 'sockopt_levels'));
  param(c, 3, P('optname', PT.FLAGS8, PF.DEC, 'sockopt_options'));
}
param(PPME.SYSCALL_LSEEK_E, 2, P('whence', PT.FLAGS8, PF.DEC, 'lseek_whence'));
param(PPME.SYSCALL_LLSEEK_E, 2, P('whence', PT.FLAGS8, PF.DEC, 'lseek_whence'));
param(PPME.SYSCALL_GETRLIMIT_E, 0, P('resource', PT.FLAGS8, PF.DEC, 'rlimit_resources'));
param(PPME.SYSCALL_SETRLIMIT_E, 0, P('resource', PT.FLAGS8, PF.DEC, 'rlimit_resources'));
param(PPME.SYSCALL_PRLIMIT_E, 1, P('resource', PT.FLAGS8, PF.DEC, 'rlimit_resources'));
param(PPME.SYSCALL_FCNTL_E, 1, P('cmd', PT.FLAGS8, PF.DEC, 'fcntl_commands'));
param(PPME.SYSCALL_PTRACE_E, 0, P('request', PT.FLAGS16, PF.DEC, 'ptrace_requests'));
// These flags became plain hex integers; 0.29 printed them as flags without a table (decimal, nothing resolved).
param(PPME.SYSCALL_EVENTFD_E, 1, P('flags', PT.FLAGS32, PF.HEX));
param(PPME.SYSCALL_SIGNALFD_E, 2, P('flags', PT.FLAGS8, PF.HEX));
param(PPME.SYSCALL_TIMERFD_CREATE_E, 1, P('flags', PT.FLAGS8, PF.HEX));
param(PPME.SYSCALL_INOTIFY_INIT_E, 0, P('flags', PT.FLAGS8, PF.HEX));
// mmap's res became ERRNO (so errors print their name); 0.29 printed the address in hex (res=7FAD48782000).
param(PPME.SYSCALL_MMAP_X, 0, P('res', PT.UINT64, PF.HEX));
param(PPME.SYSCALL_MMAP2_X, 0, P('res', PT.UINT64, PF.HEX));
// execve: 0.29 called param 17 pgid, and printed loginuid as a plain int (no user name). Only for events
// of 0.29's size: current ones carry a vpgid and a pgid, and a loginuid that names a user.
for (const c of [PPME.SYSCALL_EXECVE_19_X, PPME.SYSCALL_EXECVEAT_X]) {
  MAX_PARAMS_029.set(c, 20);
  param(c, 16, P('tty', PT.INT32, PF.DEC));
  param(c, 17, P('pgid', PT.PID, PF.DEC));
  param(c, 18, P('loginuid', PT.INT32, PF.DEC));
}
// These enter events lost the index of their dirfd: 0.29 resolved the path against it.
param(PPME.SYSCALL_OPENAT_2_E, 1, { name: 'name', type: PT.FSRELPATH, format: PF.NA, info: 0 });
param(PPME.SYSCALL_EXECVEAT_E, 1, { name: 'pathname', type: PT.FSRELPATH, format: PF.NA, info: 0 });
// setpgid's res was a PID (no errno name) in 0.29.
param(PPME.SYSCALL_SETPGID_X, 0, P('res', PT.PID, PF.DEC));

/** Parameter `i` of an event type, as 0.29 described it where that differs. */
export function paramInfo(type: number, i: number, nparams = 0): ParamInfo | undefined {
  if (type >= EVENT_INFO.length) return undefined;
  const max = MAX_PARAMS_029.get(type);
  if (max !== undefined && nparams > max) return EVENT_INFO[type].params[i];
  let t = COMPAT_PARAMS[type];
  if (!t) {
    t = EVENT_INFO[type].params.map((p, j) => PARAM_OVERRIDES.get(key(type, j)) ?? p);
    COMPAT_PARAMS[type] = t;
  }
  return t[i];
}
const COMPAT_PARAMS: Array<ParamInfo[] | undefined> = [];

/** Where an exit event carries its fd (current generation, exit-only events); -1 when it has none. */
export function exitFdLocation(type: number): number {
  return type < EXIT_FD.length ? EXIT_FD[type] : -1;
}

function exitFdLocationOf(type: number): number {
  switch (type) {
    case PPME.SYSCALL_SETNS_X: case PPME.SOCKET_LISTEN_X: case PPME.SOCKET_SHUTDOWN_X: case PPME.SYSCALL_FCHDIR_X:
    case PPME.SYSCALL_LSEEK_X: case PPME.SYSCALL_LLSEEK_X: case PPME.SYSCALL_IOCTL_3_X: case PPME.SYSCALL_FSTAT_X:
    case PPME.SYSCALL_CLOSE_X: case PPME.SYSCALL_GETDENTS_X: case PPME.SYSCALL_GETDENTS64_X: case PPME.SYSCALL_FLOCK_X:
    case PPME.SYSCALL_COPY_FILE_RANGE_X: case PPME.SYSCALL_FCNTL_X: case PPME.SYSCALL_DUP_1_X: case PPME.SYSCALL_DUP2_X:
    case PPME.SYSCALL_DUP3_X: case PPME.SYSCALL_NEWFSTATAT_X: case PPME.SYSCALL_FCHOWNAT_X: case PPME.SYSCALL_FCHMODAT_X:
    case PPME.SYSCALL_MKDIRAT_X: case PPME.SYSCALL_UNLINKAT_2_X: case PPME.SYSCALL_MKNODAT_X: case PPME.SOCKET_SENDMMSG_X:
    case PPME.SOCKET_RECVMMSG_X: case PPME.SYSCALL_IO_URING_REGISTER_X: case PPME.SYSCALL_IO_URING_ENTER_X:
    case PPME.SOCKET_SETSOCKOPT_X: case PPME.SOCKET_GETSOCKOPT_X: case PPME.SYSCALL_FSCONFIG_X: case PPME.SYSCALL_FINIT_MODULE_X:
    case PPME.SYSCALL_FCHMOD_X: case PPME.SYSCALL_FCHOWN_X:
      return 1;
    case PPME.SYSCALL_READ_X: case PPME.SYSCALL_PREAD_X: case PPME.SOCKET_BIND_X: case PPME.SYSCALL_WRITE_X:
    case PPME.SYSCALL_PWRITE_X: case PPME.SOCKET_RECV_X: case PPME.SOCKET_SEND_X: case PPME.SOCKET_SENDTO_X:
    case PPME.SOCKET_SENDMSG_X: case PPME.SYSCALL_SENDFILE_X: case PPME.SYSCALL_SPLICE_X: case PPME.SYSCALL_WRITEV_X:
    case PPME.SYSCALL_PWRITEV_X: case PPME.SOCKET_CONNECT_X: case PPME.SYSCALL_SYMLINKAT_X:
      return 2;
    case PPME.SOCKET_RECVFROM_X: case PPME.SYSCALL_READV_X: case PPME.SYSCALL_PREADV_X:
      return 3;
    case PPME.SOCKET_RECVMSG_X:
      return 5;
    case PPME.SYSCALL_MMAP_X: case PPME.SYSCALL_MMAP2_X:
      return 8;
    default:
      return -1;
  }
}

/** Syscall names that changed since 0.29 (the codes are the same). */
const SYSCALL_NAMES_029 = new Map<number, string>([
  [0, '<unknown>'], [283, 'newselect'], [292, 'llseek'], [298, 'sigreturn'], [305, 'setuid'], [306, 'getuid'], [307, 'setgid'],
  [308, 'geteuid'], [309, 'getgid'], [310, 'setresuid'], [311, 'setresgid'], [312, 'getresuid'], [313, 'getresgid'],
]);

/** The name sysdig 0.29 gives a syscall code (generic events' evt.type); `<unknown>` when it has none. */
export function syscallName029(code: number): string {
  return SYSCALL_NAMES_029.get(code) ?? currentSyscallName(code) ?? '<unknown>';
}

const EXIT_FD = Int8Array.from(EVENT_INFO, (_info, code) => exitFdLocationOf(code));

/**
 * Categories sysdig 0.29 gives generic events (syscalls without events of
 * their own), by syscall name: its syscall table classified them. Names not
 * listed are EC_OTHER. Syscalls that have events today take their event's
 * category when they have one of these names too.
 */
const GENERIC_CATEGORY_029: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  const put = (cat: number, names: string) => { for (const n of names.split(/\s+/).filter(Boolean)) m.set(n, cat); };
  put(EC.MEMORY, `mprotect madvise mlock munlock mlockall munlockall mremap msync mincore remap_file_pages mbind set_mempolicy
    get_mempolicy migrate_pages move_pages mlock2 pkey_mprotect pkey_alloc pkey_free brk mmap munmap mmap2`);
  put(EC.SIGNAL, `rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_sigsuspend sigaltstack
    rt_tgsigqueueinfo tkill tgkill kill signal sigaction sigprocmask sigreturn sigpending sigsuspend`);
  put(EC.TIME, `clock_gettime clock_settime clock_getres gettimeofday settimeofday time times adjtimex clock_adjtime timer_create
    timer_settime timer_gettime timer_getoverrun timer_delete alarm getitimer setitimer stime`);
  put(EC.SLEEP, 'nanosleep clock_nanosleep pause');
  put(EC.PROCESS, `arch_prctl set_tid_address set_robust_list get_robust_list getpid getppid getpgrp setsid getsid getpgid setpgid
    getpriority setpriority personality prctl capget capset unshare setns getrusage getrlimit setrlimit prlimit64 wait4 waitid
    sched_setparam sched_getparam sched_setscheduler sched_getscheduler sched_yield sched_get_priority_max sched_get_priority_min
    sched_rr_get_interval sched_setaffinity sched_getaffinity sched_setattr sched_getattr gettid ioprio_set ioprio_get seccomp
    clone fork vfork execve exit ptrace`);
  put(EC.FILE, `statfs fstatfs stat lstat fstat newfstatat getdents getdents64 readlink readlinkat truncate ftruncate fsync fdatasync
    sync syncfs access faccessat chown fchown lchown fchownat utime utimes utimensat futimesat getcwd umask setxattr lsetxattr fsetxattr
    getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr statx fallocate flock fadvise64
    readahead sync_file_range mknod mknodat chmod fchmod fchmodat rename renameat renameat2 link linkat symlink symlinkat unlink unlinkat
    mkdir mkdirat rmdir chdir fchdir open openat creat close lseek`);
  put(EC.NET, 'getsockname getpeername setsockopt getsockopt shutdown socket bind connect listen accept accept4 sendto recvfrom sendmsg recvmsg');
  put(EC.IPC, `futex semop semget semctl semtimedop msgsnd msgrcv msgget msgctl shmdt shmget shmctl shmat mq_open mq_unlink mq_timedsend
    mq_timedreceive mq_notify mq_getsetattr pipe pipe2 eventfd eventfd2`);
  put(EC.WAIT, 'poll select pselect6 ppoll epoll_wait epoll_pwait');
  put(EC.SYSTEM, `uname sysinfo syslog reboot sethostname setdomainname init_module finit_module delete_module mount umount2 swapon swapoff
    iopl ioperm acct quotactl pivot_root chroot kexec_load`);
  put(EC.USER, `getuid geteuid getgid getegid setuid setgid setreuid setregid setresuid setresgid getresuid getresgid setfsuid setfsgid
    getgroups setgroups`);
  m.set('exit_group', EC.UNKNOWN);
  return m;
})();

/** The category sysdig 0.29 gives a generic event of this syscall code (its syscall table's). */
export function genericCategory029(code: number): number {
  const name = syscallName029(code);
  if (name === '<unknown>') return EC.OTHER;
  return GENERIC_CATEGORY_029.get(name) ?? EC.OTHER;
}
