// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM core, the data path: the spaces front ends create, their slot
 * words, and store, load and invalidate of a page.
 *
 * A page stored by a front end is named by (space, index).  The core gives
 * it a position in a mirrored chunk (an "mchunk", rraim_pool.c):
 * RRAIM_CHUNK_PAGES positions backed by one chunk on each of up to
 * RRAIM_MAX_REPLICAS distinct servers, the same position holding a copy of
 * the same page in every replica.  The page's slot word records the
 * mchunk, the position, which replicas hold a valid copy, and a
 * generation.
 *
 * Locking, from the outside in:
 *   rraim_spaces_mutex   the list of spaces: creating and destroying one,
 *                        walks over every space (sleeps)
 *   rraim_servers_mutex  adding and removing servers (sleeps;
 *                        rraim_server.c)
 *   rraim_mchunks_mutex  creating and freeing mchunks; whole-table walks
 *                        (rraim_pool.c: rraim_mchunks_lock())
 *   space->lock          position allocation, a space's mchunk lists, the
 *                        publication of a slot word by a store; may be
 *                        taken under a swap area's own spinlock
 *                        (invalidate), so never sleeps
 *   rraim_pool_lock      the free-mchunk pool (rraim_pool.c)
 *   mchunk->lock         an mchunk's replica descriptors
 * Servers are looked up under SRCU (rraim_server_read_lock()): store and
 * load sleep while they use one, and removal waits for them.  A second
 * SRCU domain, rraim_store_srcu, covers each store from its first look at
 * the knobs to its publication: stopping stores (enabled=0, a detach), a
 * removal's leaving phase and a space's destruction wait for the stores
 * in flight.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/vmalloc.h>

#include "rraim.h"
#include "rraim_auth.h"
#include "rraim_core.h"
#include "rraim_crypt.h"
#include "rraim_rdma.h"
#include "rraim_stats.h"

/* ------------------------------------------------------- data structures */

/* Slot words live in leaf pages, RRAIM_LEAF_SLOTS per leaf. */
#define RRAIM_LEAF_SHIFT	(PAGE_SHIFT - 3)
#define RRAIM_LEAF_SLOTS	BIT(RRAIM_LEAF_SHIFT)
#define RRAIM_LEAF_RESERVE	8

/* Every space, for the walks that cover them all (rraim_spaces_mutex). */
static LIST_HEAD(rraim_spaces);
static DEFINE_MUTEX(rraim_spaces_mutex);
static bool rraim_attached;

static bool rraim_shut_down;	/* rraim_core_shutdown() ran */
/* Stores in flight (rraim_space_store()), waited for when stores stop. */
DEFINE_STATIC_SRCU(rraim_store_srcu);
/* Asynchronous stores run here (rraim_space_store_async()). */
static struct workqueue_struct *rraim_store_wq;

static mempool_t *rraim_leaf_pool;
static atomic_long_t rraim_nr_leaves;	/* leaf pages of every space */
static atomic_t rraim_gen = ATOMIC_INIT(0);

static atomic_long_t rraim_lost;		/* pages declared lost */
static unsigned long rraim_lost_logged;	/* jiffies of the last log */

/* -------------------------------------------------------------- helpers */

/* The generation of a new store: what its slot word and checksum carry. */
static u32 rraim_gen_next(void)
{
	return atomic_inc_return(&rraim_gen) & RRAIM_SLOT_GEN_MASK;
}

static u64 rraim_slot_make(u32 mchunk, unsigned int pos, unsigned int valid,
			   u32 gen, bool csum, bool crypt)
{
	return FIELD_PREP(RRAIM_SLOT_MCHUNK, mchunk) |
	       FIELD_PREP(RRAIM_SLOT_POS, pos) |
	       FIELD_PREP(RRAIM_SLOT_VALID, valid) |
	       (csum ? RRAIM_SLOT_CSUM : 0) |
	       (crypt ? RRAIM_SLOT_CRYPT : 0) |
	       FIELD_PREP(RRAIM_SLOT_GEN, gen);
}

/**
 * rraim_slot_forget_copies - copies of a page were found bad: never use them
 * @slot: the page's slot word
 * @w: the word as it was when the copies were read
 * @bad: the replicas whose copies are bad (bits of RRAIM_SLOT_VALID)
 *
 * Clears their valid bits, so that no load reads them again and the sync
 * rewrites them from a good copy, unless the slot no longer names the
 * copy @w named (stored again, forgotten: then the checksum compared may
 * have been the newer store's) or the page was found lost meanwhile:
 * then nothing changes.  When no valid copy is
 * left, the page is lost (RRAIM_SLOT_LOST: its reads fail): the caller
 * notes it (rraim_note_lost()).  Any context.
 * Return: the new word, or 0 when the slot changed.
 */
u64 rraim_slot_forget_copies(u64 *slot, u64 w, unsigned int bad)
{
	u64 cur, new;

	do {
		cur = READ_ONCE(*slot);
		if (!cur || (cur & RRAIM_SLOT_LOST) ||
		    (cur & RRAIM_SLOT_COPY) != (w & RRAIM_SLOT_COPY))
			return 0;
		new = cur & ~FIELD_PREP(RRAIM_SLOT_VALID, bad);
		if (!rraim_slot_valid(new))
			new |= RRAIM_SLOT_LOST;
	} while (cmpxchg(slot, cur, new) != cur);
	return new;
}

/**
 * rraim_note_corrupt - count and log a copy that failed its checksum
 * @s: the server that returned it
 * @who: what read it, for the log ("load", "sync")
 * @a: the page's space
 * @index: the page's index in @a
 * @mc: its mchunk
 * @pos: its position in @mc
 */
void rraim_note_corrupt(struct rraim_server *s, const char *who,
			struct rraim_space *a, pgoff_t index,
			struct rraim_mchunk *mc, unsigned int pos)
{
	rraim_count(RRAIM_STAT_CORRUPT);
	rraim_sstat_inc(s->stats, RRAIM_SSTAT_CORRUPT);
	pr_warn_ratelimited("server %s: corrupt copy of %s page %lu (mchunk %u position %u), found by a %s: not used, to be rewritten from a good copy\n",
			    s->name, a->name, index, mc->id, pos, who);
}

