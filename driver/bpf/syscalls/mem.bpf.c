/*
 * Memory mappings: mmap, munmap, mprotect exit events. vm_size, vm_rss and
 * vm_swap (KiB) describe the address space after the call.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#include "../sys_exit.h"
#include "../extract.h"

static __always_inline void evt_vm_stats(struct evt *e) {
	struct mm_struct *mm = BPF_CORE_READ(cur_task(), mm);
	evt_u32(e, mm_vm_size_kb(mm));     /* vm_size */
	evt_u32(e, mm_vm_rss_kb(mm));      /* vm_rss */
	evt_u32(e, mm_vm_swap_kb(mm));     /* vm_swap */
}

/* mmap(addr, length, prot, flags, fd, offset) -> res, vm_size, vm_rss,
 * vm_swap, addr, length, prot, flags, fd, offset */
SCAP_EXIT_PROG(mmap_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_MMAP_X, 8 + 3 * 4 + 8 + 8 + 4 + 4 + 8 + 8)) return 0;
	evt_s64(&e, ret);                                           /* res */
	evt_vm_stats(&e);                                           /* vm_size, vm_rss, vm_swap */
	evt_u64(&e, sc_arg(regs, 0));                               /* addr */
	evt_u64(&e, sc_arg(regs, 1));                               /* length */
	evt_u32(&e, prot_flags_to_scap((__u32)sc_arg(regs, 2)));    /* prot */
	evt_u32(&e, mmap_flags_to_scap((__u32)sc_arg(regs, 3)));    /* flags */
	evt_s64(&e, (__s32)sc_arg(regs, 4));                        /* fd */
	evt_u64(&e, sc_arg(regs, 5));                               /* offset */
	evt_submit(&e);
	return 0;
}

/* munmap(addr, length) -> res, vm_size, vm_rss, vm_swap, addr, length */
SCAP_EXIT_PROG(munmap_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_MUNMAP_X, 8 + 3 * 4 + 8 + 8)) return 0;
	evt_s64(&e, ret);                                           /* res */
	evt_vm_stats(&e);                                           /* vm_size, vm_rss, vm_swap */
	evt_u64(&e, sc_arg(regs, 0));                               /* addr */
	evt_u64(&e, sc_arg(regs, 1));                               /* length */
	evt_submit(&e);
	return 0;
}

/* mprotect(addr, length, prot) -> res, addr, length, prot */
SCAP_EXIT_PROG(mprotect_x) {
	struct evt e;
	if (!evt_begin_fixed(&e, PPME_SYSCALL_MPROTECT_X, 8 + 8 + 8 + 4)) return 0;
	evt_s64(&e, ret);                                           /* res */
	evt_u64(&e, sc_arg(regs, 0));                               /* addr */
	evt_u64(&e, sc_arg(regs, 1));                               /* length */
	evt_u32(&e, prot_flags_to_scap((__u32)sc_arg(regs, 2)));    /* prot */
	evt_submit(&e);
	return 0;
}
