// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM control interface: /sys/kernel/rraim and the latency histograms in
 * debugfs; the knobs' parsing and module parameters are rraim_knobs.c's.
 * Every sysfs file holds one value; writes are parsed strictly and
 * rejected with -EINVAL (and no change) otherwise.
 * Documentation/ABI/testing/sysfs-kernel-rraim describes every file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "rraim.h"
#include "rraim_core.h"
#include "rraim_crypt.h"
#include "rraim_rdma.h"

/* ---------------------------------------------------------------- helpers */

static struct kobject *rraim_kobj;
static struct kobject *rraim_servers_kobj;
static struct dentry *rraim_debugfs;

/* Copy a sysfs write without its trailing newline; reject embedded ones. */
static int rraim_strip(const char *buf, size_t count, char *out, size_t len)
{
	if (count && buf[count - 1] == '\n')
		count--;
	if (!count || count >= len || memchr(buf, '\n', count) ||
	    memchr(buf, '\0', count))
		return -EINVAL;
	memcpy(out, buf, count);
	out[count] = '\0';
	return 0;
}

/* -------------------------------------------------------- top-level files */

/* A knob's file: its parsing, range and effect are the knob table's. */
struct rraim_knob_attr {
	struct kobj_attribute attr;
	enum rraim_knob k;
};

static ssize_t rraim_knob_attr_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	return rraim_knob_show(container_of(attr, struct rraim_knob_attr,
					    attr)->k, buf);
}

static ssize_t rraim_knob_attr_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	int ret = rraim_knob_store(container_of(attr, struct rraim_knob_attr,
						attr)->k, buf);

	return ret ? ret : count;
}

#define RRAIM_KNOB_ATTR(_name, _k)					\
	static struct rraim_knob_attr rraim_knob_attr_##_name = {	\
		.attr = __ATTR(_name, 0644, rraim_knob_attr_show,	\
			       rraim_knob_attr_store),			\
		.k = _k,						\
	}

RRAIM_KNOB_ATTR(enabled, RRAIM_KNOB_ENABLED);
RRAIM_KNOB_ATTR(replicas, RRAIM_KNOB_REPLICAS);
RRAIM_KNOB_ATTR(deadline_ms, RRAIM_KNOB_DEADLINE_MS);
RRAIM_KNOB_ATTR(heartbeat_ms, RRAIM_KNOB_HEARTBEAT_MS);
RRAIM_KNOB_ATTR(lost_wait_ms, RRAIM_KNOB_LOST_WAIT_MS);
RRAIM_KNOB_ATTR(sync_rate, RRAIM_KNOB_SYNC_RATE);
RRAIM_KNOB_ATTR(auto_rebuild, RRAIM_KNOB_AUTO_REBUILD);
RRAIM_KNOB_ATTR(rebuild_delay_ms, RRAIM_KNOB_REBUILD_DELAY_MS);
RRAIM_KNOB_ATTR(checksum, RRAIM_KNOB_CHECKSUM);

static ssize_t add_server_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	char addr[64];
	int ret;

	ret = rraim_strip(buf, count, addr, sizeof(addr));
	if (ret)
		return ret;
	ret = rraim_server_add(addr);
	return ret ? ret : count;
}

static ssize_t remove_server_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	char addr[64];
	int ret;

	ret = rraim_strip(buf, count, addr, sizeof(addr));
	if (ret)
		return ret;
	ret = rraim_server_remove(addr);
	return ret ? ret : count;
}

static ssize_t attached_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", rraim_core_attached());
}

/* "off", or "on ALG DRIVER": never the key */
static ssize_t encryption_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return rraim_crypt_describe(buf);
}

static struct kobj_attribute attached_attr = __ATTR_RO(attached);
static struct kobj_attribute encryption_attr = __ATTR_RO(encryption);
static struct kobj_attribute add_server_attr = __ATTR_WO(add_server);
static struct kobj_attribute remove_server_attr = __ATTR_WO(remove_server);

