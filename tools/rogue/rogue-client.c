// SPDX-License-Identifier: GPL-2.0
/*
 * rraim-rogue: a small RDMA CM client that misbehaves on purpose, so the
 * VM test suite can check that a memory server survives bad input and
 * keeps sessions apart.
 *
 * Usage: rraim-rogue ADDR[:PORT] SCENARIO|all
 *
 * Every scenario states what the server must do (refuse with a given
 * reason, answer with a given status, fail an RDMA access...), prints one
 * line per check, and the program exits 0 when all checks held, 1 when
 * one did not, 2 on a usage error.  A scenario ends with the server still
 * answering: each one opens its connections afresh.
 *
 * On RoCE the CM pads connect private data to 56 bytes with zeros, so a
 * "short" hello reaches the server as a full one whose tail is zero.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "options.h"
#include "proto.h"

#define ROGUE_TIMEOUT_MS	5000
#define ROGUE_RECV_DEPTH	8		/* reply buffers posted */
#define ROGUE_SEND_SIZE		256		/* largest message we send */
#define ROGUE_DATA_SIZE		(64 * 1024)	/* RDMA staging area */

/* wr_id of our work requests; receives use their slot number. */
#define ROGUE_WR_SEND		100
#define ROGUE_WR_RDMA		101

/* Offsets in rogue_conn.buf. */
#define ROGUE_SEND_OFF		(ROGUE_RECV_DEPTH * RRAIM_MSG_SIZE)
#define ROGUE_DATA_OFF		(ROGUE_SEND_OFF + ROGUE_SEND_SIZE)
#define ROGUE_BUF_SIZE		(ROGUE_DATA_OFF + ROGUE_DATA_SIZE)

static struct sockaddr_in rogue_server;	/* where the server listens */

enum rogue_outcome {
	ROGUE_ACCEPTED,		/* ESTABLISHED with a valid welcome */
	ROGUE_REFUSED,		/* REJECTED with a valid refusal */
	ROGUE_FAILED,		/* anything else */
};

/* A received message waiting to be read. */
struct rogue_recv {
	unsigned int slot;		/* receive buffer */
	uint32_t len;			/* bytes received */
	enum ibv_wc_status status;	/* completion status */
};

/**
 * struct rogue_conn - one connection to the server
 * @channel: CM events of this connection only
 * @id: its cm_id
 * @pd: protection domain of @mr and the QP
 * @cq: send and receive completions, polled
 * @mr: over @buf, local write only
 * @buf: receive slots, then the send area, then the RDMA staging area
 * @connected: ESTABLISHED was seen
 * @welcome: the accept private data
 * @refusal: reason of the refusal when REJECTED
 * @refusal_version: version the refusal carried
 * @event_status: status of the last unexpected CM event
 * @recvs: completed receives not read yet
 * @nr_recvs: entries in @recvs
 * @seq: last request sequence number used
 */
struct rogue_conn {
	struct rdma_event_channel *channel;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	uint8_t *buf;
	bool connected;
	struct rraim_welcome_info welcome;
	uint16_t refusal;
	uint16_t refusal_version;
	int event_status;
	struct rogue_recv recvs[ROGUE_RECV_DEPTH];
	unsigned int nr_recvs;
	uint32_t seq;
};

struct rogue_session {
	uint64_t id;
	uint64_t token;
};

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

static bool rogue_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool rogue_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("  %s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return ok;
}

static void rogue_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void rogue_note(const char *fmt, ...)
{
	va_list ap;

	printf("  note: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static const char *rogue_outcome_str(const struct rogue_conn *c,
				     enum rogue_outcome o, char *buf,
				     size_t len)
{
	switch (o) {
	case ROGUE_ACCEPTED:
		snprintf(buf, len, "accepted (flags 0x%x, %u chunks)",
			 c->welcome.flags, c->welcome.nr_chunks);
		break;
	case ROGUE_REFUSED:
		snprintf(buf, len, "refused: %s",
			 rraim_refusal_str(c->refusal));
		break;
	default:
		snprintf(buf, len, "failed (status %d)", c->event_status);
		break;
	}
	return buf;
}

static uint64_t rogue_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void rogue_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n <= 0)
			continue;
		p += n;
		len -= (size_t)n;
	}
}

