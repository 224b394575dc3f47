/*
 * Reading kernel state: syscall arguments, files behind fds, sockets, and the
 * task facts that process events carry. All reads are CO-RE relocated
 * (BPF_CORE_READ), so one object runs on every kernel with BTF; fields that
 * moved between kernel versions are probed with bpf_core_field_exists.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_EXTRACT_H
#define SCAP_BPF_EXTRACT_H

#include "defs.h"
#include "flags.h"

/* --- syscall arguments ------------------------------------------------------ */

/* The register reads below are plain loads: in tp_btf programs `regs` is a
 * BTF pointer, so the verifier turns them into fault-safe direct loads (the
 * field offsets are still CO-RE relocated, vmlinux.h types carry
 * preserve_access_index). A BPF_CORE_READ would go through a helper call,
 * several times the cost of the load. */

/* Native syscall id of the current syscall (-1 when cancelled). */
static __always_inline long sc_id(struct pt_regs *regs) {
	return (long)regs->orig_ax;
}

/* Argument `i` (constant 0..5) of the current syscall, x86_64 convention. At
 * sys_exit the saved user registers still hold the arguments (except after a
 * successful execve, which is why exec is handled at sched_process_exec). */
static __always_inline unsigned long sc_arg(struct pt_regs *regs, int i) {
	switch (i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	case 5: return regs->r9;
	}
	return 0;
}

/* dirfd arguments are ints; AT_FDCWD is stored as PPM_AT_FDCWD (-100 too). */
static __always_inline __s64 sc_dirfd(unsigned long v) {
	return (__s64)(__s32)v;
}

/* --- files ------------------------------------------------------------------ */

static __always_inline struct task_struct *cur_task(void) {
	return (struct task_struct *)bpf_get_current_task_btf();
}

/* The file behind `fd` in the current task, or NULL. */
static __always_inline struct file *fd_file(__s64 fd) {
	if (fd < 0) return NULL;
	struct task_struct *t = cur_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt) return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if ((__u64)fd >= max) return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

/* dev (stat encoding) and inode number of an open file. */
static __always_inline void file_dev_ino(struct file *f, __u32 *dev, __u64 *ino) {
	*dev = 0;
	*ino = 0;
	if (!f) return;
	struct inode *i = BPF_CORE_READ(f, f_inode);
	if (!i) return;
	*ino = BPF_CORE_READ(i, i_ino);
	*dev = encode_dev(BPF_CORE_READ(i, i_sb, s_dev));
}

/* PPM_O_F_CREATED when the open created the file. */
static __always_inline __u32 file_created_flag(struct file *f) {
	if (!f) return 0;
	__u32 mode = BPF_CORE_READ(f, f_mode);
	return (mode & FMODE_CREATED) ? PPM_O_F_CREATED : 0;
}

/* The socket behind a file, or NULL when it is not a socket. */
static __always_inline struct socket *file_socket(struct file *f) {
	if (!f) return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK) return NULL;
	return (struct socket *)BPF_CORE_READ(f, private_data);
}

/* --- pids and namespaces ----------------------------------------------------- */

/* pid number of `p` as seen from namespace level `level` (0 = host), or 0. */
static __always_inline __s32 pid_nr_at(struct pid *p, unsigned int level) {
	if (!p) return 0;
	unsigned int plevel = BPF_CORE_READ(p, level);
	if (level > plevel) return 0;
	int nr = 0;
	bpf_core_read(&nr, sizeof(nr), &p->numbers[level & 0x1F].nr);
	return nr;
}

/* Namespace level of the task (0 = initial pid namespace). */
static __always_inline unsigned int task_ns_level(struct task_struct *t) {
	return BPF_CORE_READ(t, thread_pid, level);
}

/* A pid of the thread group (PIDTYPE_TGID / PGID / SID) of `t`. */
static __always_inline struct pid *task_group_pid(struct task_struct *t, enum pid_type type) {
	struct pid *p = NULL;
	struct signal_struct *sig = BPF_CORE_READ(t, signal);
	if (!sig) return NULL;
	bpf_core_read(&p, sizeof(p), &sig->pids[type & 3]);
	return p;
}

/* vtid / vpid / vpgid: ids as seen from the task's own pid namespace. */
static __always_inline __s32 task_vtid(struct task_struct *t) {
	return pid_nr_at(BPF_CORE_READ(t, thread_pid), task_ns_level(t));
}
static __always_inline __s32 task_vgroup(struct task_struct *t, enum pid_type type) {
	return pid_nr_at(task_group_pid(t, type), task_ns_level(t));
}
static __always_inline __s32 task_group_nr(struct task_struct *t, enum pid_type type) {
	return pid_nr_at(task_group_pid(t, type), 0);
}

/* --- task facts for process events ------------------------------------------- */

static __always_inline __u64 task_fdlimit(struct task_struct *t) {
	return BPF_CORE_READ(t, signal, rlim[RLIMIT_NOFILE].rlim_cur);
}

