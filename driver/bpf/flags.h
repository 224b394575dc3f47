/*
 * Kernel values -> scap (PPM_*) encodings of flag and enum params.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_FLAGS_H
#define SCAP_BPF_FLAGS_H

#include "defs.h"

/* Inlined into the probe and the kernel module; the ptrace driver compiles
 * the conversions once, with external linkage (binding/src/scap_flags.c). */
#ifndef SCAP_FLAGS_FN
#define SCAP_FLAGS_FN static __always_inline
#endif

/* open(2) flags -> PPM_O_* (file_flags table). */
SCAP_FLAGS_FN __u32 open_flags_to_scap(__u32 f) {
	__u32 r;
	switch (f & O_ACCMODE) {
	case O_WRONLY: r = PPM_O_WRONLY; break;
	case O_RDWR: r = PPM_O_RDWR; break;
	default: r = PPM_O_RDONLY; break;
	}
	if (f & O_CREAT) r |= PPM_O_CREAT;
	if ((f & O_TMPFILE) == O_TMPFILE) r |= PPM_O_TMPFILE;
	if (f & O_APPEND) r |= PPM_O_APPEND;
	if (f & O_DSYNC) r |= PPM_O_DSYNC;
	if (f & O_EXCL) r |= PPM_O_EXCL;
	if (f & O_NONBLOCK) r |= PPM_O_NONBLOCK;
	if (f & __O_SYNC) r |= PPM_O_SYNC;
	if (f & O_TRUNC) r |= PPM_O_TRUNC;
	if (f & O_DIRECT) r |= PPM_O_DIRECT;
	if (f & O_DIRECTORY) r |= PPM_O_DIRECTORY;
	if (f & O_LARGEFILE) r |= PPM_O_LARGEFILE;
	if (f & O_CLOEXEC) r |= PPM_O_CLOEXEC;
	return r;
}

/* The mode argument of open-like calls: meaningful only with O_CREAT or
 * O_TMPFILE (0 otherwise). PPM_S_* permission bits equal the kernel's. */
SCAP_FLAGS_FN __u32 open_mode_to_scap(__u32 flags, __u32 mode) {
	if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE) return 0;
	return mode & 07777;
}

/* openat2 `resolve` -> PPM_RESOLVE_* (openat2_flags table). */
SCAP_FLAGS_FN __u32 openat2_resolve_to_scap(__u64 v) {
	__u32 r = 0;
	if (v & RESOLVE_BENEATH) r |= PPM_RESOLVE_BENEATH;
	if (v & RESOLVE_IN_ROOT) r |= PPM_RESOLVE_IN_ROOT;
	if (v & RESOLVE_NO_MAGICLINKS) r |= PPM_RESOLVE_NO_MAGICLINKS;
	if (v & RESOLVE_NO_SYMLINKS) r |= PPM_RESOLVE_NO_SYMLINKS;
	if (v & RESOLVE_NO_XDEV) r |= PPM_RESOLVE_NO_XDEV;
	if (v & RESOLVE_CACHED) r |= PPM_RESOLVE_CACHED;
	return r;
}

/* SOCK_NONBLOCK / SOCK_CLOEXEC (socket type bits, accept4 flags) -> PPM_O_*. */
SCAP_FLAGS_FN __u32 socket_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & SOCK_NONBLOCK) r |= PPM_O_NONBLOCK;
	if (f & SOCK_CLOEXEC) r |= PPM_O_CLOEXEC;
	return r;
}

/* AF_* -> PPM_AF_*: Linux and scap share the numbering for every family scap
 * names (0..39, except AF_IB 27 and AF_MPLS 28, which scap lacks). */
SCAP_FLAGS_FN __u8 socket_family_to_scap(__u32 family) {
	if (family > PPM_AF_NFC || family == 27 || family == 28) return PPM_AF_UNSPEC;
	return (__u8)family;
}

