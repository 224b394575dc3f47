/*
 * ptrace and prctl exit events.
 *
 * ptrace(request, pid, addr, data) -> res, addr, data, request, pid.
 * addr and data are PT_DYN (ptrace_dynamic_param): a u8 index, then
 *   index 0 (PPM_PTRACE_IDX_UINT64):  u64
 *   index 1 (PPM_PTRACE_IDX_SIGTYPE): u8 signal number
 * addr is always the u64 address. data is, as in Falco:
 *   PEEKTEXT/PEEKDATA/PEEKUSR:        the word read (the kernel stored it at *data)
 *   CONT/SINGLESTEP/DETACH/SYSCALL:   the signal to deliver (sigtype)
 *   anything else:                    the raw data argument
 * Both are u64 0 when the call failed.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

#define PTRACE_IDX_UINT64 0
#define PTRACE_IDX_SIGTYPE 1

static __always_inline void evt_dyn_u64(struct evt *e, __u64 v) {
	evt_put_u8(e, PTRACE_IDX_UINT64);
	evt_put_u64(e, v);
	evt_len(e, 9);
}

SCAP_EXIT_PROG(ptrace_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_PTRACE_X)) return 0;
	__u16 req = ptrace_request_to_scap(sc_arg(regs, 0));
	__u64 addr = sc_arg(regs, 2);
	__u64 data = sc_arg(regs, 3);
	evt_s64(&e, ret);                                       /* res */
	if (ret < 0) {
		evt_dyn_u64(&e, 0);                                 /* addr */
		evt_dyn_u64(&e, 0);                                 /* data */
	} else {
		evt_dyn_u64(&e, addr);                              /* addr */
		switch (req) {                                      /* data */
		case PPM_PTRACE_PEEKTEXT:
		case PPM_PTRACE_PEEKDATA:
		case PPM_PTRACE_PEEKUSR: {
			__u64 word = 0;
			if (bpf_probe_read_user(&word, sizeof(word), (const void *)data)) evt_fault(&e);
			evt_dyn_u64(&e, word);
			break;
		}
		case PPM_PTRACE_CONT:
		case PPM_PTRACE_SINGLESTEP:
		case PPM_PTRACE_DETACH:
		case PPM_PTRACE_SYSCALL:
			evt_put_u8(&e, PTRACE_IDX_SIGTYPE);
			evt_put_u8(&e, (__u8)data);
			evt_len(&e, 2);
			break;
		default:
			evt_dyn_u64(&e, data);
			break;
		}
	}
	evt_u16(&e, req);                                       /* request */
	evt_s64(&e, (__s32)sc_arg(regs, 1));                    /* pid */
	evt_submit(&e);
	return 0;
}

/* prctl(option, arg2, ...) -> res, option, arg2_str, arg2_int.
 *   PR_SET_NAME / PR_GET_NAME:   arg2_str = the name at arg2 (read at exit:
 *                                the new name, or the one the kernel returned),
 *                                arg2_int = 0
 *   PR_GET_CHILD_SUBREAPER:      arg2_int = the int the kernel stored at arg2
 *   anything else:               arg2_int = arg2
 * arg2_str is empty when it does not apply (PPM_PR_* equal the kernel's PR_*). */
SCAP_EXIT_PROG(prctl_x) {
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_SYSCALL_PRCTL_X)) return 0;
	__u32 option = (__u32)sc_arg(regs, 0);
	unsigned long arg2 = sc_arg(regs, 1);
	evt_s64(&e, ret);                                       /* res */
	evt_u32(&e, option);                                    /* option */
	switch (option) {
	case PPM_PR_SET_NAME:
	case PPM_PR_GET_NAME:
		evt_str_user(&e, (const void *)arg2, PATH_MAX_LEN);  /* arg2_str */
		evt_s64(&e, 0);                                     /* arg2_int */
		break;
	case PPM_PR_GET_CHILD_SUBREAPER: {
		__s32 v = 0;
		if (ret >= 0 && bpf_probe_read_user(&v, sizeof(v), (const void *)arg2)) evt_fault(&e);
		evt_empty(&e);                                      /* arg2_str */
		evt_s64(&e, v);                                     /* arg2_int */
		break;
	}
	default:
		evt_empty(&e);                                      /* arg2_str */
		evt_s64(&e, (__s64)arg2);                           /* arg2_int */
		break;
	}
	evt_submit(&e);
	return 0;
}
