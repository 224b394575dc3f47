/*
 * Params shared by the process events (clone/fork/vfork/clone3 and
 * execve/execveat exits): they describe the current task.
 *
 * Both event families start with the same 15 params:
 *   res, exe, args, tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min,
 *   vm_size, vm_rss, vm_swap, comm, cgroups
 * cwd and cgroups are walked by path.h.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_PROC_INFO_H
#define SCAP_BPF_PROC_INFO_H

#include "event_builder.h"
#include "extract.h"
#include "path.h"

/* exe + args from the process's argument area [arg_start, arg_end): exe is
 * argv[0], args the NUL-terminated argv[1..]. */
static __always_inline void evt_exe_args_mm(struct evt *e, struct task_struct *t) {
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long start = mm ? BPF_CORE_READ(mm, arg_start) : 0;
	unsigned long end = mm ? BPF_CORE_READ(mm, arg_end) : 0;
	__u32 exe_len = evt_str_user(e, (const void *)start, MAX_PROC_EXE); /* exe */
	if (exe_len == 0 || end <= start + exe_len) {
		evt_empty(e);                                                    /* args */
		return;
	}
	evt_strlist_user(e, (const void *)(start + exe_len), end - start - exe_len, MAX_ARG_ENV);
}

/* env from the process's environment area. */
static __always_inline void evt_env_mm(struct evt *e, struct task_struct *t) {
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long start = mm ? BPF_CORE_READ(mm, env_start) : 0;
	unsigned long end = mm ? BPF_CORE_READ(mm, env_end) : 0;
	if (start == 0 || end <= start) {
		evt_empty(e);
		return;
	}
	evt_strlist_user(e, (const void *)start, end - start, MAX_ARG_ENV);
}

/* Strings argv[first..] of a user pointer array, NUL-terminated one after the
 * other, at most MAX_ARG_ENV bytes and MAX_ARGV pointers (no length slot).
 * Returns the bytes written. */
static __always_inline __u32 evt_put_strarray_user(struct evt *e, const char *const *argv, int first) {
	__u64 start = e->pos;
	for (int i = 0; i < MAX_ARGV; i++) {
		if (i < first) continue;
		const char *p = NULL;
		if (bpf_probe_read_user(&p, sizeof(p), &argv[i]) || !p) break;
		if (e->pos - start >= MAX_ARG_ENV) break;
		evt_put_str(e, p, MAX_ARG_ENV, true);
	}
	__u64 n = e->pos - start;
	if (n > MAX_ARG_ENV) {
		n = MAX_ARG_ENV;
		e->pos = start + n;
		e->d[(e->pos - 1) & SCRATCH_POS_MASK] = 0;
	}
	return (__u32)n;
}

/* exe + args from a user argv array (a failed execve: the image did not change). */
static __always_inline void evt_exe_args_argv(struct evt *e, const char *const *argv) {
	const char *exe = NULL;
	if (argv) bpf_probe_read_user(&exe, sizeof(exe), &argv[0]);
	evt_str_user(e, exe, MAX_PROC_EXE);                    /* exe */
	evt_len(e, exe ? (__u16)evt_put_strarray_user(e, argv, 1) : 0); /* args */
}

/* Params 4..15: tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size,
 * vm_rss, vm_swap, comm, cgroups. */
static __always_inline void evt_proc_ids_mem(struct evt *e, struct task_struct *t) {
	evt_s64(e, BPF_CORE_READ(t, pid));                     /* tid */
	evt_s64(e, BPF_CORE_READ(t, tgid));                    /* pid */
	evt_s64(e, BPF_CORE_READ(t, real_parent, pid));        /* ptid */
	evt_cwd(e, t);                                         /* cwd */
	evt_u64(e, task_fdlimit(t));                           /* fdlimit */
	evt_u64(e, BPF_CORE_READ(t, maj_flt));                 /* pgft_maj */
	evt_u64(e, BPF_CORE_READ(t, min_flt));                 /* pgft_min */
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	evt_u32(e, mm_vm_size_kb(mm));                         /* vm_size */
	evt_u32(e, mm_vm_rss_kb(mm));                          /* vm_rss */
	evt_u32(e, mm_vm_swap_kb(mm));                         /* vm_swap */
	evt_str_kernel(e, t->comm, TASK_COMM_LEN);             /* comm */
	evt_cgroups(e, t);                                     /* cgroups */
}

#define CAP_DAC_OVERRIDE 1
#define CAP_FOWNER 3
#define MAX_SUPP_GROUPS 32

/* Whether the task could open its executable for writing: a cheap version
 * of the kernel's permission check (as Falco does it). Read-only or
 * immutable files are not writable; the owner counts as writable; else the
 * mode bits of owner, group (fsgid or one of the first MAX_SUPP_GROUPS
 * supplementary groups) or others; else CAP_DAC_OVERRIDE / CAP_FOWNER, taken
 * into account only in the initial user namespace (the uid/gid mapping
 * checks of other namespaces are not done: not writable there). */