static void rogue_new_session(struct rogue_session *s)
{
	do
		rogue_random(s, sizeof(*s));
	while (!s->id);
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

static int rogue_get_event(struct rogue_conn *c, struct rdma_cm_event **ev)
{
	struct pollfd pfd = { .fd = c->channel->fd, .events = POLLIN };

	if (poll(&pfd, 1, ROGUE_TIMEOUT_MS) <= 0) {
		rogue_note("no CM event within %d ms", ROGUE_TIMEOUT_MS);
		return -1;
	}
	if (rdma_get_cm_event(c->channel, ev)) {
		rogue_note("rdma_get_cm_event: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int rogue_expect_event(struct rogue_conn *c,
			      enum rdma_cm_event_type type)
{
	struct rdma_cm_event *ev;
	int ret = 0;

	if (rogue_get_event(c, &ev))
		return -1;
	if (ev->event != type) {
		rogue_note("expected %s, got %s (status %d)",
			   rdma_event_str(type), rdma_event_str(ev->event),
			   ev->status);
		ret = -1;
	}
	rdma_ack_cm_event(ev);
	return ret;
}

static int rogue_post_recv(struct rogue_conn *c, unsigned int slot)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->buf + slot * RRAIM_MSG_SIZE),
		.length = RRAIM_MSG_SIZE,
		.lkey = c->mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = slot, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;
	int ret = ibv_post_recv(c->id->qp, &wr, &bad);

	if (ret)
		rogue_note("ibv_post_recv: %s", strerror(ret));
	return ret ? -1 : 0;
}

static int rogue_setup_qp(struct rogue_conn *c)
{
	struct ibv_qp_init_attr attr = {
		.qp_type = IBV_QPT_RC,
		.cap = {
			.max_send_wr = 16,
			.max_recv_wr = ROGUE_RECV_DEPTH,
			.max_send_sge = 1,
			.max_recv_sge = 1,
		},
	};
	unsigned int slot;

	c->pd = ibv_alloc_pd(c->id->verbs);
	if (!c->pd)
		return -1;
	c->cq = ibv_create_cq(c->id->verbs, 32, NULL, NULL, 0);
	if (!c->cq)
		return -1;
	attr.send_cq = c->cq;
	attr.recv_cq = c->cq;
	if (rdma_create_qp(c->id, c->pd, &attr))
		return -1;
	if (posix_memalign((void **)&c->buf, 4096, ROGUE_BUF_SIZE))
		return -1;
	memset(c->buf, 0, ROGUE_BUF_SIZE);
	c->mr = ibv_reg_mr(c->pd, c->buf, ROGUE_BUF_SIZE, IBV_ACCESS_LOCAL_WRITE);
	if (!c->mr)
		return -1;
	for (slot = 0; slot < ROGUE_RECV_DEPTH; slot++)
		if (rogue_post_recv(c, slot))
			return -1;
	return 0;
}

static enum rogue_outcome rogue_connect_result(struct rogue_conn *c)
{
	const struct rdma_conn_param *p;
	struct rdma_cm_event *ev;
	enum rogue_outcome o = ROGUE_FAILED;

	if (rogue_get_event(c, &ev))
		return ROGUE_FAILED;
	p = &ev->param.conn;
	c->event_status = ev->status;
	if (ev->event == RDMA_CM_EVENT_ESTABLISHED) {
		if (!rraim_welcome_decode(p->private_data, p->private_data_len,
					  &c->welcome)) {
			c->connected = true;
			o = ROGUE_ACCEPTED;
		} else {
			rogue_note("accepted with a malformed welcome");
		}
	} else if (ev->event == RDMA_CM_EVENT_REJECTED) {
		if (!rraim_refusal_decode(p->private_data, p->private_data_len,
					  &c->refusal, &c->refusal_version))
			o = ROGUE_REFUSED;
		else
			rogue_note("rejected without a refusal (status %d)",
				   ev->status);
	} else {
		rogue_note("connect: %s (status %d)", rdma_event_str(ev->event),
			   ev->status);
	}
	rdma_ack_cm_event(ev);
	return o;
}

/* Connect with @len bytes of @hello as private data. */
static enum rogue_outcome rogue_connect(struct rogue_conn *c,
					const void *hello, size_t len)
{
	struct rdma_conn_param param = {
		.private_data = hello,
		.private_data_len = (uint8_t)len,
		/* RDMA READ hangs on rxe unless both sides allow >= 1. */
		.initiator_depth = 1,
		.responder_resources = 1,
		.retry_count = 7,
		.rnr_retry_count = 7,
	};

	memset(c, 0, sizeof(*c));
	c->channel = rdma_create_event_channel();
	if (!c->channel ||
	    rdma_create_id(c->channel, &c->id, c, RDMA_PS_TCP) ||
	    rdma_resolve_addr(c->id, NULL, (struct sockaddr *)&rogue_server,
			      ROGUE_TIMEOUT_MS) ||
	    rogue_expect_event(c, RDMA_CM_EVENT_ADDR_RESOLVED) ||
	    rogue_setup_qp(c) ||
	    rdma_resolve_route(c->id, ROGUE_TIMEOUT_MS) ||
	    rogue_expect_event(c, RDMA_CM_EVENT_ROUTE_RESOLVED)) {
		rogue_note("cannot set up a connection: %s", strerror(errno));
		return ROGUE_FAILED;
	}
	if (rdma_connect(c->id, &param)) {
		rogue_note("rdma_connect: %s", strerror(errno));
		return ROGUE_FAILED;
	}
	return rogue_connect_result(c);
}

static void rogue_close(struct rogue_conn *c)
{
	if (c->connected)
		rdma_disconnect(c->id);
	if (c->id && c->id->qp)
		rdma_destroy_qp(c->id);
	if (c->mr)
		ibv_dereg_mr(c->mr);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->id)
		rdma_destroy_id(c->id);
	if (c->channel)
		rdma_destroy_event_channel(c->channel);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

static void rogue_hello(struct rraim_hello *h, const struct rogue_session *s,
			uint16_t role, uint16_t qp_index, uint16_t qp_count)
{
	struct rraim_hello_info info = {
		.role = role,
		.session = s->id,
		.token = s->token,
		.qp_index = qp_index,
		.qp_count = qp_count,
	};

	rraim_hello_encode(h, &info);
}

static enum rogue_outcome rogue_open(struct rogue_conn *c,
				     const struct rogue_session *s,
				     uint16_t role, uint16_t qp_index,
				     uint16_t qp_count)
{
	struct rraim_hello h;

	rogue_hello(&h, s, role, qp_index, qp_count);
	return rogue_connect(c, &h, sizeof(h));
}

/* A control connection that must be accepted. */
static int rogue_open_control(struct rogue_conn *c,
			      const struct rogue_session *s, uint16_t qp_count)
{
	char what[96];
	enum rogue_outcome o = rogue_open(c, s, RRAIM_ROLE_CONTROL, 0, qp_count);

	if (!rogue_check(o == ROGUE_ACCEPTED, "control connection: %s",
			 rogue_outcome_str(c, o, what, sizeof(what))))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Work requests                                                       */
/* ------------------------------------------------------------------ */

/*
 * Poll until work request @wr_id completes (into @out) or, with @out NULL,
 * until a receive completes.  Receives met on the way are queued.
 */
static int rogue_wait(struct rogue_conn *c, uint64_t wr_id, struct ibv_wc *out)
{
	uint64_t deadline = rogue_now_ms() + ROGUE_TIMEOUT_MS;
	struct ibv_wc wc;
	int n;

	for (;;) {
		if (!out && c->nr_recvs)
			return 0;
		n = ibv_poll_cq(c->cq, 1, &wc);
		if (n < 0)
			return -1;
		if (!n) {
			if (rogue_now_ms() > deadline)
				return -1;
			usleep(1000);
			continue;
		}
		if (out && wc.wr_id == wr_id) {
			*out = wc;
			return 0;
		}
		if (wc.wr_id < ROGUE_RECV_DEPTH && c->nr_recvs < ROGUE_RECV_DEPTH) {
			c->recvs[c->nr_recvs++] = (struct rogue_recv){
				(unsigned int)wc.wr_id, wc.byte_len, wc.status };
			continue;
		}
		rogue_note("unexpected completion wr_id %llu: %s",
			   (unsigned long long)wc.wr_id,
			   ibv_wc_status_str(wc.status));
	}
}

/* Next reply, decoded; its buffer is posted again. */
static int rogue_recv_reply(struct rogue_conn *c, struct rraim_msg_info *rep)
{
	struct rogue_recv r;

	if (rogue_wait(c, 0, NULL)) {
		rogue_note("no reply within %d ms", ROGUE_TIMEOUT_MS);
		return -1;
	}
	r = c->recvs[0];
	memmove(&c->recvs[0], &c->recvs[1], --c->nr_recvs * sizeof(r));
	if (r.status != IBV_WC_SUCCESS) {
		rogue_note("receive failed: %s", ibv_wc_status_str(r.status));
		return -1;
	}
	if (rraim_msg_decode_reply(c->buf + r.slot * RRAIM_MSG_SIZE, r.len, rep)) {
		rogue_note("malformed reply (%u bytes)", r.len);
		return -1;
	}
	return rogue_post_recv(c, r.slot);
}

/* SEND @len raw bytes; 0 when the send completed successfully. */
static int rogue_send_raw(struct rogue_conn *c, const void *data, size_t len,
			  enum ibv_wc_status *status)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->buf + ROGUE_SEND_OFF),
		.length = (uint32_t)len,
		.lkey = c->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = ROGUE_WR_SEND,
		.sg_list = &sge,
		.num_sge = len ? 1 : 0,
		.opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	struct ibv_wc wc;

	*status = IBV_WC_GENERAL_ERR;
	if (len > ROGUE_SEND_SIZE)
		return -1;
	memcpy(c->buf + ROGUE_SEND_OFF, data, len);
	if (ibv_post_send(c->id->qp, &wr, &bad))
		return -1;
	if (rogue_wait(c, ROGUE_WR_SEND, &wc)) {
		rogue_note("send did not complete within %d ms", ROGUE_TIMEOUT_MS);
		return -1;
	}
	*status = wc.status;
	return wc.status == IBV_WC_SUCCESS ? 0 : -1;
}

