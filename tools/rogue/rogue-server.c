// SPDX-License-Identifier: GPL-2.0
/*
 * rraim-rogue-server: the memory server with fault injection, for tests of
 * the kernel client against a malicious or broken server.  A test tool:
 * it breaks the protocol on purpose, so that the kernel client can be
 * shown to survive such a server.  Never installed.
 *
 * The server's own sources, those of ../../server, are compiled a second
 * time with RRAIM_FAULT_INJECTION defined and linked with this file, which
 * implements the hooks of server/fault.h: the command line (--rogue), the
 * welcome, every control reply and the status report.  rraim-server
 * itself gets the no-op versions of the hooks.
 *
 * One mode per process, chosen with --rogue MODE:
 *
 *   welcome-magic     accept with a welcome whose magic is wrong
 *   welcome-short     accept with the first 32 bytes of the welcome only
 *                     (the CM pads the rest with zeros)
 *   welcome-shift     accept with a wrong chunk_shift
 *   grant-misaligned  grant ALLOCs at an address that is not page aligned
 *   grant-bad-rkey    grant ALLOCs with a wrong rkey (the chunk itself is
 *                     real): the client's READs and WRITEs to it fail with
 *                     a remote access error
 *   reply-type        answer an ALLOC with a PING reply (the right seq);
 *                     other requests are answered correctly
 *   reply-garbage     answer every request with garbage: random bytes of a
 *                     random length, or a reply with a bad status, nonzero
 *                     reserved bytes, a wrong seq or a wrong magic
 *   reply-long        answer every request with 128 bytes (the client's
 *                     receive buffers hold 64)
 *   silent            accept connections, never answer a control message
 *   die-alloc         grant the first ALLOC, then die (SIGKILL) before
 *                     answering it
 *
 * Modes that spoil the pages the client stored, as rotting memory or a
 * buggy server would: the protocol stays correct, a thread changes the
 * chunks granted (every RRAIM_ROGUE_TICK_MS) behind the client's back:
 *
 *   corrupt-flip      flip one byte of RRAIM_ROGUE_FLIP_PAGES random pages
 *                     a tick
 *   stale             write back older contents: each tick, snapshots of
 *                     RRAIM_ROGUE_STALE_PAGES pages, and the snapshots of
 *                     a second before go back where they came from
 *   swap              exchange the contents of pairs of pages
 *                     (RRAIM_ROGUE_SWAP_PAIRS pairs a tick)
 *
 * Pages are picked at random in the chunks granted, used or not, and
 * cheaply: a test guest runs under emulation, and a rogue that takes the
 * CPU from the good servers makes them miss heartbeats.
 */
#include <endian.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "util.h"

#define RRAIM_ROGUE_PROG	"rraim-rogue-server"

enum rraim_rogue_mode {
	RRAIM_ROGUE_WELCOME_MAGIC,
	RRAIM_ROGUE_WELCOME_SHORT,
	RRAIM_ROGUE_WELCOME_SHIFT,
	RRAIM_ROGUE_GRANT_MISALIGNED,
	RRAIM_ROGUE_GRANT_BAD_RKEY,
	RRAIM_ROGUE_REPLY_TYPE,
	RRAIM_ROGUE_REPLY_GARBAGE,
	RRAIM_ROGUE_REPLY_LONG,
	RRAIM_ROGUE_SILENT,
	RRAIM_ROGUE_DIE_ALLOC,
	RRAIM_ROGUE_CORRUPT_FLIP,
	RRAIM_ROGUE_STALE,
	RRAIM_ROGUE_SWAP,
	RRAIM_ROGUE_NR_MODES
};

static const char *const rraim_rogue_names[RRAIM_ROGUE_NR_MODES] = {
	[RRAIM_ROGUE_WELCOME_MAGIC]	= "welcome-magic",
	[RRAIM_ROGUE_WELCOME_SHORT]	= "welcome-short",
	[RRAIM_ROGUE_WELCOME_SHIFT]	= "welcome-shift",
	[RRAIM_ROGUE_GRANT_MISALIGNED]	= "grant-misaligned",
	[RRAIM_ROGUE_GRANT_BAD_RKEY]	= "grant-bad-rkey",
	[RRAIM_ROGUE_REPLY_TYPE]	= "reply-type",
	[RRAIM_ROGUE_REPLY_GARBAGE]	= "reply-garbage",
	[RRAIM_ROGUE_REPLY_LONG]	= "reply-long",
	[RRAIM_ROGUE_SILENT]		= "silent",
	[RRAIM_ROGUE_DIE_ALLOC]		= "die-alloc",
	[RRAIM_ROGUE_CORRUPT_FLIP]	= "corrupt-flip",
	[RRAIM_ROGUE_STALE]		= "stale",
	[RRAIM_ROGUE_SWAP]		= "swap",
};

