/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM memory server: the chunk pool.
 *
 * The pool is one anonymous mapping of the configured capacity, cut into
 * chunks of RRAIM_CHUNK_SIZE bytes.  A bitmap tracks which chunks are free;
 * the lowest free chunk is handed out first.  Who holds a granted chunk is
 * the server's business (struct rraim_grant), not the pool's.
 *
 * The bitmap works without a mapping, so the host unit tests exercise the
 * allocator on any capacity.
 */
#ifndef RRAIM_SERVER_POOL_H
#define RRAIM_SERVER_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Chunk numbers are 32-bit on the wire. */
#define RRAIM_POOL_MAX_CHUNKS	UINT32_MAX

enum rraim_hugepages {
	RRAIM_HUGEPAGES_AUTO,	/* try MAP_HUGETLB, fall back to small pages */
	RRAIM_HUGEPAGES_ON,	/* MAP_HUGETLB or fail */
	RRAIM_HUGEPAGES_OFF,	/* small pages only */
};

/**
 * struct rraim_pool - the pinned memory the server lends out
 * @base: first byte of the mapping; NULL when not mapped (unit tests)
 * @size: bytes, nr_chunks * RRAIM_CHUNK_SIZE
 * @nr_chunks: chunks in the pool
 * @nr_free: chunks not handed out
 * @free_map: bit n of word n / 64 set while chunk n is free
 * @nr_words: words in @free_map
 * @next_word: no free chunk lies below this word
 * @hugepages: the mapping uses huge pages
 * @locked: bytes locked from @base on (all of @size once started)
 */
struct rraim_pool {
	uint8_t *base;
	uint64_t size;
	uint32_t nr_chunks;
	uint32_t nr_free;
	uint64_t *free_map;
	uint32_t nr_words;
	uint32_t next_word;
	bool hugepages;
	uint64_t locked;
};

/* ------------------------------------------------------------------ */
/* Does the pool fit this machine?                                     */
/* ------------------------------------------------------------------ */

/*
 * A pool is pinned: once locked, the kernel can neither swap nor reclaim
 * it.  If it does not fit, faulting it in wakes the OOM killer, which
 * kills the largest process: another memory server as likely as this
 * one.  So the server checks first what the machine can give, and locks
 * the pool a step at a time, checking again before each step.
 *
 * Reserve: MemAvailable counts as free the page cache the system would
 * rather keep, and both the kernel and the server still need memory once
 * the pool is pinned.  So a pool of normal pages must leave
 * RRAIM_POOL_RESERVE_MIN (the server's own memory: libraries, which it
 * locks too, verbs queues and buffers, the chunk table) plus MemTotal /
 * 2^RRAIM_POOL_RESERVE_SHIFT (the kernel's allocations that grow with the
 * machine: page tables, slab, network buffers) of MemAvailable unlocked:
 * 40 MiB on a 512 MiB machine, 96 MiB on 4 GiB, 1 GiB on 64 GiB.
 *
 * A pool of huge pages comes from the pages reserved with vm.nr_hugepages,
 * which MemAvailable does not count: mapping it reserves them all or
 * fails, so it needs no reserve.
 *
 * Locked-memory limit: without CAP_IPC_LOCK, RLIMIT_MEMLOCK bounds what
 * mlockall() locks (the pool and the rest of the process) and, apart,
 * what the RDMA device pins (the pool's chunks and the verbs queues):
 * it must allow the capacity plus RRAIM_POOL_MEMLOCK_SLACK.
 */
#define RRAIM_POOL_RESERVE_MIN		(32ULL << 20)
#define RRAIM_POOL_RESERVE_SHIFT	6
#define RRAIM_POOL_MEMLOCK_SLACK	(64ULL << 20)
/* The pool is locked (and faulted in) this much at a time. */
#define RRAIM_POOL_LOCK_STEP		(64ULL << 20)

#define RRAIM_MEMINFO			"/proc/meminfo"
#define RRAIM_MEMLOCK_UNLIMITED		UINT64_MAX

/**
 * struct rraim_meminfo - what /proc/meminfo says, in bytes
 * @total: MemTotal
 * @available: MemAvailable
 * @huge_free: huge pages neither in use nor reserved, times their size
 *	(HugePages_Free - HugePages_Rsvd) * Hugepagesize; 0 without them
 */
struct rraim_meminfo {
	uint64_t total;
	uint64_t available;
	uint64_t huge_free;
};

