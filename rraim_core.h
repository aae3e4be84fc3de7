/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM core, private: shared by the core (rraim_core.c) and its sysfs and
 * debugfs interface (rraim_sysfs.c).  Front ends include rraim.h only.
 */
#ifndef RRAIM_CORE_H
#define RRAIM_CORE_H

#include <linux/bitfield.h>
#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/swap.h>
#include <linux/xarray.h>

#include "rraim_limits.h"
#include "rraim_proto.h"
#include "rraim_stats.h"

#define RRAIM_CHUNK_PAGES	(RRAIM_CHUNK_SIZE >> PAGE_SHIFT)
#define RRAIM_NO_SERVER		0xff
#define RRAIM_NO_REPLICA	0xff

/* --------------------------------------------------------------- tunables */

/**
 * struct rraim_tunables - knobs (module parameters and sysfs)
 * @enabled: accept new stores
 * @replicas: copies of each new page, 1..RRAIM_MAX_REPLICAS
 * @deadline_ms: bound on a page fault that a failed server may cause
 * @heartbeat_ms: interval of the servers' heartbeat
 * @lost_wait_ms: how long a load waits for an unreachable copy to return
 * @sync_rate: pages per second the background sync copies, 0: no limit
 * @auto_rebuild: re-replicate pages of a lost server onto other servers
 * @rebuild_delay_ms: how long a server may be away before its copies are
 *	rebuilt elsewhere
 */
struct rraim_tunables {
	bool enabled;
	unsigned int replicas;
	unsigned int deadline_ms;
	unsigned int heartbeat_ms;
	unsigned int lost_wait_ms;
	unsigned int sync_rate;
	bool auto_rebuild;
	unsigned int rebuild_delay_ms;
};

extern struct rraim_tunables rraim_tun;
extern char *rraim_servers_param;
extern bool rraim_replicas_param_given;

/* ------------------------------------------------------- data structures */

/**
 * struct rraim_server - a memory server as the core sees it
 * @index: position in rraim_servers[]
 * @name: "ip:port"
 * @addr: parsed @name
 * @peer: the transport's session
 * @ready: the session is up and the core processed it (@up done);
 *	replicas on a server that is not ready are never read or written
 * @have_incarnation: @incarnation is known
 * @incarnation: server process identity at the last connect
 * @down_since: when @ready last became false
 * @nr_chunks: replicas (chunks) the core holds on the server
 * @stats: per-CPU counters
 * @ref: the server's own reference count: one for the core (from add to
 *	the end of remove) and one for its sysfs directory while it exists;
 *	the last rraim_server_put() frees it
 * @kobj: /sys/kernel/rraim/servers/<name>; its release only drops the
 *	directory's reference, it never decides when the server dies
 * @removing: a removal has begun (rraim_servers_mutex): the server is no
 *	longer found by add or remove, its sysfs files are going
 * @session_gen: bumped when the server lost our session (its chunks)
 * @draining: copies are being moved off; no new placements
 * @leaving: a removal is checking whether the server can go: no store
 *	writes a copy there meanwhile, so none can become a page's only copy
 *	between the check and the removal (rraim_servers_mutex)
 * @orphans: chunks held on the server that no replica uses any more (their
 *	replica was rebuilt elsewhere while the server was away); freed when
 *	it is back, by chunk number
 * @sync_total: pages the current (or last) sync pass had to copy here
 * @sync_done: pages copied so far
 * @sync_ns: time the pass has spent on this server
 * @syncing: a pass is copying pages here
 */
struct rraim_server {
	unsigned int index;
	char name[64];
	struct sockaddr_storage addr;
	struct rraim_peer *peer;
	bool ready;
	bool have_incarnation;
	u64 incarnation;
	ktime_t down_since;
	atomic_t nr_chunks;
	struct rraim_server_stats __percpu *stats;
	struct kref ref;
	struct kobject kobj;
	bool removing;
	u8 session_gen;
	bool draining;
	bool leaving;
	struct xarray orphans;
	atomic_long_t sync_total;
	atomic_long_t sync_done;
	atomic64_t sync_ns;
	bool syncing;
};

