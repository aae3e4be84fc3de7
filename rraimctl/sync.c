// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl wait-sync: wait until no server is syncing and no page is
 * degraded, with the progress of the copies and an estimate of the time
 * left.
 */
#include <stdio.h>
#include <string.h>

#include "rraimctl.h"

int cmd_wait_sync(const struct ctl *ctl, int argc, char **argv)
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
