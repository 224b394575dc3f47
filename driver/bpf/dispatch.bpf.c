/*
 * sys_exit dispatcher: the only program attached to raw_syscalls:sys_exit.
 * It runs for every syscall of every process, so the path of a syscall that
 * is not captured is kept as short as it gets: one direct register load, one
 * array lookup, return.
 *
 * A captured syscall without an event of its own (SCAP_SC_GENERIC) gets its
 * PPME_GENERIC_X written here, straight into the ring; the others tail-call
 * their exit filler (exit_progs[id], filled by the loader from fillers.def).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "event_builder.h"
#include "extract.h"

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_dispatch, struct pt_regs *regs, long ret) {
	unsigned long id = (unsigned long)sc_id(regs);
	/* -1 (cancelled: seccomp, ptrace) and >= 512 (x32 ABI bit 30, unknown) fail this too. */
	if (id >= SCAP_SYSCALL_IDS) return 0;
	__u32 mode = syscall_mode((__u32)id);
	if (mode == SCAP_SC_OFF) return 0;
	struct scap_settings *s = get_settings();
	if (!s) return 0;
	if (s->drop_failed && ret < 0) return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!tgid_wanted(s, (__u32)(pid_tgid >> 32))) return 0;
	if (mode == SCAP_SC_GENERIC) {
		/* PPME_GENERIC_X: ID (PPM_SC code), nativeID. */
		struct evt e;
		if (!evt_begin_ring(&e, s, PPME_GENERIC_X, 2 + 2, (__u32)pid_tgid)) return 0;
		evt_u16(&e, (__u16)g_syscall_table[id & (SYSCALL_TABLE_SIZE - 1)].ppm_sc); /* ID */
		evt_u16(&e, (__u16)id);                                                  /* nativeID */
		evt_submit(&e);
		return 0;
	}
	bpf_tail_call(ctx, &exit_progs, (__u32)id);
	return 0;
}
