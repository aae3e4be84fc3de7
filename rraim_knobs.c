// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM knobs: the tunables, as one table.  Each knob is a module
 * parameter (read-only once loaded) and a sysfs file of the same name; both
 * parse with rraim_knob_parse() and check the knob's range, so a value
 * accepted at load is accepted at run time and the other way round.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "rraim.h"
#include "rraim_core.h"
#include "rraim_knobs.h"

/**
 * struct rraim_knob_def - one knob
 * @name: of the module parameter and the sysfs file
 * @min: smallest value accepted
 * @max: largest value accepted
 * @apply: after a sysfs write, make the change (NULL: storing it is all);
 *	may refuse it
 */
struct rraim_knob_def {
	const char *name;
	unsigned int min;
	unsigned int max;
	int (*apply)(enum rraim_knob k, unsigned int v);
};

static int rraim_knob_apply_enabled(enum rraim_knob k, unsigned int v)
{
	rraim_core_set_enabled(v);	/* 0: returns once no store is in flight */
	return 0;
}

static int rraim_knob_apply_replicas(enum rraim_knob k, unsigned int v)
{
	return rraim_set_replicas(v);
}

static int rraim_knob_apply_retune(enum rraim_knob k, unsigned int v)
{
	rraim_knob_set(k, v);
	rraim_servers_retune();
	return 0;
}

static int rraim_knob_apply_rebuild(enum rraim_knob k, unsigned int v)
{
	rraim_knob_set(k, v);
	if (k != RRAIM_KNOB_AUTO_REBUILD || v)
		rraim_sync_kick(0);
	return 0;
}

static const struct rraim_knob_def rraim_knob_defs[RRAIM_KNOB_NR] = {
	[RRAIM_KNOB_ENABLED] = {
		"enabled", 0, 1, rraim_knob_apply_enabled },
	[RRAIM_KNOB_REPLICAS] = {
		"replicas", 1, RRAIM_MAX_REPLICAS, rraim_knob_apply_replicas },
	[RRAIM_KNOB_DEADLINE_MS] = {
		"deadline_ms", RRAIM_DEADLINE_MIN_MS, RRAIM_DEADLINE_MAX_MS,
		rraim_knob_apply_retune },
	[RRAIM_KNOB_HEARTBEAT_MS] = {
		"heartbeat_ms", RRAIM_HEARTBEAT_MIN_MS, RRAIM_HEARTBEAT_MAX_MS,
		rraim_knob_apply_retune },
	[RRAIM_KNOB_LOST_WAIT_MS] = {
		"lost_wait_ms", 0, RRAIM_LOST_WAIT_MAX_MS, NULL },
	[RRAIM_KNOB_SYNC_RATE] = {
		"sync_rate", 0, RRAIM_SYNC_RATE_MAX, NULL },
	[RRAIM_KNOB_AUTO_REBUILD] = {
		"auto_rebuild", 0, 1, rraim_knob_apply_rebuild },
	[RRAIM_KNOB_REBUILD_DELAY_MS] = {
		"rebuild_delay_ms", 0, RRAIM_REBUILD_DELAY_MAX_MS,
		rraim_knob_apply_rebuild },
	[RRAIM_KNOB_CHECKSUM] = {
		"checksum", 0, 1, NULL },
};

/* The values, with their defaults; module parameters may change them. */
static unsigned int rraim_knob_val[RRAIM_KNOB_NR] = {
	[RRAIM_KNOB_ENABLED] = 1,
	[RRAIM_KNOB_REPLICAS] = 2,
	[RRAIM_KNOB_DEADLINE_MS] = 100,
	[RRAIM_KNOB_HEARTBEAT_MS] = 250,
	[RRAIM_KNOB_LOST_WAIT_MS] = 10000,
	[RRAIM_KNOB_SYNC_RATE] = 0,
	[RRAIM_KNOB_AUTO_REBUILD] = 1,
	[RRAIM_KNOB_REBUILD_DELAY_MS] = 10000,
	[RRAIM_KNOB_CHECKSUM] = 1,
};

static unsigned long rraim_knob_given_mask;	/* module parameters given */

unsigned int rraim_knob(enum rraim_knob k)
{
	return READ_ONCE(rraim_knob_val[k]);
}

void rraim_knob_set(enum rraim_knob k, unsigned int v)
{
	WRITE_ONCE(rraim_knob_val[k], v);
}

bool rraim_knob_given(enum rraim_knob k)
{
	return test_bit(k, &rraim_knob_given_mask);
}

/**
 * rraim_parse_uint - the one parser of numbers written to the module
 * @buf: a decimal number, with or without a trailing newline
 * @min: the smallest value taken
 * @max: the largest value taken
 * @v: the value
 *
 * Return: 0, or -EINVAL for anything else.
 */
