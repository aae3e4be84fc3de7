/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM core, private: shared by the core's files (the data path, the
 * pool, the sync, the server registry, the knobs, the module entry) and
 * its sysfs and debugfs interface.  Front ends include rraim.h only.
 */
#ifndef RRAIM_CORE_H
#define RRAIM_CORE_H

#include <linux/bitfield.h>
#include <linux/export.h>
#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/swap.h>
#include <linux/xarray.h>

#include "rraim_csum.h"
#include "rraim_knobs.h"
#include "rraim_limits.h"
#include "rraim_proto.h"
#include "rraim_server.h"
#include "rraim_stats.h"

/*
 * The core API is exported only to its KUnit tests (tests/kunit), in a
 * namespace of their own; the front ends are built into this module.
 * rraim_blk.ko, which builds the same core again (blk/), exports nothing:
 * the KUnit tests run against rraim.ko.
 */
#if IS_ENABLED(CONFIG_KUNIT) && !defined(RRAIM_BLK_BUILD)
#define EXPORT_SYMBOL_FOR_RRAIM_KUNIT(sym) EXPORT_SYMBOL_NS_GPL(sym, RRAIM_KUNIT)
#else
#define EXPORT_SYMBOL_FOR_RRAIM_KUNIT(sym)
#endif

#define RRAIM_CHUNK_PAGES	(RRAIM_CHUNK_SIZE >> PAGE_SHIFT)
#define RRAIM_NO_SERVER		0xff
#define RRAIM_NO_REPLICA	0xff

/* ------------------------------------------------------- data structures */

/**
 * struct rraim_mchunk - a mirrored chunk: RRAIM_CHUNK_PAGES positions, the
 * same position in each replica holding a copy of the same page
 * @id: index in rraim_mchunks (nonzero)
 * @lock: guards @nr_rep and @rep (readers copy them out)
 * @nr_rep: replicas
 * @rep: the replicas, each on a distinct server
 * @space: owning space, NULL while in the free pool
 * @node: on the space's lists or the free pool (space or pool lock)
 * @full: on the space's full list
 * @nr_used: positions in use (space lock)
 * @hint: where to look for a free position next (space lock)
 * @used: positions in use (space lock)
 * @copying: positions the sync is copying to replica @sync_rep (space lock)
 * @sync_rep: the replica the sync is filling
 * @sync_busy: the sync holds the mchunk: it is not freed (mchunks mutex)
 * @owner_gen: changes whenever the mchunk leaves a space (space lock)
 * @rmap: page index stored at each used position (space lock); followed
 *	in the same allocation by the positions' checksums,
 *	rraim_mchunk_csum()
 * @rcu: freeing waits for the server table's readers (rraim_mchunk_find())
 */
struct rraim_mchunk {
	u32 id;
	spinlock_t lock;		/* nr_rep, rep */
	u8 nr_rep;
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_space *space;
	struct list_head node;
	bool full;
	u16 nr_used;
	u16 hint;
	DECLARE_BITMAP(used, RRAIM_CHUNK_PAGES);
	DECLARE_BITMAP(copying, RRAIM_CHUNK_PAGES);
	u8 sync_rep;
	bool sync_busy;
	u32 owner_gen;
	u32 *rmap;
	struct rcu_head rcu;
};

/*
 * The checksum of the page at each used position (rraim_csum_buf()),
 * RRAIM_CHUNK_PAGES of them after the reverse map: written by the store
 * that owns the position before it publishes the slot word (release),
 * read after the slot word (acquire), and trusted only while that word
 * is unchanged.
 */
static inline u32 *rraim_mchunk_csum(struct rraim_mchunk *mc)
{
	return mc->rmap + RRAIM_CHUNK_PAGES;
}

