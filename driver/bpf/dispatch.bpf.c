/*
 * The exit hooks' entry points that are not fillers (sys_exit.h says how the
 * two hooks differ).
 *
 * sys_exit_dispatch: the only program attached to raw_syscalls:sys_exit with
 * the `btf` hook. It runs for every syscall of every process, so the path of a
 * syscall that is not captured is kept as short as it gets: one direct
 * register load, one array lookup, return. A captured syscall without an event
 * of its own (SCAP_SC_GENERIC) gets its PPME_GENERIC_X written here, straight
 * into the ring; the others tail-call their exit filler (exit_progs[id],
 * filled by the loader from fillers.def).
 *
 * sys_exit_generic_tp: the same PPME_GENERIC_X with the `tracepoint` hook,
 * attached to syscalls:sys_exit_<name> of each captured syscall without a
 * filler.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "sys_exit.h"
#include "extract.h"

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_dispatch, struct pt_regs *regs, long ret) {
	unsigned long id = (unsigned long)sc_id(regs);
	/* -1 (cancelled: seccomp, ptrace) and >= 512 (x32 ABI bit 30, unknown) fail this too. */
	if (id >= SCAP_SYSCALL_IDS) return 0;
	__u32 mode = syscall_mode((__u32)id);
	if (mode == SCAP_SC_OFF) return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct scap_settings *s = exit_wanted(ret, pid_tgid);
	if (!s) return 0;
	if (mode == SCAP_SC_GENERIC) {
		exit_generic(s, (__u32)id, pid_tgid);
		return 0;
	}
	bpf_tail_call(ctx, &exit_progs, (__u32)id);
	return 0;
}

/* ctx->nr is the syscall's number (the kernel runs this only for the events
 * it is attached to, all of captured syscalls). */
SEC("tracepoint")
int sys_exit_generic_tp(struct syscall_trace_exit *ctx) {
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct scap_settings *s = exit_wanted(ctx->ret, pid_tgid);
	if (s) exit_generic(s, (__u32)ctx->nr, pid_tgid);
	return 0;
}
