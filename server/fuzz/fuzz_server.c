// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_server: the whole server against clients that libFuzzer plays,
 * over the RDMA mock of ../tests (mock_rdma.h), so that what the server
 * does with the values it parsed (session ids and tokens, connection
 * indexes, request types, chunk numbers) is fuzzed too, across many
 * connections and requests, not just the parsers (fuzz_proto).
 *
 * An input is a script of operations, each a byte (enum rraim_fuzz_op
 * of input.h) and its arguments: connect (a hello built from small
 * fields, so that sessions, tokens and indexes collide, or raw bytes),
 * establish, send a request (built, with a chunk number near the pool's,
 * or raw, of any length up to past the receive buffer), read the
 * replies, disconnect, break a QP.  Between operations the server
 * handles everything pending.  The server runs with 4 chunks, 3 sessions
 * and no grace, once for the whole run.
 *
 * Beyond memory safety (ASan, UBSan), it checks:
 *
 *   - every reply is 64 bytes, echoes its request's type and sequence
 *     number in order, and carries a known status; the reply to a
 *     well-formed request passes the module's own check
 *     (rraim_wire_reply_check()): the real server never makes the module
 *     fail it;
 *   - the server never misuses the verbs (the mock's violations);
 *   - once every client is gone, nothing is left: no session, no
 *     connection, QP, CQ, MR or PD, and every chunk back in the pool.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../server.h"
#include "../tests/mock_rdma.h"
#include "rraim_wire_shim.h"
#include "../../rraim_wire.h"
#include "input.h"

#define FUZZ_CONNS	8	/* client connections an input may open */
#define FUZZ_PENDING	64	/* requests awaiting a reply, per connection */

/* The server, started once (LLVMFuzzerInitialize). */
static struct rraim_options fuzz_opts;
static struct rraim_server fuzz_srv;
static bool fuzz_verbose;

/* A request sent, and what its reply must echo. */
struct fuzz_request {
	uint16_t type;		/* with RRAIM_MSG_REPLY: what the reply carries */
	uint32_t seq;
	bool well_formed;	/* built: the module's check must pass */
};

/* One connection the client opened. */
struct fuzz_conn {
	struct rdma_cm_id *id;	/* the server's side of it */
	bool established;
	struct fuzz_request pending[FUZZ_PENDING];
	unsigned int head, count;
};

static struct fuzz_conn fuzz_conns[FUZZ_CONNS];
static unsigned int fuzz_nr_conns;
static uint32_t fuzz_seq;

void fuzz_mock_reap(void);	/* fuzz/mock.c */

/*
 * The server logs every session and connection at LOG_INFO: millions of
 * lines in a run.  Its calls to rraim_log() land here (the link wraps
 * them, -Wl,--wrap=rraim_log) and are dropped unless RRAIM_FUZZ_VERBOSE
 * is set.
 */
void __wrap_rraim_log(int level, const char *fmt, ...);
void __wrap_rraim_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (!fuzz_verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "<%d>", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ------------------------------------------------------------ script */

/* The script's bytes; once they run out, every read gives 0. */
struct fuzz_script {
	const uint8_t *p;
	size_t left;
};

static uint8_t fuzz_byte(struct fuzz_script *s)
{
	if (!s->left)
		return 0;
	s->left--;
	return *s->p++;
}

/* Raw bytes: a length byte (modulo @size + 1), then that many bytes. */
static size_t fuzz_bytes(struct fuzz_script *s, uint8_t *buf, size_t size)
{
	size_t len = fuzz_byte(s) % (size + 1), i;

	for (i = 0; i < len; i++)
		buf[i] = fuzz_byte(s);
	return len;
}

static void fuzz_settle(void)
{
	int i;

	for (i = 0; i < 8; i++)
		rraim_server_round(&fuzz_srv, 0);
}

/* The connection a script byte names, if the server still has it. */
static struct fuzz_conn *fuzz_pick(struct fuzz_script *s)
{
	struct fuzz_conn *c;
	uint8_t b = fuzz_byte(s);

	if (!fuzz_nr_conns)
		return NULL;
	c = &fuzz_conns[b % fuzz_nr_conns];
	if (mock_id_destroyed(c->id) || !mock_id_accepted(c->id))
		return NULL;
	return c;
}

/* ------------------------------------------------------------ operations */

/*
 * A connect request.  Built: role, session (1..4, one more than the
 * server holds) and token (0..1) from one byte, so that they collide;
 * index and count from one more.  Raw: up to the 56 bytes of private
 * data the CM carries.
 */
static void fuzz_connect(struct fuzz_script *s)
{
	struct rraim_hello_info info = { 0 };
	uint8_t raw[RRAIM_HELLO_MAX];
	struct rraim_hello h;
	uint8_t b = fuzz_byte(s), n;
	size_t len;

	if (fuzz_nr_conns == FUZZ_CONNS)
		return;
	if (b & 0x80) {
		len = fuzz_bytes(s, raw, sizeof(raw));
		fuzz_conns[fuzz_nr_conns].id = mock_connect_request(raw, len);
	} else {
		info.role = b & 0x40 ? 3 : b & 0x01 ? RRAIM_ROLE_DATA :
						      RRAIM_ROLE_CONTROL;
		info.session = 1 + ((b >> 1) & 3);
		info.token = (b >> 3) & 1;
		n = fuzz_byte(s);
		info.qp_index = n & 7;
		info.qp_count = (n >> 3) & 7;
		rraim_hello_encode(&h, &info);
		fuzz_conns[fuzz_nr_conns].id = mock_connect_request(&h,
								    sizeof(h));
	}
	fuzz_nr_conns++;
	fuzz_settle();
}

static void fuzz_establish(struct fuzz_script *s)
{
	struct fuzz_conn *c = fuzz_pick(s);

	if (!c || c->established)
		return;
	c->established = true;
	mock_cm_event(c->id, RDMA_CM_EVENT_ESTABLISHED);
	fuzz_settle();
}

static void fuzz_expect(struct fuzz_conn *c, uint16_t type, uint32_t seq,
			bool well_formed)
{
	struct fuzz_request *r;

	if (c->count == FUZZ_PENDING)
		return;	/* more than the server has buffers for: fails */
	r = &c->pending[(c->head + c->count++) % FUZZ_PENDING];
	r->type = type | RRAIM_MSG_REPLY;
	r->seq = seq;
	r->well_formed = well_formed;
}

/*
 * A request.  Built: a known type (or another), a chunk number around
 * the pool's 4 (or the largest), the next sequence number.  Raw: up to
 * 80 bytes, past the 64 of a receive buffer.
 */
static void fuzz_request(struct fuzz_script *s)
{
	struct fuzz_conn *c = fuzz_pick(s);
	struct rraim_msg_info info = { 0 };
	uint8_t raw[80];
	struct rraim_msg m;
	uint8_t b = fuzz_byte(s);
	uint16_t type;
	uint32_t seq;
	size_t len;

	if (!c)
		return;
	if (b & 0x80) {
		len = fuzz_bytes(s, raw, sizeof(raw));
		/* what the server echoes: read from what arrived */
		rraim_fuzz_echo(raw, len, &type, &seq);
		if (!mock_deliver(c->id, raw, len) && len <= RRAIM_MSG_SIZE)
			fuzz_expect(c, type, seq, false);
	} else {
		info.type = b & 0x40 ? b : RRAIM_MSG_ALLOC + (b & 0x1f) % 5;
		info.chunk = b & 0x20 ? UINT32_MAX : fuzz_byte(s) % 6;
		info.seq = ++fuzz_seq;
		rraim_msg_encode(&m, &info);
		if (!mock_deliver(c->id, &m, sizeof(m)))
			fuzz_expect(c, info.type, info.seq,
				    info.type >= RRAIM_MSG_ALLOC &&
				    info.type <= RRAIM_MSG_AUTH);
	}
	fuzz_settle();
}

/* Read what the server sent on @c, check each reply, complete the sends. */
static void fuzz_collect(struct fuzz_conn *c)
{
	struct rraim_msg_info rep;
	struct fuzz_request *r;
	uint8_t buf[256];
	int n;

	if (mock_id_destroyed(c->id) || !c->id->qp)
		return;
	while ((n = mock_take_sent(c->id, buf, sizeof(buf))) >= 0) {
		RRAIM_FUZZ_ASSERT(n == RRAIM_MSG_SIZE);
		RRAIM_FUZZ_ASSERT(!rraim_msg_decode_reply(buf, (size_t)n, &rep));
		RRAIM_FUZZ_ASSERT(rep.status <= RRAIM_EPERM);
		RRAIM_FUZZ_ASSERT(c->count);
		r = &c->pending[c->head];
		c->head = (c->head + 1) % FUZZ_PENDING;
		c->count--;
		RRAIM_FUZZ_ASSERT(rep.type == r->type && rep.seq == r->seq);
		if (r->well_formed)
			RRAIM_FUZZ_ASSERT(!rraim_wire_reply_check(buf,
						(size_t)n,
						r->type & ~RRAIM_MSG_REPLY,
						r->seq));
	}
	mock_complete_sends(c->id);
	fuzz_settle();
}

static void fuzz_replies(struct fuzz_script *s)
{
	struct fuzz_conn *c = fuzz_pick(s);

	if (c)
		fuzz_collect(c);
}

static void fuzz_disconnect(struct fuzz_script *s)
{
	struct fuzz_conn *c = fuzz_pick(s);

	if (!c)
		return;
	mock_cm_event(c->id, c->established ? RDMA_CM_EVENT_DISCONNECTED :
					      RDMA_CM_EVENT_CONNECT_ERROR);
	fuzz_settle();
}

static void fuzz_qp_error(struct fuzz_script *s)
{
	struct fuzz_conn *c = fuzz_pick(s);

	if (!c || !c->id->qp)
		return;
	mock_qp_error(c->id);
	fuzz_settle();
}

/* Every client leaves; nothing may be left behind. */
static void fuzz_finish(void)
{
	unsigned int i;

	for (i = 0; i < fuzz_nr_conns; i++)
		fuzz_collect(&fuzz_conns[i]);
	for (i = 0; i < fuzz_nr_conns; i++) {
		struct fuzz_conn *c = &fuzz_conns[i];

		if (mock_id_destroyed(c->id) || !mock_id_accepted(c->id))
			continue;
		mock_cm_event(c->id, c->established ?
			      RDMA_CM_EVENT_DISCONNECTED :
			      RDMA_CM_EVENT_CONNECT_ERROR);
		fuzz_settle();
	}
	for (i = 0; i < fuzz_nr_conns; i++)
		RRAIM_FUZZ_ASSERT(mock_id_destroyed(fuzz_conns[i].id));
	RRAIM_FUZZ_ASSERT(!fuzz_srv.nr_sessions);
	RRAIM_FUZZ_ASSERT(!fuzz_srv.chunks_granted);
	RRAIM_FUZZ_ASSERT(fuzz_srv.pool.nr_free == fuzz_srv.pool.nr_chunks);
	RRAIM_FUZZ_ASSERT(mock_live.ids == 1);	/* the listener */
	RRAIM_FUZZ_ASSERT(!mock_live.qps && !mock_live.cqs &&
			  !mock_live.mrs && !mock_live.pds);
	RRAIM_FUZZ_ASSERT(!mock_violations);

	fuzz_mock_reap();
	memset(fuzz_conns, 0, sizeof(fuzz_conns));
	fuzz_nr_conns = 0;
}

/* ------------------------------------------------------------ libFuzzer */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_verbose = getenv("RRAIM_FUZZ_VERBOSE");
	rraim_options_init(&fuzz_opts);
	fuzz_opts.capacity = 4ULL * RRAIM_CHUNK_SIZE;
	fuzz_opts.grace_s = 0;
	fuzz_opts.max_sessions = 3;
	fuzz_opts.hugepages = RRAIM_HUGEPAGES_OFF;
	rraim_parse_listen("10.0.0.2:7471", &fuzz_opts.listen);
	if (rraim_server_start(&fuzz_srv, &fuzz_opts) ||
	    fuzz_srv.state != RRAIM_SERVER_RUNNING) {
		fprintf(stderr, "fuzz_server: the server does not start\n");
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_script s = { data, size };

	while (s.left) {
		switch (fuzz_byte(&s) % RRAIM_FUZZ_OP_NR) {
		case RRAIM_FUZZ_OP_CONNECT:
			fuzz_connect(&s);
			break;
		case RRAIM_FUZZ_OP_ESTABLISH:
			fuzz_establish(&s);
			break;
		case RRAIM_FUZZ_OP_REQUEST:
			fuzz_request(&s);
			break;
		case RRAIM_FUZZ_OP_READ:
			fuzz_replies(&s);
			break;
		case RRAIM_FUZZ_OP_DISCONNECT:
			fuzz_disconnect(&s);
			break;
		case RRAIM_FUZZ_OP_BREAK:
			fuzz_qp_error(&s);
			break;
		}
	}
	fuzz_finish();
	return 0;
}
