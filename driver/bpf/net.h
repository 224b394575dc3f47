/*
 * Network params: PT_SOCKADDR (from a user sockaddr) and PT_SOCKTUPLE (from
 * the kernel socket behind an fd).
 *
 *   SOCKADDR  INET:  fam u8 | ip 4 (network order) | port u16 (host order)
 *             INET6: fam u8 | ip 16 | port u16
 *             UNIX:  fam u8 | path, NUL-terminated (abstract: leading NUL skipped)
 *   SOCKTUPLE INET:  fam | src ip | src port | dst ip | dst port
 *             INET6: same with 16-byte addresses
 *             UNIX:  fam | u64 | u64 (kernel socket pointers) | path
 *   Other families: empty param.
 *
 * Direction: outbound calls (connect, send*) write local then remote;
 * inbound calls (accept*, recv*) write remote then local, so the first
 * endpoint is always the initiator as libsinsp reads it.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_NET_H
#define SCAP_BPF_NET_H

#include "event_builder.h"
#include "extract.h"

#define SOCKADDR_MAX 112 /* >= sizeof(struct sockaddr_un) (110), multiple of 8 */
#define UNIX_PATH_MAX 108

enum tuple_dir { TUPLE_OUTBOUND = 0, TUPLE_INBOUND = 1 };

/* Copies a user sockaddr of `addrlen` bytes into the scratch temporary area
 * (zero-filled first). Returns a pointer to it, or NULL when unreadable. */
static __always_inline __u8 *sockaddr_fetch(struct evt *e, const void *uaddr, __u64 addrlen) {
	__u8 *tmp = &e->d[SCRATCH_TMP_OFF];
	if (!uaddr || addrlen < 2) return NULL;
	if (addrlen > SOCKADDR_MAX) addrlen = SOCKADDR_MAX;
#pragma unroll
	for (int i = 0; i < SOCKADDR_MAX; i += 8) *(__u64 *)&tmp[i] = 0;
	if (bpf_probe_read_user(tmp, (__u32)addrlen & (SOCKADDR_MAX * 2 - 1), uaddr)) {
		evt_fault(e);
		return NULL;
	}
	return tmp;
}

/* PT_SOCKADDR from a user pointer. */
static __always_inline void evt_sockaddr_user(struct evt *e, const void *uaddr, __u64 addrlen) {
	__u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
	if (!sa) {
		evt_empty(e);
		return;
	}
	__u16 family = *(__u16 *)&sa[0];
	__u64 start = e->pos;
	switch (family) {
	case AF_INET: /* sockaddr_in: family, port @2, addr @4 */
		evt_put_u8(e, PPM_AF_INET);
		evt_put_u32(e, *(__u32 *)&sa[4]);
		evt_put_u16(e, ntohs16(*(__u16 *)&sa[2]));
		break;
	case AF_INET6: /* sockaddr_in6: family, port @2, flowinfo @4, addr @8 */
		evt_put_u8(e, PPM_AF_INET6);
		evt_put_u64(e, *(__u64 *)&sa[8]);
		evt_put_u64(e, *(__u64 *)&sa[16]);
		evt_put_u16(e, ntohs16(*(__u16 *)&sa[2]));
		break;
	case AF_UNIX: { /* sockaddr_un: family, path @2 */
		evt_put_u8(e, PPM_AF_UNIX);
		__u32 off = sa[2] == 0 ? 3 : 2;
		evt_put_str(e, &sa[off], UNIX_PATH_MAX, false);
		break;
	}
	default:
		break;
	}
	evt_len(e, (__u16)(e->pos - start));
}

/* PT_SOCKTUPLE of the socket behind `fd`. `uaddr` (user sockaddr, may be NULL)
 * stands in for the remote end when the kernel has none (unconnected UDP). */
static __always_inline void evt_socktuple(struct evt *e, __s64 fd, enum tuple_dir dir,
                                          const void *uaddr, __u64 addrlen) {
	struct socket *sock = file_socket(fd_file(fd));
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	if (!sk) {
		evt_empty(e);
		return;
	}
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u64 start = e->pos;
	switch (family) {
	case AF_INET: {
		__u32 lip = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u32 rip = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 rport = ntohs16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (rport == 0 && uaddr) {
			__u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
			if (sa && *(__u16 *)&sa[0] == AF_INET) {
				rip = *(__u32 *)&sa[4];
				rport = ntohs16(*(__u16 *)&sa[2]);
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
	case AF_INET6: {
		struct in6_addr lip = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		struct in6_addr rip = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u16 rport = ntohs16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		__u64 r0 = *(__u64 *)&rip.in6_u.u6_addr8[0];
		__u64 r1 = *(__u64 *)&rip.in6_u.u6_addr8[8];
		if (rport == 0 && uaddr) {
			__u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
			if (sa && *(__u16 *)&sa[0] == AF_INET6) {
				r0 = *(__u64 *)&sa[8];
				r1 = *(__u64 *)&sa[16];
				rport = ntohs16(*(__u16 *)&sa[2]);
			}
		}
		__u64 l0 = *(__u64 *)&lip.in6_u.u6_addr8[0];
		__u64 l1 = *(__u64 *)&lip.in6_u.u6_addr8[8];
		evt_put_u8(e, PPM_AF_INET6);
		if (dir == TUPLE_OUTBOUND) {
			evt_put_u64(e, l0);
			evt_put_u64(e, l1);
			evt_put_u16(e, lport);
			evt_put_u64(e, r0);
			evt_put_u64(e, r1);
			evt_put_u16(e, rport);
		} else {
			evt_put_u64(e, r0);
			evt_put_u64(e, r1);
			evt_put_u16(e, rport);
			evt_put_u64(e, l0);
			evt_put_u64(e, l1);
			evt_put_u16(e, lport);
		}
		break;
	}
	case AF_UNIX: {
		struct unix_sock *us = (struct unix_sock *)sk;
		struct sock *peer = BPF_CORE_READ(us, peer);
		const char *path = NULL;
		evt_put_u8(e, PPM_AF_UNIX);
		if (dir == TUPLE_OUTBOUND) {
			evt_put_u64(e, (__u64)peer);
			evt_put_u64(e, (__u64)sk);
			if (peer) {
				struct unix_address *ua = BPF_CORE_READ((struct unix_sock *)peer, addr);
				if (ua) path = (const char *)&ua->name[0].sun_path[0];
			} else if (uaddr) {
				__u8 *sa = sockaddr_fetch(e, uaddr, addrlen);
				if (sa) path = (const char *)&sa[2];
			}
		} else {
			evt_put_u64(e, (__u64)sk);
			evt_put_u64(e, (__u64)peer);
			struct unix_address *ua = BPF_CORE_READ(us, addr);
			if (ua) path = (const char *)&ua->name[0].sun_path[0];
		}
		if (path) {
			char first = 0;
			bpf_probe_read_kernel(&first, 1, path);
			if (first == 0) path++;
		}
		if (!path || evt_put_str(e, path, UNIX_PATH_MAX, false) == 0) evt_put_u8(e, 0);
		break;
	}
	default:
		break;
	}
	evt_len(e, (__u16)(e->pos - start));
}

#endif /* SCAP_BPF_NET_H */
