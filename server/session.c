// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: sessions and the chunks they hold.
 *
 * Life of a session:
 *
 *   NEW --control accepted--> LIVE --control lost--> GRACE --deadline--> freed
 *                             |  ^ ^                   |
 *                             +--+ +--control resumes--+
 *                     control replaced
 *
 * A session without a control connection is freed at once instead of
 * entering GRACE when it has nothing worth keeping: no chunk, or its
 * client said BYE, or --grace is 0, or the server is stopping.  A NEW
 * session whose control connection could not be set up holds no chunk,
 * so the same rule frees it.  Data connections may join a session in
 * GRACE (they cannot allocate anything); they go with it when it expires.
 *
 * Replacement.  A control connection with the session's token while the
 * session still has one means that the client gave up on the old one:
 * it opens exactly one at a time.  The server may never learn of that
 * failure by itself: after a cut link or with a frozen peer, work posted
 * on the old QP neither completes nor fails and no DISCONNECTED comes.
 * So the newcomer wins: every connection of the session is torn down,
 * the session keeps its PD, chunks and MRs (rkeys unchanged), and the new
 * control connection is accepted as a resume.  Refusing it instead would
 * strand the chunks for as long as the dead connection looks alive.
 * Should the new connection fail to be set up, the session settles as if
 * it had lost its control connection (GRACE, or freed).  A wrong token
 * is refused and touches nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

const char *rraim_session_state_str(enum rraim_session_state state)
{
	switch (state) {
	case RRAIM_SESSION_NEW:		return "new";
	case RRAIM_SESSION_LIVE:	return "live";
	case RRAIM_SESSION_GRACE:	return "grace";
	default:			return "unknown";
	}
}

/* The only place a session's state changes. */
static void rraim_session_set_state(struct rraim_session *s,
				    enum rraim_session_state state)
{
	if (s->state != state)
		rraim_sess_log(s, LOG_DEBUG, "%s -> %s",
			       rraim_session_state_str(s->state),
			       rraim_session_state_str(state));
	s->state = state;
}

static struct rraim_session *rraim_session_find(struct rraim_server *srv,
						uint64_t id)
{
	struct rraim_session *s;

	LIST_FOREACH(s, &srv->sessions, link)
		if (s->id == id)
			return s;
	return NULL;
}

static struct rraim_session *
rraim_session_create(struct rraim_server *srv,
		     const struct rraim_hello_info *hello,
		     struct ibv_context *verbs, struct in_addr client)
{
	struct rraim_session *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pd = ibv_alloc_pd(verbs);
	if (!s->pd) {
		rraim_err("cannot allocate a protection domain on %s: %s",
			  ibv_get_device_name(verbs->device), strerror(errno));
		free(s);
		return NULL;
	}
	s->srv = srv;
	s->id = hello->session;
	s->token = hello->token;
	s->client = client;
	s->state = RRAIM_SESSION_NEW;
	LIST_INIT(&s->conns);
	LIST_INIT(&s->grants);
	s->msg_rl = (struct rraim_ratelimit)RRAIM_RATELIMIT_INIT(5000, 10);
	LIST_INSERT_HEAD(&srv->sessions, s, link);
	srv->nr_sessions++;
	return s;
}

/* ------------------------------------------------------------------ */
/* Admission of a connection                                           */
/* ------------------------------------------------------------------ */

static struct rraim_conn *rraim_session_data_conn(struct rraim_session *s,
						  uint16_t qp_index)
{
	struct rraim_conn *conn;

	LIST_FOREACH(conn, &s->conns, link)
		if (conn->role == RRAIM_ROLE_DATA && conn->qp_index == qp_index)
			return conn;
	return NULL;
}

/*
 * A control connection with the right token came for @s, which still has
 * one (see "Replacement" above): drop every connection of @s, keep the
 * rest.  Each connection is detached from the session and its cm_id's
 * context cleared before rdma_destroy_id(), which discards the events
 * still queued for that id, so a late DISCONNECTED or TIMEWAIT_EXIT of an
 * old connection can reach neither it nor the session.  We run in the
 * handler of the new id's connect request and cm.c acknowledged every
 * event it read before handling it, so no old id has one unacknowledged
 * and its destruction cannot hang.  On return @s is LIVE without a
 * control connection: the caller attaches the new one, or settles @s if
 * that fails.
 */
