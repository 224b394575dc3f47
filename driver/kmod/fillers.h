/*
 * Entry points of the fillers (fillers.c), called by the probes in main.c.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_KMOD_FILLERS_H
#define SCAP_KMOD_FILLERS_H

#include <linux/binfmts.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/signal.h>

#include "scap_schema.h"

extern const struct scap_syscall_entry g_syscall_table[SYSCALL_TABLE_SIZE];

void scap_fill_sys_exit(struct pt_regs *regs, long id, long ret);
void scap_fill_sys_enter(struct pt_regs *regs, long id);
bool scap_is_toctou(long id);
void scap_fill_procexit(struct task_struct *t);
void scap_fill_exec(struct linux_binprm *bprm);
void scap_fill_signal_deliver(int sig, struct kernel_siginfo *info);
void scap_fill_sched_switch(struct task_struct *prev, struct task_struct *next);

#endif
