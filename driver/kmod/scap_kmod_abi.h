/*
 * The interface between the scap kernel module (driver/kmod) and its
 * consumers (the guest test consumer, binding engine `kmod`): devices, the
 * per-CPU ring's mapping and info page, ioctls. Compiled by the module and by
 * userspace.
 *
 * Devices: /dev/scap0 .. /dev/scapN-1, one per possible CPU (minor = CPU).
 * The first open by a process makes it the consumer: the module allocates a
 * ring for every online CPU (a device of an offline CPU gives ENODEV) and
 * hooks its tracepoints; another process gets EBUSY until every device is
 * closed, which unhooks the tracepoints and frees the rings. Capture starts
 * with SCAP_IOCTL_ENABLE. While a device is open the module cannot be
 * unloaded (EBUSY).
 *
 * mmap(NULL, SCAP_KMOD_PAGE + info.buffer_bytes, PROT_READ | PROT_WRITE,
 *      MAP_SHARED, fd, 0): one page of `struct scap_kmod_info`, then the ring.
 * The ring is a byte ring of buffer_bytes (a power of two): the kernel writes
 * events at `head` (wrapping at the end: an event may be split in two),
 * advances head after the bytes are written (release); the consumer reads
 * [tail, head) and stores the new tail. One byte stays free (head == tail
 * means empty). Userspace only ever writes `tail`; the kernel validates it.
 *
 * poll()/epoll on a device: readable while its ring holds data past the
 * published tail (publish the tail before sleeping). A consumer asleep in
 * poll is woken once per wait, not per event: at the next scheduler tick
 * after the first event, or at once when a quarter of the ring is used.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_KMOD_ABI_H
#define SCAP_KMOD_ABI_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <linux/types.h>
#include <sys/ioctl.h>
#endif

#define SCAP_KMOD_NAME "scap"
#define SCAP_KMOD_MAGIC 0x4b504353u /* "SCPK" */
#define SCAP_KMOD_ABI_VERSION 2
#define SCAP_KMOD_PAGE 4096
/* Default ring size per CPU (module parameter buffer_bytes). */
#define SCAP_KMOD_DEFAULT_BUFFER (8u << 20)

struct scap_kmod_info {
	__u32 head;              /* producer offset, written by the kernel */
	__u32 tail;              /* consumer offset, written by userspace */
	__u32 magic;             /* SCAP_KMOD_MAGIC */
	__u32 abi;               /* SCAP_KMOD_ABI_VERSION */
	__u64 buffer_bytes;      /* ring size */
	__u64 n_evts;            /* events the module tried to emit on this CPU */
	__u64 n_drops_buffer;    /* ring full */
	__u64 n_drops_too_large; /* event over 64 KiB */
	__u64 n_read_faults;     /* a param could not be read from memory (left empty) */
	__u64 n_preemptions;     /* a hook fired inside another on this CPU (dropped) */
	__u64 n_bad_tail;        /* the consumer wrote an invalid tail (event dropped) */
	__u64 reserved[6];
};

/* Most processes SCAP_IOCTL_SET_TGIDS takes (as the eBPF probe's tgids map). */
#define SCAP_KMOD_MAX_TGIDS 4096

/* SCAP_IOCTL_SET_TGIDS: capture only these thread groups (count 0: all). Every
 * hook applies it to the process the event belongs to, like the
 * self-exclusion; it does not follow forks (a child is another thread group),
 * as in the probe. */
struct scap_kmod_tgids {
	__u32 count;    /* <= SCAP_KMOD_MAX_TGIDS */
	__u32 reserved; /* 0 */
	__u64 tgids;    /* user address of `count` __u32 tgids */
};

/* ioctls, on any /dev/scapN of the consumer (settings are global). */
#define SCAP_IOCTL_MAGIC 'S'
#define SCAP_IOCTL_ENABLE _IO(SCAP_IOCTL_MAGIC, 1)           /* start emitting events */
#define SCAP_IOCTL_DISABLE _IO(SCAP_IOCTL_MAGIC, 2)          /* stop */
#define SCAP_IOCTL_SET_SNAPLEN _IO(SCAP_IOCTL_MAGIC, 3)      /* arg: bytes (<= 65000) */
#define SCAP_IOCTL_ENABLE_SYSCALL _IO(SCAP_IOCTL_MAGIC, 4)   /* arg: native id (< 512) */
#define SCAP_IOCTL_DISABLE_SYSCALL _IO(SCAP_IOCTL_MAGIC, 5)  /* arg: native id */
#define SCAP_IOCTL_SET_ALL_SYSCALLS _IO(SCAP_IOCTL_MAGIC, 6) /* arg: 0 none, 1 all */
#define SCAP_IOCTL_SET_DROP_FAILED _IO(SCAP_IOCTL_MAGIC, 7)  /* arg: 0/1 */
#define SCAP_IOCTL_SET_SELF_TGID _IO(SCAP_IOCTL_MAGIC, 8)    /* arg: tgid not captured (0: none) */
#define SCAP_IOCTL_GET_API_VERSION _IOR(SCAP_IOCTL_MAGIC, 9, __u32)
/* Copies this device's counters (the info page minus head/tail) atomically enough for stats. */
#define SCAP_IOCTL_GET_STATS _IOR(SCAP_IOCTL_MAGIC, 10, struct scap_kmod_info)
#define SCAP_IOCTL_SET_TGIDS _IOW(SCAP_IOCTL_MAGIC, 11, struct scap_kmod_tgids)
/* arg 1: hook sched_switch, one PPME_SCHEDSWITCH_6_E per context switch of a
 * captured task (the probe's `schedSwitch`); 0 (the default): unhook it. */
#define SCAP_IOCTL_SET_SCHED_SWITCH _IO(SCAP_IOCTL_MAGIC, 12)

#endif /* SCAP_KMOD_ABI_H */
