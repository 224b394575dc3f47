/*
 * kill, tkill, tgkill exit events.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

/* kill(pid, sig) -> res, pid, sig */
SCAP_EXIT_PROG(kill_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_KILL_X, 8 + 8 + 1)) return 0;
	evt_s64(&e, ret);                        /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));     /* pid */
	evt_u8(&e, (__u8)sc_arg(regs, 1));       /* sig */
	evt_submit(&e);
	return 0;
}

/* tkill(tid, sig) -> res, tid, sig */
SCAP_EXIT_PROG(tkill_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_TKILL_X, 8 + 8 + 1)) return 0;
	evt_s64(&e, ret);                        /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));     /* tid */
	evt_u8(&e, (__u8)sc_arg(regs, 1));       /* sig */
	evt_submit(&e);
	return 0;
}

/* tgkill(tgid, tid, sig) -> res, pid, tid, sig */
SCAP_EXIT_PROG(tgkill_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_TGKILL_X, 8 + 8 + 8 + 1)) return 0;
	evt_s64(&e, ret);                        /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));     /* pid */
	evt_s64(&e, (__s32)sc_arg(regs, 1));     /* tid */
	evt_u8(&e, (__u8)sc_arg(regs, 2));       /* sig */
	evt_submit(&e);
	return 0;
}
