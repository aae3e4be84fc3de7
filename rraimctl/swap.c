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

/*
 * The block front end's device is empty at each load: make it a swap area
 * each time, never while it is one (then it is on already: the caller's
 * check).
 */
static int make_swap(const char *dev)
{
	const char *args[2] = { dev, NULL };
	int st;

	show_cmd("mkswap", args);
	st = run("RRAIMCTL_MKSWAP", "mkswap", args);
	if (st) {
		if (st > 0)
			msg("mkswap %s failed (exit status %d)", dev, st);
		return RC_ERR;
	}
	return RC_OK;
}

/*
 * Turn on @areas in order, mkswap first with @mkswap; all or nothing: on a
 * failure, those this run turned on are turned off again.
 */
static int swapon_areas(char *const *areas, unsigned int n, bool mkswap)
{
	const char *args[3] = { NULL, NULL, NULL };
	unsigned int i, nturned = 0, turned[MAX_SWAP];
	int ret = RC_OK, st;
	bool on;

	for (i = 0; i < n; i++) {
		ret = swap_check(areas[i]);
		if (ret)
			break;
		st = swap_active(areas[i], &on);
		if (st) {
			msg("cannot tell whether %s is on: %s", areas[i],
			    strerror(-st));
			ret = RC_ERR;
			break;
		}
		if (on) {
			info("%s is already on%s", areas[i],
			     mkswap ? ": no mkswap, nothing to do" : "");
			continue;
		}
		if (mkswap) {
			ret = make_swap(areas[i]);
			if (ret)
				break;
		}
		args[0] = areas[i];
		show_cmd("swapon", args);
		if (run("RRAIMCTL_SWAPON", "swapon", args)) {
			msg("cannot turn on %s", areas[i]);
			ret = RC_ERR;
			break;
		}
		turned[nturned++] = i;
	}
	if (ret) {
		while (nturned--) {
			args[0] = areas[turned[nturned]];
			show_cmd("swapoff", args);
			run("RRAIMCTL_SWAPOFF", "swapoff", args);
		}
	}
	return ret;
}

int cmd_swapon(const struct ctl *ctl, int argc, char **argv)
{
	unsigned long long attached = 0;
	char *dev[1] = { (char *)blkdev_path() };
	struct config c;
	int ret, mode;

	(void)argc;
	(void)argv;
	ret = load_config(&ctl->o, &c, true);
	if (ret)
		return ret;
	mode = config_mode(&c);
	if (mode == MODE_HOOKS && !c.nswap) {
		info("no swap area in %s", c.file);
		goto out;
	}
	ret = require_mode(ctl, mode);
	if (ret)
		goto out;
	if (read_num(ctl->sysfs, "attached", &attached) || attached != 1) {
		msg("rraim is not attached: a swap area turned on now would never be served by it; run 'rraimctl attach' first");
		ret = RC_ERR;
		goto out;
	}
	if (mode == MODE_BLOCKDEV)
		ret = swapon_areas(dev, 1, true);
	else
		ret = swapon_areas(c.swap, c.nswap, false);
out:
	config_free(&c);
	return ret;
}

/* Turn off @path if it is on: RC_*. */
static int swapoff_area(const char *path)
{
	const char *args[2] = { path, NULL };
	bool on;
	int st;

	st = swap_active(path, &on);
	if (st == -ENOENT) {
		info("%s does not exist", path);
		return RC_OK;
	}
	if (st) {
		msg("cannot tell whether %s is on: %s", path, strerror(-st));
		return RC_ERR;
	}
	if (!on) {
		info("%s is not on", path);
		return RC_OK;
	}
	info("turning off %s: its pages are read back into memory", path);
	show_cmd("swapoff", args);
	if (run("RRAIMCTL_SWAPOFF", "swapoff", args)) {
		msg("cannot turn off %s", path);
		return RC_ERR;
	}
	return RC_OK;
}

/*
 * The configuration's swap areas, last first; and the block front end's
 * device whenever rraim_blk is loaded, whatever the configuration says
 * now: it can only be RRAIM's, and detach needs it off.
 */
int cmd_swapoff(const struct ctl *ctl, int argc, char **argv)
{
	unsigned long long stored;
	char stats[PATH_MAX];
	struct config c;
	unsigned int i;
	int ret, loaded;

	(void)argc;
	(void)argv;
	ret = load_config(&ctl->o, &c, true);
	if (ret)
		return ret;
	loaded = loaded_mode(ctl);
	if (config_mode(&c) == MODE_BLOCKDEV || loaded == MODE_BLOCKDEV)
		ret = swapoff_area(blkdev_path());
	for (i = c.nswap; i-- > 0;)
		if (swapoff_area(c.swap[i]))
			ret = RC_ERR;
	/* rraim_blk holds the device's swap header, on or not */
	if (loaded == MODE_HOOKS &&
	    !pathf(stats, sizeof(stats), "%s/stats", ctl->sysfs) &&
	    !read_num(stats, "stored_pages", &stored) && stored)
		info("rraim still holds %llu pages (of swap areas still on: see 'swapon --show')",
		     stored);
	config_free(&c);
	return ret;
}
