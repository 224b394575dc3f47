/*
 * Scheduler tracepoints:
 *   sched_process_exit -> PPME_PROCEXIT_1_E (status, ret, sig, core, reaper_tid)
 *   sched_process_exec -> the successful execve/execveat exit event (always
 *                         EXECVE_19_X), built once the new image is in place
 *   sched_switch       -> PPME_SCHEDSWITCH_6_E (next, pgft_maj, pgft_min,
 *                         vm_size, vm_rss, vm_swap), attached only when the
 *                         capture asks for it (BpfCapture `schedSwitch`)
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "proc_info.h"

#define MAX_THREAD_WALK 16

/* A live thread of the group of `t` other than exiting ones, or 0 if none
 * was found (-1: too many threads to look at all). */
static __always_inline __s64 alive_thread_in_group(struct task_struct *t) {
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (!sig) return 0;
	struct list_head *head = &sig->thread_head;
	struct list_head *node = BPF_CORE_READ(head, next);
	for (int i = 0; i < MAX_THREAD_WALK; i++) {
		if (!node || node == head) return 0;
		struct task_struct *th = container_of(node, struct task_struct, thread_node);
		unsigned int flags = BPF_CORE_READ(th, flags);
		if (!(flags & 0x00000004 /* PF_EXITING */)) return BPF_CORE_READ(th, pid);
		node = BPF_CORE_READ(th, thread_node.next);
	}
	return -1;
}

/* Who will adopt the children of exiting `t`: a live thread of its group,
 * else the pid namespace's init when no subreaper is involved; -1 when that
 * takes more than the probe can walk (userspace then works it out); 0 when
 * there are no children. */
static __always_inline __s64 reaper_tid(struct task_struct *t) {
	struct list_head *children = &t->children;
	if (BPF_CORE_READ(children, next) == children) return 0;
	__s64 alive = alive_thread_in_group(t);
	if (alive != 0) return alive;
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct upid up = {};
	bpf_core_read(&up, sizeof(up), &p->numbers[level & 0x1F]);
	struct task_struct *init = BPF_CORE_READ(up.ns, child_reaper);
	if (init == t) return 0;
	if (BPF_CORE_READ_BITFIELD_PROBED(sig, has_child_subreaper)) return -1;
	return BPF_CORE_READ(init, pid);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_proc_exit, struct task_struct *t) {
	struct scap_settings *s = get_settings();
	if (!s || !tgid_wanted(s, (__u32)BPF_CORE_READ(t, tgid))) return 0;
	int code = BPF_CORE_READ(t, exit_code);
	__u8 sig = code & 0x7f;
	__s64 reaper = reaper_tid(t);
	struct evt e;
	if (!evt_begin_ring(&e, s, PPME_PROCEXIT_1_E, 8 + 8 + 1 + 1 + 8, (__u32)bpf_get_current_pid_tgid()))
		return 0;
	evt_s64(&e, code);                                /* status */
	evt_s64(&e, (code >> 8) & 0xff);                  /* ret */
	evt_u8(&e, (sig != 0 && sig != 0x7f) ? sig : 0);  /* sig (killed by a signal) */
	evt_u8(&e, (code & 0x80) ? 1 : 0);                /* core */
	evt_s64(&e, reaper);                              /* reaper_tid */
	evt_submit(&e);
	return 0;
}

/* Every successful exec, execve or execveat alike, is reported as
 * EXECVE_19_X, as Falco does: by the time this tracepoint fires, x86_64's
 * saved syscall number says execve (59) even after an execveat, so the two
 * cannot be told apart here. filename is what the kernel resolved
 * (bprm->filename: the path, or "/dev/fd/N[/path]" for an fd-relative
 * execveat). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_proc_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
	struct task_struct *t = cur_task();
	if (!syscall_interesting(NR_execve) && !syscall_interesting(NR_execveat)) return 0;
	struct scap_settings *s = get_settings();
	if (!s || !tgid_wanted(s, (__u32)(bpf_get_current_pid_tgid() >> 32))) return 0;
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SCHED, PPME_SYSCALL_EXECVE_19_X)) return 0;
	evt_s64(&e, 0);                                   /* res */
	evt_exe_args_mm(&e, t);                           /* exe, args */
	evt_proc_ids_mem(&e, t);                          /* tid .. cgroups */
	evt_env_mm(&e, t);                                /* env */
	evt_exec_tail(&e, t);                             /* tty .. gid */
	evt_str_kernel(&e, BPF_CORE_READ(bprm, filename), PATH_MAX_LEN); /* filename */
	evt_submit(&e);
	return 0;
}

/* A context switch, in the task being switched out (the header tid): next is
 * the host tid switched in (0: idle); the page faults and memory sizes are
 * those of the outgoing task (0 for kernel threads, which have no mm). */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_e, bool preempt, struct task_struct *prev, struct task_struct *next) {
	struct scap_settings *s = get_settings();
	if (!s || !tgid_wanted(s, (__u32)BPF_CORE_READ(prev, tgid))) return 0;
	struct mm_struct *mm = BPF_CORE_READ(prev, mm);
	__s64 next_tid = BPF_CORE_READ(next, pid);
	__u64 maj = BPF_CORE_READ(prev, maj_flt);
	__u64 min = BPF_CORE_READ(prev, min_flt);
	__u32 vm_size = mm_vm_size_kb(mm);
	__u32 vm_rss = mm_vm_rss_kb(mm);
	__u32 vm_swap = mm_vm_swap_kb(mm);
	struct evt e;
	if (!evt_begin_ring(&e, s, PPME_SCHEDSWITCH_6_E, 8 + 8 + 8 + 3 * 4, (__u32)BPF_CORE_READ(prev, pid)))
		return 0;
	evt_s64(&e, next_tid);                            /* next */
	evt_u64(&e, maj);                                 /* pgft_maj */
	evt_u64(&e, min);                                 /* pgft_min */
	evt_u32(&e, vm_size);                             /* vm_size */
	evt_u32(&e, vm_rss);                              /* vm_rss */
	evt_u32(&e, vm_swap);                             /* vm_swap */
	evt_submit(&e);
	return 0;
}