static struct attribute *rraim_attrs[] = {
	&attached_attr.attr,
	&rraim_knob_attr_enabled.attr.attr,
	&rraim_knob_attr_replicas.attr.attr,
	&rraim_knob_attr_deadline_ms.attr.attr,
	&rraim_knob_attr_heartbeat_ms.attr.attr,
	&rraim_knob_attr_lost_wait_ms.attr.attr,
	&rraim_knob_attr_sync_rate.attr.attr,
	&rraim_knob_attr_auto_rebuild.attr.attr,
	&rraim_knob_attr_rebuild_delay_ms.attr.attr,
	&rraim_knob_attr_checksum.attr.attr,
	&encryption_attr.attr,
	&add_server_attr.attr,
	&remove_server_attr.attr,
	NULL,
};

static const struct attribute_group rraim_group = {
	.attrs = rraim_attrs,
};

/* ----------------------------------------------------------- stats/ */

struct rraim_stat_attr {
	struct kobj_attribute attr;
	enum rraim_stat stat;
};

static ssize_t rraim_stat_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct rraim_stat_attr *sa = container_of(attr, struct rraim_stat_attr,
						  attr);

	return sysfs_emit(buf, "%llu\n", rraim_stat_sum(sa->stat));
}

#define RRAIM_STAT_ATTR(_name, _stat)					\
	static struct rraim_stat_attr rraim_stat_attr_##_name = {	\
		.attr = __ATTR(_name, 0444, rraim_stat_show, NULL),	\
		.stat = _stat,						\
	}

RRAIM_STAT_ATTR(stores, RRAIM_STAT_STORES);
RRAIM_STAT_ATTR(stores_degraded, RRAIM_STAT_STORES_DEGRADED);
RRAIM_STAT_ATTR(stores_large, RRAIM_STAT_STORES_LARGE);
RRAIM_STAT_ATTR(loads, RRAIM_STAT_LOADS);
RRAIM_STAT_ATTR(load_failovers, RRAIM_STAT_LOAD_FAILOVERS);
RRAIM_STAT_ATTR(load_waits, RRAIM_STAT_LOAD_WAITS);
RRAIM_STAT_ATTR(load_lost, RRAIM_STAT_LOAD_LOST);
RRAIM_STAT_ATTR(load_misses, RRAIM_STAT_LOAD_MISSES);
RRAIM_STAT_ATTR(invalidates, RRAIM_STAT_INVALIDATES);
RRAIM_STAT_ATTR(reject_disabled, RRAIM_STAT_REJECT_DISABLED);
RRAIM_STAT_ATTR(reject_detached, RRAIM_STAT_REJECT_DETACHED);
RRAIM_STAT_ATTR(reject_thp, RRAIM_STAT_REJECT_THP);
RRAIM_STAT_ATTR(reject_area, RRAIM_STAT_REJECT_AREA);
RRAIM_STAT_ATTR(reject_alloc, RRAIM_STAT_REJECT_ALLOC);
RRAIM_STAT_ATTR(reject_no_server, RRAIM_STAT_REJECT_NO_SERVER);
RRAIM_STAT_ATTR(reject_no_space, RRAIM_STAT_REJECT_NO_SPACE);
RRAIM_STAT_ATTR(reject_transport, RRAIM_STAT_REJECT_TRANSPORT);
RRAIM_STAT_ATTR(reject_degraded, RRAIM_STAT_REJECT_DEGRADED);
RRAIM_STAT_ATTR(write_bytes, RRAIM_STAT_WRITE_BYTES);
RRAIM_STAT_ATTR(read_bytes, RRAIM_STAT_READ_BYTES);
RRAIM_STAT_ATTR(sync_copies, RRAIM_STAT_SYNC_COPIES);
RRAIM_STAT_ATTR(corrupt, RRAIM_STAT_CORRUPT);
RRAIM_STAT_ATTR(crypt_errors, RRAIM_STAT_CRYPT_ERRORS);

enum rraim_health_field {
	RRAIM_H_DEGRADED,
	RRAIM_H_UNAVAILABLE,
	RRAIM_H_BELOW_TARGET,
};

struct rraim_health_attr {
	struct kobj_attribute attr;
	enum rraim_health_field field;
};

