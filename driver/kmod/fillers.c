/*
 * Fillers of the kernel module: one function per event, params in schema
 * order, the same semantics as the eBPF probe's fillers (driver/bpf/syscalls,
 * sched.bpf.c, signal_deliver.bpf.c, enter.bpf.c), which are the reference:
 * a change there is mirrored here. Flag conversions are the probe's own
 * (driver/bpf/flags.h, plain C, included as is).
 *
 * Syscalls without a filler here emit PPME_GENERIC_X (see scap_exit_filler).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include <linux/audit.h>
#include <linux/binfmts.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kernfs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/fcntl.h>
#include <uapi/linux/memfd.h>
#include <linux/mount.h>
#include <uapi/linux/mount.h>
#include <linux/io_uring.h>
#include <uapi/linux/io_uring.h>
#include <uapi/linux/module.h>
#include <linux/ptrace.h>
#include <linux/net.h>
#include <linux/openat2.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/socket.h>
#include <linux/tty.h>
#include <linux/un.h>
#include <net/af_unix.h>
#include <net/sock.h>
#include <asm/syscall.h>

#include "evt.h"
#include "fillers.h"

/* driver/bpf/flags.h is plain C over kernel constants: reuse it (its defs.h,
 * the BPF-side includes, is replaced by the kernel headers above). */
#define SCAP_BPF_DEFS_H
#include "../bpf/flags.h"

#define NR_open 2
#define NR_connect 42
#define NR_creat 85
#define NR_openat 257
#define NR_execve 59
#define NR_execveat 322
#define NR_openat2 437

/* --- syscall arguments and kernel state ------------------------------------ */

static inline unsigned long sc_arg(struct pt_regs *regs, int i) {
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

static inline s64 sc_dirfd(unsigned long v) { return (s64)(s32)v; }

/* The file behind `fd` of the current task, or NULL; valid under RCU (the
 * probes run with preemption disabled, an RCU-sched read side, and take
 * rcu_read_lock around the use). No reference is taken. */
static struct file *fd_file(s64 fd) {
	struct files_struct *files = current->files;
	if (fd < 0 || !files) return NULL;
	return files_lookup_fd_rcu(files, (unsigned int)fd);
}

static void file_dev_ino(struct file *f, u32 *dev, u64 *ino) {
	struct inode *i;
	*dev = 0;
	*ino = 0;
	if (!f) return;
	i = f->f_inode;
	if (!i) return;
	*ino = i->i_ino;
	*dev = encode_dev(i->i_sb->s_dev);
}

static u32 file_created_flag(struct file *f) {
	return (f && (f->f_mode & FMODE_CREATED)) ? PPM_O_F_CREATED : 0;
}

static struct socket *file_socket(struct file *f) {
	if (!f || !f->f_inode || !S_ISSOCK(f->f_inode->i_mode)) return NULL;
	return (struct socket *)f->private_data;
}

/* pid number of `p` as seen at namespace `level` (0: host), or 0. */
static s32 pid_nr_at(struct pid *p, unsigned int level) {
	if (!p || level > p->level) return 0;
	return p->numbers[level].nr;
}
static unsigned int task_ns_level(struct task_struct *t) {
	struct pid *p = task_pid(t);
	return p ? p->level : 0;
}
static struct pid *task_group_pid(struct task_struct *t, enum pid_type type) {
	return t->signal ? t->signal->pids[type] : NULL;
}
static s32 task_vtid(struct task_struct *t) { return pid_nr_at(task_pid(t), task_ns_level(t)); }
static s32 task_vgroup(struct task_struct *t, enum pid_type type) {
	return pid_nr_at(task_group_pid(t, type), task_ns_level(t));
}
static s32 task_group_nr(struct task_struct *t, enum pid_type type) {
	return pid_nr_at(task_group_pid(t, type), 0);
}

#define PAGES_TO_KB(p) ((u64)(p) << (PAGE_SHIFT - 10))
static u32 mm_vm_size_kb(struct mm_struct *mm) { return mm ? (u32)PAGES_TO_KB(mm->total_vm) : 0; }
static u32 mm_vm_rss_kb(struct mm_struct *mm) {
	if (!mm) return 0;
	return (u32)PAGES_TO_KB(get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) +
	                        get_mm_counter(mm, MM_SHMEMPAGES));
}
static u32 mm_vm_swap_kb(struct mm_struct *mm) { return mm ? (u32)PAGES_TO_KB(get_mm_counter(mm, MM_SWAPENTS)) : 0; }

static u32 task_tty(struct task_struct *t) {
	struct tty_struct *tty = t->signal ? t->signal->tty : NULL;
	if (!tty || !tty->driver) return 0;
	return encode_dev(((u32)tty->driver->major << MINORBITS) + (u32)tty->driver->minor_start + (u32)tty->index);
}

static u32 task_loginuid(struct task_struct *t) {
#ifdef CONFIG_AUDIT
	return __kuid_val(t->loginuid);
#else
	return 0xFFFFFFFF;
#endif
}

static u64 read_caps(const kernel_cap_t *c) {
	u64 v = 0;
	memcpy(&v, c, sizeof(v) < sizeof(*c) ? sizeof(v) : sizeof(*c));
	return v;
}

static struct file *task_exe_file(struct task_struct *t) {
	return t->mm ? rcu_dereference(t->mm->exe_file) : NULL;
}

static u64 ts64_ns(s64 sec, s64 nsec) { return (u64)sec * 1000000000ULL + (u64)nsec; }

static u32 clone_pidns_flag(struct task_struct *t) {
	struct pid *p = task_pid(t);
	struct pid_namespace *ns;
	if (!p) return 0;
	if (p->level != 0) return PPM_CL_CHILD_IN_PIDNS;
	ns = p->numbers[0].ns;
	if (t->nsproxy && t->nsproxy->pid_ns_for_children && t->nsproxy->pid_ns_for_children != ns)
		return PPM_CL_CHILD_IN_PIDNS;
	return 0;
}

/* --- paths ----------------------------------------------------------------- */

/* Appends the path of `path` (d_path: relative to the current task's root)
 * with its NUL, without a length slot. As the probe: no " (deleted)" suffix,
 * and a pseudo file (memfd) gives its bare name. Returns the bytes written. */
static u32 evt_put_path(struct evt *e, const struct path *path) {
	char *tmp = (char *)&e->d[SCRATCH_TMP_OFF];
	char *p = d_path(path, tmp, SCRATCH_TMP_SIZE);
	size_t n;
	if (IS_ERR(p)) return evt_put_str_kernel(e, "/", 2);
	n = strlen(p);
	if (n > 10 && strcmp(p + n - 10, " (deleted)") == 0) p[n - 10] = 0;
	if (path->dentry && path->dentry == path->dentry->d_parent && path->mnt &&
	    path->dentry != path->mnt->mnt_root && p[0] == '/')
		p++;
	/* d_path wrote into the tmp area, which is past the event: copy down. */
	return evt_put_str_kernel(e, p, PATH_MAX_LEN);
}

static void evt_cwd(struct evt *e, struct task_struct *t) {
	struct fs_struct *fs = t->fs;
	struct path pwd;
	if (!fs) {
		evt_empty(e);
		return;
	}
	spin_lock(&fs->lock);
	pwd = fs->pwd;
	evt_len(e, (u16)evt_put_path(e, &pwd));
	spin_unlock(&fs->lock);
}

static void evt_exe_path(struct evt *e, struct task_struct *t) {
	struct file *f = task_exe_file(t);
	if (!f) {
		evt_empty(e);
		return;
	}
	evt_len(e, (u16)evt_put_path(e, &f->f_path));
}

static void put_cgroup(struct evt *e, struct task_struct *t, int id) {
	struct cgroup_subsys_state *css;
	char *tmp = (char *)&e->d[SCRATCH_TMP_OFF];
	u32 n;
	int r;
	if (!t->cgroups) return;
	css = t->cgroups->subsys[id];
	if (!css || !css->ss || !css->cgroup) return;
	n = evt_put_str_kernel(e, css->ss->name, 32);
	if (n == 0) return;
	e->d[e->pos - 1] = '=';
	r = kernfs_path(css->cgroup->kn, tmp, SCRATCH_TMP_SIZE);
	if (r < 0) tmp[0] = 0;
	if (tmp[0] == 0) strcpy(tmp, "/");
	evt_put_str_kernel(e, tmp, PATH_MAX_LEN);
}

