/*
 * A program that makes known syscalls, for live capture tests. It prints what
 * it did (fds, ports, child ids) as one JSON line so the test can look for the
 * exact events. Usage: trigger <unique-temp-path>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char DATA[] = "scap-ts-trigger-data-0123456789abcdefghijklmnopqrstuvwxyz-0123456789abcdefghijklmnopqrstuvwxyz-END";

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

	printf("{\"pid\":%d,\"fd\":%d,\"wrote\":%zd,\"badFd\":%d,\"badErrno\":%d,\"port\":%d,\"localPort\":%d,"
	       "\"exiter\":%d,\"victim\":%d,\"execer\":%d}\n",
	       getpid(), fd, wrote, bad, bad_errno, ntohs(a.sin_port), ntohs(local.sin_port), exiter, victim, execer);
	return 0;
}
