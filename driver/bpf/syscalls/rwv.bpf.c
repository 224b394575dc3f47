/*
 * readv, writev, preadv, pwritev exit events. data is gathered from the
 * iovecs (iov.h) and cut at snaplen:
 *   reads:  at most res bytes; size = res (0 and data empty on failure)
 *   writes: at most res bytes (snaplen bytes of what was offered when the
 *           call failed); size = the sum of the iov_len asked for
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../iov.h"
#include "../extract.h"

/* readv(fd, iov, cnt) -> res, size, data, fd [, pos] */
static __always_inline int fill_readv(struct pt_regs *regs, long ret, __u16 type, bool positional) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	evt_s64(&e, ret);                                               /* res */
	if (ret > 0) {
		evt_u32(&e, (__u32)ret);                                    /* size */
		__u32 cnt = iov_fetch(&e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));
		evt_iov_data(&e, cnt, (__u64)ret);                          /* data */
	} else {
		evt_u32(&e, 0);                                             /* size */
		evt_empty(&e);                                              /* data */
	}
	evt_s64(&e, (__s32)sc_arg(regs, 0));                            /* fd */
	if (positional) evt_u64(&e, sc_arg(regs, 3));                   /* pos */
	evt_submit(&e);
	return 0;
}

/* writev(fd, iov, cnt) -> res, data, fd, size [, pos] */
static __always_inline int fill_writev(struct pt_regs *regs, long ret, __u16 type, bool positional) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	__u32 cnt = iov_fetch(&e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));
	evt_s64(&e, ret);                                               /* res */
	evt_iov_data(&e, cnt, ret > 0 ? (__u64)ret : (__u64)-1);        /* data */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                            /* fd */
	evt_u32(&e, (__u32)iov_total(&e, cnt));                         /* size */
	if (positional) evt_u64(&e, sc_arg(regs, 3));                   /* pos */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(readv_x) {
	return fill_readv(regs, ret, PPME_SYSCALL_READV_X, false);
}

SCAP_EXIT_PROG(preadv_x) {
	return fill_readv(regs, ret, PPME_SYSCALL_PREADV_X, true);
}

SCAP_EXIT_PROG(writev_x) {
	return fill_writev(regs, ret, PPME_SYSCALL_WRITEV_X, false);
}

SCAP_EXIT_PROG(pwritev_x) {
	return fill_writev(regs, ret, PPME_SYSCALL_PWRITEV_X, true);
}
