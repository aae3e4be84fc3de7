// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM swap front end: what the hooks of every kernel share (rraim_swap.h).
 *
 * The kernel's swap hooks have a single owner, built-in zswap, and no
 * module may register another.  RRAIM therefore attaches through the
 * livepatch API: it replaces the hooks (frontswap's on 6.1, zswap's on
 * 6.12) with its own, which hand every page to the RRAIM core.  The kernel
 * is tainted K (livepatch) as well as O and E.
 *
 * Each swap area turned on while attached gets a core space and a map with
 * one bit per slot: set once all of a folio's pages are stored, cleared
 * when the slot is freed or stored again.  The map is the front end's own
 * record of what it gave the core, kept apart from the core's: a load of a
 * slot whose bit is set never falls back to the swap device, whose slot
 * was never written.  A large folio (THP, mTHP) is stored whole or not at
 * all; on a load, a folio of which RRAIM holds only some pages fails rather
 * than mixing remote and device contents.
 *
 * Attaching: the hooks are live once the livepatch transition completed
 * (post_patch); until then stores are refused.  Detaching (disabling the
 * livepatch) is only safe when the core holds no page, i.e. after swapoff
 * of every area it served: zswap's restored hooks know nothing of RRAIM's
 * pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/livepatch.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/utsname.h>

#include "rraim.h"
#include "rraim_swap.h"

#ifdef RRAIM_HOOKS

/* ----------------------------------------------------------------- areas */

/**
 * struct rraim_swap_area - a swap area RRAIM serves
 * @space: its core space
 * @nr: its size in pages, or 0 when the hook did not say (6.1: the map
 *	the kernel allocated covers every offset it passes)
 * @map: one bit per slot, set while the core holds the slot's page
 */
struct rraim_swap_area {
	struct rraim_space *space;
	u64 nr;
	unsigned long *map;
};

/*
 * By swap type.  Set by rraim_swap_area_on() and cleared by
 * rraim_swap_area_off(), both under swapon/swapoff's serialisation.  The
 * store, load and invalidate hooks read it without a lock: the kernel
 * calls them only for an area that is on, and swapoff turns an area off
 * only once no slot of it is in use.  The atomic-context readers hold
 * rcu_read_lock(), and an area is freed only after a grace period.
 */
static struct rraim_swap_area *rraim_swap_areas[MAX_SWAPFILES];

static struct rraim_swap_area *rraim_swap_area(unsigned int type)
{
	return type < MAX_SWAPFILES ? READ_ONCE(rraim_swap_areas[type]) : NULL;
}

/* Are the offsets [@offset, @offset + @nr) inside the area? */
static bool rraim_swap_fits(const struct rraim_swap_area *area,
			    pgoff_t offset, unsigned int nr)
{
	return !area->nr || (offset < area->nr && nr <= area->nr - offset);
}

static void rraim_swap_area_free(struct rraim_swap_area *area)
{
	if (!area)
		return;
	rraim_space_destroy(area->space);
	kvfree(area->map);
	kfree(area);
}

void rraim_swap_area_on(unsigned int type, u64 nr_pages, unsigned long *map)
{
	struct rraim_swap_area *area;
	char name[16];

	if (type >= MAX_SWAPFILES) {
		kvfree(map);
		return;
	}
	area = kzalloc(sizeof(*area), GFP_KERNEL);
	if (!area) {
		kvfree(map);
		return;
	}
	area->nr = nr_pages;
	area->map = map;
	if (!map && !nr_pages) {
		/* 6.1's swapon could not allocate the frontswap map */
		pr_warn("swap area %u: no frontswap map: its pages go to the swap device\n",
			type);
		goto out_free_area;
	}
	if (!map) {
		area->map = kvcalloc(BITS_TO_LONGS(nr_pages), sizeof(long),
				     GFP_KERNEL);
		if (!area->map)
			goto out_free_area;
	}
	snprintf(name, sizeof(name), "swap%u", type);
	area->space = rraim_space_create(name, nr_pages ? nr_pages :
					 RRAIM_SPACE_MAX_PAGES, 0);
	if (IS_ERR(area->space)) {
		pr_warn("swap area %u: no space (%ld): its pages go to the swap device\n",
			type, PTR_ERR(area->space));
		area->space = NULL;
		goto out_free_area;
	}
	/* none before: the kernel turns an area on once */
	rraim_swap_area_free(xchg(&rraim_swap_areas[type], area));
	return;

out_free_area:
	kvfree(area->map);
	kfree(area);
}