/* Bytes of the welcome that welcome-short sends: all before chunk_shift. */
#define RRAIM_ROGUE_SHORT_WELCOME	offsetof(struct rraim_welcome, chunk_shift)

/* Offset that makes a granted address misaligned. */
#define RRAIM_ROGUE_MISALIGN		0x800

/* The spoiling modes: how often, and how much a tick. */
#define RRAIM_ROGUE_TICK_MS		100
#define RRAIM_ROGUE_PAGE		4096
#define RRAIM_ROGUE_CHUNK_PAGES		(RRAIM_CHUNK_SIZE / RRAIM_ROGUE_PAGE)
#define RRAIM_ROGUE_MAX_CHUNKS		4096
#define RRAIM_ROGUE_FLIP_PAGES		512
#define RRAIM_ROGUE_STALE_PAGES		64
#define RRAIM_ROGUE_STALE_TICKS		10
#define RRAIM_ROGUE_SWAP_PAIRS		64

/*
 * The chunks granted, by number: their addresses in the pool (the server
 * registers each at its own address).  Written by the event loop's
 * replies, read by the spoiler thread.
 */
static pthread_mutex_t rraim_rogue_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *rraim_rogue_chunks[RRAIM_ROGUE_MAX_CHUNKS];

/* stale: one generation of page snapshots, written back a second later */
struct rraim_rogue_snap {
	unsigned char *where;
	unsigned char data[RRAIM_ROGUE_PAGE];
};

static struct rraim_rogue_snap *rraim_rogue_snaps[RRAIM_ROGUE_STALE_TICKS];
static uint64_t rraim_rogue_spoiled;	/* pages changed (spoiler thread) */

static enum rraim_rogue_mode rraim_rogue_mode = RRAIM_ROGUE_NR_MODES;
static uint64_t rraim_rogue_injected;
static uint64_t rraim_rogue_seed;
static struct rraim_ratelimit rraim_rogue_rl = RRAIM_RATELIMIT_INIT(5000, 5);

/* Not for secrets: garbage that differs from reply to reply. */
static uint64_t rraim_rogue_rand(void)
{
	uint64_t x = rraim_rogue_seed;

	if (!x)
		x = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid() ^
		    0x9e3779b97f4a7c15ULL;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rraim_rogue_seed = x;
	return x;
}

static void rraim_rogue_usage(FILE *f)
{
	int i;

	fprintf(f, "%s: the RRAIM memory server with fault injection (tests only)\n"
		"  --rogue MODE      required; MODE is one of:", RRAIM_ROGUE_PROG);
	for (i = 0; i < RRAIM_ROGUE_NR_MODES; i++)
		fprintf(f, " %s", rraim_rogue_names[i]);
	fprintf(f, "\nThe other options are rraim-server's:\n");
}

static int rraim_rogue_set(const char *name)
{
	int i;

	for (i = 0; i < RRAIM_ROGUE_NR_MODES; i++) {
		if (!strcmp(name, rraim_rogue_names[i])) {
			rraim_rogue_mode = (enum rraim_rogue_mode)i;
			return 0;
		}
	}
	fprintf(stderr, "%s: unknown rogue mode '%s'\n", RRAIM_ROGUE_PROG, name);
	rraim_rogue_usage(stderr);
	return -1;
}

/* Count an injected fault; log it, within a rate limit. */
static void rraim_rogue_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static bool rraim_rogue_spoils(void)
{
	return rraim_rogue_mode == RRAIM_ROGUE_CORRUPT_FLIP ||
	       rraim_rogue_mode == RRAIM_ROGUE_STALE ||
	       rraim_rogue_mode == RRAIM_ROGUE_SWAP;
}

