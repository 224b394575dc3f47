/*
 * Socket calls: socket, bind, connect, listen, accept, accept4 exit events.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"
#include "../net.h"

/* socket(domain, type, proto) -> fd, domain, type, proto, flags */
SCAP_EXIT_PROG(socket_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SOCKET_SOCKET_X, 8 + 4 * 4)) return 0;
	__u32 type = (__u32)sc_arg(regs, 1);
	evt_s64(&e, ret);                                            /* fd */
	evt_u32(&e, socket_family_to_scap((__u32)sc_arg(regs, 0)));  /* domain */
	evt_u32(&e, type);                                           /* type */
	evt_u32(&e, (__u32)sc_arg(regs, 2));                         /* proto */
	evt_u32(&e, socket_flags_to_scap(type));                     /* flags */
	evt_submit(&e);
	return 0;
}

/* bind(fd, addr, addrlen) -> res, addr, fd */
SCAP_EXIT_PROG(bind_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_BIND_X)) return 0;
	evt_s64(&e, ret);                                                       /* res */
	evt_sockaddr_user(&e, (const void *)sc_arg(regs, 1), sc_arg(regs, 2));  /* addr */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                                    /* fd */
	evt_submit(&e);
	return 0;
}

/* connect(fd, addr, addrlen) -> res, tuple, fd, addr. The tuple is known once
 * the connection is made or in progress. */
SCAP_EXIT_PROG(connect_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_CONNECT_X)) return 0;
	__s64 fd = (__s32)sc_arg(regs, 0);
	const void *uaddr = (const void *)sc_arg(regs, 1);
	__u64 addrlen = sc_arg(regs, 2);
	evt_s64(&e, ret);                                                       /* res */
	if (ret == 0 || ret == -EINPROGRESS)
		evt_socktuple(&e, fd, TUPLE_OUTBOUND, uaddr, addrlen);              /* tuple */
	else
		evt_empty(&e);
	evt_s64(&e, fd);                                                        /* fd */
	evt_sockaddr_user(&e, uaddr, addrlen);                                  /* addr */
	evt_submit(&e);
	return 0;
}

/* listen(fd, backlog) -> res, fd, backlog */
SCAP_EXIT_PROG(listen_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SOCKET_LISTEN_X, 8 + 8 + 4)) return 0;
	evt_s64(&e, ret);                        /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));     /* fd */
	evt_u32(&e, (__u32)sc_arg(regs, 1));     /* backlog */
	evt_submit(&e);
	return 0;
}

/* accept/accept4 common part: fd, tuple, queuepct, queuelen, queuemax. */
static __always_inline void fill_accept(struct evt *e, struct pt_regs *regs, long ret) {
	__u32 qlen = 0, qmax = 0;
	__u8 qpct = 0;
	evt_s64(e, ret);                                                       /* fd */
	if (ret >= 0) {
		evt_socktuple(e, ret, TUPLE_INBOUND, NULL, 0);                     /* tuple */
		struct socket *ls = file_socket(fd_file((__s32)sc_arg(regs, 0)));
		struct sock *sk = ls ? BPF_CORE_READ(ls, sk) : NULL;
		if (sk) {
			qlen = BPF_CORE_READ(sk, sk_ack_backlog);
			qmax = BPF_CORE_READ(sk, sk_max_ack_backlog);
			if (qmax) qpct = (__u8)((__u64)qlen * 100 / qmax);
		}
	} else {
		evt_empty(e);
	}
	evt_u8(e, qpct);                                                       /* queuepct */
	evt_u32(e, qlen);                                                      /* queuelen */
	evt_u32(e, qmax);                                                      /* queuemax */
}

SCAP_EXIT_PROG(accept_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_ACCEPT_5_X)) return 0;
	fill_accept(&e, regs, ret);
	evt_submit(&e);
	return 0;
}

/* accept4 adds flags (SOCK_NONBLOCK / SOCK_CLOEXEC as PPM_O_*, like Falco). */
SCAP_EXIT_PROG(accept4_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_ACCEPT4_6_X)) return 0;
	fill_accept(&e, regs, ret);
	evt_u32(&e, socket_flags_to_scap((__u32)sc_arg(regs, 3)));            /* flags */
	evt_submit(&e);
	return 0;
}

/* shutdown(fd, how) -> res, fd, how */
SCAP_EXIT_PROG(shutdown_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SOCKET_SHUTDOWN_X, 8 + 8 + 1)) return 0;
	evt_s64(&e, ret);                                            /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                         /* fd */
	evt_u8(&e, shutdown_how_to_scap((__u32)sc_arg(regs, 1)));    /* how */
	evt_submit(&e);
	return 0;
}

/* socketpair(domain, type, proto, sv) -> res, fd1, fd2, source, peer,
 * domain, type, proto. source/peer are the kernel socket pointers of the
 * first socket and of its peer (unix pairs), as in the UNIX socktuple. */
SCAP_EXIT_PROG(socketpair_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SOCKET_SOCKETPAIR_X, 5 * 8 + 3 * 4)) return 0;
	__s32 fds[2] = {-1, -1};
	__u64 source = 0, peer = 0;
	if (ret == 0) {
		if (bpf_probe_read_user(fds, sizeof(fds), (const void *)sc_arg(regs, 3))) {
			evt_fault(&e);
			fds[0] = fds[1] = -1;
		}
		struct socket *sock = file_socket(fd_file(fds[0]));
		struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
		if (sk) {
			source = (__u64)sk;
			peer = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
		}
	}
	evt_s64(&e, ret);                                            /* res */
	evt_s64(&e, fds[0]);                                         /* fd1 */
	evt_s64(&e, fds[1]);                                         /* fd2 */
	evt_u64(&e, source);                                         /* source */
	evt_u64(&e, peer);                                           /* peer */
	evt_u32(&e, socket_family_to_scap((__u32)sc_arg(regs, 0)));  /* domain */
	evt_u32(&e, (__u32)sc_arg(regs, 1));                         /* type */
	evt_u32(&e, (__u32)sc_arg(regs, 2));                         /* proto */
	evt_submit(&e);
	return 0;
}
