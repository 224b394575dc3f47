// The eBPF probe's kernel value -> PPM_* conversions (driver/bpf/flags.h),
// for the ptrace driver: one definition of each, compiled in scap_flags.c,
// which checks these declarations against it.
#pragma once

#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

__u32 open_flags_to_scap(__u32 f);
__u32 open_mode_to_scap(__u32 flags, __u32 mode);
__u32 openat2_resolve_to_scap(__u64 v);
__u32 socket_flags_to_scap(__u32 f);
__u8 socket_family_to_scap(__u32 family);
__u32 clone_flags_to_scap(__u64 f);
__u8 shutdown_how_to_scap(__u32 how);
__u32 prot_flags_to_scap(__u32 p);
__u32 mmap_flags_to_scap(__u32 f);
__u8 fcntl_cmd_to_scap(__u32 cmd);
__u16 ptrace_request_to_scap(__u64 req);
__u32 mount_flags_to_scap(__u32 f);
__u32 umount2_flags_to_scap(__u32 f);
__u32 unlinkat_flags_to_scap(__u32 f);
__u32 linkat_flags_to_scap(__u32 f);
__u32 renameat2_flags_to_scap(__u32 f);
__u32 chmod_mode_to_scap(__u32 mode);
__u32 dup3_flags_to_scap(__u32 f);
__u32 pipe2_flags_to_scap(__u32 f);
__u32 memfd_flags_to_scap(__u32 f);
__u32 io_uring_setup_flags_to_scap(__u32 f);
__u32 io_uring_feats_to_scap(__u32 f);
__u32 finit_module_flags_to_scap(__u32 f);
__u32 delete_module_flags_to_scap(__u32 f);

#ifdef __cplusplus
}
#endif
