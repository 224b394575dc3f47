/*
 * Kernel values -> scap (PPM_*) encodings of flag and enum params.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_FLAGS_H
#define SCAP_BPF_FLAGS_H

#include "defs.h"

/* open(2) flags -> PPM_O_* (file_flags table). */
static __always_inline __u32 open_flags_to_scap(__u32 f) {
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
static __always_inline __u32 open_mode_to_scap(__u32 flags, __u32 mode) {
	if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE) return 0;
	return mode & 07777;
}

/* openat2 `resolve` -> PPM_RESOLVE_* (openat2_flags table). */
static __always_inline __u32 openat2_resolve_to_scap(__u64 v) {
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
static __always_inline __u32 socket_flags_to_scap(__u32 f) {
	__u32 r = 0;
	if (f & SOCK_NONBLOCK) r |= PPM_O_NONBLOCK;
	if (f & SOCK_CLOEXEC) r |= PPM_O_CLOEXEC;
	return r;
}

/* AF_* -> PPM_AF_*: Linux and scap share the numbering for every family scap
 * names (0..39, except AF_IB 27 and AF_MPLS 28, which scap lacks). */
static __always_inline __u8 socket_family_to_scap(__u32 family) {
	if (family > PPM_AF_NFC || family == 27 || family == 28) return PPM_AF_UNSPEC;
	return (__u8)family;
}

/* clone(2) flags -> PPM_CL_* (clone_flags table). */
static __always_inline __u32 clone_flags_to_scap(__u64 f) {
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
