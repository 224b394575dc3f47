/*
 * sys_enter: only the TOCTOU enter events (open, openat, openat2, creat,
 * connect). Their arguments are copied at entry because the user memory they
 * point to may change before the syscall returns. Every other enter event is
 * obsolete (their information moved into the exit events).
 *
 * The dispatcher tail-calls through its own program array (enter_progs);
 * programs of sys_exit may not share it (Linux >= 6.12).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "event_builder.h"
#include "extract.h"
#include "net.h"

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_dispatch, struct pt_regs *regs, long id) {
	if (id < 0 || id >= SCAP_SYSCALL_IDS) return 0;
	/* Cheap pre-check: only the TOCTOU syscalls have enter programs. */
	if (id != NR_open && id != NR_openat && id != NR_openat2 && id != NR_creat && id != NR_connect)
		return 0;
	if (!syscall_interesting((__u32)id)) return 0;
	struct scap_settings *s = get_settings();
	if (!s) return 0;
	if (!tgid_wanted(s, (__u32)(bpf_get_current_pid_tgid() >> 32))) return 0;
	bpf_tail_call(ctx, &enter_progs, (__u32)id);
	return 0;
}

/* At sys_enter the argument registers are the syscall arguments. */

SEC("tp_btf/sys_enter")
int BPF_PROG(open_e, struct pt_regs *regs, long id) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_OPEN_E)) return 0;
	__u32 flags = (__u32)sc_arg(regs, 1);
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);       /* name */
	evt_u32(&e, open_flags_to_scap(flags));                               /* flags */
	evt_u32(&e, open_mode_to_scap(flags, (__u32)sc_arg(regs, 2)));        /* mode */
	evt_submit(&e);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(openat_e, struct pt_regs *regs, long id) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_OPENAT_2_E)) return 0;
	__u32 flags = (__u32)sc_arg(regs, 2);
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));                               /* dirfd */
	evt_str_user(&e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);       /* name */
	evt_u32(&e, open_flags_to_scap(flags));                               /* flags */
	evt_u32(&e, open_mode_to_scap(flags, (__u32)sc_arg(regs, 3)));        /* mode */
	evt_submit(&e);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(openat2_e, struct pt_regs *regs, long id) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_OPENAT2_E)) return 0;
	struct open_how how = {};
	if (bpf_probe_read_user(&how, sizeof(how), (const void *)sc_arg(regs, 2))) evt_fault(&e);
	evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));                               /* dirfd */
	evt_str_user(&e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);       /* name */
	evt_u32(&e, open_flags_to_scap((__u32)how.flags));                    /* flags */
	evt_u32(&e, open_mode_to_scap((__u32)how.flags, (__u32)how.mode));    /* mode */
	evt_u32(&e, openat2_resolve_to_scap(how.resolve));                    /* resolve */
	evt_submit(&e);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(creat_e, struct pt_regs *regs, long id) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_CREAT_E)) return 0;
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);       /* name */
	evt_u32(&e, open_mode_to_scap(O_CREAT, (__u32)sc_arg(regs, 1)));      /* mode */
	evt_submit(&e);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(connect_e, struct pt_regs *regs, long id) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SOCKET_CONNECT_E)) return 0;
	evt_s64(&e, (__s32)sc_arg(regs, 0));                                  /* fd */
	evt_sockaddr_user(&e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2)); /* addr */
	evt_submit(&e);
	return 0;
}