/* Before 6.2 mm->rss_stat was a struct of atomic counters. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));
struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

static __always_inline __s64 mm_counter(struct mm_struct *mm, int member) {
	__s64 v = 0;
	if (!mm) return 0;
	if (bpf_core_type_exists(struct mm_rss_stat___old)) {
		struct mm_struct___old *old = (void *)mm;
		bpf_core_read(&v, sizeof(v), &old->rss_stat.count[member & 3].counter);
	} else {
		bpf_core_read(&v, sizeof(v), &mm->rss_stat[member & 3].count);
	}
	return v < 0 ? 0 : v;
}

#define PAGES_TO_KB(p) ((p) << (PAGE_SHIFT - 10))

static __always_inline __u32 mm_vm_size_kb(struct mm_struct *mm) {
	if (!mm) return 0;
	return (__u32)PAGES_TO_KB(BPF_CORE_READ(mm, total_vm));
}
static __always_inline __u32 mm_vm_rss_kb(struct mm_struct *mm) {
	return (__u32)PAGES_TO_KB((__u64)(mm_counter(mm, MM_FILEPAGES) + mm_counter(mm, MM_ANONPAGES) +
	                                  mm_counter(mm, MM_SHMEMPAGES)));
}
static __always_inline __u32 mm_vm_swap_kb(struct mm_struct *mm) {
	return (__u32)PAGES_TO_KB((__u64)mm_counter(mm, MM_SWAPENTS));
}

/* Controlling tty as a stat-encoded device number (0 when none). */
static __always_inline __u32 task_tty(struct task_struct *t) {
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty) return 0;
	struct tty_driver *drv = BPF_CORE_READ(tty, driver);
	if (!drv) return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(drv, major);
	int minor_start = BPF_CORE_READ(drv, minor_start);
	return encode_dev(((__u32)major << MINORBITS) + (__u32)minor_start + (__u32)index);
}

static __always_inline __u32 task_loginuid(struct task_struct *t) {
	if (bpf_core_field_exists(t->loginuid)) return BPF_CORE_READ(t, loginuid.val);
	return 0xFFFFFFFF;
}

static __always_inline __u32 task_euid(struct task_struct *t) {
	return BPF_CORE_READ(t, cred, euid.val);
}
static __always_inline __u32 task_egid(struct task_struct *t) {
	return BPF_CORE_READ(t, cred, egid.val);
}

/* kernel_cap_t is a u64 since 6.3 and two u32 before: the same 8 bytes. PPM_CAP_*
 * bits equal the kernel's capability numbers. */
static __always_inline __u64 read_caps(const kernel_cap_t *c) {
	__u64 v = 0;
	bpf_core_read(&v, sizeof(v), c);
	return v;
}

/* The executable's inode (mm->exe_file), or NULL. */
static __always_inline struct inode *task_exe_inode(struct task_struct *t) {
	return BPF_CORE_READ(t, mm, exe_file, f_inode);
}

/* Inode times moved: i_ctime (< 6.6), __i_ctime (6.6 .. 6.10), i_ctime_sec/_nsec (>= 6.11). */
struct inode___v6_6 {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));
struct inode___old {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

static __always_inline __u64 ts64_ns(__s64 sec, __s64 nsec) {
	return (__u64)sec * 1000000000ULL + (__u64)nsec;
}

static __always_inline __u64 inode_ctime_ns(struct inode *i) {
	if (!i) return 0;
	if (bpf_core_field_exists(i->i_ctime_sec))
		return ts64_ns(BPF_CORE_READ(i, i_ctime_sec), BPF_CORE_READ(i, i_ctime_nsec));
	struct inode___v6_6 *i66 = (void *)i;
	if (bpf_core_field_exists(i66->__i_ctime))
		return ts64_ns(BPF_CORE_READ(i66, __i_ctime.tv_sec), BPF_CORE_READ(i66, __i_ctime.tv_nsec));
	struct inode___old *io = (void *)i;
	return ts64_ns(BPF_CORE_READ(io, i_ctime.tv_sec), BPF_CORE_READ(io, i_ctime.tv_nsec));
}

static __always_inline __u64 inode_mtime_ns(struct inode *i) {
	if (!i) return 0;
	if (bpf_core_field_exists(i->i_mtime_sec))
		return ts64_ns(BPF_CORE_READ(i, i_mtime_sec), BPF_CORE_READ(i, i_mtime_nsec));
	struct inode___v6_6 *i66 = (void *)i;
	if (bpf_core_field_exists(i66->__i_mtime))
		return ts64_ns(BPF_CORE_READ(i66, __i_mtime.tv_sec), BPF_CORE_READ(i66, __i_mtime.tv_nsec));
	struct inode___old *io = (void *)i;
	return ts64_ns(BPF_CORE_READ(io, i_mtime.tv_sec), BPF_CORE_READ(io, i_mtime.tv_nsec));
}

/* PPM_CL_CHILD_IN_PIDNS: the (new) task lives in a non-initial pid namespace,
 * or (in the parent) its children will. */
static __always_inline __u32 clone_pidns_flag(struct task_struct *t) {
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	if (level != 0) return PPM_CL_CHILD_IN_PIDNS;
	struct upid up = {};
	bpf_core_read(&up, sizeof(up), &p->numbers[0]);
	struct pid_namespace *children = BPF_CORE_READ(t, nsproxy, pid_ns_for_children);
	if (children && children != up.ns) return PPM_CL_CHILD_IN_PIDNS;
	return 0;
}

#endif /* SCAP_BPF_EXTRACT_H */
