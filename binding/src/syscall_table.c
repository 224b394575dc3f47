#include "syscall_table.h"

const struct scap_syscall_entry scap_x86_64_syscall_table[SYSCALL_TABLE_SIZE] =
    SCAP_X86_64_SYSCALL_TABLE_INIT;

const char* const scap_x86_64_syscall_names[SYSCALL_TABLE_SIZE] = SCAP_X86_64_SYSCALL_NAMES_INIT;
