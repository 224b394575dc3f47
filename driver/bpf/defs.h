/*
 * Common includes and the kernel constants the probe needs that vmlinux.h
 * cannot provide (it carries types and enums, not #defines). Values are the
 * x86_64 UAPI ones.
 *
 * SPDX-License-Identifier: MIT OR GPL-2.0-only
 */
#ifndef SCAP_BPF_DEFS_H
#define SCAP_BPF_DEFS_H

#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "scap_schema.h"
#include "shared.h"

/* x86_64 syscall numbers the probe refers to by name. */
#define NR_open 2
#define NR_connect 42
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_execve 59
#define NR_creat 85
#define NR_openat 257
#define NR_execveat 322
#define NR_clone3 435
#define NR_openat2 437

/* fcntl.h */
#define O_ACCMODE 00000003
#define O_RDONLY 00000000
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define O_NONBLOCK 00004000
#define O_DSYNC 00010000
#define O_DIRECT 00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_CLOEXEC 02000000
#define __O_SYNC 04000000
#define __O_TMPFILE 020000000
#define O_TMPFILE (__O_TMPFILE | O_DIRECTORY)
#define AT_FDCWD -100

/* socket.h */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC

/* sched.h */
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define CLONE_IO 0x80000000UL

/* openat2.h */
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20

/* stat.h, fs.h */
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define FMODE_CREATED 0x100000

/* errno */
#define EINPROGRESS 115

/* resource.h */
#define RLIMIT_NOFILE 7

/* sched.h (task flags) */
#define PF_KTHREAD 0x00200000

#define PAGE_SHIFT 12

/* Capture limits (bytes, including the final NUL for strings). */
#define PATH_MAX_LEN 4096  /* paths */
#define MAX_PROC_EXE 4096  /* exe (argv[0]) */
#define MAX_ARG_ENV 4096   /* args / env lists */
#define MAX_ARGV 16        /* argv/envp pointers walked for a failed execve */

#define MINORBITS 20
#define MINORMASK ((1U << MINORBITS) - 1)

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* SCAP_BPF_DEFS_H */
