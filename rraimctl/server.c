// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl add, remove and drain: the memory servers of this host, named
 * A.B.C.D[:PORT] as the module spells them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rraimctl.h"

/* "ADDR[:PORT]" argument into the module's spelling: RC_OK or RC_USAGE. */
static int addr_arg(const char *arg, char *canon, size_t len)
{
	const char *why;

	if (parse_addr(arg, canon, len, &why))
		return usage_err("'%s' is not a server address A.B.C.D[:PORT]: %s",
				 arg, why);
	return RC_OK;
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

int cmd_add(const struct ctl *ctl, int argc, char **argv)
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

int cmd_remove(const struct ctl *ctl, int argc, char **argv)
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

int cmd_drain(const struct ctl *ctl, int argc, char **argv)
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
