/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM memory server: objects shared by the event loop (server.c), the
 * connection manager (cm.c), sessions (session.c), connections (conn.c)
 * and the status socket (status.c).
 *
 * Object model.  Everything belongs to the one thread that runs the event
 * loop, so there are no locks; what needs care instead is destroying an
 * object while a caller up the stack still holds a pointer to it (see
 * rraim_server.teardown_gen and the notes in cm.c).
 *
 *   struct rraim_server       one per process: pool, listener, sessions
 *     struct rraim_grant      one per pool chunk: holder and its MR
 *     struct rraim_session    one per client session: PD, grants
 *       struct rraim_conn     one per RDMA connection: cm_id, QP, CQ
 *         struct rraim_ctrl   control connections only: message buffers
 *
 * Trust model.  With --secret, a client must prove that it holds the
 * cluster's shared secret before the server serves it (rraim_proto.h,
 * "Authentication"): a control connection without a nonce is refused, every
 * request but AUTH is answered EPERM until a right proof came on the
 * session's current control connection, and a data connection of a session
 * not authenticated is refused; the welcome carries the server's own proof,
 * so the client can refuse a server that does not hold the secret.
 * Without --secret every client is admitted.  Within a session, a
 * session is identified by the (session, token) pair its
 * client chose.  Whoever presents both owns
 * the session: a control connection with them resumes it, and replaces
 * the session's connections if it still has any (see session.c).  Each
 * session has its own protection domain: its QPs and the MRs of its
 * chunks live there, so an rkey of one session is useless on a QP of
 * another.  Chunks are zeroed before they are granted, so nothing of a
 * previous holder can be read.
 */
#ifndef RRAIM_SERVER_SERVER_H
#define RRAIM_SERVER_SERVER_H

#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "options.h"
#include "pool.h"
#include "proto.h"
#include "secret.h"
#include "util.h"

/* Receive buffers, and as many reply buffers, per control connection. */
#define RRAIM_CTRL_DEPTH	16

/* Access a session gets to its chunks. */
#define RRAIM_CHUNK_ACCESS	(IBV_ACCESS_LOCAL_WRITE |		\
				 IBV_ACCESS_REMOTE_READ |		\
				 IBV_ACCESS_REMOTE_WRITE)

struct rraim_session;
struct rraim_retired_id;

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

enum rraim_conn_state {
	RRAIM_CONN_NEW,		/* QP built, not accepted yet */
	RRAIM_CONN_ACCEPTING,	/* rdma_accept() done, waiting for ESTABLISHED */
	RRAIM_CONN_ESTABLISHED,	/* QP in RTS: replies may be sent */
};

/*
 * A control connection's message slots.  Receive buffer i and reply
 * buffer i belong together: the reply to the request that arrived in
 * buffer i is built in reply buffer i, and receive buffer i is posted
 * again only when that reply's send has completed.  So a reply buffer is
 * never overwritten while the HCA may still read it, and a client that
 * sends faster than replies drain meets receiver-not-ready back-pressure
 * instead of a server that runs out of buffers.
 */
enum rraim_slot_state {
	RRAIM_SLOT_IDLE,	/* not posted (setup, teardown) */
	RRAIM_SLOT_RECV,	/* receive posted, waiting for a request */
	RRAIM_SLOT_REPLY,	/* reply built, waiting for ESTABLISHED */
	RRAIM_SLOT_SEND,	/* reply posted, waiting for its completion */
};

/**
 * struct rraim_ctrl - buffers of a control connection
 * @msgs: 2 * RRAIM_CTRL_DEPTH messages: receive buffers first, then replies
 * @msgs_mr: @msgs registered in the session PD, local write only
 * @slot: enum rraim_slot_state of each receive/reply pair
 * @backlog: slots in RRAIM_SLOT_REPLY, oldest first
 * @nr_backlog: entries in @backlog
 * @reply_len: bytes to send of each reply: one message, unless a fault
 *	hook (fault.h, test builds only) asks for another length
 */
struct rraim_ctrl {
	struct rraim_msg *msgs;
	struct ibv_mr *msgs_mr;
	uint8_t slot[RRAIM_CTRL_DEPTH];
	uint8_t backlog[RRAIM_CTRL_DEPTH];
	unsigned int nr_backlog;
	uint32_t reply_len[RRAIM_CTRL_DEPTH];
};