/* clone(2) flags -> PPM_CL_* (clone_flags table). */
SCAP_FLAGS_FN __u32 clone_flags_to_scap(__u64 f) {
	__u32 r = 0;
	if (f & CLONE_FILES) r |= PPM_CL_CLONE_FILES;
	if (f & CLONE_FS) r |= PPM_CL_CLONE_FS;
	if (f & CLONE_IO) r |= PPM_CL_CLONE_IO;
	if (f & CLONE_NEWIPC) r |= PPM_CL_CLONE_NEWIPC;
	if (f & CLONE_NEWNET) r |= PPM_CL_CLONE_NEWNET;
	if (f & CLONE_NEWNS) r |= PPM_CL_CLONE_NEWNS;
	if (f & CLONE_NEWPID) r |= PPM_CL_CLONE_NEWPID;
	if (f & CLONE_NEWUTS) r |= PPM_CL_CLONE_NEWUTS;
	if (f & CLONE_PARENT_SETTID) r |= PPM_CL_CLONE_PARENT_SETTID;
	if (f & CLONE_PARENT) r |= PPM_CL_CLONE_PARENT;
	if (f & CLONE_PTRACE) r |= PPM_CL_CLONE_PTRACE;
	if (f & CLONE_SIGHAND) r |= PPM_CL_CLONE_SIGHAND;
	if (f & CLONE_SYSVSEM) r |= PPM_CL_CLONE_SYSVSEM;
	if (f & CLONE_THREAD) r |= PPM_CL_CLONE_THREAD;
	if (f & CLONE_UNTRACED) r |= PPM_CL_CLONE_UNTRACED;
	if (f & CLONE_VM) r |= PPM_CL_CLONE_VM;
	if (f & CLONE_NEWUSER) r |= PPM_CL_CLONE_NEWUSER;
	if (f & CLONE_CHILD_CLEARTID) r |= PPM_CL_CLONE_CHILD_CLEARTID;
	if (f & CLONE_CHILD_SETTID) r |= PPM_CL_CLONE_CHILD_SETTID;
	if (f & CLONE_SETTLS) r |= PPM_CL_CLONE_SETTLS;
	if (f & CLONE_VFORK) r |= PPM_CL_CLONE_VFORK;
	if (f & CLONE_NEWCGROUP) r |= PPM_CL_CLONE_NEWCGROUP;
	return r;
}

/* shutdown(2) how -> PPM_SHUT_* (shutdown_how, ENUMFLAGS8: the u16 code cut to 8 bits). */
SCAP_FLAGS_FN __u8 shutdown_how_to_scap(__u32 how) {
	switch (how) {
	case SHUT_RD: return PPM_SHUT_RD;
	case SHUT_WR: return PPM_SHUT_WR;
	case SHUT_RDWR: return PPM_SHUT_RDWR;
	}
	return (__u8)PPM_SHUT_UNKNOWN;
}

/* mmap/mprotect prot -> PPM_PROT_* (prot_flags). */
SCAP_FLAGS_FN __u32 prot_flags_to_scap(__u32 p) {
	__u32 r = 0;
	if (p & PROT_READ) r |= PPM_PROT_READ;
	if (p & PROT_WRITE) r |= PPM_PROT_WRITE;
	if (p & PROT_EXEC) r |= PPM_PROT_EXEC;
	if (p & PROT_SEM) r |= PPM_PROT_SEM;
	if (p & PROT_GROWSDOWN) r |= PPM_PROT_GROWSDOWN;
	if (p & PROT_GROWSUP) r |= PPM_PROT_GROWSUP;
	return r;
}

/* mmap flags -> PPM_MAP_* (mmap_flags). MAP_SHARED_VALIDATE (3) sets both
 * SHARED and PRIVATE, as in Falco; MAP_FILE is 0 on Linux, never reported. */
SCAP_FLAGS_FN __u32 mmap_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & MAP_SHARED) r |= PPM_MAP_SHARED;
	if (f & MAP_PRIVATE) r |= PPM_MAP_PRIVATE;
	if (f & MAP_FIXED) r |= PPM_MAP_FIXED;
	if (f & MAP_ANONYMOUS) r |= PPM_MAP_ANONYMOUS;
	if (f & MAP_32BIT) r |= PPM_MAP_32BIT;
	if (f & MAP_NORESERVE) r |= PPM_MAP_NORESERVE;
	if (f & MAP_POPULATE) r |= PPM_MAP_POPULATE;
	if (f & MAP_NONBLOCK) r |= PPM_MAP_NONBLOCK;
	if (f & MAP_GROWSDOWN) r |= PPM_MAP_GROWSDOWN;
	if (f & MAP_DENYWRITE) r |= PPM_MAP_DENYWRITE;
	if (f & MAP_EXECUTABLE) r |= PPM_MAP_EXECUTABLE;
	if (f & MAP_LOCKED) r |= PPM_MAP_LOCKED;
	return r;
}

