/*
 * Event builder of the kernel module: the same helpers, with the same
 * semantics, as the eBPF probe's driver/bpf/event_builder.h, so the fillers
 * read alike and write identical bytes. An event is assembled in this CPU's
 * scratch area, then copied into the CPU's ring (main.c: scap_ring_write).
 *
 * Probes run with preemption disabled: user memory is read with the
 * non-faulting accessors; a read that fails leaves the param empty and
 * counts a read fault.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_KMOD_EVT_H
#define SCAP_KMOD_EVT_H

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#include "scap_schema.h"
#include "scap_kmod_abi.h"

#define EVT_HEADER_SIZE 26
#define SCAP_MAX_EVENT_SIZE (64 * 1024)
#define SCAP_MAX_SNAPLEN 65000
/* Scratch: the event (at most 64 KiB) plus room for temporaries at the end. */
#define SCRATCH_SIZE (128 * 1024)
#define SCRATCH_TMP_OFF (SCRATCH_SIZE - 8192)
#define SCRATCH_TMP_SIZE 8192

#define PATH_MAX_LEN 4096
#define MAX_PROC_EXE 4096
#define MAX_ARG_ENV 4096
#define MAX_ARGV 16

struct scap_cpu;

struct evt {
	u8 *d;              /* scratch */
	struct scap_cpu *c; /* this CPU's state (counters) */
	u32 pos;            /* next payload byte */
	u32 lpos;           /* next length slot */
	u32 snaplen;
	bool overflow;      /* the event outgrew SCAP_MAX_EVENT_SIZE */
};

/* main.c */
bool evt_begin(struct evt *e, u16 type);
void evt_submit(struct evt *e);
void evt_end(struct evt *e); /* releases the scratch without emitting */
void evt_fault(struct evt *e);
extern const u8 g_nparams[PPM_EVENT_MAX];

static inline void evt_set_tid(struct evt *e, u64 tid) {
	memcpy(&e->d[8], &tid, 8);
}

static inline void evt_len(struct evt *e, u16 len) {
	memcpy(&e->d[e->lpos], &len, 2);
	e->lpos += 2;
}

static inline u8 *evt_cur(struct evt *e) {
	return &e->d[e->pos];
}

/* Room for n more payload bytes in the scratch (an event over 64 KiB is
 * dropped at submit, as the probe does; past the scratch it is marked). */
static inline bool evt_room(struct evt *e, u32 n) {
	if (e->pos + n > SCRATCH_TMP_OFF) {
		e->overflow = true;
		return false;
	}
	return true;
}

static inline void evt_put_raw(struct evt *e, const void *p, u32 n) {
	if (!evt_room(e, n)) return;
	memcpy(evt_cur(e), p, n);
	e->pos += n;
}
static inline void evt_put_u8(struct evt *e, u8 v) { evt_put_raw(e, &v, 1); }
static inline void evt_put_u16(struct evt *e, u16 v) { evt_put_raw(e, &v, 2); }
static inline void evt_put_u32(struct evt *e, u32 v) { evt_put_raw(e, &v, 4); }
static inline void evt_put_u64(struct evt *e, u64 v) { evt_put_raw(e, &v, 8); }

static inline void evt_empty(struct evt *e) { evt_len(e, 0); }
static inline void evt_u8(struct evt *e, u8 v) { evt_put_u8(e, v); evt_len(e, 1); }
static inline void evt_u16(struct evt *e, u16 v) { evt_put_u16(e, v); evt_len(e, 2); }
static inline void evt_u32(struct evt *e, u32 v) { evt_put_u32(e, v); evt_len(e, 4); }
static inline void evt_u64(struct evt *e, u64 v) { evt_put_u64(e, v); evt_len(e, 8); }
static inline void evt_s64(struct evt *e, s64 v) { evt_put_u64(e, (u64)v); evt_len(e, 8); }

/* A NUL-terminated string from user memory, at most `max` bytes with the NUL
 * (a longer one is cut and terminated), without a length slot. Returns the
 * bytes written (0: NULL pointer or a fault, which is counted). */
static inline u32 evt_put_str_user(struct evt *e, const void *p, u32 max) {
	long n;
	if (!p) return 0;
	if (!evt_room(e, max)) return 0;
	/* strncpy_from_user_nofault is not exported: the same with page faults off. */
	pagefault_disable();
	n = strncpy_from_user((char *)evt_cur(e), (const char __user *)p, max);
	pagefault_enable();
	if (n < 0) {
		evt_fault(e);
		return 0;
	}
	if (n >= max) n = max - 1;
	e->d[e->pos + n] = 0;
	e->pos += n + 1;
	return (u32)(n + 1);
}

/* The same from kernel memory (a valid kernel string). */
static inline u32 evt_put_str_kernel(struct evt *e, const char *p, u32 max) {
	size_t n;
	if (!p) return 0;
	if (!evt_room(e, max)) return 0;
	n = strnlen(p, max - 1);
	memcpy(evt_cur(e), p, n);
	e->d[e->pos + n] = 0;
	e->pos += n + 1;
	return (u32)(n + 1);
}

static inline u32 evt_str_user(struct evt *e, const void *p, u32 max) {
	u32 n = evt_put_str_user(e, p, max);
	evt_len(e, n);
	return n;
}
static inline u32 evt_str_kernel(struct evt *e, const char *p, u32 max) {
	u32 n = evt_put_str_kernel(e, p, max);
	evt_len(e, n);
	return n;
}

/* Raw bytes from user memory, without a length slot; 0 on a fault (counted). */
static inline u32 evt_put_bytes_user(struct evt *e, const void *p, u64 len) {
	u32 n;
	if (!p || len == 0) return 0;
	if (len > 0xFFFF) len = 0xFFFF;
	n = (u32)len;
	if (!evt_room(e, n)) return 0;
	if (copy_from_user_nofault(evt_cur(e), (const void __user *)p, n)) {
		evt_fault(e);
		return 0;
	}
	e->pos += n;
	return n;
}

/* I/O data: at most snaplen bytes of the `len` at `p`. */
static inline void evt_data_user(struct evt *e, const void *p, u64 len) {
	if (len > e->snaplen) len = e->snaplen;
	evt_len(e, (u16)evt_put_bytes_user(e, p, len));
}

/* A NUL-separated string list from user memory [p, p + len), cut at `max`; a
 * cut list gets a final NUL. */
static inline void evt_strlist_user(struct evt *e, const void *p, u64 len, u32 max) {
	u32 n;
	if (len > max) len = max;
	n = evt_put_bytes_user(e, p, len);
	if (n > 0) e->d[e->pos - 1] = 0;
	evt_len(e, (u16)n);
}

#endif /* SCAP_KMOD_EVT_H */
