// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM frontswap front end for Linux 6.1.
 *
 * frontswap has a single backend slot, taken at boot by the built-in zswap,
 * and frontswap_register_ops() is not exported to modules.  This front end
 * therefore attaches through the kernel's livepatch API: it replaces
 * zswap's five frontswap hooks with its own, which hand every page to the
 * RRAIM core.  The kernel is tainted K (livepatch) as well as O and E.
 *
 * It also replaces end_swap_bio_read(), the completion of a swap read from
 * the swap device: when the core held a page and every copy of it is lost,
 * frontswap's fallback would read the device's slot, which was never
 * written.  The replacement fails that read instead, so the faulting
 * process gets SIGBUS (and swapoff marks the entry as a swap-in error), as
 * for a disk read error: never wrong data.
 *
 * Attaching: the hooks are live once the livepatch transition completed
 * (post_patch); until then stores are refused.  Detaching (disabling the
 * livepatch) is only safe when the core holds no page, i.e. after swapoff
 * of every area it served: zswap's restored hooks know nothing of RRAIM's
 * pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/sched/task.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "rraim.h"
#include "rraim_frontswap.h"

/* ---------------------------------------------------------------- spaces */

/*
 * One core space per swap area turned on while attached, by swap type.  An
 * area turned on before (or whose space could not be created) has none:
 * its stores go to the swap device.  Set by the init hook and cleared by
 * the invalidate_area hook, both under swapon/swapoff's serialisation;
 * read locklessly by the other hooks, which frontswap calls only for an
 * area that is on.
 */
static struct rraim_space *rraim_fs_spaces[MAX_SWAPFILES];

static struct rraim_space *rraim_fs_space(unsigned int type)
{
	return type < MAX_SWAPFILES ? READ_ONCE(rraim_fs_spaces[type]) : NULL;
}

/* ----------------------------------------------------------------- hooks */

static void rraim_fs_init(unsigned int type)
{
	struct rraim_space *sp, *old;
	char name[16];

	if (type >= MAX_SWAPFILES)
		return;
	/* frontswap does not say the area's size: the largest space */
	snprintf(name, sizeof(name), "swap%u", type);
	sp = rraim_space_create(name, RRAIM_SPACE_MAX_PAGES);
	if (IS_ERR(sp)) {
		pr_warn("swap area %u: no space (%ld): its pages go to the swap device\n",
			type, PTR_ERR(sp));
		sp = NULL;
	}
	old = xchg(&rraim_fs_spaces[type], sp);
	rraim_space_destroy(old);	/* none: frontswap inits an area once */
}

static int rraim_fs_store(unsigned int type, pgoff_t offset, struct page *page)
{
	return rraim_space_store(rraim_fs_space(type), offset, page) ? -1 : 0;
}

static int rraim_fs_load(unsigned int type, pgoff_t offset, struct page *page)
{
	return rraim_space_load(rraim_fs_space(type), offset, page) ? -1 : 0;
}

static void rraim_fs_invalidate_page(unsigned int type, pgoff_t offset)
{
	rraim_space_invalidate(rraim_fs_space(type), offset);
}

static void rraim_fs_invalidate_area(unsigned int type)
{
	if (type < MAX_SWAPFILES)
		rraim_space_destroy(xchg(&rraim_fs_spaces[type], NULL));
}

/* Any context: the space goes only after an RCU grace period. */
static bool rraim_fs_read_must_fail(swp_entry_t entry)
{
	bool fail;

	rcu_read_lock();
	fail = rraim_space_read_must_fail(rraim_fs_space(swp_type(entry)),
					  swp_offset(entry));
	rcu_read_unlock();
	return fail;
}

/*
 * Replaces end_swap_bio_read() (mm/page_io.c): the same completion, except
 * that a read of a slot whose page the core lost is failed.
 */
static void rraim_fs_end_swap_read(struct bio *bio)
{
	struct page *page = bio_first_page_all(bio);
	struct task_struct *waiter = bio->bi_private;
	swp_entry_t entry = { .val = page_private(page) };

	if (!bio->bi_status && rraim_fs_read_must_fail(entry))
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

/* ------------------------------------------------------------ livepatch */

static void rraim_fs_post_patch(struct klp_object *obj)
{
	rraim_core_set_attached(true);
	pr_info("attached to frontswap\n");
}

static void rraim_fs_pre_unpatch(struct klp_object *obj)
{
	unsigned long held = rraim_core_stored_pages();

	rraim_core_set_attached(false);
	if (held)
		pr_crit("detaching while holding %lu pages: swapoff first; their contents are lost\n",
			held);
}

static struct klp_func rraim_fs_funcs[] = {
	{
		.old_name = "zswap_frontswap_init",
		.new_func = rraim_fs_init,
	}, {
		.old_name = "zswap_frontswap_store",
		.new_func = rraim_fs_store,
	}, {
		.old_name = "zswap_frontswap_load",
		.new_func = rraim_fs_load,
	}, {
		.old_name = "zswap_frontswap_invalidate_page",
		.new_func = rraim_fs_invalidate_page,
	}, {
		.old_name = "zswap_frontswap_invalidate_area",
		.new_func = rraim_fs_invalidate_area,
	}, {
		.old_name = "end_swap_bio_read",
		.new_func = rraim_fs_end_swap_read,
	}, { }
};

static struct klp_object rraim_fs_objs[] = {
	{
		.name = NULL,	/* vmlinux */
		.funcs = rraim_fs_funcs,
		.callbacks = {
			.post_patch = rraim_fs_post_patch,
			.pre_unpatch = rraim_fs_pre_unpatch,
		},
	}, { }
};

static struct klp_patch rraim_fs_patch = {
	.mod = THIS_MODULE,
	.objs = rraim_fs_objs,
};

/* ------------------------------------------------------------ checks */

/* Is zswap switched on?  Its parameter is the only public view of it. */
static int rraim_fs_zswap_enabled(void)
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
static long rraim_fs_zswap_pages(void)
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

int rraim_fs_check(void)
{
	int enabled = rraim_fs_zswap_enabled();
	long held = rraim_fs_zswap_pages();

	if (enabled < 0) {
		pr_err("cannot read zswap's state (%d): not attaching\n", enabled);
		return -ENODEV;
	}
	if (enabled) {
		pr_err("zswap is enabled and owns frontswap: boot with zswap.enabled=0 or write N to /sys/module/zswap/parameters/enabled\n");
		return -EBUSY;
	}
	if (held > 0) {
		pr_err("zswap still holds %ld pages: swapoff and swapon the swap areas first\n",
		       held);
		return -EBUSY;
	}
	return 0;
}

int rraim_fs_attach(void)
{
	int ret;

	ret = klp_enable_patch(&rraim_fs_patch);
	if (ret == -EINVAL)
		pr_err("this kernel lacks zswap's frontswap hooks or end_swap_bio_read(): cannot attach\n");
	else if (ret)
		pr_err("cannot enable the frontswap livepatch (%d)\n", ret);
	return ret;
}

/*
 * Module exit, once the livepatch is disabled (no hook runs any more): the
 * spaces of the swap areas still on go; they hold nothing (detach needs
 * every area RRAIM stored into to be off).
 */
void rraim_fs_exit(void)
{
	unsigned int type;

	for (type = 0; type < MAX_SWAPFILES; type++)
		rraim_space_destroy(xchg(&rraim_fs_spaces[type], NULL));
}
