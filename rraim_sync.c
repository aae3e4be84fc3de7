// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM sync: restores and moves redundancy in the background.
 *
 * One pass over the mirrored chunks, linear in the pages stored:
 *
 *  1. repair the replica sets.  A replica whose server lost our session
 *     (GONE) is pointed at a new, empty chunk on the same server when it
 *     is back (re-entrance), else, with auto_rebuild, on a spare server
 *     that holds no other replica of the chunk.  So is a replica whose
 *     server has been away longer than rebuild_delay_ms, and a chunk with
 *     fewer replicas than the replicas knob.  A replica on a draining
 *     server gets a replacement.  Pointing a replica at a new chunk clears
 *     its valid bits first and changes its epoch, under the space lock, so
 *     that neither an old bit nor a store racing with the change marks a
 *     copy valid that the new chunk does not hold.  New stores write the
 *     new replica at once;
 *  2. count, per server, the pages that lack a valid copy there;
 *  3. copy them: RDMA READ from a valid copy into a page, check it against
 *     the page's checksum (a source that fails it is forgotten, counted,
 *     and another source is read: a bad copy is never propagated), RDMA
 *     WRITE to the replica, then set the valid bit -- unless the slot
 *     changed meanwhile (its generation, in the slot word, tells a
 *     re-store).  This is also how a copy a load found corrupt is
 *     rewritten (read-repair).
 *     While a position is being copied its bit in mc->copying is set; a
 *     store of the same position in that window does not mark the sync's
 *     target valid (the sync's older copy may land after the store's),
 *     and the sync's own compare-and-exchange fails;
 *  4. drop the replicas of draining servers once every page they hold has
 *     its full count of copies elsewhere.
 *
 * A server that came back within its grace period still holds its copies:
 * only the pages stored while it was away lack a valid bit there, so the
 * pass copies just those (a delta sync, like md's write-intent bitmap).
 * A failing source is replaced by another valid copy; a failing target
 * ends the copying to it, and the next pass (when it is back) continues
 * where the valid bits say.  Page faults never wait for the sync.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "rraim_core.h"
#include "rraim_crypt.h"
#include "rraim_rdma.h"

/* ------------------------------------------------------------- state */

static struct workqueue_struct *rraim_sync_wq;
static struct delayed_work rraim_sync_work;
static struct page *rraim_sync_page;	/* the copy buffer */
static bool rraim_sync_stopping;
static DEFINE_SPINLOCK(rraim_sync_kick_lock);	/* kicks vs exit */

/* What a pass found that it could not finish: try again later. */
struct rraim_sync_pass {
	bool incomplete;
	bool orphaned;			/* drained chunks left to give back */
	unsigned long copied;
	/* the rate limit: sync_rate since rate_start, rate_base pages ago */
	unsigned int rate;
	unsigned long rate_start;
	unsigned long rate_base;
};

/* ------------------------------------------------------------- helpers */

static unsigned long rraim_sync_due;	/* jiffies of the pending run */
/* when to ask again for chunks whose FREE could not be sent (passes only) */
static unsigned long rraim_sync_orphan_delay = HZ;

/*
 * Run a pass @delay jiffies from now unless one is due sooner.  A pass
 * that is already running is queued again to run after it.
 */
static void rraim_sync_kick_at(unsigned long delay)
{
	unsigned long flags, due = jiffies + delay;

	spin_lock_irqsave(&rraim_sync_kick_lock, flags);
	if (!rraim_sync_stopping && rraim_sync_wq &&
	    (!delayed_work_pending(&rraim_sync_work) ||
	     time_before(due, rraim_sync_due))) {
		rraim_sync_due = due;
		mod_delayed_work(rraim_sync_wq, &rraim_sync_work, delay);
	}
	spin_unlock_irqrestore(&rraim_sync_kick_lock, flags);
}

/**
 * rraim_sync_kick - run a sync pass after @delay jiffies (or sooner)
 * @delay: how long to wait; an earlier kick wins
 */
void rraim_sync_kick(unsigned long delay)
{
	rraim_sync_kick_at(delay);
}

/**
 * rraim_sync_kick_soon - a page has fewer copies than its mchunk could hold
 *
 * Any context that may sleep or not.  Runs a pass a tenth of a second
 * from now, or sooner if one is due sooner, so that a burst of failed
 * writes or of corrupt copies costs one pass.  Never dropped: a kick
 * while a pass runs queues the next one (that pass may have walked past
 * the page already).
 */
void rraim_sync_kick_soon(void)
{
	rraim_sync_kick_at(HZ / 10);
}

static bool rraim_sync_should_stop(void)
{
	return READ_ONCE(rraim_sync_stopping);
}

/* A server that can take a new chunk for @mc: none of @mc's replicas on it. */
/* Does one of the @n replicas @rep hold an OK chunk on server @index? */
static bool rraim_sync_holds(const struct rraim_replica *rep, unsigned int n,
			     unsigned int index)
{
	unsigned int j;

	for (j = 0; j < n; j++)
		if (rep[j].state == RRAIM_REP_OK && rep[j].server == index)
			return true;
	return false;
}

static struct rraim_server *rraim_sync_spare(const struct rraim_replica *rep,
					     unsigned int n, int prefer)
{
	struct rraim_server *s, *best = NULL;
	u64 capacity, free, best_free = 0;
	unsigned int i;

	if (prefer >= 0) {
		s = rraim_server_get(prefer);
		if (!rraim_sync_holds(rep, n, prefer) && rraim_server_has_room(s))
			return s;
	}
	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rraim_server_get(i);
		if (!rraim_server_has_room(s) || rraim_sync_holds(rep, n, i))
			continue;
		rraim_peer_pool(s->peer, &capacity, &free);
		if (!best || free > best_free) {
			best = s;
			best_free = free;
		}
	}
	return best;
}

