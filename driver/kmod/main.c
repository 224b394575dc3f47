/*
 * scap.ko: the kernel module driver. Hooks raw_syscalls sys_enter/sys_exit,
 * sched_process_exit, sched_process_exec, signal_deliver and, when asked,
 * sched_switch (found by name with for_each_kernel_tracepoint), writes scap events (the probe's format
 * and semantics, fillers.c) into per-CPU byte rings, and exposes each ring as
 * /dev/scapN (scap_kmod_abi.h: mapping, info page, ioctls).
 *
 * Concurrency: a probe runs with preemption disabled and writes only its own
 * CPU's ring (single producer); the consumer only moves `tail`. Rings exist
 * from the consumer's first open until its last close; the tracepoints are
 * hooked for exactly that time, and unhooked (with
 * tracepoint_synchronize_unregister) before the rings are freed.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include <linux/cdev.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <asm/syscall.h>

#include "evt.h"
#include "fillers.h"

MODULE_LICENSE("Dual MIT/GPL");
MODULE_AUTHOR("scap-ts");
MODULE_DESCRIPTION("scap-ts capture driver: syscall and process events in Falco's scap format");

static unsigned int buffer_bytes = SCAP_KMOD_DEFAULT_BUFFER;
module_param(buffer_bytes, uint, 0644);
MODULE_PARM_DESC(buffer_bytes, "ring size per CPU in bytes (power of two, >= 2 pages); read at the consumer's first open");

const u8 g_nparams[PPM_EVENT_MAX] = SCAP_EVENT_NPARAMS_INIT;
const struct scap_syscall_entry g_syscall_table[SYSCALL_TABLE_SIZE] = SCAP_X86_64_SYSCALL_TABLE_INIT;

/* Whether a consumer may sleep in poll: WAIT_ARMED since poll last looked,
 * WAIT_LAZY once a wake-up at the next tick is queued (a quarter of the ring
 * used still wakes at once), WAIT_NONE after that until poll looks again. */
enum { WAIT_NONE, WAIT_ARMED, WAIT_LAZY };

struct scap_ring {
	void *mem; /* vmalloc_user: info page, then the data */
	struct scap_kmod_info *info;
	u8 *data;
	u32 dim;
	u32 head; /* the kernel's copy: userspace cannot move it */
	int waiter;
	wait_queue_head_t wq;
	/* A probe cannot wake anyone itself (sched_switch runs under the
	 * runqueue lock): irq_work does it, from the next tick (lazy) or from a
	 * self-interrupt (now). */
	struct irq_work wake_lazy, wake_now;
};

struct scap_cpu {
	u8 *scratch;
	struct scap_ring *ring;
	int busy;
};

static struct scap_cpu *g_cpus;

/* Settings (ioctls); read by the probes without locks. */
static bool g_enabled;
static u32 g_snaplen = 80;
static bool g_drop_failed;
static pid_t g_self_tgid;
static DECLARE_BITMAP(g_interesting, SYSCALL_TABLE_SIZE);

/* The tgid filter (SCAP_IOCTL_SET_TGIDS), sorted; NULL: every process. The
 * probes read it under RCU (they run with preemption disabled); it is
 * replaced under g_lock and the old one freed after synchronize_rcu. */
struct scap_tgid_set {
	u32 n;
	u32 tgid[];
};
static struct scap_tgid_set __rcu *g_tgids;

/* Consumer state, under g_lock. */
static DEFINE_MUTEX(g_lock);
static pid_t g_consumer_tgid;
static int g_open_count;

/* --- events and rings -------------------------------------------------------- */

void evt_fault(struct evt *e) {
	e->c->ring->info->n_read_faults++;
}

bool evt_begin(struct evt *e, u16 type) {
	struct scap_cpu *c = &g_cpus[smp_processor_id()];
	u64 ts, tid;
	u32 zero = 0, nparams;
	if (!c->ring) return false;
	if (c->busy) {
		c->ring->info->n_preemptions++;
		return false;
	}
	c->busy = 1;
	nparams = g_nparams[type];
	e->d = c->scratch;
	e->c = c;
	e->snaplen = READ_ONCE(g_snaplen);
	e->lpos = EVT_HEADER_SIZE;
	e->pos = EVT_HEADER_SIZE + 2 * nparams;
	e->overflow = false;
	ts = ktime_get_real_ns();
	tid = (u32)current->pid;
	memcpy(&e->d[0], &ts, 8);
	memcpy(&e->d[8], &tid, 8);
	memcpy(&e->d[16], &zero, 4);
	memcpy(&e->d[20], &type, 2);
	memcpy(&e->d[22], &nparams, 4);
	return true;
}

