// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM statistics: per-CPU counters and latency histograms, for the
 * module and for each server.  Counting is lock-free (this CPU's copy);
 * reading sums every CPU's copy, so a value read while others count is
 * approximate, never torn per CPU.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "rraim_stats.h"

/* The module's set: counters and the store and load latencies. */
struct rraim_stats {
	u64 count[RRAIM_STAT_NR];
	struct rraim_hist lat[RRAIM_LAT_NR];
};

/* A server's set: counters and its write and read latencies. */
struct rraim_server_stats {
	u64 count[RRAIM_SSTAT_NR];
	struct rraim_hist lat[RRAIM_SLAT_NR];
};

static struct rraim_stats __percpu *rraim_stats;

/* ----------------------------------------------------------- histograms */

/* Bucket of a latency: exact below 4 us, then four buckets per octave. */
static unsigned int rraim_hist_bucket(u64 us)
{
	unsigned int msb, sub, b;

	if (us < (1 << RRAIM_HIST_SUB_BITS))
		return us;
	msb = fls64(us) - 1;
	sub = (us >> (msb - RRAIM_HIST_SUB_BITS)) &
	      ((1 << RRAIM_HIST_SUB_BITS) - 1);
	b = ((msb - RRAIM_HIST_SUB_BITS + 1) << RRAIM_HIST_SUB_BITS) + sub;
	return min(b, RRAIM_HIST_BUCKETS - 1U);
}

u64 rraim_hist_bucket_floor(unsigned int bucket)
{
	unsigned int octave = bucket >> RRAIM_HIST_SUB_BITS;
	unsigned int sub = bucket & ((1 << RRAIM_HIST_SUB_BITS) - 1);

	if (!octave)
		return bucket;
	return (u64)((1 << RRAIM_HIST_SUB_BITS) + sub) << (octave - 1);
}

static void rraim_hist_add(struct rraim_hist *h, u64 us)
{
	h->bucket[rraim_hist_bucket(us)]++;
	if (us > h->max_us)
		h->max_us = us;
}

static void rraim_hist_fold(struct rraim_hist *sum, const struct rraim_hist *h)
{
	unsigned int i;

	for (i = 0; i < RRAIM_HIST_BUCKETS; i++)
		sum->bucket[i] += h->bucket[i];
	sum->max_us = max(sum->max_us, h->max_us);
}

u64 rraim_hist_percentile(const struct rraim_hist *h, unsigned int permille)
{
	u64 total = 0, seen = 0, want;
	unsigned int i;

	for (i = 0; i < RRAIM_HIST_BUCKETS; i++)
		total += h->bucket[i];
	if (!total)
		return 0;
	want = div_u64(total * permille + 999, 1000);
	for (i = 0; i < RRAIM_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want)
			break;
	}
	if (i + 1 >= RRAIM_HIST_BUCKETS)
		return h->max_us;
	return min(rraim_hist_bucket_floor(i + 1) - 1, h->max_us);
}

/* Add the time since @t0 to this CPU's copy of @h. */
static void rraim_hist_note(struct rraim_hist __percpu *h, ktime_t t0)
{
	u64 us = div_u64(ktime_to_ns(ktime_sub(ktime_get(), t0)),
			 NSEC_PER_USEC);

	preempt_disable();
	rraim_hist_add(this_cpu_ptr(h), us);
	preempt_enable();
}

/* ---------------------------------------------------------- the module's */

void rraim_count(enum rraim_stat stat)
{
	this_cpu_inc(rraim_stats->count[stat]);
}

void rraim_count_add(enum rraim_stat stat, u64 n)
{
	this_cpu_add(rraim_stats->count[stat], n);
}

u64 rraim_stat_sum(enum rraim_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(rraim_stats, cpu)->count[stat];
	return sum;
}

void rraim_lat_note(enum rraim_lat lat, ktime_t t0)
{
	rraim_hist_note(&rraim_stats->lat[lat], t0);
}

/* Every CPU's samples of @lat into @sum (zeroed first). */
void rraim_lat_fold(enum rraim_lat lat, struct rraim_hist *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu)
		rraim_hist_fold(sum, &per_cpu_ptr(rraim_stats, cpu)->lat[lat]);
}

/* Zero the module's counters and histograms (not the servers'). */
void rraim_stats_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(rraim_stats, cpu), 0, sizeof(*rraim_stats));
}

/* ------------------------------------------------------------ a server's */

struct rraim_server_stats __percpu *rraim_server_stats_alloc(void)
{
	return alloc_percpu(struct rraim_server_stats);
}

void rraim_server_stats_free(struct rraim_server_stats __percpu *st)
{
	free_percpu(st);
}

void rraim_server_stats_reset(struct rraim_server_stats __percpu *st)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(st, cpu), 0, sizeof(struct rraim_server_stats));
}

void rraim_sstat_inc(struct rraim_server_stats __percpu *st,
		     enum rraim_server_stat stat)
{
	this_cpu_inc(st->count[stat]);
}

u64 rraim_sstat_sum(struct rraim_server_stats __percpu *st,
		    enum rraim_server_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(st, cpu)->count[stat];
	return sum;
}

void rraim_slat_note(struct rraim_server_stats __percpu *st,
		     enum rraim_server_lat lat, ktime_t t0)
{
	rraim_hist_note(&st->lat[lat], t0);
}

void rraim_slat_fold(struct rraim_server_stats __percpu *st,
		     enum rraim_server_lat lat, struct rraim_hist *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu)
		rraim_hist_fold(sum, &per_cpu_ptr(st, cpu)->lat[lat]);
}

/* ------------------------------------------------------------ init, exit */

int rraim_stats_init(void)
{
	rraim_stats = alloc_percpu(struct rraim_stats);
	return rraim_stats ? 0 : -ENOMEM;
}

void rraim_stats_exit(void)
{
	free_percpu(rraim_stats);
	rraim_stats = NULL;
}