static void evt_cgroups(struct evt *e, struct task_struct *t) {
	u32 start = e->pos;
#if IS_ENABLED(CONFIG_CPUSETS)
	put_cgroup(e, t, cpuset_cgrp_id);
#endif
#if IS_ENABLED(CONFIG_CGROUP_SCHED)
	put_cgroup(e, t, cpu_cgrp_id);
#endif
#if IS_ENABLED(CONFIG_CGROUP_CPUACCT)
	put_cgroup(e, t, cpuacct_cgrp_id);
#endif
#if IS_ENABLED(CONFIG_BLK_CGROUP)
	put_cgroup(e, t, io_cgrp_id);
#endif
#if IS_ENABLED(CONFIG_MEMCG)
	put_cgroup(e, t, memory_cgrp_id);
#endif
	evt_len(e, (u16)(e->pos - start));
}

/* --- process params (driver/bpf/proc_info.h) -------------------------------- */

static void evt_exe_args_mm(struct evt *e, struct task_struct *t) {
	struct mm_struct *mm = t->mm;
	unsigned long start = mm ? mm->arg_start : 0, end = mm ? mm->arg_end : 0;
	u32 exe_len = evt_str_user(e, (const void *)start, MAX_PROC_EXE);
	if (exe_len == 0 || end <= start + exe_len) {
		evt_empty(e);
		return;
	}
	evt_strlist_user(e, (const void *)(start + exe_len), end - start - exe_len, MAX_ARG_ENV);
}

static void evt_env_mm(struct evt *e, struct task_struct *t) {
	struct mm_struct *mm = t->mm;
	unsigned long start = mm ? mm->env_start : 0, end = mm ? mm->env_end : 0;
	if (start == 0 || end <= start) {
		evt_empty(e);
		return;
	}
	evt_strlist_user(e, (const void *)start, end - start, MAX_ARG_ENV);
}

static u32 evt_put_strarray_user(struct evt *e, const char __user *const __user *argv, int first) {
	u32 start = e->pos, n;
	int i;
	for (i = first; i < MAX_ARGV; i++) {
		const char __user *p = NULL;
		if (copy_from_user_nofault(&p, &argv[i], sizeof(p)) || !p) break;
		if (e->pos - start >= MAX_ARG_ENV) break;
		evt_put_str_user(e, p, MAX_ARG_ENV);
	}
	n = e->pos - start;
	if (n > MAX_ARG_ENV) {
		n = MAX_ARG_ENV;
		e->pos = start + n;
		e->d[e->pos - 1] = 0;
	}
	return n;
}

static void evt_exe_args_argv(struct evt *e, const char __user *const __user *argv) {
	const char __user *exe = NULL;
	if (argv && copy_from_user_nofault(&exe, &argv[0], sizeof(exe))) exe = NULL;
	evt_str_user(e, exe, MAX_PROC_EXE);
	evt_len(e, exe ? (u16)evt_put_strarray_user(e, argv, 1) : 0);
}

static void evt_proc_ids_mem(struct evt *e, struct task_struct *t) {
	struct task_struct *parent = rcu_dereference(t->real_parent);
	evt_s64(e, t->pid);                                       /* tid */
	evt_s64(e, t->tgid);                                      /* pid */
	evt_s64(e, parent ? parent->pid : 0);                     /* ptid */
	evt_cwd(e, t);                                            /* cwd */
	evt_u64(e, t->signal ? READ_ONCE(t->signal->rlim[RLIMIT_NOFILE].rlim_cur) : 0); /* fdlimit */
	evt_u64(e, t->maj_flt);                                   /* pgft_maj */
	evt_u64(e, t->min_flt);                                   /* pgft_min */
	evt_u32(e, mm_vm_size_kb(t->mm));                         /* vm_size */
	evt_u32(e, mm_vm_rss_kb(t->mm));                          /* vm_rss */
	evt_u32(e, mm_vm_swap_kb(t->mm));                         /* vm_swap */
	evt_str_kernel(e, t->comm, TASK_COMM_LEN);                /* comm */
	evt_cgroups(e, t);                                        /* cgroups */
}

static u32 scap_task_euid(struct task_struct *t) { return __kuid_val(rcu_dereference(t->cred)->euid); }
static u32 scap_task_egid(struct task_struct *t) { return __kgid_val(rcu_dereference(t->cred)->egid); }

static bool exe_writable(struct task_struct *t, struct inode *ino) {
	const struct cred *cred = rcu_dereference(t->cred);
	umode_t mode;
	u32 type, uid, gid, fsuid, fsgid, bits;
	bool in_group;
	u64 eff;
	int i;
	if (!ino) return false;
	mode = ino->i_mode;
	type = mode & S_IFMT;
	if ((ino->i_sb->s_flags & SB_RDONLY) && (type == S_IFREG || type == S_IFDIR || type == S_IFLNK)) return false;
	if (ino->i_flags & S_IMMUTABLE) return false;
	uid = __kuid_val(ino->i_uid);
	gid = __kgid_val(ino->i_gid);
	fsuid = __kuid_val(cred->fsuid);
	fsgid = __kgid_val(cred->fsgid);
	if (uid == 0xFFFFFFFF || gid == 0xFFFFFFFF) return false;
	if (fsuid == uid) return true;
	in_group = fsgid == gid;
	for (i = 0; cred->group_info && i < 32 && i < cred->group_info->ngroups && !in_group; i++)
		in_group = __kgid_val(cred->group_info->gid[i]) == gid;
	bits = in_group ? (mode >> 3) : mode;
	if (bits & 02) return true;
	if (cred->user_ns && cred->user_ns->level != 0) return false;
	eff = read_caps(&cred->cap_effective);
	return (eff & (1ULL << CAP_DAC_OVERRIDE)) || (eff & (1ULL << CAP_FOWNER));
}

static bool exe_from_memfd(struct file *f) {
	struct dentry *d = f->f_path.dentry;
	if (!d || d->d_parent != d) return false;
	return strncmp((const char *)d->d_name.name, "memfd:", 6) == 0;
}

static u32 exe_flags(struct task_struct *t) {
	struct file *f = task_exe_file(t);
	u32 flags = 0;
	if (!f) return 0;
	if (exe_writable(t, f->f_inode)) flags |= PPM_EXE_WRITABLE;
	if (exe_from_memfd(f)) flags |= PPM_EXE_FROM_MEMFD;
	return flags;
}

static void evt_exec_tail(struct evt *e, struct task_struct *t) {
	const struct cred *cred = rcu_dereference(t->cred);
	struct file *f = task_exe_file(t);
	struct inode *ino = f ? f->f_inode : NULL;
	evt_u32(e, task_tty(t));                                  /* tty */
	evt_s64(e, task_vgroup(t, PIDTYPE_PGID));                 /* vpgid */
	evt_u32(e, task_loginuid(t));                             /* loginuid */
	evt_u32(e, exe_flags(t));                                 /* flags */
	evt_u64(e, read_caps(&cred->cap_inheritable));            /* cap_inheritable */
	evt_u64(e, read_caps(&cred->cap_permitted));              /* cap_permitted */
	evt_u64(e, read_caps(&cred->cap_effective));              /* cap_effective */
	evt_u64(e, ino ? ino->i_ino : 0);                         /* exe_ino */
	evt_u64(e, ino ? ts64_ns(ino->i_ctime.tv_sec, ino->i_ctime.tv_nsec) : 0); /* exe_ino_ctime */
	evt_u64(e, ino ? ts64_ns(ino->i_mtime.tv_sec, ino->i_mtime.tv_nsec) : 0); /* exe_ino_mtime */
	evt_u32(e, scap_task_euid(t));                                 /* uid */
	evt_exe_path(e, t);                                       /* trusted_exepath */
	evt_s64(e, task_group_nr(t, PIDTYPE_PGID));               /* pgid */
	evt_u32(e, scap_task_egid(t));                                 /* gid */
}

/* --- network params (driver/bpf/net.h) --------------------------------------- */

#define SOCKADDR_MAX 112
#define UNIX_PATH_MAX_LEN 108

enum tuple_dir { TUPLE_OUTBOUND = 0, TUPLE_INBOUND = 1 };

static u8 *sockaddr_fetch(struct evt *e, const void *uaddr, u64 addrlen) {
	u8 *tmp = &e->d[SCRATCH_TMP_OFF];
	if (!uaddr || addrlen < 2) return NULL;
	if (addrlen > SOCKADDR_MAX) addrlen = SOCKADDR_MAX;
	memset(tmp, 0, SOCKADDR_MAX + 8);
	if (copy_from_user_nofault(tmp, (const void __user *)uaddr, addrlen)) {
		evt_fault(e);
		return NULL;
	}
	return tmp;
}

