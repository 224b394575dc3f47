/*
 * Paths the kernel keeps as linked nodes: the current working directory
 * (dentries and mounts, as d_path walks them) and cgroup paths (kernfs
 * nodes). bpf_d_path() is not allowed from tracepoint programs, so both are
 * walked by hand:
 *
 *   1. a bpf_loop walks from the node towards the root and records the name
 *      pointer of every component in the scratch temporary area (at most
 *      MAX_PATH_DEPTH components; deeper paths lose their top components);
 *   2. a second bpf_loop writes them root first, each behind a '/', then the
 *      final NUL; no component at all gives "/".
 *
 * Like iov.h, the loop state lives in the scratch map (fresh unknowns to the
 * verifier), so each callback is verified once.
 *
 * The walk takes no locks: a rename or mount change racing with it can give
 * a path mixing old and new names, as with any lockless d_path emulation.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_PATH_H
#define SCAP_BPF_PATH_H

#include "event_builder.h"
#include "extract.h"

#define MAX_PATH_DEPTH 64          /* components recorded (pointer slots in the tmp area) */
#define MAX_PATH_STEPS 96          /* walk steps: components plus mount crossings */
#define MAX_COMPONENT_LEN 256      /* NAME_MAX + NUL */
#define PATH_STATE_OFF (SCRATCH_TMP_OFF - 128)

struct path_walk {
	__u64 node;        /* dentry or kernfs_node being looked at */
	__u64 mnt;         /* struct mount of the dentry (cwd walk) */
	__u64 root_dentry; /* the task's root: the walk stops there (cwd walk) */
	__u64 root_mnt;    /* its vfsmount */
	__u64 n;           /* components recorded */
	__u64 pos;         /* emit: next payload byte */
	__u64 bare;        /* the only component is a detached dentry's name: no leading '/' */
};

static __always_inline struct path_walk *path_state(struct evt *e) {
	return (struct path_walk *)&e->d[PATH_STATE_OFF];
}
static __always_inline __u64 *path_slot(struct evt *e, __u64 k) {
	return (__u64 *)&e->d[SCRATCH_TMP_OFF + ((k * 8) & (MAX_PATH_DEPTH * 8 - 1))];
}

