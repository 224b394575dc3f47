/*
 * sys_exit dispatcher: the only program attached to raw_syscalls:sys_exit.
 * It decides whether the syscall is captured and tail-calls the exit filler
 * of that syscall (exit_progs[id], filled by the loader: the syscall's exit
 * event program, or generic_x).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "maps.h"
#include "extract.h"

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_dispatch, struct pt_regs *regs, long ret) {
	long id = sc_id(regs);
	/* -1: cancelled (seccomp, ptrace); >= 512: x32 ABI (bit 30) or unknown. */
	if (id < 0 || id >= SCAP_SYSCALL_IDS) return 0;
	if (!syscall_interesting((__u32)id)) return 0;
	struct scap_settings *s = get_settings();
	if (!s) return 0;
	if (s->drop_failed && ret < 0) return 0;
	if (!tgid_wanted(s, (__u32)(bpf_get_current_pid_tgid() >> 32))) return 0;
	bpf_tail_call(ctx, &exit_progs, (__u32)id);
	return 0;
}
