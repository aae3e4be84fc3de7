// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM placement and the mchunk pool: the table of mirrored chunks
 * (mchunks), where a new page goes, and the background work that keeps a
 * few fresh mchunks ready so that a store rarely waits for a grant.
 *
 * An mchunk has RRAIM_CHUNK_PAGES positions, backed by one chunk on each
 * of up to RRAIM_MAX_REPLICAS distinct servers.  A new page goes to the
 * space's current mchunk while it is healthy (as many usable replicas as a
 * new page should get, no server suspected or draining), else to a healthy
 * partial one, else to a fresh one from the pool, else, when waiting is
 * not possible, to any with a usable replica (a degraded store).
 *
 * Locking: rraim_mchunks_mutex serialises freeing mchunks and walks of the
 * whole table (rraim_mchunks_lock()); the worker enters a new mchunk
 * without it, so a walk may see one with its replicas still coming.
 * Lookups by id run under the server table's SRCU, whose grace period a
 * freed mchunk waits for.  rraim_pool_lock guards the free pool;
 * positions and a space's lists are under the space's lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "rraim.h"
#include "rraim_core.h"
#include "rraim_rdma.h"

#define RRAIM_MCHUNK_MAX	(RRAIM_SLOT_MCHUNK >> 0)

/* Free-pool watermarks, in mchunks. */
#define RRAIM_POOL_LOW		4
#define RRAIM_POOL_HIGH		8

static DEFINE_XARRAY_ALLOC1(rraim_mchunks);
static DEFINE_MUTEX(rraim_mchunks_mutex);	/* freeing, walks */

static DEFINE_SPINLOCK(rraim_pool_lock);
static LIST_HEAD(rraim_pool);
static unsigned int rraim_pool_count;		/* rraim_pool_lock */
static DECLARE_WAIT_QUEUE_HEAD(rraim_pool_wq);
static atomic_t rraim_pool_gen = ATOMIC_INIT(0);	/* bumped per addition */
static bool rraim_pool_starved;	/* the last refill found no room */

static struct workqueue_struct *rraim_core_wq;
static struct delayed_work rraim_worker;
static bool rraim_stopping;	/* module exit: the worker stays idle */
static DEFINE_SPINLOCK(rraim_worker_lock);	/* queueing vs rraim_stopping */

/* ---------------------------------------------------------- the table */

/* Whole-table walks (rraim_mchunk_next()) and freeing. */
void rraim_mchunks_lock(void)
{
	mutex_lock(&rraim_mchunks_mutex);
}

void rraim_mchunks_unlock(void)
{
	mutex_unlock(&rraim_mchunks_mutex);
}

/**
 * rraim_mchunk_next - the mchunk after @id in the table
 * @id: in: the last id seen (0 to start); out: the id returned
 *
 * Under rraim_mchunks_lock().  Return: the mchunk, or NULL at the end.
 */
struct rraim_mchunk *rraim_mchunk_next(unsigned long *id)
{
	lockdep_assert_held(&rraim_mchunks_mutex);
	return xa_find_after(&rraim_mchunks, id, ULONG_MAX, XA_PRESENT);
}

/**
 * rraim_mchunk_find - the mchunk a slot word names
 * @id: its id
 *
 * Under the server table's read lock (an mchunk is freed only after its
 * grace period), or rraim_mchunks_lock().
 */
struct rraim_mchunk *rraim_mchunk_find(u32 id)
{
	return xa_load(&rraim_mchunks, id);
}

/*
 * Queue the background work in @delay jiffies; @now: run it now even if
 * it is due later.  Never once module exit stopped it: a kick that found
 * it running could otherwise queue it again after the exit's cancel.
 */
static void rraim_queue_worker(unsigned long delay, bool now)
{
	unsigned long flags;

	spin_lock_irqsave(&rraim_worker_lock, flags);
	if (!rraim_stopping) {
		if (now)
			mod_delayed_work(rraim_core_wq, &rraim_worker, 0);
		else
			queue_delayed_work(rraim_core_wq, &rraim_worker, delay);
	}
	spin_unlock_irqrestore(&rraim_worker_lock, flags);
}

