/*
 * Structures shared by the eBPF probe and its loader (binding/src/bpf_engine.cc).
 *
 * Both sides compile this header: the probe with vmlinux.h types, the loader
 * with <linux/types.h>. Layouts are explicit (fixed-width fields, explicit
 * padding) because userspace reads and writes them through bpf(2).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_SHARED_H
#define SCAP_BPF_SHARED_H

/* Size of the native syscall id space covered by the tables (x86_64 ids < 512). */
#define SCAP_SYSCALL_IDS 512

/* Values of the `interesting_syscalls` map: how sys_exit handles a syscall. */
#define SCAP_SC_OFF 0     /* not captured */
#define SCAP_SC_GENERIC 1 /* PPME_GENERIC_X, written by the dispatcher itself */
#define SCAP_SC_FILLER 2  /* tail call to exit_progs[id] (the syscall's own event) */

/* One scratch area per (CPU, slot); a slot per hook that can interleave on a CPU. */
#define SCAP_SLOT_SYS_EXIT 0
#define SCAP_SLOT_SYS_ENTER 1
#define SCAP_SLOT_SCHED 2
#define SCAP_NSLOTS 3

/* Largest event the probe writes; bigger ones are dropped and counted. */
#define SCAP_MAX_EVENT_SIZE (64 * 1024)

/* Largest snaplen accepted (as Falco's SNAPLEN_MAX). */
#define SCAP_MAX_SNAPLEN 65000

/* `settings` map, key 0. Written by userspace at any time. */
struct scap_settings {
	__u64 boot_time;   /* ns since the epoch at boot: ts = boot_time + ktime_get_boot_ns() */
	__u32 snaplen;     /* I/O data params are cut to this many bytes */
	__u32 self_tgid;   /* events of this process are not captured (0: none) */
	__u8 drop_failed;  /* 1: syscalls returning < 0 are not captured */
	__u8 tgid_filter;  /* 1: only processes in the `tgids` map are captured */
	__u8 stopped;      /* 1: nothing is captured any more (the capture is ending) */
	__u8 pad[5];
};

/* `counters` map (PERCPU_ARRAY, key 0): one copy per CPU. */
struct scap_counters {
	__u64 n_evts;          /* events the probe tried to emit */
	__u64 drops_ring_full; /* bpf_ringbuf_output failed (ring full) */
	__u64 drops_too_large; /* event over SCAP_MAX_EVENT_SIZE */
	__u64 read_faults;     /* a param could not be read (left empty) */
	__u64 drops_no_ring;   /* no ring buffer for this CPU */
	__u64 reserved[3];
};

#endif /* SCAP_BPF_SHARED_H */
