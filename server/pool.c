// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: the chunk pool, and whether it fits this machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

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

/* ------------------------------------------------------------------ */
/* Does the pool fit this machine?                                     */
/* ------------------------------------------------------------------ */

/* The value of a line, "   123 kB" (bytes) or "   123" (a count). */
static int rraim_meminfo_value(const char *rest, uint64_t *val)
{
	unsigned long long v;
	uint64_t unit = 1;
	char *end;

	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest < '0' || *rest > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(rest, &end, 10);
	if (errno)
		return -ERANGE;
	while (*end == ' ' || *end == '\t')
		end++;
	if (!strncmp(end, "kB", 2)) {
		unit = 1024;
		end += 2;
	}
	if (*end && *end != '\n')
		return -EINVAL;
	if (v > UINT64_MAX / unit)
		return -ERANGE;
	*val = v * unit;
	return 0;
}

int rraim_meminfo_parse(FILE *f, struct rraim_meminfo *mi)
{
	uint64_t huge_free = 0, huge_rsvd = 0, huge_size = 0;
	bool have_total = false, have_avail = false;
	char line[256];

	memset(mi, 0, sizeof(*mi));
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		uint64_t *dst = NULL;
		bool *seen = NULL;

		if (!colon)
			continue;
		*colon = '\0';
		if (!strcmp(line, "MemTotal")) {
			dst = &mi->total;
			seen = &have_total;
		} else if (!strcmp(line, "MemAvailable")) {
			dst = &mi->available;
			seen = &have_avail;
		} else if (!strcmp(line, "HugePages_Free")) {
			dst = &huge_free;
		} else if (!strcmp(line, "HugePages_Rsvd")) {
			dst = &huge_rsvd;
		} else if (!strcmp(line, "Hugepagesize")) {
			dst = &huge_size;
		}
		if (!dst)
			continue;
		if (rraim_meminfo_value(colon + 1, dst))
			return -EINVAL;
		if (seen)
			*seen = true;
	}
	if (!have_total || !have_avail)
		return -EINVAL;
	if (huge_free > huge_rsvd && huge_size &&
	    huge_free - huge_rsvd <= UINT64_MAX / huge_size)
		mi->huge_free = (huge_free - huge_rsvd) * huge_size;
	return 0;
}

int rraim_meminfo_read(const char *path, struct rraim_meminfo *mi)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return -errno;
	ret = rraim_meminfo_parse(f, mi);
	fclose(f);
	return ret;
}

static bool rraim_has_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_IPC_LOCK / 32].effective & (1U << (CAP_IPC_LOCK % 32));
}

int rraim_mem_limits_read(struct rraim_mem_limits *lim, const char *meminfo)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	int ret;

	memset(lim, 0, sizeof(*lim));
	if (pages > 0 && page > 0)
		lim->ram = (uint64_t)pages * (uint64_t)page;
	ret = rraim_meminfo_read(meminfo, &lim->mi);
	if (ret)
		return ret;
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	lim->memlock = rl.rlim_cur == RLIM_INFINITY ? RRAIM_MEMLOCK_UNLIMITED :
						      (uint64_t)rl.rlim_cur;
	lim->cap_ipc_lock = rraim_has_cap_ipc_lock();
	return 0;
}

uint64_t rraim_pool_reserve(const struct rraim_meminfo *mi)
{
	return RRAIM_POOL_RESERVE_MIN + (mi->total >> RRAIM_POOL_RESERVE_SHIFT);
}

#define MIB(b)	((uint64_t)(b) >> 20)

enum rraim_pool_fit rraim_pool_fit(uint64_t capacity, bool huge,
				   const struct rraim_mem_limits *lim,
				   char *err, size_t errlen)
{
	uint64_t reserve = rraim_pool_reserve(&lim->mi);

	if (lim->ram && capacity >= lim->ram) {
		snprintf(err, errlen,
			 "capacity %" PRIu64 " is not below this machine's memory (%" PRIu64 " bytes)",
			 capacity, lim->ram);
		return RRAIM_POOL_OVER_RAM;
	}
	if (!huge && (lim->mi.available < reserve ||
		      capacity > lim->mi.available - reserve)) {
		snprintf(err, errlen,
			 "capacity %" PRIu64 " MiB does not fit in this machine's available memory: MemAvailable is %" PRIu64 " MiB, of which %" PRIu64 " MiB stay free for the kernel and the server itself; lower --capacity, or free memory",
			 MIB(capacity), MIB(lim->mi.available), MIB(reserve));
		return RRAIM_POOL_OVER_AVAILABLE;
	}
	if (!lim->cap_ipc_lock && lim->memlock != RRAIM_MEMLOCK_UNLIMITED &&
	    (lim->memlock < RRAIM_POOL_MEMLOCK_SLACK ||
	     capacity > lim->memlock - RRAIM_POOL_MEMLOCK_SLACK)) {
		snprintf(err, errlen,
			 "the locked-memory limit (RLIMIT_MEMLOCK) is %" PRIu64 " KiB, below the capacity plus %" PRIu64 " MiB for the server's own locked memory: raise it (LimitMEMLOCK=infinity in the systemd unit, 'ulimit -l unlimited' in a shell) or run with CAP_IPC_LOCK",
			 lim->memlock >> 10, MIB(RRAIM_POOL_MEMLOCK_SLACK));
		return RRAIM_POOL_OVER_MEMLOCK;
	}
	return RRAIM_POOL_FITS;
}

