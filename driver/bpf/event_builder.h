/*
 * Event builder: writes one scap event, either straight into this CPU's ring
 * buffer (fixed-size events) or in a per-CPU scratch area that is then copied
 * to the ring (events with strings, buffers or other variable parts).
 *
 * Wire format (see the reference, §3): a 26-byte packed header
 *   ts u64 | tid u64 | len u32 | type u16 | nparams u32
 * then nparams u16 lengths, then the param bytes back to back.
 *
 * Usage, in a filler (all helpers are always_inline, so the compiler knows
 * each call site's param index and most positions are constants):
 *
 *   struct evt e;
 *   if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_MKDIR_2_X)) return 0;
 *   evt_s64(&e, ret);                                              // res
 *   evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN); // path
 *   evt_u32(&e, (__u32)sc_arg(regs, 1));                           // mode
 *   evt_submit(&e);
 *
 * An event whose params all have a fixed size is reserved in the ring at its
 * exact size and written in place (no scratch, no copy), which is cheaper:
 *
 *   if (!evt_begin_fixed(&e, PPME_SYSCALL_CLOSE_X, 8 + 8)) return 0;
 *   evt_s64(&e, ret);                    // res
 *   evt_s64(&e, (__s32)sc_arg(regs, 0)); // fd
 *   evt_submit(&e);
 *
 * The payload size (the params' bytes, lengths and header excluded) must be a
 * constant and must match what the helpers write: a mismatch is a compile
 * error (evt_fixed_size_mismatch). Only the fixed-size helpers (evt_u8 ..
 * evt_s64, evt_empty) may be used, and every path after a successful
 * evt_begin_fixed must reach evt_submit (the verifier rejects a reservation
 * left open).
 *
 * Each evt_* call appends exactly one param (in schema order) and records its
 * length, so a filler must call one helper per schema param: nparams comes
 * from the schema table and the reader trusts it. A param that cannot be
 * read is stored empty (length 0) and counted in counters.read_faults.
 *
 * Bounds: every scratch write goes to data[pos & 0xFFFF] and is at most
 * 64 KiB long, inside the 128 KiB scratch value. An event that grows past
 * SCAP_MAX_EVENT_SIZE is dropped at submit time (counters.drops_too_large).
 *
 * Counters are per-CPU and incremented without atomics: the probe's programs
 * do not run in interrupt context, and on kernels without full preemption
 * (preempt=none/voluntary) none of them can interrupt another on the same CPU
 * in the middle of an increment.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_EVENT_BUILDER_H
#define SCAP_BPF_EVENT_BUILDER_H

#include "maps.h"

#define EVT_HEADER_SIZE 26
/* Length slots live in [26, 26 + 2 * 32); the mask keeps them provably in bounds. */
#define EVT_LEN_MASK 0xFF

struct evt {
	__u8 *d;                   /* scratch data (map value) or the ring record */
	struct scap_counters *cnt; /* this CPU's counters */
	__u64 pos;                 /* next payload byte (unmasked, checked at submit) */
	__u32 lpos;                /* next length slot */
	__u32 snaplen;             /* current snaplen setting */
	__u32 fixed;               /* ring record size (0: built in scratch) */
};

/* Called only when a fixed-size event's helpers do not add up to the size
 * given to evt_begin_fixed: the call survives optimization and fails the build. */
extern void evt_fixed_size_mismatch(void)
	__attribute__((error("evt_begin_fixed: the params written do not match the payload size")));

/* Starts an event of `type` for the current thread in scratch slot `slot`.
 * Returns false when the maps are unavailable (never in practice). */
static __always_inline bool evt_begin(struct evt *e, __u32 slot, __u16 type) {
	struct scap_settings *s = get_settings();
	struct scap_counters *c = get_counters();
	if (!s || !c) return false;
	__u32 key = bpf_get_smp_processor_id() * SCAP_NSLOTS + slot;
	struct scratch *sc = bpf_map_lookup_elem(&scratch_map, &key);
	if (!sc) return false;
	__u32 nparams = g_nparams[type];
	e->d = sc->data;
	e->cnt = c;
	e->fixed = 0;
	e->snaplen = s->snaplen;
	e->lpos = EVT_HEADER_SIZE;
	e->pos = EVT_HEADER_SIZE + 2 * nparams;
	*(__u64 *)&e->d[0] = s->boot_time + bpf_ktime_get_boot_ns();
	*(__u64 *)&e->d[8] = (__u32)bpf_get_current_pid_tgid();
	*(__u32 *)&e->d[16] = 0;
	*(__u16 *)&e->d[20] = type;
	*(__u32 *)&e->d[22] = nparams;
	return true;
}