static void evt_sockaddr_user(struct evt *e, const void *uaddr, u64 addrlen) {
	u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
	u16 family;
	u32 start;
	if (!sa) {
		evt_empty(e);
		return;
	}
	family = *(u16 *)&sa[0];
	start = e->pos;
	switch (family) {
	case AF_INET:
		evt_put_u8(e, PPM_AF_INET);
		evt_put_u32(e, *(u32 *)&sa[4]);
		evt_put_u16(e, ntohs16(*(u16 *)&sa[2]));
		break;
	case AF_INET6:
		evt_put_u8(e, PPM_AF_INET6);
		evt_put_raw(e, &sa[8], 16);
		evt_put_u16(e, ntohs16(*(u16 *)&sa[2]));
		break;
	case AF_UNIX: {
		u32 off = sa[2] == 0 ? 3 : 2;
		char path[UNIX_PATH_MAX_LEN + 1];
		memcpy(path, &sa[off], UNIX_PATH_MAX_LEN);
		path[UNIX_PATH_MAX_LEN] = 0;
		evt_put_u8(e, PPM_AF_UNIX);
		evt_put_str_kernel(e, path, UNIX_PATH_MAX_LEN);
		break;
	}
	default:
		break;
	}
	evt_len(e, (u16)(e->pos - start));
}

static void evt_socktuple(struct evt *e, s64 fd, enum tuple_dir dir, const void *uaddr, u64 addrlen) {
	struct socket *sock = file_socket(fd_file(fd));
	struct sock *sk = sock ? sock->sk : NULL;
	u32 start;
	if (!sk) {
		evt_empty(e);
		return;
	}
	start = e->pos;
	switch (sk->sk_family) {
	case AF_INET: {
		u32 lip = sk->sk_rcv_saddr, rip = sk->sk_daddr;
		u16 lport = sk->sk_num, rport = ntohs16(sk->sk_dport);
		if (rport == 0 && uaddr) {
			u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
			if (sa && *(u16 *)&sa[0] == AF_INET) {
				rip = *(u32 *)&sa[4];
				rport = ntohs16(*(u16 *)&sa[2]);
			}
		}
		evt_put_u8(e, PPM_AF_INET);
		if (dir == TUPLE_OUTBOUND) {
			evt_put_u32(e, lip);
			evt_put_u16(e, lport);
			evt_put_u32(e, rip);
			evt_put_u16(e, rport);
		} else {
			evt_put_u32(e, rip);
			evt_put_u16(e, rport);
			evt_put_u32(e, lip);
			evt_put_u16(e, lport);
		}
		break;
	}
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6: {
		u8 lip[16], rip[16];
		u16 lport = sk->sk_num, rport = ntohs16(sk->sk_dport);
		memcpy(lip, &sk->sk_v6_rcv_saddr, 16);
		memcpy(rip, &sk->sk_v6_daddr, 16);
		if (rport == 0 && uaddr) {
			u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
			if (sa && *(u16 *)&sa[0] == AF_INET6) {
				memcpy(rip, &sa[8], 16);
				rport = ntohs16(*(u16 *)&sa[2]);
			}
		}
		evt_put_u8(e, PPM_AF_INET6);
		if (dir == TUPLE_OUTBOUND) {
			evt_put_raw(e, lip, 16);
			evt_put_u16(e, lport);
			evt_put_raw(e, rip, 16);
			evt_put_u16(e, rport);
		} else {
			evt_put_raw(e, rip, 16);
			evt_put_u16(e, rport);
			evt_put_raw(e, lip, 16);
			evt_put_u16(e, lport);
		}
		break;
	}
#endif
	case AF_UNIX: {
		struct unix_sock *us = unix_sk(sk);
		struct sock *peer = us->peer;
		const char *path = NULL;
		char upath[UNIX_PATH_MAX_LEN + 1];
		evt_put_u8(e, PPM_AF_UNIX);
		if (dir == TUPLE_OUTBOUND) {
			evt_put_u64(e, (u64)(unsigned long)peer);
			evt_put_u64(e, (u64)(unsigned long)sk);
			if (peer) {
				struct unix_address *ua = READ_ONCE(unix_sk(peer)->addr);
				if (ua) path = ua->name[0].sun_path;
			} else if (uaddr) {
				u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
				if (sa) path = (const char *)&sa[2];
			}
		} else {
			struct unix_address *ua = READ_ONCE(us->addr);
			evt_put_u64(e, (u64)(unsigned long)sk);
			evt_put_u64(e, (u64)(unsigned long)peer);
			if (ua) path = ua->name[0].sun_path;
		}
		if (path && path[0] == 0) path++;
		if (path) {
			memcpy(upath, path, UNIX_PATH_MAX_LEN);
			upath[UNIX_PATH_MAX_LEN] = 0;
		}
		if (!path || evt_put_str_kernel(e, upath, UNIX_PATH_MAX_LEN) == 0) evt_put_u8(e, 0);
		break;
	}
	default:
		break;
	}
	evt_len(e, (u16)(e->pos - start));
}

/* --- exit fillers ------------------------------------------------------------ */

static void fill_open_x(struct evt *e, struct pt_regs *regs, long ret) {
	struct file *f = fd_file(ret);
	u32 dev, flags = (u32)sc_arg(regs, 1);
	u64 ino;
	file_dev_ino(f, &dev, &ino);
	evt_s64(e, ret);
	evt_str_user(e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);
	evt_u32(e, open_flags_to_scap(flags) | file_created_flag(f));
	evt_u32(e, open_mode_to_scap(flags, (u32)sc_arg(regs, 2)));
	evt_u32(e, dev);
	evt_u64(e, ino);
}

static void fill_openat_x(struct evt *e, struct pt_regs *regs, long ret) {
	struct file *f = fd_file(ret);
	u32 dev, flags = (u32)sc_arg(regs, 2);
	u64 ino;
	file_dev_ino(f, &dev, &ino);
	evt_s64(e, ret);
	evt_s64(e, sc_dirfd(sc_arg(regs, 0)));
	evt_str_user(e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);
	evt_u32(e, open_flags_to_scap(flags) | file_created_flag(f));
	evt_u32(e, open_mode_to_scap(flags, (u32)sc_arg(regs, 3)));
	evt_u32(e, dev);
	evt_u64(e, ino);
}

static void fill_openat2_x(struct evt *e, struct pt_regs *regs, long ret) {
	struct file *f = fd_file(ret);
	struct open_how how = {};
	u32 dev;
	u64 ino;
	file_dev_ino(f, &dev, &ino);
	if (copy_from_user_nofault(&how, (const void __user *)sc_arg(regs, 2), sizeof(how))) {
		evt_fault(e);
		memset(&how, 0, sizeof(how));
	}
	evt_s64(e, ret);
	evt_s64(e, sc_dirfd(sc_arg(regs, 0)));
	evt_str_user(e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);
	evt_u32(e, open_flags_to_scap((u32)how.flags) | file_created_flag(f));
	evt_u32(e, open_mode_to_scap((u32)how.flags, (u32)how.mode));
	evt_u32(e, openat2_resolve_to_scap(how.resolve));
	evt_u32(e, dev);
	evt_u64(e, ino);
}

static void fill_creat_x(struct evt *e, struct pt_regs *regs, long ret) {
	u32 dev;
	u64 ino;
	file_dev_ino(fd_file(ret), &dev, &ino);
	evt_s64(e, ret);
	evt_str_user(e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);
	evt_u32(e, open_mode_to_scap(O_CREAT, (u32)sc_arg(regs, 1)));
	evt_u32(e, dev);
	evt_u64(e, ino);
	evt_u16(e, 0);
}

static void fill_close_x(struct evt *e, struct pt_regs *regs, long ret) {
	evt_s64(e, ret);
	evt_s64(e, (s32)sc_arg(regs, 0));
}

static void fill_rw(struct evt *e, struct pt_regs *regs, long ret, bool positional) {
	evt_s64(e, ret);
	evt_data_user(e, (const void *)sc_arg(regs, 1), ret > 0 ? (u64)ret : 0);
	evt_s64(e, (s32)sc_arg(regs, 0));
	evt_u32(e, (u32)sc_arg(regs, 2));
	if (positional) evt_u64(e, sc_arg(regs, 3));
}

static void fill_socket_x(struct evt *e, struct pt_regs *regs, long ret) {
	u32 type = (u32)sc_arg(regs, 1);
	evt_s64(e, ret);
	evt_u32(e, socket_family_to_scap((u32)sc_arg(regs, 0)));
	evt_u32(e, type);
	evt_u32(e, (u32)sc_arg(regs, 2));
	evt_u32(e, socket_flags_to_scap(type));
}

