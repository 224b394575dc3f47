/*
 * The two ways into the exit events; the loader loads and attaches one.
 *
 * - tp_btf/sys_exit (`btf`): the dispatcher (dispatch.bpf.c) runs for every
 *   syscall of every process and tail-calls the filler's `<name>` program.
 * - The syscall events' perf tracepoints (`tracepoint`): each filler's
 *   `<name>_tp` program is attached to syscalls:sys_exit_<syscall> of the
 *   captured syscalls it fills, `sys_exit_generic_tp` to those of the captured
 *   syscalls without a filler. The kernel runs them for those syscalls only;
 *   any other costs it a bitmap test, not a BPF program run.
 *
 * A filler is written once, with SCAP_EXIT_PROG, and gets both programs. Its
 * body sees the same `regs` (the syscall's saved user registers: the raw
 * tracepoint's argument, or the task's for the perf tracepoint, whose record
 * carries only the number and the return value) and `ret` either way.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_SYS_EXIT_H
#define SCAP_BPF_SYS_EXIT_H

#include "event_builder.h"

/* The settings when the exit of the current thread's syscall, which returned
 * `ret`, is to be captured (drop_failed, the process filter), else NULL. The
 * syscall itself was checked before: by the dispatcher, or by attaching. */
static __always_inline struct scap_settings *exit_wanted(long ret, __u64 pid_tgid) {
	struct scap_settings *s = get_settings();
	if (!s) return NULL;
	if (s->drop_failed && ret < 0) return NULL;
	if (!tgid_wanted(s, (__u32)(pid_tgid >> 32))) return NULL;
	return s;
}

/* PPME_GENERIC_X of syscall `id`: ID (PPM_SC code), nativeID. */
static __always_inline void exit_generic(struct scap_settings *s, __u32 id, __u64 pid_tgid) {
	struct evt e;
	if (!evt_begin_ring(&e, s, PPME_GENERIC_X, 2 + 2, (__u32)pid_tgid)) return;
	evt_u16(&e, (__u16)g_syscall_table[id & (SYSCALL_TABLE_SIZE - 1)].ppm_sc); /* ID */
	evt_u16(&e, (__u16)id);                                                  /* nativeID */
	evt_submit(&e);
}

/* Defines the exit filler `name`: follow with its body, which uses `regs` and
 * `ret` and returns 0. Both programs are listed in fillers.def by `name`. */
#define SCAP_EXIT_PROG(name)                                                          \
	static __always_inline int name##_body(struct pt_regs *regs, long ret);      \
	SEC("tp_btf/sys_exit")                                                        \
	int BPF_PROG(name, struct pt_regs *regs, long ret) {                          \
		return name##_body(regs, ret);                                        \
	}                                                                             \
	SEC("tracepoint")                                                             \
	int name##_tp(struct syscall_trace_exit *ctx) {                               \
		long ret = ctx->ret;                                                  \
		if (!exit_wanted(ret, bpf_get_current_pid_tgid())) return 0;          \
		return name##_body(                                                   \
			(struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()), ret); \
	}                                                                             \
	static __always_inline int name##_body(struct pt_regs *regs, long ret)

#endif /* SCAP_BPF_SYS_EXIT_H */