void rraim_swap_area_off(unsigned int type)
{
	struct rraim_swap_area *area;

	if (type >= MAX_SWAPFILES)
		return;
	area = xchg(&rraim_swap_areas[type], NULL);
	if (!area)
		return;
	synchronize_rcu();	/* the atomic-context readers */
	rraim_swap_area_free(area);
}

/* ------------------------------------------------------------- the pages */

/* The slot's page, if the core holds it, is forgotten.  Any context. */
static void rraim_swap_forget(struct rraim_swap_area *area, pgoff_t offset)
{
	if (test_and_clear_bit(offset, area->map))
		rraim_space_invalidate(area->space, offset);
}

int rraim_swap_store(unsigned int type, pgoff_t offset, struct page *page,
		     unsigned int nr)
{
	struct rraim_swap_area *area = rraim_swap_area(type);
	unsigned int i;
	int ret;

	if (area && !rraim_swap_fits(area, offset, nr))
		area = NULL;
	if (area)
		for (i = 0; i < nr; i++)
			rraim_swap_forget(area, offset + i);
	/* without an area the core counts the refusal */
	ret = rraim_space_store_pages(area ? area->space : NULL, offset,
				      page, nr);
	if (ret)
		return ret;
	for (i = 0; i < nr; i++)
		set_bit(offset + i, area->map);
	return 0;
}

int rraim_swap_load(unsigned int type, pgoff_t offset, struct page *page,
		    unsigned int nr)
{
	struct rraim_swap_area *area = rraim_swap_area(type);
	unsigned int i, held = 0;

	if (!area || !rraim_swap_fits(area, offset, nr))
		return 0;
	for (i = 0; i < nr; i++)
		held += test_bit(offset + i, area->map);
	if (!held)
		return 0;
	if (held < nr) {
		pr_err_ratelimited("swap area %u: a folio of %u pages at %lu is only partly here (%u pages): its read fails\n",
				   type, nr, offset, held);
		return -EIO;
	}
	for (i = 0; i < nr; i++)
		if (rraim_space_load(area->space, offset + i,
				     nth_page(page, i)))
			return -EIO;
	return 1;
}

void rraim_swap_invalidate(unsigned int type, pgoff_t offset)
{
	struct rraim_swap_area *area;

	rcu_read_lock();
	area = rraim_swap_area(type);
	if (area && rraim_swap_fits(area, offset, 1))
		rraim_swap_forget(area, offset);
	rcu_read_unlock();
}

bool rraim_swap_read_must_fail(unsigned int type, pgoff_t offset)
{
	struct rraim_swap_area *area;
	bool fail = false;

	rcu_read_lock();
	area = rraim_swap_area(type);
	if (area && rraim_swap_fits(area, offset, 1))
		fail = rraim_space_read_must_fail(area->space, offset);
	rcu_read_unlock();
	return fail;
}

/* ------------------------------------------------------------ livepatch */

static void rraim_swap_post_patch(struct klp_object *obj)
{
	rraim_core_set_attached(true);
	pr_info("attached to %s\n", RRAIM_HOOKS_NAME);
}

static void rraim_swap_pre_unpatch(struct klp_object *obj)
{
	unsigned long held = rraim_core_stored_pages();
	unsigned int type, on = 0;

	rraim_core_set_attached(false);
	if (held)
		pr_crit("detaching while holding %lu pages: swapoff first; their contents are lost\n",
			held);
	for (type = 0; type < MAX_SWAPFILES; type++)
		on += !!rraim_swap_area(type);
	if (on && !RRAIM_HOOKS_KEEP_AREAS)
		pr_crit("detaching while %u swap areas it serves are on: zswap never saw them turned on, and crashes at their next swap-out; swapoff first\n",
			on);
}

