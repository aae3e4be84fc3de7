// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM's swap hooks on Linux 6.12: zswap's entry points.
 *
 * frontswap left the kernel in 6.6; swap-out and swap-in now call zswap
 * directly (mm/page_io.c, mm/swapfile.c), at the same page-granular points
 * frontswap gave.  RRAIM replaces those functions:
 *
 *   zswap_swapon(), zswap_swapoff()   an area on and off
 *   zswap_store(folio)                true: held, no block I/O
 *   zswap_load(folio)                 true: handled; a folio left
 *                                     !uptodate is a read error, so
 *                                     do_swap_page() raises SIGBUS
 *   zswap_invalidate(entry)           a slot is free (atomic context)
 *   zswap_never_enabled()             false while attached: the fault path
 *                                     then swaps in single pages only
 *
 * zswap_store() takes large folios (THP, mTHP) whole, page by page; 6.12's
 * own zswap refuses them.  Swap-in of a large folio stays off (as it is
 * whenever zswap has ever been on) because a folio assembled from
 * neighbouring slots may be partly in RRAIM and partly on the device;
 * rraim_swap_load() fails such a folio should one arrive anyway.
 *
 * 6.12 frees the slots of a large folio still in the swap cache without
 * calling zswap_invalidate() for them (only order-0 folios are ever in
 * zswap): RRAIM's copies of such slots stay until the slot is stored
 * again or the area goes off.  They are never read: a slot is always
 * written (stored, or zero-mapped, which is checked first) before it is
 * read again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "rraim_swap.h"

#ifdef RRAIM_HOOKS_ZSWAP

#include <linux/livepatch.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/zswap.h>

/* Replaces zswap_swapon(): swapon, before the area is in use. */
static int rraim_zs_swapon(int type, unsigned long nr_pages)
{
	rraim_swap_area_on(type, nr_pages, NULL);
	return 0;	/* an area RRAIM cannot serve still swaps to its device */
}

/* Replaces zswap_swapoff(): every page was read back. */
static void rraim_zs_swapoff(int type)
{
	rraim_swap_area_off(type);
}

/* Replaces zswap_store(): the folio is locked and in the swap cache. */
static bool rraim_zs_store(struct folio *folio)
{
	swp_entry_t entry = folio->swap;

	return !rraim_swap_store(swp_type(entry), swp_offset(entry),
				 &folio->page, folio_nr_pages(folio));
}

/* Replaces zswap_load(): the folio is locked, not uptodate. */
static bool rraim_zs_load(struct folio *folio)
{
	swp_entry_t entry = folio->swap;
	int ret;

	ret = rraim_swap_load(swp_type(entry), swp_offset(entry),
			      &folio->page, folio_nr_pages(folio));
	if (ret > 0)
		folio_mark_uptodate(folio);
	/* lost: handled, and left !uptodate, the device is never read */
	return ret != 0;
}

/* Replaces zswap_invalidate(): may hold the area's spinlock. */
static void rraim_zs_invalidate(swp_entry_t entry)
{
	rraim_swap_invalidate(swp_type(entry), swp_offset(entry));
}

/* Replaces zswap_never_enabled(): no large-folio swap-in while attached. */
static bool rraim_zs_never_enabled(void)
{
	return false;
}

/* Each replacement has the prototype the kernel's header declares. */
static_assert(__same_type(&rraim_zs_swapon, &zswap_swapon));
static_assert(__same_type(&rraim_zs_swapoff, &zswap_swapoff));
static_assert(__same_type(&rraim_zs_store, &zswap_store));
static_assert(__same_type(&rraim_zs_load, &zswap_load));
static_assert(__same_type(&rraim_zs_invalidate, &zswap_invalidate));
static_assert(__same_type(&rraim_zs_never_enabled, &zswap_never_enabled));

struct klp_func rraim_hooks_funcs[] = {
	{
		.old_name = "zswap_swapon",
		.new_func = rraim_zs_swapon,
	}, {
		.old_name = "zswap_swapoff",
		.new_func = rraim_zs_swapoff,
	}, {
		.old_name = "zswap_store",
		.new_func = rraim_zs_store,
	}, {
		.old_name = "zswap_load",
		.new_func = rraim_zs_load,
	}, {
		.old_name = "zswap_invalidate",
		.new_func = rraim_zs_invalidate,
	}, {
		.old_name = "zswap_never_enabled",
		.new_func = rraim_zs_never_enabled,
	}, { }
};

#endif /* RRAIM_HOOKS_ZSWAP */
