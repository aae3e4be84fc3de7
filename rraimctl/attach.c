// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl attach and detach: load the module of the configuration's front
 * end with the configuration (or apply it at run time when loaded) and
 * wait until it is attached and its servers are live, and for the block
 * front end until its device is there; unload whichever is loaded,
 * refused while it holds swapped-out pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rraimctl.h"

/* Hand the secret to the loaded module: it copies the key at once. */
static int converge_secret(const struct ctl *ctl, const struct config *c,
			   int mode)
{
	char path[PATH_MAX];
	long key;
	int err;

	if (param_path(ctl, mode, secret_key.param, path, sizeof(path))) {
		msg("cannot name the module's %s parameter", secret_key.param);
		return RC_ERR;
	}
	key = key_install(&secret_key, c->keyfile[K_SECRET]);
	if (key < 0)
		return RC_ERR;
	err = write_text(path, secret_key.desc);
	key_uninstall(&secret_key, key);
	if (err) {
		msg("cannot write %s: %s", path, strerror(-err));
		return RC_ERR;
	}
	info("secret: the servers are authenticated with %s (new connections)",
	     c->keyfile[K_SECRET]);
	return RC_OK;
}

/*
 * Page encryption is chosen when the module loads, for good: a loaded
 * module whose state is not what the configuration asks is refused, not
 * converged.  Its key cannot be read back, so a configured key is only
 * checked as a file.
 */
static int check_encryption(const struct ctl *ctl, const struct config *c)
{
	bool want = c->set[K_ENCRYPT_KEY];
	char v[VALUE_MAX];
	int err;

	err = read_attr(ctl->sysfs, "encryption", v, sizeof(v));
	if (err && err != -ENOENT) {
		msg("cannot read %s/encryption: %s", ctl->sysfs, strerror(-err));
		return RC_ERR;
	}
	if (err) {
		if (!want)
			return RC_OK;
		msg("encrypt_key is set, but the loaded rraim module has no page encryption (no %s/encryption): load a module that has it ('rraimctl detach' first)",
		    ctl->sysfs);
		return RC_ERR;
	}
	if (encryption_on(v) == want) {
		if (!want)
			return RC_OK;
		if (key_file_check(&page_key, c->keyfile[K_ENCRYPT_KEY]))
			return RC_ERR;
		info("encryption: on already; the loaded module keeps the key it was loaded with (a new key needs 'rraimctl detach' first)");
		return RC_OK;
	}
	msg("the loaded rraim module %s pages (encryption: %s) but the configuration sets %s: changing encryption needs 'rraimctl detach' first (after 'rraimctl swapoff'), then 'rraimctl attach'",
	    want ? "does not encrypt" : "encrypts", v,
	    want ? "encrypt_key" : "no encrypt_key");
	return RC_ERR;
}

/*
 * The device's size is fixed when rraim_blk loads: a loaded one of another
 * size is refused, as encryption is.
 */
static int check_disksize(const struct ctl *ctl, const struct config *c)
{
	char path[PATH_MAX], v[32], want[32], have[32];
	unsigned long long b;
	int err;

	if (param_path(ctl, MODE_BLOCKDEV, "disksize", path, sizeof(path))) {
		msg("cannot name rraim_blk's disksize parameter");
		return RC_ERR;
	}
	err = read_text(path, v, sizeof(v));
	if (err || !parse_u64(v, &b)) {
		msg("cannot read %s: %s", path, err ? strerror(-err) : "not a number");
		return RC_ERR;
	}
	if (b == c->disksize)
		return RC_OK;
	fmt_size(want, sizeof(want), c->disksize);
	fmt_size(have, sizeof(have), b);
	msg("the loaded rraim_blk has disksize = %s but the configuration sets %s: the size of %s is fixed when it loads, so a new one needs 'rraimctl swapoff' and 'rraimctl detach' first, then 'rraimctl attach'",
	    have, want, blkdev_path());
	return RC_ERR;
}

/*
 * So is the write rule: rraim_blk's all_copies is read-only after load.  A
 * module from before the parameter has none, which is all_copies = 0.
 */