/* Starts a fixed-size event of `type` for thread `tid`, reserved straight in
 * this CPU's ring. `payload` is the params' total size (a constant). Counts
 * the event, and its drop when the ring is full. Returns false when the event
 * cannot be written (dropped, counted). */
static __always_inline bool evt_begin_ring(struct evt *e, struct scap_settings *s, __u16 type,
                                           __u32 payload, __u32 tid) {
	struct scap_counters *c = get_counters();
	if (!c) return false;
	c->n_evts++;
	__u32 nparams = g_nparams[type];
	__u32 size = EVT_HEADER_SIZE + 2 * nparams + payload;
	__u32 cpu = bpf_get_smp_processor_id();
	void *rb = bpf_map_lookup_elem(&ringbuf_maps, &cpu);
	if (!rb) {
		c->drops_no_ring++;
		return false;
	}
	__u8 *d = bpf_ringbuf_reserve(rb, size, 0);
	if (!d) {
		c->drops_ring_full++;
		return false;
	}
	e->d = d;
	e->cnt = c;
	e->fixed = size;
	e->snaplen = 0;
	e->lpos = EVT_HEADER_SIZE;
	e->pos = EVT_HEADER_SIZE + 2 * nparams;
	*(__u64 *)&d[0] = s->boot_time + bpf_ktime_get_boot_ns();
	*(__u64 *)&d[8] = tid;
	*(__u32 *)&d[16] = size;
	*(__u16 *)&d[20] = type;
	*(__u32 *)&d[22] = nparams;
	return true;
}

/* Starts a fixed-size event of `type` for the current thread (see above). */
static __always_inline bool evt_begin_fixed(struct evt *e, __u16 type, __u32 payload) {
	struct scap_settings *s = get_settings();
	if (!s) return false;
	return evt_begin_ring(e, s, type, payload, (__u32)bpf_get_current_pid_tgid());
}

/* Overrides the header tid (e.g. an event emitted on behalf of another task). */
static __always_inline void evt_set_tid(struct evt *e, __u64 tid) {
	*(__u64 *)&e->d[8] = tid;
}

static __always_inline void evt_fault(struct evt *e) {
	e->cnt->read_faults++;
}

/* Records the length of the param just written. */
static __always_inline void evt_len(struct evt *e, __u16 len) {
	*(__u16 *)&e->d[e->lpos & EVT_LEN_MASK] = len;
	e->lpos += 2;
}

/* Pointer to the next payload byte. */
static __always_inline __u8 *evt_cur(struct evt *e) {
	return &e->d[e->pos & SCRATCH_POS_MASK];
}

/* --- raw appends: bytes without a length slot (building blocks) ------------- */

static __always_inline void evt_put_u8(struct evt *e, __u8 v) {
	*evt_cur(e) = v;
	e->pos += 1;
}
static __always_inline void evt_put_u16(struct evt *e, __u16 v) {
	*(__u16 *)evt_cur(e) = v;
	e->pos += 2;
}
static __always_inline void evt_put_u32(struct evt *e, __u32 v) {
	*(__u32 *)evt_cur(e) = v;
	e->pos += 4;
}
static __always_inline void evt_put_u64(struct evt *e, __u64 v) {
	*(__u64 *)evt_cur(e) = v;
	e->pos += 8;
}

/* --- one helper per param encoding ------------------------------------------ */

/* Empty param (absent / unreadable / not applicable). */
static __always_inline void evt_empty(struct evt *e) {
	evt_len(e, 0);
}

/* PT_UINT8, PT_SIGTYPE, PT_FLAGS8, PT_ENUMFLAGS8. */
static __always_inline void evt_u8(struct evt *e, __u8 v) {
	evt_put_u8(e, v);
	evt_len(e, 1);
}
/* PT_UINT16, PT_SYSCALLID, PT_PORT, PT_FLAGS16, PT_ENUMFLAGS16. */
static __always_inline void evt_u16(struct evt *e, __u16 v) {
	evt_put_u16(e, v);
	evt_len(e, 2);
}
/* PT_UINT32, PT_INT32, PT_FLAGS32, PT_ENUMFLAGS32, PT_UID, PT_GID, PT_MODE, PT_SIGSET. */
static __always_inline void evt_u32(struct evt *e, __u32 v) {
	evt_put_u32(e, v);
	evt_len(e, 4);
}
/* PT_UINT64, PT_ABSTIME, PT_RELTIME. */
static __always_inline void evt_u64(struct evt *e, __u64 v) {
	evt_put_u64(e, v);
	evt_len(e, 8);
}
/* PT_INT64, PT_ERRNO, PT_FD, PT_PID. */
static __always_inline void evt_s64(struct evt *e, __s64 v) {
	evt_put_u64(e, (__u64)v);
	evt_len(e, 8);
}