static ssize_t rraim_health_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct rraim_health_attr *ha = container_of(attr,
						    struct rraim_health_attr,
						    attr);
	struct rraim_health h;
	unsigned long v;

	rraim_health(&h);
	switch (ha->field) {
	case RRAIM_H_DEGRADED:
		v = h.degraded;
		break;
	case RRAIM_H_UNAVAILABLE:
		v = h.unavailable;
		break;
	default:
		v = h.below_target;
		break;
	}
	return sysfs_emit(buf, "%lu\n", v);
}

/*
 * The health counts walk every stored page under rraim_mchunks_mutex,
 * which the sync and a server's return need too: root only, so that no
 * user can stall them by reading in a loop.
 */
#define RRAIM_HEALTH_ATTR(_name, _field)				\
	static struct rraim_health_attr rraim_health_attr_##_name = {	\
		.attr = __ATTR(_name, 0400, rraim_health_show, NULL),	\
		.field = _field,					\
	}

RRAIM_HEALTH_ATTR(degraded_pages, RRAIM_H_DEGRADED);
RRAIM_HEALTH_ATTR(unavailable_pages, RRAIM_H_UNAVAILABLE);
RRAIM_HEALTH_ATTR(below_target_pages, RRAIM_H_BELOW_TARGET);

static ssize_t stored_pages_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", rraim_core_stored_pages());
}

static ssize_t spaces_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", rraim_core_spaces());
}

static ssize_t lost_pages_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", rraim_lost_pages());
}

static ssize_t slot_map_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", rraim_slot_map_bytes());
}

static void rraim_add_chunks(struct rraim_server *s, void *arg)
{
	*(unsigned long *)arg += atomic_read(&s->nr_chunks);
}

static ssize_t remote_bytes_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	unsigned long chunks = 0;

	rraim_servers_for_each(rraim_add_chunks, &chunks);
	return sysfs_emit(buf, "%llu\n", (u64)chunks * RRAIM_CHUNK_SIZE);
}

static void rraim_fold_global(struct rraim_hist *store, struct rraim_hist *load)
{
	rraim_lat_fold(RRAIM_LAT_STORE, store);
	rraim_lat_fold(RRAIM_LAT_LOAD, load);
}

enum rraim_lat_field {
	RRAIM_LAT_P50,
	RRAIM_LAT_P99,
	RRAIM_LAT_MAX,
};

static u64 rraim_lat_value(const struct rraim_hist *h, enum rraim_lat_field f)
{
	switch (f) {
	case RRAIM_LAT_P50:
		return rraim_hist_percentile(h, 500);
	case RRAIM_LAT_P99:
		return rraim_hist_percentile(h, 990);
	default:
		return h->max_us;
	}
}

struct rraim_lat_attr {
	struct kobj_attribute attr;
	bool load;
	enum rraim_lat_field field;
};

static ssize_t rraim_lat_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	struct rraim_lat_attr *la = container_of(attr, struct rraim_lat_attr,
						 attr);
	struct rraim_hist *store, *load;
	ssize_t ret;

	store = kmalloc(2 * sizeof(*store), GFP_KERNEL);
	if (!store)
		return -ENOMEM;
	load = store + 1;
	rraim_fold_global(store, load);
	ret = sysfs_emit(buf, "%llu\n",
			 rraim_lat_value(la->load ? load : store, la->field));
	kfree(store);
	return ret;
}

#define RRAIM_LAT_ATTR(_name, _load, _field)				\
	static struct rraim_lat_attr rraim_lat_attr_##_name = {		\
		.attr = __ATTR(_name, 0444, rraim_lat_show, NULL),	\
		.load = _load,						\
		.field = _field,					\
	}

RRAIM_LAT_ATTR(store_p50_us, false, RRAIM_LAT_P50);
RRAIM_LAT_ATTR(store_p99_us, false, RRAIM_LAT_P99);
RRAIM_LAT_ATTR(store_max_us, false, RRAIM_LAT_MAX);
RRAIM_LAT_ATTR(load_p50_us, true, RRAIM_LAT_P50);
RRAIM_LAT_ATTR(load_p99_us, true, RRAIM_LAT_P99);
RRAIM_LAT_ATTR(load_max_us, true, RRAIM_LAT_MAX);

