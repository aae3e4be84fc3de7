// SPDX-License-Identifier: GPL-2.0
/*
 * mkcorpus: write the fuzzers' seed corpus (make fuzz-corpus).
 *
 *   fuzz/mkcorpus DIR     writes DIR/fuzz_proto/NAME and DIR/fuzz_client/NAME
 *
 * A few valid messages of each kind, built with the server's own encoders
 * (../proto.c), and the classic wrong ones that each parser must refuse
 * for its own reason: short, another version, a reserved field set, a
 * field out of range.  Each file is an input as input.h lays it out: the
 * header that picks the parser (and the request a reply answers), then
 * the bytes received.  The names say what each one is.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../proto.h"
#include "input.h"

static const char *rraim_dir;

/*
 * Write one input: @hlen bytes of @head, then @len bytes of @data (zeros
 * when @data is NULL: with RRAIM_FUZZ_NULL the parser gets NULL and that
 * length).
 */
static void rraim_write(const char *target, const char *name,
			const uint8_t *head, size_t hlen, const void *data,
			size_t len)
{
	static const uint8_t zeros[256];
	char path[4096];
	FILE *f;

	if (!data)
		data = zeros;

	snprintf(path, sizeof(path), "%s/%s", rraim_dir, target);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", rraim_dir, target, name);
	f = fopen(path, "wb");
	if (!f || (hlen && fwrite(head, 1, hlen, f) != hlen) ||
	    (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* An input of fuzz_proto or fuzz_client: the header of input.h first. */
static void rraim_seed(const char *target, const char *name, uint8_t what,
		       uint8_t flags, uint16_t type, uint32_t seq,
		       const void *data, size_t len)
{
	uint8_t head[RRAIM_FUZZ_HEADER];

	rraim_fuzz_header(head, what, flags, type, seq);
	rraim_write(target, name, head, sizeof(head), data, len);
}

/* @len bytes of @data as the IB CM delivers them: zeros up to @size. */
static void rraim_seed_padded(const char *target, const char *name,
			      uint8_t what, const void *data, size_t len,
			      size_t size)
{
	uint8_t padded[RRAIM_WELCOME_MAX] = { 0 };

	if (len > size || size > sizeof(padded)) {
		fprintf(stderr, "%s: %zu bytes padded to %zu\n", name, len,
			size);
		exit(1);
	}
	memcpy(padded, data, len);
	rraim_seed(target, name, what, 0, 0, 0, padded, size);
}

/*
 * The two wrong inputs a parser must refuse as too short: STEM-short,
 * the first @cut bytes of @data, and STEM-none, no buffer (NULL) with a
 * length of @none.
 */
static void rraim_seed_cut(const char *target, const char *stem, uint8_t what,
			   const void *data, size_t cut, size_t none)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-short", stem);
	rraim_seed(target, name, what, 0, 0, 0, data, cut);
	snprintf(name, sizeof(name), "%s-none", stem);
	rraim_seed(target, name, what, RRAIM_FUZZ_NULL, 0, 0, NULL, none);
}

/* ------------------------------------------------------------ server */

static void rraim_seed_hellos(void)
{
	struct rraim_hello_info ctl = {
		.role = RRAIM_ROLE_CONTROL, .session = 0x1234567890abcdefULL,
		.token = 0xfeedface, .qp_index = 0, .qp_count = 5,
	};
	struct rraim_hello_info data = ctl;
	struct rraim_hello h;

	rraim_hello_encode(&h, &ctl);
	rraim_seed("fuzz_proto", "hello-control", RRAIM_FUZZ_HELLO, 0, 0, 0,
		   &h, sizeof(h));
	rraim_seed_padded("fuzz_proto", "hello-control-padded",
			  RRAIM_FUZZ_HELLO, &h, sizeof(h), RRAIM_HELLO_MAX);
	rraim_seed_cut("fuzz_proto", "hello", RRAIM_FUZZ_HELLO, &h, 8, 0);

	data.role = RRAIM_ROLE_DATA;
	data.qp_index = 4;
	rraim_hello_encode(&h, &data);
	rraim_seed("fuzz_proto", "hello-data", RRAIM_FUZZ_HELLO, 0, 0, 0,
		   &h, sizeof(h));
	data.qp_index = 5;
	rraim_hello_encode(&h, &data);
	rraim_seed("fuzz_proto", "hello-index-past-count", RRAIM_FUZZ_HELLO,
		   0, 0, 0, &h, sizeof(h));
	data.qp_index = 0;
	data.qp_count = RRAIM_QP_COUNT_MAX + 1;
	rraim_hello_encode(&h, &data);
	rraim_seed("fuzz_proto", "hello-too-many-qps", RRAIM_FUZZ_HELLO, 0,
		   0, 0, &h, sizeof(h));

	rraim_hello_encode(&h, &ctl);
	h.version = htole16(RRAIM_PROTO_VERSION + 1);
	rraim_seed("fuzz_proto", "hello-version", RRAIM_FUZZ_HELLO, 0, 0, 0,
		   &h, sizeof(h));
	rraim_hello_encode(&h, &ctl);
	h.flags = htole32(0x100);
	rraim_seed("fuzz_proto", "hello-unknown-flag", RRAIM_FUZZ_HELLO, 0, 0,
		   0, &h, sizeof(h));
	rraim_hello_encode(&h, &ctl);
	h.nonce[7] = 1;
	rraim_seed("fuzz_proto", "hello-nonce-no-flag", RRAIM_FUZZ_HELLO, 0, 0,
		   0, &h, sizeof(h));
	ctl.flags = RRAIM_HELLO_AUTH;
	memset(ctl.nonce, 0x5c, sizeof(ctl.nonce));
	rraim_hello_encode(&h, &ctl);
	rraim_seed("fuzz_proto", "hello-auth", RRAIM_FUZZ_HELLO, 0, 0, 0,
		   &h, sizeof(h));
	data.flags = RRAIM_HELLO_AUTH;
	rraim_hello_encode(&h, &data);
	rraim_seed("fuzz_proto", "hello-data-auth", RRAIM_FUZZ_HELLO, 0, 0, 0,
		   &h, sizeof(h));
	ctl.flags = 0;
	memset(ctl.nonce, 0, sizeof(ctl.nonce));
	ctl.session = 0;
	rraim_hello_encode(&h, &ctl);
	rraim_seed("fuzz_proto", "hello-no-session", RRAIM_FUZZ_HELLO, 0, 0,
		   0, &h, sizeof(h));
}

static void rraim_seed_requests(void)
{
	static const struct { uint16_t type; const char *name; } types[] = {
		{ RRAIM_MSG_ALLOC, "alloc" }, { RRAIM_MSG_FREE, "free" },
		{ RRAIM_MSG_PING, "ping" }, { RRAIM_MSG_QUERY, "query" },
		{ RRAIM_MSG_BYE, "bye" }, { RRAIM_MSG_AUTH, "auth" },
	};
	struct rraim_msg_info info = { .seq = 7, .chunk = 3 };
	struct rraim_msg m;
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		info.type = types[i].type;
		rraim_msg_encode(&m, &info);
		snprintf(name, sizeof(name), "request-%s", types[i].name);
		rraim_seed("fuzz_proto", name, RRAIM_FUZZ_REQUEST, 0, 0, 0,
			   &m, sizeof(m));
	}
	info.type = RRAIM_MSG_PING;
	rraim_msg_encode(&m, &info);
	rraim_seed_cut("fuzz_proto", "request", RRAIM_FUZZ_REQUEST, &m, 10,
		       RRAIM_MSG_SIZE);
	m.proof[0] = 1;
	rraim_seed("fuzz_proto", "request-proof-not-auth", RRAIM_FUZZ_REQUEST,
		   0, 0, 0, &m, sizeof(m));
	info.type = RRAIM_MSG_PING | RRAIM_MSG_REPLY;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_proto", "request-reply-bit", RRAIM_FUZZ_REQUEST, 0, 0,
		   0, &m, sizeof(m));
	info.type = 0x77;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_proto", "request-unknown-type", RRAIM_FUZZ_REQUEST, 0,
		   0, 0, &m, sizeof(m));
	info.type = RRAIM_MSG_FREE;
	info.status = RRAIM_EIO;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_proto", "request-status", RRAIM_FUZZ_REQUEST, 0, 0, 0,
		   &m, sizeof(m));
}