/* Run the background work now (refill, clean, trim). */
static void rraim_kick_worker(void)
{
	rraim_queue_worker(0, true);
}

/* A server may have room again: refill the pool (placement). */
void rraim_pool_kick(void)
{
	rraim_kick_worker();
}

/* A server came up: the pool may find room it found none for before. */
void rraim_pool_server_up(void)
{
	WRITE_ONCE(rraim_pool_starved, false);
	rraim_kick_worker();
}

/* Copy an mchunk's replica descriptors out. */
unsigned int rraim_mchunk_reps(struct rraim_mchunk *mc,
			       struct rraim_replica *rep)
{
	unsigned int n;

	spin_lock(&mc->lock);
	n = mc->nr_rep;
	memcpy(rep, mc->rep, n * sizeof(*rep));
	spin_unlock(&mc->lock);
	return n;
}

/* Replicas of @mc that can be read or written now (bit i: replica i). */
unsigned int rraim_mchunk_avail(struct rraim_mchunk *mc)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	unsigned int i, n, mask = 0;

	n = rraim_mchunk_reps(mc, rep);
	for (i = 0; i < n; i++)
		if (rraim_rep_usable(&rep[i], rraim_server_get(rep[i].server)))
			mask |= BIT(i);
	return mask;
}

/*
 * Copies a new page should get: the knob, capped by the servers that are
 * live (neither away nor suspected) and have room.
 */
static unsigned int rraim_want_replicas(void)
{
	unsigned int i, live = 0;

	for (i = 0; i < RRAIM_MAX_SERVERS; i++)
		if (rraim_server_has_room(rraim_server_get(i)))
			live++;
	return min(rraim_knob(RRAIM_KNOB_REPLICAS), max(live, 1U));
}

/*
 * A good home for new pages: as many replicas as a new page should get,
 * every one usable, no server suspected, draining or leaving.
 */
static bool rraim_mchunk_healthy(struct rraim_mchunk *mc, unsigned int want)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_server *s;
	unsigned int i, n;

	unsigned int ok = 0;

	n = rraim_mchunk_reps(mc, rep);
	for (i = 0; i < n; i++) {
		if (rep[i].state != RRAIM_REP_OK)
			continue;
		s = rraim_server_get(rep[i].server);
		if (!rraim_rep_usable(&rep[i], s) || !rraim_server_live(s) ||
		    READ_ONCE(s->draining) || READ_ONCE(s->leaving))
			return false;
		ok++;
	}
	return ok && ok == want;
}

static struct rraim_mchunk *rraim_mchunk_alloc(void)
{
	struct rraim_mchunk *mc;
	u32 id;
	int ret;

	mc = kzalloc(sizeof(*mc), GFP_KERNEL);
	if (!mc)
		return NULL;
	/* the reverse map, then the checksums (rraim_mchunk_csum()) */
	mc->rmap = kvcalloc(2 * RRAIM_CHUNK_PAGES, sizeof(*mc->rmap),
			    GFP_KERNEL);
	if (!mc->rmap)
		goto out_free;
	spin_lock_init(&mc->lock);
	INIT_LIST_HEAD(&mc->node);
	mc->sync_rep = RRAIM_NO_REPLICA;
	ret = xa_alloc(&rraim_mchunks, &id, mc,
		       XA_LIMIT(1, RRAIM_MCHUNK_MAX), GFP_KERNEL);
	if (ret)
		goto out_free_rmap;
	mc->id = id;
	return mc;

out_free_rmap:
	kvfree(mc->rmap);
out_free:
	kfree(mc);
	return NULL;
}

static void rraim_mchunk_free_rcu(struct rcu_head *head)
{
	struct rraim_mchunk *mc = container_of(head, struct rraim_mchunk, rcu);

	kvfree(mc->rmap);
	kfree(mc);
}

/*
 * Give an unused mchunk's chunks back to their servers and free it.
 * Caller holds rraim_mchunks_mutex; no slot refers to @mc any more, but a
 * load or an invalidate that read a slot word before it changed may
 * still look at @mc: it is freed after the server table's readers.
 */