static ssize_t reset_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	unsigned int v;

	if (rraim_parse_uint(buf, 1, 1, &v))
		return -EINVAL;
	rraim_stats_reset_all();
	return count;
}

static struct kobj_attribute stored_pages_attr = __ATTR_RO(stored_pages);
static struct kobj_attribute spaces_attr = __ATTR_RO(spaces);
static struct kobj_attribute lost_pages_attr = __ATTR_RO(lost_pages);
static struct kobj_attribute remote_bytes_attr = __ATTR_RO(remote_bytes);
static struct kobj_attribute slot_map_bytes_attr = __ATTR_RO(slot_map_bytes);
static struct kobj_attribute reset_attr = __ATTR_WO(reset);

static struct attribute *rraim_stats_attrs[] = {
	&stored_pages_attr.attr,
	&spaces_attr.attr,
	&lost_pages_attr.attr,
	&remote_bytes_attr.attr,
	&slot_map_bytes_attr.attr,
	&reset_attr.attr,
	&rraim_stat_attr_stores.attr.attr,
	&rraim_stat_attr_stores_degraded.attr.attr,
	&rraim_stat_attr_stores_large.attr.attr,
	&rraim_stat_attr_loads.attr.attr,
	&rraim_stat_attr_load_failovers.attr.attr,
	&rraim_stat_attr_load_waits.attr.attr,
	&rraim_stat_attr_load_lost.attr.attr,
	&rraim_stat_attr_load_misses.attr.attr,
	&rraim_stat_attr_invalidates.attr.attr,
	&rraim_stat_attr_reject_disabled.attr.attr,
	&rraim_stat_attr_reject_detached.attr.attr,
	&rraim_stat_attr_reject_thp.attr.attr,
	&rraim_stat_attr_reject_area.attr.attr,
	&rraim_stat_attr_reject_alloc.attr.attr,
	&rraim_stat_attr_reject_no_server.attr.attr,
	&rraim_stat_attr_reject_no_space.attr.attr,
	&rraim_stat_attr_reject_transport.attr.attr,
	&rraim_stat_attr_reject_degraded.attr.attr,
	&rraim_stat_attr_write_bytes.attr.attr,
	&rraim_stat_attr_read_bytes.attr.attr,
	&rraim_stat_attr_sync_copies.attr.attr,
	&rraim_stat_attr_corrupt.attr.attr,
	&rraim_stat_attr_crypt_errors.attr.attr,
	&rraim_health_attr_degraded_pages.attr.attr,
	&rraim_health_attr_unavailable_pages.attr.attr,
	&rraim_health_attr_below_target_pages.attr.attr,
	&rraim_lat_attr_store_p50_us.attr.attr,
	&rraim_lat_attr_store_p99_us.attr.attr,
	&rraim_lat_attr_store_max_us.attr.attr,
	&rraim_lat_attr_load_p50_us.attr.attr,
	&rraim_lat_attr_load_p99_us.attr.attr,
	&rraim_lat_attr_load_max_us.attr.attr,
	NULL,
};

static const struct attribute_group rraim_stats_group = {
	.name = "stats",
	.attrs = rraim_stats_attrs,
};

/* ------------------------------------------------------- servers/<name>/ */

static struct rraim_server *rraim_kobj_server(struct kobject *kobj)
{
	return container_of(kobj, struct rraim_server, kobj);
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct rraim_server *s = rraim_kobj_server(kobj);

	return sysfs_emit(buf, "%s\n",
			  rraim_server_state_name(s));
}

static ssize_t state_reason_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct rraim_server *s = rraim_kobj_server(kobj);
	char reason[48];
	u64 since;

	rraim_server_state_info(s, &since, reason, sizeof(reason));
	return sysfs_emit(buf, "%s\n", reason);
}

static ssize_t state_age_ms_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct rraim_server *s = rraim_kobj_server(kobj);
	char reason[48];
	u64 since;

	rraim_server_state_info(s, &since, reason, sizeof(reason));
	return sysfs_emit(buf, "%llu\n",
			  div_u64(ktime_get_ns() - since, NSEC_PER_MSEC));
}

static ssize_t address_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", rraim_kobj_server(kobj)->name);
}