static void fill_bind_x(struct evt *e, struct pt_regs *regs, long ret) {
	evt_s64(e, ret);
	evt_sockaddr_user(e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));
	evt_s64(e, (s32)sc_arg(regs, 0));
}

static void fill_connect_x(struct evt *e, struct pt_regs *regs, long ret) {
	s64 fd = (s32)sc_arg(regs, 0);
	const void *uaddr = (const void *)sc_arg(regs, 1);
	u64 addrlen = sc_arg(regs, 2);
	evt_s64(e, ret);
	if (ret == 0 || ret == -EINPROGRESS)
		evt_socktuple(e, fd, TUPLE_OUTBOUND, uaddr, addrlen);
	else
		evt_empty(e);
	evt_s64(e, fd);
	evt_sockaddr_user(e, uaddr, addrlen);
}

static void fill_listen_x(struct evt *e, struct pt_regs *regs, long ret) {
	evt_s64(e, ret);
	evt_s64(e, (s32)sc_arg(regs, 0));
	evt_u32(e, (u32)sc_arg(regs, 1));
}

static void fill_accept(struct evt *e, struct pt_regs *regs, long ret) {
	u32 qlen = 0, qmax = 0;
	u8 qpct = 0;
	evt_s64(e, ret);
	if (ret >= 0) {
		struct socket *ls;
		evt_socktuple(e, ret, TUPLE_INBOUND, NULL, 0);
		ls = file_socket(fd_file((s32)sc_arg(regs, 0)));
		if (ls && ls->sk) {
			qlen = READ_ONCE(ls->sk->sk_ack_backlog);
			qmax = READ_ONCE(ls->sk->sk_max_ack_backlog);
			if (qmax) qpct = (u8)((u64)qlen * 100 / qmax);
		}
	} else {
		evt_empty(e);
	}
	evt_u8(e, qpct);
	evt_u32(e, qlen);
	evt_u32(e, qmax);
}

static void fill_shutdown_x(struct evt *e, struct pt_regs *regs, long ret) {
	evt_s64(e, ret);
	evt_s64(e, (s32)sc_arg(regs, 0));
	evt_u8(e, shutdown_how_to_scap((u32)sc_arg(regs, 1)));
}

static void fill_kill_x(struct evt *e, struct pt_regs *regs, long ret, int nids) {
	evt_s64(e, ret);
	evt_s64(e, (s32)sc_arg(regs, 0));
	if (nids == 2) evt_s64(e, (s32)sc_arg(regs, 1));
	evt_u8(e, (u8)sc_arg(regs, nids));
}

static void fill_clone(struct evt *e, long ret, u64 kflags) {
	struct task_struct *t = current;
	u64 ns_start = 0;
	evt_s64(e, ret);
	if (ret >= 0) {
		evt_exe_args_mm(e, t);
	} else {
		evt_empty(e);
		evt_empty(e);
	}
	evt_proc_ids_mem(e, t);
	evt_u32(e, clone_flags_to_scap(kflags) | clone_pidns_flag(t));
	evt_u32(e, scap_task_euid(t));
	evt_u32(e, scap_task_egid(t));
	evt_s64(e, task_vtid(t));
	evt_s64(e, task_vgroup(t, PIDTYPE_TGID));
	if (ret == 0) {
		struct pid *p = task_pid(t);
		struct pid_namespace *ns = p ? p->numbers[p->level].ns : NULL;
		if (ns && ns->child_reaper) ns_start = ns->child_reaper->start_time;
	}
	evt_u64(e, ns_start);
}

static void fill_exec_failure(struct evt *e, struct pt_regs *regs, long ret, int argv_idx, int filename_idx) {
	struct task_struct *t = current;
	const char __user *const __user *envp = (const void __user *)sc_arg(regs, argv_idx + 1);
	evt_s64(e, ret);
	evt_exe_args_argv(e, (const void __user *)sc_arg(regs, argv_idx));
	evt_proc_ids_mem(e, t);
	evt_len(e, envp ? (u16)evt_put_strarray_user(e, envp, 0) : 0);
	evt_exec_tail(e, t);
	if (filename_idx >= 0) evt_str_user(e, (const void *)sc_arg(regs, filename_idx), PATH_MAX_LEN);
}

/* mmap, munmap, mprotect (driver/bpf/syscalls/mem.bpf.c) */
static void evt_vm_stats(struct evt *e) {
	struct mm_struct *mm = current->mm;
	evt_u32(e, mm_vm_size_kb(mm));
	evt_u32(e, mm_vm_rss_kb(mm));
	evt_u32(e, mm_vm_swap_kb(mm));
}

static void fill_mmap_x(struct evt *e, struct pt_regs *regs, long ret) {
	evt_s64(e, ret);
	evt_vm_stats(e);
	evt_u64(e, sc_arg(regs, 0));
	evt_u64(e, sc_arg(regs, 1));
	evt_u32(e, prot_flags_to_scap((u32)sc_arg(regs, 2)));
	evt_u32(e, mmap_flags_to_scap((u32)sc_arg(regs, 3)));
	evt_s64(e, (s32)sc_arg(regs, 4));
	evt_u64(e, sc_arg(regs, 5));
}

static void fill_munmap_x(struct evt *e, struct pt_regs *regs, long ret) {
	evt_s64(e, ret);
	evt_vm_stats(e);
	evt_u64(e, sc_arg(regs, 0));
	evt_u64(e, sc_arg(regs, 1));
}

static void fill_mprotect_x(struct evt *e, struct pt_regs *regs, long ret) {
	evt_s64(e, ret);
	evt_u64(e, sc_arg(regs, 0));
	evt_u64(e, sc_arg(regs, 1));
	evt_u32(e, prot_flags_to_scap((u32)sc_arg(regs, 2)));
}

/* dup family, pipe family, fcntl, ioctl, memfd_create, userfaultfd,
 * io_uring_setup (driver/bpf/syscalls/fd.bpf.c) */
static void fill_dup23(struct evt *e, struct pt_regs *regs, long ret, bool with_flags) {
	evt_s64(e, (s32)ret);
	evt_s64(e, (s32)sc_arg(regs, 0));
	evt_s64(e, (s32)sc_arg(regs, 1));
	if (with_flags) evt_u32(e, dup3_flags_to_scap((u32)sc_arg(regs, 2)));
}

static void fill_pipe(struct evt *e, struct pt_regs *regs, long ret, bool with_flags) {
	s32 fds[2] = {-1, -1};
	u32 dev = 0;
	u64 ino = 0;
	if (ret == 0) {
		if (copy_from_user_nofault(fds, (const void __user *)sc_arg(regs, 0), sizeof(fds))) {
			evt_fault(e);
			fds[0] = fds[1] = -1;
		}
		file_dev_ino(fd_file(fds[0]), &dev, &ino);
	}
	evt_s64(e, ret);
	evt_s64(e, fds[0]);
	evt_s64(e, fds[1]);
	evt_u64(e, ino);
	if (with_flags) evt_u32(e, pipe2_flags_to_scap((u32)sc_arg(regs, 1)));
}

struct scap_io_uring_params {
	u32 sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features;
};

static void fill_io_uring_setup_x(struct evt *e, struct pt_regs *regs, long ret) {
	struct scap_io_uring_params p = {};
	if (copy_from_user_nofault(&p, (const void __user *)sc_arg(regs, 1), sizeof(p))) {
		evt_fault(e);
		memset(&p, 0, sizeof(p));
	}
	evt_s64(e, ret);
	evt_u32(e, (u32)sc_arg(regs, 0));
	evt_u32(e, p.sq_entries);
	evt_u32(e, p.cq_entries);
	evt_u32(e, io_uring_setup_flags_to_scap(p.flags));
	evt_u32(e, p.sq_thread_cpu);
	evt_u32(e, p.sq_thread_idle);
	evt_u32(e, io_uring_feats_to_scap(p.features));
}

/* The fs-change family (driver/bpf/syscalls/fs.bpf.c) */
#define ARG_STR(e, regs, i) evt_str_user(e, (const void *)sc_arg(regs, i), PATH_MAX_LEN)

static void fill_at2(struct evt *e, struct pt_regs *regs, long ret, int flags_kind) {
	u32 f = (u32)sc_arg(regs, 4);
	evt_s64(e, ret);
	evt_s64(e, sc_dirfd(sc_arg(regs, 0)));
	ARG_STR(e, regs, 1);
	evt_s64(e, sc_dirfd(sc_arg(regs, 2)));
	ARG_STR(e, regs, 3);
	if (flags_kind == 1) evt_u32(e, renameat2_flags_to_scap(f));
	if (flags_kind == 2) evt_u32(e, linkat_flags_to_scap(f));
}

