// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: logging, rate limits, clocks, address formatting
 * and the systemd notification protocol.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

static bool rraim_log_journal;	/* "<N>" prefixes for the journal */
static bool rraim_log_verbose;	/* show LOG_DEBUG messages */

void rraim_log_setup(bool journal, bool verbose)
{
	rraim_log_journal = journal;
	rraim_log_verbose = verbose;
}

static const char *rraim_level_word(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	case LOG_NOTICE:
		return "notice: ";
	case LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

void rraim_log(int level, const char *fmt, ...)
{
	int saved_errno = errno;	/* callers log, then look at errno */
	char msg[1024];
	va_list ap;

	if (level >= LOG_DEBUG && !rraim_log_verbose)
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	/* One fprintf per line: stderr is unbuffered, lines stay whole. */
	if (rraim_log_journal)
		fprintf(stderr, "<%d>%s\n", level, msg);
	else
		fprintf(stderr, "%s: %s%s\n", RRAIM_PROG,
			rraim_level_word(level), msg);
	errno = saved_errno;
}

bool rraim_ratelimit_at(struct rraim_ratelimit *rl, uint64_t now_ms,
			unsigned int *missed)
{
	*missed = 0;
	if (!rl->begin_ms || now_ms - rl->begin_ms >= rl->interval_ms) {
		*missed = rl->missed;
		rl->begin_ms = now_ms;
		rl->printed = 0;
		rl->missed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->missed++;
	return false;
}

bool rraim_ratelimit(struct rraim_ratelimit *rl)
{
	unsigned int missed;
	bool ok = rraim_ratelimit_at(rl, rraim_now_ms(), &missed);

	if (missed)
		rraim_warn("%u similar messages suppressed", missed);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

uint64_t rraim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int rraim_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

const char *rraim_format_addr(const struct sockaddr *sa, char *buf,
			      size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(sin->sin_port));
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

/* ------------------------------------------------------------------ */
/* systemd notification                                                */
/* ------------------------------------------------------------------ */

/* Fill @sun from $NOTIFY_SOCKET; returns the address length or -errno. */
static int rraim_notify_addr(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	if (path[0] != '/' && path[0] != '@')
		return -EAFNOSUPPORT;	/* e.g. "vsock:...": not for us */
	if (len < 2 || len >= sizeof(sun->sun_path))
		return -EINVAL;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	if (path[0] == '@') {
		/* Abstract socket: leading NUL, length without terminator. */
		sun->sun_path[0] = '\0';
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

int rraim_sd_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	ssize_t sent;
	int addrlen, fd, err = 0;

	if (!path || !*path)
		return 0;
	addrlen = rraim_notify_addr(path, &sun);
	if (addrlen < 0)
		return addrlen;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		      (struct sockaddr *)&sun, (socklen_t)addrlen);
	if (sent < 0)
		err = -errno;
	else if ((size_t)sent != strlen(state))
		err = -EMSGSIZE;
	close(fd);
	return err ? err : 1;
}

int rraim_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
