/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM server registry (rraim_server.c): the memory servers as the core
 * sees them, and the replicas (chunks) it holds on them.  Private to the
 * module: front ends include rraim.h only.
 */
#ifndef RRAIM_SERVER_H
#define RRAIM_SERVER_H

#include <linux/kobject.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "rraim_limits.h"

struct rraim_peer;
struct rraim_server_stats;

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

int rraim_server_read_lock(void);
void rraim_server_read_unlock(int idx);
void rraim_server_sync_readers(void);
void rraim_server_call_after_readers(struct rcu_head *head, rcu_callback_t func);
void rraim_server_readers_barrier(void);
struct rraim_server *rraim_server_get(unsigned int index);

bool rraim_server_ready(struct rraim_server *s);
bool rraim_server_live(struct rraim_server *s);
bool rraim_any_server_ready(void);
bool rraim_server_has_room(struct rraim_server *s);
int rraim_server_ready_gen(void);
long rraim_server_wait_ready(int gen, long timeout);

bool rraim_rep_usable(const struct rraim_replica *rep, struct rraim_server *s);
void rraim_orphan(struct rraim_server *s, const struct rraim_replica *rep);
void rraim_rep_release(struct rraim_server *s, const struct rraim_replica *rep,
		       bool defer);
bool rraim_free_settled(int ret);

int rraim_server_add(const char *addr);
int rraim_servers_add_param(void);
int rraim_server_remove(const char *addr);
void rraim_server_put(struct rraim_server *s);
unsigned int rraim_nr_servers(void);
void rraim_servers_for_each(void (*fn)(struct rraim_server *s, void *arg),
			    void *arg);
const char *rraim_server_state_name(struct rraim_server *s);
void rraim_server_state_info(struct rraim_server *s, u64 *since,
			     char *reason, size_t len);
void rraim_server_pool(struct rraim_server *s, u64 *capacity, u64 *free);
void rraim_servers_retune(void);
void rraim_stats_reset_all(void);

void rraim_servers_close(void);
void rraim_servers_remove_all(void);
void rraim_servers_exit(void);

#endif /* RRAIM_SERVER_H */
