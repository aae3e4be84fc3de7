// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl: what the commands share, but for the module's files (sysfs.c):
 * messages and the progress line, time, formats, the parsers of numbers,
 * booleans, durations and server addresses, and running a program.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../rraim_proto.h"	/* RRAIM_DEFAULT_PORT */
#include "rraimctl.h"

/* ------------------------------------------------------------ messages */

/*
 * The terminal state of the messages: a signal handler ends the progress
 * line, so it cannot live in the context.
 */
static bool g_tty;			/* stdout is a terminal */
static volatile sig_atomic_t g_progress_len;	/* progress line shown */

/* End a progress line on the terminal before anything else is printed. */
void progress_end(void)
{
	if (g_progress_len) {
		fputc('\n', stdout);
		g_progress_len = 0;
	}
	fflush(stdout);
}

/* An error message, its end of line left to the caller. */
static void __attribute__((format(printf, 1, 0)))
vmsg(const char *fmt, va_list ap)
{
	progress_end();
	fputs("rraimctl: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void __attribute__((format(printf, 1, 2))) msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int __attribute__((format(printf, 1, 2))) usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fputs("\nTry 'rraimctl --help' for more information.\n", stderr);
	return RC_USAGE;
}

/* Informational output (stdout: the journal under systemd). */
void __attribute__((format(printf, 1, 2))) info(const char *fmt, ...)
{
	va_list ap;

	progress_end();
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/*
 * A progress report: rewritten in place on a terminal, else one line each
 * time (the callers print them every few seconds only).
 */
void __attribute__((format(printf, 1, 2))) progress(const char *fmt, ...)
{
	char line[256];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	if (g_tty) {
		printf("\r%s", line);
		if ((int)n < g_progress_len)
			printf("%*s", g_progress_len - (int)n, "");
		g_progress_len = n ? (sig_atomic_t)n : 1;	/* n < 256 */
	} else {
		printf("%s\n", line);
	}
	fflush(stdout);
}

/* Is stdout a terminal, where progress is shown in place? */
bool progress_tty(void)
{
	return g_tty;
}

static void on_signal(int sig)
{
	if (g_progress_len)
		(void)!write(STDOUT_FILENO, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Progress in place if stdout is a terminal; a signal ends the line. */
void progress_init(void)
{
	g_tty = isatty(STDOUT_FILENO);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

/* --------------------------------------------------------------- time */

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool timed_out(double start, double timeout)
{
	return timeout > 0 && now_s() - start >= timeout;
}

/* Sleep @interval, or less if the timeout comes first. */
void wait_step(double start, double timeout, double interval)
{
	double left = start + timeout - now_s();

	sleep_s(timeout > 0 && left < interval ? (left > 0.01 ? left : 0.01) :
		interval);
}

const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* "12 s", "5 min 3 s", "2 h 10 min". */
void fmt_duration(char *buf, size_t len, double s)
{
	unsigned long long t = (unsigned long long)(s + 0.5);

	if (s < 10)
		snprintf(buf, len, "%.1f s", s);
	else if (t < 60)
		snprintf(buf, len, "%llu s", t);
	else if (t < 3600)
		snprintf(buf, len, "%llu min %llu s", t / 60, t % 60);
	else
		snprintf(buf, len, "%llu h %llu min", t / 3600, t / 60 % 60);
}

void fmt_bytes(char *buf, size_t len, unsigned long long b)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	int i = -1;

	if (b < 1024) {
		snprintf(buf, len, "%llu B", b);
		return;
	}
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[i]);
}

/* A progress bar, "[###---]" 30 wide, for a fraction @frac done. */
void bar(char *buf, size_t len, double frac)
{
	const int width = 30;
	int i, fill;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	fill = (int)(frac * width + 0.5);
	if (len < (size_t)width + 3) {
		buf[0] = '\0';
		return;
	}
	buf[0] = '[';
	for (i = 0; i < width; i++)
		buf[1 + i] = i < fill ? '#' : '-';
	buf[1 + width] = ']';
	buf[2 + width] = '\0';
}

/* -------------------------------------------------------------- parsing */

/* Strict unsigned decimal: digits only, no sign, no space. */
bool parse_u64(const char *s, unsigned long long *v)
{
	unsigned long long x = 0;
	const char *p;

	if (!*s)
		return false;
	for (p = s; *p; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			return false;
		d = (unsigned int)(*p - '0');
		if (x > (ULLONG_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/*
 * A size as memparse() reads it for disksize=: a decimal number with K, M,
 * G or T (either case) for KiB...TiB.  Stricter than memparse: no leading
 * zero (memparse would read octal), no hexadecimal.  0, -1 not a size, -2
 * too large.
 */
int parse_size(const char *s, unsigned long long *bytes)
{
	static const char suffix[] = "KMGT";
	size_t n = strspn(s, "0123456789");
	unsigned long long x;
	const char *unit;
	char num[32];
	int shift = 0;

	if (!n || (s[0] == '0' && n > 1))
		return -1;
	if (s[n]) {
		unit = strchr(suffix, toupper((unsigned char)s[n]));
		if (!unit || s[n + 1])
			return -1;
		shift = 10 * (int)(unit - suffix + 1);
	}
	if (n >= sizeof(num))
		return -2;
	memcpy(num, s, n);
	num[n] = '\0';
	if (!parse_u64(num, &x) || x > ULLONG_MAX >> shift)
		return -2;
	*bytes = x << shift;
	return 0;
}

/* @bytes with the largest suffix that divides it: "64M", "1536M", "4K". */
void fmt_size(char *buf, size_t len, unsigned long long bytes)
{
	static const char suffix[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		unsigned long long unit = 1ULL << (10 * (i + 1));

		if (bytes && !(bytes % unit)) {
			snprintf(buf, len, "%llu%c", bytes / unit, suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", bytes);
}

/* 0, -1 not a decimal number, -2 out of [min, max]. */
int parse_ulong(const char *s, unsigned long min, unsigned long max,
		unsigned long *v)
{
	unsigned long long x;

	if (!parse_u64(s, &x))
		return -1;
	if (x < min || x > max)
		return -2;
	*v = (unsigned long)x;
	return 0;
}

/* 1, 0, or -1: 1/0, yes/no, y/n, true/false, on/off. */
int parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "off" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

/* Seconds: "30", "1.5" (up to 3 decimals), at most @max. */
int parse_seconds(const char *s, double max, double *out)
{
	const char *p = s;
	double v = 0, scale = 0.1;
	int digits = 0, frac = 0;

	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (++digits > 9)
			return -1;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9' && frac < 3) {
			v += (*p++ - '0') * scale;
			scale /= 10;
			frac++;
		}
		if (!frac)
			return -1;
	}
	if (!digits || *p || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * "A.B.C.D[:PORT]", as the module takes it: a dotted-quad IPv4 unicast
 * address and a decimal port 1-65535 (default RRAIM_DEFAULT_PORT).  @canon gets the
 * module's spelling, "A.B.C.D:PORT", which names the server's directory.
 */
int parse_addr(const char *s, char *canon, size_t len, const char **why)
{
	char host[INET_ADDRSTRLEN + 1], ip[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	unsigned long port = RRAIM_DEFAULT_PORT;
	struct in_addr in;
	size_t hlen;
	uint32_t h;
	int n;

	hlen = colon ? (size_t)(colon - s) : strlen(s);
	if (!hlen) {
		*why = "missing address";
		return -1;
	}
	if (hlen >= sizeof(host)) {
		*why = "not an IPv4 address A.B.C.D";
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &in) != 1) {
		*why = "not an IPv4 address A.B.C.D";
		return -1;
	}
	if (colon && parse_ulong(colon + 1, 1, 65535, &port)) {
		*why = "the port must be a number from 1 to 65535";
		return -1;
	}
	h = ntohl(in.s_addr);
	if (h == 0 || h == 0xffffffffU || (h >> 28) == 0xe) {
		*why = "not a unicast address";
		return -1;
	}
	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	n = snprintf(canon, len, "%s:%lu", ip, port);
	if (n < 0 || (size_t)n >= len) {
		*why = "too long";
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ programs */

/*
 * Run PROGRAM ARGS... (@env overrides PROGRAM) with our stdout and stderr:
 * its exit status, 128 + signal, or -1 if it could not run.
 */
int run(const char *env, const char *prog, const char *const *args)
{
	const char *path = getenv(env);
	char *argv[48];
	size_t i, n = 0;
	pid_t pid;
	int st;

	if (!path || !*path)
		path = prog;
	argv[n++] = (char *)path;
	for (i = 0; args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	progress_end();
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		msg("cannot run %s: %s", path, strerror(errno));
		return -1;
	}
	if (!pid) {
		execvp(path, argv);
		fprintf(stderr, "rraimctl: cannot run %s: %s\n", path,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			msg("waiting for %s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* The command line run, for the log. */
void show_cmd(const char *prog, const char *const *args)
{
	char line[2048];
	size_t n;

	snprintf(line, sizeof(line), "%s", prog);
	for (; *args; args++) {
		n = strlen(line);
		snprintf(line + n, sizeof(line) - n, " %s", *args);
	}
	info("running: %s", line);
}