int rraim_parse_uint(const char *buf, unsigned int min, unsigned int max,
		     unsigned int *v)
{
	/* digits first: kstrtouint() would take a sign ("+1") */
	if (!isdigit(*buf) || kstrtouint(buf, 10, v))
		return -EINVAL;
	return *v < min || *v > max ? -EINVAL : 0;
}

static int rraim_knob_parse(enum rraim_knob k, const char *buf,
			    unsigned int *v)
{
	const struct rraim_knob_def *d = &rraim_knob_defs[k];

	return rraim_parse_uint(buf, d->min, d->max, v);
}

ssize_t rraim_knob_show(enum rraim_knob k, char *buf)
{
	return sysfs_emit(buf, "%u\n", rraim_knob(k));
}

int rraim_knob_store(enum rraim_knob k, const char *buf)
{
	unsigned int v;
	int ret;

	ret = rraim_knob_parse(k, buf, &v);
	if (ret)
		return ret;
	if (rraim_knob_defs[k].apply)
		return rraim_knob_defs[k].apply(k, v);
	rraim_knob_set(k, v);
	return 0;
}

/* ---------------------------------------------------- module parameters */

static int rraim_knob_param_set(const char *val, const struct kernel_param *kp)
{
	enum rraim_knob k = (unsigned long)kp->arg;
	unsigned int v;
	int ret;

	ret = rraim_knob_parse(k, val, &v);
	if (ret)
		return ret;
	rraim_knob_set(k, v);
	set_bit(k, &rraim_knob_given_mask);
	return 0;
}

static int rraim_knob_param_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%u\n", rraim_knob((unsigned long)kp->arg));
}

static const struct kernel_param_ops rraim_knob_param_ops = {
	.set = rraim_knob_param_set,
	.get = rraim_knob_param_get,
};

/* Each knob's module parameter: its argument is the knob's index. */
module_param_cb(enabled, &rraim_knob_param_ops, (void *)RRAIM_KNOB_ENABLED, 0444);
MODULE_PARM_DESC(enabled, "Accept new stores, 0 or 1 (default 1)");
module_param_cb(replicas, &rraim_knob_param_ops, (void *)RRAIM_KNOB_REPLICAS, 0444);
MODULE_PARM_DESC(replicas, "Copies of each page, 1-8 (default 2)");
module_param_cb(deadline_ms, &rraim_knob_param_ops, (void *)RRAIM_KNOB_DEADLINE_MS, 0444);
MODULE_PARM_DESC(deadline_ms, "Per-fault deadline in ms, 5-60000 (default 100)");
module_param_cb(heartbeat_ms, &rraim_knob_param_ops, (void *)RRAIM_KNOB_HEARTBEAT_MS, 0444);
MODULE_PARM_DESC(heartbeat_ms, "Heartbeat interval in ms, 10-60000 (default 250)");
module_param_cb(lost_wait_ms, &rraim_knob_param_ops, (void *)RRAIM_KNOB_LOST_WAIT_MS, 0444);
MODULE_PARM_DESC(lost_wait_ms, "Wait for an unreachable copy in ms, 0-3600000 (default 10000)");
module_param_cb(sync_rate, &rraim_knob_param_ops, (void *)RRAIM_KNOB_SYNC_RATE, 0444);
MODULE_PARM_DESC(sync_rate, "Sync copy rate in pages/s, 0 = unlimited (default 0)");
module_param_cb(auto_rebuild, &rraim_knob_param_ops, (void *)RRAIM_KNOB_AUTO_REBUILD, 0444);
MODULE_PARM_DESC(auto_rebuild, "Rebuild lost copies on other servers, 0 or 1 (default 1)");
module_param_cb(rebuild_delay_ms, &rraim_knob_param_ops, (void *)RRAIM_KNOB_REBUILD_DELAY_MS, 0444);
MODULE_PARM_DESC(rebuild_delay_ms, "Rebuild after a server is away this long, ms (default 10000)");
module_param_cb(checksum, &rraim_knob_param_ops, (void *)RRAIM_KNOB_CHECKSUM, 0444);
MODULE_PARM_DESC(checksum, "Checksum each page stored, check each copy read, 0 or 1 (default 1)");

/* Servers to use from the start: "a.b.c.d[:port],..." */
static char *rraim_servers_param;
module_param_named(servers, rraim_servers_param, charp, 0444);
MODULE_PARM_DESC(servers, "Memory servers at load time: ADDR[:PORT],...");

const char *rraim_knob_servers(void)
{
	return rraim_servers_param;
}