/* The test peers' decoders, and the name lookups of received values. */
static void rraim_seed_peer_decoders(void)
{
	struct rraim_welcome_info wi = {
		.incarnation = 0xabad1dea, .capacity = 64ULL << 20,
		.free = 48ULL << 20, .chunk_shift = RRAIM_CHUNK_SHIFT,
		.nr_chunks = 4,
	};
	struct rraim_msg_info mi = {
		.type = RRAIM_MSG_ALLOC | RRAIM_MSG_REPLY, .seq = 9,
		.chunk = 2, .rkey = 0x1234, .addr = 0x7f0000400000ULL,
		.capacity = 64ULL << 20, .free = 44ULL << 20, .nr_chunks = 5,
	};
	struct rraim_welcome w;
	struct rraim_refusal r;
	struct rraim_msg m;

	rraim_welcome_encode(&w, &wi);
	rraim_seed("fuzz_proto", "welcome", RRAIM_FUZZ_WELCOME_DEC, 0, 0, 0,
		   &w, sizeof(w));
	rraim_refusal_encode(&r, RRAIM_REFUSE_BUSY);
	rraim_seed("fuzz_proto", "refusal", RRAIM_FUZZ_REFUSAL_DEC, 0, 0, 0,
		   &r, sizeof(r));
	rraim_msg_encode(&m, &mi);
	rraim_seed("fuzz_proto", "reply", RRAIM_FUZZ_REPLY_DEC, 0, 0, 0,
		   &m, sizeof(m));
	rraim_seed("fuzz_proto", "names-reply-alloc", RRAIM_FUZZ_NAMES, 0,
		   RRAIM_MSG_ALLOC | RRAIM_MSG_REPLY, 0, NULL, 0);
	rraim_seed("fuzz_proto", "names-unknown", RRAIM_FUZZ_NAMES, 0, 0xffff,
		   0, NULL, 0);
}

