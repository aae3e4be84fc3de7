// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl - operate RRAIM from the command line.
 *
 * Everything goes through the module's sysfs directory (/sys/kernel/rraim,
 * described in Documentation/ABI/testing/sysfs-kernel-rraim).  attach and
 * detach also run modprobe and rmmod and use the livepatch directory next
 * to it; swapon and swapoff run swapon(8) and swapoff(8) on the swap areas
 * of the configuration file (rraim.conf(5)).  Only libc is used.
 *
 * Exit status: 0 success; 1 error or refusal; 2 usage or configuration
 * error; 3 the module is not loaded; 4 timeout.  The manual is rraimctl(8).
 *
 * --sysfs DIR replaces /sys/kernel/rraim, and the other sysfs paths are
 * derived from it (DIR/../livepatch/rraim, DIR/../../module/zswap/...), so
 * that a fake tree of plain files can stand in for the kernel's.  For the
 * same reason the programs run and /proc/swaps may be replaced through the
 * environment (RRAIMCTL_MODPROBE, RRAIMCTL_RMMOD, RRAIMCTL_SWAPON,
 * RRAIMCTL_SWAPOFF, RRAIMCTL_PROC_SWAPS).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../rraim_limits.h"	/* the module's limits and knob ranges */
#include "../rraim_proto.h"	/* RRAIM_DEFAULT_PORT */

#ifndef RRAIMCTL_VERSION
#define RRAIMCTL_VERSION	"0.1.0"
#endif
#ifndef RRAIMCTL_CONFIG
#define RRAIMCTL_CONFIG		"/etc/rraim/rraim.conf"
#endif

#define RRAIM_SYSFS		"/sys/kernel/rraim"
#define MAX_SWAP		32
#define VALUE_MAX		256
#define CONFIG_LINE_MAX		1024
#define PAGE_BYTES		4096ULL

/* Default waits, in seconds (0: no limit). */
#define ATTACH_TIMEOUT		60
#define DETACH_TIMEOUT		60
#define ADD_TIMEOUT		60

enum {
	RC_OK = 0,
	RC_ERR = 1,		/* error, or refused */
	RC_USAGE = 2,		/* bad command line or configuration */
	RC_NOT_LOADED = 3,	/* the module is not loaded */
	RC_TIMEOUT = 4,		/* gave up waiting */
};

enum {
	OPT_JSON	= 1 << 0,
	OPT_CONFIG	= 1 << 1,
	OPT_NO_CONFIG	= 1 << 2,
	OPT_TIMEOUT	= 1 << 3,
	OPT_WAIT	= 1 << 4,
	OPT_CANCEL	= 1 << 5,
	OPT_MIN_LIVE	= 1 << 6,
	OPT_SYSFS	= 1 << 7,
};

struct opts {
	unsigned int given;		/* OPT_* */
	const char *config;
	double timeout;
	unsigned long min_live;
};

/*
 * One run's context, which every command works on: where the module's
 * files are (--sysfs and the paths derived from it) and the options given.
 */
struct ctl {
	char sysfs[PATH_MAX];		/* /sys/kernel/rraim */
	char livepatch[PATH_MAX];	/* /sys/kernel/livepatch/rraim */
	char zswap[PATH_MAX];		/* /sys/module/zswap/parameters/enabled */
	struct opts o;
};

/* ------------------------------------------------------------ messages */

/*
 * The terminal state of the messages: a signal handler ends the progress
 * line, so it cannot live in the context.
 */
static bool g_tty;			/* stdout is a terminal */
static volatile sig_atomic_t g_progress_len;	/* progress line shown */

/* End a progress line on the terminal before anything else is printed. */
static void progress_end(void)
{
	if (g_progress_len) {
		fputc('\n', stdout);
		g_progress_len = 0;
	}
	fflush(stdout);
}

static void __attribute__((format(printf, 1, 2))) msg(const char *fmt, ...)
{
	va_list ap;

	progress_end();
	fputs("rraimctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int __attribute__((format(printf, 1, 2))) usage_err(const char *fmt, ...)
{
	va_list ap;

	progress_end();
	fputs("rraimctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'rraimctl --help' for more information.\n", stderr);
	return RC_USAGE;
}

/* Informational output (stdout: the journal under systemd). */
static void __attribute__((format(printf, 1, 2))) info(const char *fmt, ...)
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
static void __attribute__((format(printf, 1, 2))) progress(const char *fmt, ...)
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
static bool progress_tty(void)
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
static void progress_init(void)
{
	g_tty = isatty(STDOUT_FILENO);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

/* --------------------------------------------------------------- time */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool timed_out(double start, double timeout)
{
	return timeout > 0 && now_s() - start >= timeout;
}

/* Sleep @interval, or less if the timeout comes first. */
static void wait_step(double start, double timeout, double interval)
{
	double left = start + timeout - now_s();

	sleep_s(timeout > 0 && left < interval ? (left > 0.01 ? left : 0.01) :
		interval);
}

static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* "12 s", "5 min 3 s", "2 h 10 min". */
static void fmt_duration(char *buf, size_t len, double s)
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

static void fmt_bytes(char *buf, size_t len, unsigned long long b)
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

/* -------------------------------------------------------------- parsing */

/* Strict unsigned decimal: digits only, no sign, no space. */
static bool parse_u64(const char *s, unsigned long long *v)
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

/* 0, -1 not a decimal number, -2 out of [min, max]. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max,
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
static int parse_bool(const char *s)
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
static int parse_seconds(const char *s, double max, double *out)
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
static int parse_addr(const char *s, char *canon, size_t len,
		      const char **why)
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

/* --------------------------------------------------------------- files */

static int __attribute__((format(printf, 3, 4)))
pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* Read a one-value file without its trailing newlines: 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < len - 1) {
		r = read(fd, buf + n, len - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			return -err;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

static int read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (pathf(path, sizeof(path), "%s/%s", dir, name))
		return -errno;
	return read_text(path, buf, len);
}

/* 0, -errno, or -EINVAL when the value is not a number. */
static int read_num(const char *dir, const char *name, unsigned long long *v)
{
	char buf[64];
	int ret;

	ret = read_attr(dir, name, buf, sizeof(buf));
	if (ret)
		return ret;
	return parse_u64(buf, v) ? 0 : -EINVAL;
}

/* Write "VALUE\n" in one write(2), as sysfs wants it: 0 or -errno. */
static int write_text(const char *path, const char *value)
{
	char buf[VALUE_MAX + 2];
	size_t len = strlen(value);
	ssize_t r;
	int fd, err = 0;

	if (len > VALUE_MAX)
		return -E2BIG;
	memcpy(buf, value, len);
	buf[len++] = '\n';
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		r = write(fd, buf, len);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		err = errno;
	else if ((size_t)r != len)
		err = EIO;
	if (close(fd) && !err)
		err = errno;
	return -err;
}

/* Write @value to DIR/NAME; on failure say what, where and why. */
static int write_attr(const char *dir, const char *name, const char *value,
		      int *errp)
{
	char path[PATH_MAX];
	int ret;

	if (pathf(path, sizeof(path), "%s/%s", dir, name))
		ret = -errno;
	else
		ret = write_text(path, value);
	if (errp)
		*errp = -ret;
	if (ret)
		msg("writing '%s' to %s failed: %s", value, path, strerror(-ret));
	return ret;
}

static int require_loaded(const struct ctl *ctl)
{
	if (is_dir(ctl->sysfs))
		return 0;
	msg("rraim module not loaded (%s does not exist); load it with 'rraimctl attach'",
	    ctl->sysfs);
	return RC_NOT_LOADED;
}

/* Derive the other sysfs paths from --sysfs DIR (textually: DIR may be absent). */
static int sysfs_setup(struct ctl *ctl, const char *dir)
{
	char parent[PATH_MAX], root[PATH_MAX];
	size_t n = strlen(dir);
	char *slash;

	if (!n || n >= sizeof(ctl->sysfs))
		return -1;
	memcpy(ctl->sysfs, dir, n + 1);
	while (n > 1 && ctl->sysfs[n - 1] == '/')
		ctl->sysfs[--n] = '\0';
	memcpy(parent, ctl->sysfs, n + 1);
	slash = strrchr(parent, '/');
	if (!slash)
		strcpy(parent, ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	memcpy(root, parent, strlen(parent) + 1);
	slash = strrchr(root, '/');
	if (!slash)
		strcpy(root, strcmp(parent, ".") ? "." : "..");
	else if (slash == root)
		root[1] = '\0';
	else
		*slash = '\0';
	if (pathf(ctl->livepatch, sizeof(ctl->livepatch), "%s/livepatch/rraim",
		  strcmp(parent, "/") ? parent : "") ||
	    pathf(ctl->zswap, sizeof(ctl->zswap), "%s/module/zswap/parameters/enabled",
		  strcmp(root, "/") ? root : ""))
		return -1;
	return 0;
}

/* ----------------------------------------------------- sysfs snapshots */

struct attr {
	char name[NAME_MAX + 1];
	char value[VALUE_MAX];
	int err;			/* errno of the read, or 0 */
};

struct attrs {
	struct attr *v;
	size_t n;
};

/* Write-only files: reading them fails. */
static const char *const top_skip[] = { "add_server", "remove_server", NULL };
static const char *const stats_skip[] = { "reset", NULL };
static const char *const server_skip[] = { "drain", NULL };

static bool in_list(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(name, *list))
			return true;
	return false;
}

static int attr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct attr *)a)->name,
		      ((const struct attr *)b)->name);
}

static void attrs_free(struct attrs *as)
{
	free(as->v);
	as->v = NULL;
	as->n = 0;
}

/* Every regular file of @dir but those of @skip: 0 or -errno. */
static int attrs_load(struct attrs *as, const char *dir,
		      const char *const *skip)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t cap = 0;
	struct attr *at;
	DIR *d;

	as->v = NULL;
	as->n = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || in_list(de->d_name, skip))
			continue;
		if (pathf(path, sizeof(path), "%s/%s", dir, de->d_name) ||
		    stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (as->n == cap) {
			cap = cap ? 2 * cap : 32;
			at = realloc(as->v, cap * sizeof(*at));
			if (!at) {
				closedir(d);
				attrs_free(as);
				return -ENOMEM;
			}
			as->v = at;
		}
		at = &as->v[as->n++];
		snprintf(at->name, sizeof(at->name), "%s", de->d_name);
		at->err = -read_text(path, at->value, sizeof(at->value));
		if (at->err)
			at->value[0] = '\0';
	}
	closedir(d);
	if (as->n)
		qsort(as->v, as->n, sizeof(*as->v), attr_cmp);
	return 0;
}