static void rraim_session_replace_control(struct rraim_session *s)
{
	struct rraim_conn *conn;
	unsigned int dropped = 0;

	while ((conn = LIST_FIRST(&s->conns))) {
		rraim_conn_log(conn, LOG_DEBUG,
			       "dropped: replaced by a new control connection");
		rraim_conn_destroy(conn);
		dropped++;
	}
	s->srv->stats.sessions_replaced++;
	rraim_sess_log(s, LOG_INFO,
		       "control connection replaced; %u stale connections dropped",
		       dropped);
}

static uint16_t rraim_admit_control(struct rraim_server *srv,
				    struct rraim_session *s,
				    const struct rraim_hello_info *hello,
				    struct ibv_context *verbs,
				    struct in_addr client,
				    struct rraim_session **sessionp,
				    bool *resumed, const char **detail)
{
	if (srv->auth && !(hello->flags & RRAIM_HELLO_AUTH)) {
		*detail = "no authentication offered (the client has no auth_key)";
		return RRAIM_REFUSE_AUTH;
	}
	if (!s) {
		if (srv->nr_sessions >= srv->opts->max_sessions) {
			*detail = "too many sessions";
			return RRAIM_REFUSE_BUSY;
		}
		s = rraim_session_create(srv, hello, verbs, client);
		if (!s) {
			*detail = "cannot create the session";
			return RRAIM_REFUSE_BUSY;
		}
		*sessionp = s;
		return 0;
	}
	if (s->token != hello->token)
		return RRAIM_REFUSE_BAD_TOKEN;
	if (s->pd->context != verbs) {
		/*
		 * Its MRs, and so its rkeys, live on the other device.
		 * Checked first: a connection we cannot take must not cost
		 * the session the ones it has.
		 */
		*detail = "the session lives on another RDMA device";
		return RRAIM_REFUSE_BUSY;
	}
	if (s->control)
		rraim_session_replace_control(s);
	/* Its chunks now count against the quota of whoever took it up. */
	s->client = client;
	*sessionp = s;
	*resumed = true;
	return 0;
}

static uint16_t rraim_admit_data(struct rraim_session *s,
				 const struct rraim_hello_info *hello,
				 struct ibv_context *verbs,
				 struct rraim_session **sessionp,
				 const char **detail)
{
	struct rraim_conn *old;
	unsigned int nr_data;

	if (!s)
		return RRAIM_REFUSE_NO_SESSION;
	if (s->token != hello->token)
		return RRAIM_REFUSE_BAD_TOKEN;
	if (s->srv->auth && !s->authed) {
		*detail = "the session is not authenticated";
		return RRAIM_REFUSE_AUTH;
	}
	if (s->pd->context != verbs) {
		*detail = "the session lives on another RDMA device";
		return RRAIM_REFUSE_BUSY;
	}
	/*
	 * A client reconnects a data connection it gave up on, perhaps
	 * silently (the old QP here may never hear of it): the newer one
	 * replaces it, so stale connections cannot pile up.
	 */
	old = rraim_session_data_conn(s, hello->qp_index);
	if (old) {
		rraim_conn_log(old, LOG_INFO, "replaced by a new connection");
		rraim_conn_destroy(old);
	}
	nr_data = s->nr_conns - (s->control ? 1 : 0);
	if (nr_data >= RRAIM_QP_COUNT_MAX) {
		*detail = "too many data connections";
		return RRAIM_REFUSE_BUSY;
	}
	*sessionp = s;
	return 0;
}

/*
 * Decide whether a connection with @hello, from @client, may join: 0 with
 * *@sessionp set (a NEW session for a control connection of an unknown
 * session; *@resumed when a control connection takes up a known session,
 * in GRACE or after replacing its control connection), or the refusal
 * reason, with *@detail perhaps saying more for the log.  A control
 * connection charges the session to @client (quota.c).
 */
uint16_t rraim_session_admit(struct rraim_server *srv,
			     const struct rraim_hello_info *hello,
			     struct ibv_context *verbs, struct in_addr client,
			     struct rraim_session **sessionp, bool *resumed,
			     const char **detail)
{
	struct rraim_session *s = rraim_session_find(srv, hello->session);

	*sessionp = NULL;
	*resumed = false;
	if (hello->role == RRAIM_ROLE_DATA)
		return rraim_admit_data(s, hello, verbs, sessionp, detail);
	return rraim_admit_control(srv, s, hello, verbs, client, sessionp,
				   resumed, detail);
}

void rraim_session_attach_control(struct rraim_session *s,
				  struct rraim_conn *conn, bool resumed)
{
	struct rraim_server *srv = s->srv;

