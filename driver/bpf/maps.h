/*
 * Maps of the probe: output rings, per-CPU scratch, counters, settings,
 * filters and the tail-call tables. Sizes marked "set by the loader" are
 * placeholders that binding/src/bpf_engine.cc overrides before loading.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_MAPS_H
#define SCAP_BPF_MAPS_H

#include "defs.h"

/* GPL-compatible: bpf_probe_read_* are GPL-only helpers. */
char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Scratch areas: an event is assembled here, then copied to the ring. The
 * second half is slack so that every write at (pos & 0xFFFF) of up to 64 KiB
 * stays inside the value, which is what lets the verifier prove bounds. */
#define SCRATCH_SIZE (128 * 1024)
#define SCRATCH_HALF (64 * 1024)
#define SCRATCH_POS_MASK (SCRATCH_HALF - 1)
/* Sockaddrs and other temporaries are parked at this offset (never sent). */
#define SCRATCH_TMP_OFF (SCRATCH_SIZE - 4096)

struct scratch {
	__u8 data[SCRATCH_SIZE];
};

/* Key: cpu * SCAP_NSLOTS + slot. max_entries set by the loader. An ARRAY, not
 * a PERCPU_ARRAY: per-CPU values are capped at 32 KiB. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCAP_NSLOTS);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* cpu -> BPF_MAP_TYPE_RINGBUF created by the loader (one per possible CPU,
 * inner map template and max_entries set before load). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ringbuf_maps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scap_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scap_settings);
} settings SEC(".maps");

/* Native syscall id -> SCAP_SC_* (0: not captured). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCAP_SYSCALL_IDS);
	__type(key, __u32);
	__type(value, __u8);
} interesting_syscalls SEC(".maps");

/* Processes to capture when settings.tgid_filter is 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

/* Tail-call tables. Since Linux 6.12 a program array only accepts programs
 * attached to the same hook as its first user, so sys_exit and sys_enter get
 * separate tables, each filled only with programs of their own hook. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SCAP_SYSCALL_IDS);
	__type(key, __u32);
	__type(value, __u32);
} exit_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SCAP_SYSCALL_IDS);
	__type(key, __u32);
	__type(value, __u32);
} enter_progs SEC(".maps");

static const __u8 g_nparams[PPM_EVENT_MAX] = SCAP_EVENT_NPARAMS_INIT;
static const struct scap_syscall_entry g_syscall_table[SYSCALL_TABLE_SIZE] =
	SCAP_X86_64_SYSCALL_TABLE_INIT;

static __always_inline struct scap_settings *get_settings(void) {
	__u32 zero = 0;
	return bpf_map_lookup_elem(&settings, &zero);
}

static __always_inline struct scap_counters *get_counters(void) {
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline __u32 syscall_mode(__u32 id) {
	__u8 *mode = bpf_map_lookup_elem(&interesting_syscalls, &id);
	return mode ? *mode : SCAP_SC_OFF;
}

static __always_inline bool syscall_interesting(__u32 id) {
	return syscall_mode(id) != SCAP_SC_OFF;
}

/* Process filter shared by every hook, checked before anything is written or
 * counted: excludes the capturing process (unless asked not to), when a target
 * set is given everything outside it, and everything once the capture stopped. */
static __always_inline bool tgid_wanted(struct scap_settings *s, __u32 tgid) {
	if (s->stopped) return false;
	if (s->self_tgid != 0 && tgid == s->self_tgid) return false;
	if (s->tgid_filter && !bpf_map_lookup_elem(&tgids, &tgid)) return false;
	return true;
}

#endif /* SCAP_BPF_MAPS_H */
