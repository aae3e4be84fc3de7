// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the memory server's RDMA side: the real event loop,
 * connection manager, sessions, control protocol and status socket, linked
 * against mock_rdma.c instead of librdmacm and libibverbs.  The test plays
 * the clients: it queues connect requests and CM events, delivers messages
 * into the server's receive buffers and reads its replies, and at the end
 * checks that every cm_id, QP, CQ, channel, MR and PD was freed and that
 * the server never misused the verbs (see mock_rdma.h).  TAP output.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mock_rdma.h"
#include "server.h"
#include "tap.h"

#define NO_ANSWER	0xffff	/* neither accepted nor refused */

static struct rraim_options opts;
static struct rraim_server srv;
static char dir[256];
static char sock_path[300];
static uint32_t seq;
static char secret_path[300];	/* start_server() with --secret, when set */

struct client {
	uint64_t session;
	uint64_t token;
	struct rdma_cm_id *ctl;		/* server side of its control conn */
	struct rraim_welcome_info welcome;
};

/* Let the server handle whatever is pending. */
static void settle(void)
{
	int i;

	for (i = 0; i < 8; i++)
		rraim_server_round(&srv, 0);
}

static uint16_t answer(struct rdma_cm_id *id, struct rraim_welcome_info *w)
{
	uint16_t reason, version;
	const void *pdata;
	size_t len;

	pdata = mock_id_pdata(id, &len);
	if (mock_id_accepted(id)) {
		if (rraim_welcome_decode(pdata, len, w))
			return NO_ANSWER;
		mock_cm_event(id, RDMA_CM_EVENT_ESTABLISHED);
		settle();
		return 0;
	}
	if (mock_id_rejected(id) && mock_id_destroyed(id) &&
	    !rraim_refusal_decode(pdata, len, &reason, &version) &&
	    version == RRAIM_PROTO_VERSION)
		return reason;
	return NO_ANSWER;
}

/* Queue a connect request with a valid hello; the server-side cm_id. */
static struct rdma_cm_id *queue_connect(uint16_t role, uint64_t session,
					uint64_t token, uint16_t qp_index,
					uint16_t qp_count)
{
	struct rraim_hello_info info = {
		.role = role, .session = session, .token = token,
		.qp_index = qp_index, .qp_count = qp_count,
	};
	struct rraim_hello h;

	rraim_hello_encode(&h, &info);
	return mock_connect_request(&h, sizeof(h));
}

/* Connect; 0 when accepted (and established), else the refusal reason. */
static uint16_t connect_as(uint16_t role, uint64_t session, uint64_t token,
			   uint16_t qp_index, uint16_t qp_count,
			   struct rdma_cm_id **idp, struct rraim_welcome_info *w)
{
	struct rraim_welcome_info unused;

	if (w)
		memset(w, 0, sizeof(*w));
	*idp = queue_connect(role, session, token, qp_index, qp_count);
	settle();
	return answer(*idp, w ? w : &unused);
}

static bool open_control(struct client *c, uint64_t session)
{
	c->session = session;
	c->token = session * 31 + 7;
	return !connect_as(RRAIM_ROLE_CONTROL, c->session, c->token, 0, 4,
			   &c->ctl, &c->welcome);
}

static uint16_t raw_connect(const void *pdata, size_t len)
{
	struct rraim_welcome_info w;
	struct rdma_cm_id *id = mock_connect_request(pdata, len);

	settle();
	return answer(id, &w);
}

/* Deliver @len bytes on @id and read the reply; 0 or -1. */
static int exchange(struct rdma_cm_id *id, const void *msg, size_t len,
		    struct rraim_msg_info *rep)
{
	uint8_t buf[256];
	int n;

	memset(rep, 0, sizeof(*rep));
	if (mock_deliver(id, msg, len))
		return -1;
	settle();
	n = mock_take_sent(id, buf, sizeof(buf));
	if (n < 0)
		return -1;
	mock_complete_sends(id);
	settle();
	return rraim_msg_decode_reply(buf, (size_t)n, rep);
}

static void make_msg(struct rraim_msg *m, uint16_t type, uint32_t chunk)
{
	struct rraim_msg_info info = { .type = type, .seq = ++seq,
				       .chunk = chunk };

	rraim_msg_encode(m, &info);
}

/* A request; the reply's status, or 0xffff when none matched. */
static uint16_t request(struct rdma_cm_id *id, uint16_t type, uint32_t chunk,
			struct rraim_msg_info *rep)
{
	struct rraim_msg m;

	make_msg(&m, type, chunk);
	if (exchange(id, &m, sizeof(m), rep) || rep->seq != seq ||
	    rep->type != (type | RRAIM_MSG_REPLY))
		return 0xffff;
	return rep->status;
}

static struct rraim_session *find_session(uint64_t id)
{
	struct rraim_session *s;

	LIST_FOREACH(s, &srv.sessions, link)
		if (s->id == id)
			return s;
	return NULL;
}

static bool all_freed(void)
{
	return !mock_live.channels && !mock_live.ids && !mock_live.qps &&
	       !mock_live.cqs && !mock_live.comp_channels && !mock_live.pds &&
	       !mock_live.mrs;
}

static void start_server(unsigned int grace_s)
{
	rraim_options_init(&opts);
	opts.capacity = 4ULL * RRAIM_CHUNK_SIZE;
	opts.grace_s = grace_s;
	opts.max_sessions = 3;
	opts.hugepages = RRAIM_HUGEPAGES_OFF;
	opts.status_socket = strdup(sock_path);
	if (*secret_path)
		opts.secret = strdup(secret_path);
	rraim_parse_listen("10.0.0.2:7471", &opts.listen);
	ok(!rraim_server_start(&srv, &opts) && srv.state == RRAIM_SERVER_RUNNING,
	   "server starts (grace %u s)", grace_s);
}

