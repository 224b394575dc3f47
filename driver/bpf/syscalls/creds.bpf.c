/*
 * Credentials and capabilities: setuid, setgid, setresuid, setresgid,
 * capset exit events. The id params are the arguments as passed (-1 =
 * unchanged for setres*); capset reports the task's capability sets after
 * the call (PPM_CAP_* bits equal the kernel's capability numbers).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

/* setuid(uid) -> res, uid */
SCAP_EXIT_PROG(setuid_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_SETUID_X, 8 + 4)) return 0;
	evt_s64(&e, ret);                        /* res */
	evt_u32(&e, (__u32)sc_arg(regs, 0));     /* uid */
	evt_submit(&e);
	return 0;
}

/* setgid(gid) -> res, gid */
SCAP_EXIT_PROG(setgid_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_SETGID_X, 8 + 4)) return 0;
	evt_s64(&e, ret);                        /* res */
	evt_u32(&e, (__u32)sc_arg(regs, 0));     /* gid */
	evt_submit(&e);
	return 0;
}

/* setresuid(r, e, s) / setresgid(r, e, s) -> res, r, e, s */
static __always_inline int fill_setres(struct pt_regs *regs, long ret, __u16 type) {
	struct evt e;
	if (!evt_begin_fixed(&e, type, 8 + 3 * 4)) return 0;
	evt_s64(&e, ret);                        /* res */
	evt_u32(&e, (__u32)sc_arg(regs, 0));     /* ruid / rgid */
	evt_u32(&e, (__u32)sc_arg(regs, 1));     /* euid / egid */
	evt_u32(&e, (__u32)sc_arg(regs, 2));     /* suid / sgid */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(setresuid_x) {
	return fill_setres(regs, ret, PPME_SYSCALL_SETRESUID_X);
}

SCAP_EXIT_PROG(setresgid_x) {
	return fill_setres(regs, ret, PPME_SYSCALL_SETRESGID_X);
}

/* capset(hdr, data) -> res, cap_inheritable, cap_permitted, cap_effective
 * (the current task's sets once the call is done) */
SCAP_EXIT_PROG(capset_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_CAPSET_X, 8 + 3 * 8)) return 0;
	struct cred *cred = (struct cred *)BPF_CORE_READ(cur_task(), cred);
	evt_s64(&e, ret);                                   /* res */
	evt_u64(&e, read_caps(&cred->cap_inheritable));     /* cap_inheritable */
	evt_u64(&e, read_caps(&cred->cap_permitted));       /* cap_permitted */
	evt_u64(&e, read_caps(&cred->cap_effective));       /* cap_effective */
	evt_submit(&e);
	return 0;
}
