/*
 * Guest-side consumer of the kernel module, built static into the test
 * initramfs: opens and maps every /dev/scapN, enables capture, runs a command
 * (the trigger), drains the rings until the command has exited, and writes
 * what it read as a .scap file (section header, machine info, one event
 * block per event, merged by timestamp) that the host reads with ScapReader.
 *
 * Usage: scap-consumer [--lazy] [--tgid-child] [--sched-switch] OUT.scap|- SNAPLEN -- CMD [ARGS...]
 *   --lazy          read nothing until the command has exited (a slow
 *                   consumer: the rings fill up and the module counts drops)
 *   --tgid-child    capture only the command's process (SCAP_IOCTL_SET_TGIDS):
 *                   it is forked first and waits until the filter is set
 *   --sched-switch  also the context switches (SCAP_IOCTL_SET_SCHED_SWITCH)
 *   -               write no file
 * Prints "SCAP_CONSUMER events=N seen=S cpus=C drops=D ... self=PID" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../driver/kmod/scap_kmod_abi.h"

#define MAX_CPUS 64

struct dev {
	int fd;
	int cpu;
	struct scap_kmod_info *info;
	uint8_t *data;
	uint32_t dim;
};

struct ev {
	uint64_t ts;
	uint16_t cpu;
	uint32_t len;
	uint8_t *bytes;
	size_t seq;
};

static struct dev devs[MAX_CPUS];
static int ndev;
static struct ev *evs;
static size_t nevs, cap_evs;

static void die(const char *what) {
	fprintf(stderr, "SCAP_CONSUMER_ERROR %s: %s\n", what, strerror(errno));
	exit(1);
}

static void ring_copy(struct dev *d, uint32_t off, void *dst, uint32_t n) {
	uint32_t first = d->dim - off < n ? d->dim - off : n;
	memcpy(dst, d->data + off, first);
	if (first < n) memcpy((uint8_t *)dst + first, d->data, n - first);
}

/* Reads every complete event of one ring; returns how many. */
static size_t drain(struct dev *d) {
	uint32_t head = __atomic_load_n(&d->info->head, __ATOMIC_ACQUIRE);
	uint32_t tail = d->info->tail;
	size_t n = 0;
	while (tail != head) {
		uint8_t hdr[26];
		uint32_t avail = (head - tail) & (d->dim - 1), len;
		if (avail < 26) {
			fprintf(stderr, "SCAP_CONSUMER_ERROR cpu %d: %u bytes left, less than a header\n", d->cpu, avail);
			exit(1);
		}
		ring_copy(d, tail, hdr, 26);
		memcpy(&len, hdr + 16, 4);
		if (len < 26 || len > avail) {
			fprintf(stderr, "SCAP_CONSUMER_ERROR cpu %d: bad event length %u (%u available)\n", d->cpu, len, avail);
			exit(1);
		}
		if (nevs == cap_evs) {
			cap_evs = cap_evs ? cap_evs * 2 : 4096;
			evs = realloc(evs, cap_evs * sizeof(*evs));
			if (!evs) die("realloc");
		}
		struct ev *e = &evs[nevs];
		e->bytes = malloc(len);
		if (!e->bytes) die("malloc");
		ring_copy(d, tail, e->bytes, len);
		memcpy(&e->ts, hdr, 8);
		e->cpu = (uint16_t)d->cpu;
		e->len = len;
		e->seq = nevs++;
		tail = (tail + len) & (d->dim - 1);
		n++;
	}
	__atomic_store_n(&d->info->tail, tail, __ATOMIC_RELEASE);
	return n;
}

static int cmp_ev(const void *a, const void *b) {
	const struct ev *x = a, *y = b;
	if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : 1;
}

static void put_block(FILE *f, uint32_t type, const void *body, uint32_t blen, const void *body2, uint32_t blen2) {
	uint32_t total = 8 + blen + blen2;
	uint32_t padded = (total + 4 + 3) & ~3u;
	static const uint8_t zero[4];
	fwrite(&type, 4, 1, f);
	fwrite(&padded, 4, 1, f);
	if (blen) fwrite(body, 1, blen, f);
	if (blen2) fwrite(body2, 1, blen2, f);
	fwrite(zero, 1, padded - total - 4, f);
	fwrite(&padded, 4, 1, f);
}

static void write_scap(const char *path) {
	FILE *f = fopen(path, "wb");
	if (!f) die(path);
	/* Section header: magic, version 1.2, section length unknown. */
	uint8_t shb[16];
	uint32_t magic = 0x1A2B3C4D;
	uint16_t major = 1, minor = 2;
	uint64_t seclen = UINT64_MAX;
	memcpy(shb, &magic, 4);
	memcpy(shb + 4, &major, 2);
	memcpy(shb + 6, &minor, 2);
	memcpy(shb + 8, &seclen, 8);
	put_block(f, 0x0A0D0D0A, shb, sizeof shb, NULL, 0);
	/* Machine info (180 bytes). */
	uint8_t mi[180] = {0};
	uint32_t ncpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t mem = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	struct utsname u;
	memcpy(mi, &ncpus, 4);
	memcpy(mi + 4, &mem, 8);
	if (uname(&u) == 0) strncpy((char *)mi + 20, u.nodename, 127);
	put_block(f, 0x201, mi, sizeof mi, NULL, 0);
	qsort(evs, nevs, sizeof(*evs), cmp_ev);
	for (size_t i = 0; i < nevs; i++) put_block(f, 0x216, &evs[i].cpu, 2, evs[i].bytes, evs[i].len);
	if (fclose(f)) die("fclose");
}

