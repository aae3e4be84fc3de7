// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl swapon and swapoff: the swap areas of the configuration, which
 * rraim serves only if they are turned on after it attached.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rraimctl.h"

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
int swap_active(const char *path, bool *on)
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
int swap_check(const char *path)
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

int cmd_swapon(const struct ctl *ctl, int argc, char **argv)
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

int cmd_swapoff(const struct ctl *ctl, int argc, char **argv)
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