/* The slot word of (@a, @offset); with @create, make room for it. */
u64 *rraim_slot_ptr(struct rraim_space *a, pgoff_t offset, bool create)
{
	unsigned long idx = offset >> RRAIM_LEAF_SHIFT;
	struct page *page;
	u64 *leaf, *old;

	leaf = xa_load(&a->leaves, idx);
	if (!leaf && create) {
		page = mempool_alloc(rraim_leaf_pool, GFP_NOWAIT | __GFP_NOWARN);
		if (!page)
			return NULL;
		leaf = page_address(page);
		clear_page(leaf);
		old = xa_cmpxchg(&a->leaves, idx, NULL, leaf,
				 GFP_NOWAIT | __GFP_NOWARN);
		if (old) {
			mempool_free(page, rraim_leaf_pool);
			if (xa_is_err(old))
				return NULL;
			leaf = old;
		} else {
			atomic_long_inc(&rraim_nr_leaves);
		}
	}
	if (!leaf)
		return NULL;
	return &leaf[offset & (RRAIM_LEAF_SLOTS - 1)];
}

/* ------------------------------------------------------------- positions */

/* Forget slot word @w of space @a: its position becomes free. */
static void rraim_slot_release(struct rraim_space *a, u64 w)
{
	struct rraim_mchunk *mc;
	int idx;

	if (rraim_slot_is_miss(w))
		return;		/* a failed read's marker: nothing held */

	idx = rraim_server_read_lock();
	mc = rraim_mchunk_find(rraim_slot_mchunk(w));
	if (!WARN_ON_ONCE(!mc)) {
		spin_lock(&a->lock);
		rraim_pos_free(a, mc, rraim_slot_pos(w));
		spin_unlock(&a->lock);
	}
	rraim_server_read_unlock(idx);
	atomic_long_dec(&a->stored);
}

/*
 * Replicas of @mc that a removal of @s may count on: usable, and on a
 * server that no removal has passed already (its copies are as good as
 * gone).  Under @mc's space's lock, which a drain's drop of a replica
 * holds too, and rraim_servers_mutex, under which removals set removing.
 */
static unsigned int rraim_mchunk_kept(struct rraim_mchunk *mc,
				      struct rraim_server *s)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_server *t;
	unsigned int i, n, mask = 0;

	n = rraim_mchunk_reps(mc, rep);
	for (i = 0; i < n; i++) {
		if (rep[i].server == s->index)
			continue;
		t = rraim_server_get(rep[i].server);
		if (rraim_rep_usable(&rep[i], t) && !t->removing)
			mask |= BIT(i);
	}
	return mask;
}

/*
 * Does every page with a copy on @s have a reachable copy elsewhere?
 * Under rraim_servers_mutex: two removals check one after the other, and
 * the second does not count the copies of the server the first removes.
 */
bool rraim_server_expendable(struct rraim_server *s)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_mchunk *mc;
	struct rraim_space *a;
	unsigned int i, n, mine, others, p;
	unsigned long id;
	bool ok = true;
	u64 *slot;

	rraim_mchunks_lock();
	for (id = 0; (mc = rraim_mchunk_next(&id)); ) {
		n = rraim_mchunk_reps(mc, rep);
		mine = 0;
		for (i = 0; i < n; i++)
			if (rep[i].server == s->index &&
			    rep[i].state == RRAIM_REP_OK)
				mine |= BIT(i);
		if (!mine)
			continue;
		a = READ_ONCE(mc->space);
		if (!a)
			continue;
		spin_lock(&a->lock);
		if (mc->space != a) {	/* its space went meanwhile */
			spin_unlock(&a->lock);
			continue;
		}
		others = rraim_mchunk_kept(mc, s);
		for_each_set_bit(p, mc->used, RRAIM_CHUNK_PAGES) {
			slot = rraim_slot_ptr(a, mc->rmap[p], false);
			if (slot && (rraim_slot_valid(READ_ONCE(*slot)) & mine) &&
			    !(rraim_slot_valid(READ_ONCE(*slot)) & others)) {
				ok = false;
				break;
			}
		}
		spin_unlock(&a->lock);
		if (!ok)
			break;
	}
	rraim_mchunks_unlock();
	return ok;
}

/*
 * Give the mchunks that spaces emptied back to the free pool: a space
 * keeps no chunk it has no page in, or a server that is away for a while
 * (whose mchunks new pages avoid) would make every space take fresh chunks
 * until the other servers are full.  The pool's cleaning frees what new
 * pages cannot use, its trim what it does not need.  Like a space's
 * teardown, the detach bumps owner_gen so that the sync lets them be.
 */
void rraim_spaces_release_empty(void)
{
	struct rraim_mchunk *mc, *tmp;
	struct rraim_space *a;
	LIST_HEAD(done);

	mutex_lock(&rraim_spaces_mutex);
	list_for_each_entry(a, &rraim_spaces, node) {
		if (list_empty_careful(&a->empty))
			continue;
		spin_lock(&a->lock);
		list_for_each_entry_safe(mc, tmp, &a->empty, node) {
			if (WARN_ON_ONCE(mc->nr_used)) {
				list_move_tail(&mc->node, &a->partial);
				continue;
			}
			list_move_tail(&mc->node, &done);
			mc->owner_gen++;
			mc->space = NULL;
		}
		spin_unlock(&a->lock);
	}
	mutex_unlock(&rraim_spaces_mutex);
	list_for_each_entry_safe(mc, tmp, &done, node) {
		list_del_init(&mc->node);
		rraim_pool_put(mc);
	}
}

/* ----------------------------------------------------------------- hooks */

void rraim_core_set_attached(bool attached)
{
	WRITE_ONCE(rraim_attached, attached);
	if (!attached)
		synchronize_srcu(&rraim_store_srcu);
}

/**
 * rraim_core_set_enabled - accept new stores or send them to the swap device
 * @enabled: the new value of the enabled knob
 *
 * Turning stores off returns once no store that began before is in flight.
 */
void rraim_core_set_enabled(bool enabled)
{
	rraim_knob_set(RRAIM_KNOB_ENABLED, enabled);
	if (!enabled)
		synchronize_srcu(&rraim_store_srcu);
}

bool rraim_core_attached(void)
{
	return READ_ONCE(rraim_attached);
}

/**
 * rraim_space_create - a new backing space
 * @name: for the log (copied; truncated to 31 characters)
 * @nr_pages: its size: pages are named by an index below it
 * @flags: RRAIM_SPACE_NO_FALLBACK, RRAIM_SPACE_ALL_COPIES, or 0
 *
 * May sleep.  Return: the space; ERR_PTR(-EINVAL) for a size of 0 or
 * above RRAIM_SPACE_MAX_PAGES or an unknown flag; ERR_PTR(-ENOMEM).
 */
