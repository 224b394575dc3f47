/*
 * A program that makes known syscalls, for live capture tests. It prints what
 * it did (fds, ports, child ids) as one JSON line so the test can look for the
 * exact events. Usage: trigger <unique-temp-path> [more]
 *
 * With "more" (run as root), the main process then also makes the syscalls of
 * more_syscalls() below, and the report gains their UDP port (udpPort).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/module.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static const char DATA[] = "scap-ts-trigger-data-0123456789abcdefghijklmnopqrstuvwxyz-0123456789abcdefghijklmnopqrstuvwxyz-END";

/*
 * File system changes in <path>.d (relative names once there), vectored and
 * message I/O, fd control, memory maps, credentials kept as they are,
 * namespaces and a tmpfs mount in a mount namespace of its own, and calls
 * the kernel refuses (modules, bpf, ptrace of the reaped child `gone`).
 * Raw syscalls: libc may route a call through another one (the *at forms).
 * Results are not checked: the capture reports them. Returns the UDP port.
 */
static int more_syscalls(const char *path, pid_t gone) {
	char dir[512];
	snprintf(dir, sizeof dir, "%s.d", path);
	int home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	syscall(SYS_mkdir, dir, 0750);
	syscall(SYS_chdir, dir);
	int d = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int f = open("a", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	syscall(SYS_fchmod, f, 0640);
	syscall(SYS_chmod, "a", 04750);
	syscall(SYS_fchmodat, d, "a", 0600);
	syscall(SYS_rename, "a", "b");
	syscall(SYS_renameat, d, "b", AT_FDCWD, "c");
	syscall(SYS_renameat2, AT_FDCWD, "c", d, "a", RENAME_NOREPLACE);
	syscall(SYS_link, "a", "hard1");
	syscall(SYS_linkat, d, "a", AT_FDCWD, "hard2", AT_SYMLINK_FOLLOW);
	syscall(SYS_symlink, "a", "soft1");
	syscall(SYS_symlinkat, "a", d, "soft2");
	syscall(SYS_mkdirat, d, "sub", 0700);
	syscall(SYS_unlinkat, d, "sub", AT_REMOVEDIR);
	syscall(SYS_unlink, "hard1");
	syscall(SYS_unlink, "missing");

	struct iovec out[2] = {{(void *)"vec-one-", 8}, {(void *)"vec-two", 7}};
	syscall(SYS_writev, f, out, 2);
	syscall(SYS_pwritev, f, out, 2, 100, 0);
	char b1[4], b2[32];
	struct iovec in[2] = {{b1, sizeof b1}, {b2, sizeof b2}};
	lseek(f, 0, SEEK_SET);
	syscall(SYS_readv, f, in, 2);
	syscall(SYS_preadv, f, in, 2, 100, 0);
	syscall(SYS_fcntl, f, F_DUPFD_CLOEXEC, 20);
	syscall(SYS_fcntl, f, F_SETFL, O_APPEND | O_NONBLOCK);
	syscall(SYS_fcntl, f, F_GETFL, 0);
	syscall(SYS_ioctl, f, FIOCLEX, 0);

	int m = syscall(SYS_memfd_create, "scap-ts-memfd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	syscall(SYS_ftruncate, m, 8192);
	void *map = (void *)syscall(SYS_mmap, NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, m, 4096);
	syscall(SYS_mprotect, map, 4096, PROT_READ);
	syscall(SYS_munmap, map, 8192);
	syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0);
	syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct io_uring_params up = {.flags = IORING_SETUP_CLAMP};
	syscall(SYS_io_uring_setup, 4, &up);

	int sp[2];
	syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp);
	/* UDP to itself, with the packet's IP_PKTINFO as control data */
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	int on = 1;
	bind(u, (struct sockaddr *)&a, sizeof a);
	getsockname(u, (struct sockaddr *)&a, &alen);
	setsockopt(u, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
	struct msghdr mh = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = out, .msg_iovlen = 2};
	syscall(SYS_sendmsg, u, &mh, 0);
	struct sockaddr_in from;
	char control[64];
	struct msghdr rh = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = in, .msg_iovlen = 2,
	                    .msg_control = control, .msg_controllen = sizeof control};
	syscall(SYS_recvmsg, u, &rh, 0);

	syscall(SYS_setuid, getuid());
	syscall(SYS_setgid, getgid());
	syscall(SYS_setresuid, -1, -1, -1);
	syscall(SYS_setresgid, -1, getgid(), -1);
	struct __user_cap_header_struct ch = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct cd[2];
	syscall(SYS_capget, &ch, cd);
	syscall(SYS_capset, &ch, cd);

	syscall(SYS_unshare, CLONE_NEWNS | CLONE_NEWUTS);
	syscall(SYS_mount, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	syscall(SYS_mkdir, "mnt", 0700);
	syscall(SYS_mount, "scap-ts", "mnt", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k");
	syscall(SYS_umount2, "mnt", MNT_DETACH);
	int ns = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	syscall(SYS_setns, ns, CLONE_NEWUTS);

	syscall(SYS_init_module, "not-an-elf", 10, "opt=1");
	syscall(SYS_finit_module, -1, "", MODULE_INIT_IGNORE_MODVERSIONS);
	syscall(SYS_delete_module, "scap_ts_no_such_module", O_NONBLOCK | O_TRUNC);
	syscall(SYS_bpf, 9999, NULL, 0);
	syscall(SYS_ptrace, PTRACE_PEEKDATA, gone, 0, 0);

	char name[16] = "";
	syscall(SYS_prctl, PR_SET_NAME, "scap-ts-more", 0, 0, 0);
	syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
	syscall(SYS_prctl, PR_GET_CHILD_SUBREAPER, &on, 0, 0, 0);
	syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);

	syscall(SYS_fchdir, home);
	for (int fd = 3; fd < 32; fd++) close(fd);
	return ntohs(a.sin_port);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];

	/* openat + write + close of a unique path */
	int fd = openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_CLOEXEC, 0640);
	if (fd < 0) return 3;
	ssize_t wrote = write(fd, DATA, sizeof(DATA) - 1);
	close(fd);

	/* a failed open */
	char missing[256];
	snprintf(missing, sizeof missing, "%s.missing/none", path);
	int bad = open(missing, O_RDONLY);
	int bad_errno = errno;

	/* TCP connect to a 127.0.0.1 listener */
	int srv = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	if (bind(srv, (struct sockaddr *)&a, sizeof a) || listen(srv, 1) || getsockname(srv, (struct sockaddr *)&a, &alen)) return 4;
	int cli = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(cli, (struct sockaddr *)&a, sizeof a)) return 5;
	struct sockaddr_in local;
	socklen_t llen = sizeof local;
	getsockname(cli, (struct sockaddr *)&local, &llen);
	int acc = accept(srv, NULL, NULL);
	close(acc);
	close(cli);
	close(srv);

	/* a child that exits with status 7 */
	pid_t exiter = fork();
	if (exiter == 0) _exit(7);
	int st;
	waitpid(exiter, &st, 0);

	/* a child killed with SIGTERM */
	pid_t victim = fork();
	if (victim == 0) {
		for (;;) pause();
	}
	kill(victim, SIGTERM);
	waitpid(victim, &st, 0);

	/* a child that execs /bin/true with a marker argument */
	pid_t execer = fork();
	if (execer == 0) {
		char *args[] = {"true", "scap-ts-exec-marker", NULL};
		char *env[] = {"SCAP_TS_TRIGGER=1", NULL};
		execve("/bin/true", args, env);
		_exit(127);
	}
	waitpid(execer, &st, 0);

	char extra[32] = "";
	if (argc > 2 && strcmp(argv[2], "more") == 0) snprintf(extra, sizeof extra, ",\"udpPort\":%d", more_syscalls(path, exiter));

	printf("{\"pid\":%d,\"fd\":%d,\"wrote\":%zd,\"badFd\":%d,\"badErrno\":%d,\"port\":%d,\"localPort\":%d,"
	       "\"exiter\":%d,\"victim\":%d,\"execer\":%d%s}\n",
	       getpid(), fd, wrote, bad, bad_errno, ntohs(a.sin_port), ntohs(local.sin_port), exiter, victim, execer, extra);
	return 0;
}
