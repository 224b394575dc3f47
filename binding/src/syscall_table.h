// The x86_64 syscall table of the schema (driver/include/scap_schema.h) as
// C arrays: their initializers use C99 array designators, which C++ lacks, so
// they are compiled in syscall_table.c.
#pragma once

#include "scap_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

// Native syscall number -> { flags, enter event, exit event, PPM_SC code }.
extern const struct scap_syscall_entry scap_x86_64_syscall_table[SYSCALL_TABLE_SIZE];

// Native syscall number -> name as in syscall_64.tbl, or NULL where unassigned.
extern const char* const scap_x86_64_syscall_names[SYSCALL_TABLE_SIZE];

#ifdef __cplusplus
}
#endif