/* Wakes a consumer sleeping in poll once per wait, not per event: at the
 * next tick after the first event, at once when a quarter of the ring waits
 * to be read (the tick may be far off, the ring filling). */
static void scap_ring_wake(struct scap_ring *r, u32 used) {
	int w;
	smp_mb(); /* the head store before the waiter load; pairs with scap_poll */
	w = READ_ONCE(r->waiter);
	if (w == WAIT_NONE) return;
	if (used >= r->dim / 4) {
		WRITE_ONCE(r->waiter, WAIT_NONE);
		irq_work_queue(&r->wake_now);
	} else if (w == WAIT_ARMED) {
		WRITE_ONCE(r->waiter, WAIT_LAZY);
		irq_work_queue(&r->wake_lazy);
	}
}

static void scap_ring_write(struct scap_ring *r, const u8 *src, u32 len) {
	struct scap_kmod_info *info = r->info;
	u32 tail = READ_ONCE(info->tail), head = r->head, free, first;
	if (tail >= r->dim) {
		info->n_bad_tail++;
		return;
	}
	/* Order the tail read before our writes into the space it frees. */
	smp_mb();
	free = tail > head ? tail - head - 1 : r->dim - head + tail - 1;
	if (len > free) {
		info->n_drops_buffer++;
		scap_ring_wake(r, r->dim - 1 - free);
		return;
	}
	first = min(len, r->dim - head);
	memcpy(r->data + head, src, first);
	if (first < len) memcpy(r->data, src + first, len - first);
	head = (head + len) & (r->dim - 1);
	r->head = head;
	smp_store_release(&info->head, head);
	scap_ring_wake(r, r->dim - 1 - free + len);
}

void evt_submit(struct evt *e) {
	struct scap_cpu *c = e->c;
	struct scap_ring *r = c->ring;
	u32 len = e->pos;
	r->info->n_evts++;
	if (e->overflow || len > SCAP_MAX_EVENT_SIZE) {
		r->info->n_drops_too_large++;
	} else {
		memcpy(&e->d[16], &len, 4);
		scap_ring_write(r, e->d, len);
	}
	c->busy = 0;
}

void evt_end(struct evt *e) {
	e->c->busy = 0;
}

