/*
 * Data params gathered from user iovec arrays (readv, writev, preadv,
 * pwritev, sendmsg, recvmsg) and the user msghdr of sendmsg/recvmsg.
 *
 * The iovec array is copied once into the scratch temporary area (at most
 * MAX_IOVCNT entries, 16 bytes each: exactly the 4 KiB of that area), then
 * the buffers are copied one after the other into the param until `limit`
 * bytes (snaplen, or what the call transferred) are in.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_IOV_H
#define SCAP_BPF_IOV_H

#include "event_builder.h"

/* iovec entries looked at; the 4 KiB temporary area holds exactly this many. */
#define MAX_IOVCNT 256
#define IOV_SIZE 16 /* struct iovec: iov_base u64, iov_len u64 */

/* Copies the user iovec array into the temporary area. Returns the number
 * of entries available (0 when unreadable, a fault is counted). */
static __always_inline __u32 iov_fetch(struct evt *e, const void *uiov, __u64 cnt) {
	if (!uiov || cnt == 0) return 0;
	if (cnt > MAX_IOVCNT) cnt = MAX_IOVCNT;
	__u32 bytes = ((__u32)cnt * IOV_SIZE) & (MAX_IOVCNT * IOV_SIZE * 2 - 1);
	if (bytes > MAX_IOVCNT * IOV_SIZE) bytes = MAX_IOVCNT * IOV_SIZE;
	if (bpf_probe_read_user(&e->d[SCRATCH_TMP_OFF], bytes, uiov)) {
		evt_fault(e);
		return 0;
	}
	return (__u32)cnt;
}

static __always_inline __u64 iov_base(struct evt *e, __u32 i) {
	return *(__u64 *)&e->d[SCRATCH_TMP_OFF + ((i * IOV_SIZE) & (MAX_IOVCNT * IOV_SIZE - 1))];
}
static __always_inline __u64 iov_len(struct evt *e, __u32 i) {
	return *(__u64 *)&e->d[SCRATCH_TMP_OFF + ((i * IOV_SIZE + 8) & (MAX_IOVCNT * IOV_SIZE - 1))];
}

/* Sum of the iov_len of the first `cnt` entries fetched (the size a write asked for). */
static __always_inline __u64 iov_total(struct evt *e, __u32 cnt) {
	__u64 total = 0;
	for (__u32 i = 0; i < MAX_IOVCNT; i++) {
		if (i >= cnt) break;
		total += iov_len(e, i);
	}
	return total;
}

/* bpf_loop state, kept in the scratch map rather than on the stack: values
 * loaded from a map are fresh unknowns to the verifier, so the callback's
 * states converge after one pass instead of being walked once per entry. */
#define IOV_STATE_OFF (SCRATCH_TMP_OFF - 32)
struct iov_copy_state {
	__u64 pos;  /* next payload byte */
	__u64 left; /* bytes still wanted */
	__u64 cnt;  /* entries fetched */
};

/* bpf_loop body: copies the buffer of entry i (cut at what is still wanted). */
static long iov_copy_one(__u64 i, void *arg) {
	struct evt *e = *(struct evt **)arg;
	__u8 *d = e->d;
	struct iov_copy_state *st = (struct iov_copy_state *)&d[IOV_STATE_OFF];
	__u64 left = st->left;
	if (i >= st->cnt || left == 0) return 1;
	__u64 len = iov_len(e, (__u32)i);
	if (len > left) len = left;
	if (len == 0) return 0;
	if (len > 0xFFFF) len = 0xFFFF;
	__u64 pos = st->pos;
	if (bpf_probe_read_user(&d[pos & SCRATCH_POS_MASK], (__u32)len & 0xFFFF,
	                        (const void *)iov_base(e, (__u32)i))) {
		evt_fault(e);
		return 1;
	}
	st->pos = pos + len;
	st->left = left - len;
	return 0;
}

/* PT_BYTEBUF: the first `limit` bytes (at most snaplen) of the buffers of
 * the `cnt` entries fetched. */
static __always_inline void evt_iov_data(struct evt *e, __u32 cnt, __u64 limit) {
	if (limit > e->snaplen) limit = e->snaplen;
	__u64 start = e->pos;
	if (cnt > 0 && limit > 0) {
		struct iov_copy_state *st = (struct iov_copy_state *)&e->d[IOV_STATE_OFF];
		st->pos = start;
		st->left = limit;
		st->cnt = cnt;
		struct evt *ep = e;
		bpf_loop(MAX_IOVCNT, iov_copy_one, &ep, 0);
		e->pos = st->pos;
	}
	evt_len(e, (__u16)(e->pos - start));
}

/* struct user_msghdr, as user space lays it out (x86_64). */
struct scap_msghdr {
	__u64 msg_name;
	__u32 msg_namelen;
	__u32 pad0;
	__u64 msg_iov;
	__u64 msg_iovlen;
	__u64 msg_control;
	__u64 msg_controllen;
	__u32 msg_flags;
	__u32 pad1;
};

/* Reads the user msghdr at `p`; false (and a counted fault) when unreadable. */
static __always_inline bool msghdr_fetch(struct evt *e, const void *p, struct scap_msghdr *m) {
	__builtin_memset(m, 0, sizeof(*m));
	if (!p || bpf_probe_read_user(m, sizeof(*m), p)) {
		if (p) evt_fault(e);
		return false;
	}
	return true;
}

#endif /* SCAP_BPF_IOV_H */