static ssize_t incarnation_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct rraim_server *s = rraim_kobj_server(kobj);

	return sysfs_emit(buf, "%#llx\n", READ_ONCE(s->incarnation));
}

static ssize_t chunks_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&rraim_kobj_server(kobj)->nr_chunks));
}

static ssize_t pages_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%lu\n",
			  rraim_server_pages(rraim_kobj_server(kobj)));
}

static ssize_t capacity_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	u64 capacity, free;

	rraim_server_pool(rraim_kobj_server(kobj), &capacity, &free);
	return sysfs_emit(buf, "%llu\n", capacity);
}

static ssize_t free_bytes_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	u64 capacity, free;

	rraim_server_pool(rraim_kobj_server(kobj), &capacity, &free);
	return sysfs_emit(buf, "%llu\n", free);
}

static ssize_t sync_state_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  rraim_server_sync_state(rraim_kobj_server(kobj)));
}

static ssize_t sync_total_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&rraim_kobj_server(kobj)->sync_total));
}

static ssize_t sync_done_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&rraim_kobj_server(kobj)->sync_done));
}

/* Pages per second the sync copied here, over the time it spent copying. */
static ssize_t sync_pps_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	struct rraim_server *s = rraim_kobj_server(kobj);
	u64 ns = atomic64_read(&s->sync_ns);
	u64 done = atomic_long_read(&s->sync_done);

	return sysfs_emit(buf, "%llu\n",
			  ns ? div64_u64(done * NSEC_PER_SEC, ns) : 0);
}

/* Time the sync spent copying to this server, in ns per page. */
static ssize_t sync_ns_per_page_show(struct kobject *kobj,
				     struct kobj_attribute *attr, char *buf)
{
	struct rraim_server *s = rraim_kobj_server(kobj);
	u64 done = atomic_long_read(&s->sync_done);

	return sysfs_emit(buf, "%llu\n",
			  done ? div64_u64(atomic64_read(&s->sync_ns), done) : 0);
}

static ssize_t drain_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	unsigned int v;
	int ret;

	if (rraim_parse_uint(buf, 0, 1, &v))
		return -EINVAL;
	ret = rraim_server_drain(rraim_kobj_server(kobj), v);
	return ret ? ret : count;
}

struct rraim_sstat_attr {
	struct kobj_attribute attr;
	enum rraim_server_stat stat;
};

static ssize_t rraim_sstat_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct rraim_sstat_attr *sa = container_of(attr,
						   struct rraim_sstat_attr,
						   attr);

	return sysfs_emit(buf, "%llu\n",
			  rraim_sstat_sum(rraim_kobj_server(kobj)->stats,
					  sa->stat));
}

#define RRAIM_SSTAT_ATTR(_name, _stat)					\
	static struct rraim_sstat_attr rraim_sstat_attr_##_name = {	\
		.attr = __ATTR(_name, 0444, rraim_sstat_show, NULL),	\
		.stat = _stat,						\
	}

RRAIM_SSTAT_ATTR(writes, RRAIM_SSTAT_WRITES);
RRAIM_SSTAT_ATTR(reads, RRAIM_SSTAT_READS);
RRAIM_SSTAT_ATTR(errors, RRAIM_SSTAT_ERRORS);
RRAIM_SSTAT_ATTR(timeouts, RRAIM_SSTAT_TIMEOUTS);
RRAIM_SSTAT_ATTR(corrupt, RRAIM_SSTAT_CORRUPT);

static void rraim_fold_server(struct rraim_server *s, struct rraim_hist *write,
			      struct rraim_hist *read)
{
	rraim_slat_fold(s->stats, RRAIM_SLAT_WRITE, write);
	rraim_slat_fold(s->stats, RRAIM_SLAT_READ, read);
}

struct rraim_slat_attr {
	struct kobj_attribute attr;
	bool read;
	enum rraim_lat_field field;
};

static ssize_t rraim_slat_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	struct rraim_slat_attr *la = container_of(attr, struct rraim_slat_attr,
						  attr);
	struct rraim_hist *write, *read;
	ssize_t ret;

	write = kmalloc(2 * sizeof(*write), GFP_KERNEL);
	if (!write)
		return -ENOMEM;
	read = write + 1;
	rraim_fold_server(rraim_kobj_server(kobj), write, read);
	ret = sysfs_emit(buf, "%llu\n",
			 rraim_lat_value(la->read ? read : write, la->field));
	kfree(write);
	return ret;
}

