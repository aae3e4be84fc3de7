// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl: the module's files.  One value a file, read without its
 * newline and written in one write(2) with it, as sysfs wants; a whole
 * directory read at once (struct attrs); the servers' directories.  The
 * paths all derive from --sysfs (sysfs_setup()), so that the tests can
 * stand a tree of plain files in for the kernel's.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rraimctl.h"

/* --------------------------------------------------------------- files */

int __attribute__((format(printf, 3, 4)))
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

bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* Read a one-value file without its trailing newlines: 0 or -errno. */
int read_text(const char *path, char *buf, size_t len)
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

int read_attr(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (pathf(path, sizeof(path), "%s/%s", dir, name))
		return -errno;
	return read_text(path, buf, len);
}

/* 0, -errno, or -EINVAL when the value is not a number. */
int read_num(const char *dir, const char *name, unsigned long long *v)
{
	char buf[64];
	int ret;

	ret = read_attr(dir, name, buf, sizeof(buf));
	if (ret)
		return ret;
	return parse_u64(buf, v) ? 0 : -EINVAL;
}

/* Write "VALUE\n" in one write(2), as sysfs wants it: 0 or -errno. */
int write_text(const char *path, const char *value)
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
int write_attr(const char *dir, const char *name, const char *value,
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

int require_loaded(const struct ctl *ctl)
{
	if (is_dir(ctl->sysfs))
		return 0;
	msg("rraim module not loaded (%s does not exist); load it with 'rraimctl attach'",
	    ctl->sysfs);
	return RC_NOT_LOADED;
}

const struct front_end front_ends[MODE_COUNT] = {
	[MODE_HOOKS]	= { "hooks", "rraim", "the swap hooks" },
	[MODE_BLOCKDEV]	= { "blockdev", "rraim_blk", "the block device" },
};

/* The modules' own directories tell them apart: both own the sysfs one. */
int loaded_mode(const struct ctl *ctl)
{
	char dir[PATH_MAX];

	if (!is_dir(ctl->sysfs))
		return -1;
	if (!pathf(dir, sizeof(dir), "%s/%s", ctl->modules,
		   front_ends[MODE_BLOCKDEV].module) && is_dir(dir))
		return MODE_BLOCKDEV;
	return MODE_HOOKS;
}

int require_mode(const struct ctl *ctl, int mode)
{
	int loaded = loaded_mode(ctl);

	if (loaded < 0)
		return require_loaded(ctl);
	if (loaded == mode)
		return 0;
	msg("the loaded module is %s (%s), but the configuration sets mode = %s: one front end at a time, so 'rraimctl swapoff' and 'rraimctl detach' come first",
	    front_ends[loaded].module, front_ends[loaded].what,
	    front_ends[mode].name);
	return RC_ERR;
}

int param_path(const struct ctl *ctl, int mode, const char *name,
	       char *path, size_t len)
{
	return pathf(path, len, "%s/%s/parameters/%s", ctl->modules,
		     front_ends[mode].module, name);
}

const char *blkdev_path(void)
{
	const char *dev = getenv("RRAIMCTL_BLKDEV");

	return dev && *dev ? dev : RRAIM_BLKDEV;
}

bool encryption_on(const char *value)
{
	return value && !strncmp(value, "on", 2) &&
	       (!value[2] || value[2] == ' ');
}

/* Derive the other sysfs paths from --sysfs DIR (textually: DIR may be absent). */
int sysfs_setup(struct ctl *ctl, const char *dir)
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
		  strcmp(root, "/") ? root : "") ||
	    pathf(ctl->modules, sizeof(ctl->modules), "%s/module",
		  strcmp(root, "/") ? root : ""))
		return -1;
	return 0;
}

/* ----------------------------------------------------- sysfs snapshots */

bool in_list(const char *name, const char *const *list)
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

void attrs_free(struct attrs *as)
{
	free(as->v);
	as->v = NULL;
	as->n = 0;
}

/* Every regular file of @dir but those of @skip: 0 or -errno. */
int attrs_load(struct attrs *as, const char *dir, const char *const *skip)
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

const struct attr *attrs_find(const struct attrs *as, const char *name)
{
	size_t i;

	for (i = 0; i < as->n; i++)
		if (!strcmp(as->v[i].name, name))
			return &as->v[i];
	return NULL;
}

/* The value, or NULL when absent or unreadable. */
const char *attrs_str(const struct attrs *as, const char *name)
{
	const struct attr *at = attrs_find(as, name);

	return at && !at->err ? at->value : NULL;
}

bool attrs_u64(const struct attrs *as, const char *name,
	       unsigned long long *v)
{
	const char *s = attrs_str(as, name);

	return s && parse_u64(s, v);
}

/* A number as text, or "?" when absent or not a number. */
const char *attrs_num_text(const struct attrs *as, const char *name)
{
	unsigned long long v;
	const char *s = attrs_str(as, name);

	return s && parse_u64(s, &v) ? s : "?";
}

/* ------------------------------------------------------------- servers */

/* Write-only: reading it fails. */
static const char *const server_skip[] = { "drain", NULL };

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

void servers_free(struct server *srv, size_t n)
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
int servers_load(const struct ctl *ctl, struct server **out, size_t *np,
		 bool files)
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

int server_dir(const struct ctl *ctl, const char *name, char *dir, size_t len)
{
	if (pathf(dir, len, "%s/servers/%s", ctl->sysfs, name))
		return -1;
	return is_dir(dir) ? 0 : -1;
}

int count_servers(const struct ctl *ctl)
{
	struct server *srv;
	size_t n;

	if (servers_load(ctl, &srv, &n, false))
		return -1;
	servers_free(srv, n);
	return (int)n;
}
