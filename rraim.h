/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM core API, the only interface a front end (frontswap today, a swap
 * block device later) sees.  Pages are named by (swap type, offset); the
 * core maps them to mirrored remote memory.
 */
#ifndef RRAIM_H
#define RRAIM_H

#include <linux/types.h>

struct page;

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
 * rraim_core_set_attached - the front end starts or stops delivering pages
 * @attached: true once every task runs the front end's hooks
 *
 * Stores are accepted only while attached.  Detaching returns once no
 * store is in flight: a stored-page count read after it is final.
 */
void rraim_core_set_attached(bool attached);

/**
 * rraim_core_area_init - a swap area was turned on
 * @type: swap type
 *
 * Stores for an area the core was not told about go to the swap device.
 */
void rraim_core_area_init(unsigned int type);

/**
 * rraim_core_store - keep a page in remote memory
 * @type: swap type
 * @offset: slot in the area
 * @page: the page (locked); read only
 *
 * May sleep.  Returns only once every copy that is reported stored is
 * complete on its server.
 * Return: 0 when stored, negative errno when the page must go to the swap
 * device (the reason is counted).
 */
int rraim_core_store(unsigned int type, pgoff_t offset, struct page *page);

/**
 * rraim_core_load - read a stored page back
 * @type: swap type
 * @offset: slot in the area
 * @page: destination (locked)
 *
 * May sleep, up to the lost-page wait when no copy is reachable.
 * Return: 0 with @page filled, or negative errno.  After a failure
 * rraim_core_read_must_fail() is true for the slot: the page is lost.
 */
int rraim_core_load(unsigned int type, pgoff_t offset, struct page *page);

/**
 * rraim_core_invalidate_page - the slot is free; forget the page
 * @type: swap type
 * @offset: slot in the area
 *
 * Atomic context (called under the swap area's spinlock): metadata only.
 */
void rraim_core_invalidate_page(unsigned int type, pgoff_t offset);

/**
 * rraim_core_invalidate_area - the swap area was turned off
 * @type: swap type
 *
 * Every page was loaded back before; releases the area's remote space.
 * May sleep.
 */
void rraim_core_invalidate_area(unsigned int type);

/**
 * rraim_core_read_must_fail - is the slot lost?
 * @type: swap type
 * @offset: slot in the area
 *
 * Any context.  True when the core held the slot's page and no copy of it
 * can be read any more: the swap device's copy of the slot was never
 * written, so a read of it must fail rather than return wrong data.
 */
bool rraim_core_read_must_fail(unsigned int type, pgoff_t offset);

/**
 * rraim_core_stored_pages - pages the core holds
 */
unsigned long rraim_core_stored_pages(void);

#endif /* RRAIM_H */