static __always_inline bool exe_writable(struct task_struct *t, struct inode *ino) {
	if (!ino) return false;
	umode_t mode = BPF_CORE_READ(ino, i_mode);
	__u32 type = mode & S_IFMT;
	unsigned long sflags = BPF_CORE_READ(ino, i_sb, s_flags);
	if ((sflags & SB_RDONLY) && (type == S_IFREG || type == S_IFDIR || type == S_IFLNK)) return false;
	if (BPF_CORE_READ(ino, i_flags) & S_IMMUTABLE) return false;
	struct cred *cred = (struct cred *)BPF_CORE_READ(t, cred);
	__u32 uid = BPF_CORE_READ(ino, i_uid.val), gid = BPF_CORE_READ(ino, i_gid.val);
	__u32 fsuid = BPF_CORE_READ(cred, fsuid.val), fsgid = BPF_CORE_READ(cred, fsgid.val);
	if (uid == 0xFFFFFFFF || gid == 0xFFFFFFFF) return false;
	if (fsuid == uid) return true;
	bool in_group = fsgid == gid;
	struct group_info *gi = BPF_CORE_READ(cred, group_info);
	int ngroups = gi ? BPF_CORE_READ(gi, ngroups) : 0;
	for (int i = 0; i < MAX_SUPP_GROUPS && !in_group; i++) {
		if (i >= ngroups) break;
		__u32 g = 0;
		bpf_core_read(&g, sizeof(g), &gi->gid[i]);
		in_group = g == gid;
	}
	__u32 bits = in_group ? (mode >> 3) : mode;
	if (bits & 02) return true;
	if (BPF_CORE_READ(cred, user_ns, level) != 0) return false;
	__u64 eff = read_caps(&cred->cap_effective);
	return (eff & (1ULL << CAP_DAC_OVERRIDE)) || (eff & (1ULL << CAP_FOWNER));
}

/* The executable is a memfd: its dentry is its own parent and is named "memfd:...". */
static __always_inline bool exe_from_memfd(struct file *f) {
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	if (!d || BPF_CORE_READ(d, d_parent) != d) return false;
	char name[7] = {};
	bpf_probe_read_kernel(name, 6, BPF_CORE_READ(d, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' &&
	       name[5] == ':';
}

/* execve flags (PPM_EXE_*): WRITABLE and FROM_MEMFD; the overlayfs layer bits
 * are not detected. */
static __always_inline __u32 exe_flags(struct task_struct *t) {
	struct file *f = BPF_CORE_READ(t, mm, exe_file);
	if (!f) return 0;
	__u32 flags = 0;
	if (exe_writable(t, BPF_CORE_READ(f, f_inode))) flags |= PPM_EXE_WRITABLE;
	if (exe_from_memfd(f)) flags |= PPM_EXE_FROM_MEMFD;
	return flags;
}

/* execve/execveat params 16..30 after env: tty, vpgid, loginuid, flags,
 * cap_inheritable, cap_permitted, cap_effective, exe_ino, exe_ino_ctime,
 * exe_ino_mtime, uid, trusted_exepath, pgid, gid (env is written by the caller). */
static __always_inline void evt_exec_tail(struct evt *e, struct task_struct *t) {
	evt_u32(e, task_tty(t));                               /* tty */
	evt_s64(e, task_vgroup(t, PIDTYPE_PGID));              /* vpgid */
	evt_u32(e, task_loginuid(t));                          /* loginuid */
	evt_u32(e, exe_flags(t));                              /* flags */
	struct cred *cred = (struct cred *)BPF_CORE_READ(t, cred);
	evt_u64(e, read_caps(&cred->cap_inheritable));         /* cap_inheritable */
	evt_u64(e, read_caps(&cred->cap_permitted));           /* cap_permitted */
	evt_u64(e, read_caps(&cred->cap_effective));           /* cap_effective */
	struct inode *ino = task_exe_inode(t);
	evt_u64(e, ino ? BPF_CORE_READ(ino, i_ino) : 0);       /* exe_ino */
	evt_u64(e, inode_ctime_ns(ino));                       /* exe_ino_ctime */
	evt_u64(e, inode_mtime_ns(ino));                       /* exe_ino_mtime */
	evt_u32(e, task_euid(t));                              /* uid */
	evt_exe_path(e, t);                                    /* trusted_exepath */
	evt_s64(e, task_group_nr(t, PIDTYPE_PGID));            /* pgid */
	evt_u32(e, task_egid(t));                              /* gid */
}

#endif /* SCAP_BPF_PROC_INFO_H */
