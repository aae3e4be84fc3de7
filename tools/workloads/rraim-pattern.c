// SPDX-License-Identifier: GPL-2.0
/*
 * rraim-pattern - a verifying memory workload for the RRAIM test bed.
 *
 * Fills SIZE of anonymous memory with a pattern that names every 8-byte
 * word (seed, page, word), reads it all back PASSES times and checks every
 * byte.  Run it in a memory cgroup smaller than SIZE and the pages go
 * through swap; a wrong byte anywhere is reported and fails the run.
 *
 *   rraim-pattern [options] SIZE
 *     -p N        read-back passes (default 2)
 *     -s SEED     pattern seed (default 1)
 *     -r          random page order in the read passes
 *     -P          MADV_PAGEOUT everything after writing (deterministic
 *                 stores without memory pressure)
 *     -f N        fork N children after writing; each verifies the whole
 *                 area (copy-on-write sharing of swapped pages), then
 *                 rewrites its own share with its own seed and verifies
 *                 again; the parent verifies its untouched copy after
 *     -R N        reuse: N rounds of free half of the area (MADV_DONTNEED,
 *                 so the swapped slots are invalidated), rewrite it with a
 *                 new seed, verify everything
 *     -t SECONDS  keep verifying until this much time has passed
 *     -S SECONDS  after writing (and -P), hold the memory untouched for up
 *                 to SECONDS, or until SIGUSR1, before verifying
 *     -H SECONDS  once everything verified, say so ("verified; holding",
 *                 even with -q) and hold the memory for up to SECONDS, or
 *                 until SIGUSR1, before exiting: what is swapped out stays
 *                 stored meanwhile
 *     -L          lock the program's own memory (mlockall) before the area
 *                 is mapped: only the area can be swapped, so that wrong
 *                 data from swap shows as wrong words, not as a crash
 *     -c          compressible pages: only the first 8 words carry the
 *                 pattern, the rest is zero (zswap takes those)
 *     -M          marked pages: words 2 and 3 of every page hold the 16
 *                 ASCII bytes "RRAIM-PLAINTEXT!" instead of the pattern
 *                 (and are checked for them), so that a scan of another
 *                 process's memory (rraim-memscan) finds the pages' plain
 *                 text wherever it is kept
 *     -N          no transparent huge pages (MADV_NOHUGEPAGE); without it
 *                 the memory gets what the system's THP setting gives,
 *                 as any program's would
 *     -q          quiet: no progress lines
 *
 * SIZE takes K, M, G suffixes.  Exit status: 0 all verified, 1 a wrong
 * byte or a failed child, 2 usage.  A SIGBUS (a page RRAIM declared lost)
 * is reported as such and exits 3.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE 4096UL
#define WORDS (PAGE / sizeof(uint64_t))

static int quiet;
static int compressible;
static int marked;

/* -M: words MARK_WORD and MARK_WORD + 1 of every page */
#define MARK_WORD 2
static const char mark[] = "RRAIM-PLAINTEXT!";
_Static_assert(sizeof(mark) == 2 * sizeof(uint64_t) + 1, "two words of mark");
static volatile sig_atomic_t woken;

static void on_sigusr1(int sig)
{
	(void)sig;
	woken = 1;
}

static uint64_t word_value(uint64_t seed, size_t page, size_t word)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL ^ (page << 12 | word);

	if (marked && (word == MARK_WORD || word == MARK_WORD + 1)) {
		memcpy(&x, mark + (word - MARK_WORD) * sizeof(x), sizeof(x));
		return x;
	}
	if (compressible && word >= 8)
		return 0;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static void fill_page(uint64_t *p, uint64_t seed, size_t page)
{
	size_t w;

	for (w = 0; w < WORDS; w++)
		p[w] = word_value(seed, page, w);
}

