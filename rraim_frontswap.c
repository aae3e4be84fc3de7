// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM's swap hooks on Linux 6.1: frontswap's entry points.
 *
 * frontswap has a single backend slot, taken at boot by the built-in
 * zswap, and frontswap_register_ops() is not exported.  RRAIM replaces
 * frontswap's own entry points, which mm/page_io.c and mm/swapfile.c call,
 * rather than zswap's backend hooks behind them: frontswap marks only the
 * head slot of a transparent huge page stored whole, so through the
 * backend hooks the other 511 pages would be read from the swap device.
 * Replacing the entry points, RRAIM keeps the slot map itself (the one
 * swapon allocated for frontswap, handed over by frontswap_init()) and
 * stores a THP's pages all or none.  zswap's hooks are never called while
 * attached.
 *
 * It also replaces end_swap_bio_read(), the completion of a swap read from
 * the swap device: when the core held a page and every copy of it is lost,
 * the kernel's fallback would read the device's slot, which was never
 * written.  The replacement fails that read instead, so the faulting
 * process gets SIGBUS (and swapoff marks the entry as a swap-in error), as
 * for a disk read error: never wrong data.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "rraim_swap.h"

#ifdef RRAIM_HOOKS_FRONTSWAP

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/frontswap.h>
#include <linux/huge_mm.h>
#include <linux/livepatch.h>
#include <linux/mm.h>
#include <linux/sched/task.h>
#include <linux/swap.h>
#include <linux/swapops.h>

static swp_entry_t rraim_fs_entry(struct page *page)
{
	return (swp_entry_t){ .val = page_private(page) };
}

/*
 * Replaces frontswap_init(): swapon hands over the area's frontswap map,
 * which no one else uses while RRAIM is attached (the front end frees it
 * at swapoff; the kernel frees only the map it recorded, none).
 */
static void rraim_fs_init(unsigned int type, unsigned long *map)
{
	rraim_swap_area_on(type, 0, map);
}

/* Replaces __frontswap_store(): a page, or a THP's head page. */
static int rraim_fs_store(struct page *page)
{
	swp_entry_t entry = rraim_fs_entry(page);

	return rraim_swap_store(swp_type(entry), swp_offset(entry), page,
				thp_nr_pages(page)) ? -1 : 0;
}

/* Replaces __frontswap_load(): 6.1 swaps in single pages only. */
static int rraim_fs_load(struct page *page)
{
	swp_entry_t entry = rraim_fs_entry(page);

	/* a failure reads the device, whose completion then fails */
	return rraim_swap_load(swp_type(entry), swp_offset(entry), page,
			       1) == 1 ? 0 : -1;
}

/* Replaces __frontswap_invalidate_page(): under the area's spinlock. */
static void rraim_fs_invalidate_page(unsigned int type, pgoff_t offset)
{
	rraim_swap_invalidate(type, offset);
}

/* Replaces __frontswap_invalidate_area(): swapoff, every page read back. */
static void rraim_fs_invalidate_area(unsigned int type)
{
	rraim_swap_area_off(type);
}

/*
 * Replaces end_swap_bio_read() (mm/page_io.c): the same completion, except
 * that a read of a slot whose page the core lost is failed.
 */
static void rraim_fs_end_swap_read(struct bio *bio)
{
	struct page *page = bio_first_page_all(bio);
	struct task_struct *waiter = bio->bi_private;
	swp_entry_t entry = rraim_fs_entry(page);

	if (!bio->bi_status &&
	    rraim_swap_read_must_fail(swp_type(entry), swp_offset(entry)))
		bio->bi_status = BLK_STS_IOERR;

	if (bio->bi_status) {
		SetPageError(page);
		ClearPageUptodate(page);
		pr_alert_ratelimited("Read-error on swap-device (%u:%u:%llu)\n",
				     MAJOR(bio_dev(bio)), MINOR(bio_dev(bio)),
				     (unsigned long long)bio->bi_iter.bi_sector);
	} else {
		SetPageUptodate(page);
	}
	unlock_page(page);
	WRITE_ONCE(bio->bi_private, NULL);
	bio_put(bio);
	if (waiter) {
		blk_wake_io_task(waiter);
		put_task_struct(waiter);
	}
}

/*
 * Each replacement has the prototype the kernel's header declares; the
 * compiler checks it.  end_swap_bio_read() is static: its prototype was
 * read in mm/page_io.c of the versions in rraim_swap.h.
 */
static_assert(__same_type(&rraim_fs_init, &frontswap_init));
static_assert(__same_type(&rraim_fs_store, &__frontswap_store));
static_assert(__same_type(&rraim_fs_load, &__frontswap_load));
static_assert(__same_type(&rraim_fs_invalidate_page,
			  &__frontswap_invalidate_page));
static_assert(__same_type(&rraim_fs_invalidate_area,
			  &__frontswap_invalidate_area));
static_assert(__same_type(&rraim_fs_end_swap_read, bio_end_io_t *));

struct klp_func rraim_hooks_funcs[] = {
	{
		.old_name = "frontswap_init",
		.new_func = rraim_fs_init,
	}, {
		.old_name = "__frontswap_store",
		.new_func = rraim_fs_store,
	}, {
		.old_name = "__frontswap_load",
		.new_func = rraim_fs_load,
	}, {
		.old_name = "__frontswap_invalidate_page",
		.new_func = rraim_fs_invalidate_page,
	}, {
		.old_name = "__frontswap_invalidate_area",
		.new_func = rraim_fs_invalidate_area,
	}, {
		.old_name = "end_swap_bio_read",
		.new_func = rraim_fs_end_swap_read,
	}, { }
};

#endif /* RRAIM_HOOKS_FRONTSWAP */