static const struct attr *attrs_find(const struct attrs *as, const char *name)
{
	size_t i;

	for (i = 0; i < as->n; i++)
		if (!strcmp(as->v[i].name, name))
			return &as->v[i];
	return NULL;
}

/* The value, or NULL when absent or unreadable. */
static const char *attrs_str(const struct attrs *as, const char *name)
{
	const struct attr *at = attrs_find(as, name);

	return at && !at->err ? at->value : NULL;
}

static bool attrs_u64(const struct attrs *as, const char *name,
		      unsigned long long *v)
{
	const char *s = attrs_str(as, name);

	return s && parse_u64(s, v);
}

/* A number as text, or "?" when absent or not a number. */
static const char *attrs_num_text(const struct attrs *as, const char *name)
{
	unsigned long long v;
	const char *s = attrs_str(as, name);

	return s && parse_u64(s, &v) ? s : "?";
}

struct server {
	char name[64];			/* directory name: "A.B.C.D:PORT" */
	struct attrs a;
	uint32_t ip;
	unsigned long port;
	bool parsed;			/* name is an address */
};

static int server_cmp(const void *x, const void *y)
{
	const struct server *a = x, *b = y;

	if (a->parsed != b->parsed)
		return a->parsed ? -1 : 1;
	if (!a->parsed)
		return strcmp(a->name, b->name);
	if (a->ip != b->ip)
		return a->ip < b->ip ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static void servers_free(struct server *srv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		attrs_free(&srv[i].a);
	free(srv);
}

/*
 * The servers, sorted by address; with @files, each with the files of its
 * directory.  A server removed meanwhile is left out.  0 or -errno.
 */
static int servers_load(const struct ctl *ctl, struct server **out,
			size_t *np, bool files)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct server *srv = NULL, *s;
	size_t n = 0, cap = 0;
	struct dirent *de;
	const char *why;
	char canon[64];
	DIR *d;

	*out = NULL;
	*np = 0;
	if (pathf(dir, sizeof(dir), "%s/servers", ctl->sysfs))
		return -errno;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(srv->name))
			continue;
		if (pathf(path, sizeof(path), "%s/%s", dir, de->d_name) ||
		    !is_dir(path))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			s = realloc(srv, cap * sizeof(*s));
			if (!s) {
				closedir(d);
				servers_free(srv, n);
				return -ENOMEM;
			}
			srv = s;
		}
		s = &srv[n];
		memset(s, 0, sizeof(*s));
		memcpy(s->name, de->d_name, strlen(de->d_name) + 1);	/* length checked */
		if (!parse_addr(s->name, canon, sizeof(canon), &why)) {
			struct in_addr in;
			char *colon = strrchr(canon, ':');

			*colon = '\0';
			inet_pton(AF_INET, canon, &in);
			s->ip = ntohl(in.s_addr);
			s->port = strtoul(colon + 1, NULL, 10);
			s->parsed = true;
		}
		if (files && attrs_load(&s->a, path, server_skip))
			continue;	/* removed meanwhile */
		n++;
	}
	closedir(d);
	if (n)
		qsort(srv, n, sizeof(*srv), server_cmp);
	*out = srv;
	*np = n;
	return 0;
}

struct snap {
	struct attrs top, stats;
	struct server *srv;
	size_t nsrv;
};

static void snap_free(struct snap *s)
{
	attrs_free(&s->top);
	attrs_free(&s->stats);
	servers_free(s->srv, s->nsrv);
	memset(s, 0, sizeof(*s));
}

static int snap_load(const struct ctl *ctl, struct snap *s)
{
	char dir[PATH_MAX];
	int ret;

	memset(s, 0, sizeof(*s));
	ret = attrs_load(&s->top, ctl->sysfs, top_skip);
	if (!ret && !pathf(dir, sizeof(dir), "%s/stats", ctl->sysfs))
		ret = attrs_load(&s->stats, dir, stats_skip);
	if (!ret)
		ret = servers_load(ctl, &s->srv, &s->nsrv, true);
	if (ret)
		snap_free(s);
	return ret;
}

static bool server_is(const struct server *s, const char *file, const char *v)
{
	const char *x = attrs_str(&s->a, file);

	return x && !strcmp(x, v);
}

/* ------------------------------------------------------------- verdict */

enum { V_OK, V_WARNING, V_CRITICAL };
static const char *const level_name[] = { "ok", "warning", "critical" };

struct verdict {
	int level;
	char text[1024];		/* issues, "; "-separated */
	char notes[512];		/* things worth knowing, not issues */
	size_t live, syncing, draining;
};