/**
 * struct rraim_conn - one RDMA connection of a session
 * @link: entry in the session's @conns
 * @session: the session it belongs to, never NULL
 * @id: its cm_id; id->context points back here
 * @role: RRAIM_ROLE_CONTROL or RRAIM_ROLE_DATA
 * @state: enum rraim_conn_state
 * @qp_index: the client's index for this connection
 * @peer: client address, for logs
 * @cq: completion queue of the QP's send and receive sides
 * @channel: completion channel of @cq (control connections only)
 * @ctrl: message buffers (control connections only)
 */
struct rraim_conn {
	LIST_ENTRY(rraim_conn) link;
	struct rraim_session *session;
	struct rdma_cm_id *id;
	uint16_t role;
	enum rraim_conn_state state;
	uint16_t qp_index;
	char peer[64];
	struct ibv_cq *cq;
	struct ibv_comp_channel *channel;
	struct rraim_ctrl *ctrl;
};

/* ------------------------------------------------------------------ */
/* Sessions and grants                                                 */
/* ------------------------------------------------------------------ */

/**
 * struct rraim_grant - one pool chunk, granted or not
 * @link: entry in the holder's @grants
 * @owner: session holding the chunk, NULL while it is not granted
 * @mr: the chunk's registration in the owner's PD
 */
struct rraim_grant {
	LIST_ENTRY(rraim_grant) link;
	struct rraim_session *owner;
	struct ibv_mr *mr;
};

enum rraim_session_state {
	RRAIM_SESSION_NEW,	/* created for a connect request being handled */
	RRAIM_SESSION_LIVE,	/* has a control connection */
	RRAIM_SESSION_GRACE,	/* lost it; chunks kept until @grace_deadline_ms */
};

/**
 * struct rraim_session - what one client holds on this server
 * @link: entry in the server's @sessions
 * @srv: the server
 * @id: session identity chosen by the client, nonzero
 * @token: secret chosen with @id
 * @client: IPv4 address of the control connection that created the
 *	session or last took it up: whose quota it counts against (quota.c)
 * @state: enum rraim_session_state, changed by rraim_session_set_state()
 * @pd: protection domain of all its QPs and MRs, on the device of its
 *	first connection
 * @control: its control connection, NULL unless LIVE (and for a moment
 *	while a LIVE session loses it or has it replaced)
 * @conns: all its connections, the control connection included
 * @nr_conns: entries in @conns
 * @grants: chunks it holds
 * @nr_chunks: entries in @grants
 * @grace_deadline_ms: monotonic time at which a session in grace expires
 * @bye: the client said BYE: free the session, not keep it, when the
 *	control connection goes
 * @msg_rl: rate limit of its bad-message log lines
 * @authed: its current control connection gave a right proof (always
 *	false without --secret, where nothing asks for one)
 * @auth_tried: an AUTH came on its current control connection: one
 *	proof per connection, so a proof cannot be guessed by many tries
 * @nonce_client: the nonce of its current control connection's hello
 * @nonce_server: the nonce of the welcome that answered it
 */
struct rraim_session {
	LIST_ENTRY(rraim_session) link;
	struct rraim_server *srv;
	uint64_t id;
	uint64_t token;
	struct in_addr client;
	enum rraim_session_state state;
	struct ibv_pd *pd;
	struct rraim_conn *control;
	LIST_HEAD(, rraim_conn) conns;
	unsigned int nr_conns;
	LIST_HEAD(, rraim_grant) grants;
	uint32_t nr_chunks;
	uint64_t grace_deadline_ms;
	bool bye;
	struct rraim_ratelimit msg_rl;
	bool authed;
	bool auth_tried;
	uint8_t nonce_client[RRAIM_AUTH_NONCE_LEN];
	uint8_t nonce_server[RRAIM_AUTH_NONCE_LEN];
};

/* ------------------------------------------------------------------ */
/* The server                                                          */
/* ------------------------------------------------------------------ */

enum rraim_server_state {
	RRAIM_SERVER_STARTING,	/* setting up; not listening yet */
	RRAIM_SERVER_RUNNING,	/* listening; READY=1 sent */
	RRAIM_SERVER_STOPPING,	/* refusing connections, tearing down */
};