/* A random page of a granted chunk, or NULL when none is granted. */
static unsigned char *rraim_rogue_any_page(void)
{
	unsigned int tries, c;

	for (tries = 0; tries < 64; tries++) {
		c = (unsigned int)(rraim_rogue_rand() % RRAIM_ROGUE_MAX_CHUNKS);
		if (!rraim_rogue_chunks[c])
			continue;
		return rraim_rogue_chunks[c] + RRAIM_ROGUE_PAGE *
			(rraim_rogue_rand() % RRAIM_ROGUE_CHUNK_PAGES);
	}
	for (c = 0; c < RRAIM_ROGUE_MAX_CHUNKS; c++)
		if (rraim_rogue_chunks[c])
			return rraim_rogue_chunks[c] + RRAIM_ROGUE_PAGE *
				(rraim_rogue_rand() % RRAIM_ROGUE_CHUNK_PAGES);
	return NULL;
}

/* corrupt-flip: one byte of some pages, a different byte each tick. */
static void rraim_rogue_flip(unsigned long tick)
{
	size_t off = (tick * 131 + 17) % RRAIM_ROGUE_PAGE;
	unsigned char *page;
	unsigned int i;

	for (i = 0; i < RRAIM_ROGUE_FLIP_PAGES; i++) {
		page = rraim_rogue_any_page();
		if (!page)
			return;
		page[off] ^= 0x5a;
		rraim_rogue_spoiled++;
	}
}

/* stale: the snapshots of a second ago go back, new ones are taken. */
static void rraim_rogue_stale(unsigned long tick)
{
	struct rraim_rogue_snap *snap;
	unsigned int i;

	snap = rraim_rogue_snaps[tick % RRAIM_ROGUE_STALE_TICKS];
	if (!snap) {
		snap = calloc(RRAIM_ROGUE_STALE_PAGES, sizeof(*snap));
		if (!snap)
			return;
		rraim_rogue_snaps[tick % RRAIM_ROGUE_STALE_TICKS] = snap;
	}
	for (i = 0; i < RRAIM_ROGUE_STALE_PAGES; i++) {
		if (snap[i].where &&
		    memcmp(snap[i].where, snap[i].data, RRAIM_ROGUE_PAGE)) {
			memcpy(snap[i].where, snap[i].data, RRAIM_ROGUE_PAGE);
			rraim_rogue_spoiled++;
		}
		snap[i].where = rraim_rogue_any_page();
		if (snap[i].where)
			memcpy(snap[i].data, snap[i].where, RRAIM_ROGUE_PAGE);
	}
}

/* swap: pairs of pages exchange their contents. */
static void rraim_rogue_swap(void)
{
	unsigned char tmp[RRAIM_ROGUE_PAGE], *a, *b;
	unsigned int i;

	for (i = 0; i < RRAIM_ROGUE_SWAP_PAIRS; i++) {
		a = rraim_rogue_any_page();
		b = rraim_rogue_any_page();
		if (!a || !b || a == b || !memcmp(a, b, RRAIM_ROGUE_PAGE))
			continue;
		memcpy(tmp, a, RRAIM_ROGUE_PAGE);
		memcpy(a, b, RRAIM_ROGUE_PAGE);
		memcpy(b, tmp, RRAIM_ROGUE_PAGE);
		rraim_rogue_spoiled += 2;
	}
}

/* The spoiler thread: the pages change under the client every tick. */
static void *rraim_rogue_spoiler(void *arg)
{
	struct timespec ts = { 0, RRAIM_ROGUE_TICK_MS * 1000000L };
	uint64_t before;
	unsigned long tick;

	(void)arg;
	for (tick = 0; ; tick++) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&rraim_rogue_lock);
		before = rraim_rogue_spoiled;
		switch (rraim_rogue_mode) {
		case RRAIM_ROGUE_CORRUPT_FLIP:
			rraim_rogue_flip(tick);
			break;
		case RRAIM_ROGUE_STALE:
			rraim_rogue_stale(tick);
			break;
		default:
			rraim_rogue_swap();
			break;
		}
		if (rraim_rogue_spoiled != before)
			rraim_rogue_note("%" PRIu64 " pages spoiled so far",
					 rraim_rogue_spoiled);
		pthread_mutex_unlock(&rraim_rogue_lock);
	}
	return NULL;
}

