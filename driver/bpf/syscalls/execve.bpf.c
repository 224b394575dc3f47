/*
 * execve / execveat exit events for FAILED calls. A successful exec replaces
 * the image (and the saved argument registers), so it is emitted from the
 * sched_process_exec tracepoint instead (sched.bpf.c), where the new image is
 * in place and the filename is known.
 *
 * A failed call describes the unchanged process; exe, args and env are the
 * ones the caller passed, filename the path it asked for.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../proc_info.h"

static __always_inline int fill_exec_failure(struct pt_regs *regs, long ret, __u16 type,
                                             int argv_idx, int filename_idx) {
	if (ret == 0) return 0;
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, type)) return 0;
	struct task_struct *t = cur_task();
	evt_s64(&e, ret);                                                       /* res */
	evt_exe_args_argv(&e, (const char *const *)sc_arg(regs, argv_idx));     /* exe, args */
	evt_proc_ids_mem(&e, t);                                                /* tid .. cgroups */
	const char *const *envp = (const char *const *)sc_arg(regs, argv_idx + 1);
	evt_len(&e, envp ? (__u16)evt_put_strarray_user(&e, envp, 0) : 0);     /* env */
	evt_exec_tail(&e, t);                                                   /* tty .. gid */
	if (filename_idx >= 0)
		evt_str_user(&e, (const void *)sc_arg(regs, filename_idx), PATH_MAX_LEN); /* filename */
	evt_submit(&e);
	return 0;
}

/* execve(filename, argv, envp) */
SCAP_EXIT_PROG(execve_x) {
	return fill_exec_failure(regs, ret, PPME_SYSCALL_EXECVE_19_X, 1, 0);
}

/* execveat(dirfd, pathname, argv, envp, flags): no filename param. */
SCAP_EXIT_PROG(execveat_x) {
	return fill_exec_failure(regs, ret, PPME_SYSCALL_EXECVEAT_X, 2, -1);
}
