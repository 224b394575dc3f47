/*
 * More syscalls for the kmod guest test, run after the trigger (comm
 * "extras"):
 *   - user pointers that fault: the module must count the read faults and
 *     still emit each event, with the unreadable param empty;
 *   - the fs-change family in /tmp/scap-kmod-fs.
 * Prints nothing; exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	syscall(SYS_fchdir, dir);
	close(dir);
	return 0;
}