static void rraim_mchunk_free(struct rraim_mchunk *mc)
{
	struct rraim_server *s;
	unsigned int i;
	int idx;

	lockdep_assert_held(&rraim_mchunks_mutex);
	if (mc->sync_busy) {
		/* the sync still looks at it: back to the pool, freed later */
		rraim_pool_put(mc);
		return;
	}
	idx = rraim_server_read_lock();
	for (i = 0; i < mc->nr_rep; i++) {
		if (mc->rep[i].state != RRAIM_REP_OK)
			continue;
		s = rraim_server_get(mc->rep[i].server);
		if (s)
			rraim_rep_release(s, &mc->rep[i], false);
	}
	rraim_server_read_unlock(idx);
	xa_erase(&rraim_mchunks, mc->id);
	rraim_server_call_after_readers(&mc->rcu, rraim_mchunk_free_rcu);
}

/* Take a healthy fresh mchunk from the pool for @a.  Space lock held. */
static struct rraim_mchunk *rraim_pool_take(struct rraim_space *a,
					    unsigned int want)
{
	struct rraim_mchunk *mc, *found = NULL;
	unsigned int left;

	spin_lock(&rraim_pool_lock);
	list_for_each_entry(mc, &rraim_pool, node) {
		if (rraim_mchunk_healthy(mc, want)) {
			found = mc;
			list_del_init(&mc->node);
			rraim_pool_count--;
			break;
		}
	}
	mc = found;
	left = rraim_pool_count;
	spin_unlock(&rraim_pool_lock);
	if (left < RRAIM_POOL_LOW)
		rraim_kick_worker();
	if (mc)
		mc->space = a;
	return mc;
}

/*
 * Park the space's current mchunk on the list it belongs to: one that
 * emptied while it was current goes back like any other (rraim_pos_free()).
 */
static void rraim_space_park(struct rraim_space *a, struct rraim_mchunk *mc)
{
	mc->full = mc->nr_used == RRAIM_CHUNK_PAGES;
	if (!mc->nr_used) {
		list_add_tail(&mc->node, &a->empty);
		rraim_kick_worker();
		return;
	}
	list_add_tail(&mc->node, mc->full ? &a->full : &a->partial);
}

/*
 * Choose the mchunk for a new page: the current one if it is healthy and
 * has room, else a healthy partial one, else a fresh one from the pool,
 * else (with @fallback) any partial one with at least one usable replica.
 * Space lock held.
 */
static struct rraim_mchunk *rraim_space_pick(struct rraim_space *a,
					     bool fallback_ok)
{
	unsigned int want = rraim_want_replicas();
	struct rraim_mchunk *mc, *fallback = NULL;

	lockdep_assert_held(&a->lock);
	mc = a->cur;
	if (mc && mc->nr_used < RRAIM_CHUNK_PAGES &&
	    rraim_mchunk_healthy(mc, want))
		return mc;
	if (mc) {
		rraim_space_park(a, mc);
		a->cur = NULL;
	}
	list_for_each_entry(mc, &a->partial, node) {
		if (rraim_mchunk_healthy(mc, want))
			goto found;
		if (!fallback && rraim_mchunk_avail(mc))
			fallback = mc;
	}
	mc = rraim_pool_take(a, want);
	if (mc) {
		a->cur = mc;
		return mc;
	}
	mc = fallback_ok ? fallback : NULL;
	if (!mc)
		return NULL;
found:
	list_del_init(&mc->node);
	a->cur = mc;
	return mc;
}

/* Reserve a position for @offset.  Space lock held. */
static struct rraim_mchunk *rraim_pos_alloc(struct rraim_space *a,
					    pgoff_t offset, unsigned int *pos,
					    bool fallback_ok)
{
	struct rraim_mchunk *mc = rraim_space_pick(a, fallback_ok);
	unsigned int p;

	if (!mc)
		return NULL;
	/* a free position the sync is not copying (its late copy would win) */
	p = mc->hint;
	for (;;) {
		p = find_next_zero_bit(mc->used, RRAIM_CHUNK_PAGES, p);
		if (p >= RRAIM_CHUNK_PAGES)
			break;
		if (!test_bit(p, mc->copying))
			break;
		p++;
	}
	if (p >= RRAIM_CHUNK_PAGES) {
		for (p = 0; p < RRAIM_CHUNK_PAGES; p++) {
			p = find_next_zero_bit(mc->used, RRAIM_CHUNK_PAGES, p);
			if (p >= RRAIM_CHUNK_PAGES || !test_bit(p, mc->copying))
				break;
		}
	}
	if (p >= RRAIM_CHUNK_PAGES)
		return NULL;	/* the free ones are being copied: try later */
	__set_bit(p, mc->used);
	mc->nr_used++;
	mc->hint = p + 1;
	mc->rmap[p] = offset;
	*pos = p;
	return mc;
}