static bool tgid_in_set(const struct scap_tgid_set *s, u32 tgid) {
	u32 lo = 0, hi = s->n;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		if (s->tgid[mid] == tgid) return true;
		if (s->tgid[mid] < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The process filter of every hook, as the probe's: not the consumer (unless
 * asked), and only the wanted thread groups when a set is given. */
static bool tgid_wanted(pid_t tgid) {
	pid_t self = READ_ONCE(g_self_tgid);
	const struct scap_tgid_set *s;
	if (self != 0 && tgid == self) return false;
	s = rcu_dereference_sched(g_tgids);
	return !s || tgid_in_set(s, (u32)tgid);
}

/* --- probes ------------------------------------------------------------------- */

static void probe_sys_exit(void *data, struct pt_regs *regs, long ret) {
	long id;
	if (!READ_ONCE(g_enabled) || in_ia32_syscall()) return;
	id = syscall_get_nr(current, regs);
	if (id < 0 || id >= SYSCALL_TABLE_SIZE) return;
	if (!test_bit(id, g_interesting)) return;
	if (READ_ONCE(g_drop_failed) && ret < 0) return;
	if (!tgid_wanted(current->tgid)) return;
	scap_fill_sys_exit(regs, id, ret);
}

static void probe_sys_enter(void *data, struct pt_regs *regs, long id) {
	if (!READ_ONCE(g_enabled) || in_ia32_syscall()) return;
	if (id < 0 || id >= SYSCALL_TABLE_SIZE || !scap_is_toctou(id)) return;
	if (!test_bit(id, g_interesting)) return;
	if (!tgid_wanted(current->tgid)) return;
	scap_fill_sys_enter(regs, id);
}

static void probe_sched_process_exit(void *data, struct task_struct *p) {
	if (!READ_ONCE(g_enabled) || !tgid_wanted(p->tgid)) return;
	scap_fill_procexit(p);
}

static void probe_sched_process_exec(void *data, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
	if (!READ_ONCE(g_enabled)) return;
	if (!test_bit(__NR_execve, g_interesting) && !test_bit(__NR_execveat, g_interesting)) return;
	if (!tgid_wanted(current->tgid)) return;
	scap_fill_exec(bprm);
}

static void probe_signal_deliver(void *data, int sig, struct kernel_siginfo *info, struct k_sigaction *ka) {
	if (!READ_ONCE(g_enabled) || !tgid_wanted(current->tgid)) return;
	scap_fill_signal_deliver(sig, info);
}

/* The task switched out is current here: the event is its own (header tid),
 * as in the probe. */
static void probe_sched_switch(void *data, bool preempt, struct task_struct *prev, struct task_struct *next,
                               unsigned int prev_state) {
	if (!READ_ONCE(g_enabled) || !tgid_wanted(prev->tgid)) return;
	scap_fill_sched_switch(prev, next);
}

struct scap_tp {
	const char *name;
	void *probe;
	bool on_demand; /* hooked by an ioctl, not with the others */
	struct tracepoint *tp;
	bool registered;
};

enum { TP_SYS_ENTER, TP_SYS_EXIT, TP_PROC_EXIT, TP_PROC_EXEC, TP_SIGNAL_DELIVER, TP_SCHED_SWITCH, TP_COUNT };

static struct scap_tp g_tps[TP_COUNT] = {
	[TP_SYS_ENTER] = {"sys_enter", probe_sys_enter},
	[TP_SYS_EXIT] = {"sys_exit", probe_sys_exit},
	[TP_PROC_EXIT] = {"sched_process_exit", probe_sched_process_exit},
	[TP_PROC_EXEC] = {"sched_process_exec", probe_sched_process_exec},
	[TP_SIGNAL_DELIVER] = {"signal_deliver", probe_signal_deliver},
	/* Off by default, as in the probe: the busiest source of events. */
	[TP_SCHED_SWITCH] = {"sched_switch", probe_sched_switch, true},
};

static void find_tp(struct tracepoint *tp, void *priv) {
	size_t i;
	for (i = 0; i < ARRAY_SIZE(g_tps); i++)
		if (strcmp(tp->name, g_tps[i].name) == 0) g_tps[i].tp = tp;
}

static void unhook_all(void) {
	size_t i;
	bool any = false;
	for (i = 0; i < ARRAY_SIZE(g_tps); i++) {
		if (!g_tps[i].registered) continue;
		tracepoint_probe_unregister(g_tps[i].tp, g_tps[i].probe, NULL);
		g_tps[i].registered = false;
		any = true;
	}
	if (any) tracepoint_synchronize_unregister();
}

static int hook(struct scap_tp *t) {
	int err = tracepoint_probe_register(t->tp, t->probe, NULL);
	if (err) {
		pr_err("scap: cannot hook %s: %d\n", t->name, err);
		return err;
	}
	t->registered = true;
	return 0;
}

static int hook_all(void) {
	size_t i;
	for (i = 0; i < ARRAY_SIZE(g_tps); i++) {
		int err;
		if (g_tps[i].on_demand) continue;
		err = hook(&g_tps[i]);
		if (err) {
			unhook_all();
			return err;
		}
	}
	return 0;
}

/* Unhooking needs no wait here: a probe still running writes into rings that
 * live until stop_consumer, which waits for it. */
static int set_sched_switch(bool on) {
	struct scap_tp *t = &g_tps[TP_SCHED_SWITCH];
	int err = 0;
	mutex_lock(&g_lock);
	if (on && !t->registered) {
		err = hook(t);
	} else if (!on && t->registered) {
		tracepoint_probe_unregister(t->tp, t->probe, NULL);
		t->registered = false;
	}
	mutex_unlock(&g_lock);
	return err;
}

/* --- consumer lifetime (under g_lock) -------------------------------------- */

static void wake_fn(struct scap_ring *r) {
	wake_up_interruptible_poll(&r->wq, EPOLLIN | EPOLLRDNORM);
}
static void wake_lazy_fn(struct irq_work *w) { wake_fn(container_of(w, struct scap_ring, wake_lazy)); }
static void wake_now_fn(struct irq_work *w) { wake_fn(container_of(w, struct scap_ring, wake_now)); }

/* After unhook_all: no probe can queue a wake-up any more. */
static void free_rings(void) {
	unsigned int cpu;
	for_each_possible_cpu(cpu) {
		struct scap_ring *r = g_cpus[cpu].ring;
		if (!r) continue;
		g_cpus[cpu].ring = NULL;
		irq_work_sync(&r->wake_lazy);
		irq_work_sync(&r->wake_now);
		vfree(r->mem);
		kfree(r);
	}
}

static void stop_consumer(void) {
	WRITE_ONCE(g_enabled, false);
	unhook_all(); /* waits for running probes */
	free_rings();
	kvfree(rcu_replace_pointer(g_tgids, NULL, lockdep_is_held(&g_lock)));
	g_consumer_tgid = 0;
}

static int start_consumer(void) {
	unsigned int cpu, dim = READ_ONCE(buffer_bytes);
	int err;
	if (!is_power_of_2(dim) || dim < 2 * PAGE_SIZE || dim > (1u << 30)) {
		pr_err("scap: buffer_bytes %u must be a power of two, >= 2 pages, <= 1 GiB\n", dim);
		return -EINVAL;
	}
	for_each_online_cpu(cpu) {
		struct scap_ring *r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r) goto nomem;
		r->mem = vmalloc_user(PAGE_SIZE + (size_t)dim);
		if (!r->mem) {
			kfree(r);
			goto nomem;
		}
		r->info = r->mem;
		r->data = (u8 *)r->mem + PAGE_SIZE;
		r->dim = dim;
		r->info->magic = SCAP_KMOD_MAGIC;
		r->info->abi = SCAP_KMOD_ABI_VERSION;
		r->info->buffer_bytes = dim;
		init_waitqueue_head(&r->wq);
		r->wake_lazy = IRQ_WORK_INIT_LAZY(wake_lazy_fn);
		r->wake_now = IRQ_WORK_INIT(wake_now_fn);
		g_cpus[cpu].busy = 0;
		g_cpus[cpu].ring = r;
	}
	/* Defaults for each new consumer: capture off, every syscall on, not
	 * itself, every process (stop_consumer dropped the tgid set). */
	WRITE_ONCE(g_enabled, false);
	WRITE_ONCE(g_snaplen, 80);
	WRITE_ONCE(g_drop_failed, false);
	WRITE_ONCE(g_self_tgid, current->tgid);
	bitmap_fill(g_interesting, SYSCALL_TABLE_SIZE);
	err = hook_all();
	if (err) {
		free_rings();
		return err;
	}
	g_consumer_tgid = current->tgid;
	return 0;
nomem:
	free_rings();
	return -ENOMEM;
}

