/*
 * A syscall storm, for the drop-accounting test (test/live/drops.test.ts) and
 * the live capture benchmark (bench/live-capture.mjs).
 *
 * Usage: syscall-load MODE SECONDS [CPU] [--gate]
 *   MODE     getpid   syscall(SYS_getpid) in a loop (the libc wrapper may cache)
 *            getppid  syscall(SYS_getppid) in a loop
 *            read8    8-byte read(2) of /dev/zero in a loop
 *   SECONDS  how long to loop (the clock is read every 1024 calls, through the
 *            vDSO: no syscall of its own)
 *   CPU      pin to this CPU with sched_setaffinity (-1: no pinning)
 *   --gate   wait for one byte on stdin before starting (so that the caller
 *            can attach a capture to this pid first)
 *
 * Prints one JSON line: {"mode","calls","seconds","rate","cpuSeconds","cpuRate"}
 * (rates in calls/s; cpuSeconds is this thread's CPU time over the loop, which
 * time spent by other tasks on the CPU does not inflate), then exits 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double clock_s(clockid_t c) {
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: %s getpid|getppid|read8 SECONDS [CPU] [--gate]\n", argv[0]);
		return 2;
	}
	const char *mode = argv[1];
	const double secs = atof(argv[2]);
	const int cpu = argc > 3 ? atoi(argv[3]) : -1;
	const int gate = argc > 4 && strcmp(argv[4], "--gate") == 0;
	int kind;
	if (strcmp(mode, "getpid") == 0) kind = 0;
	else if (strcmp(mode, "getppid") == 0) kind = 1;
	else if (strcmp(mode, "read8") == 0) kind = 2;
	else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0) {
			perror("sched_setaffinity");
			return 3;
		}
	}
	const int fd = open("/dev/zero", O_RDONLY);
	if (fd < 0) {
		perror("/dev/zero");
		return 3;
	}
	if (gate) {
		char go;
		if (read(0, &go, 1) != 1) return 4;
	}

	char buf[8];
	unsigned long calls = 0;
	const double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	const double t0 = now();
	const double end = t0 + secs;
	double t;
	do {
		switch (kind) {
		case 0:
			for (int i = 0; i < 1024; i++) syscall(SYS_getpid);
			break;
		case 1:
			for (int i = 0; i < 1024; i++) syscall(SYS_getppid);
			break;
		default:
			for (int i = 0; i < 1024; i++) {
				if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return 5;
			}
		}
		calls += 1024;
		t = now();
	} while (t < end);
	const double cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	printf("{\"mode\":\"%s\",\"calls\":%lu,\"seconds\":%.6f,\"rate\":%.0f,\"cpuSeconds\":%.6f,\"cpuRate\":%.0f}\n", mode,
	       calls, t - t0, (double)calls / (t - t0), cpu_s, (double)calls / cpu_s);
	return 0;
}