/* Counters, reported on the status socket.  One per outcome. */
struct rraim_stats {
	uint64_t allocs;		/* ALLOC granted a chunk */
	uint64_t alloc_enospc;		/* ALLOC found the pool empty */
	uint64_t alloc_quota;		/* ALLOC over the client's quota */
	uint64_t alloc_failed;		/* ALLOC could not register memory */
	uint64_t frees;			/* FREE returned a chunk */
	uint64_t unknown_chunk;		/* FREE or QUERY of a chunk not held */
	uint64_t queries;		/* QUERY answered */
	uint64_t pings;			/* PING answered */
	uint64_t byes;			/* BYE answered */
	uint64_t bad_messages;		/* answered EINVAL or ENOTSUP */
	uint64_t refused_connects;	/* sum of @refused */
	uint64_t refused[RRAIM_REFUSE_AUTH + 1];	/* per reason */
	uint64_t accepted_connects;	/* connections accepted */
	uint64_t sessions_created;	/* new sessions */
	uint64_t sessions_resumed;	/* control reconnects to a held session
					 * (welcome RESUMED): from grace, or
					 * replacing its connections */
	uint64_t sessions_replaced;	/* replacements of a control
					 * connection still held */
	uint64_t sessions_expired;	/* grace ran out */
	uint64_t chunks_lost;		/* failed to deregister: never reused */
	uint64_t auth_ok;		/* AUTH with a right proof */
	uint64_t auth_failed;		/* AUTH with a wrong proof */
	uint64_t unauthed_requests;	/* requests before AUTH: EPERM */
};

/* Fixed entries at the start of the poll set. */
enum rraim_pollfd {
	RRAIM_PFD_CM,		/* CM event channel */
	RRAIM_PFD_SIGNAL,	/* signalfd */
	RRAIM_PFD_TIMER,	/* grace expiry timerfd */
	RRAIM_PFD_STATUS,	/* status socket (-1 when none) */
	RRAIM_PFD_FIXED		/* then one per control connection */
};

/**
 * struct rraim_server - the process
 * @opts: options it runs with
 * @state: enum rraim_server_state
 * @exit_code: process exit status once stopped
 * @incarnation: random, sent in every welcome
 * @start_ms: monotonic time of the start, for the uptime
 * @pool: the pinned memory
 * @grants: one per pool chunk, indexed by chunk number
 * @chunks_granted: chunks held by sessions
 * @cm_channel: event channel of the listener and of every connection
 * @listen_id: the listening cm_id, NULL after its device went away
 * @signal_fd: signalfd for SIGTERM, SIGINT and SIGHUP
 * @timer_fd: fires at the earliest grace deadline or retired-id check
 * @timer_armed_ms: deadline @timer_fd is set to, 0 when disarmed
 * @status_fd: listening status socket, -1 when none
 * @sessions: all sessions, live and in grace
 * @nr_sessions: entries in @sessions
 * @nr_conns: connections of all sessions
 * @teardown_gen: bumped whenever a connection is destroyed; the event loop
 *	stops using its poll set (which points at connections) when it moves
 * @pfds: poll set, rebuilt every round
 * @pconns: control connection of each @pfds entry from RRAIM_PFD_FIXED on
 * @pfds_size: entries allocated in @pfds and @pconns
 * @stats: counters
 * @refuse_rl: rate limit of refusal log lines
 * @quota_rl: rate limit of the log lines of ALLOCs over a quota
 * @auth: clients must authenticate (--secret)
 * @secret: the shared secret, when @auth
 * @retired: cm_ids of closed connections whose CM message (DREQ, REJ)
 *	waits for their port to be active again (cm.c)
 * @retired_check_ms: when to look at their ports again, 0 when none
 */
struct rraim_server {
	const struct rraim_options *opts;
	enum rraim_server_state state;
	int exit_code;
	uint64_t incarnation;
	uint64_t start_ms;

	struct rraim_pool pool;
	struct rraim_grant *grants;
	uint32_t chunks_granted;

	struct rdma_event_channel *cm_channel;
	struct rdma_cm_id *listen_id;

	int signal_fd;
	int timer_fd;
	uint64_t timer_armed_ms;
	int status_fd;

	LIST_HEAD(, rraim_session) sessions;
	unsigned int nr_sessions;
	unsigned int nr_conns;
	uint64_t teardown_gen;

	struct pollfd *pfds;
	struct rraim_conn **pconns;
	unsigned int pfds_size;

	struct rraim_stats stats;
	struct rraim_ratelimit refuse_rl;
	struct rraim_ratelimit quota_rl;
	bool auth;
	struct rraim_secret secret;
	struct rraim_retired_id *retired;
	uint64_t retired_check_ms;
};