static struct klp_object rraim_swap_objs[] = {
	{
		.name = NULL,	/* vmlinux */
		.funcs = rraim_hooks_funcs,
		.callbacks = {
			.post_patch = rraim_swap_post_patch,
			.pre_unpatch = rraim_swap_pre_unpatch,
		},
	}, { }
};

static struct klp_patch rraim_swap_patch = {
	.mod = THIS_MODULE,
	.objs = rraim_swap_objs,
};

/* ---------------------------------------------------------------- checks */

/* Is zswap switched on?  Its parameter is the only public view of it. */
static int rraim_swap_zswap_enabled(void)
{
	char buf[4] = {};
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open("/sys/module/zswap/parameters/enabled", O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return n ? n : -EIO;
	return buf[0] == 'Y' || buf[0] == '1';
}

/*
 * Pages zswap still holds, from its debugfs counter (an atomic_t whose
 * address debugfs keeps in the file's inode), or -ENOENT when debugfs
 * does not have it.
 */
static long rraim_swap_zswap_pages(void)
{
	struct dentry *dir, *file;
	long n = -ENOENT;

	dir = debugfs_lookup("zswap", NULL);
	if (IS_ERR_OR_NULL(dir))
		return -ENOENT;
	file = debugfs_lookup("stored_pages", dir);
	if (!IS_ERR_OR_NULL(file)) {
		if (d_inode(file) && d_inode(file)->i_private)
			n = atomic_read((atomic_t *)d_inode(file)->i_private);
		dput(file);
	}
	dput(dir);
	return n;
}

int rraim_swap_check(void)
{
	int enabled = rraim_swap_zswap_enabled();
	long held = rraim_swap_zswap_pages();

	if (enabled < 0) {
		pr_err("cannot read zswap's state (%d): not attaching\n", enabled);
		return -ENODEV;
	}
	if (enabled) {
		pr_err("zswap is enabled and owns the swap hooks: boot with zswap.enabled=0 or write N to /sys/module/zswap/parameters/enabled\n");
		return -EBUSY;
	}
	if (held > 0) {
		pr_err("zswap still holds %ld pages: swapoff and swapon the swap areas first\n",
		       held);
		return -EBUSY;
	}
	return 0;
}

int rraim_swap_attach(void)
{
	int ret;

	ret = klp_enable_patch(&rraim_swap_patch);
	if (ret == -EINVAL)
		pr_err("this kernel lacks a function of the %s hooks: cannot attach\n",
		       RRAIM_HOOKS_NAME);
	else if (ret)
		pr_err("cannot enable the %s livepatch (%d)\n",
		       RRAIM_HOOKS_NAME, ret);
	return ret;
}

/*
 * Module exit, once the livepatch is disabled (no hook runs any more): the
 * areas still on go; they hold nothing (detach needs every area RRAIM
 * stored into to be off).
 */
void rraim_swap_exit(void)
{
	unsigned int type;

	for (type = 0; type < MAX_SWAPFILES; type++)
		rraim_swap_area_free(xchg(&rraim_swap_areas[type], NULL));
}

#else /* no hooks RRAIM was checked against */

int rraim_swap_check(void)
{
	if (!IS_ENABLED(CONFIG_LIVEPATCH))
		pr_err("this kernel has no livepatch support (CONFIG_LIVEPATCH), which RRAIM attaches through\n");
	else if (!IS_ENABLED(CONFIG_ZSWAP))
		pr_err("this kernel has no zswap, whose swap hooks RRAIM replaces\n");
	else
		pr_err("Linux %u.%u.%u (%s) is not a kernel whose swap hooks RRAIM was checked against (6.1.170 to 6.1.y with frontswap, 6.12.113 to 6.12.y): not attaching\n",
		       RRAIM_KERNEL_VERSION >> 16,
		       (RRAIM_KERNEL_VERSION >> 8) & 0xff,
		       RRAIM_KERNEL_VERSION & 0xff, init_utsname()->release);
	return -EOPNOTSUPP;
}

int rraim_swap_attach(void)
{
	return -EOPNOTSUPP;
}

void rraim_swap_exit(void)
{
}

#endif /* RRAIM_HOOKS */
