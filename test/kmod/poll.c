/*
 * poll() on the module's devices, in the kmod test guest (static, run as
 * /poll-test after the other consumers):
 *   1. the only wanted tgid is a child asleep in nanosleep: nothing is
 *      captured and poll times out;
 *   2. the child wakes up and makes syscalls: poll, blocked until then,
 *      returns POLLIN on a ring that holds them, soon after the first one;
 *   3. a burst of getppid from another child against 64 KiB rings: the
 *      consumer sleeps in poll whenever it has caught up; it is woken far
 *      less often than there are events, and every event is delivered or
 *      counted dropped.
 * The ring size is set through the module parameter for this consumer and
 * put back afterwards. Prints one JSON line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../driver/kmod/scap_kmod_abi.h"

#define MAX_CPUS 64
#define RING_BYTES 65536
#define BURST_CALLS 20000
#define PARAM "/sys/module/scap/parameters/buffer_bytes"

struct dev {
	struct scap_kmod_info *info;
	uint8_t *data;
	uint32_t dim;
};

static struct dev devs[MAX_CPUS];
static struct pollfd pfds[MAX_CPUS];
static int ndev;

static void die(const char *what) {
	fprintf(stderr, "POLL_TEST_ERROR %s: %s\n", what, strerror(errno));
	exit(1);
}

static double mono_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t real_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void ring_copy(struct dev *d, uint32_t off, void *dst, uint32_t n) {
	uint32_t first = d->dim - off < n ? d->dim - off : n;
	memcpy(dst, d->data + off, first);
	if (first < n) memcpy((uint8_t *)dst + first, d->data, n - first);
}

/* Consumes every event of every ring; returns how many, and the oldest ts. */
static uint64_t drain(uint64_t *oldest) {
	uint64_t n = 0;
	for (int i = 0; i < ndev; i++) {
		struct dev *d = &devs[i];
		uint32_t head = __atomic_load_n(&d->info->head, __ATOMIC_ACQUIRE), tail = d->info->tail;
		while (tail != head) {
			uint8_t hdr[26];
			uint32_t len;
			uint64_t ts;
			ring_copy(d, tail, hdr, sizeof hdr);
			memcpy(&ts, hdr, 8);
			memcpy(&len, hdr + 16, 4);
			if (len < 26 || len > ((head - tail) & (d->dim - 1))) {
				fprintf(stderr, "POLL_TEST_ERROR bad event length %u\n", len);
				exit(1);
			}
			if (oldest && (*oldest == 0 || ts < *oldest)) *oldest = ts;
			tail = (tail + len) & (d->dim - 1);
			n++;
		}
		__atomic_store_n(&d->info->tail, tail, __ATOMIC_RELEASE);
	}
	return n;
}

static void counters(uint64_t *seen, uint64_t *drops) {
	*seen = *drops = 0;
	for (int i = 0; i < ndev; i++) {
		struct scap_kmod_info st;
		if (ioctl(pfds[i].fd, SCAP_IOCTL_GET_STATS, &st)) die("GET_STATS");
		*seen += st.n_evts;
		*drops += st.n_drops_buffer + st.n_drops_too_large;
	}
}

static void set_tgid(pid_t pid) {
	__u32 tgid = (__u32)pid;
	struct scap_kmod_tgids req = {.count = 1, .tgids = (uintptr_t)&tgid};
	if (ioctl(pfds[0].fd, SCAP_IOCTL_SET_TGIDS, &req)) die("SET_TGIDS");
}

static char proc_state(pid_t pid) {
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f) return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void write_file(const char *path, const char *v) {
	FILE *f = fopen(path, "w");
	if (!f || fputs(v, f) < 0 || fclose(f)) die(path);
}