/* --- devices --------------------------------------------------------------- */

static dev_t g_devt;
static struct cdev g_cdev;
static struct class *g_class;

static int scap_open(struct inode *inode, struct file *f) {
	unsigned int cpu = iminor(inode);
	int err = 0;
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu)) return -ENODEV;
	mutex_lock(&g_lock);
	if (g_open_count > 0 && g_consumer_tgid != current->tgid) {
		err = -EBUSY;
		goto out;
	}
	if (g_open_count == 0) {
		err = start_consumer();
		if (err) goto out;
	}
	if (!g_cpus[cpu].ring) { /* CPU offline when the capture started */
		if (g_open_count == 0) stop_consumer();
		err = -ENODEV;
		goto out;
	}
	g_open_count++;
	f->private_data = (void *)(unsigned long)cpu;
out:
	mutex_unlock(&g_lock);
	return err;
}

static int scap_release(struct inode *inode, struct file *f) {
	mutex_lock(&g_lock);
	if (--g_open_count == 0) stop_consumer();
	mutex_unlock(&g_lock);
	return 0;
}

static int scap_mmap(struct file *f, struct vm_area_struct *vma) {
	unsigned int cpu = (unsigned int)(unsigned long)f->private_data;
	struct scap_ring *r = g_cpus[cpu].ring;
	unsigned long size = vma->vm_end - vma->vm_start;
	if (!r) return -ENODEV;
	if (vma->vm_pgoff != 0 || size != PAGE_SIZE + (unsigned long)r->dim) return -EINVAL;
	return remap_vmalloc_range(vma, r->mem, 0);
}