/*
 * fuzz_server's scripts (see fuzz_server.c): an operation byte (enum
 * rraim_fuzz_op of input.h), then its arguments; a connection is named
 * by its index among those opened.  A built hello is a byte (bit 0
 * data, bits 1-2 session - 1, bit 3 token, bit 6 a bad role) and a byte
 * (bits 0-2 index, 3-5 count); a built request a byte (bits 0-4 modulo
 * 5: ALLOC, FREE, PING, QUERY, BYE; bit 5 the largest chunk number, else
 * a chunk byte follows).
 */
#define CONNECT			RRAIM_FUZZ_OP_CONNECT
#define REQUEST			RRAIM_FUZZ_OP_REQUEST
#define CTL(session, token)	CONNECT, \
				(uint8_t)(((session) - 1) << 1 | (token) << 3), \
				0x18
#define DATA(session, index)	CONNECT, \
				(uint8_t)(((session) - 1) << 1 | 1), \
				(uint8_t)(0x18 | (index))
#define UP(conn)		RRAIM_FUZZ_OP_ESTABLISH, conn
#define ALLOC(conn)		REQUEST, conn, 0, 0
#define FREE(conn, chunk)	REQUEST, conn, 1, chunk
#define PING(conn)		REQUEST, conn, 2, 0
#define QUERY(conn, chunk)	REQUEST, conn, 3, chunk
#define BYE(conn)		REQUEST, conn, 4, 0
#define READ(conn)		RRAIM_FUZZ_OP_READ, conn
#define DOWN(conn)		RRAIM_FUZZ_OP_DISCONNECT, conn
#define BREAK(conn)		RRAIM_FUZZ_OP_BREAK, conn

#define SCRIPT(name, ...) do {						\
	static const uint8_t script_[] = { __VA_ARGS__ };		\
	rraim_write("fuzz_server", name, NULL, 0, script_,		\
		    sizeof(script_));					\
} while (0)