/*
 * Point replica @i of @mc (or a new replica, @i < 0) at a new chunk on
 * @t.  Sleeps (the grant).  Return: the replica's index or a negative
 * errno.
 */
static int rraim_sync_retarget(struct rraim_mchunk *mc, int i,
			       struct rraim_server *t)
{
	u8 sgen = READ_ONCE(t->session_gen);
	struct rraim_chunk_desc desc;
	struct rraim_replica old;
	struct rraim_space *a;
	unsigned int p;
	u64 *slot, w;
	int ret;

	ret = rraim_peer_alloc_chunk(t->peer, &desc);
	if (ret)
		return ret;
	a = READ_ONCE(mc->space);
	if (!a)
		goto out_free;
	spin_lock(&a->lock);
	if (mc->space != a) {
		spin_unlock(&a->lock);
		goto out_free;
	}
	spin_lock(&mc->lock);
	if (i < 0) {
		/* a free slot: never used, or whose chunk is gone */
		for (i = 0; i < mc->nr_rep; i++)
			if (mc->rep[i].state != RRAIM_REP_OK)
				break;
		if (i == RRAIM_MAX_REPLICAS) {
			spin_unlock(&mc->lock);
			spin_unlock(&a->lock);
			goto out_free;
		}
	}
	if (i < mc->nr_rep && mc->rep[i].state == RRAIM_REP_OK) {
		/* it changed meanwhile; never drop a replica in use */
		spin_unlock(&mc->lock);
		spin_unlock(&a->lock);
		goto out_free;
	}
	spin_unlock(&mc->lock);

	/* stale valid bits of this replica go first */
	for_each_set_bit(p, mc->used, RRAIM_CHUNK_PAGES) {
		slot = rraim_slot_ptr(a, mc->rmap[p], false);
		if (!slot)
			continue;
		do {
			w = READ_ONCE(*slot);
			if (rraim_slot_mchunk(w) != mc->id ||
			    rraim_slot_pos(w) != p ||
			    !(rraim_slot_valid(w) & BIT(i)))
				break;
		} while (cmpxchg(slot, w, w & ~FIELD_PREP(RRAIM_SLOT_VALID, BIT(i))) != w);
	}

	spin_lock(&mc->lock);
	if (READ_ONCE(t->session_gen) != sgen) {
		/* the grant's session is gone, and its chunk with it */
		spin_unlock(&mc->lock);
		spin_unlock(&a->lock);
		return -EAGAIN;
	}
	old = mc->rep[i];
	if (i >= mc->nr_rep)
		old.state = RRAIM_REP_NONE;	/* a new replica */
	mc->rep[i].server = t->index;
	mc->rep[i].state = RRAIM_REP_OK;
	mc->rep[i].epoch = old.epoch + 1;
	mc->rep[i].sgen = sgen;
	mc->rep[i].chunk = desc.chunk;
	mc->rep[i].rkey = desc.rkey;
	mc->rep[i].addr = desc.addr;
	if (i >= mc->nr_rep)
		mc->nr_rep = i + 1;
	spin_unlock(&mc->lock);
	spin_unlock(&a->lock);

