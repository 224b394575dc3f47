/*
 * Socket data calls: sendto, recvfrom, sendmsg, recvmsg exit events.
 *
 * data is cut at snaplen (and at res for a successful call); tuple is the
 * socket's 5-tuple (net.h), outbound for sends and inbound for receives,
 * with the user sockaddr (sendto/recvfrom addr, msg_name) standing in for the
 * remote end of an unconnected datagram socket. tuple is empty when the
 * call failed.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../iov.h"
#include "../extract.h"
#include "../net.h"

/* sendto(fd, buf, len, flags, addr, addrlen) -> res, data, fd, size, tuple */
SCAP_EXIT_PROG(sendto_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_SENDTO_X)) return 0;
	__s64 fd = (__s32)sc_arg(regs, 0);
	__u32 size = (__u32)sc_arg(regs, 2);
	evt_s64(&e, ret);                                                        /* res */
	evt_data_user(&e, (const void *)sc_arg(regs, 1), ret > 0 ? (__u64)ret : size); /* data */
	evt_s64(&e, fd);                                                         /* fd */
	evt_u32(&e, size);                                                       /* size */
	if (ret >= 0)
		evt_socktuple(&e, fd, TUPLE_OUTBOUND, (const void *)sc_arg(regs, 4), sc_arg(regs, 5)); /* tuple */
	else
		evt_empty(&e);
	evt_submit(&e);
	return 0;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen *) -> res, data, tuple, fd, size */
SCAP_EXIT_PROG(recvfrom_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_RECVFROM_X)) return 0;
	__s64 fd = (__s32)sc_arg(regs, 0);
	evt_s64(&e, ret);                                                        /* res */
	if (ret >= 0) {
		evt_data_user(&e, (const void *)sc_arg(regs, 1), (__u64)ret);       /* data */
		/* addrlen is a pointer: the kernel stored the sender's address length there. */
		const void *uaddr = (const void *)sc_arg(regs, 4);
		__u32 alen = 0;
		if (uaddr && sc_arg(regs, 5))
			bpf_probe_read_user(&alen, sizeof(alen), (const void *)sc_arg(regs, 5));
		evt_socktuple(&e, fd, TUPLE_INBOUND, uaddr, alen);                 /* tuple */
	} else {
		evt_empty(&e);                                                       /* data */
		evt_empty(&e);                                                       /* tuple */
	}
	evt_s64(&e, fd);                                                         /* fd */
	evt_u32(&e, (__u32)sc_arg(regs, 2));                                     /* size */
	evt_submit(&e);
	return 0;
}

/* sendmsg(fd, msghdr, flags) -> res, data, fd, size, tuple */
SCAP_EXIT_PROG(sendmsg_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_SENDMSG_X)) return 0;
	__s64 fd = (__s32)sc_arg(regs, 0);
	struct scap_msghdr m;
	bool have = msghdr_fetch(&e, (const void *)sc_arg(regs, 1), &m);
	evt_s64(&e, ret);                                                        /* res */
	if (!have) {
		evt_empty(&e);                                                       /* data */
		evt_s64(&e, fd);                                                     /* fd */
		evt_empty(&e);                                                       /* size */
		evt_empty(&e);                                                       /* tuple */
		evt_submit(&e);
		return 0;
	}
	__u32 cnt = iov_fetch(&e, (const void *)m.msg_iov, m.msg_iovlen);
	evt_iov_data(&e, cnt, ret > 0 ? (__u64)ret : (__u64)-1);                 /* data */
	evt_s64(&e, fd);                                                         /* fd */
	evt_u32(&e, (__u32)iov_total(&e, cnt));                                  /* size */
	if (ret >= 0)
		evt_socktuple(&e, fd, TUPLE_OUTBOUND, (const void *)m.msg_name, m.msg_namelen); /* tuple */
	else
		evt_empty(&e);
	evt_submit(&e);
	return 0;
}

/* recvmsg(fd, msghdr, flags) -> res, size, data, tuple, msgcontrol, fd.
 * The msghdr is read at exit: msg_namelen and msg_controllen are what the
 * kernel filled in. */
SCAP_EXIT_PROG(recvmsg_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SOCKET_RECVMSG_X)) return 0;
	__s64 fd = (__s32)sc_arg(regs, 0);
	evt_s64(&e, ret);                                                        /* res */
	struct scap_msghdr m;
	if (ret >= 0 && msghdr_fetch(&e, (const void *)sc_arg(regs, 1), &m)) {
		evt_u32(&e, (__u32)ret);                                             /* size */
		__u32 cnt = iov_fetch(&e, (const void *)m.msg_iov, m.msg_iovlen);
		evt_iov_data(&e, cnt, (__u64)ret);                                   /* data */
		evt_socktuple(&e, fd, TUPLE_INBOUND, (const void *)m.msg_name, m.msg_namelen); /* tuple */
		__u64 clen = m.msg_controllen;
		if (m.msg_control && clen > 0 && clen <= 0xFFFF)
			evt_len(&e, (__u16)evt_put_bytes(&e, (const void *)m.msg_control, clen, true)); /* msgcontrol */
		else
			evt_empty(&e);
	} else {
		evt_u32(&e, 0);                                                      /* size */
		evt_empty(&e);                                                       /* data */
		evt_empty(&e);                                                       /* tuple */
		evt_empty(&e);                                                       /* msgcontrol */
	}
	evt_s64(&e, fd);                                                         /* fd */
	evt_submit(&e);
	return 0;
}