static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int release_fd = -1; /* a held child's go pipe */

/* Forks CMD; with `held`, it waits for release() before it execs. */
static pid_t start_child(char **cmd, int held) {
	int go[2];
	if (held && pipe(go)) die("pipe");
	pid_t child = fork();
	if (child < 0) die("fork");
	if (child == 0) {
		if (held) {
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) != 1) _exit(126);
			close(go[0]);
		}
		execv(cmd[0], cmd);
		_exit(127);
	}
	if (held) {
		close(go[0]);
		release_fd = go[1];
	}
	return child;
}

static void release(void) {
	if (write(release_fd, "g", 1) != 1) die("release");
	close(release_fd);
}

int main(int argc, char **argv) {
	int lazy = 0, tgid_child = 0, sched_switch = 0;
	for (; argc > 1 && strncmp(argv[1], "--", 2) == 0 && argv[1][2]; argv++, argc--) {
		if (strcmp(argv[1], "--lazy") == 0)
			lazy = 1;
		else if (strcmp(argv[1], "--tgid-child") == 0)
			tgid_child = 1;
		else if (strcmp(argv[1], "--sched-switch") == 0)
			sched_switch = 1;
		else
			break;
	}
	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: %s OUT.scap SNAPLEN -- CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	const char *out = argv[1];
	unsigned long snaplen = strtoul(argv[2], NULL, 10);
	for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
		char path[32];
		snprintf(path, sizeof path, "/dev/" SCAP_KMOD_NAME "%d", cpu);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT) break;
			if (errno == ENODEV) continue; /* offline CPU */
			die(path);
		}
		struct scap_kmod_info probe;
		if (ioctl(fd, SCAP_IOCTL_GET_STATS, &probe)) die("GET_STATS");
		if (probe.magic != SCAP_KMOD_MAGIC || probe.abi != SCAP_KMOD_ABI_VERSION) {
			fprintf(stderr, "SCAP_CONSUMER_ERROR %s: magic %x abi %u\n", path, probe.magic, probe.abi);
			return 1;
		}
		size_t size = SCAP_KMOD_PAGE + probe.buffer_bytes;
		void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) die("mmap");
		devs[ndev] = (struct dev){fd, cpu, m, (uint8_t *)m + SCAP_KMOD_PAGE, (uint32_t)probe.buffer_bytes};
		ndev++;
	}
	if (ndev == 0) {
		fprintf(stderr, "SCAP_CONSUMER_ERROR no /dev/" SCAP_KMOD_NAME "N device\n");
		return 1;
	}
	int ctl = devs[0].fd;
	if (ioctl(ctl, SCAP_IOCTL_SET_SNAPLEN, snaplen)) die("SET_SNAPLEN");
	if (ioctl(ctl, SCAP_IOCTL_SET_ALL_SYSCALLS, 1)) die("SET_ALL_SYSCALLS");
	if (ioctl(ctl, SCAP_IOCTL_SET_SELF_TGID, (unsigned long)getpid())) die("SET_SELF_TGID");
	if (sched_switch && ioctl(ctl, SCAP_IOCTL_SET_SCHED_SWITCH, 1)) die("SET_SCHED_SWITCH");
	pid_t child = 0;
	if (tgid_child) {
		child = start_child(&argv[4], 1);
		__u32 tgid = (__u32)child;
		struct scap_kmod_tgids req = {.count = 1, .tgids = (uintptr_t)&tgid};
		if (ioctl(ctl, SCAP_IOCTL_SET_TGIDS, &req)) die("SET_TGIDS");
	}
	if (ioctl(ctl, SCAP_IOCTL_ENABLE)) die("ENABLE");

	double t0 = now_s();
	if (tgid_child)
		release();
	else
		child = start_child(&argv[4], 0);
	int status = 0;
	double exited_at = 0;
	for (;;) {
		size_t got = 0;
		if (!lazy || exited_at)
			for (int i = 0; i < ndev; i++) got += drain(&devs[i]);
		if (!exited_at) {
			pid_t w = waitpid(child, &status, WNOHANG);
			if (w == child) exited_at = now_s();
		} else if (now_s() - exited_at > 0.3) {
			break;
		}
		if (!got) usleep(1000);
	}
	if (ioctl(ctl, SCAP_IOCTL_DISABLE)) die("DISABLE");
	for (int i = 0; i < ndev; i++) drain(&devs[i]);
	double t1 = now_s();

	uint64_t seen = 0, drops = 0, big = 0, faults = 0, preempt = 0;
	for (int i = 0; i < ndev; i++) {
		struct scap_kmod_info st;
		if (ioctl(devs[i].fd, SCAP_IOCTL_GET_STATS, &st)) die("GET_STATS");
		seen += st.n_evts;
		drops += st.n_drops_buffer;
		big += st.n_drops_too_large;
		faults += st.n_read_faults;
		preempt += st.n_preemptions;
	}
	if (strcmp(out, "-") != 0) write_scap(out);
	fprintf(stderr,
	        "SCAP_CONSUMER events=%zu seen=%llu cpus=%d drops=%llu too_large=%llu faults=%llu preemptions=%llu "
	        "child_status=%d secs=%.3f self=%d\n",
	        nevs, (unsigned long long)seen, ndev, (unsigned long long)drops, (unsigned long long)big,
	        (unsigned long long)faults, (unsigned long long)preempt, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	        t1 - t0, (int)getpid());
	for (int i = 0; i < ndev; i++) {
		munmap(devs[i].info, SCAP_KMOD_PAGE + devs[i].dim);
		close(devs[i].fd);
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 3;
}
