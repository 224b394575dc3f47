/*
 * driver/bpf/flags.h compiled for userspace, with external linkage. A C file
 * of its own: flags.h is C over the kernel's constants (driver/bpf/defs.h),
 * and no libc header may be seen next to them (see defs.h).
 */
#include "scap_flags.h"

#define SCAP_FLAGS_FN
#include "flags.h"