static void __attribute__((format(printf, 3, 4)))
vappend(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 3 >= len)
		return;
	if (n) {
		strcpy(buf + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

#define issue(v, lvl, ...) do {						\
		if ((lvl) > (v)->level)					\
			(v)->level = (lvl);				\
		vappend((v)->text, sizeof((v)->text), __VA_ARGS__);	\
	} while (0)

static void compute_verdict(const struct snap *s, struct verdict *v)
{
	unsigned long long attached = 0, enabled = 1, replicas = 0, stored = 0;
	unsigned long long degraded = 0, unavailable = 0, lost = 0, below = 0;
	char away[256] = "";
	size_t i, away_n = 0;
	const char *state;

	memset(v, 0, sizeof(*v));
	attrs_u64(&s->top, "attached", &attached);
	attrs_u64(&s->top, "enabled", &enabled);
	attrs_u64(&s->top, "replicas", &replicas);
	attrs_u64(&s->stats, "stored_pages", &stored);
	attrs_u64(&s->stats, "degraded_pages", &degraded);
	attrs_u64(&s->stats, "unavailable_pages", &unavailable);
	attrs_u64(&s->stats, "lost_pages", &lost);
	attrs_u64(&s->stats, "below_target_pages", &below);

	for (i = 0; i < s->nsrv; i++) {
		const struct server *sv = &s->srv[i];

		if (server_is(sv, "state", "live"))
			v->live++;
		else {
			state = attrs_str(&sv->a, "state");
			away_n++;
			vappend(away, sizeof(away), "%s %s", sv->name,
				state ? state : "?");
		}
		if (server_is(sv, "sync_state", "syncing"))
			v->syncing++;
		if (server_is(sv, "sync_state", "draining")) {
			v->draining++;
			vappend(v->notes, sizeof(v->notes), "%s draining",
				sv->name);
		}
		if (server_is(sv, "sync_state", "drained"))
			vappend(v->notes, sizeof(v->notes),
				"%s drained (can be removed)", sv->name);
	}

	if (!attached)
		issue(v, V_CRITICAL, "not attached: every page goes to the swap device");
	if (unavailable)
		issue(v, V_CRITICAL, "%llu pages have no reachable copy", unavailable);
	if (lost)
		issue(v, V_CRITICAL, "%llu pages lost (their processes got SIGBUS)", lost);
	if (!s->nsrv)
		issue(v, V_WARNING, "no memory server: every page goes to the swap device");
	else if (!v->live)
		issue(v, V_WARNING, "no server live: new pages go to the swap device");
	else if (v->live < replicas)
		issue(v, V_WARNING, "%zu live servers for %llu replicas: new pages get fewer copies",
		      v->live, replicas);
	if (away_n)
		issue(v, V_WARNING, "%zu of %zu servers not live (%s)", away_n,
		      s->nsrv, away);
	if (degraded)
		issue(v, V_WARNING, "%llu pages have fewer than %llu reachable copies",
		      degraded, replicas);
	else if (below)
		issue(v, V_WARNING, "%llu pages have fewer than %llu copies",
		      below, replicas);
	if (v->syncing)
		issue(v, V_WARNING, "sync in progress on %zu server%s",
		      v->syncing, plural(v->syncing));
	if (!enabled)
		issue(v, V_WARNING, "disabled: new pages go to the swap device");
	if (v->level == V_OK)
		snprintf(v->text, sizeof(v->text),
			 "%zu of %zu servers live; %llu pages held, %llu copies each",
			 v->live, s->nsrv, stored, replicas);
}

/* -------------------------------------------------------------- JSON */

struct json {
	FILE *f;
	int depth;
	bool first[16];
};

static void json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* An integer JSON accepts as is: -?(0|[1-9][0-9]*). */
static bool json_int(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		return !s[1];
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return !*s;
}

static void j_newline(struct json *j)
{
	int i;

	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void j_open(struct json *j, char c)
{
	fputc(c, j->f);
	j->depth++;
	j->first[j->depth] = true;
}

static void j_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		j_newline(j);
	fputc(c, j->f);
}

/* Start an array element or an object member (@key non-NULL). */
static void j_item(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	j_newline(j);
	if (key) {
		json_str(j->f, key);
		fputs(": ", j->f);
	}
}

static const char *const json_bools[] = { "attached", "enabled",
					  "auto_rebuild", NULL };

/* Numbers as numbers, 0/1 flags as booleans, the rest as strings. */
static void j_attrs(struct json *j, const struct attrs *as)
{
	const struct attr *at;
	size_t i;

	for (i = 0; i < as->n; i++) {
		at = &as->v[i];
		j_item(j, at->name);
		if (at->err)
			fputs("null", j->f);
		else if (in_list(at->name, json_bools) &&
			 (!strcmp(at->value, "0") || !strcmp(at->value, "1")))
			fputs(at->value[0] == '1' ? "true" : "false", j->f);
		else if (json_int(at->value))
			fputs(at->value, j->f);
		else
			json_str(j->f, at->value);
	}
}

static void status_json(const struct snap *s, const struct verdict *v)
{
	struct json j = { .f = stdout };
	size_t i;

	j_open(&j, '{');
	j_item(&j, "loaded");
	fputs("true", j.f);
	j_attrs(&j, &s->top);
	j_item(&j, "stats");
	j_open(&j, '{');
	j_attrs(&j, &s->stats);
	j_close(&j, '}');
	j_item(&j, "servers");
	j_open(&j, '[');
	for (i = 0; i < s->nsrv; i++) {
		j_item(&j, NULL);
		j_open(&j, '{');
		j_item(&j, "name");
		json_str(j.f, s->srv[i].name);
		j_attrs(&j, &s->srv[i].a);
		j_close(&j, '}');
	}
	j_close(&j, ']');
	j_item(&j, "summary");
	j_open(&j, '{');
	j_item(&j, "servers");
	fprintf(j.f, "%zu", s->nsrv);
	j_item(&j, "live");
	fprintf(j.f, "%zu", v->live);
	j_item(&j, "syncing");
	fprintf(j.f, "%zu", v->syncing);
	j_item(&j, "draining");
	fprintf(j.f, "%zu", v->draining);
	j_close(&j, '}');
	j_item(&j, "verdict");
	j_open(&j, '{');
	j_item(&j, "level");
	json_str(j.f, level_name[v->level]);
	j_item(&j, "message");
	json_str(j.f, v->text);
	j_item(&j, "notes");
	json_str(j.f, v->notes);
	j_close(&j, '}');
	j_close(&j, '}');
	fputc('\n', j.f);
}

/* -------------------------------------------------------------- status */

#define NCOLS	8

static const char *const col_head[NCOLS] = {
	"SERVER", "STATE", "SYNC", "PAGES", "CHUNKS", "FREE",
	"READ p50/p99 us", "SYNC done/total",
};
static const bool col_right[NCOLS] = {
	false, false, false, true, true, true, true, false,
};

static void server_row(const struct server *s, char cell[NCOLS][64])
{
	unsigned long long free_b, total, done;
	const char *x;

	snprintf(cell[0], 64, "%s", s->name);
	x = attrs_str(&s->a, "state");
	snprintf(cell[1], 64, "%.63s", x ? x : "?");
	x = attrs_str(&s->a, "sync_state");
	snprintf(cell[2], 64, "%.63s", x ? x : "?");
	snprintf(cell[3], 64, "%s", attrs_num_text(&s->a, "pages"));
	snprintf(cell[4], 64, "%s", attrs_num_text(&s->a, "chunks"));
	if (attrs_u64(&s->a, "free_bytes", &free_b))
		fmt_bytes(cell[5], 64, free_b);
	else
		strcpy(cell[5], "?");
	snprintf(cell[6], 64, "%s/%s", attrs_num_text(&s->a, "read_p50_us"),
		 attrs_num_text(&s->a, "read_p99_us"));
	if (attrs_u64(&s->a, "sync_total", &total) &&
	    attrs_u64(&s->a, "sync_done", &done) && total)
		snprintf(cell[7], 64, "%llu/%llu (%llu%%)", done, total,
			 done >= total ? 100 : done * 100 / total);
	else
		strcpy(cell[7], "-");
}

static void print_row(char cell[NCOLS][64], const size_t *w)
{
	int i;

	for (i = 0; i < NCOLS; i++) {
		const char *sep = i ? "  " : "";

		if (i == NCOLS - 1 && !col_right[i])
			printf("%s%s", sep, cell[i]);
		else if (col_right[i])
			printf("%s%*s", sep, (int)w[i], cell[i]);
		else
			printf("%s%-*s", sep, (int)w[i], cell[i]);
	}
	fputc('\n', stdout);
}

static const char *yes_no(const struct attrs *as, const char *name)
{
	const char *s = attrs_str(as, name);

	if (!s)
		return "?";
	return !strcmp(s, "1") ? "yes" : !strcmp(s, "0") ? "no" : s;
}

static void status_text(const struct snap *s, const struct verdict *v)
{
	char (*rows)[NCOLS][64], head[NCOLS][64], buf[64], age[32];
	unsigned long long n, bytes, ms;
	size_t w[NCOLS], i;
	int c;

	rows = calloc(s->nsrv + 1, sizeof(*rows));
	if (!rows) {
		msg("out of memory");
		return;
	}
	for (c = 0; c < NCOLS; c++) {
		snprintf(head[c], 64, "%s", col_head[c]);
		w[c] = strlen(head[c]);
	}
	for (i = 0; i < s->nsrv; i++) {
		server_row(&s->srv[i], rows[i]);
		for (c = 0; c < NCOLS; c++)
			if (strlen(rows[i][c]) > w[c])
				w[c] = strlen(rows[i][c]);
	}
	print_row(head, w);
	for (i = 0; i < s->nsrv; i++)
		print_row(rows[i], w);
	free(rows);
	if (!s->nsrv)
		printf("(no memory server: add one with 'rraimctl add ADDR')\n");
	for (i = 0; i < s->nsrv; i++) {
		const struct server *sv = &s->srv[i];
		const char *state = attrs_str(&sv->a, "state");
		const char *why = attrs_str(&sv->a, "state_reason");

		if (state && !strcmp(state, "live"))
			continue;
		if (attrs_u64(&sv->a, "state_age_ms", &ms))
			fmt_duration(age, sizeof(age), (double)ms / 1000);
		else
			strcpy(age, "?");
		printf("  %s: %s for %s: %s\n", sv->name, state ? state : "?",
		       age, why && *why ? why : "no reason given");
	}

	fputc('\n', stdout);
	printf("%-19s%s\n", "attached:", yes_no(&s->top, "attached"));
	printf("%-19s%s\n", "enabled:", yes_no(&s->top, "enabled"));
	printf("%-19s%s\n", "replicas:", attrs_num_text(&s->top, "replicas"));
	if (attrs_u64(&s->stats, "stored_pages", &n)) {
		fmt_bytes(buf, sizeof(buf), n * PAGE_BYTES);
		printf("%-19s%llu (%s)", "stored pages:", n, buf);
		if (attrs_u64(&s->stats, "remote_bytes", &bytes)) {
			fmt_bytes(buf, sizeof(buf), bytes);
			printf(", remote memory used %s", buf);
		}
		fputc('\n', stdout);
	} else {
		printf("%-19s?\n", "stored pages:");
	}
	printf("%-19s%s\n", "degraded pages:",
	       attrs_num_text(&s->stats, "degraded_pages"));
	printf("%-19s%s\n", "unavailable pages:",
	       attrs_num_text(&s->stats, "unavailable_pages"));
	printf("%-19s%s\n", "lost pages:", attrs_num_text(&s->stats, "lost_pages"));
	printf("%-19s%s/%s us\n", "store p50/p99:",
	       attrs_num_text(&s->stats, "store_p50_us"),
	       attrs_num_text(&s->stats, "store_p99_us"));
	printf("%-19s%s/%s us\n", "load p50/p99:",
	       attrs_num_text(&s->stats, "load_p50_us"),
	       attrs_num_text(&s->stats, "load_p99_us"));
	if (*v->notes)
		printf("%-19s%s\n", "notes:", v->notes);
	printf("%-19s%s: %s\n", "verdict:",
	       v->level == V_OK ? "OK" : v->level == V_WARNING ? "WARNING" :
	       "CRITICAL", v->text);
}

/* --------------------------------------------------------- configuration */

enum ktype { KT_SERVERS, KT_UINT, KT_BOOL, KT_PATH, KT_SECONDS, KT_MIN_LIVE };

enum {
	K_SERVERS, K_REPLICAS, K_DEADLINE, K_HEARTBEAT, K_LOST_WAIT,
	K_SYNC_RATE, K_AUTO_REBUILD, K_REBUILD_DELAY, K_ENABLED, K_SWAP,
	K_ATTACH_TIMEOUT, K_MIN_LIVE, K_COUNT
};

struct keydef {
	const char *name;
	enum ktype type;
	unsigned long min, max;
	bool param;		/* a module parameter (and a sysfs knob) */
};

/*
 * The knobs' ranges are the module's own (rraim_limits.h), so that a value
 * refused here is one the module would refuse too, and none it takes is.
 */
static const struct keydef keydefs[K_COUNT] = {
	[K_SERVERS]		= { "servers", KT_SERVERS, 0, 0, true },
	[K_REPLICAS]		= { "replicas", KT_UINT, 1, RRAIM_MAX_REPLICAS, true },
	[K_DEADLINE]		= { "deadline_ms", KT_UINT, RRAIM_DEADLINE_MIN_MS,
				    RRAIM_DEADLINE_MAX_MS, true },
	[K_HEARTBEAT]		= { "heartbeat_ms", KT_UINT, RRAIM_HEARTBEAT_MIN_MS,
				    RRAIM_HEARTBEAT_MAX_MS, true },
	[K_LOST_WAIT]		= { "lost_wait_ms", KT_UINT, 0,
				    RRAIM_LOST_WAIT_MAX_MS, true },
	[K_SYNC_RATE]		= { "sync_rate", KT_UINT, 0, RRAIM_SYNC_RATE_MAX,
				    true },
	[K_AUTO_REBUILD]	= { "auto_rebuild", KT_BOOL, 0, 1, true },
	[K_REBUILD_DELAY]	= { "rebuild_delay_ms", KT_UINT, 0,
				    RRAIM_REBUILD_DELAY_MAX_MS, true },
	[K_ENABLED]		= { "enabled", KT_BOOL, 0, 1, true },
	[K_SWAP]		= { "swap", KT_PATH, 0, 0, false },
	[K_ATTACH_TIMEOUT]	= { "attach_timeout", KT_SECONDS, 0, 86400, false },
	[K_MIN_LIVE]		= { "min_live", KT_MIN_LIVE, 0, RRAIM_MAX_SERVERS, false },
};

#define MIN_LIVE_ALL	ULONG_MAX

struct config {
	const char *file;		/* the file read, or NULL */
	bool set[K_COUNT];
	bool from_cmdline[K_COUNT];
	char where[K_COUNT][PATH_MAX + 16];	/* "FILE:LINE" of the value */
	unsigned long num[K_COUNT];	/* KT_UINT, KT_BOOL, KT_MIN_LIVE */
	double seconds;			/* attach_timeout */
	char servers[RRAIM_MAX_SERVERS][24];
	unsigned int nservers;
	char *swap[MAX_SWAP];
	unsigned int nswap;
};

static void config_free(struct config *c)
{
	unsigned int i;

	for (i = 0; i < c->nswap; i++)
		free(c->swap[i]);
	c->nswap = 0;
}

static int key_lookup(const char *key)
{
	char norm[64];
	size_t i, len = strlen(key);
	int k;

	if (len >= sizeof(norm))
		return -1;
	for (i = 0; i <= len; i++)
		norm[i] = key[i] == '-' ? '_' : key[i];
	for (k = 0; k < K_COUNT; k++)
		if (!strcmp(keydefs[k].name, norm))
			return k;
	return -1;
}

static void known_keys(char *buf, size_t len)
{
	int k;

	buf[0] = '\0';
	for (k = 0; k < K_COUNT; k++) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s%s", k ? ", " : "",
			 keydefs[k].name);
	}
}

