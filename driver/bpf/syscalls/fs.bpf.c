/*
 * Filesystem changes: chmod, fchmod, fchmodat, rename, renameat, renameat2,
 * unlink, unlinkat, mkdir, mkdirat, link, linkat, symlink, symlinkat,
 * chdir, fchdir exit events. Paths are the strings as passed (relative ones
 * are resolved by the reader against the dirfd param or the cwd); dirfds
 * keep AT_FDCWD as -100 (PPM_AT_FDCWD).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
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
SCAP_EXIT_PROG(chmod_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_CHMOD_X)) return 0;
	evt_s64(&e, ret);                                         /* res */
	ARG_STR(&e, regs, 0);                                     /* filename */
	evt_u32(&e, chmod_mode_to_scap((__u32)sc_arg(regs, 1)));  /* mode */
	evt_submit(&e);
	return 0;
}

/* fchmod(fd, mode) -> res, fd, mode */
SCAP_EXIT_PROG(fchmod_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_FCHMOD_X, 8 + 8 + 4)) return 0;
	evt_s64(&e, ret);                                         /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                      /* fd */
	evt_u32(&e, chmod_mode_to_scap((__u32)sc_arg(regs, 1)));  /* mode */
	evt_submit(&e);
	return 0;
}

/* fchmodat(dirfd, path, mode) -> res, dirfd, filename, mode */
SCAP_EXIT_PROG(fchmodat_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_FCHMODAT_X)) return 0;
	evt_s64(&e, ret);                                         /* res */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));                   /* dirfd */
	ARG_STR(&e, regs, 1);                                     /* filename */
	evt_u32(&e, chmod_mode_to_scap((__u32)sc_arg(regs, 2)));  /* mode */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(rename_x) {
	return fill_path2(regs, ret, PPME_SYSCALL_RENAME_X);
}

SCAP_EXIT_PROG(renameat_x) {
	return fill_at2(regs, ret, PPME_SYSCALL_RENAMEAT_X, 0);
}

SCAP_EXIT_PROG(renameat2_x) {
	return fill_at2(regs, ret, PPME_SYSCALL_RENAMEAT2_X, 1);
}

SCAP_EXIT_PROG(unlink_x) {
	return fill_path1(regs, ret, PPME_SYSCALL_UNLINK_2_X);
}

/* unlinkat(dirfd, path, flags) -> res, dirfd, name, flags */
SCAP_EXIT_PROG(unlinkat_x) {
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
SCAP_EXIT_PROG(mkdir_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_MKDIR_2_X)) return 0;
	evt_s64(&e, ret);                         /* res */
	ARG_STR(&e, regs, 0);                     /* path */
	evt_u32(&e, (__u32)sc_arg(regs, 1));      /* mode */
	evt_submit(&e);
	return 0;
}

/* mkdirat(dirfd, path, mode) -> res, dirfd, path, mode */
SCAP_EXIT_PROG(mkdirat_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_MKDIRAT_X)) return 0;
	evt_s64(&e, ret);                         /* res */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));   /* dirfd */
	ARG_STR(&e, regs, 1);                     /* path */
	evt_u32(&e, (__u32)sc_arg(regs, 2));      /* mode */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(link_x) {
	return fill_path2(regs, ret, PPME_SYSCALL_LINK_2_X);
}

SCAP_EXIT_PROG(linkat_x) {
	return fill_at2(regs, ret, PPME_SYSCALL_LINKAT_2_X, 2);
}

SCAP_EXIT_PROG(symlink_x) {
	return fill_path2(regs, ret, PPME_SYSCALL_SYMLINK_X);
}

/* symlinkat(target, newdirfd, linkpath) -> res, target, linkdirfd, linkpath */
SCAP_EXIT_PROG(symlinkat_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_SYMLINKAT_X)) return 0;
	evt_s64(&e, ret);                         /* res */
	ARG_STR(&e, regs, 0);                     /* target */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 1)));   /* linkdirfd */
	ARG_STR(&e, regs, 2);                     /* linkpath */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(chdir_x) {
	return fill_path1(regs, ret, PPME_SYSCALL_CHDIR_X);
}

/* fchdir(fd) -> res, fd */
SCAP_EXIT_PROG(fchdir_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_FCHDIR_X, 8 + 8)) return 0;
	evt_s64(&e, ret);                         /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));      /* fd */
	evt_submit(&e);
	return 0;
}