	atomic_inc(&t->nr_chunks);
	return i;

out_free:
	/* not after a session change: the number may name another chunk */
	if (READ_ONCE(t->session_gen) == sgen &&
	    !rraim_free_settled(rraim_peer_free_chunk(t->peer, desc.chunk))) {
		struct rraim_replica lost = { .chunk = desc.chunk, .sgen = sgen };

		rraim_orphan(t, &lost);
	}
	return -EAGAIN;
}

/*
 * Could a server that holds no replica of @mc take one later without an
 * event that runs a pass anyway (a server added or coming back)?  One that
 * is ready but has no room just now: suspect, full, or whose grant failed.
 */
static bool rraim_sync_spare_later(const struct rraim_replica *rep,
				   unsigned int n)
{
	struct rraim_server *s;
	unsigned int i;

	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rraim_server_get(i);
		if (s && rraim_server_ready(s) && !READ_ONCE(s->draining) &&
		    !READ_ONCE(s->leaving) && !rraim_sync_holds(rep, n, i))
			return true;
	}
	return false;
}

/*
 * Step 1 for one mchunk: make sure it has the replicas it should, each on a
 * distinct server that can take it.  A replica on a server that is away
 * keeps its chunk and its valid bits: it may hold the only copy of some
 * pages, and the server may come back.  The new replica goes into a free
 * slot instead.  When a replica it wants cannot be had now (a grant that
 * failed or timed out, a possible spare without room for the moment), the
 * pass is marked incomplete, so that another runs: nothing else may come
 * to wake the sync (no store, no server event).
 */
static void rraim_sync_repair(struct rraim_mchunk *mc,
			      struct rraim_sync_pass *pass)
{
	unsigned int want = rraim_knob(RRAIM_KNOB_REPLICAS);
	ktime_t stale = ktime_sub_ms(ktime_get(),
				     rraim_knob(RRAIM_KNOB_REBUILD_DELAY_MS));
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	bool rebuild = rraim_knob(RRAIM_KNOB_AUTO_REBUILD);
	unsigned int i, n, good;
	struct rraim_server *s, *t;
	bool draining;

	for (;;) {
		int target = -1, prefer = -1;

		n = rraim_mchunk_reps(mc, rep);
		good = 0;
		draining = false;
		for (i = 0; i < n; i++) {
			if (rep[i].state != RRAIM_REP_OK)
				continue;
			s = rraim_server_get(rep[i].server);
			if (!s || rep[i].sgen != READ_ONCE(s->session_gen))
				continue;
			if (READ_ONCE(s->draining)) {
				draining = true;
				continue;
			}
			/* away, but perhaps not for long: still counts */
			if (rraim_server_ready(s) ||
			    ktime_after(READ_ONCE(s->down_since), stale))
				good++;
		}
		if (good >= want)
			return;
		/* a GONE replica whose server is back: re-entrance */
		for (i = 0; i < n; i++) {
			if (rep[i].state != RRAIM_REP_GONE)
				continue;
			s = rraim_server_get(rep[i].server);
			if (rraim_server_has_room(s)) {
				target = i;
				prefer = rep[i].server;
				break;
			}
		}
		/* a spare only when rebuilding, or for a drain */
		if (target < 0 && !rebuild && !draining)
			return;
		t = rraim_sync_spare(rep, n, prefer);
		if (!t) {
			if (rraim_sync_spare_later(rep, n))
				pass->incomplete = true;
			return;
		}
		if (rraim_sync_retarget(mc, target, t) < 0) {
			pass->incomplete = true;	/* try again */
			return;
		}
	}
}

/*
 * Replicas on draining servers, replicas that can take copies now, and
 * of those the ones on servers a removal is checking or has passed
 * (@going): their copies may be gone any moment.
 */
