// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl replicas and set: the module's knobs, checked against the
 * ranges of the configuration keys of the same names before the write.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rraimctl.h"

/* Knobs "set" changes, with the ranges of the configuration keys. */
static const int set_keys[] = {
	K_REPLICAS, K_DEADLINE, K_HEARTBEAT, K_LOST_WAIT, K_SYNC_RATE,
	K_AUTO_REBUILD, K_REBUILD_DELAY, K_ENABLED, K_CHECKSUM,
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

void replicas_hint(const struct ctl *ctl, int err)
{
	int n;

	if (err == EINVAL && (n = count_servers(ctl)) >= 0)
		msg("replicas must be from 1 to %d and at most the number of servers (%d configured)",
		    RRAIM_MAX_REPLICAS, n);
}

/* checksum 0 does not reach the pages the module encrypts: say so. */
static void checksum_hint(const struct ctl *ctl, const char *v)
{
	char enc[VALUE_MAX];

	if (!strcmp(v, "0") &&
	    !read_attr(ctl->sysfs, "encryption", enc, sizeof(enc)) &&
	    encryption_on(enc))
		msg("encryption is on (%s): every page is checksummed whatever the checksum knob says",
		    enc);
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
		if (k == K_CHECKSUM)
			checksum_hint(ctl, v);
		return RC_ERR;
	}
	info("%s = %s", keydefs[k].name, v);
	if (k == K_CHECKSUM)
		checksum_hint(ctl, v);
	return RC_OK;
}

int cmd_replicas(const struct ctl *ctl, int argc, char **argv)
{
	(void)argc;
	return set_knob(ctl, K_REPLICAS, argv[0]);
}

int cmd_set(const struct ctl *ctl, int argc, char **argv)
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