struct rraim_space *rraim_space_create(const char *name, u64 nr_pages,
				       unsigned int flags)
{
	struct rraim_space *a;

	if (!nr_pages || nr_pages > RRAIM_SPACE_MAX_PAGES ||
	    (flags & ~(RRAIM_SPACE_NO_FALLBACK | RRAIM_SPACE_ALL_COPIES)))
		return ERR_PTR(-EINVAL);
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return ERR_PTR(-ENOMEM);
	strscpy(a->name, name, sizeof(a->name));
	a->nr_pages = nr_pages;
	a->no_fallback = flags & RRAIM_SPACE_NO_FALLBACK;
	a->all_copies = flags & RRAIM_SPACE_ALL_COPIES;
	spin_lock_init(&a->lock);
	xa_init(&a->leaves);
	INIT_LIST_HEAD(&a->partial);
	INIT_LIST_HEAD(&a->full);
	INIT_LIST_HEAD(&a->empty);
	mutex_lock(&rraim_spaces_mutex);
	list_add_tail(&a->node, &rraim_spaces);
	mutex_unlock(&rraim_spaces_mutex);
	return a;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_create);

/* Wait for the writes of a store: all of them, however long it takes. */
void rraim_wait_writes(struct rraim_xfer *x, unsigned int n,
		       struct rraim_waiter *w)
{
	unsigned long timeout = msecs_to_jiffies(rraim_knob(RRAIM_KNOB_DEADLINE_MS));
	unsigned int i, round;

	for (round = 0; ; round++) {
		bool all = true;

		wait_event_timeout(w->wq, ({
			all = true;
			for (i = 0; i < n; i++)
				if (x[i].req && !rraim_xfer_done(&x[i]))
					all = false;
			all; }), timeout);
		if (all)
			return;
		/*
		 * A write missed the deadline.  It reads our page, so it
		 * cannot be abandoned: first suspect its server, then fail
		 * the connection, which flushes the write with an error.
		 */
		for (i = 0; i < n; i++) {
			if (!x[i].req || rraim_xfer_done(&x[i]))
				continue;
			if (round == 0)
				rraim_peer_suspect(x[i].peer, "write deadline");
			else
				rraim_peer_fail(x[i].peer, "write deadline");
		}
		if (round > 0)
			timeout = HZ;
	}
}

/* Test hook (debugfs): a pause between a store's writes and its publication */
static u32 rraim_fault_store_delay_ms;

u32 rraim_fault_store_delay(void)
{
	return READ_ONCE(rraim_fault_store_delay_ms);
}

void rraim_fault_set_store_delay(u32 ms)
{
	WRITE_ONCE(rraim_fault_store_delay_ms, ms);
}

/*
 * Widen the window in which a store has written its copies but not yet
 * published them, for tests of what may happen meanwhile (a server
 * removed, stores stopped).  0, the default, costs one read.
 */
static void rraim_fault_store_pause(void)
{
	u32 ms = READ_ONCE(rraim_fault_store_delay_ms);

	if (unlikely(ms))
		msleep(ms);
}

/*
 * Which of the copies a store wrote may it mark valid?  Not one whose
 * replica was pointed at another chunk meanwhile (the sync rebuilt it),
 * nor the one the sync is copying this very position to (its copy may land
 * after ours).  Space lock held: the sync checks and sets under it too.
 */
static unsigned int rraim_publish_mask(struct rraim_mchunk *mc,
				       unsigned int pos,
				       const struct rraim_replica *snap,
				       unsigned int valid)
{
	unsigned int i;

	spin_lock(&mc->lock);
	for (i = 0; i < mc->nr_rep; i++) {
		if (!(valid & BIT(i)))
			continue;
		if (mc->rep[i].state != RRAIM_REP_OK ||
		    mc->rep[i].epoch != snap[i].epoch ||
		    (test_bit(pos, mc->copying) && mc->sync_rep == i))
			valid &= ~BIT(i);
	}
	spin_unlock(&mc->lock);
	return valid;
}