/* fcntl cmd -> PPM_FCNTL_* (fcntl_commands). */
SCAP_FLAGS_FN __u8 fcntl_cmd_to_scap(__u32 cmd) {
	switch (cmd) {
	case F_DUPFD: return PPM_FCNTL_F_DUPFD;
	case F_GETFD: return PPM_FCNTL_F_GETFD;
	case F_SETFD: return PPM_FCNTL_F_SETFD;
	case F_GETFL: return PPM_FCNTL_F_GETFL;
	case F_SETFL: return PPM_FCNTL_F_SETFL;
	case F_GETLK: return PPM_FCNTL_F_GETLK;
	case F_SETLK: return PPM_FCNTL_F_SETLK;
	case F_SETLKW: return PPM_FCNTL_F_SETLKW;
	case F_SETOWN: return PPM_FCNTL_F_SETOWN;
	case F_GETOWN: return PPM_FCNTL_F_GETOWN;
	case F_SETSIG: return PPM_FCNTL_F_SETSIG;
	case F_GETSIG: return PPM_FCNTL_F_GETSIG;
	case F_SETOWN_EX: return PPM_FCNTL_F_SETOWN_EX;
	case F_GETOWN_EX: return PPM_FCNTL_F_GETOWN_EX;
	case F_SETLEASE: return PPM_FCNTL_F_SETLEASE;
	case F_GETLEASE: return PPM_FCNTL_F_GETLEASE;
	case F_CANCELLK: return PPM_FCNTL_F_CANCELLK;
	case F_DUPFD_CLOEXEC: return PPM_FCNTL_F_DUPFD_CLOEXEC;
	case F_NOTIFY: return PPM_FCNTL_F_NOTIFY;
	case F_SETPIPE_SZ: return PPM_FCNTL_F_SETPIPE_SZ;
	case F_GETPIPE_SZ: return PPM_FCNTL_F_GETPIPE_SZ;
	case F_OFD_GETLK: return PPM_FCNTL_F_OFD_GETLK;
	case F_OFD_SETLK: return PPM_FCNTL_F_OFD_SETLK;
	case F_OFD_SETLKW: return PPM_FCNTL_F_OFD_SETLKW;
	}
	return PPM_FCNTL_UNKNOWN;
}