/* Returns false when `type` is not of this family. */
static bool fill_fs(struct evt *e, u16 type, struct pt_regs *regs, long ret) {
	switch (type) {
	case PPME_SYSCALL_CHMOD_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		evt_u32(e, chmod_mode_to_scap((u32)sc_arg(regs, 1)));
		return true;
	case PPME_SYSCALL_FCHMOD_X:
		evt_s64(e, ret);
		evt_s64(e, (s32)sc_arg(regs, 0));
		evt_u32(e, chmod_mode_to_scap((u32)sc_arg(regs, 1)));
		return true;
	case PPME_SYSCALL_FCHMODAT_X:
		evt_s64(e, ret);
		evt_s64(e, sc_dirfd(sc_arg(regs, 0)));
		ARG_STR(e, regs, 1);
		evt_u32(e, chmod_mode_to_scap((u32)sc_arg(regs, 2)));
		return true;
	case PPME_SYSCALL_RENAME_X:
	case PPME_SYSCALL_LINK_2_X:
	case PPME_SYSCALL_SYMLINK_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		ARG_STR(e, regs, 1);
		return true;
	case PPME_SYSCALL_RENAMEAT_X: fill_at2(e, regs, ret, 0); return true;
	case PPME_SYSCALL_RENAMEAT2_X: fill_at2(e, regs, ret, 1); return true;
	case PPME_SYSCALL_LINKAT_2_X: fill_at2(e, regs, ret, 2); return true;
	case PPME_SYSCALL_UNLINK_2_X:
	case PPME_SYSCALL_CHDIR_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		return true;
	case PPME_SYSCALL_UNLINKAT_2_X:
		evt_s64(e, ret);
		evt_s64(e, sc_dirfd(sc_arg(regs, 0)));
		ARG_STR(e, regs, 1);
		evt_u32(e, unlinkat_flags_to_scap((u32)sc_arg(regs, 2)));
		return true;
	case PPME_SYSCALL_MKDIR_2_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		evt_u32(e, (u32)sc_arg(regs, 1));
		return true;
	case PPME_SYSCALL_MKDIRAT_X:
		evt_s64(e, ret);
		evt_s64(e, sc_dirfd(sc_arg(regs, 0)));
		ARG_STR(e, regs, 1);
		evt_u32(e, (u32)sc_arg(regs, 2));
		return true;
	case PPME_SYSCALL_SYMLINKAT_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		evt_s64(e, sc_dirfd(sc_arg(regs, 1)));
		ARG_STR(e, regs, 2);
		return true;
	case PPME_SYSCALL_FCHDIR_X:
		evt_s64(e, ret);
		evt_s64(e, (s32)sc_arg(regs, 0));
		return true;
	}
	return false;
}

/* Vectored I/O (driver/bpf/syscalls/rwv.bpf.c, iov.h): the iovec array is
 * read into the tmp area (at most MAX_IOVCNT entries). */
#define MAX_IOVCNT 256
#define IOV_SIZE 16

static u32 iov_fetch(struct evt *e, const void *uiov, u64 cnt) {
	if (!uiov || cnt == 0) return 0;
	if (cnt > MAX_IOVCNT) cnt = MAX_IOVCNT;
	if (copy_from_user_nofault(&e->d[SCRATCH_TMP_OFF], (const void __user *)uiov, cnt * IOV_SIZE)) {
		evt_fault(e);
		return 0;
	}
	return (u32)cnt;
}
static u64 iov_base(struct evt *e, u32 i) { return *(u64 *)&e->d[SCRATCH_TMP_OFF + i * IOV_SIZE]; }
static u64 iov_len(struct evt *e, u32 i) { return *(u64 *)&e->d[SCRATCH_TMP_OFF + i * IOV_SIZE + 8]; }
static u64 iov_total(struct evt *e, u32 cnt) {
	u64 total = 0;
	u32 i;
	for (i = 0; i < cnt; i++) total += iov_len(e, i);
	return total;
}

/* The data of the first `limit` bytes (and at most snaplen) of the iovecs;
 * a fault ends it (what was read stays). */
static void evt_iov_data(struct evt *e, u32 cnt, u64 limit) {
	u32 start = e->pos, i;
	if (limit > e->snaplen) limit = e->snaplen;
	for (i = 0; i < cnt && limit > 0; i++) {
		u64 len = iov_len(e, i);
		if (len > limit) len = limit;
		if (len == 0) continue;
		if (len > 0xFFFF) len = 0xFFFF;
		if (!evt_room(e, len)) break;
		if (copy_from_user_nofault(evt_cur(e), (const void __user *)iov_base(e, i), len)) {
			evt_fault(e);
			break;
		}
		e->pos += len;
		limit -= len;
	}
	evt_len(e, (u16)(e->pos - start));
}

static void fill_readv(struct evt *e, struct pt_regs *regs, long ret, bool positional) {
	evt_s64(e, ret);
	if (ret > 0) {
		u32 cnt;
		evt_u32(e, (u32)ret);
		cnt = iov_fetch(e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));
		evt_iov_data(e, cnt, (u64)ret);
	} else {
		evt_u32(e, 0);
		evt_empty(e);
	}
	evt_s64(e, (s32)sc_arg(regs, 0));
	if (positional) evt_u64(e, sc_arg(regs, 3));
}

static void fill_writev(struct evt *e, struct pt_regs *regs, long ret, bool positional) {
	u32 cnt = iov_fetch(e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));
	evt_s64(e, ret);
	evt_iov_data(e, cnt, ret > 0 ? (u64)ret : (u64)-1);
	evt_s64(e, (s32)sc_arg(regs, 0));
	evt_u32(e, (u32)iov_total(e, cnt));
	if (positional) evt_u64(e, sc_arg(regs, 3));
}

/* sendmsg/recvmsg (driver/bpf/syscalls/sockio.bpf.c): the user msghdr, read at exit. */
struct scap_msghdr {
	u64 msg_name;
	u32 msg_namelen;
	u32 pad0;
	u64 msg_iov;
	u64 msg_iovlen;
	u64 msg_control;
	u64 msg_controllen;
	u32 msg_flags;
	u32 pad1;
};

static bool msghdr_fetch(struct evt *e, const void *p, struct scap_msghdr *m) {
	memset(m, 0, sizeof(*m));
	if (!p || copy_from_user_nofault(m, (const void __user *)p, sizeof(*m))) {
		if (p) evt_fault(e);
		memset(m, 0, sizeof(*m));
		return false;
	}
	return true;
}

static void fill_sendmsg(struct evt *e, struct pt_regs *regs, long ret) {
	s64 fd = (s32)sc_arg(regs, 0);
	struct scap_msghdr m;
	bool have = msghdr_fetch(e, (const void *)sc_arg(regs, 1), &m);
	u32 cnt;
	evt_s64(e, ret);
	if (!have) {
		evt_empty(e);
		evt_s64(e, fd);
		evt_empty(e);
		evt_empty(e);
		return;
	}
	cnt = iov_fetch(e, (const void *)m.msg_iov, m.msg_iovlen);
	evt_iov_data(e, cnt, ret > 0 ? (u64)ret : (u64)-1);
	evt_s64(e, fd);
	evt_u32(e, (u32)iov_total(e, cnt));
	if (ret >= 0)
		evt_socktuple(e, fd, TUPLE_OUTBOUND, (const void *)m.msg_name, m.msg_namelen);
	else
		evt_empty(e);
}

static void fill_recvmsg(struct evt *e, struct pt_regs *regs, long ret) {
	s64 fd = (s32)sc_arg(regs, 0);
	struct scap_msghdr m;
	evt_s64(e, ret);
	if (ret >= 0 && msghdr_fetch(e, (const void *)sc_arg(regs, 1), &m)) {
		u32 cnt;
		u64 clen = m.msg_controllen;
		evt_u32(e, (u32)ret);
		cnt = iov_fetch(e, (const void *)m.msg_iov, m.msg_iovlen);
		evt_iov_data(e, cnt, (u64)ret);
		evt_socktuple(e, fd, TUPLE_INBOUND, (const void *)m.msg_name, m.msg_namelen);
		if (m.msg_control && clen > 0 && clen <= 0xFFFF)
			evt_len(e, (u16)evt_put_bytes_user(e, (const void *)m.msg_control, clen));
		else
			evt_empty(e);
	} else {
		evt_u32(e, 0);
		evt_empty(e);
		evt_empty(e);
		evt_empty(e);
	}
	evt_s64(e, fd);
}

