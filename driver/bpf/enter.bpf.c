/*
 * sys_enter: only the TOCTOU enter events (open, openat, openat2, creat,
 * connect). Their arguments are copied at entry because the user memory they
 * point to may change before the syscall returns. Every other enter event is
 * obsolete (their information moved into the exit events).
 *
 * Two ways in, the same events out (the loader picks one):
 *
 * - Preferred: one `tracepoint/syscalls/sys_enter_<name>` program per TOCTOU
 *   syscall (perf tracepoints of the kernel's syscall events). The kernel runs
 *   them for their own syscall only; every other syscall costs a bitmap test
 *   in C instead of a BPF program run (measured: ~13 ns instead of ~33 ns per
 *   syscall). The loader needs tracefs to learn the events' ids.
 * - Fallback: a `tp_btf/sys_enter` dispatcher, run for every syscall, that
 *   tail-calls through its own program array (enter_progs; programs of
 *   sys_exit may not share it, Linux >= 6.12).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "event_builder.h"
#include "extract.h"
#include "net.h"

/* --- the events, from the syscall's arguments ------------------------------- */

static __always_inline void fill_open_e(unsigned long a0, unsigned long a1, unsigned long a2) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_OPEN_E)) return;
	__u32 flags = (__u32)a1;
	evt_str_user(&e, (const void *)a0, PATH_MAX_LEN);                    /* name */
	evt_u32(&e, open_flags_to_scap(flags));                               /* flags */
	evt_u32(&e, open_mode_to_scap(flags, (__u32)a2));                     /* mode */
	evt_submit(&e);
}

static __always_inline void fill_openat_e(unsigned long a0, unsigned long a1, unsigned long a2,
                                          unsigned long a3) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_OPENAT_2_E)) return;
	__u32 flags = (__u32)a2;
	evt_s64(&e, sc_dirfd(a0));                                            /* dirfd */
	evt_str_user(&e, (const void *)a1, PATH_MAX_LEN);                    /* name */
	evt_u32(&e, open_flags_to_scap(flags));                               /* flags */
	evt_u32(&e, open_mode_to_scap(flags, (__u32)a3));                     /* mode */
	evt_submit(&e);
}

static __always_inline void fill_openat2_e(unsigned long a0, unsigned long a1, unsigned long a2) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_OPENAT2_E)) return;
	struct open_how how = {};
	if (bpf_probe_read_user(&how, sizeof(how), (const void *)a2)) evt_fault(&e);
	evt_s64(&e, sc_dirfd(a0));                                            /* dirfd */
	evt_str_user(&e, (const void *)a1, PATH_MAX_LEN);                    /* name */
	evt_u32(&e, open_flags_to_scap((__u32)how.flags));                    /* flags */
	evt_u32(&e, open_mode_to_scap((__u32)how.flags, (__u32)how.mode));    /* mode */
	evt_u32(&e, openat2_resolve_to_scap(how.resolve));                    /* resolve */
	evt_submit(&e);
}

static __always_inline void fill_creat_e(unsigned long a0, unsigned long a1) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SYSCALL_CREAT_E)) return;
	evt_str_user(&e, (const void *)a0, PATH_MAX_LEN);                    /* name */
	evt_u32(&e, open_mode_to_scap(O_CREAT, (__u32)a1));                   /* mode */
	evt_submit(&e);
}

static __always_inline void fill_connect_e(unsigned long a0, unsigned long a1, unsigned long a2) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_ENTER, PPME_SOCKET_CONNECT_E)) return;
	evt_s64(&e, (__s32)a0);                                               /* fd */
	evt_sockaddr_user(&e, (const void *)a1, a2);                          /* addr */
	evt_submit(&e);
}

/* The process filter (enter events are not subject to drop_failed). */
static __always_inline bool enter_wanted(void) {
	struct scap_settings *s = get_settings();
	return s && tgid_wanted(s, (__u32)(bpf_get_current_pid_tgid() >> 32));
}

/* --- preferred: perf tracepoints of the syscall events ------------------------
 * ctx is the event's record: common fields, the syscall number, then the six
 * arguments as unsigned longs (struct syscall_trace_enter). Each program is
 * attached only when its syscall is captured. */

SEC("tracepoint/syscalls/sys_enter_open")
int tp_open_e(struct syscall_trace_enter *ctx) {
	if (enter_wanted()) fill_open_e(ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat_e(struct syscall_trace_enter *ctx) {
	if (enter_wanted()) fill_openat_e(ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int tp_openat2_e(struct syscall_trace_enter *ctx) {
	if (enter_wanted()) fill_openat2_e(ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_creat")
int tp_creat_e(struct syscall_trace_enter *ctx) {
	if (enter_wanted()) fill_creat_e(ctx->args[0], ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int tp_connect_e(struct syscall_trace_enter *ctx) {
	if (enter_wanted()) fill_connect_e(ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

/* --- fallback: the raw sys_enter tracepoint, for every syscall ---------------- */

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_dispatch, struct pt_regs *regs, long id) {
	/* Cheap pre-check first: only the TOCTOU syscalls have enter programs. */
	if (id != NR_open && id != NR_openat && id != NR_openat2 && id != NR_creat && id != NR_connect)
		return 0;
	if (!syscall_interesting((__u32)id)) return 0;
	if (!enter_wanted()) return 0;
	bpf_tail_call(ctx, &enter_progs, (__u32)id);
	return 0;
}

/* At sys_enter the argument registers are the syscall arguments. */

SEC("tp_btf/sys_enter")
int BPF_PROG(open_e, struct pt_regs *regs, long id) {
	fill_open_e(sc_arg(regs, 0), sc_arg(regs, 1), sc_arg(regs, 2));
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(openat_e, struct pt_regs *regs, long id) {
	fill_openat_e(sc_arg(regs, 0), sc_arg(regs, 1), sc_arg(regs, 2), sc_arg(regs, 3));
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(openat2_e, struct pt_regs *regs, long id) {
	fill_openat2_e(sc_arg(regs, 0), sc_arg(regs, 1), sc_arg(regs, 2));
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(creat_e, struct pt_regs *regs, long id) {
	fill_creat_e(sc_arg(regs, 0), sc_arg(regs, 1));
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(connect_e, struct pt_regs *regs, long id) {
	fill_connect_e(sc_arg(regs, 0), sc_arg(regs, 1), sc_arg(regs, 2));
	return 0;
}
