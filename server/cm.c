// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: the RDMA connection manager side.
 *
 * All cm_ids, the listener's and every connection's, report to one event
 * channel, whose fd the event loop polls (non-blocking).  Each event is
 * copied and acknowledged before it is acted on: rdma_destroy_id() waits
 * until every event of its id has been acknowledged, so destroying an id
 * (or a whole session) from the handler of one of its own events would
 * otherwise hang forever.  For the same reason the handler of a connect
 * request may destroy other connections (a control connection replacing
 * its session's old ones, a data connection its predecessor): none has an
 * event left unacknowledged.  The connect request's private data lives in
 * the event, so the hello is copied out first.
 *
 * Device removal: every session on the device is freed (connections, MRs,
 * PD; the chunks go back to the pool).  When the listener itself is bound
 * to that device (--listen with a specific address), the server cannot
 * take new clients any more, so it stops with exit status 1 and lets the
 * service manager restart it once the device is back.  A wildcard
 * listener is not tied to one device and keeps running.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Events handled per wake-up, so other fds get their turn. */
#define RRAIM_CM_BUDGET		64

/* Pending connection requests the kernel queues for the listener. */
#define RRAIM_CM_BACKLOG	128

/**
 * struct rraim_cm_event - what the handlers need of an acknowledged event
 * @type: event type
 * @id: cm_id the event is about (the new one for a connect request)
 * @status: event status
 * @responder_resources: of the connect request, from this side's view
 * @initiator_depth: of the connect request, from this side's view
 * @data: start of the connect request's private data
 * @data_len: its length as reported by the CM
 */
struct rraim_cm_event {
	enum rdma_cm_event_type type;
	struct rdma_cm_id *id;
	int status;
	uint8_t responder_resources;
	uint8_t initiator_depth;
	uint8_t data[RRAIM_HELLO_MAX];
	size_t data_len;
};

int rraim_cm_listen(struct rraim_server *srv)
{
	const struct sockaddr_in *sin = &srv->opts->listen;
	char addr[64];

	rraim_listen_str(sin, addr, sizeof(addr));
	srv->cm_channel = rdma_create_event_channel();
	if (!srv->cm_channel) {
		rraim_err("cannot open the RDMA CM (is rdma_ucm loaded?): %s",
			  strerror(errno));
		return -1;
	}
	if (rraim_set_nonblock(srv->cm_channel->fd)) {
		rraim_err("cannot make the CM channel non-blocking: %s",
			  strerror(errno));
		return -1;
	}
	if (rdma_create_id(srv->cm_channel, &srv->listen_id, NULL,
			   RDMA_PS_TCP)) {
		rraim_err("cannot create the listening cm_id: %s",
			  strerror(errno));
		return -1;
	}
	if (rdma_bind_addr(srv->listen_id, (struct sockaddr *)sin)) {
		rraim_err("cannot bind to %s: %s (is an RDMA device attached to the interface that has this address?)",
			  addr, strerror(errno));
		return -1;
	}
	if (rdma_listen(srv->listen_id, RRAIM_CM_BACKLOG)) {
		rraim_err("cannot listen on %s: %s", addr, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Retired cm_ids                                                      */
/* ------------------------------------------------------------------ */

/*
 * Destroying the cm_id of a connection that got as far as a connect
 * request sends a CM message (a DREQ, or a REJ), and so does disconnecting
 * it.  Soft-RoCE puts its device's GSI queue pair, which carries every CM
 * message, in the error state for good when it cannot send one because
 * its netdev has no carrier (rxe_requester() on a send error, 6.1 and
 * 6.12): after that the server cannot answer any connect request on that
 * device again.  That is what a server whose link was cut for a few
 * seconds met when its control connection failed during the cut.  So
 * while the port of a closed connection is not active, its cm_id is kept
 * here, with no QP and no context, and destroyed once the port has been
 * active for RRAIM_RETIRE_SETTLE_MS (the module waits as long before it
 * reconnects).  Its client lost nothing: the connection was dead already.
 */
#define RRAIM_RETIRE_CHECK_MS	200
#define RRAIM_RETIRE_SETTLE_MS	1000

/**
 * struct rraim_retired_id - a cm_id whose destruction waits for its port
 * @next: next in rraim_server.retired
 * @id: the cm_id, context NULL
 * @active_since_ms: when its port was first seen active again, 0 if not
 */
struct rraim_retired_id {
	struct rraim_retired_id *next;
	struct rdma_cm_id *id;
	uint64_t active_since_ms;
};

/* Whether @id's port can carry a CM message now. */
bool rraim_cm_port_active(struct rdma_cm_id *id)
{
	struct ibv_port_attr attr;

	if (!id->verbs || !id->port_num)
		return true;	/* never bound to a port: sends nothing */
	if (ibv_query_port(id->verbs, id->port_num, &attr))
		return true;	/* the device is going: nothing to keep */
	return attr.state == IBV_PORT_ACTIVE;
}

static void rraim_cm_destroy_id(struct rdma_cm_id *id)
{
	if (rdma_destroy_id(id))
		rraim_err("cannot destroy a cm_id: %s", strerror(errno));
}

/*
 * Destroy @id, a closed connection's (its QP destroyed, its context
 * cleared), now if @port_active, else once its port is active again.
 */
void rraim_cm_retire(struct rraim_server *srv, struct rdma_cm_id *id,
		     bool port_active)
{
	struct rraim_retired_id *r = NULL;

	if (!port_active && srv->state != RRAIM_SERVER_STOPPING)
		r = calloc(1, sizeof(*r));
	if (!r) {
		rraim_cm_destroy_id(id);
		return;
	}
	if (!srv->retired)
		rraim_notice("the link of %s is down: closed connections say goodbye once it is back",
			     ibv_get_device_name(id->verbs->device));
	r->id = id;
	r->next = srv->retired;
	srv->retired = r;
	if (!srv->retired_check_ms)
		srv->retired_check_ms = rraim_now_ms() + RRAIM_RETIRE_CHECK_MS;
}

/* May retired @r go at @now_ms: its port active for long enough? */
static bool rraim_cm_retired_settled(struct rraim_retired_id *r,
				     uint64_t now_ms)
{
	if (!rraim_cm_port_active(r->id))
		r->active_since_ms = 0;
	else if (!r->active_since_ms)
		r->active_since_ms = now_ms;
	return r->active_since_ms &&
	       now_ms - r->active_since_ms >= RRAIM_RETIRE_SETTLE_MS;
}

/*
 * Destroy the retired cm_ids on @verbs (all of them when NULL), or with
 * @settled only those whose port has been active long enough.
 */
static void rraim_cm_retired_sweep(struct rraim_server *srv,
				   struct ibv_context *verbs, bool settled)
{
	uint64_t now_ms = rraim_now_ms();
	struct rraim_retired_id **p = &srv->retired, *r;

	while ((r = *p)) {
		if ((verbs && r->id->verbs != verbs) ||
		    (settled && !rraim_cm_retired_settled(r, now_ms))) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		rraim_cm_destroy_id(r->id);
		free(r);
	}
	srv->retired_check_ms = srv->retired ? now_ms + RRAIM_RETIRE_CHECK_MS : 0;
}

/* The timer fired: destroy what may go now. */
void rraim_cm_retired_check(struct rraim_server *srv, uint64_t now_ms)
{
	if (srv->retired_check_ms && now_ms >= srv->retired_check_ms)
		rraim_cm_retired_sweep(srv, NULL, true);
}

/* Free the listener and the channel; every other cm_id must be gone. */
void rraim_cm_destroy(struct rraim_server *srv)
{
	rraim_cm_retired_sweep(srv, NULL, false);
	if (srv->listen_id && rdma_destroy_id(srv->listen_id))
		rraim_err("cannot destroy the listening cm_id: %s",
			  strerror(errno));
	srv->listen_id = NULL;
	if (srv->cm_channel)
		rdma_destroy_event_channel(srv->cm_channel);
	srv->cm_channel = NULL;
}

/* ------------------------------------------------------------------ */
/* Connect requests                                                    */
/* ------------------------------------------------------------------ */

static void rraim_cm_refuse(struct rraim_server *srv, struct rdma_cm_id *id,
			    uint16_t reason, const char *detail,
			    const struct rraim_hello_info *hello,
			    const char *peer)
{
	struct rraim_refusal refusal;
	char who[96] = "";

	srv->stats.refused_connects++;
	if (reason < sizeof(srv->stats.refused) / sizeof(srv->stats.refused[0]))
		srv->stats.refused[reason]++;
	if (hello && hello->session)
		snprintf(who, sizeof(who), " (%s, session 0x%016" PRIx64 ")",
			 rraim_role_str(hello->role), hello->session);
	if (rraim_ratelimit(&srv->refuse_rl))
		rraim_notice("refused connection from %s%s: %s%s%s", peer, who,
			     rraim_refusal_str(reason), detail ? ": " : "",
			     detail ? detail : "");

	rraim_refusal_encode(&refusal, reason);
	if (rdma_reject(id, &refusal, sizeof(refusal)))
		rraim_dbg("rdma_reject: %s", strerror(errno));
	if (rdma_destroy_id(id))
		rraim_err("cannot destroy a refused cm_id: %s", strerror(errno));
}

/* Create and accept the connection; 0, or the reason to refuse it. */
static uint16_t rraim_cm_admit(struct rraim_server *srv,
			       const struct rraim_cm_event *ev,
			       const struct rraim_hello_info *hello,
			       const char *peer, const char **detail)
{
	struct in_addr client;
	struct rraim_session *s;
	struct rraim_conn *conn;
	uint16_t reason, flags;
	bool resumed;

	if (!ev->id->verbs) {
		*detail = "no RDMA device";
		return RRAIM_REFUSE_BUSY;
	}
	client = rraim_quota_identity(rdma_get_peer_addr(ev->id));
	reason = rraim_session_admit(srv, hello, ev->id->verbs, client, &s,
				     &resumed, detail);
	if (reason)
		return reason;

	flags = resumed ? RRAIM_WELCOME_RESUMED : 0;
	if (hello->role == RRAIM_ROLE_CONTROL && srv->auth) {
		/* new nonces, a new proof: nothing of an older one counts */
		s->authed = false;
		s->auth_tried = false;
		memcpy(s->nonce_client, hello->nonce, sizeof(s->nonce_client));
		if (rraim_random(s->nonce_server, sizeof(s->nonce_server))) {
			*detail = "no random numbers";
			goto settle_session;
		}
		flags |= RRAIM_WELCOME_AUTH;
	}
	conn = rraim_conn_create(s, ev->id, hello, peer);
	if (!conn) {
		*detail = "cannot create the queue pair";
		goto settle_session;
	}
	if (rraim_conn_accept(conn, ev->responder_resources,
			      ev->initiator_depth, flags)) {
		rraim_conn_release(conn);
		*detail = "cannot accept";
		goto settle_session;
	}
	srv->stats.accepted_connects++;
	if (hello->role == RRAIM_ROLE_CONTROL) {
		rraim_session_attach_control(s, conn, resumed);
		rraim_conn_log(conn, LOG_INFO, "accepted (%s session, %u chunks)",
			       resumed ? "resumed" : "new", s->nr_chunks);
	} else {
		rraim_conn_log(conn, LOG_DEBUG, "accepted");
	}
	return 0;

settle_session:
	/* A session created for this request goes again; others stay. */
	rraim_session_settle(s);
	return RRAIM_REFUSE_BUSY;
}

static void rraim_cm_connect_request(struct rraim_server *srv,
				     const struct rraim_cm_event *ev)
{
	struct rraim_hello_info hello;
	const char *detail = NULL;
	char peer[64];
	uint16_t reason;

	/* A new id inherits the listener's context: it has none yet. */
	ev->id->context = NULL;
	rraim_format_addr(rdma_get_peer_addr(ev->id), peer, sizeof(peer));

	reason = rraim_hello_decode(ev->data, ev->data_len, &hello);
	if (!reason && srv->state != RRAIM_SERVER_RUNNING)
		reason = RRAIM_REFUSE_SHUTDOWN;
	if (!reason)
		reason = rraim_cm_admit(srv, ev, &hello, peer, &detail);
	if (reason)
		rraim_cm_refuse(srv, ev->id, reason, detail,
				(reason == RRAIM_REFUSE_MALFORMED ||
				 reason == RRAIM_REFUSE_VERSION) ? NULL : &hello,
				peer);
}

/* ------------------------------------------------------------------ */
/* Other events                                                        */
/* ------------------------------------------------------------------ */

static void rraim_cm_device_removed(struct rraim_server *srv,
				    struct ibv_context *verbs)
{
	rraim_err("RDMA device %s removed: freeing its sessions",
		  verbs ? ibv_get_device_name(verbs->device) : "?");
	if (!verbs)
		return;
	rraim_sessions_remove_device(srv, verbs);
	rraim_cm_retired_sweep(srv, verbs, false);
	if (srv->listen_id && srv->listen_id->verbs == verbs) {
		rdma_destroy_id(srv->listen_id);
		srv->listen_id = NULL;
		rraim_server_stop(srv, RRAIM_EXIT_FAILURE,
				  "the listener's RDMA device was removed");
	}
}

static void rraim_cm_listener_event(struct rraim_server *srv,
				    const struct rraim_cm_event *ev)
{
	switch (ev->type) {
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		rraim_cm_device_removed(srv, ev->id->verbs);
		break;
	case RDMA_CM_EVENT_ADDR_CHANGE:
		rraim_warn("the listening address changed");
		break;
	default:
		rraim_dbg("listener: %s (status %d)", rdma_event_str(ev->type),
			  ev->status);
		break;
	}
}

static void rraim_cm_conn_event(struct rraim_server *srv,
				const struct rraim_cm_event *ev)
{
	struct rraim_conn *conn = ev->id->context;

	if (!conn) {
		/* a retired id: it goes with its device */
		if (ev->type == RDMA_CM_EVENT_DEVICE_REMOVAL)
			rraim_cm_retired_sweep(srv, ev->id->verbs, false);
		else
			rraim_dbg("%s for an id without connection",
				  rdma_event_str(ev->type));
		return;
	}
	switch (ev->type) {
	case RDMA_CM_EVENT_ESTABLISHED:
		if (rraim_conn_established(conn))
			rraim_conn_close(conn, "cannot send replies");
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
		rraim_conn_close(conn, "disconnected");
		break;
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
		rraim_conn_close(conn, rdma_event_str(ev->type));
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		rraim_cm_device_removed(srv, ev->id->verbs);
		break;
	default:
		/* TIMEWAIT_EXIT, ADDR_CHANGE...: nothing to do. */
		rraim_conn_log(conn, LOG_DEBUG, "%s (status %d)",
			       rdma_event_str(ev->type), ev->status);
		break;
	}
}

/* Copy what we need out of the next event and acknowledge it. */
static int rraim_cm_get_event(struct rraim_server *srv,
			      struct rraim_cm_event *ev)
{
	struct rdma_cm_event *event;
	size_t len;

	if (rdma_get_cm_event(srv->cm_channel, &event)) {
		if (errno == EAGAIN)
			return 0;
		rraim_err("cannot read CM events: %s", strerror(errno));
		return -1;
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = event->event;
	ev->id = event->id;
	ev->status = event->status;
	if (event->event == RDMA_CM_EVENT_CONNECT_REQUEST) {
		ev->responder_resources = event->param.conn.responder_resources;
		ev->initiator_depth = event->param.conn.initiator_depth;
		len = event->param.conn.private_data_len;
		if (len > sizeof(ev->data))
			len = sizeof(ev->data);
		if (!event->param.conn.private_data)
			len = 0;
		if (len)
			memcpy(ev->data, event->param.conn.private_data, len);
		ev->data_len = len;
	}
	rdma_ack_cm_event(event);
	return 1;
}

/* The CM channel is readable: handle what is queued.  -1 is fatal. */
int rraim_cm_process(struct rraim_server *srv)
{
	struct rraim_cm_event ev;
	int i, ret;

	for (i = 0; i < RRAIM_CM_BUDGET; i++) {
		ret = rraim_cm_get_event(srv, &ev);
		if (ret <= 0)
			return ret;
		if (ev.type == RDMA_CM_EVENT_CONNECT_REQUEST)
			rraim_cm_connect_request(srv, &ev);
		else if (srv->listen_id && ev.id == srv->listen_id)
			rraim_cm_listener_event(srv, &ev);
		else
			rraim_cm_conn_event(srv, &ev);
	}
	return 0;
}
