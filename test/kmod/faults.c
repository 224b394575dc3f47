/*
 * Syscalls whose user pointers fault, for the kmod guest test: the module
 * must count the read faults and still emit each event, with the unreadable
 * param empty. Prints nothing; exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	/* openat with an unmapped path: -EFAULT, name empty (enter and exit). */
	syscall(SYS_openat, AT_FDCWD, (const char *)16, O_RDONLY);
	/* connect with an unmapped address: -EFAULT, addr empty. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	syscall(SYS_connect, s, (const void *)16, sizeof(struct sockaddr_in));
	close(s);
	return 0;
}
