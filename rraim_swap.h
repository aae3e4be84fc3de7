/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM swap front end: the kernel's page-granular swap hooks, attached
 * through livepatch.  Which hooks a kernel has is decided at build time:
 *
 *   Linux 6.1    frontswap's entry points (rraim_frontswap.c)
 *   Linux 6.12   zswap's entry points, which replaced frontswap in 6.6
 *                (rraim_zswap.c)
 *
 * A wrong prototype in a livepatch is silent memory corruption, so only
 * kernel versions whose hook prototypes were read in their sources are
 * admitted (RRAIM_HOOKS_* below; the hook files also check each prototype
 * the kernel's headers declare at compile time).  Elsewhere the module
 * builds, and loading it fails with one line that says why.
 *
 * rraim_swap.c holds what both hook sets share: the swap areas by type,
 * each with its core space and its map of the slots RRAIM holds, and the
 * attach, detach and precondition logic.
 */
#ifndef RRAIM_SWAP_H
#define RRAIM_SWAP_H

#include <linux/types.h>
#include <linux/version.h>

/*
 * The kernel versions whose hook prototypes were checked against their
 * sources (the admin guide says which are also tested): from the first
 * stable release read to the end of its series.
 */
#define RRAIM_HOOKS_FRONTSWAP_FROM	KERNEL_VERSION(6, 1, 170)
#define RRAIM_HOOKS_FRONTSWAP_TO	KERNEL_VERSION(6, 1, 255)
#define RRAIM_HOOKS_ZSWAP_FROM		KERNEL_VERSION(6, 12, 113)
#define RRAIM_HOOKS_ZSWAP_TO		KERNEL_VERSION(6, 12, 255)

/*
 * The version of the kernel built for (one source tree serves both
 * series).  A test build pretends to be built for another one (Kbuild's
 * RRAIM_PRETEND_KERNEL=X.Y.Z) to see the module refuse a kernel outside
 * the table.
 */
#ifdef RRAIM_PRETEND_KERNEL
#define RRAIM_KERNEL_VERSION	RRAIM_PRETEND_KERNEL
#else
#define RRAIM_KERNEL_VERSION	KERNEL_VERSION(LINUX_VERSION_MAJOR, \
					       LINUX_VERSION_PATCHLEVEL, \
					       LINUX_VERSION_SUBLEVEL)
#endif
#define RRAIM_IN_RANGE(from, to) \
	(RRAIM_KERNEL_VERSION >= (from) && RRAIM_KERNEL_VERSION <= (to))

#if IS_ENABLED(CONFIG_LIVEPATCH) && IS_ENABLED(CONFIG_ZSWAP) && \
	IS_ENABLED(CONFIG_FRONTSWAP) && \
	RRAIM_IN_RANGE(RRAIM_HOOKS_FRONTSWAP_FROM, RRAIM_HOOKS_FRONTSWAP_TO)
#define RRAIM_HOOKS_FRONTSWAP	1
#define RRAIM_HOOKS_NAME	"frontswap"
#elif IS_ENABLED(CONFIG_LIVEPATCH) && IS_ENABLED(CONFIG_ZSWAP) && \
	!IS_ENABLED(CONFIG_FRONTSWAP) && \
	RRAIM_IN_RANGE(RRAIM_HOOKS_ZSWAP_FROM, RRAIM_HOOKS_ZSWAP_TO)
#define RRAIM_HOOKS_ZSWAP	1
#define RRAIM_HOOKS_NAME	"zswap's swap hooks"
#endif

#if defined(RRAIM_HOOKS_FRONTSWAP) || defined(RRAIM_HOOKS_ZSWAP)
#define RRAIM_HOOKS	1
#endif

/*
 * Can the kernel's own hooks take over, after a detach, a swap area they
 * never saw turned on?  frontswap's can (the area has no frontswap map:
 * its pages go to the device); zswap's cannot (no tree for the area).
 */
#ifdef RRAIM_HOOKS_ZSWAP
#define RRAIM_HOOKS_KEEP_AREAS	false
#else
#define RRAIM_HOOKS_KEEP_AREAS	true
#endif

struct page;

/* ------------------------------------------------- for module init/exit */

/**
 * rraim_swap_check - can the front end attach on this kernel?
 *
 * Logs one line saying why not: a kernel outside the checked versions, no
 * livepatch or zswap, zswap enabled or holding pages.
 * Return: 0 or a negative errno.
 */
int rraim_swap_check(void);

/**
 * rraim_swap_attach - enable the livepatch; from module init only
 *
 * The core receives stores once the patch transition has completed.
 * Return: 0 or a negative errno (logged).
 */
int rraim_swap_attach(void);

/**
 * rraim_swap_exit - free what the front end still holds; from module exit
 *
 * Once the livepatch is disabled: no hook runs any more.
 */
void rraim_swap_exit(void);

/* ------------------------------------------- for the hooks of a kernel */
#ifdef RRAIM_HOOKS

#include <linux/livepatch.h>

/* The functions the livepatch replaces, ending with an empty entry. */
extern struct klp_func rraim_hooks_funcs[];

/**
 * rraim_swap_area_on - a swap area is being turned on
 * @type: its swap type
 * @nr_pages: its size in pages, or 0 when the hook does not say
 * @map: the kernel's frontswap map for it (the front end owns it from now
 *	on), or NULL to allocate one of @nr_pages bits
 *
 * Under swapon's serialisation.  When the area cannot be served, its
 * pages go to the swap device (logged).
 */
void rraim_swap_area_on(unsigned int type, u64 nr_pages, unsigned long *map);

/**
 * rraim_swap_area_off - the swap area was turned off (every page read back)
 * @type: its swap type
 *
 * Under swapoff's serialisation; may sleep.
 */
void rraim_swap_area_off(unsigned int type);

/**
 * rraim_swap_store - keep a folio's pages in remote memory, all or none
 * @type: swap type
 * @offset: the first page's swap offset
 * @page: the folio's first page; the folio is locked
 * @nr: pages in the folio
 *
 * Whatever the area held at these offsets is forgotten first.  May sleep.
 * Return: 0 when stored, or a negative errno: the folio goes to the swap
 * device.
 */
int rraim_swap_store(unsigned int type, pgoff_t offset, struct page *page,
		     unsigned int nr);

/**
 * rraim_swap_load - read a folio's pages back
 * @type: swap type
 * @offset: the first page's swap offset
 * @page: the folio's first page (locked)
 * @nr: pages in the folio
 *
 * May sleep.
 * Return: 1 when the pages were read, 0 when RRAIM holds none of them
 * (they are on the swap device), -EIO when the read must fail: RRAIM held
 * a page and lost it, or holds only some of the folio's pages.
 */
int rraim_swap_load(unsigned int type, pgoff_t offset, struct page *page,
		    unsigned int nr);

/**
 * rraim_swap_invalidate - a swap slot is free
 * @type: swap type
 * @offset: its swap offset
 *
 * Atomic context (the swap area's lock may be held).
 */
void rraim_swap_invalidate(unsigned int type, pgoff_t offset);

/**
 * rraim_swap_read_must_fail - must a read of this slot from the device fail?
 * @type: swap type
 * @offset: its swap offset
 *
 * Any context.  True when RRAIM held the page and lost it: the device's
 * slot was never written.
 */
bool rraim_swap_read_must_fail(unsigned int type, pgoff_t offset);

#endif /* RRAIM_HOOKS */

#endif /* RRAIM_SWAP_H */