/*
 * Apply KEY = VALUE read at @where.  On the command line (@cmdline) a key
 * replaces what the file said, a list key (servers, swap) its whole list.
 * 0, or -1 with @err set.
 */
static int config_set(struct config *c, const char *key, const char *value,
		      const char *where, bool cmdline, char *err, size_t errlen)
{
	const struct keydef *kd;
	unsigned long u;
	const char *p, *why;
	char tok[64], canon[24];
	unsigned int i;
	size_t n;
	int k, r;

	k = key_lookup(key);
	if (k < 0) {
		char keys[512];

		known_keys(keys, sizeof(keys));
		snprintf(err, errlen, "unknown key '%.64s' (known keys: %s)",
			 key, keys);
		return -1;
	}
	kd = &keydefs[k];
	if (!*value) {
		snprintf(err, errlen, "%s: missing value", kd->name);
		return -1;
	}
	for (p = value; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "%s: control character in the value",
				 kd->name);
			return -1;
		}
		if (*p == '"' || *p == '\'') {
			snprintf(err, errlen, "%s: quotes are not supported",
				 kd->name);
			return -1;
		}
		if (*p == '#' && p > value && isspace((unsigned char)p[-1])) {
			snprintf(err, errlen,
				 "%s: comments must be on lines of their own",
				 kd->name);
			return -1;
		}
	}
	if (kd->type != KT_SERVERS && kd->type != KT_PATH && c->set[k] &&
	    c->from_cmdline[k] == cmdline) {
		snprintf(err, errlen, "%s given twice (first at %s)", kd->name,
			 c->where[k]);
		return -1;
	}
	if (cmdline && !c->from_cmdline[k]) {
		/* the command line replaces the file's value or list */
		if (k == K_SERVERS)
			c->nservers = 0;
		if (k == K_SWAP)
			config_free(c);
		c->set[k] = false;
	}

	switch (kd->type) {
	case KT_SERVERS:
		for (p = value; *p;) {
			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			n = strcspn(p, ", \t");
			if (n >= sizeof(tok)) {
				snprintf(err, errlen, "servers: '%.32s...' is too long", p);
				return -1;
			}
			memcpy(tok, p, n);
			tok[n] = '\0';
			p += n;
			if (parse_addr(tok, canon, sizeof(canon), &why)) {
				snprintf(err, errlen, "servers: '%s': %s", tok, why);
				return -1;
			}
			for (i = 0; i < c->nservers; i++) {
				if (!strcmp(c->servers[i], canon)) {
					snprintf(err, errlen, "servers: %s listed twice",
						 canon);
					return -1;
				}
			}
			if (c->nservers == RRAIM_MAX_SERVERS) {
				snprintf(err, errlen, "servers: more than %d servers",
					 RRAIM_MAX_SERVERS);
				return -1;
			}
			memcpy(c->servers[c->nservers++], canon, sizeof(canon));
		}
		if (!c->nservers) {
			snprintf(err, errlen, "servers: no address");
			return -1;
		}
		break;
	case KT_UINT:
		r = parse_ulong(value, kd->min, kd->max, &u);
		if (r == -1) {
			snprintf(err, errlen, "%s: '%.32s' is not a decimal number",
				 kd->name, value);
			return -1;
		}
		if (r) {
			snprintf(err, errlen, "%s: %s is out of range (%lu to %lu)",
				 kd->name, value, kd->min, kd->max);
			return -1;
		}
		c->num[k] = u;
		break;
	case KT_BOOL:
		r = parse_bool(value);
		if (r < 0) {
			snprintf(err, errlen, "%s: '%.32s' is not a boolean (yes/no, 1/0, on/off, true/false)",
				 kd->name, value);
			return -1;
		}
		c->num[k] = (unsigned long)r;
		break;
	case KT_PATH:
		if (value[0] != '/') {
			snprintf(err, errlen, "swap: '%.64s' is not an absolute path",
				 value);
			return -1;
		}
		for (i = 0; i < c->nswap; i++) {
			if (!strcmp(c->swap[i], value)) {
				snprintf(err, errlen, "swap: %.64s listed twice",
					 value);
				return -1;
			}
		}
		if (c->nswap == MAX_SWAP) {
			snprintf(err, errlen, "swap: more than %d swap areas",
				 MAX_SWAP);
			return -1;
		}
		if (strlen(value) >= PATH_MAX) {
			snprintf(err, errlen, "swap: path too long");
			return -1;
		}
		c->swap[c->nswap] = strdup(value);
		if (!c->swap[c->nswap]) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		c->nswap++;
		break;
	case KT_SECONDS:
		if (parse_seconds(value, (double)kd->max, &c->seconds)) {
			snprintf(err, errlen, "%s: '%.32s' is not a number of seconds from 0 to %lu",
				 kd->name, value, kd->max);
			return -1;
		}
		break;
	case KT_MIN_LIVE:
		if (!strcmp(value, "all")) {
			c->num[k] = MIN_LIVE_ALL;
			break;
		}
		if (parse_ulong(value, kd->min, kd->max, &u)) {
			snprintf(err, errlen, "%s: '%.32s' is neither 'all' nor a number from %lu to %lu",
				 kd->name, value, kd->min, kd->max);
			return -1;
		}
		c->num[k] = u;
		break;
	}
	if (!c->set[k])
		snprintf(c->where[k], sizeof(c->where[k]), "%s", where);
	c->set[k] = true;
	c->from_cmdline[k] = cmdline;
	return 0;
}

static char *strip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Split "key = value"; -1 with @err set if there is no '='. */
static int split_kv(char *s, char **key, char **value, char *err, size_t errlen)
{
	char *eq = strchr(s, '=');

	if (!eq) {
		snprintf(err, errlen, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	*key = strip(s);
	*value = strip(eq + 1);
	if (!**key) {
		snprintf(err, errlen, "missing key before '='");
		return -1;
	}
	return 0;
}

/* Cross-key checks, once everything is read. */
static int config_check(const struct config *c, char *err, size_t errlen)
{
	if (c->set[K_REPLICAS] && c->set[K_SERVERS] &&
	    c->num[K_REPLICAS] > c->nservers) {
		snprintf(err, errlen, "%.300s: replicas = %lu but servers lists only %u servers",
			 c->where[K_REPLICAS], c->num[K_REPLICAS], c->nservers);
		return -1;
	}
	if (c->set[K_MIN_LIVE] && c->set[K_SERVERS] &&
	    c->num[K_MIN_LIVE] != MIN_LIVE_ALL &&
	    c->num[K_MIN_LIVE] > c->nservers) {
		snprintf(err, errlen, "%.300s: min_live = %lu but servers lists only %u servers",
			 c->where[K_MIN_LIVE], c->num[K_MIN_LIVE], c->nservers);
		return -1;
	}
	return 0;
}

/* Read @path into @c: RC_OK, or RC_USAGE with the reason printed. */
static int config_read(struct config *c, const char *path)
{
	char *line = NULL, err[768], where[PATH_MAX + 16];
	unsigned int lineno = 0;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = RC_OK;

	f = fopen(path, "re");
	if (!f) {
		msg("cannot read the configuration file %s: %s", path,
		    strerror(errno));
		return RC_USAGE;
	}
	c->file = path;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *s, *key, *value;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (n > CONFIG_LINE_MAX || memchr(line, '\0', (size_t)n)) {
			msg("%s: line too long or not text", where);
			ret = RC_USAGE;
			break;
		}
		s = strip(line);
		if (!*s || *s == '#')
			continue;
		if (split_kv(s, &key, &value, err, sizeof(err)) ||
		    config_set(c, key, value, where, false, err, sizeof(err))) {
			msg("%s: %s", where, err);
			ret = RC_USAGE;
			break;
		}
	}
	if (!ret && ferror(f)) {
		msg("%s: read error", path);
		ret = RC_USAGE;
	}
	free(line);
	fclose(f);
	return ret;
}

/* Command-line "key=value" arguments over the file. */
static int config_args(struct config *c, int argc, char **argv)
{
	char err[768], where[96], *dup, *key, *value;
	int i;

	for (i = 0; i < argc; i++) {
		snprintf(where, sizeof(where), "argument '%.64s'", argv[i]);
		dup = strdup(argv[i]);
		if (!dup) {
			msg("out of memory");
			return RC_ERR;
		}
		if (split_kv(dup, &key, &value, err, sizeof(err)) ||
		    config_set(c, key, value, where, true, err, sizeof(err))) {
			free(dup);
			return usage_err("%s: %s", where, err);
		}
		free(dup);
	}
	return RC_OK;
}

static void config_print_key(const struct config *c, int k, bool with_key)
{
	const char *name = keydefs[k].name;
	unsigned int i;

	if (!c->set[k])
		return;
	switch (keydefs[k].type) {
	case KT_SERVERS:
		if (with_key)
			printf("%s = ", name);
		for (i = 0; i < c->nservers; i++)
			printf("%s%s", c->servers[i], !with_key ? "\n" :
			       i + 1 < c->nservers ? ", " : "\n");
		return;
	case KT_PATH:
		for (i = 0; i < c->nswap; i++)
			printf("%s%s%s\n", with_key ? name : "",
			       with_key ? " = " : "", c->swap[i]);
		return;
	default:
		break;
	}
	if (with_key)
		printf("%s = ", name);
	if (keydefs[k].type == KT_SECONDS)
		printf("%g\n", c->seconds);
	else if (keydefs[k].type == KT_MIN_LIVE && c->num[k] == MIN_LIVE_ALL)
		printf("all\n");
	else
		printf("%lu\n", c->num[k]);
}

/* ------------------------------------------------------------ programs */

/*
 * Run PROGRAM ARGS... (@env overrides PROGRAM) with our stdout and stderr:
 * its exit status, 128 + signal, or -1 if it could not run.
 */
static int run(const char *env, const char *prog, const char *const *args)
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
static void show_cmd(const char *prog, const char *const *args)
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

/* The kernel log from now on, to explain a failed modprobe. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static void kmsg_show(int fd)
{
	char rec[8192], *text, *nl;
	ssize_t n;

	if (fd < 0)
		return;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue;	/* records overwritten */
			break;
		}
		rec[n] = '\0';
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(text, "rraim: ", 7))
			msg("kernel: %s", text);
	}
	close(fd);
}