/* Appends a NUL-terminated string read from `p` (at most `max` bytes with the
 * NUL; `max` must be a constant <= 64 KiB) without a length slot. Returns the
 * bytes written (0 when `p` is NULL or unreadable; a fault is counted). */
static __always_inline __u32 evt_put_str(struct evt *e, const void *p, __u32 max, bool user) {
	if (!p) return 0;
	long n = user ? bpf_probe_read_user_str(evt_cur(e), max, p)
	              : bpf_probe_read_kernel_str(evt_cur(e), max, p);
	if (n <= 0) {
		evt_fault(e);
		return 0;
	}
	n &= 0xFFFF;
	e->pos += n;
	return (__u32)n;
}

/* PT_CHARBUF, PT_FSPATH, PT_FSRELPATH from user memory. Returns the length. */
static __always_inline __u32 evt_str_user(struct evt *e, const void *p, __u32 max) {
	__u32 n = evt_put_str(e, p, max, true);
	evt_len(e, n);
	return n;
}
/* Same from kernel memory. */
static __always_inline __u32 evt_str_kernel(struct evt *e, const void *p, __u32 max) {
	__u32 n = evt_put_str(e, p, max, false);
	evt_len(e, n);
	return n;
}

/* Appends `len` raw bytes from `p` without a length slot; returns the bytes
 * written (0 on a fault, which is counted). `len` is clamped to 64 KiB - 1. */
static __always_inline __u32 evt_put_bytes(struct evt *e, const void *p, __u64 len, bool user) {
	if (!p || len == 0) return 0;
	if (len > 0xFFFF) len = 0xFFFF;
	__u32 n = (__u32)len & 0xFFFF;
	long err = user ? bpf_probe_read_user(evt_cur(e), n, p) : bpf_probe_read_kernel(evt_cur(e), n, p);
	if (err) {
		evt_fault(e);
		return 0;
	}
	e->pos += n;
	return n;
}

/* PT_BYTEBUF of I/O data: at most snaplen bytes of the `len` at `p` (user). */
static __always_inline void evt_data_user(struct evt *e, const void *p, __u64 len) {
	if (len > e->snaplen) len = e->snaplen;
	evt_len(e, (__u16)evt_put_bytes(e, p, len, true));
}

/* PT_BYTEBUF holding a NUL-separated string list (argv, environ) read from
 * user memory [p, p + len), cut at `max`; a cut list gets a final NUL. */
static __always_inline void evt_strlist_user(struct evt *e, const void *p, __u64 len, __u32 max) {
	if (len > max) len = max;
	__u32 n = evt_put_bytes(e, p, len, true);
	if (n > 0) {
		/* Force termination: the last byte of a complete list is NUL already. */
		e->d[(e->pos - 1) & SCRATCH_POS_MASK] = 0;
	}
	evt_len(e, (__u16)n);
}

/* Finishes the event: a ring record is committed in place; a scratch event
 * gets its length and is copied to this CPU's ring. */
static __always_inline void evt_submit(struct evt *e) {
	/* Decided at compile time: a fixed-size event's `fixed` is a known
	 * constant; a scratch event's is 0, or unknown where `e` was handed to a
	 * function that is not inlined (scratch events only do that). */
	if (__builtin_constant_p(e->fixed) && e->fixed) {
		if (e->pos != e->fixed) evt_fixed_size_mismatch();
		/* Flags 0: the kernel wakes a poller only when the reader had caught up. */
		bpf_ringbuf_submit(e->d, 0);
		return;
	}
	struct scap_counters *c = e->cnt;
	__u64 len = e->pos;
	c->n_evts++;
	if (len > SCAP_MAX_EVENT_SIZE) {
		c->drops_too_large++;
		return;
	}
	*(__u32 *)&e->d[16] = (__u32)len;
	__u32 cpu = bpf_get_smp_processor_id();
	void *rb = bpf_map_lookup_elem(&ringbuf_maps, &cpu);
	if (!rb) {
		c->drops_no_ring++;
		return;
	}
	if (bpf_ringbuf_output(rb, e->d, len, 0) != 0) c->drops_ring_full++;
}

#endif /* SCAP_BPF_EVENT_BUILDER_H */