/* ptrace and prctl (driver/bpf/syscalls/ptrace.bpf.c): ptrace's addr and
 * data are PT_DYN (u8 index: 0 u64, 1 signal). */
static void evt_dyn_u64(struct evt *e, u64 v) {
	evt_put_u8(e, 0);
	evt_put_u64(e, v);
	evt_len(e, 9);
}

static void fill_ptrace(struct evt *e, struct pt_regs *regs, long ret) {
	u16 req = ptrace_request_to_scap(sc_arg(regs, 0));
	u64 addr = sc_arg(regs, 2), data = sc_arg(regs, 3);
	evt_s64(e, ret);
	if (ret < 0) {
		evt_dyn_u64(e, 0);
		evt_dyn_u64(e, 0);
	} else {
		evt_dyn_u64(e, addr);
		switch (req) {
		case PPM_PTRACE_PEEKTEXT:
		case PPM_PTRACE_PEEKDATA:
		case PPM_PTRACE_PEEKUSR: {
			u64 word = 0;
			if (copy_from_user_nofault(&word, (const void __user *)data, sizeof(word))) {
				evt_fault(e);
				word = 0;
			}
			evt_dyn_u64(e, word);
			break;
		}
		case PPM_PTRACE_CONT:
		case PPM_PTRACE_SINGLESTEP:
		case PPM_PTRACE_DETACH:
		case PPM_PTRACE_SYSCALL:
			evt_put_u8(e, 1);
			evt_put_u8(e, (u8)data);
			evt_len(e, 2);
			break;
		default:
			evt_dyn_u64(e, data);
			break;
		}
	}
	evt_u16(e, req);
	evt_s64(e, (s32)sc_arg(regs, 1));
}

static void fill_prctl(struct evt *e, struct pt_regs *regs, long ret) {
	u32 option = (u32)sc_arg(regs, 0);
	unsigned long arg2 = sc_arg(regs, 1);
	evt_s64(e, ret);
	evt_u32(e, option);
	switch (option) {
	case PPM_PR_SET_NAME:
	case PPM_PR_GET_NAME:
		evt_str_user(e, (const void *)arg2, PATH_MAX_LEN);
		evt_s64(e, 0);
		break;
	case PPM_PR_GET_CHILD_SUBREAPER: {
		s32 v = 0;
		if (ret >= 0 && copy_from_user_nofault(&v, (const void __user *)arg2, sizeof(v))) {
			evt_fault(e);
			v = 0;
		}
		evt_empty(e);
		evt_s64(e, v);
		break;
	}
	default:
		evt_empty(e);
		evt_s64(e, (s64)arg2);
		break;
	}
}

/* socketpair (driver/bpf/syscalls/socket.bpf.c) */
static void fill_socketpair(struct evt *e, struct pt_regs *regs, long ret) {
	s32 fds[2] = {-1, -1};
	u64 source = 0, peer = 0;
	if (ret == 0) {
		struct socket *sock;
		if (copy_from_user_nofault(fds, (const void __user *)sc_arg(regs, 3), sizeof(fds))) {
			evt_fault(e);
			fds[0] = fds[1] = -1;
		}
		sock = file_socket(fd_file(fds[0]));
		if (sock && sock->sk) {
			source = (u64)(unsigned long)sock->sk;
			peer = (u64)(unsigned long)unix_sk(sock->sk)->peer;
		}
	}
	evt_s64(e, ret);
	evt_s64(e, fds[0]);
	evt_s64(e, fds[1]);
	evt_u64(e, source);
	evt_u64(e, peer);
	evt_u32(e, socket_family_to_scap((u32)sc_arg(regs, 0)));
	evt_u32(e, (u32)sc_arg(regs, 1));
	evt_u32(e, (u32)sc_arg(regs, 2));
}

/* Credentials, namespaces and mounts, sendto/recvfrom
 * (driver/bpf/syscalls/creds.bpf.c, ns.bpf.c, sockio.bpf.c). */
static bool fill_misc(struct evt *e, u16 type, struct pt_regs *regs, long ret) {
	switch (type) {
	case PPME_SYSCALL_SETUID_X:
	case PPME_SYSCALL_SETGID_X:
		evt_s64(e, ret);
		evt_u32(e, (u32)sc_arg(regs, 0));
		return true;
	case PPME_SYSCALL_SETRESUID_X:
	case PPME_SYSCALL_SETRESGID_X:
		evt_s64(e, ret);
		evt_u32(e, (u32)sc_arg(regs, 0));
		evt_u32(e, (u32)sc_arg(regs, 1));
		evt_u32(e, (u32)sc_arg(regs, 2));
		return true;
	case PPME_SYSCALL_CAPSET_X: {
		const struct cred *cred = rcu_dereference(current->cred);
		evt_s64(e, ret);
		evt_u64(e, read_caps(&cred->cap_inheritable));
		evt_u64(e, read_caps(&cred->cap_permitted));
		evt_u64(e, read_caps(&cred->cap_effective));
		return true;
	}
	case PPME_SYSCALL_SETNS_X:
		evt_s64(e, ret);
		evt_s64(e, (s32)sc_arg(regs, 0));
		evt_u32(e, clone_flags_to_scap((u32)sc_arg(regs, 1)));
		return true;
	case PPME_SYSCALL_UNSHARE_X:
		evt_s64(e, ret);
		evt_u32(e, clone_flags_to_scap((u32)sc_arg(regs, 0)));
		return true;
	case PPME_SYSCALL_MOUNT_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		ARG_STR(e, regs, 1);
		ARG_STR(e, regs, 2);
		evt_u32(e, mount_flags_to_scap((u32)sc_arg(regs, 3)));
		return true;
	case PPME_SYSCALL_UMOUNT2_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		evt_u32(e, umount2_flags_to_scap((u32)sc_arg(regs, 1)));
		return true;
	case PPME_SYSCALL_READV_X: fill_readv(e, regs, ret, false); return true;
	case PPME_SYSCALL_PREADV_X: fill_readv(e, regs, ret, true); return true;
	case PPME_SYSCALL_WRITEV_X: fill_writev(e, regs, ret, false); return true;
	case PPME_SYSCALL_PWRITEV_X: fill_writev(e, regs, ret, true); return true;
	case PPME_SOCKET_SOCKETPAIR_X: fill_socketpair(e, regs, ret); return true;
	case PPME_SOCKET_SENDMSG_X: fill_sendmsg(e, regs, ret); return true;
	case PPME_SYSCALL_PTRACE_X: fill_ptrace(e, regs, ret); return true;
	case PPME_SYSCALL_PRCTL_X: fill_prctl(e, regs, ret); return true;
	case PPME_SOCKET_RECVMSG_X: fill_recvmsg(e, regs, ret); return true;
	/* modules and bpf (driver/bpf/syscalls/module.bpf.c) */
	case PPME_SYSCALL_INIT_MODULE_X: {
		u64 len = sc_arg(regs, 1);
		evt_s64(e, ret);
		evt_data_user(e, (const void *)sc_arg(regs, 0), len);
		evt_u64(e, len);
		evt_str_user(e, (const void *)sc_arg(regs, 2), MAX_ARG_ENV);
		return true;
	}
	case PPME_SYSCALL_FINIT_MODULE_X:
		evt_s64(e, ret);
		evt_s64(e, (s32)sc_arg(regs, 0));
		evt_str_user(e, (const void *)sc_arg(regs, 1), MAX_ARG_ENV);
		evt_u32(e, finit_module_flags_to_scap((u32)sc_arg(regs, 2)));
		return true;
	case PPME_SYSCALL_DELETE_MODULE_X:
		evt_s64(e, ret);
		ARG_STR(e, regs, 0);
		evt_u32(e, delete_module_flags_to_scap((u32)sc_arg(regs, 1)));
		return true;
	case PPME_SYSCALL_BPF_2_X:
		evt_s64(e, ret);
		evt_u32(e, (u32)sc_arg(regs, 0));
		return true;
	case PPME_SOCKET_SENDTO_X: {
		s64 fd = (s32)sc_arg(regs, 0);
		u32 size = (u32)sc_arg(regs, 2);
		evt_s64(e, ret);
		evt_data_user(e, (const void *)sc_arg(regs, 1), ret > 0 ? (u64)ret : size);
		evt_s64(e, fd);
		evt_u32(e, size);
		if (ret >= 0)
			evt_socktuple(e, fd, TUPLE_OUTBOUND, (const void *)sc_arg(regs, 4), sc_arg(regs, 5));
		else
			evt_empty(e);
		return true;
	}
	case PPME_SOCKET_RECVFROM_X: {
		s64 fd = (s32)sc_arg(regs, 0);
		evt_s64(e, ret);
		if (ret >= 0) {
			const void *uaddr = (const void *)sc_arg(regs, 4);
			u32 alen = 0;
			evt_data_user(e, (const void *)sc_arg(regs, 1), (u64)ret);
			if (uaddr && sc_arg(regs, 5) &&
			    copy_from_user_nofault(&alen, (const void __user *)sc_arg(regs, 5), sizeof(alen)))
				alen = 0;
			evt_socktuple(e, fd, TUPLE_INBOUND, uaddr, alen);
		} else {
			evt_empty(e);
			evt_empty(e);
		}
		evt_s64(e, fd);
		evt_u32(e, (u32)sc_arg(regs, 2));
		return true;
	}
	}
	return false;
}