static int __rraim_space_store(struct rraim_space *a, pgoff_t offset,
			       struct page *page)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_xfer x[RRAIM_MAX_REPLICAS] = {};
	unsigned int i, n, pos, valid = 0, posted = 0;
	struct rraim_server *srv[RRAIM_MAX_REPLICAS];
	struct rraim_crypt_buf *cb = NULL;
	struct page *data = page;
	struct rraim_mchunk *mc;
	struct rraim_waiter w;
	ktime_t t0 = ktime_get();
	u64 *slot, old;
	u32 gen, crc = 0;
	int idx, ret;
	bool csum, crypt, short_copies;

	if (!READ_ONCE(rraim_attached)) {
		rraim_count(RRAIM_STAT_REJECT_DETACHED);
		return -ENODEV;
	}
	if (!rraim_knob(RRAIM_KNOB_ENABLED)) {
		rraim_count(RRAIM_STAT_REJECT_DISABLED);
		return -ENODEV;
	}
	if (!a || offset >= a->nr_pages || READ_ONCE(a->dying)) {
		rraim_count(RRAIM_STAT_REJECT_AREA);
		return -ENODEV;
	}
	/* The front end invalidates before a re-store; be safe anyway. */
	slot = rraim_slot_ptr(a, offset, false);
	old = slot ? xchg(slot, 0) : 0;
	if (old)
		rraim_slot_release(a, old);

	idx = rraim_server_read_lock();
	mc = rraim_store_pos(a, offset, &pos);
	if (!mc) {
		rraim_count(rraim_any_server_ready() ? RRAIM_STAT_REJECT_NO_SPACE :
			    RRAIM_STAT_REJECT_NO_SERVER);
		ret = -ENOSPC;
		goto out_unlock;
	}
	/* a page that goes to the device costs no slot-map memory */
	slot = rraim_slot_ptr(a, offset, true);
	if (!slot) {
		rraim_count(RRAIM_STAT_REJECT_ALLOC);
		ret = -ENOMEM;
		goto out_free_pos;
	}
	gen = rraim_gen_next();
	crypt = rraim_crypt_enabled();
	if (crypt) {
		/* what leaves the host is the ciphertext, in a bounce page */
		cb = rraim_crypt_get();
		data = cb->page;
		if (rraim_crypt_page(cb, true, offset, gen, page, data)) {
			/* the page goes to the swap device */
			rraim_count(RRAIM_STAT_CRYPT_ERRORS);
			ret = -EIO;
			goto out_free_pos;
		}
	}
	n = rraim_mchunk_reps(mc, rep);
	rraim_waiter_init(&w);
	for (i = 0; i < n; i++) {
		srv[i] = rraim_server_get(rep[i].server);
		if (!rraim_rep_usable(&rep[i], srv[i]) ||
		    READ_ONCE(srv[i]->leaving))
			continue;
		if (rraim_xfer_write(&x[i], srv[i]->peer, &w, data,
				     rep[i].addr + ((u64)pos << PAGE_SHIFT),
				     rep[i].rkey))
			continue;
		posted++;
	}
	if (!posted) {
		rraim_count(RRAIM_STAT_REJECT_NO_SERVER);
		ret = -ENOTCONN;
		goto out_free_pos;
	}
	/*
	 * The checksum while the copies are on the wire (the page is
	 * locked); of the plaintext, and always when encrypting: it is what
	 * tells a copy that decrypts to garbage.
	 */
	csum = crypt || rraim_knob(RRAIM_KNOB_CHECKSUM);
	if (csum)
		crc = rraim_csum_page(offset, gen, page);
	rraim_wait_writes(x, n, &w);
	for (i = 0; i < n; i++) {
		if (!x[i].req)
			continue;
		if (!rraim_xfer_finish(&x[i], NULL)) {
			valid |= BIT(i);
			rraim_sstat_inc(srv[i]->stats, RRAIM_SSTAT_WRITES);
			rraim_slat_note(srv[i]->stats, RRAIM_SLAT_WRITE, t0);
		} else {
			rraim_sstat_inc(srv[i]->stats, RRAIM_SSTAT_ERRORS);
		}
	}
	if (cb) {	/* every write is done with the bounce page */
		rraim_crypt_put(cb);
		cb = NULL;
	}
	if (!valid) {
		rraim_count(RRAIM_STAT_REJECT_TRANSPORT);
		ret = -EIO;
		goto out_free_pos;
	}
	rraim_fault_store_pause();

	/* the position is this store's: no one reads its checksum yet */
	WRITE_ONCE(rraim_mchunk_csum(mc)[pos], crc);
	spin_lock(&a->lock);
	valid = rraim_publish_mask(mc, pos, rep, valid);
	short_copies = a->all_copies &&
		       hweight32(valid) < rraim_knob(RRAIM_KNOB_REPLICAS);
	if (valid && !short_copies) {	/* the checksum before its word */
		smp_store_release(slot, rraim_slot_make(mc->id, pos, valid,
							gen, csum, crypt));
		/* counted before anyone can free it: the sum never dips */
		atomic_long_inc(&a->stored);
	}
	spin_unlock(&a->lock);
	if (!valid || short_copies) {
		rraim_count(valid ? RRAIM_STAT_REJECT_DEGRADED :
			    RRAIM_STAT_REJECT_TRANSPORT);
		ret = -EIO;
		goto out_free_pos;
	}
	rraim_server_read_unlock(idx);

	rraim_count(RRAIM_STAT_STORES);
	if (hweight32(valid) < rraim_knob(RRAIM_KNOB_REPLICAS))
		rraim_count(RRAIM_STAT_STORES_DEGRADED);
	/*
	 * A copy this store meant to make failed (a deadline, a transport
	 * error): its replica is still there, so the sync can make the copy
	 * soon.  Waiting for the next server event could leave the page with
	 * its only copy on a server that goes away first.
	 */
	if (hweight32(valid) < posted)
		rraim_sync_kick_soon();
	rraim_count_add(RRAIM_STAT_WRITE_BYTES, (u64)hweight32(valid) * PAGE_SIZE);
	rraim_lat_note(RRAIM_LAT_STORE, t0);
	return 0;

out_free_pos:
	if (cb)
		rraim_crypt_put(cb);
	spin_lock(&a->lock);
	rraim_pos_free(a, mc, pos);
	spin_unlock(&a->lock);
out_unlock:
	rraim_server_read_unlock(idx);
	return ret;
}

/*
 * A store is in flight from before it looks at the knobs until it has
 * published its slot word (or given up): stopping stores (the enabled
 * knob, a detach) waits for the stores in flight, so a count of stored
 * pages read afterwards is final.
 */
int rraim_space_store(struct rraim_space *sp, pgoff_t index,
		      struct page *page)
{
	int idx, ret;

	idx = srcu_read_lock(&rraim_store_srcu);
	ret = __rraim_space_store(sp, index, page);
	srcu_read_unlock(&rraim_store_srcu, idx);
	return ret;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_store);

int rraim_space_store_pages(struct rraim_space *sp, pgoff_t index,
			    struct page *page, unsigned int nr)
{
	unsigned int i;
	int ret = 0;

	if (!nr)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		ret = rraim_space_store(sp, index + i, nth_page(page, i));
		if (ret)
			break;
	}
	if (!ret) {
		if (nr > 1)
			rraim_count(RRAIM_STAT_STORES_LARGE);
		return 0;
	}
	/*
	 * All or nothing: the whole folio goes to the swap device.  The
	 * refused page counted under its reason, its nr - 1 companions count
	 * here, so that every page sent to the device is counted once.
	 */
	while (i--)
		rraim_space_invalidate(sp, index + i);
	if (nr > 1)
		rraim_count_add(RRAIM_STAT_REJECT_THP, nr - 1);
	return ret;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_store_pages);

static void rraim_store_work(struct work_struct *work)
{
	struct rraim_store_req *req = container_of(work, struct rraim_store_req,
						   work);

	req->done(req, rraim_space_store(req->space, req->index, req->page));
}

/*
 * For now the store runs whole on the core's workqueue, which has a rescuer
 * (it may be needed to make memory free); a front end sees the same
 * contract when the writes are later completed from their own completions.
 */
void rraim_space_store_async(struct rraim_store_req *req)
{
	INIT_WORK(&req->work, rraim_store_work);
	queue_work(rraim_store_wq, &req->work);
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_store_async);

/* Wait for every store in flight to publish its slot word or give up. */
void rraim_stores_wait(void)
{
	synchronize_srcu(&rraim_store_srcu);
}

/* Order in which a load tries the copies: live servers first, rotated. */
static DEFINE_PER_CPU(unsigned int, rraim_rotor);

static unsigned int rraim_load_order(const struct rraim_replica *rep,
				     unsigned int n, unsigned int valid,
				     struct rraim_server **srv, u8 *order)
{
	u8 cls[RRAIM_MAX_REPLICAS];
	unsigned int i;