static void rraim_sync_masks(struct rraim_mchunk *mc, unsigned int *draining,
			     unsigned int *writable, unsigned int *going)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_server *s;
	unsigned int i, n;

	*draining = 0;
	*writable = 0;
	*going = 0;
	n = rraim_mchunk_reps(mc, rep);
	for (i = 0; i < n; i++) {
		if (rep[i].state != RRAIM_REP_OK)
			continue;
		s = rraim_server_get(rep[i].server);
		if (!s)
			continue;
		if (READ_ONCE(s->draining)) {
			*draining |= BIT(i);
			continue;
		}
		if (rraim_server_live(s) &&
		    rep[i].sgen == READ_ONCE(s->session_gen))
			*writable |= BIT(i);
		if (READ_ONCE(s->leaving) || READ_ONCE(s->removing))
			*going |= BIT(i);
	}
}

/**
 * struct rraim_sync_page_id - what the copied page must be
 * @w: its slot word when the copy began
 * @index: its index in its space
 * @crc: its checksum, when @w has RRAIM_SLOT_CSUM
 * @bad: out: the sources that failed the checksum
 * @bad_srv: out: their servers
 */
struct rraim_sync_page_id {
	u64 w;
	u64 index;
	u32 crc;
	unsigned int bad;
	struct rraim_server *bad_srv[RRAIM_MAX_REPLICAS];
};

/*
 * Does the copy in the copy buffer match @id's checksum?  An encrypted
 * copy is checked on its plaintext, decrypted into a bounce page: the
 * ciphertext is what is copied on.  Return: 0 when it matches, -EBADMSG
 * when it does not (the copy is bad), or the cipher's error (the copy is
 * not judged).
 */
static int rraim_sync_verify(struct rraim_sync_page_id *id)
{
	struct rraim_crypt_buf *cb;
	u32 gen = rraim_slot_gen(id->w);
	int ret;

	if (!(id->w & RRAIM_SLOT_CSUM))
		return 0;
	if (!(id->w & RRAIM_SLOT_CRYPT))
		return rraim_csum_page(id->index, gen, rraim_sync_page) ==
		       id->crc ? 0 : -EBADMSG;
	if (WARN_ON_ONCE(!rraim_crypt_enabled()))
		return -ENOKEY;
	cb = rraim_crypt_get();
	ret = rraim_crypt_page(cb, false, id->index, gen, rraim_sync_page,
			       cb->page);
	if (ret)
		rraim_count(RRAIM_STAT_CRYPT_ERRORS);
	else if (rraim_csum_page(id->index, gen, cb->page) != id->crc)
		ret = -EBADMSG;
	rraim_crypt_put(cb);
	return ret;
}

/*
 * Copy the page at @pos from one of @src to replica @dst, through the copy
 * buffer; a source that fails the checksum of @id is not copied (the next
 * one is read) and goes into @id->bad.  Return: 0, -EIO when no source
 * could be read, -EPIPE when the write failed.
 */
static int rraim_sync_copy(struct rraim_mchunk *mc, unsigned int pos,
			   unsigned int src, unsigned int dst,
			   struct rraim_sync_page_id *id)
{
	unsigned long timeout = msecs_to_jiffies(2 * rraim_knob(RRAIM_KNOB_DEADLINE_MS));
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_server *s;
	struct rraim_xfer x = {};
	struct rraim_waiter w;
	u64 off = (u64)pos << PAGE_SHIFT;
	unsigned int i, n;
	int ret = -EIO;

	n = rraim_mchunk_reps(mc, rep);
	rraim_waiter_init(&w);
	for (i = 0; i < n && ret; i++) {
		if (!(src & BIT(i)))
			continue;
		s = rraim_server_get(rep[i].server);
		if (!rraim_rep_usable(&rep[i], s) ||
		    rraim_xfer_read(&x, s->peer, &w, rep[i].addr + off,
				    rep[i].rkey))
			continue;
		wait_event_timeout(w.wq, rraim_xfer_done(&x), timeout);
		if (!rraim_xfer_done(&x)) {
			rraim_xfer_abandon(&x);
			rraim_peer_suspect(s->peer, "sync read deadline");
			continue;
		}
		ret = rraim_xfer_finish(&x, rraim_sync_page);
		if (!ret)
			ret = rraim_sync_verify(id);
		if (ret == -EBADMSG) {
			id->bad |= BIT(i);
			id->bad_srv[i] = s;
		}
	}
	if (ret)
		return -EIO;

	s = rraim_server_get(rep[dst].server);
	if (!rraim_rep_usable(&rep[dst], s) ||
	    rraim_xfer_write(&x, s->peer, &w, rraim_sync_page,
			     rep[dst].addr + off, rep[dst].rkey))
		return -EPIPE;
	rraim_wait_writes(&x, 1, &w);
	return rraim_xfer_finish(&x, NULL) ? -EPIPE : 0;
}