/* ptrace request -> PPM_PTRACE_* (ptrace_requests). */
SCAP_FLAGS_FN __u16 ptrace_request_to_scap(__u64 req) {
	switch (req) {
	case PTRACE_TRACEME: return PPM_PTRACE_TRACEME;
	case PTRACE_PEEKTEXT: return PPM_PTRACE_PEEKTEXT;
	case PTRACE_PEEKDATA: return PPM_PTRACE_PEEKDATA;
	case PTRACE_PEEKUSR: return PPM_PTRACE_PEEKUSR;
	case PTRACE_POKETEXT: return PPM_PTRACE_POKETEXT;
	case PTRACE_POKEDATA: return PPM_PTRACE_POKEDATA;
	case PTRACE_POKEUSR: return PPM_PTRACE_POKEUSR;
	case PTRACE_CONT: return PPM_PTRACE_CONT;
	case PTRACE_KILL: return PPM_PTRACE_KILL;
	case PTRACE_SINGLESTEP: return PPM_PTRACE_SINGLESTEP;
	case PTRACE_GETREGS: return PPM_PTRACE_GETREGS;
	case PTRACE_SETREGS: return PPM_PTRACE_SETREGS;
	case PTRACE_GETFPREGS: return PPM_PTRACE_GETFPREGS;
	case PTRACE_SETFPREGS: return PPM_PTRACE_SETFPREGS;
	case PTRACE_ATTACH: return PPM_PTRACE_ATTACH;
	case PTRACE_DETACH: return PPM_PTRACE_DETACH;
	case PTRACE_GETFPXREGS: return PPM_PTRACE_GETFPXREGS;
	case PTRACE_SETFPXREGS: return PPM_PTRACE_SETFPXREGS;
	case PTRACE_OLDSETOPTIONS: return PPM_PTRACE_OLDSETOPTIONS;
	case PTRACE_SYSCALL: return PPM_PTRACE_SYSCALL;
	case PTRACE_GET_THREAD_AREA: return PPM_PTRACE_GET_THREAD_AREA;
	case PTRACE_SET_THREAD_AREA: return PPM_PTRACE_SET_THREAD_AREA;
	case PTRACE_ARCH_PRCTL: return PPM_PTRACE_ARCH_PRCTL;
	case PTRACE_SYSEMU: return PPM_PTRACE_SYSEMU;
	case PTRACE_SYSEMU_SINGLESTEP: return PPM_PTRACE_SYSEMU_SINGLESTEP;
	case PTRACE_SINGLEBLOCK: return PPM_PTRACE_SINGLEBLOCK;
	case PTRACE_SETOPTIONS: return PPM_PTRACE_SETOPTIONS;
	case PTRACE_GETEVENTMSG: return PPM_PTRACE_GETEVENTMSG;
	case PTRACE_GETSIGINFO: return PPM_PTRACE_GETSIGINFO;
	case PTRACE_SETSIGINFO: return PPM_PTRACE_SETSIGINFO;
	case PTRACE_GETREGSET: return PPM_PTRACE_GETREGSET;
	case PTRACE_SETREGSET: return PPM_PTRACE_SETREGSET;
	case PTRACE_SEIZE: return PPM_PTRACE_SEIZE;
	case PTRACE_INTERRUPT: return PPM_PTRACE_INTERRUPT;
	case PTRACE_LISTEN: return PPM_PTRACE_LISTEN;
	case PTRACE_PEEKSIGINFO: return PPM_PTRACE_PEEKSIGINFO;
	case PTRACE_GETSIGMASK: return PPM_PTRACE_GETSIGMASK;
	case PTRACE_SETSIGMASK: return PPM_PTRACE_SETSIGMASK;
	}
	return PPM_PTRACE_UNKNOWN;
}

/* mount flags: PPM_MS_* equal MS_*; the obsolete magic in the top 16 bits is dropped. */
SCAP_FLAGS_FN __u32 mount_flags_to_scap(__u32 f) {
	if ((f & MS_MGC_MSK) == MS_MGC_VAL) f &= ~MS_MGC_MSK;
	return f;
}

/* umount2 flags -> PPM_MNT_* / PPM_UMOUNT_NOFOLLOW (umount_flags). */
SCAP_FLAGS_FN __u32 umount2_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & MNT_FORCE) r |= PPM_MNT_FORCE;
	if (f & MNT_DETACH) r |= PPM_MNT_DETACH;
	if (f & MNT_EXPIRE) r |= PPM_MNT_EXPIRE;
	if (f & UMOUNT_NOFOLLOW) r |= PPM_UMOUNT_NOFOLLOW;
	return r;
}

/* unlinkat flags -> PPM_AT_* (unlinkat_flags). */
SCAP_FLAGS_FN __u32 unlinkat_flags_to_scap(__u32 f) {
	return (f & AT_REMOVEDIR) ? PPM_AT_REMOVEDIR : 0;
}

/* linkat flags -> PPM_AT_* (linkat_flags). */
SCAP_FLAGS_FN __u32 linkat_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & AT_SYMLINK_FOLLOW) r |= PPM_AT_SYMLINK_FOLLOW;
	if (f & AT_EMPTY_PATH) r |= PPM_AT_EMPTY_PATH;
	return r;
}

/* renameat2 flags -> PPM_RENAME_* (renameat2_flags). */
SCAP_FLAGS_FN __u32 renameat2_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & RENAME_NOREPLACE) r |= PPM_RENAME_NOREPLACE;
	if (f & RENAME_EXCHANGE) r |= PPM_RENAME_EXCHANGE;
	if (f & RENAME_WHITEOUT) r |= PPM_RENAME_WHITEOUT;
	return r;
}

