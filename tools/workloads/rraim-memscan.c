// SPDX-License-Identifier: GPL-2.0
/*
 * rraim-memscan - count a string in another process's memory.
 *
 * Reads every readable mapping of process PID (its /proc/PID/maps) through
 * /proc/PID/mem and counts where STRING occurs, a match that straddles two
 * reads included.  Ranges the kernel will not read ([vvar], device
 * memory, [vsyscall]) are skipped page by page.  The test bed points it at
 * the memory servers' processes, to see whether a page's plain text (a
 * marker rraim-pattern -M writes) reached their pools.
 *
 *   rraim-memscan [-v] PID STRING
 *     -v          a line per mapping on stderr: its range, permissions,
 *                 name, matches, and bytes read and skipped
 *
 * Prints the number of matches, alone on a line.  Reading another
 * process's memory needs the right to ptrace it (root does).  Exit
 * status: 0 (whatever the count), 2 usage, or PID's maps or memory
 * cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK		(1UL << 20)	/* bytes a read asks for */
#define PAGE		4096UL
#define STRING_MAX	4096

static int verbose;

struct scan {
	int mem;			/* /proc/PID/mem */
	const char *needle;
	size_t len;
	uint8_t *buf;			/* len - 1 carried bytes + CHUNK */
	uint64_t matches, read, skipped;	/* of one mapping */
};

/* Matches in @n bytes at @p, overlapping ones included. */
static uint64_t count_in(const struct scan *s, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n, *hit;
	uint64_t found = 0;

	while ((size_t)(end - p) >= s->len &&
	       (hit = memmem(p, end - p, s->needle, s->len))) {
		found++;
		p = hit + 1;
	}
	return found;
}

/*
 * Scan [@start, @end).  The last len - 1 bytes of each read are kept in
 * front of the next one, so that a match across the two is seen; a range
 * that cannot be read breaks the run, and is skipped to the next page.
 */
static void scan_range(struct scan *s, uint64_t start, uint64_t end)
{
	size_t carry = 0, keep = s->len - 1, want;
	uint64_t at = start;
	ssize_t n;

	s->matches = 0;
	s->read = 0;
	s->skipped = 0;
	while (at < end) {
		want = end - at < CHUNK ? end - at : CHUNK;
		/* pread takes a signed offset: the top half is unreadable */
		n = at > INT64_MAX ? -1 :
		    pread(s->mem, s->buf + carry, want, (off_t)at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			uint64_t next = (at | (PAGE - 1)) + 1;

			if (next > end || next < at)
				next = end;
			s->skipped += next - at;
			at = next;
			carry = 0;
			continue;
		}
		s->matches += count_in(s, s->buf, carry + n);
		s->read += n;
		at += n;
		carry += n;
		if (carry > keep) {
			memmove(s->buf, s->buf + carry - keep, keep);
			carry = keep;
		}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: rraim-memscan [-v] PID STRING\n");
	return 2;
}

int main(int argc, char **argv)
{
	char path[64], line[4096 + 128], perms[8], name[4096];
	uint64_t start, end, total = 0;
	struct scan s = { .mem = -1 };
	unsigned long pid;
	char *endp;
	FILE *maps;
	int opt;

	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v')
			return usage();
		verbose = 1;
	}
	if (argc - optind != 2)
		return usage();
	errno = 0;
	pid = strtoul(argv[optind], &endp, 10);
	if (errno || endp == argv[optind] || *endp || !pid)
		return usage();
	s.needle = argv[optind + 1];
	s.len = strlen(s.needle);
	if (!s.len || s.len > STRING_MAX)
		return usage();

	snprintf(path, sizeof(path), "/proc/%lu/maps", pid);
	maps = fopen(path, "re");
	if (!maps) {
		fprintf(stderr, "rraim-memscan: %s: %s\n", path, strerror(errno));
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%lu/mem", pid);
	s.mem = open(path, O_RDONLY | O_CLOEXEC);
	if (s.mem < 0) {
		fprintf(stderr, "rraim-memscan: %s: %s\n", path, strerror(errno));
		fclose(maps);
		return 2;
	}
	s.buf = malloc(s.len - 1 + CHUNK);
	if (!s.buf) {
		fprintf(stderr, "rraim-memscan: out of memory\n");
		return 2;
	}

	while (fgets(line, sizeof(line), maps)) {
		name[0] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %4095[^\n]",
			   &start, &end, perms, name) < 3 || end <= start)
			continue;
		if (perms[0] != 'r') {
			if (verbose)
				fprintf(stderr, "%" PRIx64 "-%" PRIx64 " %s %s: not readable\n",
					start, end, perms, name);
			continue;
		}
		scan_range(&s, start, end);
		total += s.matches;
		if (verbose)
			fprintf(stderr, "%" PRIx64 "-%" PRIx64 " %s %s: %" PRIu64
				" matches, %" PRIu64 " bytes read, %" PRIu64
				" skipped\n", start, end, perms, name, s.matches,
				s.read, s.skipped);
	}
	printf("%" PRIu64 "\n", total);
	free(s.buf);
	close(s.mem);
	fclose(maps);
	return 0;
}