/* Release a position.  Space lock held. */
void rraim_pos_free(struct rraim_space *a, struct rraim_mchunk *mc,
		    unsigned int pos)
{
	lockdep_assert_held(&a->lock);
	if (WARN_ON_ONCE(!test_bit(pos, mc->used)))
		return;
	__clear_bit(pos, mc->used);
	mc->nr_used--;
	mc->rmap[pos] = 0;
	if (!mc->nr_used && mc != a->cur) {
		/* its chunks are of no use to this space any more */
		list_move_tail(&mc->node, &a->empty);
		mc->full = false;
		rraim_kick_worker();
		return;
	}
	if (mc->full && mc != a->cur) {
		list_move_tail(&mc->node, &a->partial);
		mc->full = false;
	}
}

/**
 * rraim_mchunks_forget_server - every copy on a server is gone
 * @s: the server, whose session generation was bumped already
 *
 * Marks its replicas so that their valid bits are ignored from now on.
 * Return: how many were marked.
 */
unsigned int rraim_mchunks_forget_server(struct rraim_server *s)
{
	struct rraim_mchunk *mc;
	unsigned long id;
	unsigned int i, n = 0;

	mutex_lock(&rraim_mchunks_mutex);
	xa_for_each(&rraim_mchunks, id, mc) {
		spin_lock(&mc->lock);
		for (i = 0; i < mc->nr_rep; i++) {
			if (mc->rep[i].server == s->index &&
			    mc->rep[i].state == RRAIM_REP_OK) {
				mc->rep[i].state = RRAIM_REP_GONE;
				n++;
			}
		}
		spin_unlock(&mc->lock);
	}
	mutex_unlock(&rraim_mchunks_mutex);
	return n;
}

/*
 * Free every mchunk of the pool: at module exit, once no space holds one,
 * and when the replica count changes (the worker refills with the new one).
 */
void rraim_pool_empty(void)
{
	struct rraim_mchunk *mc, *tmp;
	LIST_HEAD(all);

	mutex_lock(&rraim_mchunks_mutex);
	spin_lock(&rraim_pool_lock);
	list_splice_init(&rraim_pool, &all);
	rraim_pool_count = 0;
	spin_unlock(&rraim_pool_lock);
	list_for_each_entry_safe(mc, tmp, &all, node) {
		list_del(&mc->node);
		rraim_mchunk_free(mc);
	}
	mutex_unlock(&rraim_mchunks_mutex);
}

/**
 * rraim_set_replicas - change the number of copies of new pages
 * @replicas: 1..min(servers, RRAIM_MAX_REPLICAS)
 *
 * Pages already stored keep the copies they have; the fresh mchunks of the
 * free pool are rebuilt with the new count.
 */
int rraim_set_replicas(unsigned int replicas)
{
	if (replicas < 1 || replicas > RRAIM_MAX_REPLICAS ||
	    replicas > max(rraim_nr_servers(), 1U))
		return -EINVAL;
	rraim_knob_set(RRAIM_KNOB_REPLICAS, replicas);
	rraim_pool_empty();
	rraim_kick_worker();
	rraim_sync_kick(0);	/* stored pages get the new count too */
	return 0;
}

/* ---------------------------------------------------- the background work */

/* A server that may get a replica of a new mchunk, and its free space. */
struct rraim_candidate {
	struct rraim_server *s;
	u64 free;
};

static int rraim_candidate_cmp(const void *a, const void *b)
{
	const struct rraim_candidate *x = a, *y = b;

	if (x->free != y->free)
		return x->free < y->free ? 1 : -1;
	return x->s->index - y->s->index;
}