static void rraim_seed_scripts(void)
{
	SCRIPT("alloc-query-free-bye", CTL(1, 0), UP(0), ALLOC(0), ALLOC(0),
	       READ(0), QUERY(0, 0), FREE(0, 1), FREE(0, 5), READ(0), BYE(0),
	       PING(0), READ(0));
	SCRIPT("data-connections", CTL(1, 0), UP(0), DATA(1, 1), UP(1),
	       DATA(1, 2), UP(2), DATA(1, 2), UP(3), ALLOC(0), READ(0),
	       DOWN(1), DOWN(0));
	SCRIPT("data-without-session", DATA(2, 1), UP(0), PING(0), READ(0));
	SCRIPT("early-request", CTL(1, 0), PING(0), UP(0), READ(0));
	SCRIPT("replace-control", CTL(1, 0), UP(0), ALLOC(0), READ(0),
	       DATA(1, 1), UP(1), CTL(1, 0), UP(2), QUERY(2, 0), READ(2));
	SCRIPT("bad-token", CTL(1, 0), UP(0), CTL(1, 1), UP(1), PING(0),
	       READ(0));
	SCRIPT("full-pool", CTL(1, 0), UP(0), CTL(2, 0), UP(1), CTL(3, 0),
	       UP(2), CTL(4, 0), ALLOC(0), ALLOC(0), ALLOC(1), ALLOC(1),
	       ALLOC(2), READ(0), READ(1), READ(2), DOWN(0), ALLOC(2),
	       READ(2));
	SCRIPT("qp-error", CTL(1, 0), UP(0), ALLOC(0), BREAK(0), CTL(1, 0),
	       UP(1), QUERY(1, 0), READ(1));
	SCRIPT("bad-requests", CTL(1, 0), UP(0),
	       REQUEST, 0, 0x47, 0,		/* unknown type */
	       REQUEST, 0, 0x23,		/* QUERY of the largest chunk */
	       REQUEST, 0, 0x80, 10, 0x52, 0x41, 0x49, 0x4d, 3, 0, 0, 0, 9, 0,
	       READ(0),
	       REQUEST, 0, 0x80, 70,		/* longer than a buffer */
	       READ(0));
	SCRIPT("raw-hello", CONNECT, 0x80, 12, 0x52, 0x41, 0x49, 0x4d, 1, 0, 1,
	       0, 1, 0, 0, 0, UP(0));
}

/* ------------------------------------------------------------ client */

static void rraim_seed_welcomes(void)
{
	struct rraim_welcome_info wi = {
		.incarnation = 0x5eed, .capacity = 256ULL << 20,
		.free = 240ULL << 20, .chunk_shift = RRAIM_CHUNK_SHIFT,
	};
	struct rraim_welcome w;

	rraim_welcome_encode(&w, &wi);
	rraim_seed("fuzz_client", "welcome-new", RRAIM_FUZZ_WELCOME, 0, 0, 0,
		   &w, sizeof(w));
	rraim_seed_padded("fuzz_client", "welcome-padded", RRAIM_FUZZ_WELCOME,
			  &w, sizeof(w), RRAIM_WELCOME_MAX);
	rraim_seed_cut("fuzz_client", "welcome", RRAIM_FUZZ_WELCOME, &w,
		       sizeof(w) - 1, 0);
	wi.flags = RRAIM_WELCOME_RESUMED;
	wi.nr_chunks = 12;
	rraim_welcome_encode(&w, &wi);
	rraim_seed("fuzz_client", "welcome-resumed", RRAIM_FUZZ_WELCOME, 0, 0,
		   0, &w, sizeof(w));
	w.version = htole16(RRAIM_PROTO_VERSION + 1);
	rraim_seed("fuzz_client", "welcome-version", RRAIM_FUZZ_WELCOME, 0, 0,
		   0, &w, sizeof(w));
	rraim_welcome_encode(&w, &wi);
	w.reserved[3] = htole32(0x80000000U);
	rraim_seed("fuzz_client", "welcome-reserved", RRAIM_FUZZ_WELCOME, 0, 0,
		   0, &w, sizeof(w));
	wi.flags = RRAIM_WELCOME_AUTH;
	memset(wi.nonce, 0x11, sizeof(wi.nonce));
	memset(wi.proof, 0x22, sizeof(wi.proof));
	rraim_welcome_encode(&w, &wi);
	rraim_seed("fuzz_client", "welcome-auth-asked", RRAIM_FUZZ_WELCOME,
		   RRAIM_FUZZ_ASKED, 0, 0, &w, sizeof(w));
	rraim_seed("fuzz_client", "welcome-auth-unasked", RRAIM_FUZZ_WELCOME,
		   0, 0, 0, &w, sizeof(w));
	wi.chunk_shift = 21;
	rraim_welcome_encode(&w, &wi);
	rraim_seed("fuzz_client", "welcome-chunk-shift", RRAIM_FUZZ_WELCOME, 0,
		   0, 0, &w, sizeof(w));
}