/**
 * struct rraim_space - one backing space of a front end (a swap area, a
 * block device): pages named by an index below @nr_pages
 * @name: for the log, e.g. "swap0"
 * @nr_pages: size; indexes at or above it are refused
 * @node: on the core's list of spaces (rraim_spaces_mutex)
 * @lock: guards position allocation, the lists, slot publication
 * @leaves: slot words, RRAIM_LEAF_SLOTS per leaf page, by index
 * @cur: mchunk new pages go to
 * @partial: mchunks with free positions
 * @full: mchunks without
 * @empty: mchunks whose last page went: the worker gives them back to the
 *	free pool (or frees them), so that remote memory follows the pages
 * @stored: pages held
 * @no_fallback: RRAIM_SPACE_NO_FALLBACK: a store waits longer for room
 * @all_copies: RRAIM_SPACE_ALL_COPIES: a store needs every copy
 * @dying: being destroyed: stores are refused (read inside their SRCU
 *	section, which destroy waits for after setting it)
 */
struct rraim_space {
	char name[32];
	u64 nr_pages;
	struct list_head node;
	spinlock_t lock;		/* positions, lists, slot publication */
	struct xarray leaves;
	struct rraim_mchunk *cur;
	struct list_head partial;
	struct list_head full;
	struct list_head empty;
	atomic_long_t stored;
	bool no_fallback;
	bool all_copies;
	bool dying;
};

/*
 * Slot word (one u64 per page index, 0 when the core holds nothing):
 * mchunk id, position, valid copies (bit i: replica i), flags, and a
 * generation that changes at every store so that a background copy can
 * tell that the slot was re-stored meanwhile, and that a page's checksum
 * binds to.
 */
#define RRAIM_SLOT_MCHUNK	GENMASK_ULL(23, 0)
#define RRAIM_SLOT_POS		GENMASK_ULL(33, 24)
#define RRAIM_SLOT_VALID	GENMASK_ULL(41, 34)
#define RRAIM_SLOT_LOST		BIT_ULL(42)	/* no copy left: reads fail */
#define RRAIM_SLOT_FAILREAD	BIT_ULL(43)	/* fail the next read only */
#define RRAIM_SLOT_CSUM		BIT_ULL(44)	/* mchunk->csum[pos] is the page's */
#define RRAIM_SLOT_CRYPT	BIT_ULL(45)	/* the copies are encrypted */
#define RRAIM_SLOT_GEN		GENMASK_ULL(63, 46)
#define RRAIM_SLOT_GEN_MASK	(RRAIM_SLOT_GEN >> 46)
/* what names one stored copy of a page: a new store changes at least one */
#define RRAIM_SLOT_COPY	(RRAIM_SLOT_MCHUNK | RRAIM_SLOT_POS | RRAIM_SLOT_GEN)

static inline u32 rraim_slot_mchunk(u64 w)
{
	return FIELD_GET(RRAIM_SLOT_MCHUNK, w);
}

static inline unsigned int rraim_slot_pos(u64 w)
{
	return FIELD_GET(RRAIM_SLOT_POS, w);
}

static inline unsigned int rraim_slot_valid(u64 w)
{
	return FIELD_GET(RRAIM_SLOT_VALID, w);
}

static inline u32 rraim_slot_gen(u64 w)
{
	return FIELD_GET(RRAIM_SLOT_GEN, w);
}

/* A marker that only fails reads: no mchunk (ids start at 1), no copy. */
static inline bool rraim_slot_is_miss(u64 w)
{
	return w && !rraim_slot_mchunk(w);
}

/* How a load may use a replica's copy (rraim_copy_order()). */
enum rraim_copy_class {
	RRAIM_COPY_SKIP,	/* not valid, or its server is away */
	RRAIM_COPY_LIVE,	/* on a live server */
	RRAIM_COPY_SUSPECT,	/* on a server suspected of being slow */
};

/**
 * rraim_copy_order - the order in which a load asks for the copies
 * @cls: enum rraim_copy_class of each replica
 * @n: replicas
 * @rot: a rotor, so that loads spread over the live copies
 * @order: the replica indexes to ask, in order
 *
 * The copies on live servers first, starting at @rot modulo their number,
 * then the suspected ones in replica order; none of the skipped ones.
 * Return: how many indexes were written to @order.
 */