bool rraim_pool_want_huge(uint64_t capacity, enum rraim_hugepages mode,
			  const struct rraim_meminfo *mi)
{
	switch (mode) {
	case RRAIM_HUGEPAGES_ON:
		return true;
	case RRAIM_HUGEPAGES_AUTO:
		return mi->huge_free >= capacity;
	case RRAIM_HUGEPAGES_OFF:
	default:
		return false;
	}
}

/* ------------------------------------------------------------------ */
/* The pool                                                            */
/* ------------------------------------------------------------------ */

int rraim_pool_map(struct rraim_pool *pool, bool huge, char *err,
		   size_t errlen)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *base;
	int ret;

	/*
	 * No MAP_POPULATE: faulting in a pool that does not fit would wake
	 * the OOM killer.  rraim_pool_lock() faults it in, step by step.
	 * A private mapping of huge pages reserves them all here, or fails.
	 */
	if (huge)
		flags |= MAP_HUGETLB;
	base = mmap(NULL, (size_t)pool->size, PROT_READ | PROT_WRITE, flags,
		    -1, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		if (huge)
			snprintf(err, errlen,
				 "cannot map %" PRIu64 " bytes of huge pages: %s (reserve them with vm.nr_hugepages, or use --hugepages auto)",
				 pool->size, strerror(-ret));
		else
			snprintf(err, errlen,
				 "cannot map a pool of %" PRIu64 " bytes: %s",
				 pool->size, strerror(-ret));
		return ret;
	}

	/* Client data has no business in a core dump of the server. */
	if (madvise(base, (size_t)pool->size, MADV_DONTDUMP))
		rraim_dbg("madvise(MADV_DONTDUMP) on the pool: %s",
			  strerror(errno));
	pool->base = base;
	pool->hugepages = huge;
	return 0;
}

/* Why mlock() failed, and what to do about it, in one line. */
static void rraim_pool_lock_error(const struct rraim_pool *pool, int error,
				  char *err, size_t errlen)
{
	const char *why;

	switch (error) {
	case EPERM:
		why = "not permitted: the locked-memory limit (RLIMIT_MEMLOCK) is 0; raise it (LimitMEMLOCK=infinity in the systemd unit, 'ulimit -l unlimited' in a shell) or run with CAP_IPC_LOCK";
		break;
	case ENOMEM:
		why = "over the locked-memory limit (RLIMIT_MEMLOCK); raise it (LimitMEMLOCK=infinity in the systemd unit, 'ulimit -l unlimited' in a shell) or run with CAP_IPC_LOCK";
		break;
	case EAGAIN:
		why = "out of memory; lower --capacity, or free memory";
		break;
	default:
		why = strerror(error);
		break;
	}
	snprintf(err, errlen,
		 "cannot lock the pool (%" PRIu64 " of %" PRIu64 " MiB locked): %s",
		 MIB(pool->locked), MIB(pool->size), why);
}

int rraim_pool_lock(struct rraim_pool *pool, uint64_t step, uint64_t reserve,
		    const char *meminfo, char *err, size_t errlen)
{
	struct rraim_meminfo mi;
	uint64_t left, len;
	int ret;

	while (pool->locked < pool->size) {
		left = pool->size - pool->locked;
		len = left < step ? left : step;
		if (pool->hugepages) {
			len = left;	/* reserved already: one step, no check */
		} else {
			ret = rraim_meminfo_read(meminfo, &mi);
			if (ret) {
				snprintf(err, errlen, "cannot read %s: %s",
					 meminfo, strerror(-ret));
				goto out_unlock;
			}
			if (mi.available < reserve ||
			    left > mi.available - reserve) {
				ret = -ENOMEM;
				snprintf(err, errlen,
					 "memory ran short while locking the pool: %" PRIu64 " of %" PRIu64 " MiB locked, MemAvailable %" PRIu64 " MiB, of which %" PRIu64 " MiB stay free; lower --capacity, or free memory",
					 MIB(pool->locked), MIB(pool->size),
					 MIB(mi.available), MIB(reserve));
				goto out_unlock;
			}
		}
		if (mlock(pool->base + pool->locked, (size_t)len)) {
			ret = -errno;
			rraim_pool_lock_error(pool, -ret, err, errlen);
			goto out_unlock;
		}
		pool->locked += len;
	}
	return 0;

out_unlock:
	if (pool->locked)
		munlock(pool->base, (size_t)pool->locked);
	pool->locked = 0;
	return ret;
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