	for (i = 0; i < n; i++) {
		srv[i] = rraim_server_get(rep[i].server);
		if (!(valid & BIT(i)) || !rraim_rep_usable(&rep[i], srv[i]))
			cls[i] = RRAIM_COPY_SKIP;
		else if (rraim_peer_state(srv[i]->peer) == RRAIM_PEER_LIVE)
			cls[i] = RRAIM_COPY_LIVE;
		else
			cls[i] = RRAIM_COPY_SUSPECT;
	}
	return rraim_copy_order(cls, n, this_cpu_inc_return(rraim_rotor),
				order);
}

/* Is replica @i still the chunk it was when @snap was taken? */
static bool rraim_replica_unchanged(struct rraim_mchunk *mc, unsigned int i,
				    const struct rraim_replica *snap)
{
	bool same;

	spin_lock(&mc->lock);
	same = mc->rep[i].state == RRAIM_REP_OK &&
	       mc->rep[i].epoch == snap->epoch;
	spin_unlock(&mc->lock);
	return same;
}

static bool rraim_any_done(struct rraim_xfer *x, const u8 *order,
			   unsigned int issued)
{
	unsigned int k;

	for (k = 0; k < issued; k++)
		if (x[order[k]].req && rraim_xfer_done(&x[order[k]]))
			return true;
	return false;
}

/*
 * Copy @i of page @offset, just read into @page, failed its checksum.
 * Unless the slot changed since @w was read (the checksum may then be a
 * newer store's), forget the copy: no load reads it again and the sync
 * rewrites it from a good one (read-repair).  Return: the slot word now,
 * 0 when the slot changed.
 */
static u64 rraim_load_corrupt(struct rraim_space *a, pgoff_t offset,
			      struct rraim_mchunk *mc, u64 *slot, u64 w,
			      unsigned int i, struct rraim_server *s)
{
	u64 now = rraim_slot_forget_copies(slot, w, BIT(i));

	if (!now)
		return 0;
	rraim_note_corrupt(s, "load", a, offset, mc, rraim_slot_pos(w));
	if (now & RRAIM_SLOT_LOST)
		rraim_note_lost(a, offset);
	else
		rraim_sync_kick_soon();
	return now;
}

/*
 * Read one valid copy of page @offset of @a into @page.  The first replica
 * gets half the deadline; then the next one is asked too (the first is not
 * cancelled: whichever answers first wins).  A failure moves on at once,
 * and so does a copy that fails its checksum (it is forgotten).  Late or
 * failed reads land in their own bounce pages, never in @page; a copy
 * that fails its checksum lands there but is overwritten by the next
 * copy, or the load fails.
 * Return: 0, -EAGAIN when no copy is on a reachable server, -EIO or
 * -ETIMEDOUT when every reachable copy failed or missed the deadline,
 * -ESTALE when the slot changed meanwhile.
 */
static int rraim_load_copies(struct rraim_space *a, pgoff_t offset,
			     struct rraim_mchunk *mc, u64 *slot, u64 *wp,
			     struct page *page, bool *failover)
{
	struct rraim_xfer x[RRAIM_MAX_REPLICAS] = {};
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_server *srv[RRAIM_MAX_REPLICAS];
	unsigned int deadline_ms = rraim_knob(RRAIM_KNOB_DEADLINE_MS);
	struct rraim_crypt_buf *cb = NULL;
	unsigned int n, ncand, issued = 0, k, i, pos;
	ktime_t t0 = ktime_get(), end, next, now;
	ktime_t asked[RRAIM_MAX_REPLICAS];
	u8 order[RRAIM_MAX_REPLICAS];
	struct rraim_waiter wt;
	int ret = -EIO, winner = -1;
	u32 crc = 0;
	u64 w;
	s64 left;

	/*
	 * The replicas first, then the slot word: the sync changes a replica
	 * only after clearing its bits in the slot words, so a bit read now
	 * never refers to a chunk newer than the replica read before.
	 */
	n = rraim_mchunk_reps(mc, rep);
	w = smp_load_acquire(slot);	/* then the checksum it vouches for */
	*wp = w;
	if (!w || (w & RRAIM_SLOT_LOST) || rraim_slot_mchunk(w) != mc->id)
		return -ESTALE;
	pos = rraim_slot_pos(w);
	if (w & RRAIM_SLOT_CSUM)
		crc = READ_ONCE(rraim_mchunk_csum(mc)[pos]);
	ncand = rraim_load_order(rep, n, rraim_slot_valid(w), srv, order);
	if (!ncand)
		return -EAGAIN;
	/* a copy of the page is out of reach: whatever serves it, fails over */
	*failover = ncand < hweight32(rraim_slot_valid(w) & (BIT(n) - 1));
	/* encrypted copies (the key is set at load: always there) */
	if ((w & RRAIM_SLOT_CRYPT) && !WARN_ON_ONCE(!rraim_crypt_enabled()))
		cb = rraim_crypt_get();
	rraim_waiter_init(&wt);
	end = ktime_add_ms(t0, deadline_ms);
	next = t0;