static bool is_misc_type(u16 type) {
	switch (type) {
	case PPME_SYSCALL_SETUID_X: case PPME_SYSCALL_SETGID_X: case PPME_SYSCALL_SETRESUID_X:
	case PPME_SYSCALL_SETRESGID_X: case PPME_SYSCALL_CAPSET_X: case PPME_SYSCALL_SETNS_X:
	case PPME_SYSCALL_UNSHARE_X: case PPME_SYSCALL_MOUNT_X: case PPME_SYSCALL_UMOUNT2_X:
	case PPME_SOCKET_SENDTO_X: case PPME_SOCKET_RECVFROM_X: case PPME_SYSCALL_READV_X:
	case PPME_SYSCALL_PREADV_X: case PPME_SYSCALL_WRITEV_X: case PPME_SYSCALL_PWRITEV_X:
	case PPME_SOCKET_SOCKETPAIR_X: case PPME_SOCKET_SENDMSG_X: case PPME_SOCKET_RECVMSG_X:
	case PPME_SYSCALL_INIT_MODULE_X: case PPME_SYSCALL_FINIT_MODULE_X: case PPME_SYSCALL_DELETE_MODULE_X:
	case PPME_SYSCALL_BPF_2_X: case PPME_SYSCALL_PTRACE_X: case PPME_SYSCALL_PRCTL_X:
		return true;
	}
	return false;
}

static bool is_fs_type(u16 type) {
	switch (type) {
	case PPME_SYSCALL_CHMOD_X: case PPME_SYSCALL_FCHMOD_X: case PPME_SYSCALL_FCHMODAT_X:
	case PPME_SYSCALL_RENAME_X: case PPME_SYSCALL_LINK_2_X: case PPME_SYSCALL_SYMLINK_X:
	case PPME_SYSCALL_RENAMEAT_X: case PPME_SYSCALL_RENAMEAT2_X: case PPME_SYSCALL_LINKAT_2_X:
	case PPME_SYSCALL_UNLINK_2_X: case PPME_SYSCALL_CHDIR_X: case PPME_SYSCALL_UNLINKAT_2_X:
	case PPME_SYSCALL_MKDIR_2_X: case PPME_SYSCALL_MKDIRAT_X: case PPME_SYSCALL_SYMLINKAT_X:
	case PPME_SYSCALL_FCHDIR_X:
		return true;
	}
	return false;
}

static void fill_generic_x(struct evt *e, long id) {
	evt_u16(e, (u16)g_syscall_table[id].ppm_sc);
	evt_u16(e, (u16)id);
}

/* --- entry points (called by main.c) ----------------------------------------- */

void scap_fill_sys_exit(struct pt_regs *regs, long id, long ret) {
	struct evt e;
	u16 type = (u16)g_syscall_table[id].exit_event;
	/* Exit events with a filler here; every other syscall is generic. */
	switch (type) {
	case PPME_SYSCALL_OPEN_X:
	case PPME_SYSCALL_OPENAT_2_X:
	case PPME_SYSCALL_OPENAT2_X:
	case PPME_SYSCALL_CREAT_X:
	case PPME_SYSCALL_CLOSE_X:
	case PPME_SYSCALL_READ_X:
	case PPME_SYSCALL_WRITE_X:
	case PPME_SYSCALL_PREAD_X:
	case PPME_SYSCALL_PWRITE_X:
	case PPME_SOCKET_SOCKET_X:
	case PPME_SOCKET_BIND_X:
	case PPME_SOCKET_CONNECT_X:
	case PPME_SOCKET_LISTEN_X:
	case PPME_SOCKET_ACCEPT_5_X:
	case PPME_SOCKET_ACCEPT4_6_X:
	case PPME_SOCKET_SHUTDOWN_X:
	case PPME_SYSCALL_KILL_X:
	case PPME_SYSCALL_TKILL_X:
	case PPME_SYSCALL_TGKILL_X:
	case PPME_SYSCALL_CLONE_20_X:
	case PPME_SYSCALL_FORK_20_X:
	case PPME_SYSCALL_VFORK_20_X:
	case PPME_SYSCALL_CLONE3_X:
	case PPME_SYSCALL_MMAP_X:
	case PPME_SYSCALL_MUNMAP_X:
	case PPME_SYSCALL_MPROTECT_X:
	case PPME_SYSCALL_DUP_1_X:
	case PPME_SYSCALL_DUP2_X:
	case PPME_SYSCALL_DUP3_X:
	case PPME_SYSCALL_PIPE_X:
	case PPME_SYSCALL_PIPE2_X:
	case PPME_SYSCALL_FCNTL_X:
	case PPME_SYSCALL_IOCTL_3_X:
	case PPME_SYSCALL_MEMFD_CREATE_X:
	case PPME_SYSCALL_USERFAULTFD_X:
	case PPME_SYSCALL_IO_URING_SETUP_X:
		break;
	case PPME_SYSCALL_EXECVE_19_X:
	case PPME_SYSCALL_EXECVEAT_X:
		/* A successful exec is emitted at sched_process_exec. */
		if (ret == 0) return;
		break;
	default:
		if (!is_fs_type(type) && !is_misc_type(type)) type = PPME_GENERIC_X;
		break;
	}
	if (!evt_begin(&e, type)) return;
	rcu_read_lock();
	switch (type) {
	case PPME_SYSCALL_OPEN_X: fill_open_x(&e, regs, ret); break;
	case PPME_SYSCALL_OPENAT_2_X: fill_openat_x(&e, regs, ret); break;
	case PPME_SYSCALL_OPENAT2_X: fill_openat2_x(&e, regs, ret); break;
	case PPME_SYSCALL_CREAT_X: fill_creat_x(&e, regs, ret); break;
	case PPME_SYSCALL_CLOSE_X: fill_close_x(&e, regs, ret); break;
	case PPME_SYSCALL_READ_X:
	case PPME_SYSCALL_WRITE_X: fill_rw(&e, regs, ret, false); break;
	case PPME_SYSCALL_PREAD_X:
	case PPME_SYSCALL_PWRITE_X: fill_rw(&e, regs, ret, true); break;
	case PPME_SOCKET_SOCKET_X: fill_socket_x(&e, regs, ret); break;
	case PPME_SOCKET_BIND_X: fill_bind_x(&e, regs, ret); break;
	case PPME_SOCKET_CONNECT_X: fill_connect_x(&e, regs, ret); break;
	case PPME_SOCKET_LISTEN_X: fill_listen_x(&e, regs, ret); break;
	case PPME_SOCKET_ACCEPT_5_X: fill_accept(&e, regs, ret); break;
	case PPME_SOCKET_ACCEPT4_6_X:
		fill_accept(&e, regs, ret);
		evt_u32(&e, socket_flags_to_scap((u32)sc_arg(regs, 3)));
		break;
	case PPME_SOCKET_SHUTDOWN_X: fill_shutdown_x(&e, regs, ret); break;
	case PPME_SYSCALL_KILL_X:
	case PPME_SYSCALL_TKILL_X: fill_kill_x(&e, regs, ret, 1); break;
	case PPME_SYSCALL_TGKILL_X: fill_kill_x(&e, regs, ret, 2); break;
	case PPME_SYSCALL_CLONE_20_X: fill_clone(&e, ret, sc_arg(regs, 0)); break;
	case PPME_SYSCALL_FORK_20_X: fill_clone(&e, ret, 0); break;
	case PPME_SYSCALL_VFORK_20_X: fill_clone(&e, ret, CLONE_VFORK | CLONE_VM); break;
	case PPME_SYSCALL_CLONE3_X: {
		u64 flags = 0;
		if (copy_from_user_nofault(&flags, (const void __user *)sc_arg(regs, 0), sizeof(flags))) flags = 0;
		fill_clone(&e, ret, flags);
		break;
	}
	case PPME_SYSCALL_MMAP_X: fill_mmap_x(&e, regs, ret); break;
	case PPME_SYSCALL_MUNMAP_X: fill_munmap_x(&e, regs, ret); break;
	case PPME_SYSCALL_MPROTECT_X: fill_mprotect_x(&e, regs, ret); break;
	case PPME_SYSCALL_DUP_1_X:
		evt_s64(&e, (s32)ret);
		evt_s64(&e, (s32)sc_arg(regs, 0));
		break;
	case PPME_SYSCALL_DUP2_X: fill_dup23(&e, regs, ret, false); break;
	case PPME_SYSCALL_DUP3_X: fill_dup23(&e, regs, ret, true); break;
	case PPME_SYSCALL_PIPE_X: fill_pipe(&e, regs, ret, false); break;
	case PPME_SYSCALL_PIPE2_X: fill_pipe(&e, regs, ret, true); break;
	case PPME_SYSCALL_FCNTL_X:
		evt_s64(&e, ret);
		evt_s64(&e, (s32)sc_arg(regs, 0));
		evt_u8(&e, fcntl_cmd_to_scap((u32)sc_arg(regs, 1)));
		evt_u64(&e, sc_arg(regs, 2));
		break;
	case PPME_SYSCALL_IOCTL_3_X:
		evt_s64(&e, ret);
		evt_s64(&e, (s32)sc_arg(regs, 0));
		evt_u64(&e, sc_arg(regs, 1));
		evt_u64(&e, sc_arg(regs, 2));
		break;
	case PPME_SYSCALL_MEMFD_CREATE_X:
		evt_s64(&e, ret);
		evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);
		evt_u32(&e, memfd_flags_to_scap((u32)sc_arg(regs, 1)));
		break;
	case PPME_SYSCALL_USERFAULTFD_X:
		evt_s64(&e, ret);
		evt_u32(&e, pipe2_flags_to_scap((u32)sc_arg(regs, 0)));
		break;
	case PPME_SYSCALL_IO_URING_SETUP_X: fill_io_uring_setup_x(&e, regs, ret); break;
	case PPME_SYSCALL_EXECVE_19_X: fill_exec_failure(&e, regs, ret, 1, 0); break;
	case PPME_SYSCALL_EXECVEAT_X: fill_exec_failure(&e, regs, ret, 2, -1); break;
	default:
		if (!fill_fs(&e, type, regs, ret) && !fill_misc(&e, type, regs, ret)) fill_generic_x(&e, id);
		break;
	}
	rcu_read_unlock();
	evt_submit(&e);
}

