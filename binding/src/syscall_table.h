// The x86_64 syscall table of the schema (driver/include/scap_schema.h) as a
// C array: its initializer uses C99 array designators, which C++ lacks, so it
// is compiled in syscall_table.c.
#pragma once

#include "scap_schema.h"

#ifdef __cplusplus
extern "C" {
#endif

// Native syscall number -> { flags, enter event, exit event, PPM_SC code }.
extern const struct scap_syscall_entry scap_x86_64_syscall_table[SYSCALL_TABLE_SIZE];

#ifdef __cplusplus
}
#endif