/* Readable while the ring holds data the consumer has not published as read. */
static __poll_t scap_poll(struct file *f, poll_table *pt) {
	unsigned int cpu = (unsigned int)(unsigned long)f->private_data;
	struct scap_ring *r = g_cpus[cpu].ring; /* lives while a device is open */
	poll_wait(f, &r->wq, pt);
	WRITE_ONCE(r->waiter, WAIT_ARMED);
	smp_mb(); /* the waiter store before the head load; pairs with scap_ring_wake */
	return READ_ONCE(r->info->tail) != smp_load_acquire(&r->info->head) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int cmp_u32(const void *a, const void *b) {
	u32 x = *(const u32 *)a, y = *(const u32 *)b;
	return x < y ? -1 : x > y;
}

static long set_tgids(const void __user *uarg) {
	struct scap_kmod_tgids req;
	struct scap_tgid_set *s = NULL, *old;
	if (copy_from_user(&req, uarg, sizeof(req))) return -EFAULT;
	if (req.count > SCAP_KMOD_MAX_TGIDS || req.reserved != 0) return -EINVAL;
	if (req.count > 0) {
		s = kvmalloc(struct_size(s, tgid, req.count), GFP_KERNEL);
		if (!s) return -ENOMEM;
		if (copy_from_user(s->tgid, u64_to_user_ptr(req.tgids), req.count * sizeof(u32))) {
			kvfree(s);
			return -EFAULT;
		}
		sort(s->tgid, req.count, sizeof(u32), cmp_u32, NULL);
		s->n = req.count;
	}
	mutex_lock(&g_lock);
	old = rcu_replace_pointer(g_tgids, s, lockdep_is_held(&g_lock));
	mutex_unlock(&g_lock);
	if (old) {
		synchronize_rcu(); /* probes still reading it */
		kvfree(old);
	}
	return 0;
}

static long scap_ioctl(struct file *f, unsigned int cmd, unsigned long arg) {
	unsigned int cpu = (unsigned int)(unsigned long)f->private_data;
	switch (cmd) {
	case SCAP_IOCTL_ENABLE:
		WRITE_ONCE(g_enabled, true);
		return 0;
	case SCAP_IOCTL_DISABLE:
		WRITE_ONCE(g_enabled, false);
		return 0;
	case SCAP_IOCTL_SET_SNAPLEN:
		if (arg > SCAP_MAX_SNAPLEN) return -EINVAL;
		WRITE_ONCE(g_snaplen, (u32)arg);
		return 0;
	case SCAP_IOCTL_ENABLE_SYSCALL:
		if (arg >= SYSCALL_TABLE_SIZE) return -EINVAL;
		set_bit(arg, g_interesting);
		return 0;
	case SCAP_IOCTL_DISABLE_SYSCALL:
		if (arg >= SYSCALL_TABLE_SIZE) return -EINVAL;
		clear_bit(arg, g_interesting);
		return 0;
	case SCAP_IOCTL_SET_ALL_SYSCALLS:
		if (arg)
			bitmap_fill(g_interesting, SYSCALL_TABLE_SIZE);
		else
			bitmap_zero(g_interesting, SYSCALL_TABLE_SIZE);
		return 0;
	case SCAP_IOCTL_SET_DROP_FAILED:
		WRITE_ONCE(g_drop_failed, arg != 0);
		return 0;
	case SCAP_IOCTL_SET_SELF_TGID:
		WRITE_ONCE(g_self_tgid, (pid_t)arg);
		return 0;
	case SCAP_IOCTL_SET_TGIDS:
		return set_tgids((const void __user *)arg);
	case SCAP_IOCTL_SET_SCHED_SWITCH:
		return set_sched_switch(arg != 0);
	case SCAP_IOCTL_GET_API_VERSION: {
		u32 v = SCAP_KMOD_ABI_VERSION;
		return copy_to_user((void __user *)arg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	case SCAP_IOCTL_GET_STATS: {
		struct scap_kmod_info snap;
		struct scap_ring *r = g_cpus[cpu].ring;
		if (!r) return -ENODEV;
		memcpy(&snap, r->info, sizeof(snap));
		return copy_to_user((void __user *)arg, &snap, sizeof(snap)) ? -EFAULT : 0;
	}
	}
	return -ENOTTY;
}

static const struct file_operations scap_fops = {
	.owner = THIS_MODULE,
	.open = scap_open,
	.release = scap_release,
	.mmap = scap_mmap,
	.poll = scap_poll,
	.unlocked_ioctl = scap_ioctl,
	.llseek = noop_llseek,
};

static void destroy_devices(void) {
	unsigned int cpu;
	if (g_class) {
		for_each_possible_cpu(cpu) device_destroy(g_class, MKDEV(MAJOR(g_devt), cpu));
		class_destroy(g_class);
		g_class = NULL;
	}
}

static int __init scap_init(void) {
	unsigned int cpu;
	size_t i;
	int err;
	BUILD_BUG_ON(sizeof(struct scap_kmod_info) > PAGE_SIZE);
	for_each_kernel_tracepoint(find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(g_tps); i++) {
		if (!g_tps[i].tp) {
			pr_err("scap: tracepoint %s not found\n", g_tps[i].name);
			return -ENOENT;
		}
	}
	g_cpus = kcalloc(nr_cpu_ids, sizeof(*g_cpus), GFP_KERNEL);
	if (!g_cpus) return -ENOMEM;
	for_each_possible_cpu(cpu) {
		g_cpus[cpu].scratch = vmalloc(SCRATCH_SIZE);
		if (!g_cpus[cpu].scratch) {
			err = -ENOMEM;
			goto fail_scratch;
		}
	}
	err = alloc_chrdev_region(&g_devt, 0, nr_cpu_ids, SCAP_KMOD_NAME);
	if (err) goto fail_scratch;
	cdev_init(&g_cdev, &scap_fops);
	g_cdev.owner = THIS_MODULE;
	err = cdev_add(&g_cdev, g_devt, nr_cpu_ids);
	if (err) goto fail_region;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	g_class = class_create(SCAP_KMOD_NAME);
#else
	g_class = class_create(THIS_MODULE, SCAP_KMOD_NAME);
#endif
	if (IS_ERR(g_class)) {
		err = PTR_ERR(g_class);
		g_class = NULL;
		goto fail_cdev;
	}
	for_each_possible_cpu(cpu) {
		struct device *d = device_create(g_class, NULL, MKDEV(MAJOR(g_devt), cpu), NULL, SCAP_KMOD_NAME "%u", cpu);
		if (IS_ERR(d)) {
			err = PTR_ERR(d);
			goto fail_devices;
		}
	}
	pr_info("scap: loaded, %u possible cpus, /dev/%s0..%u\n", num_possible_cpus(), SCAP_KMOD_NAME, nr_cpu_ids - 1);
	return 0;
fail_devices:
	destroy_devices();
fail_cdev:
	cdev_del(&g_cdev);
fail_region:
	unregister_chrdev_region(g_devt, nr_cpu_ids);
fail_scratch:
	for_each_possible_cpu(cpu) vfree(g_cpus[cpu].scratch);
	kfree(g_cpus);
	return err;
}

static void __exit scap_exit(void) {
	unsigned int cpu;
	/* No consumer can be left: an open device holds a module reference. */
	destroy_devices();
	cdev_del(&g_cdev);
	unregister_chrdev_region(g_devt, nr_cpu_ids);
	for_each_possible_cpu(cpu) vfree(g_cpus[cpu].scratch);
	kfree(g_cpus);
	pr_info("scap: unloaded\n");
}

module_init(scap_init);
module_exit(scap_exit);