/* Hold back to the sync_rate knob. */
static void rraim_sync_throttle(struct rraim_sync_pass *pass)
{
	unsigned int rate;
	unsigned long due;

	/* re-read the knob every tenth of a second: it may change */
	for (;;) {
		rate = rraim_knob(RRAIM_KNOB_SYNC_RATE);
		if (rate != pass->rate) {
			/* a new rate counts from now, not from the pass start */
			pass->rate = rate;
			pass->rate_start = jiffies;
			pass->rate_base = pass->copied;
		}
		if (!rate || rraim_sync_should_stop())
			return;
		due = pass->rate_start +
		      div_u64((u64)(pass->copied - pass->rate_base) * HZ, rate);
		if (!time_before(jiffies, due))
			return;
		schedule_timeout_interruptible(min(due - jiffies,
						   (unsigned long)HZ / 10));
	}
}

/*
 * Steps 2 and 3 for one replica: the used positions whose valid bit for
 * replica @dst is clear.  With @count, only count them.  Returns how many
 * were found (counting) or copied.
 */
static unsigned long rraim_sync_replica(struct rraim_mchunk *mc,
					unsigned int dst, bool count,
					struct rraim_sync_pass *pass)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_sync_page_id id;
	struct rraim_server *t;
	unsigned int p, i, avail, src;
	unsigned long n = 0;
	u32 owner;
	struct rraim_space *a;
	ktime_t t0;
	u64 *slot, w;
	int ret;

	rraim_mchunk_reps(mc, rep);
	t = rraim_server_get(rep[dst].server);
	if (!t)
		return 0;
	for (p = 0; p < RRAIM_CHUNK_PAGES; p++) {
		if (rraim_sync_should_stop())
			break;
		avail = rraim_mchunk_avail(mc);
		a = READ_ONCE(mc->space);
		if (!a)
			break;
		spin_lock(&a->lock);
		if (mc->space != a) {
			spin_unlock(&a->lock);
			break;
		}
		owner = mc->owner_gen;
		if (!test_bit(p, mc->used)) {
			spin_unlock(&a->lock);
			continue;
		}
		slot = rraim_slot_ptr(a, mc->rmap[p], false);
		w = slot ? READ_ONCE(*slot) : 0;
		src = rraim_slot_valid(w) & avail & ~BIT(dst);
		if (!w || rraim_slot_mchunk(w) != mc->id ||
		    rraim_slot_pos(w) != p ||
		    (rraim_slot_valid(w) & BIT(dst)) || !src) {
			/*
			 * No source now: later, perhaps.  Not for a page
			 * whose every copy failed its checksum (LOST, no
			 * valid bit): there is none to wait for.
			 */
			if (w && !src && !(rraim_slot_valid(w) & BIT(dst)) &&
			    !((w & RRAIM_SLOT_LOST) && !rraim_slot_valid(w)))
				pass->incomplete = true;
			spin_unlock(&a->lock);
			continue;
		}
		if (count) {
			spin_unlock(&a->lock);
			n++;
			continue;
		}
		set_bit(p, mc->copying);
		id.w = w;
		id.index = mc->rmap[p];
		id.crc = rraim_mchunk_csum(mc)[p];
		id.bad = 0;
		spin_unlock(&a->lock);

		t0 = ktime_get();
		ret = rraim_sync_copy(mc, p, src, dst, &id);
		atomic64_add(ktime_to_ns(ktime_sub(ktime_get(), t0)),
			     &t->sync_ns);

		spin_lock(&a->lock);
		clear_bit(p, mc->copying);
		/*
		 * The slot pointer is only good while the mchunk stayed in
		 * this space: after a swapoff its leaf page is gone.
		 */
		if (id.bad && mc->space == a && mc->owner_gen == owner) {
			w = rraim_slot_forget_copies(slot, w, id.bad);
			for (i = 0; w && i < RRAIM_MAX_REPLICAS; i++)
				if (id.bad & BIT(i))
					rraim_note_corrupt(id.bad_srv[i], "sync",
							   a, id.index, mc, p);
			if (w & RRAIM_SLOT_LOST)
				rraim_note_lost(a, id.index);
		}
		if (!ret && w && mc->space == a && mc->owner_gen == owner &&
		    cmpxchg(slot, w, w | FIELD_PREP(RRAIM_SLOT_VALID, BIT(dst))) == w) {
			n++;
			atomic_long_inc(&t->sync_done);
			rraim_count(RRAIM_STAT_SYNC_COPIES);
		}
		spin_unlock(&a->lock);
		if (ret) {
			pass->incomplete = true;
			if (ret == -EPIPE)
				break;		/* the target failed */
			continue;
		}
		pass->copied++;
		rraim_sync_throttle(pass);
		cond_resched();
	}
	return n;
}

