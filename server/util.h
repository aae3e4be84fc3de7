/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM memory server: logging, rate limits, clocks, address formatting
 * and the systemd notification protocol.
 */
#ifndef RRAIM_SERVER_UTIL_H
#define RRAIM_SERVER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <sys/socket.h>

#define RRAIM_PROG		"rraim-server"
#define RRAIM_SERVER_VERSION	"0.1.0"

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

/*
 * Messages go to stderr, one line each.  With @journal the line starts
 * with the syslog level as "<N>" (sd-daemon(3) prefixes), which the
 * journal turns into the message priority; otherwise with the program
 * name and a word for the level.  LOG_DEBUG lines appear only when
 * @verbose.
 */
void rraim_log_setup(bool journal, bool verbose);
void rraim_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define rraim_err(...)		rraim_log(LOG_ERR, __VA_ARGS__)
#define rraim_warn(...)		rraim_log(LOG_WARNING, __VA_ARGS__)
#define rraim_notice(...)	rraim_log(LOG_NOTICE, __VA_ARGS__)
#define rraim_info(...)		rraim_log(LOG_INFO, __VA_ARGS__)
#define rraim_dbg(...)		rraim_log(LOG_DEBUG, __VA_ARGS__)

/**
 * struct rraim_ratelimit - at most @burst messages per @interval_ms
 * @interval_ms: length of one window
 * @burst: messages allowed per window
 * @begin_ms: start of the current window, 0 before the first message
 * @printed: messages allowed in the current window
 * @missed: messages suppressed in the current window
 */
struct rraim_ratelimit {
	uint64_t interval_ms;
	unsigned int burst;
	uint64_t begin_ms;
	unsigned int printed;
	unsigned int missed;
};

#define RRAIM_RATELIMIT_INIT(ms, n)	{ .interval_ms = (ms), .burst = (n) }

/*
 * Whether a message may be logged at @now_ms.  When a new window opens,
 * *@missed is set to the number of messages the previous one suppressed
 * (0 otherwise), so the caller can say so.
 */
bool rraim_ratelimit_at(struct rraim_ratelimit *rl, uint64_t now_ms,
			unsigned int *missed);

/* rraim_ratelimit_at() now, logging the suppressed count itself. */
bool rraim_ratelimit(struct rraim_ratelimit *rl);

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t rraim_now_ms(void);

/* Set O_NONBLOCK on @fd; 0 or -1 with errno set. */
int rraim_set_nonblock(int fd);

/* "a.b.c.d:port" or "[v6]:port" for logs; "?" for anything else. */
const char *rraim_format_addr(const struct sockaddr *sa, char *buf,
			      size_t len);

/*
 * Send @state to the service manager (sd_notify(3) protocol: one datagram
 * on the AF_UNIX socket named by $NOTIFY_SOCKET, "@" meaning the abstract
 * namespace).  Returns 1 when sent, 0 when $NOTIFY_SOCKET is unset, or a
 * negative errno.
 */
int rraim_sd_notify(const char *state);

/* Fill @buf with @len random bytes (getrandom): 0, or -1 with errno. */
int rraim_random(void *buf, size_t len);

#endif /* RRAIM_SERVER_UTIL_H */