/* ---------------------------------------------------------- swap areas */

static bool same_file(const struct stat *a, const struct stat *b)
{
	if (S_ISBLK(a->st_mode) && S_ISBLK(b->st_mode))
		return a->st_rdev == b->st_rdev;
	return S_ISREG(a->st_mode) && S_ISREG(b->st_mode) &&
	       a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* /proc/swaps escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* Is the swap area @path on?  0 with @on set, or -errno. */
static int swap_active(const char *path, bool *on)
{
	const char *proc = getenv("RRAIMCTL_PROC_SWAPS");
	char line[PATH_MAX + 256];
	struct stat want, st;
	FILE *f;

	*on = false;
	if (!proc || !*proc)
		proc = "/proc/swaps";
	if (stat(path, &want))
		return -errno;
	f = fopen(proc, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, " \t\n");

		if (!strncmp(line, "Filename", 8) || !n)
			continue;
		line[n] = '\0';
		unescape(line);
		if (!strcmp(line, path) || (!stat(line, &st) && same_file(&st, &want))) {
			*on = true;
			break;
		}
	}
	fclose(f);
	return 0;
}

/* A configured swap area that exists and can be a swap area. */
static int swap_check(const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		msg("swap area %s: %s", path, strerror(errno));
		return RC_ERR;
	}
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		msg("swap area %s is neither a block device nor a file", path);
		return RC_ERR;
	}
	return RC_OK;
}

/* ------------------------------------------------------------ commands */

static double opt_timeout(const struct opts *o, double def)
{
	return o->given & OPT_TIMEOUT ? o->timeout : def;
}

static int cmd_status(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	struct verdict v;
	struct snap s;
	int ret;

	(void)argc;
	(void)argv;
	ret = require_loaded(ctl);
	if (ret) {
		if (o->given & OPT_JSON)
			printf("{\n  \"loaded\": false\n}\n");
		return ret;
	}
	ret = snap_load(ctl, &s);
	if (ret) {
		msg("cannot read %s: %s", ctl->sysfs, strerror(-ret));
		return is_dir(ctl->sysfs) ? RC_ERR : RC_NOT_LOADED;
	}
	compute_verdict(&s, &v);
	if (o->given & OPT_JSON)
		status_json(&s, &v);
	else
		status_text(&s, &v);
	snap_free(&s);
	fflush(stdout);
	return RC_OK;
}

/* "ADDR[:PORT]" argument into the module's spelling: RC_OK or RC_USAGE. */
static int addr_arg(const char *arg, char *canon, size_t len)
{
	const char *why;

	if (parse_addr(arg, canon, len, &why))
		return usage_err("'%s' is not a server address A.B.C.D[:PORT]: %s",
				 arg, why);
	return RC_OK;
}

static int server_dir(const struct ctl *ctl, const char *name, char *dir,
		      size_t len)
{
	if (pathf(dir, len, "%s/servers/%s", ctl->sysfs, name))
		return -1;
	return is_dir(dir) ? 0 : -1;
}

static int count_servers(const struct ctl *ctl)
{
	struct server *srv;
	size_t n;

	if (servers_load(ctl, &srv, &n, false))
		return -1;
	servers_free(srv, n);
	return (int)n;
}

/* Wait until server @name is live: RC_OK, RC_TIMEOUT, RC_ERR. */
static int wait_live(const struct ctl *ctl, const char *name, double timeout)
{
	char dir[PATH_MAX], state[64], why[VALUE_MAX], t[32];
	double start = now_s();

	for (;;) {
		if (server_dir(ctl, name, dir, sizeof(dir))) {
			if (!is_dir(ctl->sysfs))
				return require_loaded(ctl);
			msg("server %s was removed", name);
			return RC_ERR;
		}
		if (read_attr(dir, "state", state, sizeof(state)))
			strcpy(state, "?");
		if (!strcmp(state, "live")) {
			progress_end();
			info("%s is live", name);
			return RC_OK;
		}
		if (timed_out(start, timeout)) {
			if (read_attr(dir, "state_reason", why, sizeof(why)))
				strcpy(why, "?");
			fmt_duration(t, sizeof(t), now_s() - start);
			msg("timed out after %s: %s is %s (%s)", t, name, state, why);
			return RC_TIMEOUT;
		}
		if (progress_tty())
			progress("waiting for %s: %s", name, state);
		wait_step(start, timeout, 0.2);
	}
}

static int cmd_add(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	char canon[32];
	int ret, err, n;

	(void)argc;
	if ((o->given & OPT_TIMEOUT) && !(o->given & OPT_WAIT))
		return usage_err("--timeout needs --wait");
	ret = addr_arg(argv[0], canon, sizeof(canon));
	if (ret)
		return ret;
	ret = require_loaded(ctl);
	if (ret)
		return ret;
	if (write_attr(ctl->sysfs, "add_server", canon, &err)) {
		if (err == EEXIST)
			msg("%s is already a server of this host", canon);
		else if (err == ENOSPC && (n = count_servers(ctl)) >= 0)
			msg("%d servers already configured (at most %d)", n,
			    RRAIM_MAX_SERVERS);
		return RC_ERR;
	}
	info("added %s", canon);
	if (o->given & OPT_WAIT)
		return wait_live(ctl, canon, opt_timeout(o, ADD_TIMEOUT));
	return RC_OK;
}

static int cmd_remove(const struct ctl *ctl, int argc, char **argv)
{
	char canon[32];
	int ret, err;

	(void)argc;
	ret = addr_arg(argv[0], canon, sizeof(canon));
	if (ret)
		return ret;
	ret = require_loaded(ctl);
	if (ret)
		return ret;
	if (write_attr(ctl->sysfs, "remove_server", canon, &err)) {
		if (err == ENOENT)
			msg("%s is not a server of this host (see 'rraimctl status')",
			    canon);
		else if (err == EBUSY)
			msg("%s holds the only reachable copy of some pages: drain it first ('rraimctl drain --wait %s'), or bring back the servers that hold the other copies",
			    canon, canon);
		return RC_ERR;
	}
	info("removed %s", canon);
	return RC_OK;
}

static void bar(char *buf, size_t len, double frac)
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

static int cmd_drain(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	char canon[32], dir[PATH_MAX], state[64], b[40], t[32];
	unsigned long long chunks0 = 0, chunks = 0, pages = 0;
	double start, last = -1e9;
	bool cancel = o->given & OPT_CANCEL;
	int ret, err;

	(void)argc;
	if (cancel && (o->given & (OPT_WAIT | OPT_TIMEOUT)))
		return usage_err("--cancel does not go with --wait or --timeout");
	if ((o->given & OPT_TIMEOUT) && !(o->given & OPT_WAIT))
		return usage_err("--timeout needs --wait");
	ret = addr_arg(argv[0], canon, sizeof(canon));
	if (ret)
		return ret;
	ret = require_loaded(ctl);
	if (ret)
		return ret;
	if (server_dir(ctl, canon, dir, sizeof(dir))) {
		msg("%s is not a server of this host (see 'rraimctl status')",
		    canon);
		return RC_ERR;
	}
	if (write_attr(dir, "drain", cancel ? "0" : "1", &err)) {
		if (err == EBUSY)
			msg("not enough other servers with room to keep every page of %s at 'replicas' copies: add a server, bring one back or lower replicas first",
			    canon);
		return RC_ERR;
	}
	if (cancel) {
		info("drain of %s cancelled", canon);
		return RC_OK;
	}
	read_num(dir, "chunks", &chunks0);
	read_num(dir, "pages", &pages);
	info("draining %s: %llu chunks, %llu pages to move to the other servers",
	     canon, chunks0, pages);
	if (!(o->given & OPT_WAIT))
		return RC_OK;

	start = now_s();
	for (;;) {
		if (server_dir(ctl, canon, dir, sizeof(dir))) {
			if (!is_dir(ctl->sysfs))
				return require_loaded(ctl);
			msg("%s was removed during the drain", canon);
			return RC_ERR;
		}
		if (read_attr(dir, "sync_state", state, sizeof(state)))
			strcpy(state, "?");
		read_num(dir, "chunks", &chunks);
		read_num(dir, "pages", &pages);
		if (!strcmp(state, "drained")) {
			fmt_duration(t, sizeof(t), now_s() - start);
			info("%s drained in %s: it holds no copy; remove it with 'rraimctl remove %s'",
			     canon, t, canon);
			return RC_OK;
		}
		if (strcmp(state, "draining")) {
			msg("the drain of %s stopped: its sync state is %s",
			    canon, state);
			return RC_ERR;
		}
		if (timed_out(start, opt_timeout(o, 0))) {
			fmt_duration(t, sizeof(t), now_s() - start);
			msg("timed out after %s: %s still holds %llu chunks (%llu pages); the drain goes on",
			    t, canon, chunks, pages);
			return RC_TIMEOUT;
		}
		if (progress_tty() || now_s() - last >= 5) {
			if (chunks > chunks0)
				chunks0 = chunks;
			bar(b, sizeof(b), chunks0 ?
			    (double)(chunks0 - chunks) / (double)chunks0 : 0);
			progress("draining %s: %s %llu of %llu chunks left, %llu pages",
				 canon, b, chunks, chunks0, pages);
			last = now_s();
		}
		wait_step(start, opt_timeout(o, 0), 0.5);
	}
}