/* rraim_replica.state */
enum rraim_replica_state {
	RRAIM_REP_NONE,		/* never used (zeroed memory) */
	RRAIM_REP_OK,		/* the chunk holds the copies its valid bits say */
	RRAIM_REP_GONE,		/* the chunk is lost or dropped: ignore valid bits */
};

/**
 * struct rraim_replica - one copy of a mirrored chunk
 * @server: index in rraim_servers[]
 * @state: enum rraim_replica_state
 * @epoch: changes whenever the replica is pointed at another chunk, so a
 *	store that wrote the old one does not mark the new one valid
 * @sgen: the server's session generation when the chunk was granted; a
 *	chunk of an older session is never used (its rkey means nothing)
 * @chunk: the server's number for the chunk
 * @rkey: its remote key
 * @addr: its remote address
 */
struct rraim_replica {
	u8 server;
	u8 state;
	u8 epoch;
	u8 sgen;
	u32 chunk;
	u32 rkey;
	u64 addr;
};

/**
 * struct rraim_mchunk - a mirrored chunk: RRAIM_CHUNK_PAGES positions, the
 * same position in each replica holding a copy of the same page
 * @id: index in rraim_mchunks (nonzero)
 * @lock: guards @nr_rep and @rep (readers copy them out)
 * @nr_rep: replicas
 * @rep: the replicas, each on a distinct server
 * @area: owning swap area, NULL while in the free pool
 * @node: on the area's lists or the free pool (area or pool lock)
 * @full: on the area's full list
 * @nr_used: positions in use (area lock)
 * @hint: where to look for a free position next (area lock)
 * @used: positions in use (area lock)
 * @copying: positions the sync is copying to replica @sync_rep (area lock)
 * @sync_rep: the replica the sync is filling
 * @sync_busy: the sync holds the mchunk: it is not freed (mchunks mutex)
 * @owner_gen: changes whenever the mchunk leaves an area (area lock)
 * @rmap: swap offset stored at each used position (area lock)
 */
struct rraim_mchunk {
	u32 id;
	spinlock_t lock;		/* nr_rep, rep */
	u8 nr_rep;
	struct rraim_replica rep[RRAIM_MAX_REPLICAS];
	struct rraim_area *area;
	struct list_head node;
	bool full;
	u16 nr_used;
	u16 hint;
	DECLARE_BITMAP(used, RRAIM_CHUNK_PAGES);
	DECLARE_BITMAP(copying, RRAIM_CHUNK_PAGES);
	u8 sync_rep;
	bool sync_busy;
	u32 owner_gen;
	u32 *rmap;
};

/**
 * struct rraim_area - the core's view of one swap area
 * @type: swap type
 * @known: the front end told us about the area: stores are accepted
 * @lock: guards position allocation, the lists, slot publication
 * @leaves: slot words, RRAIM_LEAF_SLOTS per leaf page, by offset
 * @cur: mchunk new pages go to
 * @partial: mchunks with free positions
 * @full: mchunks without
 * @empty: mchunks whose last page went: the worker gives them back to the
 *	free pool (or frees them), so that remote memory follows the pages
 * @stored: pages held
 */
struct rraim_area {
	unsigned int type;
	bool known;
	spinlock_t lock;		/* positions, lists, slot publication */
	struct xarray leaves;
	struct rraim_mchunk *cur;
	struct list_head partial;
	struct list_head full;
	struct list_head empty;
	atomic_long_t stored;
};

/*
 * Slot word (one u64 per swap slot, 0 when the core holds nothing):
 * mchunk id, position, valid copies (bit i: replica i), flags, and a
 * generation that changes at every store so that a background copy can
 * tell that the slot was re-stored meanwhile.
 */
