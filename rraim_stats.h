/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM statistics: per-CPU counters, one per outcome and per reject
 * reason, and latency histograms; one set for the module, one per server.
 * The sets themselves are private to rraim_stats.c.
 */
#ifndef RRAIM_STATS_H
#define RRAIM_STATS_H

#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/types.h>

/*
 * Latency histograms: log-linear buckets in microseconds, four per power of
 * two (at most 25% wide), exact below 4 us; the last bucket holds
 * everything from 7.3 s up.
 */
#define RRAIM_HIST_SUB_BITS	2
#define RRAIM_HIST_BUCKETS	88

/**
 * struct rraim_hist - a latency histogram
 * @bucket: samples per bucket (see rraim_hist_bucket_floor())
 * @max_us: the largest sample
 */
struct rraim_hist {
	u64 bucket[RRAIM_HIST_BUCKETS];
	u64 max_us;
};

/* Module counters, one per outcome and per reject reason. */
enum rraim_stat {
	RRAIM_STAT_STORES,		/* pages stored */
	RRAIM_STAT_STORES_DEGRADED,	/* ... with fewer copies than wanted */
	RRAIM_STAT_STORES_LARGE,	/* large folios stored whole */
	RRAIM_STAT_LOADS,		/* pages loaded */
	RRAIM_STAT_LOAD_FAILOVERS,	/* ... while a copy was out of reach */
	RRAIM_STAT_LOAD_WAITS,		/* loads that waited for a server */
	RRAIM_STAT_LOAD_LOST,		/* loads of a lost page */
	RRAIM_STAT_LOAD_MISSES,		/* loads of a slot the core never held */
	RRAIM_STAT_INVALIDATES,		/* pages forgotten */
	RRAIM_STAT_REJECT_DISABLED,	/* not enabled */
	RRAIM_STAT_REJECT_DETACHED,	/* front end not (yet) attached */
	RRAIM_STAT_REJECT_THP,		/* ... pages of a large folio with one */
	RRAIM_STAT_REJECT_AREA,		/* swap area not known */
	RRAIM_STAT_REJECT_ALLOC,	/* no memory for metadata */
	RRAIM_STAT_REJECT_NO_SERVER,	/* no live server */
	RRAIM_STAT_REJECT_NO_SPACE,	/* remote space exhausted */
	RRAIM_STAT_REJECT_TRANSPORT,	/* every write failed */
	RRAIM_STAT_REJECT_DEGRADED,	/* fewer copies than an all-copies space needs */
	RRAIM_STAT_WRITE_BYTES,		/* bytes written to servers */
	RRAIM_STAT_READ_BYTES,		/* bytes read from servers */
	RRAIM_STAT_SYNC_COPIES,		/* copies the sync made */
	RRAIM_STAT_CORRUPT,		/* copies read that failed their checksum */
	RRAIM_STAT_CRYPT_ERRORS,	/* pages the cipher failed on (local) */
	RRAIM_STAT_NR,
};

/* The module's latency histograms. */
enum rraim_lat {
	RRAIM_LAT_STORE,		/* a store, from call to return */
	RRAIM_LAT_LOAD,			/* a load, from call to return */
	RRAIM_LAT_NR,
};

/* Counters of one server. */
enum rraim_server_stat {
	RRAIM_SSTAT_WRITES,		/* page writes that completed */
	RRAIM_SSTAT_READS,		/* page reads that completed */
	RRAIM_SSTAT_ERRORS,		/* transfers that failed */
	RRAIM_SSTAT_TIMEOUTS,		/* transfers that missed the deadline */
	RRAIM_SSTAT_CORRUPT,		/* copies read that failed their checksum */
	RRAIM_SSTAT_NR,
};

/* Latency histograms of one server. */
enum rraim_server_lat {
	RRAIM_SLAT_WRITE,		/* a store that wrote a copy here */
	RRAIM_SLAT_READ,		/* a page read that served a load */
	RRAIM_SLAT_NR,
};

/* The statistics of one server: opaque, per CPU. */
struct rraim_server_stats;

int rraim_stats_init(void);
void rraim_stats_exit(void);

void rraim_count(enum rraim_stat stat);
void rraim_count_add(enum rraim_stat stat, u64 n);
u64 rraim_stat_sum(enum rraim_stat stat);
void rraim_lat_note(enum rraim_lat lat, ktime_t t0);
void rraim_lat_fold(enum rraim_lat lat, struct rraim_hist *sum);
void rraim_stats_reset(void);

struct rraim_server_stats __percpu *rraim_server_stats_alloc(void);
void rraim_server_stats_free(struct rraim_server_stats __percpu *st);
void rraim_server_stats_reset(struct rraim_server_stats __percpu *st);
void rraim_sstat_inc(struct rraim_server_stats __percpu *st,
		     enum rraim_server_stat stat);
u64 rraim_sstat_sum(struct rraim_server_stats __percpu *st,
		    enum rraim_server_stat stat);
void rraim_slat_note(struct rraim_server_stats __percpu *st,
		     enum rraim_server_lat lat, ktime_t t0);
void rraim_slat_fold(struct rraim_server_stats __percpu *st,
		     enum rraim_server_lat lat, struct rraim_hist *sum);

/**
 * rraim_hist_percentile - latency below which @permille of the samples fall
 * @h: a histogram
 * @permille: 500 for the median, 990 for the 99th percentile
 *
 * Return: the upper edge of the bucket holding that sample, never more
 * than the largest sample; 0 without samples.
 */
u64 rraim_hist_percentile(const struct rraim_hist *h, unsigned int permille);

/**
 * rraim_hist_bucket_floor - the smallest latency, in us, of a bucket
 * @bucket: 0 .. RRAIM_HIST_BUCKETS - 1
 */
u64 rraim_hist_bucket_floor(unsigned int bucket);

#endif /* RRAIM_STATS_H */