/*
 * A new mchunk with up to the replicas knob's replicas on distinct live
 * servers, the emptiest first.  Returns NULL when no server grants a chunk.
 */
static struct rraim_mchunk *rraim_mchunk_create(void)
{
	struct rraim_candidate cand[RRAIM_MAX_SERVERS];
	unsigned int i, n = 0, want = rraim_knob(RRAIM_KNOB_REPLICAS);
	struct rraim_chunk_desc desc;
	struct rraim_mchunk *mc;
	struct rraim_server *s;
	u64 capacity;
	int idx;

	mc = rraim_mchunk_alloc();
	if (!mc)
		return NULL;
	idx = rraim_server_read_lock();
	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rraim_server_get(i);
		if (!rraim_server_has_room(s))
			continue;
		cand[n].s = s;
		rraim_peer_pool(s->peer, &capacity, &cand[n].free);
		n++;
	}
	sort(cand, n, sizeof(cand[0]), rraim_candidate_cmp, NULL);
	for (i = 0; i < n && mc->nr_rep < want; i++) {
		struct rraim_replica *rep = &mc->rep[mc->nr_rep];
		u8 sgen = READ_ONCE(cand[i].s->session_gen);

		if (rraim_peer_alloc_chunk(cand[i].s->peer, &desc))
			continue;
		/*
		 * The grant slept: the session it came from may have ended
		 * (the server restarted, or was removed and another server
		 * took its index).  rraim_server_lost_session() bumps the generation
		 * before it walks the mchunks under their locks, so either
		 * it is seen changed here, or the walk sees this replica.
		 * A chunk of an ended session is not ours to give back.
		 * Nor is a replica placed on a server a removal has passed:
		 * removing is set before the removal's walk, so it is seen
		 * here, or the walk sees this replica (the chunk goes with
		 * the session the removal ends).
		 */
		spin_lock(&mc->lock);
		if (READ_ONCE(cand[i].s->session_gen) == sgen &&
		    !READ_ONCE(cand[i].s->removing)) {
			rep->sgen = sgen;
			rep->server = cand[i].s->index;
			rep->state = RRAIM_REP_OK;
			rep->chunk = desc.chunk;
			rep->rkey = desc.rkey;
			rep->addr = desc.addr;
			mc->nr_rep++;
			atomic_inc(&cand[i].s->nr_chunks);
		}
		spin_unlock(&mc->lock);
	}
	rraim_server_read_unlock(idx);
	if (!mc->nr_rep) {
		mutex_lock(&rraim_mchunks_mutex);
		rraim_mchunk_free(mc);
		mutex_unlock(&rraim_mchunks_mutex);
		return NULL;
	}
	return mc;
}

/*
 * Drop pool mchunks that lost a replica or have another replica count than
 * new pages should get (the knob changed, or servers came and went).
 */
static void rraim_pool_clean(void)
{
	struct rraim_mchunk *mc, *tmp;
	unsigned int want;
	LIST_HEAD(stale);
	int idx;

	mutex_lock(&rraim_mchunks_mutex);
	idx = rraim_server_read_lock();
	want = rraim_want_replicas();
	spin_lock(&rraim_pool_lock);
	list_for_each_entry_safe(mc, tmp, &rraim_pool, node) {
		if (rraim_mchunk_healthy(mc, want))
			continue;
		list_move(&mc->node, &stale);
		rraim_pool_count--;
	}
	spin_unlock(&rraim_pool_lock);
	rraim_server_read_unlock(idx);
	list_for_each_entry_safe(mc, tmp, &stale, node) {
		list_del(&mc->node);
		rraim_mchunk_free(mc);
	}
	mutex_unlock(&rraim_mchunks_mutex);
}

void rraim_pool_put(struct rraim_mchunk *mc)
{
	mc->owner_gen++;
	mc->space = NULL;
	mc->full = false;
	mc->hint = 0;
	spin_lock(&rraim_pool_lock);
	list_add_tail(&mc->node, &rraim_pool);
	rraim_pool_count++;
	spin_unlock(&rraim_pool_lock);
	atomic_inc(&rraim_pool_gen);
	wake_up_all(&rraim_pool_wq);
}

