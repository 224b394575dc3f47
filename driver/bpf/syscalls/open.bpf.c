/*
 * The open family: open, openat, openat2, creat exit events. The file
 * behind the returned fd gives dev, ino and whether it was created.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

/* open(name, flags, mode) -> fd, name, flags, mode, dev, ino */
SCAP_EXIT_PROG(open_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_OPEN_X)) return 0;
	struct file *f = fd_file(ret);
	__u32 dev;
	__u64 ino;
	file_dev_ino(f, &dev, &ino);
	__u32 flags = (__u32)sc_arg(regs, 1);
	evt_s64(&e, ret);                                                      /* fd */
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);        /* name */
	evt_u32(&e, open_flags_to_scap(flags) | file_created_flag(f));         /* flags */
	evt_u32(&e, open_mode_to_scap(flags, (__u32)sc_arg(regs, 2)));         /* mode */
	evt_u32(&e, dev);                                                      /* dev */
	evt_u64(&e, ino);                                                      /* ino */
	evt_submit(&e);
	return 0;
}

/* openat(dirfd, name, flags, mode) -> fd, dirfd, name, flags, mode, dev, ino */
SCAP_EXIT_PROG(openat_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_OPENAT_2_X)) return 0;
	struct file *f = fd_file(ret);
	__u32 dev;
	__u64 ino;
	file_dev_ino(f, &dev, &ino);
	__u32 flags = (__u32)sc_arg(regs, 2);
	evt_s64(&e, ret);                                                      /* fd */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));                                /* dirfd */
	evt_str_user(&e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);        /* name */
	evt_u32(&e, open_flags_to_scap(flags) | file_created_flag(f));         /* flags */
	evt_u32(&e, open_mode_to_scap(flags, (__u32)sc_arg(regs, 3)));         /* mode */
	evt_u32(&e, dev);                                                      /* dev */
	evt_u64(&e, ino);                                                      /* ino */
	evt_submit(&e);
	return 0;
}

/* openat2(dirfd, name, how, size) -> fd, dirfd, name, flags, mode, resolve, dev, ino */
SCAP_EXIT_PROG(openat2_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_OPENAT2_X)) return 0;
	struct file *f = fd_file(ret);
	__u32 dev;
	__u64 ino;
	file_dev_ino(f, &dev, &ino);
	struct open_how how = {};
	if (bpf_probe_read_user(&how, sizeof(how), (const void *)sc_arg(regs, 2))) evt_fault(&e);
	evt_s64(&e, ret);                                                      /* fd */
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));                                /* dirfd */
	evt_str_user(&e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);        /* name */
	evt_u32(&e, open_flags_to_scap((__u32)how.flags) | file_created_flag(f)); /* flags */
	evt_u32(&e, open_mode_to_scap((__u32)how.flags, (__u32)how.mode));     /* mode */
	evt_u32(&e, openat2_resolve_to_scap(how.resolve));                     /* resolve */
	evt_u32(&e, dev);                                                      /* dev */
	evt_u64(&e, ino);                                                      /* ino */
	evt_submit(&e);
	return 0;
}

/* creat(name, mode) -> fd, name, mode, dev, ino, creat_flags */
SCAP_EXIT_PROG(creat_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_CREAT_X)) return 0;
	__u32 dev;
	__u64 ino;
	file_dev_ino(fd_file(ret), &dev, &ino);
	evt_s64(&e, ret);                                                      /* fd */
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);        /* name */
	evt_u32(&e, open_mode_to_scap(O_CREAT, (__u32)sc_arg(regs, 1)));       /* mode */
	evt_u32(&e, dev);                                                      /* dev */
	evt_u64(&e, ino);                                                      /* ino */
	evt_u16(&e, 0); /* creat_flags: overlayfs layer bits, not detected yet */
	evt_submit(&e);
	return 0;
}
