/*
 * clone, fork, vfork, clone3 exit events. On x86_64 sys_exit fires in both
 * the parent (res = child tid) and the new task (res = 0); both are emitted,
 * each describing the task it runs in.
 *
 * Params: res, exe, args, tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min,
 * vm_size, vm_rss, vm_swap, comm, cgroups, flags, uid, gid, vtid, vpid,
 * pidns_init_start_ts.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../proc_info.h"

/* clone3(struct clone_args *args, size): flags is the first u64 of args. */
static __always_inline __u64 clone3_flags(struct pt_regs *regs) {
	__u64 flags = 0;
	bpf_probe_read_user(&flags, sizeof(flags), (const void *)sc_arg(regs, 0));
	return flags;
}

static __always_inline int fill_clone(long ret, __u16 type, __u64 kflags) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	struct task_struct *t = cur_task();
	evt_s64(&e, ret);                                          /* res */
	if (ret >= 0) {
		evt_exe_args_mm(&e, t);                                /* exe, args */
	} else {
		evt_empty(&e);
		evt_empty(&e);
	}
	evt_proc_ids_mem(&e, t);                                   /* tid .. cgroups */
	evt_u32(&e, clone_flags_to_scap(kflags) | clone_pidns_flag(t)); /* flags */
	evt_u32(&e, task_euid(t));                                 /* uid */
	evt_u32(&e, task_egid(t));                                 /* gid */
	evt_s64(&e, task_vtid(t));                                 /* vtid */
	evt_s64(&e, task_vgroup(t, PIDTYPE_TGID));                 /* vpid */
	/* pidns_init_start_ts: start time of the pid namespace's init, in the child only. */
	__u64 ns_start = 0;
	if (ret == 0) {
		struct pid *p = BPF_CORE_READ(t, thread_pid);
		unsigned int level = BPF_CORE_READ(p, level);
		struct upid up = {};
		bpf_core_read(&up, sizeof(up), &p->numbers[level & 0x1F]);
		ns_start = BPF_CORE_READ(up.ns, child_reaper, start_time);
	}
	evt_u64(&e, ns_start);                                     /* pidns_init_start_ts */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(clone_x) {
	return fill_clone(ret, PPME_SYSCALL_CLONE_20_X, sc_arg(regs, 0));
}

SCAP_EXIT_PROG(fork_x) {
	return fill_clone(ret, PPME_SYSCALL_FORK_20_X, 0);
}

SCAP_EXIT_PROG(vfork_x) {
	return fill_clone(ret, PPME_SYSCALL_VFORK_20_X, CLONE_VFORK | CLONE_VM);
}

SCAP_EXIT_PROG(clone3_x) {
	return fill_clone(ret, PPME_SYSCALL_CLONE3_X, clone3_flags(regs));
}