/* Send @len bytes and get the reply. */
static int rogue_exchange(struct rogue_conn *c, const void *data, size_t len,
			  struct rraim_msg_info *rep)
{
	enum ibv_wc_status status;

	if (rogue_send_raw(c, data, len, &status)) {
		rogue_note("send failed: %s", ibv_wc_status_str(status));
		return -1;
	}
	return rogue_recv_reply(c, rep);
}

static void rogue_msg(struct rraim_msg *m, struct rogue_conn *c, uint16_t type,
		      uint32_t chunk)
{
	struct rraim_msg_info info = { .type = type, .seq = ++c->seq,
				       .chunk = chunk };

	rraim_msg_encode(m, &info);
}

/* A well-formed request; 0 when its reply came back and matched. */
static int rogue_request(struct rogue_conn *c, uint16_t type, uint32_t chunk,
			 struct rraim_msg_info *rep)
{
	struct rraim_msg m;

	memset(rep, 0, sizeof(*rep));
	rogue_msg(&m, c, type, chunk);
	if (rogue_exchange(c, &m, sizeof(m), rep))
		return -1;
	if (rep->seq != c->seq || rep->type != (type | RRAIM_MSG_REPLY)) {
		rogue_note("reply does not match: type 0x%x seq %u", rep->type,
			   rep->seq);
		return -1;
	}
	return 0;
}

/* A request whose reply must carry @expected. */
static bool rogue_expect_status(struct rogue_conn *c, uint16_t type,
				uint32_t chunk, uint16_t expected,
				const char *what, struct rraim_msg_info *rep)
{
	if (rogue_request(c, type, chunk, rep))
		return rogue_check(false, "%s: no valid reply", what);
	return rogue_check(rep->status == expected, "%s: %s", what,
			   rraim_status_str(rep->status));
}

