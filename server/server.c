// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: start, event loop, stop.
 *
 * One thread runs one poll() over:
 *   - the RDMA CM event channel (connect requests, connection events),
 *   - a signalfd (SIGTERM, SIGINT: stop; SIGHUP: ignored),
 *   - a timerfd set to the earliest grace deadline (or check of the
 *     cm_ids that wait for their port, cm.c),
 *   - the status socket, when there is one,
 *   - the completion channel of every control connection.
 * Data connections need no fd: they only carry one-sided traffic, which
 * the HCA serves without us.
 *
 * Start: random incarnation, signals, pool (checked against what the
 * machine can give, mapped, locked step by step), the rest of the memory
 * locked, timer, listener, status socket; then READY=1.  Stop: STOPPING=1,
 * refuse what is queued, free every session (which disconnects its
 * connections), then the listener, channel and pool.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "server.h"

const char *rraim_server_state_str(enum rraim_server_state state)
{
	switch (state) {
	case RRAIM_SERVER_STARTING:	return "starting";
	case RRAIM_SERVER_RUNNING:	return "running";
	case RRAIM_SERVER_STOPPING:	return "stopping";
	default:			return "unknown";
	}
}

/* Begin stopping (once): the event loop ends after this round. */
void rraim_server_stop(struct rraim_server *srv, int exit_code,
		       const char *why)
{
	if (exit_code > srv->exit_code)
		srv->exit_code = exit_code;
	if (srv->state == RRAIM_SERVER_STOPPING)
		return;
	if (exit_code)
		rraim_err("stopping: %s", why);
	else
		rraim_info("stopping: %s", why);
	srv->state = RRAIM_SERVER_STOPPING;
	if (srv->opts->systemd)
		rraim_sd_notify("STOPPING=1\nSTATUS=stopping");
}

/* ------------------------------------------------------------------ */
/* Start                                                               */
/* ------------------------------------------------------------------ */

static int rraim_server_random(struct rraim_server *srv)
{
	do {
		if (rraim_random(&srv->incarnation, sizeof(srv->incarnation))) {
			rraim_err("getrandom: %s", strerror(errno));
			return -1;
		}
	} while (!srv->incarnation);
	return 0;
}

/* The cluster's secret, when the server authenticates its clients. */
static int rraim_server_secret(struct rraim_server *srv)
{
	char err[512];

	if (!srv->opts->secret)
		return 0;
	if (rraim_secret_load(srv->opts->secret, &srv->secret, err,
			      sizeof(err))) {
		rraim_err("--secret: %s", err);
		return -1;
	}
	srv->auth = true;
	return 0;
}

static int rraim_server_signals(struct rraim_server *srv)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		rraim_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	srv->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->signal_fd < 0) {
		rraim_err("signalfd: %s", strerror(errno));
		return -1;
	}
	/* Status clients may hang up early; send() says so with EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/*
 * Map the pool, huge pages if --hugepages wants them and there are enough
 * ("auto" falls back to normal pages when the mapping fails anyway), once
 * what the machine and the process allow says it fits.  See pool.h.
 */
static int rraim_server_map(struct rraim_server *srv,
			    const struct rraim_mem_limits *lim)
{
	enum rraim_hugepages mode = srv->opts->hugepages;
	uint64_t capacity = srv->opts->capacity;
	bool huge = rraim_pool_want_huge(capacity, mode, &lim->mi);
	char err[512];
	int ret;

	if (rraim_pool_fit(capacity, huge, lim, err, sizeof(err))) {
		rraim_err("%s", err);
		return -1;
	}
	ret = rraim_pool_map(&srv->pool, huge, err, sizeof(err));
	if (ret && huge && mode == RRAIM_HUGEPAGES_AUTO) {
		rraim_info("huge pages unavailable (%s), using normal pages",
			   strerror(-ret));
		if (rraim_pool_fit(capacity, false, lim, err, sizeof(err))) {
			rraim_err("%s", err);
			return -1;
		}
		ret = rraim_pool_map(&srv->pool, false, err, sizeof(err));
	}
	if (ret) {
		rraim_err("%s", err);
		return -1;
	}
	return 0;
}