bool scap_is_toctou(long id) {
	return id == NR_open || id == NR_openat || id == NR_openat2 || id == NR_creat || id == NR_connect;
}

void scap_fill_sys_enter(struct pt_regs *regs, long id) {
	struct evt e;
	u32 flags;
	struct open_how how = {};
	switch (id) {
	case NR_open:
		if (!evt_begin(&e, PPME_SYSCALL_OPEN_E)) return;
		flags = (u32)sc_arg(regs, 1);
		evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);
		evt_u32(&e, open_flags_to_scap(flags));
		evt_u32(&e, open_mode_to_scap(flags, (u32)sc_arg(regs, 2)));
		break;
	case NR_openat:
		if (!evt_begin(&e, PPME_SYSCALL_OPENAT_2_E)) return;
		flags = (u32)sc_arg(regs, 2);
		evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));
		evt_str_user(&e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);
		evt_u32(&e, open_flags_to_scap(flags));
		evt_u32(&e, open_mode_to_scap(flags, (u32)sc_arg(regs, 3)));
		break;
	case NR_openat2:
		if (!evt_begin(&e, PPME_SYSCALL_OPENAT2_E)) return;
		if (copy_from_user_nofault(&how, (const void __user *)sc_arg(regs, 2), sizeof(how))) {
			evt_fault(&e);
			memset(&how, 0, sizeof(how));
		}
		evt_s64(&e, sc_dirfd(sc_arg(regs, 0)));
		evt_str_user(&e, (const void *)sc_arg(regs, 1), PATH_MAX_LEN);
		evt_u32(&e, open_flags_to_scap((u32)how.flags));
		evt_u32(&e, open_mode_to_scap((u32)how.flags, (u32)how.mode));
		evt_u32(&e, openat2_resolve_to_scap(how.resolve));
		break;
	case NR_creat:
		if (!evt_begin(&e, PPME_SYSCALL_CREAT_E)) return;
		evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);
		evt_u32(&e, open_mode_to_scap(O_CREAT, (u32)sc_arg(regs, 1)));
		break;
	case NR_connect:
		if (!evt_begin(&e, PPME_SOCKET_CONNECT_E)) return;
		evt_s64(&e, (s32)sc_arg(regs, 0));
		evt_sockaddr_user(&e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));
		break;
	default:
		return;
	}
	evt_submit(&e);
}

/* procexit (driver/bpf/sched.bpf.c) */
#define MAX_THREAD_WALK 16

static s64 alive_thread_in_group(struct task_struct *t) {
	struct task_struct *th;
	int i = 0;
	for_each_thread(t, th) {
		if (i++ >= MAX_THREAD_WALK) return -1;
		if (!(th->flags & PF_EXITING)) return th->pid;
	}
	return 0;
}

static s64 reaper_tid(struct task_struct *t) {
	s64 alive;
	struct pid *p;
	struct task_struct *init;
	if (list_empty(&t->children)) return 0;
	alive = alive_thread_in_group(t);
	if (alive != 0) return alive;
	p = task_pid(t);
	if (!p) return 0;
	init = p->numbers[p->level].ns->child_reaper;
	if (init == t || !init) return 0;
	if (t->signal->has_child_subreaper) return -1;
	return init->pid;
}

void scap_fill_procexit(struct task_struct *t) {
	struct evt e;
	int code;
	u8 sig;
	if (!evt_begin(&e, PPME_PROCEXIT_1_E)) return;
	rcu_read_lock();
	code = t->exit_code;
	sig = code & 0x7f;
	evt_s64(&e, code);
	evt_s64(&e, (code >> 8) & 0xff);
	evt_u8(&e, (sig != 0 && sig != 0x7f) ? sig : 0);
	evt_u8(&e, (code & 0x80) ? 1 : 0);
	evt_s64(&e, reaper_tid(t));
	rcu_read_unlock();
	evt_submit(&e);
}

void scap_fill_exec(struct linux_binprm *bprm) {
	struct evt e;
	struct task_struct *t = current;
	if (!evt_begin(&e, PPME_SYSCALL_EXECVE_19_X)) return;
	rcu_read_lock();
	evt_s64(&e, 0);
	evt_exe_args_mm(&e, t);
	evt_proc_ids_mem(&e, t);
	evt_env_mm(&e, t);
	evt_exec_tail(&e, t);
	evt_str_kernel(&e, bprm->filename, PATH_MAX_LEN);
	rcu_read_unlock();
	evt_submit(&e);
}

void scap_fill_signal_deliver(int sig, struct kernel_siginfo *info) {
	struct evt e;
	s32 spid = 0;
	if (info) {
		int code = info->si_code;
		switch (sig) {
		case SIGKILL:
			spid = info->si_pid;
			break;
		case SIGTERM:
		case SIGHUP:
		case SIGINT:
		case SIGTSTP:
		case SIGQUIT:
			if (code == SI_USER || code == SI_QUEUE || code <= 0) spid = info->si_pid;
			break;
		case SIGCHLD:
			spid = info->si_pid;
			break;
		default:
			if (sig >= 32 && sig <= 64) spid = info->si_pid;
			break;
		}
	}
	if (!evt_begin(&e, PPME_SIGNALDELIVER_E)) return;
	evt_s64(&e, spid);
	evt_s64(&e, current->pid);
	evt_u8(&e, (u8)sig);
	evt_submit(&e);
}

/* sched_switch (driver/bpf/sched.bpf.c), in the task switched out: next is
 * the host tid switched in (0: idle); page faults and memory are prev's (0
 * for a kernel thread, which has no mm). */
void scap_fill_sched_switch(struct task_struct *prev, struct task_struct *next) {
	struct evt e;
	struct mm_struct *mm = prev->mm;
	if (!evt_begin(&e, PPME_SCHEDSWITCH_6_E)) return;
	evt_s64(&e, next->pid);
	evt_u64(&e, prev->maj_flt);
	evt_u64(&e, prev->min_flt);
	evt_u32(&e, mm_vm_size_kb(mm));
	evt_u32(&e, mm_vm_rss_kb(mm));
	evt_u32(&e, mm_vm_swap_kb(mm));
	evt_submit(&e);
}