#define RRAIM_SLOT_MCHUNK	GENMASK_ULL(23, 0)
#define RRAIM_SLOT_POS		GENMASK_ULL(33, 24)
#define RRAIM_SLOT_VALID	GENMASK_ULL(41, 34)
#define RRAIM_SLOT_LOST		BIT_ULL(42)	/* no copy left: reads fail */
#define RRAIM_SLOT_FAILREAD	BIT_ULL(43)	/* fail the next read only */
#define RRAIM_SLOT_GEN		GENMASK_ULL(63, 46)

static inline u32 rraim_slot_mchunk(u64 w)
{
	return FIELD_GET(RRAIM_SLOT_MCHUNK, w);
}

static inline unsigned int rraim_slot_pos(u64 w)
{
	return FIELD_GET(RRAIM_SLOT_POS, w);
}

static inline unsigned int rraim_slot_valid(u64 w)
{
	return FIELD_GET(RRAIM_SLOT_VALID, w);
}

/* A marker that only fails reads: no mchunk (ids start at 1), no copy. */
static inline bool rraim_slot_is_miss(u64 w)
{
	return w && !rraim_slot_mchunk(w);
}

/* ------------------------------------------------------------- interface */

extern struct rraim_server __rcu *rraim_servers[RRAIM_MAX_SERVERS];
extern struct mutex rraim_servers_mutex;
extern struct srcu_struct rraim_srcu;
extern struct xarray rraim_mchunks;
extern struct mutex rraim_mchunks_mutex;

struct rraim_xfer;
struct rraim_waiter;

u64 *rraim_slot_ptr(struct rraim_area *a, pgoff_t offset, bool create);
struct rraim_server *rraim_server_get(unsigned int index);
bool rraim_server_ready(struct rraim_server *s);
bool rraim_server_live(struct rraim_server *s);
bool rraim_server_has_room(struct rraim_server *s);
bool rraim_rep_usable(const struct rraim_replica *rep, struct rraim_server *s);
void rraim_orphan(struct rraim_server *s, const struct rraim_replica *rep);
bool rraim_free_settled(int ret);
void rraim_rep_release(struct rraim_server *s, const struct rraim_replica *rep,
		       bool defer);
unsigned int rraim_mchunk_reps(struct rraim_mchunk *mc,
			       struct rraim_replica *rep);
unsigned int rraim_mchunk_avail(struct rraim_mchunk *mc);
void rraim_wait_writes(struct rraim_xfer *x, unsigned int n,
		       struct rraim_waiter *w);

int rraim_sync_init(void);
void rraim_sync_exit(void);
void rraim_sync_kick(unsigned long delay);
void rraim_sync_kick_soon(void);
int rraim_server_drain(struct rraim_server *s, bool on);
const char *rraim_server_sync_state(struct rraim_server *s);

int rraim_server_add(const char *name);
void rraim_server_put(struct rraim_server *s);
unsigned int rraim_control_timeout_ms(void);
void rraim_servers_retune(void);
int rraim_server_remove(const char *name);
unsigned int rraim_nr_servers(void);
int rraim_set_replicas(unsigned int replicas);
bool rraim_core_attached(void);
void rraim_core_set_enabled(bool enabled);

/**
 * struct rraim_health - page counts by number of reachable copies
 * @stored: pages held
 * @degraded: pages with fewer reachable copies than @replicas
 * @unavailable: pages with no reachable copy right now
 * @below_target: pages stored with fewer copies than the current target
 */
struct rraim_health {
	unsigned long stored;
	unsigned long degraded;
	unsigned long unavailable;
	unsigned long below_target;
};

void rraim_health(struct rraim_health *h);
unsigned long rraim_server_pages(struct rraim_server *s);
void rraim_stats_reset_all(void);
unsigned long rraim_lost_pages(void);
u64 rraim_slot_map_bytes(void);
int rraim_fault_forget_area(unsigned int type);
extern u32 rraim_fault_store_delay_ms;

int rraim_sysfs_init(void);
void rraim_sysfs_exit(void);
int rraim_sysfs_server_add(struct rraim_server *s);
void rraim_sysfs_server_remove(struct rraim_server *s);

#endif /* RRAIM_CORE_H */