/* Send raw bytes whose reply must carry @expected (and echo @seq). */
static bool rogue_expect_raw(struct rogue_conn *c, const void *data,
			     size_t len, uint16_t expected, uint32_t seq,
			     const char *what)
{
	struct rraim_msg_info rep;

	if (rogue_exchange(c, data, len, &rep))
		return rogue_check(false, "%s: no valid reply", what);
	return rogue_check(rep.status == expected && rep.seq == seq,
			   "%s: %s, seq %u", what, rraim_status_str(rep.status),
			   rep.seq);
}

/* One RDMA READ or WRITE between our staging area and the server. */
static enum ibv_wc_status rogue_rdma(struct rogue_conn *c,
				     enum ibv_wr_opcode op, size_t off,
				     uint32_t len, uint64_t raddr,
				     uint32_t rkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->buf + ROGUE_DATA_OFF + off),
		.length = len,
		.lkey = c->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = ROGUE_WR_RDMA,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = raddr, .rkey = rkey },
	};
	struct ibv_send_wr *bad;
	struct ibv_wc wc;

	if (ibv_post_send(c->id->qp, &wr, &bad))
		return IBV_WC_GENERAL_ERR;
	if (rogue_wait(c, ROGUE_WR_RDMA, &wc)) {
		rogue_note("RDMA did not complete within %d ms", ROGUE_TIMEOUT_MS);
		return IBV_WC_GENERAL_ERR;
	}
	return wc.status;
}

static uint8_t *rogue_data(struct rogue_conn *c)
{
	return c->buf + ROGUE_DATA_OFF;
}

static void rogue_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i * 2654435761u + seed) >> 7);
}

static bool rogue_is_pattern(const uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)((i * 2654435761u + seed) >> 7))
			return false;
	return true;
}

static bool rogue_is_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* ALLOC on @c: the grant in @rep. */
static int rogue_alloc(struct rogue_conn *c, struct rraim_msg_info *rep)
{
	if (!rogue_expect_status(c, RRAIM_MSG_ALLOC, 0, RRAIM_OK, "ALLOC", rep))
		return -1;
	rogue_note("granted chunk %u, rkey 0x%x, addr 0x%llx", rep->chunk,
		   rep->rkey, (unsigned long long)rep->addr);
	return 0;
}

static void rogue_bye(struct rogue_conn *c)
{
	struct rraim_msg_info rep;

	rogue_expect_status(c, RRAIM_MSG_BYE, 0, RRAIM_OK, "BYE", &rep);
}

/* ------------------------------------------------------------------ */
/* Scenarios: refused connections                                      */
/* ------------------------------------------------------------------ */

static int rogue_expect_refused(const char *what, const void *hello,
				size_t len, uint16_t reason)
{
	struct rogue_conn c;
	enum rogue_outcome o;
	char desc[96];
	bool ok;

	o = rogue_connect(&c, hello, len);
	ok = o == ROGUE_REFUSED && c.refusal == reason &&
	     c.refusal_version == RRAIM_PROTO_VERSION;
	rogue_check(ok, "%s: %s (want %s)", what,
		    rogue_outcome_str(&c, o, desc, sizeof(desc)),
		    rraim_refusal_str(reason));
	rogue_close(&c);
	return ok ? 0 : -1;
}

static void rogue_valid_hello(struct rraim_hello *h, uint16_t role)
{
	struct rogue_session s;

	rogue_new_session(&s);
	rogue_hello(h, &s, role, 0, 1);
}

static int rogue_short_hello(void)
{
	struct rraim_hello h;

	rogue_valid_hello(&h, RRAIM_ROLE_CONTROL);
	return rogue_expect_refused("8-byte hello", &h, 8,
				    RRAIM_REFUSE_MALFORMED);
}

static int rogue_bad_magic(void)
{
	struct rraim_hello h;

	rogue_valid_hello(&h, RRAIM_ROLE_CONTROL);
	h.magic = htole32(~(uint32_t)RRAIM_PROTO_MAGIC);
	return rogue_expect_refused("bad magic", &h, sizeof(h),
				    RRAIM_REFUSE_MALFORMED);
}

static int rogue_bad_version(void)
{
	struct rraim_hello h;

	rogue_valid_hello(&h, RRAIM_ROLE_CONTROL);
	h.version = htole16(RRAIM_PROTO_VERSION + 1);
	return rogue_expect_refused("version + 1", &h, sizeof(h),
				    RRAIM_REFUSE_VERSION);
}

static const char *rogue_mutate(struct rraim_hello *h, unsigned int i)
{
	static char name[32];

	switch (i) {
	case 0: h->role = htole16(0); return "role 0";
	case 1: h->role = htole16(3); return "role 3";
	case 2: h->session = 0; return "session 0";
	case 3: h->qp_count = 0; return "qp_count 0";
	case 4: h->qp_count = htole16(RRAIM_QP_COUNT_MAX + 1); return "qp_count 65";
	case 5: h->qp_index = h->qp_count; return "qp_index = qp_count";
	case 6: h->flags = htole32(0x80000000); return "unknown hello flag";
	case 7: h->flags = htole32(0x2); return "hello flag 0x2";
	case 8:
		h->role = htole16(RRAIM_ROLE_DATA);
		h->qp_index = htole16(1);
		h->flags = htole32(RRAIM_HELLO_AUTH);
		return "data hello with a nonce";
	default:
		h->nonce[(i - 9) * 15] = 1;
		snprintf(name, sizeof(name), "nonce[%u] without the flag",
			 (i - 9) * 15);
		return name;
	}
}

static int rogue_bad_fields(void)
{
	struct rraim_hello h;
	unsigned int i;
	const char *what;
	int ret = 0;

	for (i = 0; i < 11; i++) {
		rogue_valid_hello(&h, RRAIM_ROLE_CONTROL);
		what = rogue_mutate(&h, i);
		if (rogue_expect_refused(what, &h, sizeof(h),
					 RRAIM_REFUSE_MALFORMED))
			ret = -1;
	}
	return ret;
}