/*
 * The pool is pinned before the server listens: memory that can be
 * swapped out is worthless as a swap tier, and a pool that does not fit
 * must fail here, with a reason, not wake the OOM killer later.
 */
static int rraim_server_pool(struct rraim_server *srv)
{
	struct rraim_mem_limits lim;
	char err[512];
	int ret;

	ret = rraim_mem_limits_read(&lim, RRAIM_MEMINFO);
	if (ret) {
		rraim_err("cannot tell how much memory this machine has (%s): %s",
			  RRAIM_MEMINFO, strerror(-ret));
		return -1;
	}
	ret = rraim_pool_init(&srv->pool, srv->opts->capacity);
	if (ret) {
		rraim_err("cannot set up the pool: %s", strerror(-ret));
		return -1;
	}
	if (rraim_server_map(srv, &lim))
		return -1;
	if (rraim_pool_lock(&srv->pool, RRAIM_POOL_LOCK_STEP,
			    rraim_pool_reserve(&lim.mi), RRAIM_MEMINFO,
			    err, sizeof(err))) {
		rraim_err("%s", err);
		return -1;
	}
	srv->grants = calloc(srv->pool.nr_chunks, sizeof(*srv->grants));
	if (!srv->grants) {
		rraim_err("out of memory for %u chunk descriptors",
			  srv->pool.nr_chunks);
		return -1;
	}
	return 0;
}

/*
 * The pool is locked already; lock the rest of the process too, and
 * whatever it maps later (verbs queues and buffers).
 */
static int rraim_server_lock(void)
{
	if (!mlockall(MCL_CURRENT | MCL_FUTURE))
		return 0;
	rraim_err("cannot lock the server's memory: %s; raise the locked-memory limit (LimitMEMLOCK=infinity in the systemd unit, 'ulimit -l unlimited' in a shell) or run with CAP_IPC_LOCK",
		  strerror(errno));
	return -1;
}