	for (;;) {
		now = ktime_get();

		/* Ask the next copy when it is time (or nothing is pending). */
		while (issued < ncand && ktime_compare(now, next) >= 0 &&
		       ktime_compare(now, end) < 0) {
			i = order[issued++];
			asked[i] = now;
			next = ktime_add_ms(now, max(deadline_ms / 2, 1U));
			if (!rraim_xfer_read(&x[i], srv[i]->peer, &wt,
					     rep[i].addr + ((u64)pos << PAGE_SHIFT),
					     rep[i].rkey))
				break;
			rraim_sstat_inc(srv[i]->stats, RRAIM_SSTAT_ERRORS);
			next = now;
		}
		/* Collect what completed. */
		for (k = 0; k < issued && winner < 0 && ret != -ESTALE; k++) {
			i = order[k];
			if (!x[i].req || !rraim_xfer_done(&x[i]))
				continue;
			if (rraim_xfer_finish(&x[i], page) ||
			    !rraim_replica_unchanged(mc, i, &rep[i])) {
				rraim_sstat_inc(srv[i]->stats, RRAIM_SSTAT_ERRORS);
				next = now;	/* try the next copy now */
				continue;
			}
			/* the cipher's failure is ours, not the server's */
			if (cb && rraim_crypt_page(cb, false, offset,
						   rraim_slot_gen(w), page,
						   page)) {
				rraim_count(RRAIM_STAT_CRYPT_ERRORS);
				next = now;	/* try the next copy now */
				continue;
			}
			if ((w & RRAIM_SLOT_CSUM) &&
			    rraim_csum_page(offset, rraim_slot_gen(w), page) != crc) {
				/* the copies left decide how long to wait */
				*wp = rraim_load_corrupt(a, offset, mc, slot, w,
							 i, srv[i]);
				if (!*wp)
					ret = -ESTALE;
				next = now;	/* try the next copy now */
				continue;
			}
			winner = i;
			*failover |= k > 0;
			rraim_sstat_inc(srv[i]->stats, RRAIM_SSTAT_READS);
			rraim_slat_note(srv[i]->stats, RRAIM_SLAT_READ, t0);
		}
		if (winner >= 0) {
			ret = 0;
			break;
		}
		if (ret == -ESTALE)
			break;
		for (k = 0; k < issued; k++)
			if (x[order[k]].req)
				break;
		if (k == issued && issued == ncand)
			break;			/* every copy failed */
		if (ktime_compare(now, end) >= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		if (issued < ncand && ktime_compare(next, now) <= 0)
			continue;
		left = ktime_us_delta(issued < ncand ? min(next, end) : end, now);
		wait_event_timeout(wt.wq, rraim_any_done(x, order, issued),
				   usecs_to_jiffies(max_t(s64, left, 1)));
	}

	/*
	 * Let go of whatever is still in flight.  Only a read that had the
	 * whole deadline and missed it is a timeout that makes its server
	 * suspect; one that lost the race to a faster copy, or was asked
	 * late (hedged), is dropped without a word.
	 */
	now = ktime_get();
	for (k = 0; k < issued; k++) {
		i = order[k];
		if (!x[i].req)
			continue;
		if (rraim_xfer_done(&x[i])) {
			rraim_xfer_finish(&x[i], NULL);
			continue;
		}
		rraim_xfer_abandon(&x[i]);
		if (ktime_ms_delta(now, asked[i]) < deadline_ms)
			continue;
		rraim_sstat_inc(srv[i]->stats, RRAIM_SSTAT_TIMEOUTS);
		rraim_peer_suspect(srv[i]->peer, "read deadline");
	}
	if (cb)
		rraim_crypt_put(cb);
	return ret;
}

/*
 * No copy could be read.  Until when may one come back?  A copy on a server
 * that is away may return with it (a network partition, not a restart)
 * until the lost-page wait has passed since the server went away; a copy
 * on a server that is up but failed the read gets the same wait from now.
 */
static ktime_t rraim_return_deadline(struct rraim_mchunk *mc, u64 w,
				     ktime_t t0)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	unsigned int i, n, valid = rraim_slot_valid(w);
	ktime_t wait = ms_to_ktime(rraim_knob(RRAIM_KNOB_LOST_WAIT_MS));
	ktime_t until = 0, t;
	struct rraim_server *s;

	n = rraim_mchunk_reps(mc, rep);
	for (i = 0; i < n; i++) {
		if (!(valid & BIT(i)) || rep[i].state != RRAIM_REP_OK)
			continue;
		s = rraim_server_get(rep[i].server);
		if (!s)
			continue;
		t = ktime_add(rraim_server_ready(s) ? t0 :
			      READ_ONCE(s->down_since), wait);
		until = max(until, t);
	}
	return until;
}

void rraim_note_lost(struct rraim_space *a, pgoff_t offset)
{
	long n = atomic_long_inc_return(&rraim_lost);

	rraim_count(RRAIM_STAT_LOAD_LOST);
	/* One line per event (a burst of losses), not one per page. */
	if (time_after(jiffies, READ_ONCE(rraim_lost_logged) + 10 * HZ)) {
		WRITE_ONCE(rraim_lost_logged, jiffies);
		pr_err("page lost: no copy of %s page %lu is reachable; its readers get an I/O error (%ld lost so far)\n",
		       a->name, offset, n);
	}
}

/*
 * The front end asks for a page the core does not hold: it believes the
 * page is here, so the swap device's slot was never written.  Fail the
 * read (a marker word makes rraim_space_read_must_fail() true until the
 * slot is invalidated or stored again) rather than let it return whatever
 * the device holds.
 */
static int rraim_load_miss(struct rraim_space *a, pgoff_t offset)
{
	u64 *slot;

	rraim_count(RRAIM_STAT_LOAD_MISSES);
	slot = rraim_slot_ptr(a, offset, true);
	if (slot)
		cmpxchg(slot, 0, RRAIM_SLOT_LOST);
	pr_err_ratelimited("%s page %lu was never stored here: its read fails%s\n",
			   a->name, offset,
			   slot ? "" : " (no memory to mark it: a later read may not fail)");
	return -ENOENT;
}

int rraim_space_load(struct rraim_space *a, pgoff_t offset, struct page *page)
{
	struct rraim_mchunk *mc;
	ktime_t t0 = ktime_get(), until;
	bool failover = false, waited = false;
	unsigned long left;
	u64 *slot, w;
	int idx, gen, ret;

	if (!a || offset >= a->nr_pages)
		return -EINVAL;
	slot = rraim_slot_ptr(a, offset, false);
	w = slot ? READ_ONCE(*slot) : 0;
	if (!w)
		return rraim_load_miss(a, offset);
	if (w & RRAIM_SLOT_LOST)
		return -EIO;

	idx = rraim_server_read_lock();
	mc = rraim_mchunk_find(rraim_slot_mchunk(w));
	if (WARN_ON_ONCE(!mc)) {
		ret = -EIO;
		goto out_unlock;
	}
	for (;;) {
		gen = rraim_server_ready_gen();
		ret = rraim_load_copies(a, offset, mc, slot, &w, page,
					&failover);
		if (!ret || ret == -ESTALE)
			break;
		until = rraim_return_deadline(mc, w, t0);
		if (ktime_compare(ktime_get(), until) >= 0) {
			ret = -EIO;
			break;
		}
		if (!waited)
			rraim_count(RRAIM_STAT_LOAD_WAITS);
		waited = true;
		left = usecs_to_jiffies(ktime_us_delta(until, ktime_get()) + 1);
		if (rraim_server_wait_ready(gen, left) < 0) {
			ret = -EINTR;
			break;
		}
	}
	rraim_server_read_unlock(idx);

	if (ret == -ESTALE) {
		/*
		 * The page was forgotten, stored again or found lost while
		 * this load read it: the front end raced itself.  This read
		 * fails; the word is left as it is (a new store's page is
		 * not lost).
		 */
		return -EIO;
	}
	if (ret) {
		/* Never let the caller fall back to the unwritten disk slot. */
		u64 flag = ret == -EINTR ? RRAIM_SLOT_FAILREAD : RRAIM_SLOT_LOST;
		u64 cur;

		do {
			cur = READ_ONCE(*slot);
			if (!cur || (cur & RRAIM_SLOT_LOST) ||
			    (cur & RRAIM_SLOT_COPY) != (w & RRAIM_SLOT_COPY))
				return -EIO;
		} while (cmpxchg(slot, cur, cur | flag) != cur);
		if (flag == RRAIM_SLOT_LOST)
			rraim_note_lost(a, offset);
		return ret;
	}
	rraim_count(RRAIM_STAT_LOADS);
	if (failover)
		rraim_count(RRAIM_STAT_LOAD_FAILOVERS);
	rraim_count_add(RRAIM_STAT_READ_BYTES, PAGE_SIZE);
	rraim_lat_note(RRAIM_LAT_LOAD, t0);
	return 0;

out_unlock:
	rraim_server_read_unlock(idx);
	return ret;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_load);