/* chmod-family mode -> PT_MODE (chmod_mode): the permission, setuid, setgid
 * and sticky bits, whose PPM_S_* values equal the kernel's. */
SCAP_FLAGS_FN __u32 chmod_mode_to_scap(__u32 mode) {
	return mode & 07777;
}

/* dup3 flags -> PPM_O_* (file_flags): only O_CLOEXEC is accepted. */
SCAP_FLAGS_FN __u32 dup3_flags_to_scap(__u32 f) {
	return (f & O_CLOEXEC) ? PPM_O_CLOEXEC : 0;
}

/* pipe2 / userfaultfd flags -> PPM_O_* (file_flags). */
SCAP_FLAGS_FN __u32 pipe2_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & O_CLOEXEC) r |= PPM_O_CLOEXEC;
	if (f & O_DIRECT) r |= PPM_O_DIRECT;
	if (f & O_NONBLOCK) r |= PPM_O_NONBLOCK;
	return r;
}

/* memfd_create flags -> PPM_MFD_* (memfd_create_flags). */
SCAP_FLAGS_FN __u32 memfd_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & MFD_CLOEXEC) r |= PPM_MFD_CLOEXEC;
	if (f & MFD_ALLOW_SEALING) r |= PPM_MFD_ALLOW_SEALING;
	if (f & MFD_HUGETLB) r |= PPM_MFD_HUGETLB;
	return r;
}

/* io_uring_setup params.flags -> PPM_IORING_SETUP_* (io_uring_setup_flags). */
SCAP_FLAGS_FN __u32 io_uring_setup_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & IORING_SETUP_IOPOLL) r |= PPM_IORING_SETUP_IOPOLL;
	if (f & IORING_SETUP_SQPOLL) r |= PPM_IORING_SETUP_SQPOLL;
	if (f & IORING_SETUP_SQ_AFF) r |= PPM_IORING_SETUP_SQ_AFF;
	if (f & IORING_SETUP_CQSIZE) r |= PPM_IORING_SETUP_CQSIZE;
	if (f & IORING_SETUP_CLAMP) r |= PPM_IORING_SETUP_CLAMP;
	if (f & IORING_SETUP_ATTACH_WQ) r |= PPM_IORING_SETUP_ATTACH_WQ;
	if (f & IORING_SETUP_R_DISABLED) r |= PPM_IORING_SETUP_R_DISABLED;
	return r;
}

/* io_uring_setup params.features -> PPM_IORING_FEAT_* (io_uring_setup_feats):
 * the eleven features scap names have the kernel's bit values (1 << 0 ..
 * 1 << 10); newer ones are not reported. */
SCAP_FLAGS_FN __u32 io_uring_feats_to_scap(__u32 f) {
	return f & 0x7FF;
}

/* finit_module flags -> PPM_MODULE_INIT_* (finit_module_flags). */
SCAP_FLAGS_FN __u32 finit_module_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & MODULE_INIT_IGNORE_MODVERSIONS) r |= PPM_MODULE_INIT_IGNORE_MODVERSIONS;
	if (f & MODULE_INIT_IGNORE_VERMAGIC) r |= PPM_MODULE_INIT_IGNORE_VERMAGIC;
	if (f & MODULE_INIT_COMPRESSED_FILE) r |= PPM_MODULE_INIT_COMPRESSED_FILE;
	return r;
}

/* delete_module flags -> PPM_DELETE_MODULE_* (delete_module_flags). */
SCAP_FLAGS_FN __u32 delete_module_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & O_NONBLOCK) r |= PPM_DELETE_MODULE_O_NONBLOCK;
	if (f & O_TRUNC) r |= PPM_DELETE_MODULE_O_TRUNC;
	return r;
}

/* Kernel dev_t (major << 20 | minor) -> the userspace encoding stat(2) reports. */
static __always_inline __u32 encode_dev(__u32 dev) {
	__u32 major = dev >> MINORBITS;
	__u32 minor = dev & MINORMASK;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

static __always_inline __u16 ntohs16(__u16 v) {
	return __builtin_bswap16(v);
}

#endif /* SCAP_BPF_FLAGS_H */
