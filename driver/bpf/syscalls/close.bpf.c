/*
 * close(fd) -> PPME_SYSCALL_CLOSE_X: res, fd.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

SCAP_EXIT_PROG(close_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_CLOSE_X, 8 + 8)) return 0;
	evt_s64(&e, ret);                     /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));  /* fd */
	evt_submit(&e);
	return 0;
}