/* Step 2 and 3 for one mchunk: every writable replica gets its copies. */
static void rraim_sync_fill(struct rraim_mchunk *mc, bool count,
			    struct rraim_sync_pass *pass)
{
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	unsigned int i, draining, writable, going;
	struct rraim_server *t;
	unsigned long n;

	rraim_sync_masks(mc, &draining, &writable, &going);
	rraim_mchunk_reps(mc, rep);
	for (i = 0; i < RRAIM_MAX_REPLICAS; i++) {
		if (!(writable & BIT(i)))
			continue;
		t = rraim_server_get(rep[i].server);
		if (!count) {
			spin_lock(&mc->lock);
			mc->sync_rep = i;
			spin_unlock(&mc->lock);
		}
		n = rraim_sync_replica(mc, i, count, pass);
		if (count && t)
			atomic_long_add(n, &t->sync_total);
	}
	if (!count) {
		spin_lock(&mc->lock);
		mc->sync_rep = RRAIM_NO_REPLICA;
		spin_unlock(&mc->lock);
	}
}

/*
 * Step 4: drop the replicas on draining servers once every page they hold
 * has the full count of valid copies on other servers.
 */
static void rraim_sync_drop_drained(struct rraim_mchunk *mc,
				    struct rraim_sync_pass *pass)
{
	unsigned int want = rraim_knob(RRAIM_KNOB_REPLICAS);
	unsigned int i, p, draining, writable, going, v;
	struct rraim_replica old;
	struct rraim_server *s;
	struct rraim_space *a;
	bool ok = true;
	u64 *slot;

	rraim_sync_masks(mc, &draining, &writable, &going);
	if (!draining)
		return;
	a = READ_ONCE(mc->space);
	if (!a)
		return;
	spin_lock(&a->lock);
	if (mc->space != a) {
		spin_unlock(&a->lock);
		return;
	}
	/*
	 * Looked at again under the space's lock, which a removal's check
	 * takes too: a removal that set leaving before its check has either
	 * seen this drop, or its server's copies do not count here.
	 */
	rraim_sync_masks(mc, &draining, &writable, &going);
	writable &= ~going;
	for_each_set_bit(p, mc->used, RRAIM_CHUNK_PAGES) {
		slot = rraim_slot_ptr(a, mc->rmap[p], false);
		v = slot ? rraim_slot_valid(READ_ONCE(*slot)) : 0;
		if ((v & draining) && hweight32(v & writable) < want) {
			ok = false;
			break;
		}
	}
	if (!ok || !writable) {
		spin_unlock(&a->lock);
		pass->incomplete = true;
		return;
	}
	/* one replica per call: the next pass re-checks for the next */
	i = __ffs(draining);
	spin_lock(&mc->lock);
	old = mc->rep[i];
	mc->rep[i].state = RRAIM_REP_GONE;
	mc->rep[i].epoch++;
	spin_unlock(&mc->lock);
	spin_unlock(&a->lock);
	/*
	 * A store or load that copied the replica table before may still
	 * reach the chunk: it is given back at the end of the pass, after
	 * an SRCU grace period.
	 */
	s = rraim_server_get(old.server);
	if (s) {
		rraim_rep_release(s, &old, true);
		pass->orphaned = true;
	}
	pass->incomplete = pass->incomplete || (draining & ~BIT(i));
}

/*
 * Give back the chunks a returning server held for replicas moved away.
 * Return: true when one is kept for a later try (its FREE was not sent).
 */