static inline unsigned int rraim_copy_order(const u8 *cls, unsigned int n,
					    unsigned int rot, u8 *order)
{
	unsigned int i, nlive = 0, nr = 0;
	u8 live[RRAIM_MAX_REPLICAS];

	for (i = 0; i < n; i++)
		if (cls[i] == RRAIM_COPY_LIVE)
			live[nlive++] = i;
	for (i = 0; i < nlive; i++)
		order[nr++] = live[(rot + i) % nlive];
	for (i = 0; i < n; i++)
		if (cls[i] == RRAIM_COPY_SUSPECT)
			order[nr++] = i;
	return nr;
}

/* ----------------------------------- placement and the pool (rraim_pool.c) */

void rraim_mchunks_lock(void);
void rraim_mchunks_unlock(void);
/* Walk: for (id = 0; (mc = rraim_mchunk_next(&id)); ), under the lock. */
struct rraim_mchunk *rraim_mchunk_next(unsigned long *id);
struct rraim_mchunk *rraim_mchunk_find(u32 id);

unsigned int rraim_mchunk_reps(struct rraim_mchunk *mc,
			       struct rraim_replica *rep);
unsigned int rraim_mchunk_avail(struct rraim_mchunk *mc);
unsigned int rraim_mchunks_forget_server(struct rraim_server *s);
struct rraim_mchunk *rraim_store_pos(struct rraim_space *a, pgoff_t offset,
				     unsigned int *pos);
void rraim_pos_free(struct rraim_space *a, struct rraim_mchunk *mc,
		    unsigned int pos);
void rraim_pool_put(struct rraim_mchunk *mc);
void rraim_pool_kick(void);
void rraim_pool_server_up(void);
int rraim_set_replicas(unsigned int replicas);
int rraim_pool_init(void);
void rraim_pool_start(void);
void rraim_pool_stop(void);
void rraim_pool_empty(void);
void rraim_pool_exit(void);

/* ------------------------------------------ the data path (rraim_core.c) */

struct rraim_xfer;
struct rraim_waiter;

u64 *rraim_slot_ptr(struct rraim_space *a, pgoff_t offset, bool create);
u64 rraim_slot_forget_copies(u64 *slot, u64 w, unsigned int bad);
void rraim_note_lost(struct rraim_space *a, pgoff_t offset);
void rraim_note_corrupt(struct rraim_server *s, const char *who,
			struct rraim_space *a, pgoff_t index,
			struct rraim_mchunk *mc, unsigned int pos);
void rraim_spaces_release_empty(void);
void rraim_wait_writes(struct rraim_xfer *x, unsigned int n,
		       struct rraim_waiter *w);
bool rraim_server_expendable(struct rraim_server *s);
void rraim_stores_wait(void);

/* ----------------------------------------- the sync (rraim_sync.c) */

int rraim_sync_init(void);
void rraim_sync_exit(void);
void rraim_sync_kick(unsigned long delay);
void rraim_sync_kick_soon(void);
int rraim_server_drain(struct rraim_server *s, bool on);
const char *rraim_server_sync_state(struct rraim_server *s);

bool rraim_core_attached(void);
void rraim_core_set_enabled(bool enabled);

/**
 * struct rraim_health - page counts by number of reachable copies
 * @stored: pages held
 * @degraded: pages with fewer reachable copies than @replicas
 * @unavailable: pages with no reachable copy right now
 * @below_target: pages stored with fewer copies than the current target
 */
struct rraim_health {
	unsigned long stored;
	unsigned long degraded;
	unsigned long unavailable;
	unsigned long below_target;
};

void rraim_health(struct rraim_health *h);
unsigned long rraim_server_pages(struct rraim_server *s);
/* Spaces the front ends have open (swap areas on, devices). */
unsigned int rraim_core_spaces(void);
unsigned long rraim_lost_pages(void);
u64 rraim_slot_map_bytes(void);
int rraim_fault_forget_space(const char *name);
u32 rraim_fault_store_delay(void);
void rraim_fault_set_store_delay(u32 ms);

int rraim_sysfs_init(void);
void rraim_sysfs_exit(void);
int rraim_sysfs_server_add(struct rraim_server *s);
void rraim_sysfs_server_remove(struct rraim_server *s);

#endif /* RRAIM_CORE_H */
