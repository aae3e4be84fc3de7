/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM core API, the only interface a front end sees (the swap front end
 * over frontswap's or zswap's hooks today; a swap block device next).
 *
 * A front end creates a backing space for each thing it serves (a swap
 * area, a block device), with a name and a size in pages, and names each
 * page by its index in the space.  The core keeps the pages in mirrored
 * remote memory.  Store, load and invalidate work on a space; a NULL space
 * (one the front end could not create) refuses stores and holds nothing.
 */
#ifndef RRAIM_H
#define RRAIM_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "rraim_limits.h"

struct page;

/* RRAIM_SPACE_MAX_PAGES, the largest space, is in rraim_limits.h. */

/* A backing space: opaque to front ends. */
struct rraim_space;

int rraim_core_init(void);

/**
 * rraim_core_shutdown - stop the core's work and remove every server
 *
 * The first half of module exit, while the control interface still
 * exists: no server can be added any more, the background work stops,
 * the free pool goes back to the servers and each server is removed the
 * way a remove_server write removes it (its sysfs files first).  Called
 * once no front end calls in and nothing is stored.  Idempotent.
 */
void rraim_core_shutdown(void);

/**
 * rraim_core_exit - free what rraim_core_init() set up
 *
 * After rraim_core_shutdown() (which it runs itself if it was not) and
 * after the control interface is gone.
 */
void rraim_core_exit(void);

/**
 * rraim_core_load - a front end module's init, up to the front end itself
 *
 * rraim_core_init(), the control interface (which refuses when the other
 * front end's module holds it) and the servers of servers=.  On failure
 * everything is undone, the keys of auth_key= and encrypt_key= forgotten
 * too.  Return: 0 or a negative errno (logged).
 */
int rraim_core_load(void);

/**
 * rraim_core_unload - undo rraim_core_load()
 *
 * From module exit, or from init when the front end failed to start.
 */
void rraim_core_unload(void);

/**
 * rraim_core_forget_keys - forget the keys set by the module's parameters
 *
 * When init fails before rraim_core_load() (the parameters were set).
 */
void rraim_core_forget_keys(void);

/**
 * rraim_core_set_attached - the front end starts or stops delivering pages
 * @attached: true once every task runs the front end's hooks
 *
 * Stores are accepted only while attached.  Detaching returns once no
 * store is in flight: a stored-page count read after it is final.
 */
void rraim_core_set_attached(bool attached);

/**
 * rraim_core_wait_ready - wait until a memory server can take pages
 * @timeout: in jiffies
 *
 * For a front end that has nowhere else to put a page (a block device):
 * before the first server is connected, every store would fail.  Sleeps,
 * killable.  Return: 0 once a server is ready; -ENODEV at once when no
 * server is configured, -ETIMEDOUT after @timeout, -EINTR on a fatal
 * signal.
 */
int rraim_core_wait_ready(long timeout);

/*
 * rraim_space_create() flags.
 * RRAIM_SPACE_NO_FALLBACK: the front end has nowhere else to put a page
 * (a block device): while a server is ready and the pool is being refilled,
 * a store waits up to RRAIM_STORE_WAIT_MS for room rather than giving up
 * after deadline_ms, as one whose page can go to a swap device does.
 */
#define RRAIM_SPACE_NO_FALLBACK	BIT(0)
#define RRAIM_STORE_WAIT_MS	10000
/*
 * RRAIM_SPACE_ALL_COPIES: a store succeeds only once all `replicas` copies
 * are complete; one that completes fewer fails (counted in
 * reject_degraded) and the core holds nothing for the page.  Without it a
 * store succeeds with one copy (counted in stores_degraded; the sync makes
 * the others), as a degraded RAID-1 writes on.
 */
#define RRAIM_SPACE_ALL_COPIES	BIT(1)

/**
 * rraim_space_create - a new backing space
 * @name: for the log, e.g. "swap0" (copied)
 * @nr_pages: its size: pages are named by an index below it; at most
 *	RRAIM_SPACE_MAX_PAGES
 * @flags: RRAIM_SPACE_NO_FALLBACK, RRAIM_SPACE_ALL_COPIES, or 0
 *
 * May sleep.  Return: the space, or an ERR_PTR (-EINVAL, -ENOMEM).
 */
