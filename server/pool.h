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
};

/* Set up the bitmap for @capacity bytes: 0, -EINVAL, -ERANGE or -ENOMEM. */
int rraim_pool_init(struct rraim_pool *pool, uint64_t capacity);

/*
 * Map and populate the memory.  On failure returns a negative errno and
 * writes the reason to @err.
 */
int rraim_pool_map(struct rraim_pool *pool, enum rraim_hugepages mode,
		   char *err, size_t errlen);

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
