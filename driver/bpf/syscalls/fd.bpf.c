/*
 * fd plumbing: dup, dup2, dup3, pipe, pipe2, fcntl, ioctl, memfd_create,
 * userfaultfd, io_uring_setup exit events.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

/* dup(oldfd) -> res, oldfd */
SCAP_EXIT_PROG(dup_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_DUP_1_X, 8 + 8)) return 0;
	evt_s64(&e, (__s32)ret);                  /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));      /* oldfd */
	evt_submit(&e);
	return 0;
}

/* dup2(oldfd, newfd) -> res, oldfd, newfd; dup3 adds flags */
static __always_inline int fill_dup23(struct pt_regs *regs, long ret, __u16 type, bool with_flags) {
	struct evt e;
	if (!evt_begin_fixed(&e, type, 3 * 8 + (with_flags ? 4 : 0))) return 0;
	evt_s64(&e, (__s32)ret);                                            /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                                /* oldfd */
	evt_s64(&e, (__s32)sc_arg(regs, 1));                                /* newfd */
	if (with_flags) evt_u32(&e, dup3_flags_to_scap((__u32)sc_arg(regs, 2))); /* flags */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(dup2_x) {
	return fill_dup23(regs, ret, PPME_SYSCALL_DUP2_X, false);
}

SCAP_EXIT_PROG(dup3_x) {
	return fill_dup23(regs, ret, PPME_SYSCALL_DUP3_X, true);
}

/* pipe(fds) -> res, fd1, fd2, ino; pipe2(fds, flags) adds flags. The fds
 * are read back from user memory (-1 when the call failed); ino is the
 * pipe's inode (0 on failure). */
static __always_inline int fill_pipe(struct pt_regs *regs, long ret, __u16 type, bool with_flags) {
	struct evt e;
	if (!evt_begin_fixed(&e, type, 4 * 8 + (with_flags ? 4 : 0))) return 0;
	__s32 fds[2] = {-1, -1};
	__u32 dev = 0;
	__u64 ino = 0;
	if (ret == 0) {
		if (bpf_probe_read_user(fds, sizeof(fds), (const void *)sc_arg(regs, 0))) {
			evt_fault(&e);
			fds[0] = fds[1] = -1;
		}
		file_dev_ino(fd_file(fds[0]), &dev, &ino);
	}
	evt_s64(&e, ret);                                                      /* res */
	evt_s64(&e, fds[0]);                                                   /* fd1 */
	evt_s64(&e, fds[1]);                                                   /* fd2 */
	evt_u64(&e, ino);                                                      /* ino */
	if (with_flags) evt_u32(&e, pipe2_flags_to_scap((__u32)sc_arg(regs, 1))); /* flags */
	evt_submit(&e);
	return 0;
}

SCAP_EXIT_PROG(pipe_x) {
	return fill_pipe(regs, ret, PPME_SYSCALL_PIPE_X, false);
}

SCAP_EXIT_PROG(pipe2_x) {
	return fill_pipe(regs, ret, PPME_SYSCALL_PIPE2_X, true);
}

/* fcntl(fd, cmd, arg) -> res, fd, cmd, arg */
SCAP_EXIT_PROG(fcntl_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_FCNTL_X, 8 + 8 + 1 + 8)) return 0;
	evt_s64(&e, ret);                                          /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                       /* fd */
	evt_u8(&e, fcntl_cmd_to_scap((__u32)sc_arg(regs, 1)));     /* cmd */
	evt_u64(&e, sc_arg(regs, 2));                              /* arg */
	evt_submit(&e);
	return 0;
}

/* ioctl(fd, request, argument) -> res, fd, request, argument */
SCAP_EXIT_PROG(ioctl_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_IOCTL_3_X, 8 + 8 + 8 + 8)) return 0;
	evt_s64(&e, ret);                                          /* res */
	evt_s64(&e, (__s32)sc_arg(regs, 0));                       /* fd */
	evt_u64(&e, sc_arg(regs, 1));                              /* request */
	evt_u64(&e, sc_arg(regs, 2));                              /* argument */
	evt_submit(&e);
	return 0;
}

/* memfd_create(name, flags) -> fd, name, flags */
SCAP_EXIT_PROG(memfd_create_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_MEMFD_CREATE_X)) return 0;
	evt_s64(&e, ret);                                                  /* fd */
	evt_str_user(&e, (const void *)sc_arg(regs, 0), PATH_MAX_LEN);    /* name */
	evt_u32(&e, memfd_flags_to_scap((__u32)sc_arg(regs, 1)));          /* flags */
	evt_submit(&e);
	return 0;
}

/* userfaultfd(flags) -> res, flags. The table is file_flags: O_CLOEXEC and
 * O_NONBLOCK are converted to PPM_O_* (Falco passes the raw value). */
SCAP_EXIT_PROG(userfaultfd_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_USERFAULTFD_X, 8 + 4)) return 0;
	evt_s64(&e, ret);                                          /* res */
	evt_u32(&e, pipe2_flags_to_scap((__u32)sc_arg(regs, 0)));  /* flags */
	evt_submit(&e);
	return 0;
}

/* The head of struct io_uring_params (UAPI, stable). */
struct scap_io_uring_params {
	__u32 sq_entries;
	__u32 cq_entries;
	__u32 flags;
	__u32 sq_thread_cpu;
	__u32 sq_thread_idle;
	__u32 features;
};

/* io_uring_setup(entries, params) -> res, entries, sq_entries, cq_entries,
 * flags, sq_thread_cpu, sq_thread_idle, features. params is read at exit:
 * sq/cq_entries and features are what the kernel filled in. */
SCAP_EXIT_PROG(io_uring_setup_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_IO_URING_SETUP_X, 8 + 7 * 4)) return 0;
	struct scap_io_uring_params p = {};
	if (bpf_probe_read_user(&p, sizeof(p), (const void *)sc_arg(regs, 1))) evt_fault(&e);
	evt_s64(&e, ret);                                          /* res */
	evt_u32(&e, (__u32)sc_arg(regs, 0));                       /* entries */
	evt_u32(&e, p.sq_entries);                                 /* sq_entries */
	evt_u32(&e, p.cq_entries);                                 /* cq_entries */
	evt_u32(&e, io_uring_setup_flags_to_scap(p.flags));        /* flags */
	evt_u32(&e, p.sq_thread_cpu);                              /* sq_thread_cpu */
	evt_u32(&e, p.sq_thread_idle);                             /* sq_thread_idle */
	evt_u32(&e, io_uring_feats_to_scap(p.features));           /* features */
	evt_submit(&e);
	return 0;
}