/* server.c */
int rraim_server_run(const struct rraim_options *opts);
int rraim_server_start(struct rraim_server *srv,
		       const struct rraim_options *opts);
int rraim_server_round(struct rraim_server *srv, int timeout_ms);
void rraim_server_finish(struct rraim_server *srv);
void rraim_server_stop(struct rraim_server *srv, int exit_code,
		       const char *why);
const char *rraim_server_state_str(enum rraim_server_state state);

/* cm.c */
int rraim_cm_listen(struct rraim_server *srv);
int rraim_cm_process(struct rraim_server *srv);
void rraim_cm_destroy(struct rraim_server *srv);
bool rraim_cm_port_active(struct rdma_cm_id *id);
void rraim_cm_retire(struct rraim_server *srv, struct rdma_cm_id *id,
		     bool port_active);
void rraim_cm_retired_check(struct rraim_server *srv, uint64_t now_ms);

/* session.c */
uint16_t rraim_session_admit(struct rraim_server *srv,
			     const struct rraim_hello_info *hello,
			     struct ibv_context *verbs, struct in_addr client,
			     struct rraim_session **sessionp, bool *resumed,
			     const char **detail);
void rraim_session_attach_control(struct rraim_session *s,
				  struct rraim_conn *conn, bool resumed);
void rraim_session_lose_control(struct rraim_session *s);
void rraim_session_settle(struct rraim_session *s);
void rraim_session_destroy(struct rraim_session *s, const char *why);
void rraim_session_request(struct rraim_session *s, uint16_t status,
			   const struct rraim_msg_info *req,
			   struct rraim_msg_info *rep);
void rraim_sessions_expire(struct rraim_server *srv, uint64_t now_ms);
uint64_t rraim_sessions_next_deadline(const struct rraim_server *srv);
void rraim_sessions_remove_device(struct rraim_server *srv,
				  struct ibv_context *verbs);
const char *rraim_session_state_str(enum rraim_session_state state);

/* quota.c */
/* Quota of client @addr in chunks, 0 = unlimited. */
uint64_t rraim_quota_limit(const struct rraim_client_quota *q,
			   struct in_addr addr);
/* Chunks the sessions of @addr hold. */
uint64_t rraim_quota_used(const struct rraim_server *srv, struct in_addr addr);
/* Chunks the client of @s may still take; UINT64_MAX without a quota. */
uint64_t rraim_quota_left(const struct rraim_session *s);
/* Free bytes to report to @s: min(pool free, quota left). */
uint64_t rraim_quota_free_bytes(const struct rraim_session *s);
/* The quota identity of a peer: its IPv4 address, else 0.0.0.0. */
struct in_addr rraim_quota_identity(const struct sockaddr *peer);
/* Say at start what --client-quota asks for (nothing without one). */
void rraim_quota_log(const struct rraim_client_quota *q);

/* conn.c */
struct rraim_conn *rraim_conn_create(struct rraim_session *s,
				     struct rdma_cm_id *id,
				     const struct rraim_hello_info *hello,
				     const char *peer);
int rraim_conn_accept(struct rraim_conn *conn, uint8_t responder_resources,
		      uint8_t initiator_depth, uint16_t flags);
void rraim_conn_release(struct rraim_conn *conn);
void rraim_conn_destroy(struct rraim_conn *conn);
void rraim_conn_close(struct rraim_conn *conn, const char *why);
int rraim_conn_established(struct rraim_conn *conn);
int rraim_conn_process_cq(struct rraim_conn *conn);

/* status.c */
int rraim_status_listen(const char *path, char *err, size_t errlen);
void rraim_status_close(struct rraim_server *srv);
void rraim_status_serve(struct rraim_server *srv);
void rraim_status_report(const struct rraim_server *srv, FILE *f);
int rraim_status_query(const char *path, FILE *out);

/* Log lines about a session or a connection. */
#define rraim_sess_log(s, level, fmt, ...)				\
	rraim_log(level, "session 0x%016" PRIx64 ": " fmt, (s)->id,	\
		  ##__VA_ARGS__)
#define rraim_conn_log(c, level, fmt, ...)				\
	rraim_log(level, "session 0x%016" PRIx64 ": %s connection %u from %s: " fmt, \
		  (c)->session->id, rraim_role_str((c)->role),		\
		  (c)->qp_index, (c)->peer, ##__VA_ARGS__)

#endif /* RRAIM_SERVER_SERVER_H */