#define RRAIM_SLAT_ATTR(_name, _read, _field)				\
	static struct rraim_slat_attr rraim_slat_attr_##_name = {	\
		.attr = __ATTR(_name, 0444, rraim_slat_show, NULL),	\
		.read = _read,						\
		.field = _field,					\
	}

RRAIM_SLAT_ATTR(write_p50_us, false, RRAIM_LAT_P50);
RRAIM_SLAT_ATTR(write_p99_us, false, RRAIM_LAT_P99);
RRAIM_SLAT_ATTR(read_p50_us, true, RRAIM_LAT_P50);
RRAIM_SLAT_ATTR(read_p99_us, true, RRAIM_LAT_P99);
RRAIM_SLAT_ATTR(read_max_us, true, RRAIM_LAT_MAX);

static struct kobj_attribute state_attr = __ATTR_RO(state);
static struct kobj_attribute state_reason_attr = __ATTR_RO(state_reason);
static struct kobj_attribute state_age_ms_attr = __ATTR_RO(state_age_ms);
static struct kobj_attribute address_attr = __ATTR_RO(address);
static struct kobj_attribute incarnation_attr = __ATTR_RO(incarnation);
static struct kobj_attribute chunks_attr = __ATTR_RO(chunks);
/* walks the server's pages under rraim_mchunks_mutex: root only */
static struct kobj_attribute pages_attr = __ATTR(pages, 0400, pages_show, NULL);
static struct kobj_attribute capacity_bytes_attr = __ATTR_RO(capacity_bytes);
static struct kobj_attribute free_bytes_attr = __ATTR_RO(free_bytes);
static struct kobj_attribute sync_state_attr = __ATTR_RO(sync_state);
static struct kobj_attribute sync_total_attr = __ATTR_RO(sync_total);
static struct kobj_attribute sync_done_attr = __ATTR_RO(sync_done);
static struct kobj_attribute sync_pps_attr = __ATTR_RO(sync_pps);
static struct kobj_attribute sync_ns_per_page_attr = __ATTR_RO(sync_ns_per_page);
static struct kobj_attribute drain_attr = __ATTR_WO(drain);

