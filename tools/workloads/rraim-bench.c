// SPDX-License-Identifier: GPL-2.0
/*
 * rraim-bench - page-fault throughput and latency of a swapping workload.
 *
 * Fills SIZE of anonymous memory (each page holds its own index), then
 * touches pages in random order for SECONDS, timing every touch and
 * checking the page's content.  Run in a memory cgroup smaller than SIZE,
 * most touches are major faults served by the swap backend.
 *
 *   rraim-bench [-W SECONDS] [-t SECONDS] [-i INTERVAL_MS] [-w] SIZE
 *     -W   touch pages this long first, unmeasured (warm-up: the first
 *          evictions of freshly written pages are stores, not faults)
 *     -t   how long to touch pages, measured (default 10)
 *     -i   print a timeline line every INTERVAL_MS (default: none)
 *     -w   write to every touched page (stores as well as loads)
 *
 * Prints one line of results:
 *   touches N faults F fault_rate F/s p50_us X p99_us Y max_us Z
 * where "faults" are major faults (getrusage) and the percentiles are over
 * the touches that took longer than 2 us (the faults; a resident page is
 * touched in well under a microsecond).  Timeline lines:
 *   t_ms T faults F p50_us X p99_us Y max_us Z
 * Exit status 1 if a page came back with the wrong content.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define SLOW_NS 2000	/* a touch slower than this was a fault */
#define NBUCKETS 64

struct hist {
	uint64_t n;
	uint64_t max_ns;
	uint64_t bucket[NBUCKETS * 4];	/* 4 per power of two of ns */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned int bucket_of(uint64_t ns)
{
	unsigned int msb, sub;

	if (ns < 4)
		return ns;
	msb = 63 - __builtin_clzll(ns);
	sub = (ns >> (msb - 2)) & 3;
	return (msb - 1) * 4 + sub;
}

static uint64_t bucket_top(unsigned int b)
{
	unsigned int octave = b / 4, sub = b % 4;

	if (!octave)
		return b + 1;
	return (uint64_t)(4 + sub + 1) << (octave - 1);
}

static void hist_add(struct hist *h, uint64_t ns)
{
	h->bucket[bucket_of(ns)]++;
	h->n++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static double hist_pct_us(const struct hist *h, double pct)
{
	uint64_t want = (uint64_t)(h->n * pct + 0.999999), seen = 0;
	unsigned int b;

	if (!h->n)
		return 0;
	for (b = 0; b < NBUCKETS * 4; b++) {
		seen += h->bucket[b];
		if (seen >= want) {
			uint64_t top = bucket_top(b);

			return (top > h->max_ns ? h->max_ns : top) / 1000.0;
		}
	}
	return h->max_ns / 1000.0;
}

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'M' || *end == 'm') {
		v <<= 20;
		end++;
	} else if (*end == 'G' || *end == 'g') {
		v <<= 30;
		end++;
	}
	if (*end || !v)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = 10, warmup = 0;
	int interval_ms = 0, writes = 0, opt;
	struct hist all = {}, win = {};
	uint64_t t0, tend, tnext = 0, touches = 0, bad = 0, rng = 88172645463325252ULL;
	long flt0, fltw;
	size_t size, npages, i;
	uint8_t *mem;

	while ((opt = getopt(argc, argv, "W:t:i:w")) != -1) {
		switch (opt) {
		case 'W': warmup = atof(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'i': interval_ms = atoi(optarg); break;
		case 'w': writes = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || parse_size(argv[optind], &size) || seconds <= 0)
		goto usage;
	npages = size / PAGE;
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("rraim-bench: mmap");
		return 2;
	}
	madvise(mem, npages * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < npages; i++) {
		memset(mem + i * PAGE, (int)(i & 0xff), PAGE);
		*(uint64_t *)(mem + i * PAGE) = i;
	}

	if (warmup > 0) {
		uint64_t until = now_ns() + (uint64_t)(warmup * 1e9);

		while (now_ns() < until) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			i = rng % npages;
			if (*(volatile uint64_t *)(mem + i * PAGE) != i)
				bad++;
		}
	}
	flt0 = fltw = majflt();
	t0 = now_ns();
	tend = t0 + (uint64_t)(seconds * 1e9);
	if (interval_ms)
		tnext = t0 + (uint64_t)interval_ms * 1000000;
	for (;;) {
		uint64_t a, b, page;
		volatile uint64_t *p;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		page = rng % npages;
		p = (volatile uint64_t *)(mem + page * PAGE);
		a = now_ns();
		if (*p != page)
			bad++;
		if (writes)
			p[1] = p[1];
		b = now_ns();
		touches++;
		if (b - a > SLOW_NS) {
			hist_add(&all, b - a);
			hist_add(&win, b - a);
		}
		if (interval_ms && b >= tnext) {
			long f = majflt();

			printf("t_ms %llu faults %ld p50_us %.0f p99_us %.0f max_us %.0f\n",
			       (unsigned long long)((b - t0) / 1000000), f - fltw,
			       hist_pct_us(&win, 0.5), hist_pct_us(&win, 0.99),
			       win.max_ns / 1000.0);
			fflush(stdout);
			memset(&win, 0, sizeof(win));
			fltw = f;
			tnext += (uint64_t)interval_ms * 1000000;
		}
		if (b >= tend)
			break;
	}
	printf("touches %llu faults %ld fault_rate %.0f/s p50_us %.1f p99_us %.1f max_us %.0f\n",
	       (unsigned long long)touches, majflt() - flt0,
	       (majflt() - flt0) / ((now_ns() - t0) / 1e9),
	       hist_pct_us(&all, 0.5), hist_pct_us(&all, 0.99),
	       all.max_ns / 1000.0);
	if (bad) {
		fprintf(stderr, "rraim-bench: %llu touches read wrong data\n",
			(unsigned long long)bad);
		return 1;
	}
	return 0;

usage:
	fprintf(stderr, "usage: rraim-bench [-W SECONDS] [-t SECONDS] [-i INTERVAL_MS] [-w] SIZE\n");
	return 2;
}