static int cmd_replicas(const struct ctl *ctl, int argc, char **argv);

/* Knobs "set" changes, with the ranges of the configuration keys. */
static const int set_keys[] = {
	K_REPLICAS, K_DEADLINE, K_HEARTBEAT, K_LOST_WAIT, K_SYNC_RATE,
	K_AUTO_REBUILD, K_REBUILD_DELAY, K_ENABLED,
};

/* Parse a knob value into @out (decimal, as sysfs takes it): RC_OK/RC_USAGE. */
static int knob_value(int k, const char *value, char *out, size_t len)
{
	const struct keydef *kd = &keydefs[k];
	unsigned long u;
	int r;

	if (kd->type == KT_BOOL) {
		r = parse_bool(value);
		if (r < 0)
			return usage_err("%s: '%s' is not a boolean (yes/no, 1/0, on/off, true/false)",
					 kd->name, value);
		snprintf(out, len, "%d", r);
		return RC_OK;
	}
	r = parse_ulong(value, kd->min, kd->max, &u);
	if (r == -1)
		return usage_err("%s: '%s' is not a decimal number", kd->name,
				 value);
	if (r)
		return usage_err("%s: %s is out of range (%lu to %lu)", kd->name,
				 value, kd->min, kd->max);
	snprintf(out, len, "%lu", u);
	return RC_OK;
}

static void replicas_hint(const struct ctl *ctl, int err)
{
	int n;

	if (err == EINVAL && (n = count_servers(ctl)) >= 0)
		msg("replicas must be from 1 to %d and at most the number of servers (%d configured)",
		    RRAIM_MAX_REPLICAS, n);
}

static int set_knob(const struct ctl *ctl, int k, const char *value)
{
	char v[32];
	int ret, err;

	ret = knob_value(k, value, v, sizeof(v));
	if (ret)
		return ret;
	ret = require_loaded(ctl);
	if (ret)
		return ret;
	if (write_attr(ctl->sysfs, keydefs[k].name, v, &err)) {
		if (k == K_REPLICAS)
			replicas_hint(ctl, err);
		return RC_ERR;
	}
	info("%s = %s", keydefs[k].name, v);
	return RC_OK;
}

static int cmd_replicas(const struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return set_knob(ctl, K_REPLICAS, argv[0]);
}

static int cmd_set(const struct ctl *ctl, int argc, char **argv)
{
	char names[256] = "";
	size_t i;
	int k;

	(void)argc;
	k = key_lookup(argv[0]);
	for (i = 0; i < sizeof(set_keys) / sizeof(set_keys[0]); i++)
		if (set_keys[i] == k)
			return set_knob(ctl, k, argv[1]);
	for (i = 0; i < sizeof(set_keys) / sizeof(set_keys[0]); i++) {
		size_t n = strlen(names);

		snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
			 keydefs[set_keys[i]].name);
	}
	return usage_err("unknown knob '%s' (knobs: %s)", argv[0], names);
}

static int cmd_wait_sync(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	unsigned long long degraded, done, total, sum_done, sum_total;
	double start = now_s(), last = -1e9, prev_t = 0, rate = 0;
	double timeout = opt_timeout(o, 0);
	long long prev_done = -1;
	char b[40], t[32], eta[96], dir[PATH_MAX], state[64];
	struct server *srv;
	size_t n, i, syncing;
	int ret;

	(void)argc;
	(void)argv;
	if (pathf(dir, sizeof(dir), "%s/stats", ctl->sysfs))
		return RC_ERR;
	for (;;) {
		ret = require_loaded(ctl);
		if (ret)
			return ret;
		ret = servers_load(ctl, &srv, &n, false);
		if (ret) {
			if (!is_dir(ctl->sysfs))
				return require_loaded(ctl);
			msg("cannot list the servers: %s", strerror(-ret));
			return RC_ERR;
		}
		syncing = 0;
		sum_done = sum_total = 0;
		for (i = 0; i < n; i++) {
			char sdir[PATH_MAX];

			if (pathf(sdir, sizeof(sdir), "%s/servers/%s", ctl->sysfs,
				  srv[i].name) ||
			    read_attr(sdir, "sync_state", state, sizeof(state)) ||
			    strcmp(state, "syncing"))
				continue;
			syncing++;
			if (!read_num(sdir, "sync_done", &done) &&
			    !read_num(sdir, "sync_total", &total)) {
				sum_done += done < total ? done : total;
				sum_total += total;
			}
		}
		servers_free(srv, n);
		ret = read_num(dir, "degraded_pages", &degraded);
		if (ret) {
			if (!is_dir(ctl->sysfs))
				return require_loaded(ctl);
			msg("cannot read %s/degraded_pages: %s", dir,
			    strerror(-ret));
			return RC_ERR;
		}
		if (!syncing && !degraded) {
			fmt_duration(t, sizeof(t), now_s() - start);
			info("in sync after %s: no server is syncing and no page is degraded",
			     t);
			return RC_OK;
		}
		if (timed_out(start, timeout)) {
			fmt_duration(t, sizeof(t), now_s() - start);
			msg("timed out after %s: %llu degraded page%s, %zu server%s syncing (%llu of %llu pages copied)",
			    t, degraded, plural(degraded), syncing,
			    plural(syncing), sum_done, sum_total);
			return RC_TIMEOUT;
		}
		/* the copy rate, smoothed, for the estimate */
		if (prev_done >= 0 && (long long)sum_done >= prev_done &&
		    now_s() > prev_t) {
			double r = (double)((long long)sum_done - prev_done) /
				   (now_s() - prev_t);

			rate = rate > 0 ? 0.7 * rate + 0.3 * r : r;
		}
		prev_done = (long long)sum_done;
		prev_t = now_s();
		eta[0] = '\0';
		if (rate > 0 && sum_total > sum_done) {
			fmt_duration(t, sizeof(t),
				     (double)(sum_total - sum_done) / rate);
			snprintf(eta, sizeof(eta), ", %.0f pages/s, about %s left",
				 rate, t);
		}
		if (progress_tty() || now_s() - last >= 5) {
			bar(b, sizeof(b), sum_total ?
			    (double)sum_done / (double)sum_total : 0);
			if (progress_tty())
				progress("%s %3llu%% %llu/%llu pages%s; %llu degraded",
					 b, sum_total ? sum_done * 100 / sum_total : 0,
					 sum_done, sum_total, eta, degraded);
			else
				progress("waiting: %zu server%s syncing, %llu of %llu pages copied%s; %llu degraded page%s",
					 syncing, plural(syncing), sum_done,
					 sum_total, eta, degraded, plural(degraded));
			last = now_s();
		}
		wait_step(start, timeout, 1);
	}
}

/* ------------------------------------------------------ attach, detach */

/* The configuration for attach, swapon, swapoff, config. */
static int load_config(const struct opts *o, struct config *c,
		       bool required)
{
	const char *path = o->config ? o->config : RRAIMCTL_CONFIG;
	char err[768];
	int ret;

	memset(c, 0, sizeof(*c));
	if (o->given & OPT_NO_CONFIG)
		return RC_OK;
	if (!o->config && !required && !exists(path))
		return RC_OK;
	ret = config_read(c, path);
	if (!ret && config_check(c, err, sizeof(err))) {
		msg("%s", err);
		ret = RC_USAGE;
	}
	return ret;
}

/* With the module loaded: add the missing servers, set the knobs given. */
static int converge(const struct ctl *ctl, const struct config *c)
{
	char dir[PATH_MAX], cur[64], v[32];
	unsigned int i;
	int k, err, ret = RC_OK;

	info("rraim is already loaded: applying the configuration at run time");
	for (i = 0; i < c->nservers; i++) {
		if (!server_dir(ctl, c->servers[i], dir, sizeof(dir)))
			continue;
		if (write_attr(ctl->sysfs, "add_server", c->servers[i], &err)) {
			if (err != EEXIST)
				ret = RC_ERR;
			continue;
		}
		info("added %s", c->servers[i]);
	}
	for (k = 0; k < K_COUNT; k++) {
		if (!keydefs[k].param || k == K_SERVERS || !c->set[k])
			continue;
		snprintf(v, sizeof(v), "%lu", c->num[k]);
		if (!read_attr(ctl->sysfs, keydefs[k].name, cur, sizeof(cur)) &&
		    !strcmp(cur, v))
			continue;
		if (write_attr(ctl->sysfs, keydefs[k].name, v, &err)) {
			if (k == K_REPLICAS)
				replicas_hint(ctl, err);
			ret = RC_ERR;
			continue;
		}
		info("%s = %s", keydefs[k].name, v);
	}
	return ret;
}

/* Refuse to load when zswap owns frontswap: say how to fix it. */
static int check_zswap(const struct ctl *ctl)
{
	char v[16];

	if (read_text(ctl->zswap, v, sizeof(v)) || (strcmp(v, "Y") && strcmp(v, "1")))
		return RC_OK;
	msg("zswap is enabled and owns frontswap, so rraim cannot attach: write N to %s (then turn the swap areas off and on if zswap held pages) or boot with zswap.enabled=0",
	    ctl->zswap);
	return RC_ERR;
}

static int modprobe(const struct config *c)
{
	char args[K_COUNT + 2][1024];
	const char *argv[K_COUNT + 4];
	size_t n = 0, len;
	unsigned int i;
	int k, fd, st;

	argv[n++] = "rraim";
	for (k = 0; k < K_COUNT; k++) {
		if (!keydefs[k].param || !c->set[k])
			continue;
		if (k == K_SERVERS) {
			snprintf(args[k], sizeof(args[k]), "servers=");
			for (i = 0; i < c->nservers; i++) {
				len = strlen(args[k]);
				snprintf(args[k] + len, sizeof(args[k]) - len, "%s%s",
					 i ? "," : "", c->servers[i]);
			}
		} else {
			snprintf(args[k], sizeof(args[k]), "%s=%lu",
				 keydefs[k].name, c->num[k]);
		}
		argv[n++] = args[k];
	}
	argv[n] = NULL;
	show_cmd("modprobe", argv);
	fd = kmsg_open();
	st = run("RRAIMCTL_MODPROBE", "modprobe", argv);
	if (st) {
		if (st > 0)
			msg("modprobe rraim failed (exit status %d)", st);
		kmsg_show(fd);
		msg("see the kernel log ('dmesg | grep rraim') and rraimctl(8), TROUBLESHOOTING");
		return RC_ERR;
	}
	if (fd >= 0)
		close(fd);
	return RC_OK;
}