static struct attribute *rraim_server_attrs[] = {
	&address_attr.attr,
	&state_attr.attr,
	&state_reason_attr.attr,
	&state_age_ms_attr.attr,
	&incarnation_attr.attr,
	&chunks_attr.attr,
	&pages_attr.attr,
	&capacity_bytes_attr.attr,
	&free_bytes_attr.attr,
	&sync_state_attr.attr,
	&sync_total_attr.attr,
	&sync_done_attr.attr,
	&sync_pps_attr.attr,
	&sync_ns_per_page_attr.attr,
	&drain_attr.attr,
	&rraim_sstat_attr_writes.attr.attr,
	&rraim_sstat_attr_reads.attr.attr,
	&rraim_sstat_attr_errors.attr.attr,
	&rraim_sstat_attr_timeouts.attr.attr,
	&rraim_sstat_attr_corrupt.attr.attr,
	&rraim_slat_attr_write_p50_us.attr.attr,
	&rraim_slat_attr_write_p99_us.attr.attr,
	&rraim_slat_attr_read_p50_us.attr.attr,
	&rraim_slat_attr_read_p99_us.attr.attr,
	&rraim_slat_attr_read_max_us.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(rraim_server);

/* The directory is gone and no reader is left: drop its reference. */
static void rraim_server_kobj_release(struct kobject *kobj)
{
	rraim_server_put(rraim_kobj_server(kobj));
}

static const struct kobj_type rraim_server_ktype = {
	.release = rraim_server_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = rraim_server_groups,
};

/**
 * rraim_sysfs_server_add - create /sys/kernel/rraim/servers/<name>
 * @s: the server, complete (its peer exists) and published
 *
 * The directory holds a reference to @s until its kobject is released.
 * Return: 0 or a negative errno; on failure @s is as it was.
 */
int rraim_sysfs_server_add(struct rraim_server *s)
{
	int ret;

	kobject_init(&s->kobj, &rraim_server_ktype);
	kref_get(&s->ref);
	ret = kobject_add(&s->kobj, rraim_servers_kobj, "%s", s->name);
	if (ret)
		kobject_put(&s->kobj);	/* drops the reference just taken */
	return ret;
}

/**
 * rraim_sysfs_server_remove - remove the directory of a server
 * @s: the server, still complete
 *
 * Returns once no show or store of the server's files runs any more; the
 * directory's reference goes with its kobject.
 */
void rraim_sysfs_server_remove(struct rraim_server *s)
{
	kobject_del(&s->kobj);
	kobject_put(&s->kobj);
}

/* ------------------------------------------------------------- debugfs */

static void rraim_hist_print(struct seq_file *m, const char *name,
			     const struct rraim_hist *h)
{
	unsigned int i;

	seq_printf(m, "%s p50_us %llu p99_us %llu max_us %llu buckets", name,
		   rraim_hist_percentile(h, 500), rraim_hist_percentile(h, 990),
		   h->max_us);
	for (i = 0; i < RRAIM_HIST_BUCKETS; i++)
		if (h->bucket[i])
			seq_printf(m, " %llu:%llu", rraim_hist_bucket_floor(i),
				   h->bucket[i]);
	seq_putc(m, '\n');
}

/*
 * /sys/kernel/debug/rraim/latency: one line per histogram,
 * "NAME p50_us P p99_us P max_us M buckets FLOOR_US:COUNT ...".
 */
/* Two histograms to fold into, and the file being written. */
struct rraim_latency_print {
	struct seq_file *m;
	struct rraim_hist a, b;
	char name[96];
};

static void rraim_latency_print_server(struct rraim_server *s, void *arg)
{
	struct rraim_latency_print *lp = arg;

	rraim_fold_server(s, &lp->a, &lp->b);
	snprintf(lp->name, sizeof(lp->name), "write@%s", s->name);
	rraim_hist_print(lp->m, lp->name, &lp->a);
	snprintf(lp->name, sizeof(lp->name), "read@%s", s->name);
	rraim_hist_print(lp->m, lp->name, &lp->b);
}

static int rraim_latency_show(struct seq_file *m, void *v)
{
	struct rraim_latency_print *lp;

	lp = kmalloc(sizeof(*lp), GFP_KERNEL);
	if (!lp)
		return -ENOMEM;
	lp->m = m;
	rraim_fold_global(&lp->a, &lp->b);
	rraim_hist_print(m, "store", &lp->a);
	rraim_hist_print(m, "load", &lp->b);
	rraim_servers_for_each(rraim_latency_print_server, lp);
	kfree(lp);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rraim_latency);

/*
 * /sys/kernel/debug/rraim/fault_forget_space: write a space's name (e.g.
 * "swap0") and the core forgets every page of that space while the front
 * end still believes they are held (tests of the load-miss path; root
 * only, like all of debugfs).
 */
static ssize_t rraim_forget_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char name[32];
	int ret;

	if (!count || count >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, count))
		return -EFAULT;
	name[count] = '\0';
	ret = rraim_fault_forget_space(strim(name));
	return ret ? ret : count;
}

/*
 * The numeric test hooks: /sys/kernel/debug/rraim/<name> reads the hook's
 * getter and writes its setter, refusing values above @max.
 */