/* The event loop's side: which chunks the client holds now. */
static void rraim_rogue_track(const struct rraim_msg_info *req,
			      const struct rraim_msg *rep)
{
	uint32_t chunk;

	if (!rraim_rogue_spoils() || le16toh(rep->status) != RRAIM_OK)
		return;
	pthread_mutex_lock(&rraim_rogue_lock);
	switch (req->type) {
	case RRAIM_MSG_ALLOC:
		chunk = le32toh(rep->chunk);
		if (chunk < RRAIM_ROGUE_MAX_CHUNKS)
			rraim_rogue_chunks[chunk] =
				(unsigned char *)(uintptr_t)le64toh(rep->addr);
		break;
	case RRAIM_MSG_FREE:
		if (req->chunk < RRAIM_ROGUE_MAX_CHUNKS)
			rraim_rogue_chunks[req->chunk] = NULL;
		break;
	case RRAIM_MSG_BYE:
		memset(rraim_rogue_chunks, 0, sizeof(rraim_rogue_chunks));
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&rraim_rogue_lock);
}

int rraim_fault_args(int *argc, char *argv[])
{
	bool serve = true;
	int i, n = 0;

	for (i = 1; i < *argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--"))
			break;	/* what follows is not options */
		if (!strcmp(arg, "--rogue")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "%s: --rogue needs a MODE\n",
					RRAIM_ROGUE_PROG);
				return -1;
			}
			if (rraim_rogue_set(argv[++i]))
				return -1;
			continue;
		}
		if (!strncmp(arg, "--rogue=", 8)) {
			if (rraim_rogue_set(arg + 8))
				return -1;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			rraim_rogue_usage(stdout);
			serve = false;
		} else if (!strcmp(arg, "--version")) {
			serve = false;
		}
		argv[++n] = argv[i];
	}
	for (; i < *argc; i++)
		argv[++n] = argv[i];
	*argc = n + 1;
	argv[*argc] = NULL;

	if (serve && rraim_rogue_mode == RRAIM_ROGUE_NR_MODES) {
		fprintf(stderr, "%s: --rogue MODE is required\n",
			RRAIM_ROGUE_PROG);
		rraim_rogue_usage(stderr);
		return -1;
	}
	if (rraim_rogue_mode != RRAIM_ROGUE_NR_MODES)
		rraim_warn("rogue server: mode %s",
			   rraim_rogue_names[rraim_rogue_mode]);
	if (serve && rraim_rogue_spoils()) {
		pthread_t t;

		if (pthread_create(&t, NULL, rraim_rogue_spoiler, NULL)) {
			fprintf(stderr, "%s: cannot start the spoiler thread\n",
				RRAIM_ROGUE_PROG);
			return -1;
		}
		pthread_detach(t);
	}
	return 0;
}

/* Count an injected fault; log it, within a rate limit. */
static void rraim_rogue_note(const char *fmt, ...)
{
	char what[160];
	va_list ap;

	rraim_rogue_injected++;
	if (!rraim_ratelimit(&rraim_rogue_rl))
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rraim_notice("rogue %s: %s (fault %" PRIu64 ")",
		     rraim_rogue_names[rraim_rogue_mode], what,
		     rraim_rogue_injected);
}

size_t rraim_fault_welcome(struct rraim_welcome *welcome, size_t len)
{
	switch (rraim_rogue_mode) {
	case RRAIM_ROGUE_WELCOME_MAGIC:
		welcome->magic = htole32(~(uint32_t)RRAIM_PROTO_MAGIC);
		rraim_rogue_note("welcome with magic %#x",
				 le32toh(welcome->magic));
		return len;
	case RRAIM_ROGUE_WELCOME_SHORT:
		rraim_rogue_note("welcome of %zu bytes instead of %zu",
				 (size_t)RRAIM_ROGUE_SHORT_WELCOME, len);
		return RRAIM_ROGUE_SHORT_WELCOME;
	case RRAIM_ROGUE_WELCOME_SHIFT:
		welcome->chunk_shift = htole32(RRAIM_CHUNK_SHIFT - 1);
		rraim_rogue_note("welcome with chunk_shift %u",
				 le32toh(welcome->chunk_shift));
		return len;
	default:
		return len;
	}
}

