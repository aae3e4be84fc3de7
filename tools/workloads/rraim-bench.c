// SPDX-License-Identifier: GPL-2.0
/*
 * rraim-bench - page-fault throughput and latency of a swapping workload.
 *
 * Fills SIZE of anonymous memory (each page holds its own index), then
 * touches pages in random order for SECONDS, timing every touch and
 * checking the page's content.  Run in a memory cgroup smaller than SIZE,
 * most touches are major faults served by the swap backend, and the fill
 * itself swaps out all but the cgroup's share: its rate is the backend's
 * swap-out throughput.
 *
 *   rraim-bench [-W SECONDS] [-t SECONDS] [-i INTERVAL_MS] [-w] [-c] SIZE
 *     -W   touch pages this long first, unmeasured (warm-up: the first
 *          evictions of freshly written pages are stores, not faults)
 *     -t   how long to touch pages, measured (default 10)
 *     -i   print a timeline line every INTERVAL_MS (default: none)
 *     -w   write to every touched page (stores as well as loads)
 *     -c   compressible pages, about 2:1 as a program's data: the index,
 *          then pseudo-random bytes (seeded by the index) up to 7/16 of
 *          the page, then a short text repeated.  lzo or lz4 makes some
 *          1.9 KiB of one, so that zbud still pairs two.  Without -c
 *          every page is its index's low byte repeated (after the index
 *          itself), which zram and zswap keep as a same-filled page, for
 *          nothing
 *
 * Prints one line of results:
 *   touches N faults F fault_rate F/s p50_us X p99_us Y max_us Z fill_MBps R
 * where "faults" are major faults (getrusage) and the percentiles are over
 * the touches that took longer than 2 us (the faults; a resident page is
 * touched in well under a microsecond); R is the rate at which the fill
 * wrote SIZE, in MiB/s.  Timeline lines:
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

static const char text[] = "rraim-bench: a program's data, some of it text. ";

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

static uint64_t xorshift(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/*
 * -c: the index, pseudo-random words up to RANDOM_BYTES (no compressor
 * shrinks those), then the text repeated up to the end of the page.
 */
#define RANDOM_BYTES (PAGE * 7 / 16)

static void fill_compressible(uint8_t *page, uint64_t index)
{
	uint64_t *w = (uint64_t *)page, x = index * 0x9e3779b97f4a7c15ULL + 1;
	size_t i, n = sizeof(text) - 1;

	w[0] = index;
	for (i = 1; i < RANDOM_BYTES / sizeof(*w); i++) {
		x = xorshift(x);
		w[i] = x;
	}
	for (i = RANDOM_BYTES; i < PAGE; i += n)
		memcpy(page + i, text, PAGE - i < n ? PAGE - i : n);
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
	int interval_ms = 0, writes = 0, compressible = 0, opt;
	struct hist all = {}, win = {};
	uint64_t t0, tend, tnext = 0, touches = 0, bad = 0, rng = 88172645463325252ULL;
	double fill_mbps;
	long flt0, fltw;
	size_t size, npages, i;
	uint8_t *mem;

	while ((opt = getopt(argc, argv, "W:t:i:wc")) != -1) {
		switch (opt) {
		case 'W': warmup = atof(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'i': interval_ms = atoi(optarg); break;
		case 'w': writes = 1; break;
		case 'c': compressible = 1; break;
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
	t0 = now_ns();
	for (i = 0; i < npages; i++) {
		if (compressible) {
			fill_compressible(mem + i * PAGE, i);
			continue;
		}
		memset(mem + i * PAGE, (int)(i & 0xff), PAGE);
		*(uint64_t *)(mem + i * PAGE) = i;
	}
	fill_mbps = npages * PAGE / 1048576.0 / ((now_ns() - t0) / 1e9);

	if (warmup > 0) {
		uint64_t until = now_ns() + (uint64_t)(warmup * 1e9);

		while (now_ns() < until) {
			rng = xorshift(rng);
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

		rng = xorshift(rng);
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
	printf("touches %llu faults %ld fault_rate %.0f/s p50_us %.1f p99_us %.1f max_us %.0f fill_MBps %.1f\n",
	       (unsigned long long)touches, majflt() - flt0,
	       (majflt() - flt0) / ((now_ns() - t0) / 1e9),
	       hist_pct_us(&all, 0.5), hist_pct_us(&all, 0.99),
	       all.max_ns / 1000.0, fill_mbps);
	if (bad) {
		fprintf(stderr, "rraim-bench: %llu touches read wrong data\n",
			(unsigned long long)bad);
		return 1;
	}
	return 0;

usage:
	fprintf(stderr, "usage: rraim-bench [-W SECONDS] [-t SECONDS] [-i INTERVAL_MS] [-w] [-c] SIZE\n");
	return 2;
}