#define RRAIM_FAULT_HOOK(name, getter, setter, max)			\
static int rraim_##name##_get(void *data, u64 *val)			\
{									\
	*val = getter();						\
	return 0;							\
}									\
static int rraim_##name##_set(void *data, u64 val)			\
{									\
	if (val > (max))						\
		return -EINVAL;						\
	setter(val);							\
	return 0;							\
}									\
DEFINE_DEBUGFS_ATTRIBUTE(rraim_##name##_fops, rraim_##name##_get,	\
			 rraim_##name##_set, "%llu\n")

/* a pause in ms between a store's writes and its publication (0: none) */
RRAIM_FAULT_HOOK(store_delay, rraim_fault_store_delay,
		 rraim_fault_set_store_delay, 60000);
/*
 * a pause in ms in the handler of a resolved address, once it has its CQ
 * (tests of a connect that times out under it; 0: none)
 */
RRAIM_FAULT_HOOK(resolve_delay, rraim_fault_resolve_delay,
		 rraim_fault_set_resolve_delay, 60000);
/*
 * for this many ms, every FREE is refused unsent, as while a READ
 * abandoned on its server is in flight (tests of the orphans' retry;
 * reads the ms left; 0: none)
 */
RRAIM_FAULT_HOOK(free_busy, rraim_fault_free_busy,
		 rraim_fault_set_free_busy, 60000);
/*
 * the next this many ALLOCs are given up as timed out as soon as they are
 * sent, so that their grants come late (tests of the late grants' FREEs;
 * reads how many are left)
 */
RRAIM_FAULT_HOOK(alloc_late, rraim_fault_alloc_late_left,
		 rraim_fault_set_alloc_late, 64);
/*
 * the cipher fails on the next this many pages, as a crypto driver may
 * (tests that such a local failure is not blamed on a server or a copy;
 * reads how many are left)
 */
RRAIM_FAULT_HOOK(crypt_errors, rraim_fault_crypt_errors_left,
		 rraim_fault_set_crypt_errors, 1000000);

static const struct {
	const char *name;
	const struct file_operations *fops;
} rraim_fault_hooks[] = {
	{ "fault_store_delay_ms", &rraim_store_delay_fops },
	{ "fault_resolve_delay_ms", &rraim_resolve_delay_fops },
	{ "fault_free_busy_ms", &rraim_free_busy_fops },
	{ "fault_alloc_late", &rraim_alloc_late_fops },
	{ "fault_crypt_errors", &rraim_crypt_errors_fops },
};

static const struct file_operations rraim_forget_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = rraim_forget_write,
	.llseek = noop_llseek,
};

/* ---------------------------------------------------------- init, exit */

int rraim_sysfs_init(void)
{
	struct kernfs_node *kn;
	unsigned int i;
	int ret;

	/* rraim.ko and rraim_blk.ko both own it: one of them at a time */
	kn = kernfs_find_and_get(kernel_kobj->sd, "rraim");
	if (kn) {
		kernfs_put(kn);
		pr_err("another RRAIM module is loaded (/sys/kernel/rraim exists): load rraim or rraim_blk, not both\n");
		return -EBUSY;
	}
	rraim_kobj = kobject_create_and_add("rraim", kernel_kobj);
	if (!rraim_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(rraim_kobj, &rraim_group);
	if (ret)
		goto out_put;
	ret = sysfs_create_group(rraim_kobj, &rraim_stats_group);
	if (ret)
		goto out_remove_group;
	rraim_servers_kobj = kobject_create_and_add("servers", rraim_kobj);
	if (!rraim_servers_kobj) {
		ret = -ENOMEM;
		goto out_remove_stats;
	}
	rraim_debugfs = debugfs_create_dir("rraim", NULL);
	debugfs_create_file("latency", 0444, rraim_debugfs, NULL,
			    &rraim_latency_fops);
	debugfs_create_file("fault_forget_space", 0200, rraim_debugfs, NULL,
			    &rraim_forget_fops);
	for (i = 0; i < ARRAY_SIZE(rraim_fault_hooks); i++)
		debugfs_create_file_unsafe(rraim_fault_hooks[i].name, 0600,
					   rraim_debugfs, NULL,
					   rraim_fault_hooks[i].fops);
	return 0;

out_remove_stats:
	sysfs_remove_group(rraim_kobj, &rraim_stats_group);
out_remove_group:
	sysfs_remove_group(rraim_kobj, &rraim_group);
out_put:
	kobject_put(rraim_kobj);
	return ret;
}

void rraim_sysfs_exit(void)
{
	debugfs_remove_recursive(rraim_debugfs);
	kobject_put(rraim_servers_kobj);
	sysfs_remove_group(rraim_kobj, &rraim_stats_group);
	sysfs_remove_group(rraim_kobj, &rraim_group);
	kobject_put(rraim_kobj);
}