static bool rraim_sync_free_orphans(void)
{
	struct rraim_server *s;
	unsigned long chunk;
	bool kept = false;
	unsigned int i;
	void *entry;

	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rraim_server_get(i);
		if (!rraim_server_live(s))
			continue;
		xa_for_each(&s->orphans, chunk, entry) {
			/* a chunk of an older session: nothing to give back */
			if (xa_to_value(entry) == READ_ONCE(s->session_gen) &&
			    !rraim_free_settled(rraim_peer_free_chunk(s->peer,
								      chunk))) {
				kept = true;	/* tried again by a later pass */
				break;
			}
			xa_erase(&s->orphans, chunk);
		}
	}
	return kept;
}

/*
 * A server that is away now may stay away: make sure a pass runs once it
 * has been away for rebuild_delay_ms, whatever other kicks did meanwhile.
 */
static void rraim_sync_schedule_rebuild(void)
{
	unsigned long delay = MAX_JIFFY_OFFSET, d;
	struct rraim_server *s;
	ktime_t due, now = ktime_get();
	unsigned int i;
	int idx;

	if (!rraim_knob(RRAIM_KNOB_AUTO_REBUILD))
		return;
	idx = rraim_server_read_lock();
	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rraim_server_get(i);
		if (!s || rraim_server_ready(s))
			continue;
		due = ktime_add_ms(READ_ONCE(s->down_since),
				   rraim_knob(RRAIM_KNOB_REBUILD_DELAY_MS));
		if (ktime_before(due, now))
			continue;	/* this pass already rebuilt what it could */
		d = usecs_to_jiffies(ktime_us_delta(due, now)) + HZ / 10;
		delay = min(delay, d);
	}
	rraim_server_read_unlock(idx);
	if (delay != MAX_JIFFY_OFFSET)
		rraim_sync_kick_at(delay);
}

/* The next space mchunk after @id, held (sync_busy) until released. */
static struct rraim_mchunk *rraim_sync_next(unsigned long *id)
{
	struct rraim_mchunk *mc;

	rraim_mchunks_lock();
	for (;;) {
		mc = rraim_mchunk_next(id);
		if (!mc || READ_ONCE(mc->space))
			break;
	}
	if (mc)
		mc->sync_busy = true;
	rraim_mchunks_unlock();
	return mc;
}

static void rraim_sync_release(struct rraim_mchunk *mc)
{
	rraim_mchunks_lock();
	mc->sync_busy = false;
	rraim_mchunks_unlock();
}

static void rraim_sync_set_syncing(bool on)
{
	struct rraim_server *s;
	unsigned int i;

	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rraim_server_get(i);
		if (!s)
			continue;
		if (on) {
			atomic_long_set(&s->sync_total, 0);
			atomic_long_set(&s->sync_done, 0);
			atomic64_set(&s->sync_ns, 0);
		}
		WRITE_ONCE(s->syncing, on && rraim_server_live(s));
	}
}

enum rraim_sync_step {
	RRAIM_SYNC_REPAIR,
	RRAIM_SYNC_COUNT,
	RRAIM_SYNC_COPY,
};

/*
 * One walk over the space mchunks.  Servers are looked up under SRCU one
 * mchunk at a time, so that removing a server never waits for a whole
 * pass.
 */
static void rraim_sync_walk(enum rraim_sync_step step,
			    struct rraim_sync_pass *pass)
{
	struct rraim_mchunk *mc;
	unsigned long id = 0;
	int idx;

	while (!rraim_sync_should_stop() && (mc = rraim_sync_next(&id))) {
		idx = rraim_server_read_lock();
		switch (step) {
		case RRAIM_SYNC_REPAIR:
			rraim_sync_repair(mc, pass);
			break;
		case RRAIM_SYNC_COUNT:
			rraim_sync_fill(mc, true, pass);
			break;
		case RRAIM_SYNC_COPY:
			rraim_sync_fill(mc, false, pass);
			rraim_sync_drop_drained(mc, pass);
			break;
		}
		rraim_server_read_unlock(idx);
		rraim_sync_release(mc);
		cond_resched();
	}
}