static void rraim_seed_refusals(void)
{
	struct rraim_refusal r;
	char name[64];
	uint16_t reason;

	for (reason = RRAIM_REFUSE_MALFORMED; reason <= RRAIM_REFUSE_AUTH;
	     reason++) {
		rraim_refusal_encode(&r, reason);
		snprintf(name, sizeof(name), "refusal-%s",
			 rraim_refusal_str(reason));
		rraim_seed("fuzz_client", name, RRAIM_FUZZ_REFUSAL, 0, 0, 0,
			   &r, sizeof(r));
	}
	rraim_refusal_encode(&r, 99);
	rraim_seed("fuzz_client", "refusal-unknown", RRAIM_FUZZ_REFUSAL, 0, 0,
		   0, &r, sizeof(r));
	rraim_seed_cut("fuzz_client", "refusal", RRAIM_FUZZ_REFUSAL, &r, 6, 0);
}

static void rraim_seed_replies(void)
{
	struct rraim_msg_info grant = {
		.type = RRAIM_MSG_ALLOC | RRAIM_MSG_REPLY, .seq = 41,
		.chunk = 6, .rkey = 0xbeef, .addr = 0x7f1234000000ULL,
		.capacity = 1ULL << 30, .free = 1ULL << 29, .nr_chunks = 7,
	};
	struct rraim_msg_info info = grant;
	struct rraim_msg m;

	rraim_msg_encode(&m, &grant);
	rraim_seed("fuzz_client", "reply-alloc", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_ALLOC, 41, &m, sizeof(m));
	rraim_seed("fuzz_client", "reply-wrong-seq", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_ALLOC, 40, &m, sizeof(m));
	rraim_seed("fuzz_client", "reply-wrong-type", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_PING, 41, &m, sizeof(m));
	rraim_seed("fuzz_client", "reply-none-waits", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_ALLOC, 0, &m, sizeof(m));
	rraim_seed("fuzz_client", "reply-short", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_ALLOC, 41, &m, sizeof(m) - 1);
	rraim_seed("fuzz_client", "answer-late-grant", RRAIM_FUZZ_ANSWER, 0,
		   RRAIM_MSG_ALLOC, 41, &m, sizeof(m));
	rraim_seed("fuzz_client", "stale-alloc", RRAIM_FUZZ_STALE, 0, 0, 45,
		   &m, sizeof(m));
	rraim_seed("fuzz_client", "grant", RRAIM_FUZZ_GRANT, 0, 0, 0,
		   &m, sizeof(m));
	m.proof[1] = 2;
	rraim_seed("fuzz_client", "reply-proof", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_ALLOC, 41, &m, sizeof(m));

	info.addr = 0x7f1234000800ULL;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_client", "grant-misaligned", RRAIM_FUZZ_GRANT, 0, 0,
		   0, &m, sizeof(m));
	info.addr = ~0ULL - 4095;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_client", "grant-wraps", RRAIM_FUZZ_GRANT, 0, 0, 0,
		   &m, sizeof(m));

	info = grant;
	info.status = RRAIM_ENOSPC;
	info.addr = 0;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_client", "reply-alloc-enospc", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_ALLOC, 41, &m, sizeof(m));
	info.status = RRAIM_EPERM + 1;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_client", "reply-unknown-status", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_ALLOC, 41, &m, sizeof(m));

	info = grant;
	info.type = RRAIM_MSG_PING | RRAIM_MSG_REPLY;
	info.seq = 0xffffffffU;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_client", "reply-ping-last-seq", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_PING, 0xffffffffU, &m, sizeof(m));
	/* sequence numbers wrap past 0: 0xffffffff came before 2 */
	rraim_seed("fuzz_client", "stale-wrapped", RRAIM_FUZZ_STALE, 0, 0, 2,
		   &m, sizeof(m));
	info.type = RRAIM_MSG_FREE | RRAIM_MSG_REPLY;
	info.status = RRAIM_ENOENT;
	info.seq = 3;
	rraim_msg_encode(&m, &info);
	rraim_seed("fuzz_client", "reply-free-enoent", RRAIM_FUZZ_REPLY, 0,
		   RRAIM_MSG_FREE, 3, &m, sizeof(m));
	rraim_seed("fuzz_client", "status-enotsup", RRAIM_FUZZ_STATUS, 0,
		   RRAIM_ENOTSUP, 0, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	rraim_dir = argv[1];
	if (mkdir(rraim_dir, 0755) && errno != EEXIST) {
		perror(rraim_dir);
		return 1;
	}
	rraim_seed_hellos();
	rraim_seed_requests();
	rraim_seed_peer_decoders();
	rraim_seed_scripts();
	rraim_seed_welcomes();
	rraim_seed_refusals();
	rraim_seed_replies();
	return 0;
}
