/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM knobs (rraim_knobs.c): one table of tunables that drives both the
 * module parameters and the sysfs files of the same names, with one parser
 * (decimal; 0 or 1 for the switches) and one range per knob, the ranges of
 * rraim_limits.h.
 */
#ifndef RRAIM_KNOBS_H
#define RRAIM_KNOBS_H

#include <linux/types.h>

enum rraim_knob {
	RRAIM_KNOB_ENABLED,		/* accept new stores */
	RRAIM_KNOB_REPLICAS,		/* copies of each new page */
	RRAIM_KNOB_DEADLINE_MS,		/* bound on a fault a failed server may cause */
	RRAIM_KNOB_HEARTBEAT_MS,	/* interval of the servers' heartbeat */
	RRAIM_KNOB_LOST_WAIT_MS,	/* wait for an unreachable copy to return */
	RRAIM_KNOB_SYNC_RATE,		/* pages/s the sync copies, 0: no limit */
	RRAIM_KNOB_AUTO_REBUILD,	/* rebuild a lost server's copies elsewhere */
	RRAIM_KNOB_REBUILD_DELAY_MS,	/* after it has been away this long */
	RRAIM_KNOB_CHECKSUM,		/* checksum new pages, check every copy read */
	RRAIM_KNOB_NR,
};

/**
 * rraim_knob - the current value of a knob
 * @k: which
 *
 * Lock-free: a value read may be replaced the next moment.
 */
unsigned int rraim_knob(enum rraim_knob k);

/* Set a knob the core validated itself (replicas, enabled). */
void rraim_knob_set(enum rraim_knob k, unsigned int v);

/* Was the knob given as a module parameter? */
bool rraim_knob_given(enum rraim_knob k);

/* The servers module parameter ("a.b.c.d[:port],..."), or NULL. */
const char *rraim_knob_servers(void);

/**
 * rraim_knob_show - print a knob for its sysfs file
 * @k: which
 * @buf: the sysfs page
 */
ssize_t rraim_knob_show(enum rraim_knob k, char *buf);

/**
 * rraim_knob_store - a write to a knob's sysfs file
 * @k: which
 * @buf: what was written
 *
 * Parses and checks the range like the module parameter, then applies the
 * value (some knobs retune the servers or wake the sync).
 * Return: 0, -EINVAL for a malformed or out-of-range value, or what the
 * change itself refused (replicas above the number of servers).
 */
int rraim_knob_store(enum rraim_knob k, const char *buf);
int rraim_parse_uint(const char *buf, unsigned int min, unsigned int max,
		     unsigned int *v);

#endif /* RRAIM_KNOBS_H */