static int rraim_server_timer(struct rraim_server *srv)
{
	srv->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				       TFD_NONBLOCK | TFD_CLOEXEC);
	if (srv->timer_fd < 0) {
		rraim_err("timerfd_create: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int rraim_server_status(struct rraim_server *srv)
{
	char err[512];

	if (!srv->opts->status_socket)
		return 0;
	srv->status_fd = rraim_status_listen(srv->opts->status_socket, err,
					     sizeof(err));
	if (srv->status_fd < 0) {
		rraim_err("status socket: %s", err);
		return -1;
	}
	return 0;
}

/* The status socket comes last: once it answers, the server is up. */
static int rraim_server_setup(struct rraim_server *srv)
{
	if (rraim_server_random(srv) || rraim_server_secret(srv) ||
	    rraim_server_signals(srv) ||
	    rraim_server_pool(srv) || rraim_server_lock() ||
	    rraim_server_timer(srv) || rraim_cm_listen(srv) ||
	    rraim_server_status(srv))
		return -1;
	return 0;
}

static void rraim_server_ready(struct rraim_server *srv)
{
	char addr[64], msg[256];
	int ret;

	srv->state = RRAIM_SERVER_RUNNING;
	rraim_listen_str(&srv->opts->listen, addr, sizeof(addr));
	rraim_info("listening on %s: %" PRIu64 " MiB in %u chunks (%s pages), grace %u s, incarnation 0x%016" PRIx64,
		   addr, srv->pool.size >> 20, srv->pool.nr_chunks,
		   srv->pool.hugepages ? "huge" : "normal",
		   srv->opts->grace_s, srv->incarnation);
	rraim_quota_log(&srv->opts->client_quota);
	if (srv->auth)
		rraim_info("clients must prove that they hold the secret of %s",
			   srv->opts->secret);
	else
		rraim_notice("no --secret: every client is admitted without authentication");
	if (!srv->opts->systemd)
		return;
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=listening on %s, %" PRIu64 " MiB",
		 addr, srv->pool.size >> 20);
	ret = rraim_sd_notify(msg);
	if (ret < 0)
		rraim_warn("cannot notify systemd: %s", strerror(-ret));
	else if (!ret)
		rraim_warn("--systemd given, but NOTIFY_SOCKET is not set");
}

/* ------------------------------------------------------------------ */
/* Event loop                                                          */
/* ------------------------------------------------------------------ */

static int rraim_server_grow_pollset(struct rraim_server *srv,
				     unsigned int want)
{
	struct rraim_conn **pconns;
	struct pollfd *pfds;

	if (want <= srv->pfds_size)
		return 0;
	want *= 2;
	pfds = reallocarray(srv->pfds, want, sizeof(*pfds));
	if (!pfds)
		return -1;
	srv->pfds = pfds;
	pconns = reallocarray(srv->pconns, want, sizeof(*pconns));
	if (!pconns)
		return -1;
	srv->pconns = pconns;
	srv->pfds_size = want;
	return 0;
}

static void rraim_server_pollfd(struct rraim_server *srv, unsigned int i,
				int fd, struct rraim_conn *conn)
{
	srv->pfds[i].fd = fd;
	srv->pfds[i].events = POLLIN;
	srv->pfds[i].revents = 0;
	srv->pconns[i] = conn;
}

/* Fill the poll set; returns its size, 0 when out of memory. */
static unsigned int rraim_server_pollset(struct rraim_server *srv)
{
	struct rraim_session *s;
	struct rraim_conn *conn;
	unsigned int n = RRAIM_PFD_FIXED;

	if (rraim_server_grow_pollset(srv, RRAIM_PFD_FIXED + srv->nr_conns))
		return 0;
	rraim_server_pollfd(srv, RRAIM_PFD_CM, srv->cm_channel->fd, NULL);
	rraim_server_pollfd(srv, RRAIM_PFD_SIGNAL, srv->signal_fd, NULL);
	rraim_server_pollfd(srv, RRAIM_PFD_TIMER, srv->timer_fd, NULL);
	rraim_server_pollfd(srv, RRAIM_PFD_STATUS, srv->status_fd, NULL);
	LIST_FOREACH(s, &srv->sessions, link)
		LIST_FOREACH(conn, &s->conns, link)
			if (conn->channel)
				rraim_server_pollfd(srv, n++, conn->channel->fd,
						    conn);
	return n;
}

static void rraim_server_signal(struct rraim_server *srv)
{
	struct signalfd_siginfo si;

	while (read(srv->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			rraim_info("SIGHUP ignored: restart the server to apply a new configuration");
			continue;
		}
		rraim_server_stop(srv, RRAIM_EXIT_OK, strsignal((int)si.ssi_signo));
	}
}

static void rraim_server_timer_fired(struct rraim_server *srv)
{
	uint64_t ticks;

	if (read(srv->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		rraim_dbg("timerfd: %s", strerror(errno));
	srv->timer_armed_ms = 0;	/* one-shot: it is disarmed now */
	rraim_sessions_expire(srv, rraim_now_ms());
	rraim_cm_retired_check(srv, rraim_now_ms());
}

/*
 * Point the timer at the earliest grace deadline or check of the retired
 * cm_ids, or disarm it.
 */
static void rraim_server_arm_timer(struct rraim_server *srv)
{
	uint64_t next = rraim_sessions_next_deadline(srv);
	struct itimerspec its;

	if (srv->retired_check_ms && (!next || srv->retired_check_ms < next))
		next = srv->retired_check_ms;

	if (next == srv->timer_armed_ms)
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(next / 1000);
	its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
	if (timerfd_settime(srv->timer_fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		rraim_err("timerfd_settime: %s", strerror(errno));
		return;
	}
	srv->timer_armed_ms = next;
}

static void rraim_server_conn_ready(struct rraim_conn *conn)
{
	if (rraim_conn_process_cq(conn))
		rraim_conn_close(conn, "control connection failed");
}

/*
 * One round: wait up to @timeout_ms (-1: forever), then serve every ready
 * fd.  Handlers may destroy connections, whose fds the rest of this
 * round's poll set still names: once teardown_gen moves, the round ends
 * and the next poll() reports what is still pending.  Returns -1 on a
 * fatal error.
 */
int rraim_server_round(struct rraim_server *srv, int timeout_ms)
{
	unsigned int n, i;
	uint64_t gen;

	n = rraim_server_pollset(srv);
	if (!n) {
		rraim_err("out of memory for the poll set");
		return -1;
	}
	if (poll(srv->pfds, n, timeout_ms) < 0) {
		if (errno == EINTR)
			return 0;
		rraim_err("poll: %s", strerror(errno));
		return -1;
	}

	gen = srv->teardown_gen;
	if (srv->pfds[RRAIM_PFD_SIGNAL].revents)
		rraim_server_signal(srv);
	if (srv->pfds[RRAIM_PFD_CM].revents && rraim_cm_process(srv))
		return -1;
	if (srv->pfds[RRAIM_PFD_TIMER].revents)
		rraim_server_timer_fired(srv);
	if (srv->pfds[RRAIM_PFD_STATUS].revents)
		rraim_status_serve(srv);
	for (i = RRAIM_PFD_FIXED; i < n && gen == srv->teardown_gen; i++)
		if (srv->pfds[i].revents)
			rraim_server_conn_ready(srv->pconns[i]);
	rraim_server_arm_timer(srv);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Stop                                                                */
/* ------------------------------------------------------------------ */

/* Free everything; call it after rraim_server_start(), failed or not. */
void rraim_server_finish(struct rraim_server *srv)
{
	struct rraim_session *s;

	/* Connect requests already queued are refused, not left hanging. */
	if (srv->state == RRAIM_SERVER_STOPPING && srv->cm_channel)
		rraim_cm_process(srv);
	while ((s = LIST_FIRST(&srv->sessions)))
		rraim_session_destroy(s, "server stopping");
	rraim_cm_destroy(srv);
	rraim_status_close(srv);
	if (srv->timer_fd >= 0)
		close(srv->timer_fd);
	if (srv->signal_fd >= 0)
		close(srv->signal_fd);
	free(srv->grants);
	rraim_pool_destroy(&srv->pool);
	free(srv->pfds);
	free(srv->pconns);
	rraim_secret_wipe(&srv->secret);
	if (!srv->exit_code)
		rraim_info("stopped");
}

static void rraim_server_init(struct rraim_server *srv,
			      const struct rraim_options *opts)
{
	memset(srv, 0, sizeof(*srv));
	srv->opts = opts;
	srv->state = RRAIM_SERVER_STARTING;
	srv->start_ms = rraim_now_ms();
	srv->signal_fd = -1;
	srv->timer_fd = -1;
	srv->status_fd = -1;
	LIST_INIT(&srv->sessions);
	srv->refuse_rl = (struct rraim_ratelimit)RRAIM_RATELIMIT_INIT(5000, 20);
	srv->quota_rl = (struct rraim_ratelimit)RRAIM_RATELIMIT_INIT(5000, 10);
}

/* Set up and start listening: 0, or -1 (call rraim_server_finish()). */
int rraim_server_start(struct rraim_server *srv,
		       const struct rraim_options *opts)
{
	rraim_server_init(srv, opts);
	if (rraim_server_setup(srv)) {
		srv->exit_code = RRAIM_EXIT_FAILURE;
		return -1;
	}
	rraim_server_ready(srv);
	return 0;
}

/* Run until told to stop; returns the process exit status. */
int rraim_server_run(const struct rraim_options *opts)
{
	struct rraim_server srv;

	if (!rraim_server_start(&srv, opts))
		while (srv.state == RRAIM_SERVER_RUNNING)
			if (rraim_server_round(&srv, -1))
				rraim_server_stop(&srv, RRAIM_EXIT_FAILURE,
						  "event loop failure");
	rraim_server_finish(&srv);
	return srv.exit_code;
}