static void stop_server(int exit_code)
{
	rraim_server_finish(&srv);
	ok(srv.exit_code == exit_code, "exit code %d", srv.exit_code);
	ok(all_freed(), "everything freed: %d ids, %d QPs, %d CQs, %d MRs, %d PDs, %d channels",
	   mock_live.ids, mock_live.qps, mock_live.cqs, mock_live.mrs,
	   mock_live.pds, mock_live.channels + mock_live.comp_channels);
	ok(!mock_violations, "no misuse of the verbs (%d)", mock_violations);
	rraim_options_free(&opts);
}

/* ------------------------------------------------------------------ */

static void test_refusals(void)
{
	struct rraim_hello_info info = { .role = RRAIM_ROLE_CONTROL,
					 .session = 5, .qp_count = 1 };
	struct rdma_cm_id *id;
	struct rraim_hello h;

	rraim_hello_encode(&h, &info);
	ok(raw_connect(&h, 8) == RRAIM_REFUSE_MALFORMED,
	   "8-byte hello refused: malformed");
	ok(raw_connect(NULL, 0) == RRAIM_REFUSE_MALFORMED,
	   "no private data refused: malformed");
	h.version = htole16(RRAIM_PROTO_VERSION + 1);
	ok(raw_connect(&h, sizeof(h)) == RRAIM_REFUSE_VERSION,
	   "a later version refused: version");
	h.version = htole16(RRAIM_PROTO_VERSION - 1);
	ok(raw_connect(&h, sizeof(h)) == RRAIM_REFUSE_VERSION,
	   "version 1 (without authentication) refused: version");
	ok(connect_as(RRAIM_ROLE_DATA, 77, 1, 0, 1, &id, NULL) ==
	   RRAIM_REFUSE_NO_SESSION, "data connection of an unknown session: no_session");
	ok(srv.stats.refused_connects == 5 && !srv.nr_sessions && !mock_live.qps,
	   "refusals counted, nothing kept");
}

static void test_control(struct client *a)
{
	struct rraim_msg_info rep;
	uint8_t resp = 0, init = 0;

	ok(open_control(a, 0xa), "control connection accepted");
	ok(!a->welcome.flags && !a->welcome.nr_chunks &&
	   a->welcome.capacity == 4ULL * RRAIM_CHUNK_SIZE &&
	   a->welcome.free == a->welcome.capacity &&
	   a->welcome.incarnation == srv.incarnation,
	   "welcome: new session, pool state, incarnation");
	mock_id_rd_atom(a->ctl, &resp, &init);
	ok(resp >= 1 && init >= 1,
	   "RDMA READ allowed although the client asked for 0 (%u/%u)", resp,
	   init);
	ok(mock_posted_recvs(a->ctl) == RRAIM_CTRL_DEPTH,
	   "%d receive buffers posted", mock_posted_recvs(a->ctl));
	ok(request(a->ctl, RRAIM_MSG_PING, 0, &rep) == RRAIM_OK &&
	   rep.capacity == 4ULL * RRAIM_CHUNK_SIZE && !rep.nr_chunks,
	   "PING answered");
	ok(mock_posted_recvs(a->ctl) == RRAIM_CTRL_DEPTH,
	   "receive buffer posted again after the reply completed");
}

/* A request that arrives before ESTABLISHED is answered after it. */
static void test_early_request(struct client *b)
{
	struct rraim_hello_info info = {
		.role = RRAIM_ROLE_CONTROL, .session = 0xb, .token = 0xb0b,
		.qp_count = 1,
	};
	struct rraim_hello h;
	struct rraim_msg m;
	uint8_t buf[64];

	b->session = 0xb;
	b->token = 0xb0b;
	rraim_hello_encode(&h, &info);
	b->ctl = mock_connect_request(&h, sizeof(h));
	settle();
	make_msg(&m, RRAIM_MSG_PING, 0);
	ok(mock_id_accepted(b->ctl) && !mock_deliver(b->ctl, &m, sizeof(m)),
	   "request delivered before ESTABLISHED");
	settle();
	ok(mock_take_sent(b->ctl, buf, sizeof(buf)) < 0,
	   "no reply before ESTABLISHED (QP not in RTS)");
	mock_cm_event(b->ctl, RDMA_CM_EVENT_ESTABLISHED);
	settle();
	ok(mock_take_sent(b->ctl, buf, sizeof(buf)) == RRAIM_MSG_SIZE,
	   "reply sent once established");
	mock_complete_sends(b->ctl);
	settle();
}

static void test_alloc(struct client *a, struct client *b,
		       struct rraim_msg_info *grant)
{
	struct rraim_msg_info rep, q;
	uint16_t status;
	uint8_t *mem;

	status = request(a->ctl, RRAIM_MSG_ALLOC, 0, grant);
	ok(status == RRAIM_OK && grant->nr_chunks == 1 &&
	   grant->free == 3ULL * RRAIM_CHUNK_SIZE,
	   "ALLOC grants chunk %u", grant->chunk);
	ok(mock_rkey_allows(a->ctl, grant->rkey, grant->addr, RRAIM_CHUNK_SIZE,
			    IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE |
			    IBV_ACCESS_LOCAL_WRITE),
	   "the rkey covers the chunk, read and write, in the owner's PD");
	ok(!mock_rkey_allows(b->ctl, grant->rkey, grant->addr, 4096,
			     IBV_ACCESS_REMOTE_READ),
	   "the rkey does not work on another session's QP");
	ok(!mock_rkey_allows(a->ctl, grant->rkey, grant->addr + 4096,
			     RRAIM_CHUNK_SIZE, IBV_ACCESS_REMOTE_READ),
	   "nor past the chunk");
	ok(request(a->ctl, RRAIM_MSG_QUERY, grant->chunk, &q) == RRAIM_OK &&
	   q.rkey == grant->rkey && q.addr == grant->addr, "QUERY describes it");
	ok(request(b->ctl, RRAIM_MSG_QUERY, grant->chunk, &q) == RRAIM_ENOENT &&
	   !q.rkey && !q.addr, "QUERY from another session: enoent, no rkey");
	ok(request(b->ctl, RRAIM_MSG_FREE, grant->chunk, &rep) == RRAIM_ENOENT &&
	   srv.grants[grant->chunk].owner == find_session(a->session),
	   "FREE from another session: enoent, chunk kept");