static int check_all_copies(const struct ctl *ctl, const struct config *c)
{
	bool want = c->set[K_ALL_COPIES] && c->num[K_ALL_COPIES];
	char path[PATH_MAX], v[16];
	int err, have;

	if (param_path(ctl, MODE_BLOCKDEV, "all_copies", path, sizeof(path))) {
		msg("cannot name rraim_blk's all_copies parameter");
		return RC_ERR;
	}
	err = read_text(path, v, sizeof(v));
	if (err == -ENOENT && !want)
		return RC_OK;
	if (err == -ENOENT) {
		msg("all_copies = 1, but the loaded rraim_blk has no all_copies parameter (no %s): load one that has it ('rraimctl swapoff' and 'rraimctl detach' first)",
		    path);
		return RC_ERR;
	}
	have = err ? -1 : parse_bool(v);	/* Y or N */
	if (have < 0) {
		msg("cannot read %s: %s", path, err ? strerror(-err) : "not Y or N");
		return RC_ERR;
	}
	if (have == want)
		return RC_OK;
	msg("the loaded rraim_blk has all_copies = %d but the configuration sets %d: it is fixed when the module loads, so a change needs 'rraimctl swapoff' and 'rraimctl detach' first, then 'rraimctl attach'",
	    have, want);
	return RC_ERR;
}

/* With the module loaded: add the missing servers, set the knobs given. */
static int converge(const struct ctl *ctl, const struct config *c, int mode)
{
	char dir[PATH_MAX], cur[64], v[32];
	unsigned int i;
	int k, err, ret = RC_OK;

	info("%s is already loaded: applying the configuration at run time",
	     front_ends[mode].module);
	/* before anything changes: what is fixed at load must match */
	if (mode == MODE_BLOCKDEV &&
	    (check_disksize(ctl, c) || check_all_copies(ctl, c)))
		return RC_ERR;
	if (check_encryption(ctl, c))
		return RC_ERR;
	/* first: servers added below connect with it */
	if (c->set[K_SECRET] && converge_secret(ctl, c, mode))
		return RC_ERR;
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

/* Refuse to load when zswap owns the swap hooks: say how to fix it. */
static int check_zswap(const struct ctl *ctl)
{
	char v[16];

	if (read_text(ctl->zswap, v, sizeof(v)) || (strcmp(v, "Y") && strcmp(v, "1")))
		return RC_OK;
	msg("zswap is enabled and owns the swap hooks, so rraim cannot attach: write N to %s (then turn the swap areas off and on if zswap held pages) or boot with zswap.enabled=0",
	    ctl->zswap);
	return RC_ERR;
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
		if (!strncmp(text, "rraim: ", 7) || !strncmp(text, "rraim_blk: ", 11))
			msg("kernel: %s", text);
	}
	close(fd);
}

/* Unlink the keys installed (ids above 0) of @keys. */
static void keys_uninstall(const struct logon_key *const *keys, long *ids,
			   size_t nkeys)
{
	size_t j;

	for (j = 0; j < nkeys; j++) {
		key_uninstall(keys[j], ids[j]);
		ids[j] = 0;
	}
}

static int modprobe(const struct config *c, int mode)
{
	static const struct logon_key *const keys[] = { &secret_key, &page_key };
	enum { nkeys = sizeof(keys) / sizeof(keys[0]) };
	char args[K_COUNT + nkeys][1024];
	const char *argv[K_COUNT + nkeys + 2];
	long ids[nkeys] = { 0 };
	size_t n = 0, len, j;
	unsigned int i;
	int k, fd, st;

	argv[n++] = front_ends[mode].module;
	if (mode == MODE_BLOCKDEV) {
		/* memparse()'s syntax, with no octal or hexadecimal to misread */
		strcpy(args[K_DISKSIZE], "disksize=");
		fmt_size(args[K_DISKSIZE] + 9, sizeof(args[0]) - 9, c->disksize);
		argv[n++] = args[K_DISKSIZE];
		/* 0 is the module's default: the command line stays as it was */
		if (c->set[K_ALL_COPIES] && c->num[K_ALL_COPIES])
			argv[n++] = "all_copies=1";
	}
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
	/* the module copies the keys while it loads */
	for (j = 0; j < nkeys; j++) {
		if (!c->set[keys[j]->key])
			continue;
		ids[j] = key_install(keys[j], c->keyfile[keys[j]->key]);
		if (ids[j] < 0) {
			keys_uninstall(keys, ids, nkeys);
			return RC_ERR;
		}
		snprintf(args[K_COUNT + j], sizeof(args[0]), "%s=%s",
			 keys[j]->param, keys[j]->desc);
		argv[n++] = args[K_COUNT + j];
	}
	argv[n] = NULL;
	show_cmd("modprobe", argv);
	fd = kmsg_open();
	st = run("RRAIMCTL_MODPROBE", "modprobe", argv);
	keys_uninstall(keys, ids, nkeys);
	if (st) {
		if (st > 0)
			msg("modprobe %s failed (exit status %d)", argv[0], st);
		kmsg_show(fd);
		msg("see the kernel log ('dmesg | grep rraim') and rraimctl(8), TROUBLESHOOTING");
		return RC_ERR;
	}
	if (fd >= 0)
		close(fd);
	return RC_OK;
}