struct rraim_space *rraim_space_create(const char *name, u64 nr_pages,
				       unsigned int flags);

/**
 * rraim_space_destroy - the space goes (swapoff, device removal)
 * @sp: the space, or NULL
 *
 * Forgets every page it holds and gives its remote memory back.  The front
 * end no longer calls in for it; stores still in flight (and asynchronous
 * ones queued) are waited for.  May sleep.
 */
void rraim_space_destroy(struct rraim_space *sp);

/**
 * rraim_space_store - keep a page in remote memory
 * @sp: the space
 * @index: the page's index in it
 * @page: the page (locked), or one page of a large folio; read only
 *
 * May sleep.  Returns only once every copy that is reported stored is
 * complete on its server.
 * Return: 0 when stored, negative errno when the page must go elsewhere
 * (the reason is counted).
 */
int rraim_space_store(struct rraim_space *sp, pgoff_t index,
		      struct page *page);

/**
 * rraim_space_store_pages - keep the pages of a large folio, all or none
 * @sp: the space
 * @index: the first page's index in it
 * @page: the first page (the folio locked); the next @nr - 1 pages of
 *	the folio follow it at the next indexes
 * @nr: how many pages, at least 1
 *
 * rraim_space_store() for each page; when one fails, the ones already
 * stored are forgotten again, so that the front end sends the whole folio
 * elsewhere.  May sleep.
 * Return: 0 when all are stored, or the negative errno of the page that
 * failed.
 */
int rraim_space_store_pages(struct rraim_space *sp, pgoff_t index,
			    struct page *page, unsigned int nr);

/**
 * struct rraim_store_req - an asynchronous store (a bio-based front end)
 * @work: the core's
 * @space: the space
 * @index: the page's index in it
 * @page: the page; untouched until @done
 * @done: called once, in process context, with what rraim_space_store()
 *	would have returned
 *
 * Owned by the caller (embedded in its own request, so the core allocates
 * nothing; not on a stack: @work is a work item) until @done runs.
 */
struct rraim_store_req {
	struct work_struct work;
	struct rraim_space *space;
	pgoff_t index;
	struct page *page;
	void (*done)(struct rraim_store_req *req, int err);
};

/**
 * rraim_space_store_async - start a store, complete it later
 * @req: filled in by the caller except @work
 *
 * Never sleeps.  @req->done reports the outcome.
 */
void rraim_space_store_async(struct rraim_store_req *req);

/**
 * rraim_space_load - read a stored page back
 * @sp: the space
 * @index: the page's index in it
 * @page: destination (locked)
 *
 * May sleep, up to the lost-page wait when no copy is reachable.
 * Return: 0 with @page filled, or negative errno.  After a failure
 * rraim_space_read_must_fail() is true for the page: it is lost.
 */
int rraim_space_load(struct rraim_space *sp, pgoff_t index, struct page *page);

/**
 * rraim_space_invalidate - the page is free; forget it
 * @sp: the space
 * @index: the page's index in it
 *
 * Atomic context (a swap area's spinlock may be held): metadata only.
 */
void rraim_space_invalidate(struct rraim_space *sp, pgoff_t index);

/**
 * rraim_space_read_must_fail - is the page lost?
 * @sp: the space
 * @index: the page's index in it
 *
 * Any context, under rcu_read_lock() if the space may be destroyed
 * meanwhile.  True when the core held the page and no copy of it can be
 * read any more, or when the front end asked for a page the core never
 * held: whatever else the front end could read for it (a swap device's
 * slot that was never written) would be wrong data, so its read must fail.
 */
bool rraim_space_read_must_fail(struct rraim_space *sp, pgoff_t index);

/**
 * rraim_core_stored_pages - pages the core holds, in every space
 */
unsigned long rraim_core_stored_pages(void);

#endif /* RRAIM_H */
