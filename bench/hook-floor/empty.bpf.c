/*
 * The floor of the live-capture benchmark: a program that does nothing, on
 * the hook our probe (and Falco's modern probe) puts on every syscall,
 * tp_btf/sys_exit. A load's slowdown with it attached is what any capture
 * through that hook costs before it looks at a single register: the kernel's
 * syscall slow path and its raw-tracepoint call.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sys_exit")
int empty_sys_exit(void *ctx) {
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