static void rraim_worker_fn(struct work_struct *work)
{
	struct rraim_mchunk *mc, *extra = NULL;
	unsigned int noio;

	noio = memalloc_noio_save();
	rraim_spaces_release_empty();
	rraim_pool_clean();
	while (READ_ONCE(rraim_pool_count) < RRAIM_POOL_LOW) {
		mc = rraim_mchunk_create();
		WRITE_ONCE(rraim_pool_starved, !mc && rraim_any_server_ready());
		if (!mc) {
			/* stores waiting for room look again (and give up) */
			wake_up_all(&rraim_pool_wq);
			break;
		}
		rraim_pool_put(mc);
	}
	spin_lock(&rraim_pool_lock);
	if (rraim_pool_count > RRAIM_POOL_HIGH) {
		extra = list_first_entry(&rraim_pool, struct rraim_mchunk, node);
		list_del_init(&extra->node);
		rraim_pool_count--;
	}
	spin_unlock(&rraim_pool_lock);
	if (extra) {
		mutex_lock(&rraim_mchunks_mutex);
		rraim_mchunk_free(extra);
		mutex_unlock(&rraim_mchunks_mutex);
		rraim_kick_worker();
	}
	memalloc_noio_restore(noio);
	rraim_queue_worker(HZ, false);
}

/*
 * Reserve a position.  When no healthy mchunk has room and the background
 * work can make one, wait for it a little (a page stored now gets all its
 * copies): deadline_ms, or up to RRAIM_STORE_WAIT_MS for a space with no
 * fallback (a block device's write would fail); after that, take any
 * mchunk with a usable replica.  Without a ready server, or when the last
 * refill found the servers full, the store fails at once (the page goes
 * to the swap device, or the bio fails).
 */
struct rraim_mchunk *rraim_store_pos(struct rraim_space *a, pgoff_t offset,
				     unsigned int *pos)
{
	unsigned long timeout = msecs_to_jiffies(rraim_knob(RRAIM_KNOB_DEADLINE_MS));
	struct rraim_mchunk *mc;
	bool can_wait;
	int gen;

	if (a->no_fallback)
		timeout = max(timeout, msecs_to_jiffies(RRAIM_STORE_WAIT_MS));
	for (;;) {
		gen = atomic_read(&rraim_pool_gen);
		can_wait = timeout && !READ_ONCE(rraim_pool_starved) &&
			   rraim_any_server_ready();
		spin_lock(&a->lock);
		mc = rraim_pos_alloc(a, offset, pos, !can_wait);
		spin_unlock(&a->lock);
		if (mc || !can_wait)
			return mc;
		rraim_kick_worker();
		timeout = wait_event_timeout(rraim_pool_wq,
					     atomic_read(&rraim_pool_gen) != gen ||
					     READ_ONCE(rraim_pool_starved) ||
					     !rraim_any_server_ready(),
					     timeout);
	}
}

/* --------------------------------------------------------- init, exit */

int rraim_pool_init(void)
{
	rraim_core_wq = alloc_workqueue("rraim_core", WQ_MEM_RECLAIM, 0);
	if (!rraim_core_wq)
		return -ENOMEM;
	INIT_DELAYED_WORK(&rraim_worker, rraim_worker_fn);
	return 0;
}

/* Start filling the pool, once the transport is up. */
void rraim_pool_start(void)
{
	queue_delayed_work(rraim_core_wq, &rraim_worker, 0);
}

/* Module exit: the background work stops for good. */
void rraim_pool_stop(void)
{
	unsigned long flags;

	spin_lock_irqsave(&rraim_worker_lock, flags);
	rraim_stopping = true;
	spin_unlock_irqrestore(&rraim_worker_lock, flags);
	cancel_delayed_work_sync(&rraim_worker);
}

void rraim_pool_exit(void)
{
	cancel_delayed_work_sync(&rraim_worker);
	destroy_workqueue(rraim_core_wq);
	WARN_ON_ONCE(!xa_empty(&rraim_mchunks));
	/* the mchunks freed last are still waiting for their grace period */
	rraim_server_readers_barrier();
}