	s->control = conn;
	s->grace_deadline_ms = 0;
	rraim_session_set_state(s, RRAIM_SESSION_LIVE);
	/* Resumes after a replacement included: sessions_replaced is a part. */
	if (resumed)
		srv->stats.sessions_resumed++;
	else
		srv->stats.sessions_created++;
}

/* ------------------------------------------------------------------ */
/* Grants                                                              */
/* ------------------------------------------------------------------ */

static struct rraim_grant *rraim_session_grant(struct rraim_session *s,
					       uint32_t chunk)
{
	struct rraim_server *srv = s->srv;

	if (chunk >= srv->pool.nr_chunks)
		return NULL;
	if (srv->grants[chunk].owner != s)
		return NULL;
	return &srv->grants[chunk];
}

/* Deregister @g and give its chunk back to the pool. */
static void rraim_session_release(struct rraim_session *s,
				  struct rraim_grant *g)
{
	struct rraim_server *srv = s->srv;
	uint32_t chunk = (uint32_t)(g - srv->grants);
	int ret;

	LIST_REMOVE(g, link);
	g->owner = NULL;
	s->nr_chunks--;
	srv->chunks_granted--;

	ret = ibv_dereg_mr(g->mr);
	g->mr = NULL;
	if (ret) {
		/*
		 * The rkey may still work: handing this memory to anyone
		 * else could expose it.  Keep it out of the pool for good.
		 */
		srv->stats.chunks_lost++;
		rraim_sess_log(s, LOG_ERR,
			       "cannot deregister chunk %u: %s; chunk retired",
			       chunk, strerror(ret));
		return;
	}
	ret = rraim_pool_put(&srv->pool, chunk);
	if (ret)
		rraim_sess_log(s, LOG_ERR, "chunk %u: pool says %s", chunk,
			       strerror(-ret));
}