	/* Dirty it, give it back, and see the next holder get zeros. */
	mem = (uint8_t *)(uintptr_t)grant->addr;
	memset(mem, 0xaa, RRAIM_CHUNK_SIZE);
	ok(request(a->ctl, RRAIM_MSG_FREE, grant->chunk, &rep) == RRAIM_OK &&
	   !rep.nr_chunks, "FREE by the owner");
	ok(request(a->ctl, RRAIM_MSG_FREE, grant->chunk, &rep) == RRAIM_ENOENT,
	   "double FREE: enoent");
	ok(request(b->ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK &&
	   rep.addr == grant->addr && !mem[0] && !mem[RRAIM_CHUNK_SIZE - 1] &&
	   !memchr(mem, 0xaa, RRAIM_CHUNK_SIZE),
	   "the chunk is zeroed before it is granted again");
	status = request(a->ctl, RRAIM_MSG_ALLOC, 0, grant);
	ok(status == RRAIM_OK, "ALLOC again: chunk %u", grant->chunk);
}

static void test_bad_messages(struct client *a)
{
	struct rraim_msg_info rep;
	uint8_t junk[RRAIM_MSG_SIZE];
	struct rraim_msg m;

	memset(junk, 0x5a, sizeof(junk));
	ok(!exchange(a->ctl, junk, sizeof(junk), &rep) &&
	   rep.status == RRAIM_EINVAL, "garbage: einval");
	make_msg(&m, RRAIM_MSG_PING, 0);
	ok(!exchange(a->ctl, &m, 17, &rep) && rep.status == RRAIM_EINVAL &&
	   rep.seq == seq, "17 bytes: einval, seq echoed");
	make_msg(&m, 99, 0);
	ok(!exchange(a->ctl, &m, sizeof(m), &rep) && rep.status == RRAIM_ENOTSUP,
	   "unknown type: enotsup");
	make_msg(&m, RRAIM_MSG_PING, 0);
	m.proof[1] = 1;
	ok(!exchange(a->ctl, &m, sizeof(m), &rep) && rep.status == RRAIM_EINVAL,
	   "proof in a PING: einval");
	ok(request(a->ctl, RRAIM_MSG_FREE, 0xffffffff, &rep) == RRAIM_ENOENT,
	   "FREE of chunk 0xffffffff: enoent");
	ok(srv.stats.bad_messages == 4 &&
	   request(a->ctl, RRAIM_MSG_PING, 0, &rep) == RRAIM_OK,
	   "counted; the connection still works");
}

static void test_data_conns(struct client *a, struct rdma_cm_id **data)
{
	struct rdma_cm_id *again, *id;
	struct rraim_welcome_info w;

	ok(!connect_as(RRAIM_ROLE_DATA, a->session, a->token, 1, 4, data, &w) &&
	   w.nr_chunks == 1 && !w.flags, "data connection joins the session");
	ok((*data)->qp && (*data)->qp->pd == a->ctl->qp->pd,
	   "its QP is in the session's PD");
	ok(connect_as(RRAIM_ROLE_DATA, a->session, a->token + 1, 2, 4, &id,
		      NULL) == RRAIM_REFUSE_BAD_TOKEN,
	   "data connection with a wrong token: bad_token");
	ok(connect_as(RRAIM_ROLE_CONTROL, a->session, a->token + 1, 0, 4, &id,
		      NULL) == RRAIM_REFUSE_BAD_TOKEN,
	   "control connection with a wrong token: bad_token");
	ok(!connect_as(RRAIM_ROLE_DATA, a->session, a->token, 1, 4, &again,
		       NULL) && mock_id_destroyed(*data) &&
	   mock_id_disconnects(*data) == 1,
	   "a data connection with the same index replaces the old one");
	*data = again;
	ok(find_session(a->session)->nr_conns == 2, "session has 2 connections");
}

static void test_limits(struct client *a, struct client *b)
{
	struct rraim_msg_info rep = { 0 };
	struct client c, d;
	int n = 0;

	ok(open_control(&c, 0xc), "third session");
	ok(!open_control(&d, 0xd) && srv.stats.refused[RRAIM_REFUSE_BUSY] == 1,
	   "fourth session refused (--max-sessions 3): busy");
	while (request(c.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK)
		n++;
	ok(n == 2 && rep.status == RRAIM_ENOSPC && !rep.free &&
	   srv.stats.alloc_enospc == 1, "pool exhausted: enospc");
	/* c breaks: its QP fails, the flushes close it; c held a chunk. */
	mock_qp_error(c.ctl);
	settle();
	ok(mock_id_destroyed(c.ctl) &&
	   find_session(0xc)->state == RRAIM_SESSION_GRACE,
	   "QP error closes the control connection; session in grace");
	(void)a;
	(void)b;
}

static void test_status(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[8192];
	ssize_t n;
	size_t len = 0;
	int fd;

	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ok(false, "status socket connect");
		close(fd);
		return;
	}
	settle();
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	ok(strstr(buf, "listen 10.0.0.2:7471\n") &&
	   strstr(buf, "\nstate running\n") && strstr(buf, "\nsessions 3\n") &&
	   strstr(buf, "\nchunks_granted 4\n") && strstr(buf, "\nfree 0\n"),
	   "status report: listen, state, sessions, chunks");
	ok(strstr(buf, "session 0x000000000000000a state live chunks 1 conns 2 grace_left_s 0 client 10.0.0.99 authed -\n") &&
	   strstr(buf, "session 0x000000000000000c state grace chunks 2 conns 0 grace_left_s 1 client 10.0.0.99 authed -\n"),
	   "status report: session lines");
}

static void test_grace(struct client *a, struct rdma_cm_id *data,
		       const struct rraim_msg_info *grant)
{
	struct rraim_msg_info rep;
	struct rdma_cm_id *old = a->ctl;
	uint64_t deadline;
	struct client r;
	uint16_t reason;

	mock_cm_event(a->ctl, RDMA_CM_EVENT_DISCONNECTED);
	settle();
	ok(mock_id_destroyed(old) && mock_id_destroyed(data) &&
	   find_session(a->session)->state == RRAIM_SESSION_GRACE &&
	   srv.pool.nr_free == 0,
	   "control lost: data connection closed too, chunks kept in grace");

	r = *a;
	reason = connect_as(RRAIM_ROLE_CONTROL, r.session, r.token, 0, 4,
			    &r.ctl, &r.welcome);
	ok(!reason && (r.welcome.flags & RRAIM_WELCOME_RESUMED) &&
	   r.welcome.nr_chunks == 1, "reconnect resumes: %u chunks",
	   r.welcome.nr_chunks);
	ok(request(r.ctl, RRAIM_MSG_QUERY, grant->chunk, &rep) == RRAIM_OK &&
	   rep.rkey == grant->rkey && rep.addr == grant->addr &&
	   srv.stats.sessions_resumed == 1, "same rkey and address after resume");

	mock_cm_event(r.ctl, RDMA_CM_EVENT_DISCONNECTED);
	settle();
	deadline = rraim_now_ms() + 3000;
	while (find_session(0xa) && rraim_now_ms() < deadline)
		rraim_server_round(&srv, 200);
	ok(!find_session(0xa) && !find_session(0xc) &&
	   srv.stats.sessions_expired == 2 && srv.pool.nr_free == 3,
	   "grace ran out: sessions freed, chunks back in the pool");
}

static void test_bye(struct client *b)
{
	struct rraim_msg_info rep;

	ok(request(b->ctl, RRAIM_MSG_BYE, 0, &rep) == RRAIM_OK && !rep.nr_chunks &&
	   srv.pool.nr_free == 4, "BYE returns the chunks at once");
	mock_cm_event(b->ctl, RDMA_CM_EVENT_DISCONNECTED);
	settle();
	ok(!find_session(b->session) && !srv.nr_sessions,
	   "after BYE the session goes with its connection, no grace");
}

static void test_long_message(void)
{
	uint8_t big[2 * RRAIM_MSG_SIZE] = { 0 };
	struct rraim_msg_info rep;
	struct client e;

	ok(open_control(&e, 0xe), "new session");
	ok(!mock_deliver(e.ctl, big, sizeof(big)), "over-long message sent");
	settle();
	ok(mock_id_destroyed(e.ctl) && !find_session(0xe),
	   "receive length error closes it; empty session freed");
	ok(open_control(&e, 0xf) &&
	   request(e.ctl, RRAIM_MSG_PING, 0, &rep) == RRAIM_OK,
	   "the server still serves");
	mock_cm_event(e.ctl, RDMA_CM_EVENT_DISCONNECTED);
	settle();
}

static void test_shutdown(void)
{
	struct rdma_cm_id *late, *keep;
	struct rraim_msg_info rep;
	struct client g;
	uint16_t reason, version;
	const void *pdata;
	size_t len;

	ok(open_control(&g, 0x9) &&
	   request(g.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK,
	   "a session with a chunk");
	keep = g.ctl;
	kill(getpid(), SIGTERM);
	{
		struct rraim_hello_info info = { .role = RRAIM_ROLE_CONTROL,
						 .session = 0x99, .qp_count = 1 };
		struct rraim_hello h;

		rraim_hello_encode(&h, &info);
		late = mock_connect_request(&h, sizeof(h));
	}
	settle();
	pdata = mock_id_pdata(late, &len);
	ok(srv.state == RRAIM_SERVER_STOPPING && mock_id_rejected(late) &&
	   !rraim_refusal_decode(pdata, len, &reason, &version) &&
	   reason == RRAIM_REFUSE_SHUTDOWN,
	   "SIGTERM: stopping, new connections refused: shutdown");
	stop_server(0);
	ok(mock_id_disconnects(keep) == 1, "clients were disconnected");
}

static void test_device_removal(void)
{
	struct rraim_msg_info rep;
	struct client h;

	start_server(60);
	ok(open_control(&h, 0x7) &&
	   request(h.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK,
	   "a session with a chunk");
	mock_cm_event(h.ctl, RDMA_CM_EVENT_DEVICE_REMOVAL);
	settle();
	ok(!srv.nr_sessions && !srv.listen_id &&
	   srv.state == RRAIM_SERVER_STOPPING,
	   "device removal frees its sessions and the listener; server stops");
	stop_server(RRAIM_EXIT_FAILURE);
}

/*
 * The client resumes its session, then the server's link is cut again and
 * the control connection's QP fails: its cm_id waits for the port.
 */
static void resume_and_cut(struct client *k)
{
	uint16_t reason;

	reason = connect_as(RRAIM_ROLE_CONTROL, k->session, k->token, 0, 4,
			    &k->ctl, &k->welcome);
	ok(!reason && (k->welcome.flags & RRAIM_WELCOME_RESUMED),
	   "the client resumes its session");
	mock_port_down = true;
	mock_qp_error(k->ctl);
	settle();
	ok(srv.retired && !mock_id_destroyed(k->ctl), "cut again: one waits");
}

/*
 * The server's link is cut, and the control connection's QP fails: its
 * cm_id is not disconnected nor destroyed (either sends a CM message,
 * which breaks Soft-RoCE's GSI QP for good while the carrier is off)
 * until the port has been active again for a second.
 */
static void test_link_down(void)
{
	struct rraim_msg_info rep;
	struct rdma_cm_id *data;
	struct client k;
	uint64_t t0, deadline;
	uint16_t reason;

	start_server(60);
	ok(open_control(&k, 0x6) &&
	   request(k.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK,
	   "a session with a chunk");
	reason = connect_as(RRAIM_ROLE_DATA, k.session, k.token, 1, 4, &data,
			    NULL);
	ok(!reason, "and a data connection");
	mock_port_down = true;
	mock_qp_error(k.ctl);
	settle();
	ok(find_session(0x6)->state == RRAIM_SESSION_GRACE &&
	   !mock_id_destroyed(k.ctl) && !mock_id_destroyed(data) &&
	   !mock_id_disconnects(k.ctl) && !mock_id_disconnects(data) &&
	   mock_live.qps == 0 && srv.retired,
	   "port down: the closed connections' QPs go, their cm_ids wait");
	t0 = rraim_now_ms();
	while (rraim_now_ms() < t0 + 600)
		rraim_server_round(&srv, 100);
	ok(!mock_id_destroyed(k.ctl) && !mock_id_destroyed(data),
	   "still waiting while the port is down");
	mock_port_down = false;
	t0 = rraim_now_ms();
	deadline = t0 + 3000;
	while (srv.retired && rraim_now_ms() < deadline)
		rraim_server_round(&srv, 100);
	ok(mock_id_destroyed(k.ctl) && mock_id_destroyed(data) &&
	   rraim_now_ms() - t0 >= 1000,
	   "destroyed once the port was active for a second (%llu ms)",
	   (unsigned long long)(rraim_now_ms() - t0));

	/* Cut again: a waiting cm_id goes with its device. */
	resume_and_cut(&k);
	mock_cm_event(k.ctl, RDMA_CM_EVENT_DEVICE_REMOVAL);
	settle();
	ok(!srv.retired && mock_id_destroyed(k.ctl) && !srv.retired_check_ms,
	   "its device removed: the waiting cm_id is destroyed");
	mock_port_down = false;

	/* Cut again, and the server stops with a cm_id waiting. */
	resume_and_cut(&k);
	mock_port_down = false;
	kill(getpid(), SIGTERM);
	settle();
	stop_server(0);
}

/* The cm_id of the session's control connection, NULL when none. */
static struct rdma_cm_id *control_id(uint64_t session)
{
	struct rraim_session *s = find_session(session);

	return s && s->control ? s->control->id : NULL;
}

/* Connections of the session, -1 when there is no such session. */
static int session_conns(uint64_t session)
{
	struct rraim_session *s = find_session(session);

	return s ? (int)s->nr_conns : -1;
}

/* Do the QPs of @x and @y share a PD? */
static bool same_pd(const struct rdma_cm_id *x, const struct rdma_cm_id *y)
{
	return x->qp && y->qp && x->qp->pd == y->qp->pd;
}

/* QUERY @g on @id: the same rkey and address as when it was granted? */
static bool same_grant(struct rdma_cm_id *id, const struct rraim_msg_info *g)
{
	struct rraim_msg_info q;

	return request(id, RRAIM_MSG_QUERY, g->chunk, &q) == RRAIM_OK &&
	       q.rkey == g->rkey && q.addr == g->addr &&
	       mock_rkey_allows(id, g->rkey, g->addr, RRAIM_CHUNK_SIZE,
				IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE);
}

/*
 * A client gives up on its connections after a failure the server never
 * heard of (cut link, frozen peer: no completion, no DISCONNECTED) and
 * reconnects: the new control connection replaces the old ones.
 */
static void test_replace(void)
{
	struct rdma_cm_id *old_ctl, *d1, *d2, *id;
	struct rraim_msg_info g1, g2, rep;
	uint64_t created, resumed;
	struct rraim_welcome_info w;
	struct rraim_session *s;
	struct client a, r, h, n;
	struct rraim_msg m;
	uint8_t buf[64];
	uint16_t reason;

	start_server(60);
	d1 = d2 = NULL;
	if (!ok(open_control(&a, 0x21) &&
		request(a.ctl, RRAIM_MSG_ALLOC, 0, &g1) == RRAIM_OK &&
		request(a.ctl, RRAIM_MSG_ALLOC, 0, &g2) == RRAIM_OK &&
		!connect_as(RRAIM_ROLE_DATA, a.session, a.token, 1, 3, &d1,
			    NULL) &&
		!connect_as(RRAIM_ROLE_DATA, a.session, a.token, 2, 3, &d2,
			    NULL),
		"a session with 2 chunks, a control and 2 data connections")) {
		stop_server(0);
		return;
	}
	s = find_session(a.session);
	created = srv.stats.sessions_created;
	resumed = srv.stats.sessions_resumed;

	/* A wrong token must not cost the session anything. */
	ok(connect_as(RRAIM_ROLE_CONTROL, a.session, a.token ^ 1, 0, 3, &id,
		      NULL) == RRAIM_REFUSE_BAD_TOKEN &&
	   !mock_id_disconnects(a.ctl) && !mock_id_disconnects(d1) &&
	   session_conns(a.session) == 3 && control_id(a.session) == a.ctl &&
	   !srv.stats.sessions_replaced,
	   "control connection with a wrong token: bad_token, nothing dropped");
	ok(request(a.ctl, RRAIM_MSG_PING, 0, &rep) == RRAIM_OK,
	   "the old control connection still answers");

	/* The link dies: a request came in, its reply never completes. */
	make_msg(&m, RRAIM_MSG_PING, 0);
	ok(!mock_deliver(a.ctl, &m, sizeof(m)), "a request arrives");
	settle();
	ok(mock_take_sent(a.ctl, buf, sizeof(buf)) == RRAIM_MSG_SIZE,
	   "its reply is posted and never completes");

	/*
	 * The client reconnects.  Late events of the old connections are
	 * queued behind its connect request: destroying their ids must
	 * discard them, as the kernel does.
	 */
	old_ctl = a.ctl;
	r = a;
	r.ctl = queue_connect(RRAIM_ROLE_CONTROL, a.session, a.token, 0, 3);
	mock_cm_event(old_ctl, RDMA_CM_EVENT_DISCONNECTED);
	mock_cm_event(d1, RDMA_CM_EVENT_TIMEWAIT_EXIT);
	settle();
	reason = answer(r.ctl, &r.welcome);
	ok(!reason && (r.welcome.flags & RRAIM_WELCOME_RESUMED) &&
	   r.welcome.nr_chunks == 2 &&
	   r.welcome.incarnation == a.welcome.incarnation,
	   "control connection with the right token while the old one lives: accepted, resumed, %u chunks",
	   r.welcome.nr_chunks);
	ok(mock_id_destroyed(old_ctl) && mock_id_disconnects(old_ctl) == 1 &&
	   mock_id_destroyed(d1) && mock_id_disconnects(d1) == 1 &&
	   mock_id_destroyed(d2) && mock_id_disconnects(d2) == 1,
	   "the old control and data connections were disconnected and destroyed");
	ok(find_session(a.session) == s && s->state == RRAIM_SESSION_LIVE &&
	   control_id(a.session) == r.ctl && s->nr_conns == 1 &&
	   srv.nr_conns == 1 && srv.nr_sessions == 1,
	   "the session is live with the new control connection only");
	ok(srv.stats.sessions_replaced == 1 &&
	   srv.stats.sessions_resumed == resumed + 1 &&
	   srv.stats.sessions_created == created,
	   "counted in sessions_replaced and sessions_resumed");
	ok(mock_live.ids == 2 && mock_live.qps == 1 && mock_live.cqs == 1 &&
	   mock_live.comp_channels == 1 && mock_live.pds == 1 &&
	   mock_live.mrs == 3,
	   "nothing of the old connections is left; the PD and the chunks' MRs are");
	ok(same_grant(r.ctl, &g1) && same_grant(r.ctl, &g2) &&
	   srv.pool.nr_free == 2 && srv.chunks_granted == 2,
	   "same chunks, rkeys and addresses on the new connection");
	ok(!mock_violations, "no misuse of the verbs in the replacement (%d)",
	   mock_violations);

	/*
	 * Later events for the replaced ids.  The real CM delivers nothing
	 * for a destroyed id; the mock does, so this checks that nothing of
	 * the session is reachable from the old ids any more.
	 */
	mock_cm_event(old_ctl, RDMA_CM_EVENT_DISCONNECTED);
	mock_cm_event(old_ctl, RDMA_CM_EVENT_TIMEWAIT_EXIT);
	mock_cm_event(d2, RDMA_CM_EVENT_CONNECT_ERROR);
	settle();
	ok(find_session(a.session) == s && s->state == RRAIM_SESSION_LIVE &&
	   control_id(a.session) == r.ctl && !mock_id_destroyed(r.ctl) &&
	   request(r.ctl, RRAIM_MSG_PING, 0, &rep) == RRAIM_OK &&
	   rep.nr_chunks == 2 && !mock_violations,
	   "a late DISCONNECTED of the replaced control connection changes nothing");

	/* The client's data connections follow. */
	ok(!connect_as(RRAIM_ROLE_DATA, a.session, a.token, 1, 3, &d1, &w) &&
	   !w.flags && w.nr_chunks == 2 && same_pd(d1, r.ctl) &&
	   session_conns(a.session) == 2,
	   "a data connection joins the session afterwards");
	ok(!connect_as(RRAIM_ROLE_DATA, a.session, a.token, 1, 3, &id, NULL) &&
	   mock_id_destroyed(d1) && session_conns(a.session) == 2 &&
	   control_id(a.session) == r.ctl && srv.stats.sessions_replaced == 1,
	   "one with the same index replaces it; the control connection stays");
	d1 = id;

	/* Half dead: accepted, but ESTABLISHED never comes. */
	h.session = 0x22;
	h.token = 0x2222;
	h.ctl = queue_connect(RRAIM_ROLE_CONTROL, h.session, h.token, 0, 1);
	settle();
	ok(mock_id_accepted(h.ctl) && !mock_id_destroyed(h.ctl),
	   "a control connection accepted, never established");
	old_ctl = h.ctl;
	ok(!connect_as(RRAIM_ROLE_CONTROL, h.session, h.token, 0, 1, &h.ctl,
		       &w) && (w.flags & RRAIM_WELCOME_RESUMED) &&
	   !w.nr_chunks && mock_id_destroyed(old_ctl) &&
	   srv.stats.sessions_replaced == 2 &&
	   srv.stats.sessions_resumed == resumed + 2 &&
	   session_conns(h.session) == 1 && control_id(h.session) == h.ctl,
	   "is replaced as well");

	/* A new session is still a new session. */
	ok(open_control(&n, 0x23) && !n.welcome.flags && !n.welcome.nr_chunks &&
	   srv.stats.sessions_created == created + 2 && srv.nr_sessions == 3,
	   "an unknown session id still creates a session");

	/* The replaced session still goes into grace, and comes back. */
	mock_cm_event(r.ctl, RDMA_CM_EVENT_DISCONNECTED);
	settle();
	ok(mock_id_destroyed(r.ctl) && mock_id_destroyed(d1) &&
	   find_session(a.session) == s && s->state == RRAIM_SESSION_GRACE &&
	   !s->nr_conns,
	   "losing the new control connection: grace");
	ok(!connect_as(RRAIM_ROLE_CONTROL, a.session, a.token, 0, 3, &r.ctl,
		       &r.welcome) &&
	   (r.welcome.flags & RRAIM_WELCOME_RESUMED) &&
	   r.welcome.nr_chunks == 2 &&
	   srv.stats.sessions_resumed == resumed + 3 &&
	   srv.stats.sessions_replaced == 2,
	   "a session in grace still resumes (not counted as a replacement)");
	ok(same_grant(r.ctl, &g1) && same_grant(r.ctl, &g2),
	   "same rkeys and addresses after the resume");
	stop_server(0);
	ok(mock_id_disconnects(r.ctl) == 1 && mock_id_disconnects(h.ctl) == 1 &&
	   mock_id_disconnects(n.ctl) == 1, "clients were disconnected");
}

/* Open a control connection for @session from IPv4 address @ip. */
static bool open_control_from(struct client *c, uint64_t session, uint32_t ip)
{
	bool opened;

	mock_peer_ip = ip;
	opened = open_control(c, session);
	mock_peer_ip = MOCK_PEER_IP_DEFAULT;
	return opened;
}

/* ALLOC @n chunks on @c: true when every one was granted. */
static bool alloc_n(struct client *c, int n, struct rraim_msg_info *rep)
{
	while (n--)
		if (request(c->ctl, RRAIM_MSG_ALLOC, 0, rep) != RRAIM_OK)
			return false;
	return true;
}

/*
 * --client-quota 8M,10.0.0.12=4M over a pool of 8 chunks: 10.0.0.11
 * may hold 2 chunks across all its sessions, 10.0.0.12 one, the others 2
 * each; the pool is not full when they are refused.
 */
static void test_quota(void)
{
	const uint32_t ip_a = 0x0a00000b, ip_b = 0x0a00000c;
	struct rraim_msg_info rep, g1, g2, gc;
	struct rraim_welcome_info w;
	struct rdma_cm_id *id;
	struct client a1, a2, b, c;
	char err[256] = "";

	rraim_options_init(&opts);
	opts.capacity = 8ULL * RRAIM_CHUNK_SIZE;
	opts.grace_s = 60;
	opts.max_sessions = 8;
	opts.hugepages = RRAIM_HUGEPAGES_OFF;
	rraim_parse_listen("10.0.0.2:7471", &opts.listen);
	if (!ok(!rraim_parse_client_quota("8M,10.0.0.12=4M", &opts.client_quota,
					  err, sizeof(err)) &&
		!rraim_server_start(&srv, &opts),
		"server starts with --client-quota 8M,10.0.0.12=4M %s", err)) {
		stop_server(0);
		return;
	}

	ok(open_control_from(&a1, 0x31, ip_a) &&
	   a1.welcome.free == 2ULL * RRAIM_CHUNK_SIZE &&
	   a1.welcome.capacity == 8ULL * RRAIM_CHUNK_SIZE,
	   "welcome reports the quota as free: %" PRIu64 " MiB of an empty 32 MiB pool",
	   a1.welcome.free >> 20);
	ok(request(a1.ctl, RRAIM_MSG_ALLOC, 0, &g1) == RRAIM_OK &&
	   g1.free == 1ULL * RRAIM_CHUNK_SIZE,
	   "first chunk granted; a reply reports the quota left (4 MiB)");
	ok(request(a1.ctl, RRAIM_MSG_ALLOC, 0, &g2) == RRAIM_OK && !g2.free &&
	   g2.nr_chunks == 2, "second chunk granted; nothing left to report");
	ok(request(a1.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_ENOSPC &&
	   !rep.free && rep.nr_chunks == 2 && srv.stats.alloc_quota == 1 &&
	   !srv.stats.alloc_enospc && srv.pool.nr_free == 6,
	   "third ALLOC over the quota: enospc, alloc_quota 1, pool not full");

	ok(open_control_from(&b, 0x32, ip_b) &&
	   b.welcome.free == 1ULL * RRAIM_CHUNK_SIZE &&
	   request(b.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK &&
	   request(b.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_ENOSPC &&
	   srv.stats.alloc_quota == 2,
	   "10.0.0.12's own entry: 1 chunk granted, the second refused");
	ok(open_control_from(&c, 0x33, MOCK_PEER_IP_DEFAULT) &&
	   alloc_n(&c, 2, &gc) && srv.stats.alloc_quota == 2,
	   "another client is still granted while 10.0.0.11 is at its quota");

	/* A second session of the same address shares its quota. */
	ok(open_control_from(&a2, 0x34, ip_a) && !a2.welcome.free &&
	   request(a2.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_ENOSPC &&
	   srv.stats.alloc_quota == 3,
	   "a second session from 10.0.0.11: free 0 in its welcome, ALLOC refused");
	ok(connect_as(RRAIM_ROLE_DATA, a2.session, a2.token, 1, 4, &id, &w) == 0 &&
	   !w.free, "a data connection's welcome honours the quota too");

	/* In grace, a session's chunks still count. */
	mock_cm_event(a1.ctl, RDMA_CM_EVENT_DISCONNECTED);
	settle();
	ok(find_session(0x31)->state == RRAIM_SESSION_GRACE &&
	   request(a2.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_ENOSPC &&
	   srv.stats.alloc_quota == 4,
	   "the first session in grace still holds the quota");
	ok(!connect_as(RRAIM_ROLE_CONTROL, a1.session, a1.token, 0, 4, &a1.ctl,
		       &a1.welcome) &&
	   (a1.welcome.flags & RRAIM_WELCOME_RESUMED) && !a1.welcome.free,
	   "resumed from another address (10.0.0.99): charged to it, which is at its quota too");
	ok(request(c.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_ENOSPC &&
	   srv.stats.alloc_quota == 5, "so 10.0.0.99 is refused now");
	ok(request(a2.ctl, RRAIM_MSG_PING, 0, &rep) == RRAIM_OK &&
	   rep.free == 2ULL * RRAIM_CHUNK_SIZE,
	   "and 10.0.0.11 has its whole quota back");

	/* Freed chunks give the quota back. */
	ok(request(a1.ctl, RRAIM_MSG_FREE, g1.chunk, &rep) == RRAIM_OK &&
	   request(a1.ctl, RRAIM_MSG_FREE, g2.chunk, &rep) == RRAIM_OK &&
	   !rep.free && !rep.nr_chunks,
	   "the resumed session frees its 2 chunks: 10.0.0.99 is back at its quota");
	ok(request(c.ctl, RRAIM_MSG_FREE, gc.chunk, &rep) == RRAIM_OK &&
	   rep.free == 1ULL * RRAIM_CHUNK_SIZE &&
	   request(c.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK && !rep.free,
	   "a FREE gives a chunk of quota back, and it is granted again");
	ok(request(a2.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK &&
	   request(a2.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK && !rep.free &&
	   request(a2.ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_ENOSPC,
	   "10.0.0.11 gets exactly its 2 chunks again");
	ok(request(a2.ctl, RRAIM_MSG_BYE, 0, &rep) == RRAIM_OK,
	   "BYE returns them");
	mock_cm_event(a2.ctl, RDMA_CM_EVENT_DISCONNECTED);
	settle();
	ok(!find_session(0x34) && open_control_from(&a2, 0x35, ip_a) &&
	   a2.welcome.free == 2ULL * RRAIM_CHUNK_SIZE,
	   "a new session of 10.0.0.11 has its whole quota");
	stop_server(0);
}

/* A control connection offering authentication with @nonce. */
static uint16_t connect_auth(uint64_t session, const uint8_t *nonce,
			     struct rdma_cm_id **idp,
			     struct rraim_welcome_info *w)
{
	struct rraim_hello_info info = {
		.role = RRAIM_ROLE_CONTROL, .session = session,
		.token = session * 31 + 7, .qp_index = 0, .qp_count = 2,
		.flags = RRAIM_HELLO_AUTH,
	};
	struct rraim_hello h;

	memcpy(info.nonce, nonce, sizeof(info.nonce));
	rraim_hello_encode(&h, &info);
	*idp = mock_connect_request(&h, sizeof(h));
	settle();
	return answer(*idp, w);
}

static uint16_t send_auth(struct rdma_cm_id *id, const uint8_t *proof)
{
	struct rraim_msg_info info = { .type = RRAIM_MSG_AUTH, .seq = ++seq };
	struct rraim_msg_info rep;
	struct rraim_msg m;

	memcpy(info.proof, proof, sizeof(info.proof));
	rraim_msg_encode(&m, &info);
	if (exchange(id, &m, sizeof(m), &rep) || rep.seq != seq)
		return 0xffff;
	return rep.status;
}

static void test_auth(void)
{
	uint8_t nonce[RRAIM_AUTH_NONCE_LEN], proof[RRAIM_AUTH_PROOF_LEN];
	struct rraim_welcome_info w;
	struct rraim_msg_info rep;
	struct rraim_secret sec;
	struct rdma_cm_id *ctl, *ctl2, *data;
	char err[256];
	uint8_t key[32];
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 13 + 5);
	snprintf(secret_path, sizeof(secret_path), "%s/secret", dir);
	fd = open(secret_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && write(fd, key, sizeof(key)) == sizeof(key) && !close(fd) &&
	   !rraim_secret_load(secret_path, &sec, err, sizeof(err)),
	   "a 32-byte secret, mode 0600");
	start_server(60);
	ok(srv.auth, "--secret: the server authenticates");

	ok(connect_as(RRAIM_ROLE_CONTROL, 0x21, 0x21 * 31 + 7, 0, 2, &ctl,
		      NULL) == RRAIM_REFUSE_AUTH &&
	   srv.stats.refused[RRAIM_REFUSE_AUTH] == 1 && !srv.nr_sessions,
	   "a control connection without authentication: refused auth, no session");

	memset(nonce, 0x3c, sizeof(nonce));
	ok(!connect_auth(0x21, nonce, &ctl, &w) &&
	   (w.flags & RRAIM_WELCOME_AUTH), "with a nonce: accepted, welcome AUTH");
	rraim_auth_proof(&sec, RRAIM_AUTH_SERVER_LABEL, nonce, w.nonce, 0x21,
			 proof);
	ok(rraim_proof_equal(proof, w.proof),
	   "the welcome proves the server holds the secret");
	ok(request(ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_EPERM &&
	   request(ctl, RRAIM_MSG_PING, 0, &rep) == RRAIM_EPERM &&
	   srv.stats.unauthed_requests == 2 && !srv.chunks_granted,
	   "requests before AUTH: eperm, nothing granted");
	ok(connect_as(RRAIM_ROLE_DATA, 0x21, 0x21 * 31 + 7, 1, 2, &data,
		      NULL) == RRAIM_REFUSE_AUTH,
	   "a data connection before AUTH: refused auth");
	memset(proof, 0, sizeof(proof));
	ok(send_auth(ctl, proof) == RRAIM_EPERM && srv.stats.auth_failed == 1 &&
	   request(ctl, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_EPERM,
	   "a wrong proof: eperm, still not authenticated");
	rraim_auth_proof(&sec, RRAIM_AUTH_CLIENT_LABEL, w.nonce, nonce, 0x21,
			 proof);
	ok(send_auth(ctl, proof) == RRAIM_EPERM && srv.stats.auth_failed == 2,
	   "one proof per connection: the right one after a wrong one fails too");

	/* a new control connection: new nonces, a new chance */
	memset(nonce, 0x77, sizeof(nonce));
	ok(!connect_auth(0x21, nonce, &ctl2, &w) && mock_id_destroyed(ctl),
	   "a new control connection replaces the old one");
	rraim_auth_proof(&sec, RRAIM_AUTH_CLIENT_LABEL, w.nonce, nonce, 0x21,
			 proof);
	ok(send_auth(ctl2, proof) == RRAIM_OK && srv.stats.auth_ok == 1,
	   "the right proof: ok");
	ok(request(ctl2, RRAIM_MSG_ALLOC, 0, &rep) == RRAIM_OK &&
	   srv.chunks_granted == 1, "then served: a chunk granted");
	ok(!connect_as(RRAIM_ROLE_DATA, 0x21, 0x21 * 31 + 7, 1, 2, &data, NULL),
	   "a data connection of the authenticated session: accepted");
	/* a replayed proof is worth nothing on a connection with new nonces */
	memset(nonce, 0x77, sizeof(nonce));
	ok(!connect_auth(0x21, nonce, &ctl, &w) &&
	   send_auth(ctl, proof) == RRAIM_EPERM &&
	   request(ctl, RRAIM_MSG_FREE, 0, &rep) == RRAIM_EPERM,
	   "a replayed proof: eperm");
	rraim_secret_wipe(&sec);
	stop_server(0);
	unlink(secret_path);
	secret_path[0] = 0;
}

int main(void)
{
	struct client a, b;
	struct rraim_msg_info grant;
	struct rdma_cm_id *data;
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/rraim-srv-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/status", dir);
	rraim_log_setup(false, getenv("RRAIM_TEST_VERBOSE") != NULL);

	start_server(1);
	test_refusals();
	test_control(&a);
	test_early_request(&b);
	test_alloc(&a, &b, &grant);
	test_bad_messages(&a);
	test_data_conns(&a, &data);
	test_limits(&a, &b);
	test_status();
	test_grace(&a, data, &grant);
	test_bye(&b);
	test_long_message();
	test_shutdown();
	test_device_removal();
	test_link_down();
	test_replace();
	test_quota();
	test_auth();

	rmdir(dir);
	return tap_done("test_server");
}
