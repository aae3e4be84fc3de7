/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM limits and defaults shared by the kernel module, the memory server
 * and rraimctl.  One place, so the tools cannot drift from the ranges the
 * module enforces.  Integer constants only: kernel and user space both
 * include it.  (The wire format, and the servers' default port, are in
 * rraim_proto.h.)
 */
#ifndef RRAIM_LIMITS_H
#define RRAIM_LIMITS_H

/* Servers the module knows at once (each a directory in sysfs servers/). */
#define RRAIM_MAX_SERVERS		32
/* Copies of a page: the replicas knob takes 1 .. RRAIM_MAX_REPLICAS. */
#define RRAIM_MAX_REPLICAS		8
/*
 * Pages of the largest space (a swap area, rraim_blk's disksize): the
 * reverse map of a mirrored chunk has 32-bit indexes.
 */
#define RRAIM_SPACE_MAX_PAGES		0x100000000ULL	/* 2^32 */

/*
 * Ranges of the knobs (module parameters and the sysfs files of the same
 * names); a knob without a minimum here takes 0.
 */
#define RRAIM_DEADLINE_MIN_MS		5
#define RRAIM_DEADLINE_MAX_MS		60000
#define RRAIM_HEARTBEAT_MIN_MS		10
#define RRAIM_HEARTBEAT_MAX_MS		60000
#define RRAIM_LOST_WAIT_MAX_MS		3600000
#define RRAIM_SYNC_RATE_MAX		10000000
#define RRAIM_REBUILD_DELAY_MAX_MS	86400000

#endif /* RRAIM_LIMITS_H */
