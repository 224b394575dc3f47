/*
 * signal_deliver tracepoint -> PPME_SIGNALDELIVER_E (spid, dpid, sig), in the
 * receiving thread as the kernel hands it a signal (handler about to run, or
 * default action taken).
 *
 * spid follows Falco: the sender from the siginfo for SIGKILL, for
 * SIGTERM/SIGHUP/SIGINT/SIGTSTP/SIGQUIT sent from user space (si_code
 * SI_USER, SI_QUEUE or another value <= 0), for SIGCHLD (the child) and for
 * real-time signals; 0 otherwise (kernel-generated signals, and the other
 * signals, whose siginfo may not carry a pid). dpid is the receiving thread.
 *
 * A fixed-size event: written straight into the CPU's ring (no scratch slot).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "event_builder.h"
#include "extract.h"

SEC("tp_btf/signal_deliver")
int BPF_PROG(signal_deliver_e, int sig, struct kernel_siginfo *info, struct k_sigaction *ka) {
	struct scap_settings *s = get_settings();
	if (!s || !tgid_wanted(s, (__u32)(bpf_get_current_pid_tgid() >> 32))) return 0;
	__s32 spid = 0;
	if (info) {
		int code = BPF_CORE_READ(info, si_code);
		switch (sig) {
		case SIGKILL:
			spid = BPF_CORE_READ(info, _sifields._kill._pid);
			break;
		case SIGTERM:
		case SIGHUP:
		case SIGINT:
		case SIGTSTP:
		case SIGQUIT:
			if (code == SI_USER || code == SI_QUEUE || code <= 0)
				spid = BPF_CORE_READ(info, _sifields._kill._pid);
			break;
		case SIGCHLD:
			spid = BPF_CORE_READ(info, _sifields._sigchld._pid);
			break;
		default:
			if (sig >= SIGRTMIN && sig <= SIGRTMAX) spid = BPF_CORE_READ(info, _sifields._rt._pid);
			break;
		}
	}
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct evt e;
	if (!evt_begin_ring(&e, s, PPME_SIGNALDELIVER_E, 8 + 8 + 1, tid)) return 0;
	evt_s64(&e, spid);                                        /* spid */
	evt_s64(&e, tid);                                         /* dpid */
	evt_u8(&e, (__u8)sig);                                    /* sig */
	evt_submit(&e);
	return 0;
}