static void rraim_sync_fn(struct work_struct *work)
{
	struct rraim_sync_pass pass = {};
	bool repair_left, kept;
	unsigned int noio;
	int idx;

	noio = memalloc_noio_save();
	idx = rraim_server_read_lock();
	kept = rraim_sync_free_orphans();
	rraim_server_read_unlock(idx);

	rraim_sync_walk(RRAIM_SYNC_REPAIR, &pass);
	repair_left = pass.incomplete;
	idx = rraim_server_read_lock();
	rraim_sync_set_syncing(true);
	rraim_server_read_unlock(idx);
	rraim_sync_walk(RRAIM_SYNC_COUNT, &pass);
	pass.incomplete = false;
	rraim_sync_walk(RRAIM_SYNC_COPY, &pass);
	pass.incomplete |= repair_left;
	idx = rraim_server_read_lock();
	rraim_sync_set_syncing(false);
	rraim_server_read_unlock(idx);
	if (pass.orphaned) {
		/* the transfers that may use the dropped chunks are done */
		rraim_server_sync_readers();
		idx = rraim_server_read_lock();
		kept = rraim_sync_free_orphans();
		rraim_server_read_unlock(idx);
	}
	memalloc_noio_restore(noio);

	if (pass.copied)
		pr_info("sync: %lu pages copied%s\n", pass.copied,
			pass.incomplete ? ", more to do" : "");
	if (pass.incomplete)
		rraim_sync_kick(2 * HZ);
	/*
	 * A chunk whose FREE could not be sent (the server took no message,
	 * a READ abandoned on it is in flight) is asked again: no other
	 * event may run a pass, and the server would hold it for the
	 * session's lifetime.  From a second on, doubling to a minute: a
	 * pass walks every mchunk.
	 */
	if (kept) {
		rraim_sync_kick(rraim_sync_orphan_delay);
		rraim_sync_orphan_delay = min(2 * rraim_sync_orphan_delay,
					      60UL * HZ);
	} else {
		rraim_sync_orphan_delay = HZ;
	}
	rraim_sync_schedule_rebuild();
}

/* ------------------------------------------------------------- drain */

/**
 * rraim_server_drain - move a server's copies elsewhere, or stop doing so
 * @s: the server
 * @on: start (true) or cancel (false)
 *
 * Return: 0, or -EBUSY when fewer other servers than ``replicas`` have
 * room for the copies.
 */
int rraim_server_drain(struct rraim_server *s, bool on)
{
	unsigned int i, others = 0;
	struct rraim_server *o;
	int idx;

	if (on) {
		/* every page must keep its count of copies on the others */
		idx = rraim_server_read_lock();
		for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
			o = rraim_server_get(i);
			if (o && o != s && rraim_server_has_room(o))
				others++;
		}
		rraim_server_read_unlock(idx);
		if (others < rraim_knob(RRAIM_KNOB_REPLICAS)) {
			pr_warn("server %s: not drained: %u other servers with room, %u copies per page\n",
				s->name, others, rraim_knob(RRAIM_KNOB_REPLICAS));
			return -EBUSY;
		}
	}
	WRITE_ONCE(s->draining, on);
	pr_info("server %s: drain %s\n", s->name, on ? "started" : "cancelled");
	rraim_sync_kick(0);
	return 0;
}

/**
 * rraim_server_sync_state - what the sync does with a server, for sysfs
 * @s: the server
 */
const char *rraim_server_sync_state(struct rraim_server *s)
{
	if (READ_ONCE(s->draining))
		return atomic_read(&s->nr_chunks) ? "draining" : "drained";
	if (READ_ONCE(s->syncing) &&
	    atomic_long_read(&s->sync_done) < atomic_long_read(&s->sync_total))
		return "syncing";
	if (!rraim_server_ready(s))
		return "away";
	return "in_sync";
}

/* ------------------------------------------------------------ init, exit */

int rraim_sync_init(void)
{
	rraim_sync_page = alloc_page(GFP_KERNEL);
	if (!rraim_sync_page)
		return -ENOMEM;
	rraim_sync_wq = alloc_workqueue("rraim_sync", WQ_UNBOUND, 1);
	if (!rraim_sync_wq) {
		__free_page(rraim_sync_page);
		return -ENOMEM;
	}
	rraim_sync_stopping = false;
	INIT_DELAYED_WORK(&rraim_sync_work, rraim_sync_fn);
	return 0;
}

void rraim_sync_exit(void)
{
	unsigned long flags;

	spin_lock_irqsave(&rraim_sync_kick_lock, flags);
	WRITE_ONCE(rraim_sync_stopping, true);
	spin_unlock_irqrestore(&rraim_sync_kick_lock, flags);
	if (!rraim_sync_wq)
		return;
	cancel_delayed_work_sync(&rraim_sync_work);
	destroy_workqueue(rraim_sync_wq);
	rraim_sync_wq = NULL;
	__free_page(rraim_sync_page);
}