static int cmd_attach(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	char t[32], state[64], why[VALUE_MAX];
	unsigned long long attached;
	unsigned long min_live;
	struct server *srv;
	struct config c;
	double timeout, start;
	size_t n, live, need, i;
	unsigned int j;
	bool on;
	int ret;

	if ((o->given & OPT_CONFIG) && (o->given & OPT_NO_CONFIG))
		return usage_err("--config and --no-config exclude each other");
	ret = load_config(&ctl->o, &c, false);
	if (!ret)
		ret = config_args(&c, argc, argv);
	if (!ret) {
		char err[768];

		if (config_check(&c, err, sizeof(err)))
			ret = usage_err("%s", err);
	}
	if (ret)
		goto out;
	timeout = c.set[K_ATTACH_TIMEOUT] ? c.seconds : ATTACH_TIMEOUT;
	timeout = opt_timeout(o, timeout);
	min_live = c.set[K_MIN_LIVE] ? c.num[K_MIN_LIVE] : MIN_LIVE_ALL;
	if (o->given & OPT_MIN_LIVE)
		min_live = o->min_live;

	if (is_dir(ctl->sysfs)) {
		ret = converge(ctl, &c);
		if (ret)
			goto out;
	} else {
		ret = check_zswap(ctl);
		for (j = 0; !ret && j < c.nswap; j++) {
			ret = swap_check(c.swap[j]);
			if (!ret && !swap_active(c.swap[j], &on) && on) {
				msg("swap area %s is already on: rraim serves only the swap areas turned on after it attached; turn it off ('swapoff %s') and keep it out of /etc/fstab (or mark it noauto there)",
				    c.swap[j], c.swap[j]);
				ret = RC_ERR;
			}
		}
		if (!ret)
			ret = modprobe(&c);
		if (ret)
			goto out;
	}

	start = now_s();
	for (;;) {
		if (!is_dir(ctl->sysfs)) {
			if (timed_out(start, timeout)) {
				ret = require_loaded(ctl);
				goto out;
			}
			sleep_s(0.1);
			continue;
		}
		attached = 0;
		read_num(ctl->sysfs, "attached", &attached);
		ret = servers_load(ctl, &srv, &n, false);
		if (ret) {
			msg("cannot list the servers: %s", strerror(-ret));
			ret = RC_ERR;
			goto out;
		}
		live = 0;
		for (i = 0; i < n; i++) {
			char sdir[PATH_MAX];

			if (!pathf(sdir, sizeof(sdir), "%s/servers/%s", ctl->sysfs,
				   srv[i].name) &&
			    !read_attr(sdir, "state", state, sizeof(state)) &&
			    !strcmp(state, "live"))
				live++;
		}
		need = min_live == MIN_LIVE_ALL ? n : min_live;
		if (need > n) {
			servers_free(srv, n);
			msg("min_live is %lu but rraim has only %zu servers",
			    min_live, n);
			ret = RC_ERR;
			goto out;
		}
		if (attached == 1 && live >= need) {
			servers_free(srv, n);
			info("rraim attached; %zu of %zu servers live", live, n);
			ret = RC_OK;
			goto out;
		}
		if (timed_out(start, timeout)) {
			fmt_duration(t, sizeof(t), now_s() - start);
			if (attached != 1)
				msg("timed out after %s: the livepatch transition has not completed (attached = 0): see %s/transition and rraimctl(8), TROUBLESHOOTING",
				    t, ctl->livepatch);
			else
				msg("timed out after %s: %zu of %zu servers live, %zu needed",
				    t, live, n, need);
			for (i = 0; i < n; i++) {
				char sdir[PATH_MAX];

				if (pathf(sdir, sizeof(sdir), "%s/servers/%s",
					  ctl->sysfs, srv[i].name) ||
				    read_attr(sdir, "state", state, sizeof(state)) ||
				    !strcmp(state, "live"))
					continue;
				if (read_attr(sdir, "state_reason", why, sizeof(why)))
					strcpy(why, "?");
				msg("  %s: %s (%s)", srv[i].name, state, why);
			}
			servers_free(srv, n);
			ret = RC_TIMEOUT;
			goto out;
		}
		servers_free(srv, n);
		if (progress_tty())
			progress("waiting: attached %s, %zu of %zu servers live",
				 attached == 1 ? "yes" : "no", live, n);
		wait_step(start, timeout, 0.2);
	}
out:
	config_free(&c);
	return ret;
}

static void refuse_held(unsigned long long pages)
{
	char b[32];

	fmt_bytes(b, sizeof(b), pages * PAGE_BYTES);
	msg("refusing to detach: rraim holds %llu pages (%s) of swapped-out memory, which would be lost",
	    pages, b);
	msg("turn off the swap areas it serves first ('rraimctl swapoff' or 'swapoff DEVICE': swapoff reads the pages back), then run 'rraimctl detach' again");
}

static int cmd_detach(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	static const char *const rmmod_args[] = { "rraim", NULL };
	unsigned long long stored;
	char stats[PATH_MAX], enabled[16], lp[16], t[32];
	double start, timeout = opt_timeout(o, DETACH_TIMEOUT);
	int ret, st;

	(void)argc;
	(void)argv;
	ret = require_loaded(ctl);
	if (ret)
		return ret;
	if (pathf(stats, sizeof(stats), "%s/stats", ctl->sysfs))
		return RC_ERR;
	ret = read_num(stats, "stored_pages", &stored);
	if (ret) {
		msg("cannot read %s/stored_pages: %s", stats, strerror(-ret));
		return RC_ERR;
	}
	if (stored) {
		refuse_held(stored);
		return RC_ERR;
	}
	/*
	 * Stop new stores, then look again: a page stored between the first
	 * look and the unpatch would be lost.
	 */
	if (read_attr(ctl->sysfs, "enabled", enabled, sizeof(enabled)))
		strcpy(enabled, "1");
	if (write_attr(ctl->sysfs, "enabled", "0", NULL))
		return RC_ERR;
	ret = read_num(stats, "stored_pages", &stored);
	if (ret || stored) {
		if (ret)
			msg("cannot read %s/stored_pages: %s", stats,
			    strerror(-ret));
		else
			refuse_held(stored);
		write_attr(ctl->sysfs, "enabled", enabled, NULL);
		return RC_ERR;
	}

	if (is_dir(ctl->livepatch)) {
		if (read_attr(ctl->livepatch, "enabled", lp, sizeof(lp)))
			strcpy(lp, "1");
		if (strcmp(lp, "0")) {
			info("disabling the livepatch (%s)", ctl->livepatch);
			if (write_attr(ctl->livepatch, "enabled", "0", NULL)) {
				write_attr(ctl->sysfs, "enabled", enabled, NULL);
				return RC_ERR;
			}
		}
		start = now_s();
		while (exists(ctl->livepatch)) {
			if (timed_out(start, timeout)) {
				fmt_duration(t, sizeof(t), now_s() - start);
				msg("timed out after %s: the livepatch is still being removed (%s/transition is 1 while tasks switch back); run 'rraimctl detach' again later, see rraimctl(8)",
				    t, ctl->livepatch);
				return RC_TIMEOUT;
			}
			if (progress_tty())
				progress("waiting for the livepatch to go");
			sleep_s(0.1);
		}
		progress_end();
	}
	show_cmd("rmmod", rmmod_args);
	st = run("RRAIMCTL_RMMOD", "rmmod", rmmod_args);
	if (st) {
		if (st > 0)
			msg("rmmod rraim failed (exit status %d)", st);
		return RC_ERR;
	}
	info("rraim detached and unloaded");
	return RC_OK;
}

static int cmd_swapon(const struct ctl *ctl, int argc, char **argv)
{
	const char *args[3] = { NULL, NULL, NULL };
	unsigned long long attached = 0;
	unsigned int i, nturned = 0, turned[MAX_SWAP];
	struct config c;
	bool on;
	int ret, st;

	(void)argc;
	(void)argv;
	ret = load_config(&ctl->o, &c, true);
	if (ret)
		return ret;
	if (!c.nswap) {
		info("no swap area in %s", c.file);
		goto out;
	}
	ret = require_loaded(ctl);
	if (ret)
		goto out;
	if (read_num(ctl->sysfs, "attached", &attached) || attached != 1) {
		msg("rraim is not attached: a swap area turned on now would never be served by it; run 'rraimctl attach' first");
		ret = RC_ERR;
		goto out;
	}
	for (i = 0; i < c.nswap; i++) {
		ret = swap_check(c.swap[i]);
		if (ret)
			break;
		st = swap_active(c.swap[i], &on);
		if (st) {
			msg("cannot tell whether %s is on: %s", c.swap[i],
			    strerror(-st));
			ret = RC_ERR;
			break;
		}
		if (on) {
			info("%s is already on", c.swap[i]);
			continue;
		}
		args[0] = c.swap[i];
		show_cmd("swapon", args);
		if (run("RRAIMCTL_SWAPON", "swapon", args)) {
			msg("cannot turn on %s", c.swap[i]);
			ret = RC_ERR;
			break;
		}
		turned[nturned++] = i;
	}
	if (ret) {
		/* all or nothing: undo this run's swapons */
		while (nturned--) {
			args[0] = c.swap[turned[nturned]];
			show_cmd("swapoff", args);
			run("RRAIMCTL_SWAPOFF", "swapoff", args);
		}
	}
out:
	config_free(&c);
	return ret;
}

