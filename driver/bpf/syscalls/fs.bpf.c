/*
 * Filesystem changes: chmod, fchmod, fchmodat, rename, renameat, renameat2,
 * unlink, unlinkat, mkdir, mkdirat, link, linkat, symlink, symlinkat,
 * chdir, fchdir exit events. Paths are the strings as passed (relative ones
 * are resolved by the reader against the dirfd param or the cwd); dirfds
 * keep AT_FDCWD as -100 (PPM_AT_FDCWD).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../event_builder.h"
#include "../extract.h"

#define ARG_STR(e, regs, i) evt_str_user(e, (const void *)sc_arg(regs, i), PATH_MAX_LEN)

/* res + one path argument: unlink(path), chdir(path) */
static __always_inline int fill_path1(struct pt_regs *regs, long ret, __u16 type) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	evt_s64(&e, ret);             /* res */
	ARG_STR(&e, regs, 0);         /* path */
	evt_submit(&e);
	return 0;
}

/* res + two path arguments: rename, link, symlink (target, linkpath) */
static __always_inline int fill_path2(struct pt_regs *regs, long ret, __u16 type) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	evt_s64(&e, ret);             /* res */
	ARG_STR(&e, regs, 0);         /* oldpath / target */
	ARG_STR(&e, regs, 1);         /* newpath / linkpath */
	evt_submit(&e);
	return 0;
}

/* res, olddirfd, oldpath, newdirfd, newpath [, flags]: renameat, renameat2, linkat */
static __always_inline int fill_at2(struct pt_regs *regs, long ret, __u16 type, int flags_kind) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	evt_s64(&e, ret);                          /* res */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));    /* olddirfd */
	ARG_STR(&e, regs, 1);                      /* oldpath */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 2)));    /* newdirfd */
	ARG_STR(&e, regs, 3);                      /* newpath */
	__u32 f = (__u32)sc_arg(regs, 4);
	if (flags_kind == 1) evt_u32(&e, renameat2_flags_to_scap(f)); /* flags */
	if (flags_kind == 2) evt_u32(&e, linkat_flags_to_scap(f));    /* flags */
	evt_submit(&e);
	return 0;
}

/* chmod(path, mode) -> res, filename, mode */
SEC("tp_btf/sys_exit")
int BPF_PROG(chmod_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_CHMOD_X)) return 0;
	evt_s64(&e, ret);                                         /* res */
	ARG_STR(&e, regs, 0);                                     /* filename */
	evt_u32(&e, chmod_mode_to_scap((__u32)sc_arg(regs, 1)));  /* mode */
	evt_submit(&e);
	return 0;
}

/* fchmod(fd, mode) -> res, fd, mode */
SEC("tp_btf/sys_exit")
int BPF_PROG(fchmod_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_FCHMOD_X, 8 + 8 + 4)) return 0;
	evt_s64(&e, ret);                                         /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                      /* fd */
	evt_u32(&e, chmod_mode_to_scap((__u32)sc_arg(regs, 1)));  /* mode */
	evt_submit(&e);
	return 0;
}

/* fchmodat(dirfd, path, mode) -> res, dirfd, filename, mode */
SEC("tp_btf/sys_exit")
int BPF_PROG(fchmodat_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_FCHMODAT_X)) return 0;
	evt_s64(&e, ret);                                         /* res */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));                   /* dirfd */
	ARG_STR(&e, regs, 1);                                     /* filename */
	evt_u32(&e, chmod_mode_to_scap((__u32)sc_arg(regs, 2)));  /* mode */
	evt_submit(&e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(rename_x, struct pt_regs *regs, long ret) {
	return fill_path2(regs, ret, PPME_SYSCALL_RENAME_X);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(renameat_x, struct pt_regs *regs, long ret) {
	return fill_at2(regs, ret, PPME_SYSCALL_RENAMEAT_X, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(renameat2_x, struct pt_regs *regs, long ret) {
	return fill_at2(regs, ret, PPME_SYSCALL_RENAMEAT2_X, 1);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(unlink_x, struct pt_regs *regs, long ret) {
	return fill_path1(regs, ret, PPME_SYSCALL_UNLINK_2_X);
}

/* unlinkat(dirfd, path, flags) -> res, dirfd, name, flags */
SEC("tp_btf/sys_exit")
int BPF_PROG(unlinkat_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_UNLINKAT_2_X)) return 0;
	evt_s64(&e, ret);                                              /* res */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));                        /* dirfd */
	ARG_STR(&e, regs, 1);                                          /* name */
	evt_u32(&e, unlinkat_flags_to_scap((__u32)sc_arg(regs, 2)));   /* flags */
	evt_submit(&e);
	return 0;
}

/* mkdir(path, mode) -> res, path, mode (the mode argument as passed) */
SEC("tp_btf/sys_exit")
int BPF_PROG(mkdir_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_MKDIR_2_X)) return 0;
	evt_s64(&e, ret);                         /* res */
	ARG_STR(&e, regs, 0);                     /* path */
	evt_u32(&e, (__u32)sc_arg(regs, 1));      /* mode */
	evt_submit(&e);
	return 0;
}

/* mkdirat(dirfd, path, mode) -> res, dirfd, path, mode */
SEC("tp_btf/sys_exit")
int BPF_PROG(mkdirat_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_MKDIRAT_X)) return 0;
	evt_s64(&e, ret);                         /* res */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));   /* dirfd */
	ARG_STR(&e, regs, 1);                     /* path */
	evt_u32(&e, (__u32)sc_arg(regs, 2));      /* mode */
	evt_submit(&e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(link_x, struct pt_regs *regs, long ret) {
	return fill_path2(regs, ret, PPME_SYSCALL_LINK_2_X);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(linkat_x, struct pt_regs *regs, long ret) {
	return fill_at2(regs, ret, PPME_SYSCALL_LINKAT_2_X, 2);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(symlink_x, struct pt_regs *regs, long ret) {
	return fill_path2(regs, ret, PPME_SYSCALL_SYMLINK_X);
}

/* symlinkat(target, newdirfd, linkpath) -> res, target, linkdirfd, linkpath */
SEC("tp_btf/sys_exit")
int BPF_PROG(symlinkat_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_SYMLINKAT_X)) return 0;
	evt_s64(&e, ret);                         /* res */
	ARG_STR(&e, regs, 0);                     /* target */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 1)));   /* linkdirfd */
	ARG_STR(&e, regs, 2);                     /* linkpath */
	evt_submit(&e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(chdir_x, struct pt_regs *regs, long ret) {
	return fill_path1(regs, ret, PPME_SYSCALL_CHDIR_X);
}

/* fchdir(fd) -> res, fd */
SEC("tp_btf/sys_exit")
int BPF_PROG(fchdir_x, struct pt_regs *regs, long ret) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_FCHDIR_X, 8 + 8)) return 0;
	evt_s64(&e, ret);                         /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));      /* fd */
	evt_submit(&e);
	return 0;
}
