/*
 * Kernel extension points: init_module, finit_module, delete_module and bpf
 * exit events.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

/* init_module(image, len, uargs) -> res, img, length, uargs. img is the
 * start of the module image, cut at snaplen like I/O data (a whole image
 * would not fit in an event). */
SCAP_EXIT_PROG(init_module_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_INIT_MODULE_X)) return 0;
	__u64 len = sc_arg(regs, 1);
	evt_s64(&e, ret);                                                  /* res */
	evt_data_user(&e, (const void *)sc_arg(regs, 0), len);             /* img */
	evt_u64(&e, len);                                                  /* length */
	evt_str_user(&e, (const void *)sc_arg(regs, 2), MAX_ARG_ENV);      /* uargs */
	evt_submit(&e);
	return 0;
}

/* finit_module(fd, uargs, flags) -> res, fd, uargs, flags */
SCAP_EXIT_PROG(finit_module_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_FINIT_MODULE_X)) return 0;
	evt_s64(&e, ret);                                                  /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                               /* fd */
	evt_str_user(&e, (const void *)sc_arg(regs, 1), MAX_ARG_ENV);      /* uargs */
	evt_u32(&e, finit_module_flags_to_scap((__u32)sc_arg(regs, 2)));   /* flags */
	evt_submit(&e);
	return 0;
}

/* delete_module(name, flags) -> res, name, flags */
SCAP_EXIT_PROG(delete_module_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_DELETE_MODULE_X)) return 0;
	evt_s64(&e, ret);                                                  /* res */
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);    /* name */
	evt_u32(&e, delete_module_flags_to_scap((__u32)sc_arg(regs, 1)));  /* flags */
	evt_submit(&e);
	return 0;
}

/* bpf(cmd, attr, size) -> fd, cmd. fd is the result (a new fd for the
 * commands that create one); PPM_BPF_* equal the kernel's command numbers. */
SCAP_EXIT_PROG(bpf_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_BPF_2_X, 8 + 4)) return 0;
	evt_s64(&e, ret);                                                  /* fd */
	evt_u32(&e, (__u32)sc_arg(regs, 0));                               /* cmd */
	evt_submit(&e);
	return 0;
}
