/*
 * Namespaces and mounts: setns, unshare, mount, umount2 exit events.
 * Namespace types and unshare flags use the clone_flags table (PPM_CL_*);
 * mount flags are the kernel's MS_* (PPM_MS_* share the values).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

/* setns(fd, nstype) -> res, fd, nstype */
SCAP_EXIT_PROG(setns_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_SETNS_X, 8 + 8 + 4)) return 0;
	evt_s64(&e, ret);                                             /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                          /* fd */
	evt_u32(&e, clone_flags_to_scap((__u32)sc_arg(regs, 1)));     /* nstype */
	evt_submit(&e);
	return 0;
}

/* unshare(flags) -> res, flags */
SCAP_EXIT_PROG(unshare_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_UNSHARE_X, 8 + 4)) return 0;
	evt_s64(&e, ret);                                             /* res */
	evt_u32(&e, clone_flags_to_scap((__u32)sc_arg(regs, 0)));     /* flags */
	evt_submit(&e);
	return 0;
}

/* mount(source, target, fstype, flags, data) -> res, dev, dir, type, flags.
 * dev and type are empty when the caller passed NULL (remounts, bind and
 * propagation changes). */
SCAP_EXIT_PROG(mount_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_MOUNT_X)) return 0;
	evt_s64(&e, ret);                                                 /* res */
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);   /* dev */
	evt_str_user(&e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);   /* dir */
	evt_str_user(&e, (const void *)sc_arg(regs, 2), PATH_MAX_LEN);   /* type */
	evt_u32(&e, mount_flags_to_scap((__u32)sc_arg(regs, 3)));         /* flags */
	evt_submit(&e);
	return 0;
}

/* umount2(target, flags) -> res, name, flags */
SCAP_EXIT_PROG(umount2_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_UMOUNT2_X)) return 0;
	evt_s64(&e, ret);                                                 /* res */
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);   /* name */
	evt_u32(&e, umount2_flags_to_scap((__u32)sc_arg(regs, 1)));       /* flags */
	evt_submit(&e);
	return 0;
}