static int cmd_swapoff(const struct ctl *ctl, int argc, char **argv)
{
	const char *args[3] = { NULL, NULL, NULL };
	unsigned long long stored;
	char stats[PATH_MAX];
	struct config c;
	unsigned int i;
	bool on;
	int ret, st;

	(void)argc;
	(void)argv;
	ret = load_config(&ctl->o, &c, true);
	if (ret)
		return ret;
	for (i = c.nswap; i-- > 0;) {
		st = swap_active(c.swap[i], &on);
		if (st == -ENOENT) {
			info("%s does not exist", c.swap[i]);
			continue;
		}
		if (st) {
			msg("cannot tell whether %s is on: %s", c.swap[i],
			    strerror(-st));
			ret = RC_ERR;
			continue;
		}
		if (!on) {
			info("%s is not on", c.swap[i]);
			continue;
		}
		args[0] = c.swap[i];
		info("turning off %s: its pages are read back into memory", c.swap[i]);
		show_cmd("swapoff", args);
		if (run("RRAIMCTL_SWAPOFF", "swapoff", args)) {
			msg("cannot turn off %s", c.swap[i]);
			ret = RC_ERR;
		}
	}
	if (is_dir(ctl->sysfs) &&
	    !pathf(stats, sizeof(stats), "%s/stats", ctl->sysfs) &&
	    !read_num(stats, "stored_pages", &stored) && stored)
		info("rraim still holds %llu pages (of swap areas still on: see 'swapon --show')",
		     stored);
	config_free(&c);
	return ret;
}

static int cmd_config(const struct ctl *ctl, int argc, char **argv)
{
	struct config c;
	int ret, k;

	ret = load_config(&ctl->o, &c, true);
	if (ret)
		return ret;
	if (argc) {
		k = key_lookup(argv[0]);
		if (k < 0) {
			char keys[512];

			known_keys(keys, sizeof(keys));
			config_free(&c);
			return usage_err("unknown key '%s' (known keys: %s)",
					 argv[0], keys);
		}
		config_print_key(&c, k, false);
	} else {
		for (k = 0; k < K_COUNT; k++)
			config_print_key(&c, k, true);
	}
	config_free(&c);
	return RC_OK;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: rraimctl [OPTION]... COMMAND [ARG]...\n"
"Operate RRAIM, mirrored remote memory as a swap tier over RDMA.\n"
"\n"
"Commands:\n"
"  status                 servers, redundancy, latency, and a verdict\n"
"  add ADDR[:PORT]        add a memory server (port %d by default)\n"
"  remove ADDR[:PORT]     remove a memory server (refused while it holds\n"
"                         the only reachable copy of some page)\n"
"  drain ADDR[:PORT]      move a server's copies to the other servers\n"
"  replicas N             copies of each new page (1-%d, at most the servers)\n"
"  set KNOB VALUE         change a knob: enabled, deadline_ms, heartbeat_ms,\n"
"                         lost_wait_ms, sync_rate, auto_rebuild,\n"
"                         rebuild_delay_ms, replicas\n"
"  wait-sync              wait until no server is syncing and no page is\n"
"                         degraded\n"
"  attach [KEY=VALUE]...  load the module with the configuration (keys of\n"
"                         rraim.conf(5) on the command line override it),\n"
"                         wait until it is attached and the servers are live\n"
"  detach                 unload the module; refused while it holds pages\n"
"  swapon                 turn on the configuration's swap areas (after attach)\n"
"  swapoff                turn them off, reading their pages back (before\n"
"                         detach)\n"
"  config [KEY]           check the configuration file; print it, or KEY\n"
"\n"
"Options:\n"
"  --sysfs DIR            the module's sysfs directory (default %s)\n"
"  --json                 status: JSON output\n"
"  --config FILE          configuration file (default %s)\n"
"  --no-config            attach: read no configuration file\n"
"  --timeout SECONDS      give up waiting after this long (0: never); attach\n"
"                         (default: attach_timeout, else %d), detach (%d),\n"
"                         add --wait (%d), drain --wait and wait-sync (never)\n"
"  --min-live N|all       attach: live servers to wait for (default all)\n"
"  --wait                 add: wait until the server is live;\n"
"                         drain: wait until it is drained\n"
"  --cancel               drain: stop draining\n"
"  -h, --help             this text\n"
"  -V, --version          version\n"
"\n"
"Exit status: 0 success, 1 error or refusal, 2 usage or configuration error,\n"
"3 rraim module not loaded, 4 timeout.  See rraimctl(8).\n",
		RRAIM_DEFAULT_PORT, RRAIM_MAX_REPLICAS, RRAIM_SYSFS,
		RRAIMCTL_CONFIG, ATTACH_TIMEOUT, DETACH_TIMEOUT, ADD_TIMEOUT);
}

struct command {
	const char *name;
	int (*fn)(const struct ctl *ctl, int argc, char **argv);
	int min_args, max_args;		/* max -1: any */
	unsigned int opts;		/* OPT_* allowed */
	const char *args;		/* for messages */
};

static const struct command commands[] = {
	{ "status", cmd_status, 0, 0, OPT_JSON, "" },
	{ "add", cmd_add, 1, 1, OPT_WAIT | OPT_TIMEOUT, " ADDR[:PORT]" },
	{ "remove", cmd_remove, 1, 1, 0, " ADDR[:PORT]" },
	{ "drain", cmd_drain, 1, 1, OPT_WAIT | OPT_TIMEOUT | OPT_CANCEL,
	  " ADDR[:PORT]" },
	{ "replicas", cmd_replicas, 1, 1, 0, " N" },
	{ "set", cmd_set, 2, 2, 0, " KNOB VALUE" },
	{ "wait-sync", cmd_wait_sync, 0, 0, OPT_TIMEOUT, "" },
	{ "attach", cmd_attach, 0, -1,
	  OPT_CONFIG | OPT_NO_CONFIG | OPT_TIMEOUT | OPT_MIN_LIVE,
	  " [KEY=VALUE]..." },
	{ "detach", cmd_detach, 0, 0, OPT_TIMEOUT, "" },
	{ "swapon", cmd_swapon, 0, 0, OPT_CONFIG, "" },
	{ "swapoff", cmd_swapoff, 0, 0, OPT_CONFIG, "" },
	{ "config", cmd_config, 0, 1, OPT_CONFIG, " [KEY]" },
};

static const struct optdef {
	const char *name;
	unsigned int bit;
	bool arg;
} optdefs[] = {
	{ "--sysfs", OPT_SYSFS, true },
	{ "--json", OPT_JSON, false },
	{ "--config", OPT_CONFIG, true },
	{ "--no-config", OPT_NO_CONFIG, false },
	{ "--timeout", OPT_TIMEOUT, true },
	{ "--min-live", OPT_MIN_LIVE, true },
	{ "--wait", OPT_WAIT, false },
	{ "--cancel", OPT_CANCEL, false },
};

/* @pos: room for the positional arguments. */
static int rraimctl(int argc, char **argv, char **pos)
{
	const char *sysfs = RRAIM_SYSFS, *value;
	const struct command *cmd = NULL;
	const struct optdef *od;
	struct ctl ctl = { 0 };
	struct opts *o = &ctl.o;
	int i, npos = 0;
	size_t j, len;
	bool dashdash = false;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			pos[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return RC_OK;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("rraimctl %s\n", RRAIMCTL_VERSION);
			return RC_OK;
		}
		od = NULL;
		len = strcspn(a, "=");
		for (j = 0; j < sizeof(optdefs) / sizeof(optdefs[0]); j++)
			if (strlen(optdefs[j].name) == len &&
			    !strncmp(optdefs[j].name, a, len))
				od = &optdefs[j];
		if (!od)
			return usage_err("unknown option '%s'", a);
		if (o->given & od->bit)
			return usage_err("option %s given twice", od->name);
		o->given |= od->bit;
		value = NULL;
		if (a[len] == '=') {
			if (!od->arg)
				return usage_err("option %s takes no value", od->name);
			value = a + len + 1;
		} else if (od->arg) {
			if (i + 1 >= argc)
				return usage_err("option %s needs a value", od->name);
			value = argv[++i];
		}
		switch (od->bit) {
		case OPT_SYSFS:
			if (!*value)
				return usage_err("--sysfs needs a directory");
			sysfs = value;
			break;
		case OPT_CONFIG:
			if (!*value)
				return usage_err("--config needs a file");
			o->config = value;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(value, 1e6, &o->timeout))
				return usage_err("--timeout: '%s' is not a number of seconds (0 to 1000000)",
						 value);
			break;
		case OPT_MIN_LIVE:
			if (!strcmp(value, "all"))
				o->min_live = MIN_LIVE_ALL;
			else if (parse_ulong(value, 0, RRAIM_MAX_SERVERS, &o->min_live))
				return usage_err("--min-live: '%s' is neither 'all' nor a number from 0 to %d",
						 value, RRAIM_MAX_SERVERS);
			break;
		default:
			break;
		}
	}
	if (!npos)
		return usage_err("no command given");
	if (!strcmp(pos[0], "help")) {
		usage(stdout);
		return RC_OK;
	}
	for (j = 0; j < sizeof(commands) / sizeof(commands[0]); j++)
		if (!strcmp(commands[j].name, pos[0]))
			cmd = &commands[j];
	if (!cmd)
		return usage_err("unknown command '%s'", pos[0]);
	if (npos - 1 < cmd->min_args ||
	    (cmd->max_args >= 0 && npos - 1 > cmd->max_args))
		return usage_err("usage: rraimctl %s%s", cmd->name, cmd->args);
	for (j = 0; j < sizeof(optdefs) / sizeof(optdefs[0]); j++) {
		od = &optdefs[j];
		if ((o->given & od->bit) && od->bit != OPT_SYSFS &&
		    !(cmd->opts & od->bit))
			return usage_err("option %s does not apply to '%s'",
					 od->name, cmd->name);
	}
	if (sysfs_setup(&ctl, sysfs))
		return usage_err("--sysfs: '%s' is not a usable path", sysfs);
	progress_init();
	i = cmd->fn(&ctl, npos - 1, pos + 1);
	progress_end();
	return i;
}

int main(int argc, char **argv)
{
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int ret;

	if (!pos) {
		msg("out of memory");
		return RC_ERR;
	}
	ret = rraimctl(argc, argv, pos);
	free(pos);
	return ret;
}