int main(void) {
	char saved[32] = {0};
	FILE *pf = fopen(PARAM, "r");
	if (!pf || !fgets(saved, sizeof saved, pf)) die(PARAM);
	fclose(pf);
	char ring[16];
	snprintf(ring, sizeof ring, "%d", RING_BYTES);
	write_file(PARAM, ring);

	for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
		char path[32];
		snprintf(path, sizeof path, "/dev/" SCAP_KMOD_NAME "%d", cpu);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT) break;
			if (errno == ENODEV) continue;
			die(path);
		}
		struct scap_kmod_info st;
		if (ioctl(fd, SCAP_IOCTL_GET_STATS, &st)) die("GET_STATS");
		void *m = mmap(NULL, SCAP_KMOD_PAGE + st.buffer_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) die("mmap");
		devs[ndev] = (struct dev){m, (uint8_t *)m + SCAP_KMOD_PAGE, (uint32_t)st.buffer_bytes};
		pfds[ndev] = (struct pollfd){.fd = fd, .events = POLLIN};
		ndev++;
	}
	if (ndev == 0) die("no device");

	/* 1. A child asleep for a second is all that is wanted: poll times out. */
	pid_t sleeper = fork();
	if (sleeper < 0) die("fork");
	if (sleeper == 0) {
		struct timespec d = {1, 0};
		nanosleep(&d, NULL);
		syscall(SYS_getppid);
		_exit(0);
	}
	for (int i = 0; i < 2000 && proc_state(sleeper) != 'S'; i++) usleep(1000);
	if (ioctl(pfds[0].fd, SCAP_IOCTL_SET_ALL_SYSCALLS, 1)) die("SET_ALL_SYSCALLS");
	set_tgid(sleeper);
	if (ioctl(pfds[0].fd, SCAP_IOCTL_ENABLE)) die("ENABLE");
	uint64_t early = drain(NULL);
	double t = mono_ms();
	int timeout_rc = poll(pfds, ndev, 300);
	double timeout_ms = mono_ms() - t;
	uint64_t after_timeout = drain(NULL);

	/* 2. Blocked in poll until the sleeper's syscalls. */
	t = mono_ms();
	int wake_rc = poll(pfds, ndev, 5000);
	double wake_ms = mono_ms() - t;
	uint64_t woke_at = real_ns();
	int pollin_with_data = 0;
	for (int i = 0; i < ndev; i++) {
		if ((pfds[i].revents & POLLIN) && devs[i].info->head != devs[i].info->tail) pollin_with_data = 1;
	}
	uint64_t oldest = 0;
	uint64_t woke_events = drain(&oldest);
	waitpid(sleeper, NULL, 0);
	drain(NULL);

	/* 3. A burst: count the polls that slept and were woken by data. */
	int go[2];
	if (pipe(go)) die("pipe");
	pid_t burst = fork();
	if (burst < 0) die("fork");
	if (burst == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1) _exit(126);
		for (int i = 0; i < BURST_CALLS; i++) syscall(SYS_getppid);
		_exit(0);
	}
	close(go[0]);
	uint64_t seen0, drops0, seen1, drops1, delivered = 0;
	counters(&seen0, &drops0); /* the rings are empty, the sleeper gone */
	set_tgid(burst);
	if (write(go[1], "g", 1) != 1) die("release");
	close(go[1]);
	int wakes = 0, sleeps = 0, exited = 0;
	for (;;) {
		delivered += drain(NULL);
		if (exited) break;
		if (waitpid(burst, NULL, WNOHANG) == burst) {
			exited = 1; /* its procexit is in the rings: one more drain */
			continue;
		}
		if (poll(pfds, ndev, 0) > 0) continue; /* data already there: no sleep */
		sleeps++;
		if (poll(pfds, ndev, 20) > 0) wakes++;
	}
	counters(&seen1, &drops1);
	if (ioctl(pfds[0].fd, SCAP_IOCTL_DISABLE)) die("DISABLE");
	for (int i = 0; i < ndev; i++) {
		munmap(devs[i].info, SCAP_KMOD_PAGE + devs[i].dim);
		close(pfds[i].fd);
	}
	write_file(PARAM, saved);

	printf("{\"ring\":%d,\"early\":%llu,\"timeoutRc\":%d,\"timeoutMs\":%.1f,\"afterTimeout\":%llu,"
	       "\"wakeRc\":%d,\"wakeMs\":%.1f,\"pollinWithData\":%d,\"wakeLatencyMs\":%.3f,\"wokeEvents\":%llu,"
	       "\"burst\":{\"calls\":%d,\"delivered\":%llu,\"seen\":%llu,\"drops\":%llu,\"sleeps\":%d,\"wakes\":%d}}\n",
	       RING_BYTES, (unsigned long long)early, timeout_rc, timeout_ms, (unsigned long long)after_timeout, wake_rc,
	       wake_ms, pollin_with_data, oldest && woke_at > oldest ? (woke_at - oldest) / 1e6 : -1.0,
	       (unsigned long long)woke_events, BURST_CALLS, (unsigned long long)delivered,
	       (unsigned long long)(seen1 - seen0), (unsigned long long)(drops1 - drops0), sleeps, wakes);
	return 0;
}