/* Memory the slot maps of every space take, in bytes. */
u64 rraim_slot_map_bytes(void)
{
	return (u64)atomic_long_read(&rraim_nr_leaves) << PAGE_SHIFT;
}

bool rraim_space_read_must_fail(struct rraim_space *a, pgoff_t offset)
{
	bool fail = false;
	u64 *slot, w;

	if (!a || offset >= a->nr_pages)
		return false;
	rcu_read_lock();
	slot = rraim_slot_ptr(a, offset, false);
	if (slot) {
		w = READ_ONCE(*slot);
		fail = w & (RRAIM_SLOT_LOST | RRAIM_SLOT_FAILREAD);
		if (w & RRAIM_SLOT_FAILREAD)
			cmpxchg(slot, w, w & ~RRAIM_SLOT_FAILREAD);
	}
	rcu_read_unlock();
	return fail;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_read_must_fail);

void rraim_space_invalidate(struct rraim_space *a, pgoff_t offset)
{
	u64 *slot, w;

	if (!a || offset >= a->nr_pages)
		return;
	slot = rraim_slot_ptr(a, offset, false);
	if (!slot)
		return;
	w = xchg(slot, 0);
	if (!w)
		return;
	rraim_slot_release(a, w);
	rraim_count(RRAIM_STAT_INVALIDATES);
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_invalidate);

/* Drop every slot word of @a (and what it holds), telling no one. */
static void rraim_space_drop_slots(struct rraim_space *a)
{
	unsigned long idx;
	unsigned int i;
	u64 *leaf;

	xa_for_each(&a->leaves, idx, leaf) {
		for (i = 0; i < RRAIM_LEAF_SLOTS; i++) {
			u64 w = xchg(&leaf[i], 0);

			if (w)
				rraim_slot_release(a, w);
		}
		cond_resched();
	}
}

/**
 * rraim_fault_forget_space - test hook: forget every page of a space
 * @name: the space's name, as given to rraim_space_create()
 *
 * The front end still believes the pages are held; its loads of them find
 * nothing.  For tests of that path (debugfs, root only).
 * Return: 0, or -ENOENT when no space has that name.
 */
int rraim_fault_forget_space(const char *name)
{
	struct rraim_space *a;
	int ret = -ENOENT;

	mutex_lock(&rraim_spaces_mutex);
	list_for_each_entry(a, &rraim_spaces, node) {
		if (!strcmp(a->name, name)) {
			rraim_space_drop_slots(a);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&rraim_spaces_mutex);
	return ret;
}

void rraim_space_destroy(struct rraim_space *a)
{
	struct rraim_mchunk *mc, *tmp;
	struct page *page, *next;
	unsigned long idx;
	LIST_HEAD(leaves);
	LIST_HEAD(done);
	u64 *leaf;

	if (!a)
		return;
	mutex_lock(&rraim_spaces_mutex);
	list_del(&a->node);
	mutex_unlock(&rraim_spaces_mutex);
	/*
	 * No store may place a page in the space from here on: refuse new
	 * ones, run the asynchronous ones queued before (refused too), and
	 * wait for those in flight, which may be placing a page now.
	 */
	WRITE_ONCE(a->dying, true);
	flush_workqueue(rraim_store_wq);
	synchronize_srcu(&rraim_store_srcu);
	rraim_space_drop_slots(a);

	/*
	 * Detach the mchunks before the leaves go: the sync looks at slots
	 * only under the space lock, after checking that the mchunk is still
	 * the space's.
	 */
	spin_lock(&a->lock);
	if (a->cur)
		list_add(&a->cur->node, &done);
	a->cur = NULL;
	list_splice_init(&a->partial, &done);
	list_splice_init(&a->full, &done);
	list_splice_init(&a->empty, &done);
	list_for_each_entry(mc, &done, node) {
		mc->owner_gen++;
		mc->space = NULL;
	}
	spin_unlock(&a->lock);

	/*
	 * Unpublish every leaf, wait until no reader can still hold one (the
	 * xarray's lookups run under RCU, loads and the sync under SRCU, the
	 * walks of every mchunk under the table's mutex; no store is left),
	 * then free them, and the space last.
	 */
	xa_for_each(&a->leaves, idx, leaf) {
		xa_erase(&a->leaves, idx);
		list_add(&virt_to_page(leaf)->lru, &leaves);
	}
	rraim_server_sync_readers();
	synchronize_rcu();
	rraim_mchunks_lock();
	rraim_mchunks_unlock();
	list_for_each_entry_safe(page, next, &leaves, lru) {
		list_del(&page->lru);
		mempool_free(page, rraim_leaf_pool);
		atomic_long_dec(&rraim_nr_leaves);
	}

	list_for_each_entry_safe(mc, tmp, &done, node) {
		list_del_init(&mc->node);
		WARN_ON_ONCE(mc->nr_used);
		rraim_pool_put(mc);
	}
	rraim_pool_kick();
	xa_destroy(&a->leaves);
	kfree(a);
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_space_destroy);

unsigned long rraim_core_stored_pages(void)
{
	struct rraim_space *a;
	unsigned long n = 0;

	mutex_lock(&rraim_spaces_mutex);
	list_for_each_entry(a, &rraim_spaces, node)
		n += atomic_long_read(&a->stored);
	mutex_unlock(&rraim_spaces_mutex);
	return n;
}
EXPORT_SYMBOL_FOR_RRAIM_KUNIT(rraim_core_stored_pages);

unsigned int rraim_core_spaces(void)
{
	struct rraim_space *a;
	unsigned int n = 0;

	mutex_lock(&rraim_spaces_mutex);
	list_for_each_entry(a, &rraim_spaces, node)
		n++;
	mutex_unlock(&rraim_spaces_mutex);
	return n;
}

unsigned long rraim_lost_pages(void)
{
	return atomic_long_read(&rraim_lost);
}

/* ------------------------------------------------------------ health */

static void rraim_health_mchunk(struct rraim_mchunk *mc, unsigned int want,
				struct rraim_health *h)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	unsigned int i, n, p, avail, ok = 0, v;
	struct rraim_space *a = READ_ONCE(mc->space);
	u64 *slot;

	if (!a)
		return;
	n = rraim_mchunk_reps(mc, rep);
	for (i = 0; i < n; i++)
		if (rep[i].state == RRAIM_REP_OK)
			ok |= BIT(i);
	avail = rraim_mchunk_avail(mc);
	spin_lock(&a->lock);
	if (mc->space != a)
		goto out_unlock;
	for_each_set_bit(p, mc->used, RRAIM_CHUNK_PAGES) {
		slot = rraim_slot_ptr(a, mc->rmap[p], false);
		if (!slot)
			continue;
		v = rraim_slot_valid(READ_ONCE(*slot));
		if (!v)
			continue;	/* a store in progress */
		h->stored++;
		if (hweight32(v & avail) < want)
			h->degraded++;
		if (!(v & avail))
			h->unavailable++;
		if (hweight32(v & ok) < want)
			h->below_target++;
	}
out_unlock:
	spin_unlock(&a->lock);
}

