/*
 * PPME_GENERIC_X: every syscall without a dedicated exit event.
 * Params: ID (PPM_SC code), nativeID (native syscall number).
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../event_builder.h"
#include "../extract.h"

SEC("tp_btf/sys_exit")
int BPF_PROG(generic_x, struct pt_regs *regs, long ret) {
	long id = sc_id(regs);
	if (id < 0 || id >= SYSCALL_TABLE_SIZE) return 0;
	struct evt e;
	if (!evt_begin(&e, SCAP_SLOT_SYS_EXIT, PPME_GENERIC_X)) return 0;
	evt_u16(&e, (__u16)g_syscall_table[id].ppm_sc); /* ID */
	evt_u16(&e, (__u16)id);                         /* nativeID */
	evt_submit(&e);
	return 0;
}