/* Not loaded: refuse what the module could not serve, then load it. */
static int load(const struct ctl *ctl, const struct config *c, int mode)
{
	unsigned int j;
	bool on;
	int ret = RC_OK;

	/* the block front end takes no hook: zswap may stay in front of it */
	if (mode == MODE_HOOKS)
		ret = check_zswap(ctl);
	for (j = 0; !ret && j < c->nswap; j++) {
		ret = swap_check(c->swap[j]);
		if (!ret && !swap_active(c->swap[j], &on) && on) {
			msg("swap area %s is already on: rraim serves only the swap areas turned on after it attached; turn it off ('swapoff %s') and keep it out of /etc/fstab (or mark it noauto there)",
			    c->swap[j], c->swap[j]);
			ret = RC_ERR;
		}
	}
	if (!ret)
		ret = modprobe(c, mode);
	return ret;
}

/* Live servers of @srv (from servers_load()). */
static size_t count_live(const struct ctl *ctl, const struct server *srv,
			 size_t n)
{
	char sdir[PATH_MAX], state[64];
	size_t i, live = 0;

	for (i = 0; i < n; i++)
		if (!pathf(sdir, sizeof(sdir), "%s/servers/%s", ctl->sysfs,
			   srv[i].name) &&
		    !read_attr(sdir, "state", state, sizeof(state)) &&
		    !strcmp(state, "live"))
			live++;
	return live;
}

/* The servers that are not live, and why, after a timeout. */
static void show_not_live(const struct ctl *ctl, const struct server *srv,
			  size_t n)
{
	char sdir[PATH_MAX], state[64], why[VALUE_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		if (pathf(sdir, sizeof(sdir), "%s/servers/%s", ctl->sysfs,
			  srv[i].name) ||
		    read_attr(sdir, "state", state, sizeof(state)) ||
		    !strcmp(state, "live"))
			continue;
		if (read_attr(sdir, "state_reason", why, sizeof(why)))
			strcpy(why, "?");
		msg("  %s: %s (%s)", srv[i].name, state, why);
	}
}

/* What one look at the module found. */
struct attach_state {
	unsigned long long attached;
	bool dev;			/* the block device is there */
	size_t n, live, need;
};

static void attach_timed_out(const struct ctl *ctl, int mode, double start,
			     const struct attach_state *st,
			     const struct server *srv)
{
	char t[32];

	fmt_duration(t, sizeof(t), now_s() - start);
	if (st->attached != 1 && mode == MODE_HOOKS)
		msg("timed out after %s: the livepatch transition has not completed (attached = 0): see %s/transition and rraimctl(8), TROUBLESHOOTING",
		    t, ctl->livepatch);
	else if (st->attached != 1)
		msg("timed out after %s: rraim_blk is not attached (attached = 0): see the kernel log ('dmesg | grep rraim')",
		    t);
	else if (!st->dev)
		msg("timed out after %s: %s has not appeared: see the kernel log ('dmesg | grep rraim') and 'udevadm settle'",
		    t, blkdev_path());
	else
		msg("timed out after %s: %zu of %zu servers live, %zu needed",
		    t, st->live, st->n, st->need);
	show_not_live(ctl, srv, st->n);
}

static void attach_done(int mode, const struct config *c,
			const struct attach_state *st)
{
	char b[32];

	if (mode == MODE_HOOKS) {
		info("rraim attached; %zu of %zu servers live", st->live, st->n);
		return;
	}
	fmt_bytes(b, sizeof(b), c->disksize);
	info("rraim_blk attached, %s ready (%s); %zu of %zu servers live",
	     blkdev_path(), b, st->live, st->n);
}

/*
 * Wait until the module is attached (the livepatch transition completed;
 * rraim_blk is attached once loaded), the block device is there, and
 * @min_live servers are live.
 */