static int rogue_data_unknown_session(void)
{
	struct rraim_hello h;

	rogue_valid_hello(&h, RRAIM_ROLE_DATA);
	return rogue_expect_refused("data connection, unknown session", &h,
				    sizeof(h), RRAIM_REFUSE_NO_SESSION);
}

static int rogue_bad_token(void)
{
	struct rogue_session s, wrong;
	struct rogue_conn ctl;
	struct rraim_hello h;
	int ret = 0;

	rogue_new_session(&s);
	if (rogue_open_control(&ctl, &s, 2))
		goto out_close;
	wrong = s;
	wrong.token ^= 1;
	rogue_hello(&h, &wrong, RRAIM_ROLE_DATA, 1, 2);
	ret |= rogue_expect_refused("data connection, wrong token", &h,
				    sizeof(h), RRAIM_REFUSE_BAD_TOKEN);
	rogue_hello(&h, &wrong, RRAIM_ROLE_CONTROL, 0, 2);
	ret |= rogue_expect_refused("control connection, wrong token", &h,
				    sizeof(h), RRAIM_REFUSE_BAD_TOKEN);
	rogue_bye(&ctl);
	rogue_close(&ctl);
	return ret;

out_close:
	rogue_close(&ctl);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Scenarios: bad messages                                             */
/* ------------------------------------------------------------------ */

static bool rogue_garbage(struct rogue_conn *c)
{
	uint8_t junk[RRAIM_MSG_SIZE];
	uint32_t seq;

	rogue_random(junk, sizeof(junk));
	if (le32toh(((struct rraim_msg *)junk)->magic) == RRAIM_PROTO_MAGIC)
		junk[0] ^= 1;
	memcpy(&seq, junk + 8, sizeof(seq));
	return rogue_expect_raw(c, junk, sizeof(junk), RRAIM_EINVAL,
				le32toh(seq), "64 random bytes");
}

static bool rogue_bad_msgs(struct rogue_conn *c)
{
	struct rraim_msg m;
	bool ok = true;

	rogue_msg(&m, c, RRAIM_MSG_PING, 0);
	ok &= rogue_expect_raw(c, &m, 17, RRAIM_EINVAL, c->seq, "17-byte PING");
	rogue_msg(&m, c, RRAIM_MSG_PING, 0);
	ok &= rogue_expect_raw(c, &m, 0, RRAIM_EINVAL, 0, "empty message");
	rogue_msg(&m, c, 99, 0);
	ok &= rogue_expect_raw(c, &m, sizeof(m), RRAIM_ENOTSUP, c->seq,
			       "unknown type 99");
	rogue_msg(&m, c, RRAIM_MSG_PING | RRAIM_MSG_REPLY, 0);
	ok &= rogue_expect_raw(c, &m, sizeof(m), RRAIM_EINVAL, c->seq,
			       "request with the reply bit");
	rogue_msg(&m, c, RRAIM_MSG_PING, 0);
	m.status = htole16(RRAIM_EIO);
	ok &= rogue_expect_raw(c, &m, sizeof(m), RRAIM_EINVAL, c->seq,
			       "request with a status");
	rogue_msg(&m, c, RRAIM_MSG_PING, 0);
	m.proof[3] = 1;
	ok &= rogue_expect_raw(c, &m, sizeof(m), RRAIM_EINVAL, c->seq,
			       "request with a proof that is not AUTH");
	rogue_msg(&m, c, RRAIM_MSG_PING, 0);
	m.magic = htole32(RRAIM_PROTO_MAGIC + 1);
	ok &= rogue_expect_raw(c, &m, sizeof(m), RRAIM_EINVAL, c->seq,
			       "request with a bad magic");
	return ok;
}

static int rogue_garbage_msg(void)
{
	struct rraim_msg_info rep;
	struct rogue_session s;
	struct rogue_conn c;
	bool ok;

	rogue_new_session(&s);
	if (rogue_open_control(&c, &s, 1)) {
		rogue_close(&c);
		return -1;
	}
	ok = rogue_garbage(&c);
	ok &= rogue_bad_msgs(&c);
	ok &= rogue_expect_status(&c, RRAIM_MSG_FREE, 0, RRAIM_ENOENT,
				  "FREE of chunk 0 (not ours)", &rep);
	ok &= rogue_expect_status(&c, RRAIM_MSG_FREE, 0xfffffff0, RRAIM_ENOENT,
				  "FREE of chunk 0xfffffff0", &rep);
	ok &= rogue_expect_status(&c, RRAIM_MSG_QUERY, 0, RRAIM_ENOENT,
				  "QUERY of chunk 0 (not ours)", &rep);
	ok &= rogue_expect_status(&c, RRAIM_MSG_PING, 0, RRAIM_OK,
				  "PING after all that", &rep);
	rogue_bye(&c);
	rogue_close(&c);
	return ok ? 0 : -1;
}

/* A message longer than the server's receive buffers. */
static int rogue_long_msg(void)
{
	uint8_t junk[2 * RRAIM_MSG_SIZE];
	enum ibv_wc_status status;
	struct rraim_msg_info rep;
	struct rogue_session s;
	struct rogue_conn c;
	int ret;

	rogue_new_session(&s);
	if (rogue_open_control(&c, &s, 1)) {
		rogue_close(&c);
		return -1;
	}
	memset(junk, 0x5a, sizeof(junk));
	ret = rogue_send_raw(&c, junk, sizeof(junk), &status);
	rogue_note("%zu-byte message: send %s (the server may drop the connection)",
		   sizeof(junk), ret ? ibv_wc_status_str(status) : "completed");
	rogue_close(&c);

	/* What matters: the server still serves. */
	rogue_new_session(&s);
	if (rogue_open_control(&c, &s, 1)) {
		rogue_close(&c);
		return -1;
	}
	ret = rogue_expect_status(&c, RRAIM_MSG_PING, 0, RRAIM_OK,
				  "PING on a new session", &rep) ? 0 : -1;
	rogue_bye(&c);
	rogue_close(&c);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Scenarios: memory                                                   */
/* ------------------------------------------------------------------ */

/* A session other than the owner uses the owner's rkey: must fail. */
static bool rogue_try_steal(enum ibv_wr_opcode op, const char *what,
			    const struct rraim_msg_info *grant)
{
	struct rogue_session thief;
	enum ibv_wc_status st;
	struct rogue_conn c;
	bool ok;

	rogue_new_session(&thief);
	if (rogue_open_control(&c, &thief, 1)) {
		rogue_close(&c);
		return false;
	}
	memset(rogue_data(&c), 0xee, 4096);
	st = rogue_rdma(&c, op, 0, 4096, grant->addr, grant->rkey);
	ok = rogue_check(st == IBV_WC_REM_ACCESS_ERR,
			 "%s with another session's rkey: %s", what,
			 ibv_wc_status_str(st));
	rogue_close(&c);
	return ok;
}

static int rogue_steal(void)
{
	struct rraim_msg_info grant;
	struct rogue_session owner;
	enum ibv_wc_status st;
	struct rogue_conn c;
	bool ok = false;

	rogue_new_session(&owner);
	if (rogue_open_control(&c, &owner, 1) || rogue_alloc(&c, &grant))
		goto out_close;
	rogue_pattern(rogue_data(&c), 4096, 7);
	st = rogue_rdma(&c, IBV_WR_RDMA_WRITE, 0, 4096, grant.addr, grant.rkey);
	if (!rogue_check(st == IBV_WC_SUCCESS, "owner writes its chunk: %s",
			 ibv_wc_status_str(st)))
		goto out_close;

	ok = rogue_try_steal(IBV_WR_RDMA_READ, "RDMA READ", &grant);
	ok &= rogue_try_steal(IBV_WR_RDMA_WRITE, "RDMA WRITE", &grant);

	memset(rogue_data(&c), 0, 4096);
	st = rogue_rdma(&c, IBV_WR_RDMA_READ, 0, 4096, grant.addr, grant.rkey);
	ok &= rogue_check(st == IBV_WC_SUCCESS &&
			  rogue_is_pattern(rogue_data(&c), 4096, 7),
			  "owner's data intact: %s", ibv_wc_status_str(st));
	rogue_bye(&c);
out_close:
	rogue_close(&c);
	return ok ? 0 : -1;
}

/* Over the data connection @d: zeroed chunk, write, read back. */
static bool rogue_data_path(struct rogue_conn *d,
			    const struct rraim_msg_info *g)
{
	uint64_t tail = g->addr + RRAIM_CHUNK_SIZE - ROGUE_DATA_SIZE;
	enum ibv_wc_status st;
	bool ok;

	memset(rogue_data(d), 0xff, ROGUE_DATA_SIZE);
	st = rogue_rdma(d, IBV_WR_RDMA_READ, 0, ROGUE_DATA_SIZE, g->addr, g->rkey);
	ok = rogue_check(st == IBV_WC_SUCCESS &&
			 rogue_is_zero(rogue_data(d), ROGUE_DATA_SIZE),
			 "a new chunk reads as zeros: %s", ibv_wc_status_str(st));

	rogue_pattern(rogue_data(d), ROGUE_DATA_SIZE, 42);
	st = rogue_rdma(d, IBV_WR_RDMA_WRITE, 0, ROGUE_DATA_SIZE, tail, g->rkey);
	ok &= rogue_check(st == IBV_WC_SUCCESS, "RDMA WRITE of the chunk's last 64 KiB: %s",
			  ibv_wc_status_str(st));
	memset(rogue_data(d), 0, ROGUE_DATA_SIZE);
	st = rogue_rdma(d, IBV_WR_RDMA_READ, 0, ROGUE_DATA_SIZE, tail, g->rkey);
	ok &= rogue_check(st == IBV_WC_SUCCESS &&
			  rogue_is_pattern(rogue_data(d), ROGUE_DATA_SIZE, 42),
			  "RDMA READ returns what was written: %s",
			  ibv_wc_status_str(st));

	/* Last: an access error moves the QP to the error state. */
	st = rogue_rdma(d, IBV_WR_RDMA_READ, 0, 8192,
			g->addr + RRAIM_CHUNK_SIZE - 4096, g->rkey);
	ok &= rogue_check(st == IBV_WC_REM_ACCESS_ERR,
			  "RDMA READ across the chunk's end: %s",
			  ibv_wc_status_str(st));
	return ok;
}

static bool rogue_ok_control(struct rogue_conn *c,
			     const struct rraim_msg_info *g)
{
	struct rraim_msg_info rep;
	bool ok;

	ok = rogue_expect_status(c, RRAIM_MSG_QUERY, g->chunk, RRAIM_OK,
				 "QUERY of the chunk", &rep);
	ok &= rogue_check(rep.rkey == g->rkey && rep.addr == g->addr,
			  "QUERY names the same rkey and address");
	ok &= rogue_expect_status(c, RRAIM_MSG_PING, 0, RRAIM_OK, "PING", &rep);
	ok &= rogue_check(rep.nr_chunks == 1 && rep.capacity >= RRAIM_CHUNK_SIZE,
			  "PING: %u chunks held, capacity %llu", rep.nr_chunks,
			  (unsigned long long)rep.capacity);
	ok &= rogue_expect_status(c, RRAIM_MSG_FREE, g->chunk, RRAIM_OK,
				  "FREE of the chunk", &rep);
	ok &= rogue_check(rep.nr_chunks == 0, "no chunk held after FREE");
	ok &= rogue_expect_status(c, RRAIM_MSG_FREE, g->chunk, RRAIM_ENOENT,
				  "FREE of it again", &rep);
	ok &= rogue_expect_status(c, RRAIM_MSG_BYE, 0, RRAIM_OK, "BYE", &rep);
	return ok;
}

static int rogue_ok(void)
{
	struct rogue_conn ctl, data;
	struct rraim_msg_info grant;
	struct rogue_session s;
	enum rogue_outcome o;
	char desc[96];
	bool ok = false;

	memset(&data, 0, sizeof(data));
	rogue_new_session(&s);
	if (rogue_open_control(&ctl, &s, 2))
		goto out_close;
	o = rogue_open(&data, &s, RRAIM_ROLE_DATA, 1, 2);
	if (!rogue_check(o == ROGUE_ACCEPTED, "data connection: %s",
			 rogue_outcome_str(&data, o, desc, sizeof(desc))))
		goto out_close;
	if (rogue_alloc(&ctl, &grant))
		goto out_close;
	ok = rogue_data_path(&data, &grant);
	ok &= rogue_ok_control(&ctl, &grant);
out_close:
	rogue_close(&data);
	rogue_close(&ctl);
	return ok ? 0 : -1;
}

static int rogue_resume(void)
{
	struct rraim_msg_info grant, rep;
	struct rogue_session s;
	enum ibv_wc_status st;
	struct rogue_conn c;
	uint64_t incarnation;
	enum rogue_outcome o;
	char desc[96];
	bool ok = false;

	rogue_new_session(&s);
	if (rogue_open_control(&c, &s, 1) || rogue_alloc(&c, &grant))
		goto out_close;
	incarnation = c.welcome.incarnation;
	rogue_pattern(rogue_data(&c), 4096, 99);
	st = rogue_rdma(&c, IBV_WR_RDMA_WRITE, 0, 4096, grant.addr, grant.rkey);
	if (!rogue_check(st == IBV_WC_SUCCESS, "write before leaving: %s",
			 ibv_wc_status_str(st)))
		goto out_close;
	rogue_close(&c);	/* no BYE: the session must be kept */

	/*
	 * Whether or not the server has seen the old connection go, the
	 * reconnect must take the session up: from grace, or by replacing
	 * the connection it still holds.
	 */
	o = rogue_open(&c, &s, RRAIM_ROLE_CONTROL, 0, 1);
	if (!rogue_check(o == ROGUE_ACCEPTED &&
			 (c.welcome.flags & RRAIM_WELCOME_RESUMED) &&
			 c.welcome.nr_chunks == 1 &&
			 c.welcome.incarnation == incarnation,
			 "reconnect resumes the session: %s",
			 rogue_outcome_str(&c, o, desc, sizeof(desc))))
		goto out_close;
	ok = rogue_expect_status(&c, RRAIM_MSG_QUERY, grant.chunk, RRAIM_OK,
				 "QUERY of the chunk", &rep);
	ok &= rogue_check(rep.rkey == grant.rkey && rep.addr == grant.addr,
			  "same rkey and address after the resume");
	memset(rogue_data(&c), 0, 4096);
	st = rogue_rdma(&c, IBV_WR_RDMA_READ, 0, 4096, grant.addr, grant.rkey);
	ok &= rogue_check(st == IBV_WC_SUCCESS &&
			  rogue_is_pattern(rogue_data(&c), 4096, 99),
			  "data survived the reconnect: %s",
			  ibv_wc_status_str(st));
	rogue_bye(&c);
out_close:
	rogue_close(&c);
	return ok ? 0 : -1;
}

/* Wait for the server to disconnect @c. */
static bool rogue_disconnected(struct rogue_conn *c, const char *what)
{
	bool ok = !rogue_expect_event(c, RDMA_CM_EVENT_DISCONNECTED);

	if (ok)
		c->connected = false;
	return rogue_check(ok, "%s disconnected by the server", what);
}

/*
 * A client that lost its connections in a way the server cannot see (a
 * cut link, a frozen peer) reconnects while the server still holds the
 * old ones.  Here they are in fact still up, so the client can watch:
 * the new control connection must be accepted as a resume, and the old
 * control and data connections disconnected.  A wrong token first must
 * change nothing.
 */
static int rogue_replace(void)
{
	struct rogue_conn ctl, data, again;
	struct rraim_msg_info grant, rep;
	struct rogue_session s, wrong;
	enum ibv_wc_status st;
	enum rogue_outcome o;
	struct rraim_hello h;
	char desc[96];
	bool ok = false;

	memset(&data, 0, sizeof(data));
	memset(&again, 0, sizeof(again));
	rogue_new_session(&s);
	if (rogue_open_control(&ctl, &s, 2))
		goto out_close;
	o = rogue_open(&data, &s, RRAIM_ROLE_DATA, 1, 2);
	if (!rogue_check(o == ROGUE_ACCEPTED, "data connection: %s",
			 rogue_outcome_str(&data, o, desc, sizeof(desc))) ||
	    rogue_alloc(&ctl, &grant))
		goto out_close;
	rogue_pattern(rogue_data(&data), 4096, 5);
	st = rogue_rdma(&data, IBV_WR_RDMA_WRITE, 0, 4096, grant.addr,
			grant.rkey);
	if (!rogue_check(st == IBV_WC_SUCCESS,
			 "write over the data connection: %s",
			 ibv_wc_status_str(st)))
		goto out_close;

	wrong = s;
	wrong.token ^= 1;
	rogue_hello(&h, &wrong, RRAIM_ROLE_CONTROL, 0, 2);
	ok = !rogue_expect_refused("control connection, wrong token", &h,
				   sizeof(h), RRAIM_REFUSE_BAD_TOKEN);
	ok &= rogue_expect_status(&ctl, RRAIM_MSG_PING, 0, RRAIM_OK,
				  "PING on the first control connection", &rep);

	o = rogue_open(&again, &s, RRAIM_ROLE_CONTROL, 0, 2);
	if (!rogue_check(o == ROGUE_ACCEPTED &&
			 (again.welcome.flags & RRAIM_WELCOME_RESUMED) &&
			 again.welcome.nr_chunks == 1 &&
			 again.welcome.incarnation == ctl.welcome.incarnation,
			 "second control connection replaces the first: %s",
			 rogue_outcome_str(&again, o, desc, sizeof(desc)))) {
		ok = false;
		goto out_close;
	}
	ok &= rogue_disconnected(&ctl, "first control connection");
	ok &= rogue_disconnected(&data, "its data connection");
	ok &= rogue_expect_status(&again, RRAIM_MSG_QUERY, grant.chunk,
				  RRAIM_OK, "QUERY of the chunk", &rep);
	ok &= rogue_check(rep.rkey == grant.rkey && rep.addr == grant.addr,
			  "same rkey and address after the replacement");
	memset(rogue_data(&again), 0, 4096);
	st = rogue_rdma(&again, IBV_WR_RDMA_READ, 0, 4096, grant.addr,
			grant.rkey);
	ok &= rogue_check(st == IBV_WC_SUCCESS &&
			  rogue_is_pattern(rogue_data(&again), 4096, 5),
			  "data survived the replacement: %s",
			  ibv_wc_status_str(st));
	rogue_bye(&again);
out_close:
	rogue_close(&again);
	rogue_close(&data);
	rogue_close(&ctl);
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Main                                                                */
/* ------------------------------------------------------------------ */

static const struct rogue_scenario {
	const char *name;
	int (*run)(void);
	const char *what;
} rogue_scenarios[] = {
	{ "short-hello", rogue_short_hello, "an 8-byte hello is refused (malformed)" },
	{ "bad-magic", rogue_bad_magic, "a hello with a bad magic is refused (malformed)" },
	{ "bad-version", rogue_bad_version, "an unknown version is refused (version)" },
	{ "bad-fields", rogue_bad_fields, "each bad hello field is refused (malformed)" },
	{ "data-unknown-session", rogue_data_unknown_session, "a data connection needs a session (no_session)" },
	{ "bad-token", rogue_bad_token, "a known session with another token is refused (bad_token)" },
	{ "garbage-msg", rogue_garbage_msg, "bad messages get error replies; the connection keeps working" },
	{ "long-msg", rogue_long_msg, "an over-long message does not hurt the server" },
	{ "steal", rogue_steal, "another session's rkey does not work" },
	{ "ok", rogue_ok, "ALLOC, RDMA WRITE and READ, QUERY, FREE, BYE" },
	{ "replace", rogue_replace, "a second control connection with the session's token replaces the first (resumed)" },
	{ "resume", rogue_resume, "a reconnect within the grace period finds its chunk (needs --grace > 0)" },
};

#define ROGUE_NR_SCENARIOS (sizeof(rogue_scenarios) / sizeof(rogue_scenarios[0]))

static void rogue_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: rraim-rogue ADDR[:PORT] SCENARIO|all\n"
		   "Misbehave towards an rraim-server on purpose and check that it copes.\n"
		   "Exit status: 0 expectations held, 1 they did not, 2 usage error.\n\n"
		   "Scenarios:\n");
	for (i = 0; i < ROGUE_NR_SCENARIOS; i++)
		fprintf(f, "  %-22s %s\n", rogue_scenarios[i].name,
			rogue_scenarios[i].what);
}

static int rogue_run(const struct rogue_scenario *sc)
{
	int ret;

	printf("%s: %s\n", sc->name, sc->what);
	fflush(stdout);
	ret = sc->run();
	printf("%s: %s\n", sc->name, ret ? "FAIL" : "PASS");
	fflush(stdout);
	return ret;
}

int main(int argc, char *argv[])
{
	bool all, found = false;
	size_t i;
	int ret = 0;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		rogue_usage(stdout);
		return 0;
	}
	if (argc != 3 || rraim_parse_listen(argv[1], &rogue_server)) {
		rogue_usage(stderr);
		return 2;
	}
	all = !strcmp(argv[2], "all");
	for (i = 0; i < ROGUE_NR_SCENARIOS; i++) {
		if (!all && strcmp(argv[2], rogue_scenarios[i].name))
			continue;
		found = true;
		if (rogue_run(&rogue_scenarios[i]))
			ret = 1;
	}
	if (!found) {
		fprintf(stderr, "rraim-rogue: unknown scenario '%s'\n", argv[2]);
		rogue_usage(stderr);
		return 2;
	}
	return ret;
}