/* struct mount embeds the vfsmount that paths point to. */
static __always_inline struct mount *real_mount(__u64 vfsmnt) {
	return (struct mount *)(vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* Step of the dentry walk (prepend_path): a component, a mount crossing, or the end. */
static long dentry_step(__u64 i, void *arg) {
	struct evt *e = *(struct evt **)arg;
	struct path_walk *w = path_state(e);
	struct dentry *d = (struct dentry *)w->node;
	struct mount *m = (struct mount *)w->mnt;
	__u64 vfsmnt = w->mnt + bpf_core_field_offset(struct mount, mnt);
	if (!d || w->n >= MAX_PATH_DEPTH) return 1;
	if (w->node == w->root_dentry && vfsmnt == w->root_mnt) return 1; /* the task's root */
	struct dentry *mnt_root = BPF_CORE_READ(m, mnt.mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == mnt_root || d == parent) {
		if (d != mnt_root) {
			/* A dentry that is its own parent but no mount root: a pseudo
			 * file (memfd, pipe...) or a detached tree. Alone, its name is
			 * the path, without a '/' (as Falco reports memfd executables). */
			if (w->n == 0) {
				*path_slot(e, 0) = (__u64)BPF_CORE_READ(d, d_name.name);
				w->n = 1;
				w->bare = 1;
			}
			return 1;
		}
		struct mount *up = BPF_CORE_READ(m, mnt_parent);
		if (!up || up == m) return 1;     /* the root of the mount tree */
		w->node = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = (__u64)up;
		return 0;
	}
	*path_slot(e, w->n) = (__u64)BPF_CORE_READ(d, d_name.name);
	w->n += 1;
	w->node = (__u64)parent;
	return 0;
}

/* kernfs_node lost `parent` for `__parent` in 6.15. */
struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline __u64 kernfs_parent(struct kernfs_node *kn) {
	if (bpf_core_field_exists(kn->__parent)) return (__u64)BPF_CORE_READ(kn, __parent);
	return (__u64)BPF_CORE_READ((struct kernfs_node___pre615 *)kn, parent);
}

/* Step of the kernfs walk: the root node (no parent) is "/" and is not recorded. */
static long kernfs_step(__u64 i, void *arg) {
	struct evt *e = *(struct evt **)arg;
	struct path_walk *w = path_state(e);
	struct kernfs_node *kn = (struct kernfs_node *)w->node;
	if (!kn || w->n >= MAX_PATH_DEPTH) return 1;
	__u64 parent = kernfs_parent(kn);
	if (!parent) return 1;
	*path_slot(e, w->n) = (__u64)BPF_CORE_READ(kn, name);
	w->n += 1;
	w->node = parent;
	return 0;
}

/* Emit step i: component n-1-i behind a '/'. */
static long component_emit(__u64 i, void *arg) {
	struct evt *e = *(struct evt **)arg;
	struct path_walk *w = path_state(e);
	__u64 n = w->n;
	if (i >= n) return 1;
	__u64 pos = w->pos;
	if (!(i == 0 && w->bare)) {
		e->d[pos & SCRATCH_POS_MASK] = '/';
		pos += 1;
	}
	const char *name = (const char *)*path_slot(e, n - 1 - i);
	long r = bpf_probe_read_kernel_str(&e->d[pos & SCRATCH_POS_MASK], MAX_COMPONENT_LEN, name);
	if (r > 1) pos += r - 1; /* without its NUL */
	w->pos = pos;
	return 0;
}

/* Writes the recorded components as an absolute path with its NUL (no
 * length slot). Returns the bytes written. */
static __always_inline __u32 evt_put_components(struct evt *e) {
	struct path_walk *w = path_state(e);
	__u64 start = e->pos;
	w->pos = start;
	struct evt *ep = e;
	if (w->n > 0) bpf_loop(MAX_PATH_DEPTH, component_emit, &ep, 0);
	e->pos = w->pos;
	if (e->pos == start) evt_put_u8(e, '/');
	evt_put_u8(e, 0);
	return (__u32)(e->pos - start);
}

/* PT_CHARBUF / PT_FSPATH of a `struct path` (dentry + vfsmount), as d_path
 * gives it relative to the task's root; `pseudo` files get their bare name. */
static __always_inline void evt_path(struct evt *e, struct task_struct *t, struct dentry *dentry,
                                     struct vfsmount *mnt) {
	if (!dentry || !mnt) {
		evt_empty(e);
		return;
	}
	struct path_walk *w = path_state(e);
	w->node = (__u64)dentry;
	w->mnt = (__u64)real_mount((__u64)mnt);
	w->root_dentry = (__u64)BPF_CORE_READ(t, fs, root.dentry);
	w->root_mnt = (__u64)BPF_CORE_READ(t, fs, root.mnt);
	w->n = 0;
	w->bare = 0;
	struct evt *ep = e;
	bpf_loop(MAX_PATH_STEPS, dentry_step, &ep, 0);
	evt_len(e, (__u16)evt_put_components(e));
}

/* PT_CHARBUF cwd: the task's working directory (no trailing '/'). Empty
 * when the task has no fs (exiting). */
static __always_inline void evt_cwd(struct evt *e, struct task_struct *t) {
	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	if (!fs) {
		evt_empty(e);
		return;
	}
	evt_path(e, t, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt));
}

/* PT_FSPATH trusted_exepath: the path of the running executable (mm->exe_file),
 * from the kernel's dentries rather than what the caller passed. */
static __always_inline void evt_exe_path(struct evt *e, struct task_struct *t) {
	struct file *f = BPF_CORE_READ(t, mm, exe_file);
	if (!f) {
		evt_empty(e);
		return;
	}
	evt_path(e, t, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt));
}

/* Appends "name=/path\0" for one cgroup subsystem of the task; nothing when
 * the subsystem has no state for it. */
static __always_inline void put_cgroup(struct evt *e, struct task_struct *t, int id) {
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	if (!cs) return;
	bpf_core_read(&css, sizeof(css), &cs->subsys[id & 15]);
	if (!css) return;
	const char *name = BPF_CORE_READ(css, ss, name);
	__u32 n = evt_put_str(e, name, 32, false);
	if (n == 0) return;
	e->d[(e->pos - 1) & SCRATCH_POS_MASK] = '='; /* over the name's NUL */
	struct path_walk *w = path_state(e);
	w->node = (__u64)BPF_CORE_READ(css, cgroup, kn);
	w->n = 0;
	w->bare = 0;
	struct evt *ep = e;
	bpf_loop(MAX_PATH_DEPTH, kernfs_step, &ep, 0);
	evt_put_components(e);
}

/* PT_BYTEBUF cgroups: "subsys=path\0" for cpuset, cpu, cpuacct, io and memory,
 * those this kernel has, in that order (Falco's list and format); the path
 * is the one in the subsystem's hierarchy (on cgroup v2, the nearest
 * ancestor where the controller is enabled). */
static __always_inline void evt_cgroups(struct evt *e, struct task_struct *t) {
	__u64 start = e->pos;
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id))
		put_cgroup(e, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
		put_cgroup(e, t, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuacct_cgrp_id))
		put_cgroup(e, t, bpf_core_enum_value(enum cgroup_subsys_id, cpuacct_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, io_cgrp_id))
		put_cgroup(e, t, bpf_core_enum_value(enum cgroup_subsys_id, io_cgrp_id));
	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		put_cgroup(e, t, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
	evt_len(e, (__u16)(e->pos - start));
}

#endif /* SCAP_BPF_PATH_H */