/*
 * Parse meminfo(5) text: 0, or -EINVAL when MemTotal or MemAvailable is
 * missing or malformed (the huge page lines are optional).
 */
int rraim_meminfo_parse(FILE *f, struct rraim_meminfo *mi);

/* rraim_meminfo_parse() of the file at @path: 0 or a negative errno. */
int rraim_meminfo_read(const char *path, struct rraim_meminfo *mi);

/**
 * struct rraim_mem_limits - what the machine and the process allow
 * @ram: physical memory (sysconf), 0 when unknown
 * @mi: /proc/meminfo
 * @memlock: RLIMIT_MEMLOCK (soft), RRAIM_MEMLOCK_UNLIMITED for none
 * @cap_ipc_lock: CAP_IPC_LOCK is effective: @memlock does not apply
 */
struct rraim_mem_limits {
	uint64_t ram;
	struct rraim_meminfo mi;
	uint64_t memlock;
	bool cap_ipc_lock;
};

/* Gather @lim for this process, meminfo from @meminfo: 0 or -errno. */
int rraim_mem_limits_read(struct rraim_mem_limits *lim, const char *meminfo);

enum rraim_pool_fit {
	RRAIM_POOL_FITS,
	RRAIM_POOL_OVER_RAM,		/* capacity >= physical memory */
	RRAIM_POOL_OVER_AVAILABLE,	/* capacity + reserve > MemAvailable */
	RRAIM_POOL_OVER_MEMLOCK,	/* capacity + slack > RLIMIT_MEMLOCK */
};

/* MemAvailable a pool of normal pages must leave unlocked (see above). */
uint64_t rraim_pool_reserve(const struct rraim_meminfo *mi);

/*
 * Can a pool of @capacity bytes, of huge pages if @huge, be pinned within
 * @lim?  Checked in the order of enum rraim_pool_fit; when it cannot,
 * writes one line saying why and what to do to @err.
 */
enum rraim_pool_fit rraim_pool_fit(uint64_t capacity, bool huge,
				   const struct rraim_mem_limits *lim,
				   char *err, size_t errlen);

/*
 * Whether --hugepages @mode should try huge pages for @capacity: "on"
 * always, "auto" when enough are free, "off" never.
 */
bool rraim_pool_want_huge(uint64_t capacity, enum rraim_hugepages mode,
			  const struct rraim_meminfo *mi);

/* ------------------------------------------------------------------ */
/* The pool                                                            */
/* ------------------------------------------------------------------ */

/* Set up the bitmap for @capacity bytes: 0, -EINVAL, -ERANGE or -ENOMEM. */
int rraim_pool_init(struct rraim_pool *pool, uint64_t capacity);

/*
 * Map the memory, huge pages if @huge, without faulting it in (huge
 * pages are reserved by the mapping: it fails when there are too few).
 * On failure returns a negative errno and writes the reason to @err.
 */
int rraim_pool_map(struct rraim_pool *pool, bool huge, char *err,
		   size_t errlen);

/*
 * Lock the mapped pool in memory, which faults it in, @step bytes at a
 * time.  Before each step of a pool of normal pages, MemAvailable is read
 * from @meminfo again: what is left to lock plus @reserve must fit in it,
 * or the pool is unlocked and the call fails (-ENOMEM) rather than wake
 * the OOM killer.  Huge pages, reserved by the mapping, are locked in one
 * step without a check.  Returns 0 or a negative errno, with one line
 * saying why in @err.
 */
int rraim_pool_lock(struct rraim_pool *pool, uint64_t step, uint64_t reserve,
		    const char *meminfo, char *err, size_t errlen);

/* Unmap and free; safe on a zeroed or half set up pool. */
void rraim_pool_destroy(struct rraim_pool *pool);

/* Take the lowest free chunk: its number, or -1 when none is free. */
int64_t rraim_pool_get(struct rraim_pool *pool);

/* Return @chunk: 0, -ERANGE (no such chunk) or -EALREADY (already free). */
int rraim_pool_put(struct rraim_pool *pool, uint32_t chunk);

bool rraim_pool_is_free(const struct rraim_pool *pool, uint32_t chunk);

/* First byte of @chunk (which must be < nr_chunks) in the mapping. */
void *rraim_pool_chunk_addr(const struct rraim_pool *pool, uint32_t chunk);

#endif /* RRAIM_SERVER_POOL_H */
