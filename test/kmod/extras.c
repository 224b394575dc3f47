/*
 * More syscalls for the kmod guest test, run after the trigger (comm
 * "extras"):
 *   - user pointers that fault: the module must count the read faults and
 *     still emit each event, with the unreadable param empty;
 *   - the fs-change family in /tmp/scap-kmod-fs;
 *   - credentials, unshare, mount/umount2, a UDP sendto/recvfrom;
 *   - writev/readv of two buffers, a unix socketpair, UDP sendmsg/recvmsg;
 *   - module and bpf calls the kernel refuses;
 *   - prctl(PR_SET_NAME), a ptrace of a pid that does not exist.
 * Prints nothing; exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void) {
	/* openat with an unmapped path: -EFAULT, name empty (enter and exit). */
	syscall(SYS_openat, AT_FDCWD, (const char *)16, O_RDONLY);
	/* connect with an unmapped address: -EFAULT, addr empty. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	syscall(SYS_connect, s, (const void *)16, sizeof(struct sockaddr_in));
	close(s);

	/* fs changes (raw syscalls: libc may route them through the *at forms). */
	syscall(SYS_mkdir, "/tmp/scap-kmod-fs", 0750);
	syscall(SYS_chdir, "/tmp/scap-kmod-fs");
	int fd = open("a", O_CREAT | O_WRONLY, 0600);
	close(fd);
	syscall(SYS_chmod, "a", 0640);
	syscall(SYS_rename, "a", "b");
	syscall(SYS_link, "b", "c");
	syscall(SYS_symlink, "b", "d");
	syscall(SYS_unlink, "c");
	syscall(SYS_mkdirat, AT_FDCWD, "sub", 0700);
	syscall(SYS_unlinkat, AT_FDCWD, "sub", AT_REMOVEDIR);
	syscall(SYS_mkdir, "m", 0700);
	syscall(SYS_mount, "none", "m", "tmpfs", MS_NOSUID | MS_NODEV, NULL);
	syscall(SYS_umount2, "m", MNT_DETACH);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	syscall(SYS_fchdir, dir);
	close(dir);

	/* credentials (root keeps root) and a namespace */
	syscall(SYS_setuid, 0);
	syscall(SYS_setgid, 0);
	syscall(SYS_setresuid, 0, 0, 0);
	syscall(SYS_setresgid, 0, 0, 0);
	syscall(SYS_unshare, CLONE_NEWUTS);

	/* UDP to ourselves: sendto with an address, recvfrom with one */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(5555)};
	bind(u, (struct sockaddr *)&a, sizeof a);
	syscall(SYS_sendto, u, "ping-udp", 8, 0, &a, sizeof a);
	char buf[16];
	struct sockaddr_in from;
	socklen_t flen = sizeof from;
	syscall(SYS_recvfrom, u, buf, sizeof buf, 0, &from, &flen);
	struct iovec mv[2] = {{"msg-", 4}, {"udp", 3}};
	struct msghdr mh = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = mv, .msg_iovlen = 2};
	syscall(SYS_sendmsg, u, &mh, 0);
	char rb[16];
	struct iovec rv = {rb, sizeof rb};
	struct sockaddr_in rfrom;
	struct msghdr rh = {.msg_name = &rfrom, .msg_namelen = sizeof rfrom, .msg_iov = &rv, .msg_iovlen = 1};
	syscall(SYS_recvmsg, u, &rh, 0);
	close(u);

	/* refused: not an ELF image, a bad fd, an unknown module, a bad bpf command */
	syscall(SYS_init_module, "not-an-elf", 10, "opt=1");
	syscall(SYS_finit_module, -1, "", 0);
	syscall(SYS_delete_module, "scap_no_such_module", O_NONBLOCK);
	syscall(SYS_bpf, 9999, NULL, 0);

	syscall(SYS_ptrace, PTRACE_CONT, 999999, 0, 0);
	syscall(SYS_prctl, PR_SET_NAME, "scap-renamed", 0, 0, 0);

	/* vectored I/O through a file, and a socketpair */
	int v = open("/tmp/scap-kmod-fs/v", O_CREAT | O_RDWR | O_TRUNC, 0600);
	struct iovec out[2] = {{"vec-one-", 8}, {"vec-two", 7}};
	syscall(SYS_writev, v, out, 2);
	lseek(v, 0, SEEK_SET);
	char b1[4], b2[32];
	struct iovec in[2] = {{b1, sizeof b1}, {b2, sizeof b2}};
	syscall(SYS_readv, v, in, 2);
	close(v);
	int sp[2];
	syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sp);
	close(sp[0]);
	close(sp[1]);
	return 0;
}