static int attach_wait(const struct ctl *ctl, const struct config *c,
		       int mode, double timeout, unsigned long min_live)
{
	struct attach_state st;
	struct server *srv;
	double start = now_s();
	int ret;

	for (;;) {
		if (!is_dir(ctl->sysfs)) {
			if (timed_out(start, timeout))
				return require_loaded(ctl);
			sleep_s(0.1);
			continue;
		}
		memset(&st, 0, sizeof(st));
		read_num(ctl->sysfs, "attached", &st.attached);
		st.dev = mode != MODE_BLOCKDEV || exists(blkdev_path());
		ret = servers_load(ctl, &srv, &st.n, false);
		if (ret) {
			msg("cannot list the servers: %s", strerror(-ret));
			return RC_ERR;
		}
		st.live = count_live(ctl, srv, st.n);
		st.need = min_live == MIN_LIVE_ALL ? st.n : min_live;
		if (st.need > st.n) {
			servers_free(srv, st.n);
			msg("min_live is %lu but %s has only %zu servers",
			    min_live, front_ends[mode].module, st.n);
			return RC_ERR;
		}
		if (st.attached == 1 && st.dev && st.live >= st.need) {
			servers_free(srv, st.n);
			attach_done(mode, c, &st);
			return RC_OK;
		}
		if (timed_out(start, timeout)) {
			attach_timed_out(ctl, mode, start, &st, srv);
			servers_free(srv, st.n);
			return RC_TIMEOUT;
		}
		servers_free(srv, st.n);
		if (progress_tty())
			progress("waiting: attached %s%s, %zu of %zu servers live",
				 st.attached == 1 ? "yes" : "no",
				 st.dev ? "" : ", no device yet", st.live, st.n);
		wait_step(start, timeout, 0.2);
	}
}

int cmd_attach(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	unsigned long min_live;
	struct config c;
	double timeout;
	int ret, mode, loaded;

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
	mode = config_mode(&c);

	loaded = loaded_mode(ctl);
	if (loaded >= 0) {
		ret = require_mode(ctl, mode);
		if (!ret)
			ret = converge(ctl, &c, mode);
	} else {
		ret = load(ctl, &c, mode);
	}
	if (!ret)
		ret = attach_wait(ctl, &c, mode, timeout, min_live);
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

/*
 * rraim_blk: what it holds is the device's, and swapped-out memory only
 * while swap is on the device (the pages of a device nothing uses, its swap
 * header at least, go with it).  The kernel refuses the unload while
 * anything has the device open; swap is checked first, to say so.
 */
static int detach_blockdev(const struct ctl *ctl)
{
	static const char *const rmmod_args[] = { "rraim_blk", NULL };
	const char *dev = blkdev_path();
	unsigned long long stored = 0;
	char stats[PATH_MAX], b[32];
	bool on;
	int st;

	st = swap_active(dev, &on);
	if (st && st != -ENOENT) {
		msg("cannot tell whether %s is on: %s", dev, strerror(-st));
		return RC_ERR;
	}
	if (!st && on) {
		if (!pathf(stats, sizeof(stats), "%s/stats", ctl->sysfs))
			read_num(stats, "stored_pages", &stored);
		fmt_bytes(b, sizeof(b), stored * PAGE_BYTES);
		msg("refusing to detach: swap is on %s, whose %llu pages (%s) rraim_blk holds would be lost",
		    dev, stored, b);
		msg("turn it off first ('rraimctl swapoff' or 'swapoff %s': swapoff reads the pages back), then run 'rraimctl detach' again",
		    dev);
		return RC_ERR;
	}
	show_cmd("rmmod", rmmod_args);
	st = run("RRAIMCTL_RMMOD", "rmmod", rmmod_args);
	if (st) {
		if (st > 0)
			msg("rmmod rraim_blk failed (exit status %d): is %s still in use ('lsblk', 'fuser -v %s')?",
			    st, dev, dev);
		return RC_ERR;
	}
	info("rraim_blk detached and unloaded");
	return RC_OK;
}

int cmd_detach(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	static const char *const rmmod_args[] = { "rraim", NULL };
	unsigned long long stored, spaces;
	char stats[PATH_MAX], enabled[16], lp[16], t[32];
	double start, timeout = opt_timeout(o, DETACH_TIMEOUT);
	int ret, st;

	(void)argc;
	(void)argv;
	ret = require_loaded(ctl);
	if (ret)
		return ret;
	if (loaded_mode(ctl) == MODE_BLOCKDEV)
		return detach_blockdev(ctl);
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
	/* a module from before this file has none: nothing to check then */
	if (!read_num(stats, "spaces", &spaces) && spaces) {
		msg("refusing to detach: %llu swap areas rraim serves are still on; once detached, the kernel's own hooks would take them over without ever having seen them turned on (on Linux 6.12 the next swap-out to them crashes the kernel)",
		    spaces);
		msg("turn them off first ('rraimctl swapoff' or 'swapoff DEVICE'), then run 'rraimctl detach' again");
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