/* Returns the number of wrong words in the page, reporting the first. */
static size_t check_page(const uint64_t *p, uint64_t seed, size_t page)
{
	size_t w, bad = 0;

	for (w = 0; w < WORDS; w++) {
		if (p[w] == word_value(seed, page, w))
			continue;
		if (!bad)
			fprintf(stderr, "rraim-pattern: MISMATCH page %zu word %zu: got %#llx want %#llx\n",
				page, w, (unsigned long long)p[w],
				(unsigned long long)word_value(seed, page, w));
		bad++;
	}
	return bad;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	default: break;
	}
	if (*end || !v)
		return -1;
	*out = v;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_sigbus(int sig)
{
	static const char msg[] = "rraim-pattern: SIGBUS: a page could not be read back (lost)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

/* seeds[i]: the seed page i was last written with. */
static size_t verify(uint8_t *mem, size_t npages, const uint64_t *seeds,
		     int random_order, unsigned int *rng)
{
	size_t i, page, bad = 0;

	for (i = 0; i < npages; i++) {
		page = random_order ? (size_t)rand_r(rng) % npages : i;
		bad += check_page((uint64_t *)(mem + page * PAGE), seeds[page],
				  page);
	}
	return bad;
}

static void write_range(uint8_t *mem, size_t first, size_t last,
			uint64_t *seeds, uint64_t seed)
{
	size_t i;

	for (i = first; i < last; i++) {
		fill_page((uint64_t *)(mem + i * PAGE), seed, i);
		seeds[i] = seed;
	}
}

static int run_children(uint8_t *mem, size_t npages, uint64_t *seeds, int n)
{
	int i, status, failed = 0;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0) {
			perror("rraim-pattern: fork");
			return 1;
		}
		if (pid == 0) {
			size_t share = npages / n, first = share * i;
			unsigned int rng = i + 1;

			if (verify(mem, npages, seeds, 1, &rng))
				_exit(1);
			write_range(mem, first, first + share, seeds, 1000 + i);
			_exit(verify(mem, npages, seeds, 0, &rng) ? 1 : 0);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	if (failed)
		fprintf(stderr, "rraim-pattern: %d children failed\n", failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	int passes = 2, random_order = 0, pageout = 0, forks = 0, reuse = 0;
	double seconds = 0, hold = 0, hold_after = 0, t0;
	uint64_t seed = 1, *seeds;
	size_t size, npages, bad = 0, i;
	unsigned int rng = 12345;
	uint8_t *mem;
	int opt, pass, round, no_thp = 0, lock_rest = 0;

	while ((opt = getopt(argc, argv, "p:s:rPf:R:t:S:H:LcMqN")) != -1) {
		switch (opt) {
		case 'p': passes = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': random_order = 1; break;
		case 'P': pageout = 1; break;
		case 'f': forks = atoi(optarg); break;
		case 'R': reuse = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'S': hold = atof(optarg); break;
		case 'H': hold_after = atof(optarg); break;
		case 'L': lock_rest = 1; break;
		case 'q': quiet = 1; break;
		case 'c': compressible = 1; break;
		case 'M': marked = 1; break;
		case 'N': no_thp = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || parse_size(argv[optind], &size) ||
	    passes < 0 || forks < 0 || reuse < 0)
		goto usage;
	npages = size / PAGE;
	signal(SIGBUS, on_sigbus);
	signal(SIGUSR1, on_sigusr1);

	seeds = calloc(npages, sizeof(*seeds));
	if (seeds && lock_rest && mlockall(MCL_CURRENT))
		perror("rraim-pattern: mlockall");
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || !seeds) {
		perror("rraim-pattern: mmap");
		return 1;
	}
	if (no_thp)
		madvise(mem, npages * PAGE, MADV_NOHUGEPAGE);
	t0 = now();
	write_range(mem, 0, npages, seeds, seed);
	if (!quiet)
		printf("rraim-pattern: wrote %zu MiB in %.1f s\n", size >> 20,
		       now() - t0);
	if (pageout && madvise(mem, npages * PAGE, MADV_PAGEOUT))
		perror("rraim-pattern: MADV_PAGEOUT");
	if (hold > 0) {
		double until = now() + hold;

		if (!quiet)
			printf("rraim-pattern: holding (SIGUSR1 to go on)\n");
		fflush(stdout);
		while (!woken && now() < until)
			usleep(100000);
	}

	for (pass = 0; pass < passes || (seconds && now() - t0 < seconds);
	     pass++) {
		bad += verify(mem, npages, seeds, random_order, &rng);
		if (!quiet)
			printf("rraim-pattern: pass %d verified (%zu bad words)\n",
			       pass + 1, bad);
		if (bad)
			break;
	}
	for (round = 0; round < reuse && !bad; round++) {
		size_t half = npages / 2, first = (round & 1) ? half : 0;

		madvise(mem + first * PAGE, half * PAGE, MADV_DONTNEED);
		for (i = first; i < first + half; i++)
			seeds[i] = 0;
		/* a freed page reads as zeros; write it anew */
		write_range(mem, first, first + half, seeds, seed + round + 100);
		if (pageout)
			madvise(mem, npages * PAGE, MADV_PAGEOUT);
		bad += verify(mem, npages, seeds, random_order, &rng);
	}
	if (!bad && forks) {
		if (run_children(mem, npages, seeds, forks))
			return 1;
		bad += verify(mem, npages, seeds, 0, &rng);
	}
	if (bad) {
		fprintf(stderr, "rraim-pattern: FAILED: %zu wrong words\n", bad);
		return 1;
	}
	if (hold_after > 0) {
		double until = now() + hold_after;

		woken = 0;
		printf("rraim-pattern: verified; holding (SIGUSR1 to exit)\n");
		fflush(stdout);
		while (!woken && now() < until)
			usleep(100000);
	}
	printf("rraim-pattern: OK %zu MiB verified, %d passes\n", size >> 20,
	       pass);
	return 0;

usage:
	fprintf(stderr, "usage: rraim-pattern [-p N] [-s SEED] [-r] [-P] [-f N] [-R N] [-t S] [-S S] [-H S] [-L] [-c] [-M] [-q] [-N] SIZE\n");
	return 2;
}