static void rraim_session_release_all(struct rraim_session *s)
{
	struct rraim_grant *g;

	while ((g = LIST_FIRST(&s->grants)))
		rraim_session_release(s, g);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

/* An ALLOC from a client at its quota: refused as if the pool were full. */
static uint16_t rraim_session_over_quota(struct rraim_session *s)
{
	struct rraim_server *srv = s->srv;
	char addr[INET_ADDRSTRLEN];

	srv->stats.alloc_quota++;
	if (rraim_ratelimit(&srv->quota_rl)) {
		inet_ntop(AF_INET, &s->client, addr, sizeof(addr));
		rraim_sess_log(s, LOG_NOTICE,
			       "client %s is at its quota of %" PRIu64 " MiB: chunk refused",
			       addr,
			       rraim_quota_limit(&srv->opts->client_quota,
						 s->client) <<
			       (RRAIM_CHUNK_SHIFT - 20));
	}
	return RRAIM_ENOSPC;
}

static uint16_t rraim_session_alloc(struct rraim_session *s,
				    struct rraim_msg_info *rep)
{
	struct rraim_server *srv = s->srv;
	struct rraim_grant *g;
	struct ibv_mr *mr;
	int64_t chunk;
	void *addr;

	if (!rraim_quota_left(s))
		return rraim_session_over_quota(s);
	chunk = rraim_pool_get(&srv->pool);
	if (chunk < 0) {
		srv->stats.alloc_enospc++;
		return RRAIM_ENOSPC;
	}
	addr = rraim_pool_chunk_addr(&srv->pool, (uint32_t)chunk);
	/* The chunk may hold another session's data: never lend that. */
	memset(addr, 0, RRAIM_CHUNK_SIZE);
	mr = ibv_reg_mr(s->pd, addr, RRAIM_CHUNK_SIZE, RRAIM_CHUNK_ACCESS);
	if (!mr) {
		if (rraim_ratelimit(&s->msg_rl))
			rraim_sess_log(s, LOG_ERR, "cannot register chunk %u: %s",
				       (uint32_t)chunk, strerror(errno));
		rraim_pool_put(&srv->pool, (uint32_t)chunk);
		srv->stats.alloc_failed++;
		return RRAIM_EIO;
	}

	g = &srv->grants[chunk];
	g->owner = s;
	g->mr = mr;
	LIST_INSERT_HEAD(&s->grants, g, link);
	s->nr_chunks++;
	srv->chunks_granted++;
	srv->stats.allocs++;

	rep->chunk = (uint32_t)chunk;
	rep->rkey = mr->rkey;
	rep->addr = (uintptr_t)addr;
	return RRAIM_OK;
}

static uint16_t rraim_session_free(struct rraim_session *s, uint32_t chunk)
{
	struct rraim_grant *g = rraim_session_grant(s, chunk);

	if (!g) {
		s->srv->stats.unknown_chunk++;
		return RRAIM_ENOENT;
	}
	rraim_session_release(s, g);
	s->srv->stats.frees++;
	return RRAIM_OK;
}

static uint16_t rraim_session_query(struct rraim_session *s, uint32_t chunk,
				    struct rraim_msg_info *rep)
{
	struct rraim_grant *g = rraim_session_grant(s, chunk);

	if (!g) {
		s->srv->stats.unknown_chunk++;
		return RRAIM_ENOENT;
	}
	s->srv->stats.queries++;
	rep->rkey = g->mr->rkey;
	rep->addr = (uintptr_t)g->mr->addr;
	return RRAIM_OK;
}

static uint16_t rraim_session_bye(struct rraim_session *s)
{
	rraim_sess_log(s, LOG_INFO, "bye: returning %u chunks", s->nr_chunks);
	rraim_session_release_all(s);
	s->bye = true;
	s->srv->stats.byes++;
	return RRAIM_OK;
}

static uint16_t rraim_session_dispatch(struct rraim_session *s,
				       const struct rraim_msg_info *req,
				       struct rraim_msg_info *rep)
{
	switch (req->type) {
	case RRAIM_MSG_ALLOC:
		return rraim_session_alloc(s, rep);
	case RRAIM_MSG_FREE:
		return rraim_session_free(s, req->chunk);
	case RRAIM_MSG_PING:
		s->srv->stats.pings++;
		return RRAIM_OK;
	case RRAIM_MSG_QUERY:
		return rraim_session_query(s, req->chunk, rep);
	case RRAIM_MSG_BYE:
		return rraim_session_bye(s);
	default:
		/* rraim_msg_decode_request() let through only the above. */
		return RRAIM_ENOTSUP;
	}
}

/*
 * AUTH: the client's proof for the nonces of the current control
 * connection.  A wrong one leaves the session unauthenticated; the client
 * is told EPERM and may not try another nonce on this connection (a new
 * control connection brings new nonces).
 */
static uint16_t rraim_session_auth(struct rraim_session *s,
				   const struct rraim_msg_info *req)
{
	struct rraim_server *srv = s->srv;
	uint8_t want[RRAIM_AUTH_PROOF_LEN];
	bool right;

	if (!srv->auth)
		return RRAIM_ENOTSUP;	/* nothing to prove here */
	rraim_auth_proof(&srv->secret, RRAIM_AUTH_CLIENT_LABEL,
			 s->nonce_server, s->nonce_client, s->id, want);
	right = rraim_proof_equal(want, req->proof);
	memset(want, 0, sizeof(want));
	if (!right || s->auth_tried) {
		srv->stats.auth_failed++;
		s->authed = false;
		if (s->control && rraim_ratelimit(&srv->refuse_rl))
			rraim_conn_log(s->control, LOG_WARNING,
				       "authentication failed: %s",
				       right ? "a second proof on one connection" :
				       "wrong proof (the client does not hold this server's secret)");
		s->auth_tried = true;
		return RRAIM_EPERM;
	}
	s->auth_tried = true;
	s->authed = true;
	srv->stats.auth_ok++;
	if (s->control)
		rraim_conn_log(s->control, LOG_INFO, "authenticated");
	return RRAIM_OK;
}

/*
 * Answer a request: @status is what rraim_msg_decode_request() said of it.
 * @rep is filled completely, pool state included, whatever the outcome.
 */
void rraim_session_request(struct rraim_session *s, uint16_t status,
			   const struct rraim_msg_info *req,
			   struct rraim_msg_info *rep)
{
	struct rraim_server *srv = s->srv;

	memset(rep, 0, sizeof(*rep));
	rep->type = req->type | RRAIM_MSG_REPLY;
	rep->seq = req->seq;
	rep->chunk = req->chunk;
	if (status == RRAIM_OK && req->type == RRAIM_MSG_AUTH) {
		status = rraim_session_auth(s, req);
	} else if (status == RRAIM_OK && srv->auth && !s->authed) {
		srv->stats.unauthed_requests++;
		if (rraim_ratelimit(&s->msg_rl))
			rraim_sess_log(s, LOG_WARNING,
				       "%s before authentication: answered eperm",
				       rraim_msg_type_str(req->type));
		status = RRAIM_EPERM;
	} else if (status == RRAIM_OK) {
		status = rraim_session_dispatch(s, req, rep);
	} else {
		srv->stats.bad_messages++;
		if (rraim_ratelimit(&s->msg_rl))
			rraim_sess_log(s, LOG_WARNING,
				       "bad request (type 0x%04x, seq %u): answered %s",
				       req->type, req->seq,
				       rraim_status_str(status));
	}
	rep->status = status;
	rep->capacity = srv->pool.size;
	rep->free = rraim_quota_free_bytes(s);
	rep->nr_chunks = s->nr_chunks;
}

/* ------------------------------------------------------------------ */
/* End of a session                                                    */
/* ------------------------------------------------------------------ */

/* Free @s and everything it holds. */
void rraim_session_destroy(struct rraim_session *s, const char *why)
{
	struct rraim_server *srv = s->srv;
	struct rraim_conn *conn;
	uint32_t nr_chunks = s->nr_chunks;
	int ret;

	/* Order: QPs before the MRs they might use, all before the PD. */
	while ((conn = LIST_FIRST(&s->conns)))
		rraim_conn_destroy(conn);
	rraim_session_release_all(s);
	ret = ibv_dealloc_pd(s->pd);
	if (ret)
		rraim_sess_log(s, LOG_ERR, "cannot free its protection domain: %s",
			       strerror(ret));

	if (s->state != RRAIM_SESSION_NEW)
		rraim_sess_log(s, LOG_INFO, "freed (%s), %u chunks returned",
			       why, nr_chunks);
	LIST_REMOVE(s, link);
	srv->nr_sessions--;
	free(s);
}

/*
 * Decide the fate of a session without a control connection: keep it in
 * GRACE, or free it when there is nothing to keep.  @s may be gone on
 * return.
 */
void rraim_session_settle(struct rraim_session *s)
{
	struct rraim_server *srv = s->srv;
	unsigned int grace_s = srv->opts->grace_s;
	const char *why = NULL;

	if (s->control)
		return;
	if (s->state == RRAIM_SESSION_NEW)
		why = "never connected";
	else if (s->bye)
		why = "client said bye";
	else if (!s->nr_chunks)
		why = "holds no chunk";
	else if (!grace_s || srv->state == RRAIM_SERVER_STOPPING)
		why = "no grace period";
	if (why) {
		rraim_session_destroy(s, why);
		return;
	}
	if (s->state == RRAIM_SESSION_GRACE)
		return;
	s->grace_deadline_ms = rraim_now_ms() + (uint64_t)grace_s * 1000;
	rraim_session_set_state(s, RRAIM_SESSION_GRACE);
	rraim_sess_log(s, LOG_INFO, "keeping %u chunks for %u s", s->nr_chunks,
		       grace_s);
}

/*
 * The control connection is gone: every other connection goes with it,
 * then the session settles.  @s may be gone on return.
 */
void rraim_session_lose_control(struct rraim_session *s)
{
	struct rraim_conn *conn;

	s->control = NULL;
	s->authed = false;	/* the next control connection proves it again */
	while ((conn = LIST_FIRST(&s->conns)))
		rraim_conn_destroy(conn);
	rraim_session_settle(s);
}

void rraim_sessions_expire(struct rraim_server *srv, uint64_t now_ms)
{
	struct rraim_session *s, *next;

	for (s = LIST_FIRST(&srv->sessions); s; s = next) {
		next = LIST_NEXT(s, link);
		if (s->state != RRAIM_SESSION_GRACE ||
		    s->grace_deadline_ms > now_ms)
			continue;
		srv->stats.sessions_expired++;
		rraim_session_destroy(s, "grace period over");
	}
}

/* Earliest grace deadline, 0 when no session is in grace. */
uint64_t rraim_sessions_next_deadline(const struct rraim_server *srv)
{
	const struct rraim_session *s;
	uint64_t next = 0;

	LIST_FOREACH(s, &srv->sessions, link)
		if (s->state == RRAIM_SESSION_GRACE &&
		    (!next || s->grace_deadline_ms < next))
			next = s->grace_deadline_ms;
	return next;
}

/*
 * @verbs is going away: every session on it loses its connections, MRs
 * and PD, hence its chunks.  Its client finds out when it reconnects (an
 * unknown session, no RRAIM_WELCOME_RESUMED).
 */
void rraim_sessions_remove_device(struct rraim_server *srv,
				  struct ibv_context *verbs)
{
	struct rraim_session *s, *next;

	for (s = LIST_FIRST(&srv->sessions); s; s = next) {
		next = LIST_NEXT(s, link);
		if (s->pd->context == verbs)
			rraim_session_destroy(s, "RDMA device removed");
	}
}
