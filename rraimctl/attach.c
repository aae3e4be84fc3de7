// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl attach and detach: load the module with the configuration (or
 * apply it at run time when loaded) and wait until it is attached and its
 * servers are live; unload it, refused while it holds pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rraimctl.h"

/* Hand the secret to the loaded module: it copies the key at once. */
static int converge_secret(const struct ctl *ctl, const struct config *c)
{
	long key;
	int err;

	key = key_install(&secret_key, c->keyfile[K_SECRET]);
	if (key < 0)
		return RC_ERR;
	err = write_text(ctl->auth_key, secret_key.desc);
	key_uninstall(&secret_key, key);
	if (err) {
		msg("cannot write %s: %s", ctl->auth_key, strerror(-err));
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

/* With the module loaded: add the missing servers, set the knobs given. */
static int converge(const struct ctl *ctl, const struct config *c)
{
	char dir[PATH_MAX], cur[64], v[32];
	unsigned int i;
	int k, err, ret = RC_OK;

	info("rraim is already loaded: applying the configuration at run time");
	/* before anything changes: a module that encrypts otherwise is refused */
	if (check_encryption(ctl, c))
		return RC_ERR;
	/* first: servers added below connect with it */
	if (c->set[K_SECRET] && converge_secret(ctl, c))
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
		if (!strncmp(text, "rraim: ", 7))
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

static int modprobe(const struct config *c)
{
	static const struct logon_key *const keys[] = { &secret_key, &page_key };
	enum { nkeys = sizeof(keys) / sizeof(keys[0]) };
	char args[K_COUNT + nkeys][1024];
	const char *argv[K_COUNT + nkeys + 2];
	long ids[nkeys] = { 0 };
	size_t n = 0, len, j;
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
			msg("modprobe rraim failed (exit status %d)", st);
		kmsg_show(fd);
		msg("see the kernel log ('dmesg | grep rraim') and rraimctl(8), TROUBLESHOOTING");
		return RC_ERR;
	}
	if (fd >= 0)
		close(fd);
	return RC_OK;
}

int cmd_attach(const struct ctl *ctl, int argc, char **argv)
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