/**
 * rraim_health - count pages by reachable copies (walks every page)
 * @h: filled in
 */
void rraim_health(struct rraim_health *h)
{
	unsigned int want = rraim_knob(RRAIM_KNOB_REPLICAS);
	struct rraim_mchunk *mc;
	unsigned long id;
	int idx;

	memset(h, 0, sizeof(*h));
	rraim_mchunks_lock();
	idx = rraim_server_read_lock();
	for (id = 0; (mc = rraim_mchunk_next(&id)); ) {
		rraim_health_mchunk(mc, want, h);
		cond_resched();
	}
	rraim_server_read_unlock(idx);
	rraim_mchunks_unlock();
}

/**
 * rraim_server_pages - pages with a valid copy on @s (walks every page)
 * @s: the server
 */
unsigned long rraim_server_pages(struct rraim_server *s)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	unsigned int i, n, p, mine;
	struct rraim_mchunk *mc;
	struct rraim_space *a;
	unsigned long id, count = 0;
	u64 *slot;

	rraim_mchunks_lock();
	for (id = 0; (mc = rraim_mchunk_next(&id)); ) {
		n = rraim_mchunk_reps(mc, rep);
		mine = 0;
		for (i = 0; i < n; i++)
			if (rep[i].server == s->index &&
			    rep[i].state == RRAIM_REP_OK)
				mine |= BIT(i);
		a = READ_ONCE(mc->space);
		if (!mine || !a)
			continue;
		spin_lock(&a->lock);
		if (mc->space == a) {
			for_each_set_bit(p, mc->used, RRAIM_CHUNK_PAGES) {
				slot = rraim_slot_ptr(a, mc->rmap[p], false);
				if (slot && (rraim_slot_valid(READ_ONCE(*slot)) & mine))
					count++;
			}
		}
		spin_unlock(&a->lock);
		cond_resched();
	}
	rraim_mchunks_unlock();
	return count;
}

/* ------------------------------------------------------------ init, exit */

int rraim_core_init(void)
{
	int ret;

	ret = rraim_stats_init();
	if (ret)
		return ret;
	ret = rraim_csum_init();
	if (ret)
		goto out_free_stats;
	ret = rraim_crypt_init();
	if (ret)
		goto out_csum_exit;
	rraim_leaf_pool = mempool_create_page_pool(RRAIM_LEAF_RESERVE, 0);
	if (!rraim_leaf_pool) {
		ret = -ENOMEM;
		goto out_crypt_exit;
	}
	rraim_store_wq = alloc_workqueue("rraim_store", WQ_MEM_RECLAIM, 0);
	if (!rraim_store_wq) {
		ret = -ENOMEM;
		goto out_destroy_pool;
	}
	ret = rraim_pool_init();
	if (ret)
		goto out_destroy_store_wq;
	ret = rraim_sync_init();
	if (ret)
		goto out_pool_exit;
	ret = rraim_rdma_init();
	if (ret)
		goto out_sync_exit;
	rraim_pool_start();
	return 0;

out_sync_exit:
	rraim_sync_exit();
out_pool_exit:
	rraim_pool_exit();
out_destroy_store_wq:
	destroy_workqueue(rraim_store_wq);
out_destroy_pool:
	mempool_destroy(rraim_leaf_pool);
out_crypt_exit:
	rraim_crypt_exit();
out_csum_exit:
	rraim_csum_exit();
out_free_stats:
	rraim_stats_exit();
	return ret;
}

void rraim_core_shutdown(void)
{
	struct rraim_space *a;

	if (rraim_shut_down)
		return;
	rraim_shut_down = true;
	rraim_servers_close();

	rraim_pool_stop();
	rraim_sync_exit();
	/* the front ends destroyed their spaces; free any they left */
	for (;;) {
		mutex_lock(&rraim_spaces_mutex);
		a = list_first_entry_or_null(&rraim_spaces, struct rraim_space,
					     node);
		mutex_unlock(&rraim_spaces_mutex);
		if (!a)
			break;
		WARN_ON_ONCE(atomic_long_read(&a->stored));
		rraim_space_destroy(a);
	}
	rraim_pool_empty();
	rraim_servers_remove_all();
}

int rraim_core_load(void)
{
	int ret;

	ret = rraim_core_init();
	if (ret)
		goto out_keys;
	ret = rraim_sysfs_init();
	if (ret)
		goto out_core_exit;
	ret = rraim_servers_add_param();
	if (ret)
		rraim_core_unload();
	return ret;

out_core_exit:
	rraim_core_exit();
out_keys:
	rraim_core_forget_keys();
	return ret;
}

void rraim_core_unload(void)
{
	rraim_core_shutdown();
	rraim_sysfs_exit();
	rraim_core_exit();
	rraim_auth_exit();
}

void rraim_core_forget_keys(void)
{
	rraim_crypt_exit();
	rraim_auth_exit();
}

void rraim_core_exit(void)
{
	rraim_core_shutdown();
	rraim_servers_exit();
	rraim_rdma_exit();
	rraim_pool_exit();
	destroy_workqueue(rraim_store_wq);
	mempool_destroy(rraim_leaf_pool);
	rraim_crypt_exit();
	rraim_csum_exit();
	rraim_stats_exit();
}
