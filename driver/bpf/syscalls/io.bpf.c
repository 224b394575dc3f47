/*
 * read, write, pread64, pwrite64 exit events. The data param holds at most
 * snaplen bytes of the res bytes transferred (empty when the call failed).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

static __always_inline int fill_rw(struct pt_regs *regs, long ret, __u16 type, bool positional) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	unsigned long size = sc_arg(regs, 2);
	evt_s64(&e, ret);                                                        /* res */
	evt_data_user(&e, (const void *)sc_arg(regs, 1), ret > 0 ? (__u64)ret : 0); /* data */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                                     /* fd */
	evt_u32(&e, (__u32)size);                                                /* size */
	if (positional) evt_u64(&e, sc_arg(regs, 3));                            /* pos */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(read_x) {
	return fill_rw(regs, ret, PPME_SYSCALL_READ_X, false);
}

SCAP_EXIT_PROG(write_x) {
	return fill_rw(regs, ret, PPME_SYSCALL_WRITE_X, false);
}

SCAP_EXIT_PROG(pread64_x) {
	return fill_rw(regs, ret, PPME_SYSCALL_PREAD_X, true);
}

SCAP_EXIT_PROG(pwrite64_x) {
	return fill_rw(regs, ret, PPME_SYSCALL_PWRITE_X, true);
}
