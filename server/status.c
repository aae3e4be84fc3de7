// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: the status socket.
 *
 * With --status-socket PATH the server listens on a unix stream socket
 * (mode 0660: the report names sessions).  Each client that connects gets
 * one text report, then the server closes the connection; it reads
 * nothing.  `rraim-server --status PATH` prints it.
 *
 * Report format: one "key value" pair per line, keys in this order, values
 * decimal unless noted.  New keys may be added; scripts should look keys
 * up rather than count lines.
 *
 *   version V                  server version string
 *   protocol N                 RRAIM_PROTO_VERSION
 *   listen ADDR:PORT           address the server listens on
 *   state S                    starting, running or stopping
 *   incarnation 0xHEX          64-bit identity of this process
 *   uptime_s N                 seconds since start
 *   hugepages yes|no           pool mapped with huge pages
 *   chunk_size BYTES
 *   capacity BYTES             pool size
 *   free BYTES                 pool bytes not granted
 *   chunks_total N
 *   chunks_granted N           held by sessions
 *   chunks_free N
 *   chunks_lost N              retired after a failed deregistration
 *   grace_s N                  --grace
 *   auth yes|no                --secret: clients must authenticate
 *   sessions N                 live and in grace
 *   sessions_max N             --max-sessions
 *   connections N              all sessions' connections
 *   allocs N                   ALLOC requests granted
 *   alloc_enospc N             ALLOC requests refused: pool empty
 *   alloc_quota N              ALLOC requests refused: client at its quota
 *   alloc_failed N             ALLOC requests failed: registration
 *   frees N                    FREE requests done
 *   unknown_chunk N            FREE or QUERY of a chunk not held
 *   queries N
 *   pings N
 *   byes N
 *   bad_messages N             requests answered EINVAL or ENOTSUP
 *   accepted_connects N
 *   refused_connects N         the sum of the seven next
 *   refused_malformed N
 *   refused_version N
 *   refused_no_session N
 *   refused_bad_token N
 *   refused_busy N
 *   refused_shutdown N
 *   refused_auth N             no proof offered, or a data connection
 *                              of a session not authenticated
 *   auth_ok N                  right proofs (AUTH)
 *   auth_failed N              wrong proofs, or a second on one connection
 *   unauthed_requests N        requests before the proof: EPERM
 *   sessions_created N
 *   sessions_resumed N         control reconnects to a held session
 *                              (welcome RESUMED), in grace or not
 *   sessions_replaced N        of which found the session's connections
 *                              still up and replaced them
 *   sessions_expired N
 *
 * then one line per session:
 *
 *   session 0xHEX state live|grace chunks N conns N grace_left_s N client ADDR authed yes|no|-
 *
 * grace_left_s is 0 for a live session.  ADDR is the IPv4 address the
 * session counts against for --client-quota (quota.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault.h"
#include "server.h"

/* Clients accepted per wake-up. */
#define RRAIM_STATUS_BUDGET	16

/* How long `--status` waits for a report. */
#define RRAIM_STATUS_TIMEOUT_S	10

static int rraim_unix_addr(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	if (!len || len >= sizeof(sun->sun_path))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	return 0;
}

/*
 * A socket file left by a server that died is removed; a live server's,
 * or anything that is not a socket, is not touched.
 */
static int rraim_status_clear_stale(const char *path,
				    const struct sockaddr_un *sun, char *err,
				    size_t errlen)
{
	struct stat st;
	int fd, ret, saved_errno;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot check %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	saved_errno = errno;
	close(fd);
	if (!ret) {
		snprintf(err, errlen, "another server serves %s", path);
		return -1;
	}
	/* ECONNREFUSED: nobody listens, the file is stale. */
	if (saved_errno != ECONNREFUSED && saved_errno != ENOENT) {
		snprintf(err, errlen, "cannot probe %s: %s", path,
			 strerror(saved_errno));
		return -1;
	}
	if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale %s: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Listening, non-blocking socket at @path, or -1 with @err set. */
int rraim_status_listen(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old_umask;
	int fd, ret;

	if (rraim_unix_addr(path, &sun)) {
		snprintf(err, errlen, "bad status socket path '%s'", path);
		return -1;
	}
	if (rraim_status_clear_stale(path, &sun, err, errlen))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old_umask = umask(0117);	/* 0660 */
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (ret || listen(fd, 16)) {
		snprintf(err, errlen, "cannot listen on %s: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void rraim_status_close(struct rraim_server *srv)
{
	if (srv->status_fd < 0)
		return;
	close(srv->status_fd);
	srv->status_fd = -1;
	if (unlink(srv->opts->status_socket) && errno != ENOENT)
		rraim_warn("cannot remove %s: %s", srv->opts->status_socket,
			   strerror(errno));
}

/* ------------------------------------------------------------------ */
/* The report                                                          */
/* ------------------------------------------------------------------ */

static void rraim_status_counters(const struct rraim_stats *st, FILE *f)
{
	const struct {
		const char *name;
		uint64_t value;
	} counters[] = {
		{ "allocs", st->allocs },
		{ "alloc_enospc", st->alloc_enospc },
		{ "alloc_quota", st->alloc_quota },
		{ "alloc_failed", st->alloc_failed },
		{ "frees", st->frees },
		{ "unknown_chunk", st->unknown_chunk },
		{ "queries", st->queries },
		{ "pings", st->pings },
		{ "byes", st->byes },
		{ "bad_messages", st->bad_messages },
		{ "accepted_connects", st->accepted_connects },
		{ "refused_connects", st->refused_connects },
		{ "refused_malformed", st->refused[RRAIM_REFUSE_MALFORMED] },
		{ "refused_version", st->refused[RRAIM_REFUSE_VERSION] },
		{ "refused_no_session", st->refused[RRAIM_REFUSE_NO_SESSION] },
		{ "refused_bad_token", st->refused[RRAIM_REFUSE_BAD_TOKEN] },
		{ "refused_busy", st->refused[RRAIM_REFUSE_BUSY] },
		{ "refused_shutdown", st->refused[RRAIM_REFUSE_SHUTDOWN] },
		{ "refused_auth", st->refused[RRAIM_REFUSE_AUTH] },
		{ "auth_ok", st->auth_ok },
		{ "auth_failed", st->auth_failed },
		{ "unauthed_requests", st->unauthed_requests },
		{ "sessions_created", st->sessions_created },
		{ "sessions_resumed", st->sessions_resumed },
		{ "sessions_replaced", st->sessions_replaced },
		{ "sessions_expired", st->sessions_expired },
	};
	size_t i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		fprintf(f, "%s %" PRIu64 "\n", counters[i].name,
			counters[i].value);
}

static void rraim_status_sessions(const struct rraim_server *srv, FILE *f)
{
	const struct rraim_session *s;
	uint64_t now = rraim_now_ms(), left;
	char client[INET_ADDRSTRLEN];

	LIST_FOREACH(s, &srv->sessions, link) {
		left = 0;
		if (s->state == RRAIM_SESSION_GRACE && s->grace_deadline_ms > now)
			left = (s->grace_deadline_ms - now + 999) / 1000;
		inet_ntop(AF_INET, &s->client, client, sizeof(client));
		fprintf(f, "session 0x%016" PRIx64 " state %s chunks %u conns %u grace_left_s %" PRIu64 " client %s authed %s\n",
			s->id, rraim_session_state_str(s->state), s->nr_chunks,
			s->nr_conns, left, client,
			!srv->auth ? "-" : s->authed ? "yes" : "no");
	}
}

void rraim_status_report(const struct rraim_server *srv, FILE *f)
{
	const struct rraim_pool *pool = &srv->pool;
	char addr[64];

	fprintf(f, "version %s\n", RRAIM_SERVER_VERSION);
	fprintf(f, "protocol %u\n", RRAIM_PROTO_VERSION);
	fprintf(f, "listen %s\n",
		rraim_listen_str(&srv->opts->listen, addr, sizeof(addr)));
	fprintf(f, "state %s\n", rraim_server_state_str(srv->state));
	fprintf(f, "incarnation 0x%016" PRIx64 "\n", srv->incarnation);
	fprintf(f, "uptime_s %" PRIu64 "\n",
		(rraim_now_ms() - srv->start_ms) / 1000);
	fprintf(f, "hugepages %s\n", pool->hugepages ? "yes" : "no");
	fprintf(f, "chunk_size %u\n", RRAIM_CHUNK_SIZE);
	fprintf(f, "capacity %" PRIu64 "\n", pool->size);
	fprintf(f, "free %" PRIu64 "\n",
		(uint64_t)pool->nr_free << RRAIM_CHUNK_SHIFT);
	fprintf(f, "chunks_total %u\n", pool->nr_chunks);
	fprintf(f, "chunks_granted %u\n", srv->chunks_granted);
	fprintf(f, "chunks_free %u\n", pool->nr_free);
	fprintf(f, "chunks_lost %" PRIu64 "\n", srv->stats.chunks_lost);
	fprintf(f, "grace_s %u\n", srv->opts->grace_s);
	fprintf(f, "auth %s\n", srv->auth ? "yes" : "no");
	fprintf(f, "sessions %u\n", srv->nr_sessions);
	fprintf(f, "sessions_max %u\n", srv->opts->max_sessions);
	fprintf(f, "connections %u\n", srv->nr_conns);
	rraim_status_counters(&srv->stats, f);
	rraim_fault_report(f);
	rraim_status_sessions(srv, f);
}

/*
 * One non-blocking send: the socket buffer is first grown to the report's
 * size, so a client that is slow to read cannot stall the event loop.
 * The report is a few kilobytes; should it ever not fit, it is cut short.
 */
static void rraim_status_send(const struct rraim_server *srv, int fd)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t sent;
	FILE *f;
	int sndbuf;

	f = open_memstream(&buf, &len);
	if (!f)
		return;
	rraim_status_report(srv, f);
	if (fclose(f) || !buf) {
		free(buf);
		return;
	}
	sndbuf = len < INT_MAX / 2 ? (int)len + 4096 : INT_MAX / 2;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	sent = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0 || (size_t)sent != len)
		rraim_dbg("status report cut short (%zd of %zu bytes)", sent,
			  len);
	free(buf);
}

void rraim_status_serve(struct rraim_server *srv)
{
	int i, fd;

	for (i = 0; i < RRAIM_STATUS_BUDGET; i++) {
		fd = accept4(srv->status_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				rraim_dbg("status socket: accept: %s",
					  strerror(errno));
			return;
		}
		rraim_status_send(srv, fd);
		close(fd);
	}
}

/* ------------------------------------------------------------------ */
/* Client mode                                                         */
/* ------------------------------------------------------------------ */

static int rraim_status_copy(int fd, FILE *out, size_t *total)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return -1;
		*total += (size_t)n;
	}
}

/* `--status PATH`: 0 when a report was printed, 1 otherwise. */
int rraim_status_query(const char *path, FILE *out)
{
	struct timeval tv = { .tv_sec = RRAIM_STATUS_TIMEOUT_S };
	struct sockaddr_un sun;
	size_t total = 0;
	int fd, ret;

	if (rraim_unix_addr(path, &sun)) {
		fprintf(stderr, "%s: bad status socket path '%s'\n", RRAIM_PROG,
			path);
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n", RRAIM_PROG,
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = rraim_status_copy(fd, out, &total);
	close(fd);
	if (ret || fflush(out)) {
		fprintf(stderr, "%s: reading %s: %s\n", RRAIM_PROG, path,
			strerror(errno));
		return 1;
	}
	if (!total) {
		fprintf(stderr, "%s: %s sent no report\n", RRAIM_PROG, path);
		return 1;
	}
	return 0;
}