/* reply-garbage: one of several kinds of broken reply, in turn. */
static void rraim_rogue_garbage(struct rraim_msg *rep, uint32_t *len)
{
	static unsigned int turn;
	unsigned char *p = (unsigned char *)rep;
	size_t i;

	switch (turn++ % 6) {
	case 0:	/* random bytes, shorter than a message */
		*len = 1 + (uint32_t)(rraim_rogue_rand() % (sizeof(*rep) - 1));
		for (i = 0; i < sizeof(*rep); i++)
			p[i] = (unsigned char)rraim_rogue_rand();
		rraim_rogue_note("%u random bytes", *len);
		break;
	case 1:	/* random bytes, a message's worth */
		for (i = 0; i < sizeof(*rep); i++)
			p[i] = (unsigned char)rraim_rogue_rand();
		rraim_rogue_note("%zu random bytes", sizeof(*rep));
		break;
	case 2:	/* a status no version knows */
		rep->status = htole16(0x7fff);
		rraim_rogue_note("reply with status 0x7fff");
		break;
	case 3:	/* reserved bytes set */
		rep->proof[5] = 0xef;
		rraim_rogue_note("reply with reserved bytes set");
		break;
	case 4:	/* a sequence number nobody waits for */
		rep->seq = htole32(le32toh(rep->seq) ^ 0x40000000);
		rraim_rogue_note("reply with seq %u", le32toh(rep->seq));
		break;
	default:	/* not even the magic */
		rep->magic = htole32(~(uint32_t)RRAIM_PROTO_MAGIC);
		rraim_rogue_note("reply with magic %#x", le32toh(rep->magic));
		break;
	}
}

enum rraim_fault_action rraim_fault_reply(const struct rraim_msg_info *req,
					  struct rraim_msg *rep,
					  uint32_t *len)
{
	bool granted = req->type == RRAIM_MSG_ALLOC &&
		       le16toh(rep->status) == RRAIM_OK;

	*len = sizeof(*rep);
	rraim_rogue_track(req, rep);
	switch (rraim_rogue_mode) {
	case RRAIM_ROGUE_GRANT_MISALIGNED:
		if (!granted)
			break;
		rep->addr = htole64(le64toh(rep->addr) + RRAIM_ROGUE_MISALIGN);
		rraim_rogue_note("chunk %u granted at %#" PRIx64,
				 le32toh(rep->chunk), le64toh(rep->addr));
		break;
	case RRAIM_ROGUE_GRANT_BAD_RKEY:
		if (!granted)
			break;
		/* the low byte is the key part of an rxe rkey */
		rep->rkey = htole32(le32toh(rep->rkey) ^ 0x5a);
		rraim_rogue_note("chunk %u granted with rkey %#x",
				 le32toh(rep->chunk), le32toh(rep->rkey));
		break;
	case RRAIM_ROGUE_REPLY_TYPE:
		if (req->type != RRAIM_MSG_ALLOC)
			break;
		rep->type = htole16(RRAIM_MSG_PING | RRAIM_MSG_REPLY);
		rraim_rogue_note("ALLOC seq %u answered with a PING reply",
				 req->seq);
		break;
	case RRAIM_ROGUE_REPLY_GARBAGE:
		rraim_rogue_garbage(rep, len);
		break;
	case RRAIM_ROGUE_REPLY_LONG:
		*len = RRAIM_FAULT_REPLY_MAX;
		rraim_rogue_note("%s reply of %u bytes",
				 rraim_msg_type_str(req->type), *len);
		break;
	case RRAIM_ROGUE_SILENT:
		rraim_rogue_note("%s seq %u not answered",
				 rraim_msg_type_str(req->type), req->seq);
		return RRAIM_FAULT_DROP;
	case RRAIM_ROGUE_DIE_ALLOC:
		if (req->type != RRAIM_MSG_ALLOC)
			break;
		rraim_rogue_note("dying between granting chunk %u and replying",
				 le32toh(rep->chunk));
		fflush(NULL);
		kill(getpid(), SIGKILL);
		_exit(1);	/* not reached */
	default:
		break;
	}
	return RRAIM_FAULT_SEND;
}

void rraim_fault_report(FILE *f)
{
	fprintf(f, "rogue_mode %s\n", rraim_rogue_mode < RRAIM_ROGUE_NR_MODES ?
		rraim_rogue_names[rraim_rogue_mode] : "none");
	pthread_mutex_lock(&rraim_rogue_lock);
	fprintf(f, "rogue_injected %" PRIu64 "\n", rraim_rogue_injected);
	fprintf(f, "rogue_spoiled %" PRIu64 "\n", rraim_rogue_spoiled);
	pthread_mutex_unlock(&rraim_rogue_lock);
}
