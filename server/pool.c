// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: the chunk pool.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../rraim_proto.h"
#include "pool.h"
#include "util.h"

int rraim_pool_init(struct rraim_pool *pool, uint64_t capacity)
{
	uint64_t nr_chunks;
	uint32_t i;

	memset(pool, 0, sizeof(*pool));
	if (!capacity || capacity % RRAIM_CHUNK_SIZE)
		return -EINVAL;
	nr_chunks = capacity >> RRAIM_CHUNK_SHIFT;
	if (nr_chunks > RRAIM_POOL_MAX_CHUNKS || capacity > SIZE_MAX)
		return -ERANGE;

	pool->nr_words = (uint32_t)((nr_chunks + 63) / 64);
	pool->free_map = calloc(pool->nr_words, sizeof(*pool->free_map));
	if (!pool->free_map)
		return -ENOMEM;
	for (i = 0; i < pool->nr_words; i++)
		pool->free_map[i] = ~0ULL;
	/* Chunks past the end do not exist: never free. */
	if (nr_chunks % 64)
		pool->free_map[pool->nr_words - 1] = (1ULL << (nr_chunks % 64)) - 1;

	pool->size = capacity;
	pool->nr_chunks = (uint32_t)nr_chunks;
	pool->nr_free = (uint32_t)nr_chunks;
	return 0;
}

static void *rraim_pool_mmap(uint64_t size, int extra_flags)
{
	/*
	 * MAP_POPULATE faults every page in now: the first client must not
	 * wait for it, and a pool that does not fit fails here, at start,
	 * rather than in a registration later.
	 */
	return mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | extra_flags,
		    -1, 0);
}

int rraim_pool_map(struct rraim_pool *pool, enum rraim_hugepages mode,
		   char *err, size_t errlen)
{
	void *base = MAP_FAILED;
	int ret;

	if (mode != RRAIM_HUGEPAGES_OFF) {
		base = rraim_pool_mmap(pool->size, MAP_HUGETLB);
		if (base == MAP_FAILED && mode == RRAIM_HUGEPAGES_ON) {
			ret = -errno;
			snprintf(err, errlen,
				 "cannot map %" PRIu64 " bytes of huge pages: %s (reserve them with vm.nr_hugepages, or use --hugepages auto)",
				 pool->size, strerror(-ret));
			return ret;
		}
		if (base == MAP_FAILED)
			rraim_info("huge pages unavailable (%s), using normal pages",
				   strerror(errno));
	}
	pool->hugepages = base != MAP_FAILED;
	if (base == MAP_FAILED)
		base = rraim_pool_mmap(pool->size, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "cannot map a pool of %" PRIu64 " bytes: %s",
			 pool->size, strerror(-ret));
		return ret;
	}

	/* Client data has no business in a core dump of the server. */
	if (madvise(base, (size_t)pool->size, MADV_DONTDUMP))
		rraim_dbg("madvise(MADV_DONTDUMP) on the pool: %s",
			  strerror(errno));
	pool->base = base;
	return 0;
}

void rraim_pool_destroy(struct rraim_pool *pool)
{
	if (pool->base)
		munmap(pool->base, (size_t)pool->size);
	free(pool->free_map);
	memset(pool, 0, sizeof(*pool));
}

int64_t rraim_pool_get(struct rraim_pool *pool)
{
	uint32_t w;
	int bit;

	if (!pool->nr_free)
		return -1;
	for (w = pool->next_word; w < pool->nr_words; w++) {
		if (!pool->free_map[w])
			continue;
		bit = __builtin_ctzll(pool->free_map[w]);
		pool->free_map[w] &= ~(1ULL << bit);
		pool->nr_free--;
		pool->next_word = w;
		return (int64_t)w * 64 + bit;
	}
	return -1;	/* nr_free said otherwise: cannot happen */
}

int rraim_pool_put(struct rraim_pool *pool, uint32_t chunk)
{
	uint32_t w = chunk / 64;
	uint64_t bit = 1ULL << (chunk % 64);

	if (chunk >= pool->nr_chunks)
		return -ERANGE;
	if (pool->free_map[w] & bit)
		return -EALREADY;
	pool->free_map[w] |= bit;
	pool->nr_free++;
	if (w < pool->next_word)
		pool->next_word = w;
	return 0;
}

bool rraim_pool_is_free(const struct rraim_pool *pool, uint32_t chunk)
{
	if (chunk >= pool->nr_chunks)
		return false;
	return pool->free_map[chunk / 64] & (1ULL << (chunk % 64));
}

void *rraim_pool_chunk_addr(const struct rraim_pool *pool, uint32_t chunk)
{
	return pool->base + ((size_t)chunk << RRAIM_CHUNK_SHIFT);
}
