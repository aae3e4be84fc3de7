// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM server registry: the table of memory servers, adding and removing
 * them, their state as the core sees it (ready, session generation), and
 * the chunks each holds that no replica uses any more.
 *
 * A server has one owner, its reference count.  Add builds it completely
 * (its peer included), publishes it in the table, then adds its sysfs
 * files; remove deletes the sysfs files first (waiting for readers),
 * unpublishes it, waits for SRCU readers of the table, ends the session
 * and drops the core's reference.
 *
 * Locking: rraim_servers_mutex serialises adding and removing servers and
 * walks of the table that sleep; lookups from the data path and the sync
 * run under rraim_srcu (rraim_server_read_lock()), which removal waits for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "rraim.h"
#include "rraim_addr.h"
#include "rraim_core.h"
#include "rraim_rdma.h"
#include "rraim_stats.h"

/* How a page is spread over the data connections of a server. */
#define RRAIM_DEPTH		64

static struct rraim_server __rcu *rraim_servers[RRAIM_MAX_SERVERS];
static DEFINE_MUTEX(rraim_servers_mutex);	/* adding and removing servers */
/* First session generation of the next server at each index. */
static u8 rraim_index_gen[RRAIM_MAX_SERVERS];	/* rraim_servers_mutex */
static bool rraim_closing;	/* module exit: no new servers (same lock) */
DEFINE_STATIC_SRCU(rraim_srcu);

/* Loads waiting for a server to come back sleep here. */
static DECLARE_WAIT_QUEUE_HEAD(rraim_ready_wq);
static atomic_t rraim_ready_gen = ATOMIC_INIT(0);

/* ------------------------------------------------------------- lookups */

/**
 * rraim_server_read_lock - enter a read-side section of the server table
 *
 * Servers found by rraim_server_get() stay (peer included) until
 * rraim_server_read_unlock().  May sleep inside.  Return: the SRCU index.
 */
int rraim_server_read_lock(void)
	__acquires(rraim_srcu)
{
	return srcu_read_lock(&rraim_srcu);
}

void rraim_server_read_unlock(int idx)
	__releases(rraim_srcu)
{
	srcu_read_unlock(&rraim_srcu, idx);
}

/* Wait until every read-side section that began before has ended. */
void rraim_server_sync_readers(void)
{
	synchronize_srcu(&rraim_srcu);
}

/**
 * rraim_server_call_after_readers - run @func once every reader that may
 *	see what was just unpublished has left
 * @head: in the object to free
 * @func: frees it (softirq context)
 *
 * call_srcu() on the server table's SRCU; rraim_server_readers_barrier()
 * waits for every such callback.
 */
void rraim_server_call_after_readers(struct rcu_head *head, rcu_callback_t func)
{
	call_srcu(&rraim_srcu, head, func);
}

void rraim_server_readers_barrier(void)
{
	srcu_barrier(&rraim_srcu);
}

struct rraim_server *rraim_server_get(unsigned int index)
{
	if (index >= RRAIM_MAX_SERVERS)
		return NULL;
	return srcu_dereference_check(rraim_servers[index], &rraim_srcu,
				      lockdep_is_held(&rraim_servers_mutex));
}

bool rraim_server_ready(struct rraim_server *s)
{
	return s && READ_ONCE(s->ready);
}

bool rraim_server_live(struct rraim_server *s)
{
	return rraim_server_ready(s) &&
	       rraim_peer_state(s->peer) == RRAIM_PEER_LIVE;
}

/* Is any server usable?  Takes its own SRCU read lock. */
bool rraim_any_server_ready(void)
{
	bool ready = false;
	unsigned int i;
	int idx;

	idx = srcu_read_lock(&rraim_srcu);
	for (i = 0; i < RRAIM_MAX_SERVERS && !ready; i++)
		ready = rraim_server_ready(rraim_server_get(i));
	srcu_read_unlock(&rraim_srcu, idx);
	return ready;
}

/* Live, not draining, and with room for another chunk when it last said. */
bool rraim_server_has_room(struct rraim_server *s)
{
	u64 capacity, free;

	if (!rraim_server_live(s) || READ_ONCE(s->draining) ||
	    READ_ONCE(s->leaving))
		return false;
	rraim_peer_pool(s->peer, &capacity, &free);
	return free >= RRAIM_CHUNK_SIZE;
}

/**
 * rraim_rep_usable - can replica @rep (on server @s) be read or written now?
 * @rep: a copy of the replica descriptor
 * @s: its server (NULL when removed)
 */
bool rraim_rep_usable(const struct rraim_replica *rep, struct rraim_server *s)
{
	return rep->state == RRAIM_REP_OK && s && READ_ONCE(s->ready) &&
	       rep->sgen == READ_ONCE(s->session_gen);
}

/**
 * rraim_orphan - remember a chunk of @rep that no replica uses any more
 * @s: the server holding it, away now
 * @rep: the replica that used it
 *
 * Freed when the server is back with the same session (rraim_sync.c).
 */
void rraim_orphan(struct rraim_server *s, const struct rraim_replica *rep)
{
	xa_store(&s->orphans, rep->chunk, xa_mk_value(rep->sgen), GFP_KERNEL);
}

/**
 * rraim_rep_release - give back the chunk of a replica that is no more used
 * @s: the replica's server
 * @rep: a copy of the replica descriptor, already GONE or unreachable
 * @defer: transfers that started before may still use the chunk: keep it
 *	as an orphan, which the sync gives back after an SRCU grace period
 *
 * A chunk of an older session of the server went with that session: it
 * is never given back, since the number may name another chunk now.
 */
void rraim_rep_release(struct rraim_server *s, const struct rraim_replica *rep,
		       bool defer)
{
	atomic_dec(&s->nr_chunks);
	if (rep->sgen != READ_ONCE(s->session_gen))
		return;
	if (!defer && rraim_server_ready(s)) {
		if (rraim_free_settled(rraim_peer_free_chunk(s->peer,
							     rep->chunk)))
			return;
		/* not now: the next sync pass gives it back */
		rraim_orphan(s, rep);
		rraim_sync_kick(HZ);
		return;
	}
	/* away: given back when it returns; deferred: after a grace period */
	rraim_orphan(s, rep);
}

/**
 * rraim_free_settled - is a chunk's FREE over, whatever its result?
 * @ret: what rraim_peer_free_chunk() returned
 *
 * Done, or refused for good (the server holds no such chunk, or rejects
 * the request): no use asking again.  A FREE that was never sent (no
 * connection; the last message not yet taken: -ENOLINK; an abandoned read
 * still in flight: -EAGAIN) or that the server failed (-EIO) leaves the
 * chunk held: keep it as an orphan and retry.  A FREE that timed out
 * (sent, no answer) is settled too: the server may have done it, and may
 * have granted the number again since, to a replica in use; asking again
 * could free that.  If the server did not do it, the chunk stays held
 * until the session ends.
 */
bool rraim_free_settled(int ret)
{
	return ret != -ENOTCONN && ret != -ENOLINK && ret != -EIO &&
	       ret != -EAGAIN;
}

/* ------------------------------------------------------------ servers */

/*
 * The server lost our session (it restarted, kept us away longer than its
 * grace period, or is being removed): every copy it held is gone.  First
 * the generation, so that from now on no chunk of the old session is used,
 * then the replicas.  Return: how many replicas were marked gone.
 */
static unsigned int rraim_server_lost_session(struct rraim_server *s)
{
	unsigned int n;

	WRITE_ONCE(s->session_gen, s->session_gen + 1);
	n = rraim_mchunks_forget_server(s);
	atomic_sub(n, &s->nr_chunks);
	/* chunk numbers of the old session mean nothing any more */
	xa_destroy(&s->orphans);
	return n;
}

static void rraim_ready_changed(void)
{
	atomic_inc(&rraim_ready_gen);
	wake_up_all(&rraim_ready_wq);
}

static void rraim_server_up(struct rraim_peer *peer, void *priv,
			    const struct rraim_peer_info *info)
{
	struct rraim_server *s = priv;
	unsigned int n;

	if (s->have_incarnation &&
	    (info->incarnation != s->incarnation || !info->resumed)) {
		n = rraim_server_lost_session(s);
		if (n)
			pr_warn("server %s: our session there is gone (%s): %u chunks of copies lost\n",
				s->name, info->incarnation != s->incarnation ?
				"server restarted" : "grace period expired", n);
	}
	s->incarnation = info->incarnation;
	s->have_incarnation = true;
	WRITE_ONCE(s->ready, true);
	rraim_ready_changed();
	rraim_pool_server_up();
	/* bring it up to date: the copies it missed, or all of them */
	rraim_sync_kick(0);
}

static void rraim_server_down(struct rraim_peer *peer, void *priv)
{
	struct rraim_server *s = priv;

	WRITE_ONCE(s->down_since, ktime_get());
	WRITE_ONCE(s->ready, false);
	rraim_ready_changed();
	rraim_pool_kick();
	/* if it stays away, its copies are rebuilt elsewhere */
	rraim_sync_kick(msecs_to_jiffies(rraim_knob(RRAIM_KNOB_REBUILD_DELAY_MS)) + HZ / 10);
}

static const struct rraim_peer_ops rraim_server_ops = {
	.up = rraim_server_up,
	.down = rraim_server_down,
};

/* Deadline of a heartbeat or control request: twice the data deadline. */
static unsigned int rraim_control_timeout_ms(void)
{
	return max(2 * rraim_knob(RRAIM_KNOB_DEADLINE_MS), 200U);
}

/* Apply changed heartbeat and deadline knobs to every server. */
void rraim_servers_retune(void)
{
	struct rraim_server *s;
	unsigned int i;

	mutex_lock(&rraim_servers_mutex);
	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rraim_server_get(i);
		if (s)
			rraim_peer_tune(s->peer, rraim_knob(RRAIM_KNOB_HEARTBEAT_MS),
					rraim_control_timeout_ms());
	}
	mutex_unlock(&rraim_servers_mutex);
}

unsigned int rraim_nr_servers(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < RRAIM_MAX_SERVERS; i++)
		if (rcu_access_pointer(rraim_servers[i]))
			n++;
	return n;
}

static void rraim_server_reset_stats(struct rraim_server *s, void *arg)
{
	rraim_server_stats_reset(s->stats);
}

/* Zero the counters and histograms of the module and of every server. */
void rraim_stats_reset_all(void)
{
	rraim_stats_reset();
	rraim_servers_for_each(rraim_server_reset_stats, NULL);
}

static struct rraim_server *rraim_server_find(const char *name)
{
	struct rraim_server *s;
	unsigned int i;

	lockdep_assert_held(&rraim_servers_mutex);
	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rcu_dereference_protected(rraim_servers[i],
					      lockdep_is_held(&rraim_servers_mutex));
		if (s && !strcmp(s->name, name))
			return s;
	}
	return NULL;
}

static void rraim_server_release(struct kref *ref)
{
	struct rraim_server *s = container_of(ref, struct rraim_server, ref);

	xa_destroy(&s->orphans);
	rraim_server_stats_free(s->stats);
	kfree(s);
}

/**
 * rraim_server_put - drop a reference to a server
 * @s: the server; freed with the last reference, by then unpublished and
 *	without a peer
 */
void rraim_server_put(struct rraim_server *s)
{
	kref_put(&s->ref, rraim_server_release);
}

/*
 * Take a server out of the table: its copies are forgotten, and a later
 * server at its index starts past every session generation it used, so
 * no replica of it can ever name the newcomer.
 */
static unsigned int rraim_server_unpublish(struct rraim_server *s)
{
	unsigned int n;

	lockdep_assert_held(&rraim_servers_mutex);
	WRITE_ONCE(s->ready, false);
	n = rraim_server_lost_session(s);
	rraim_index_gen[s->index] = READ_ONCE(s->session_gen) + 1;
	RCU_INIT_POINTER(rraim_servers[s->index], NULL);
	return n;
}

/* Wait for readers of the table, end the session, drop the core's reference. */
static void rraim_server_finish(struct rraim_server *s)
{
	synchronize_srcu(&rraim_srcu);
	rraim_peer_destroy(s->peer, true);
	s->peer = NULL;
	rraim_server_put(s);
}

/*
 * The second half of a removal, once the server is marked removing: its
 * sysfs files first (kobject_del() waits for readers inside a show or a
 * store), then its place in the table, then SRCU readers of the table
 * (stores, loads, the sync), then the session; the reference last.
 */
static unsigned int rraim_server_teardown(struct rraim_server *s)
{
	unsigned int n;

	rraim_sysfs_server_remove(s);
	mutex_lock(&rraim_servers_mutex);
	n = rraim_server_unpublish(s);
	mutex_unlock(&rraim_servers_mutex);
	rraim_server_finish(s);
	return n;
}

/**
 * rraim_server_add - start using a memory server
 * @addr: "a.b.c.d[:port]"
 *
 * Return: 0, -EINVAL for a malformed address, -EEXIST, -ENOSPC when
 * RRAIM_MAX_SERVERS are configured, -ENOMEM.
 */
int rraim_server_add(const char *addr)
{
	struct rraim_peer_config cfg = {};
	struct rraim_server *s;
	unsigned int i;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	kref_init(&s->ref);
	xa_init(&s->orphans);
	ret = rraim_addr_parse(addr, &s->addr, s->name, sizeof(s->name));
	if (ret)
		goto out_put;
	s->stats = rraim_server_stats_alloc();
	if (!s->stats) {
		ret = -ENOMEM;
		goto out_put;
	}
	s->down_since = ktime_get();

	mutex_lock(&rraim_servers_mutex);
	if (rraim_closing) {
		ret = -ESHUTDOWN;
		goto out_unlock;
	}
	if (rraim_server_find(s->name)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	for (i = 0; i < RRAIM_MAX_SERVERS; i++)
		if (!rcu_access_pointer(rraim_servers[i]))
			break;
	if (i == RRAIM_MAX_SERVERS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	s->index = i;
	s->session_gen = rraim_index_gen[i];

	/* build it completely, publish it, and show it in sysfs last */
	cfg.nr_data_conns = clamp(num_online_cpus(), 1U, 4U);
	cfg.depth = RRAIM_DEPTH;
	cfg.heartbeat_ms = rraim_knob(RRAIM_KNOB_HEARTBEAT_MS);
	cfg.timeout_ms = rraim_control_timeout_ms();
	s->peer = rraim_peer_create(s->name, &s->addr, &cfg, &rraim_server_ops,
				    s);
	if (IS_ERR(s->peer)) {
		ret = PTR_ERR(s->peer);
		s->peer = NULL;
		goto out_unlock;
	}
	rcu_assign_pointer(rraim_servers[i], s);
	ret = rraim_sysfs_server_add(s);
	if (ret)
		goto out_unpublish;
	mutex_unlock(&rraim_servers_mutex);
	pr_info("server %s added\n", s->name);
	rraim_sync_kick(0);	/* a newcomer may restore redundancy */
	return 0;

out_unpublish:
	rraim_server_unpublish(s);
	mutex_unlock(&rraim_servers_mutex);
	rraim_server_finish(s);
	return ret;
out_unlock:
	mutex_unlock(&rraim_servers_mutex);
out_put:
	rraim_server_put(s);
	return ret;
}

/**
 * rraim_server_remove - stop using a memory server
 * @addr: as given to rraim_server_add()
 *
 * Refused (-EBUSY) while the server holds the only reachable copy of a
 * page.  The server's copies are forgotten and its session ended.
 */
int rraim_server_remove(const char *addr)
{
	char name[64];
	struct sockaddr_storage ss;
	struct rraim_server *s;
	unsigned int n;
	int ret;

	ret = rraim_addr_parse(addr, &ss, name, sizeof(name));
	if (ret)
		return ret;
	mutex_lock(&rraim_servers_mutex);
	s = rraim_server_find(name);
	if (!s || s->removing || s->leaving) {
		mutex_unlock(&rraim_servers_mutex);
		return -ENOENT;
	}
	/*
	 * A store in flight may still publish a copy on @s that is its
	 * page's only one: stop new copies there, wait for the stores in
	 * flight, and only then look for pages that would lose their last
	 * reachable copy.
	 */
	WRITE_ONCE(s->leaving, true);
	mutex_unlock(&rraim_servers_mutex);
	rraim_stores_wait();

	mutex_lock(&rraim_servers_mutex);
	if (!rraim_server_expendable(s)) {
		WRITE_ONCE(s->leaving, false);
		mutex_unlock(&rraim_servers_mutex);
		pr_warn("server %s holds the only reachable copy of some pages: not removed\n",
			name);
		return -EBUSY;
	}
	WRITE_ONCE(s->removing, true);
	mutex_unlock(&rraim_servers_mutex);

	n = rraim_server_teardown(s);
	pr_info("server %s removed (%u chunks of copies dropped)\n", name, n);
	rraim_pool_kick();
	rraim_sync_kick(0);	/* its pages get their copies back elsewhere */
	return 0;
}

/* ------------------------------------------ what the control interface shows */

/* The session's state, as its sysfs file names it ("live", "dead"...). */
const char *rraim_server_state_name(struct rraim_server *s)
{
	return rraim_peer_state_name(rraim_peer_state(s->peer));
}

/**
 * rraim_server_state_info - why the session is in its state, and since when
 * @s: the server
 * @since: ktime_get_ns() of the last change
 * @reason: filled with the reason
 * @len: size of @reason
 */
void rraim_server_state_info(struct rraim_server *s, u64 *since,
			     char *reason, size_t len)
{
	rraim_peer_state_info(s->peer, since, reason, len);
}

/* The server's pool as it last said: its size and what is free, in bytes. */
void rraim_server_pool(struct rraim_server *s, u64 *capacity, u64 *free)
{
	rraim_peer_pool(s->peer, capacity, free);
}

/* --------------------------------------------------- waiting for servers */

/* Changes whenever a server becomes ready or stops being ready. */
int rraim_server_ready_gen(void)
{
	return atomic_read(&rraim_ready_gen);
}

/**
 * rraim_server_wait_ready - sleep until a server's readiness changes
 * @gen: rraim_server_ready_gen() before the caller found none usable
 * @timeout: in jiffies
 *
 * Return: as wait_event_killable_timeout(): < 0 on a fatal signal.
 */
long rraim_server_wait_ready(int gen, long timeout)
{
	return wait_event_killable_timeout(rraim_ready_wq,
					   atomic_read(&rraim_ready_gen) != gen,
					   timeout);
}

int rraim_core_wait_ready(long timeout)
{
	unsigned long end = jiffies + timeout;
	long left;
	int gen;

	for (;;) {
		gen = rraim_server_ready_gen();
		if (rraim_any_server_ready())
			return 0;
		if (!rraim_nr_servers())
			return -ENODEV;
		left = (long)(end - jiffies);
		if (left <= 0)
			return -ETIMEDOUT;
		if (rraim_server_wait_ready(gen, left) < 0)
			return -EINTR;
	}
}

/* ------------------------------------------------------------- walks */

/**
 * rraim_servers_for_each - call @fn for each server in the table
 * @fn: called with the table's mutex held: may sleep, must not add or
 *	remove servers
 * @arg: passed to @fn
 */
void rraim_servers_for_each(void (*fn)(struct rraim_server *s, void *arg),
			    void *arg)
{
	struct rraim_server *s;
	unsigned int i;

	mutex_lock(&rraim_servers_mutex);
	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		s = rcu_dereference_protected(rraim_servers[i],
					      lockdep_is_held(&rraim_servers_mutex));
		if (s)
			fn(s, arg);
	}
	mutex_unlock(&rraim_servers_mutex);
}

/* -------------------------------------------------------- module exit */

/**
 * rraim_servers_close - no server can be added any more
 *
 * The first step of module exit.
 */
void rraim_servers_close(void)
{
	mutex_lock(&rraim_servers_mutex);
	rraim_closing = true;
	mutex_unlock(&rraim_servers_mutex);
}

/**
 * rraim_servers_remove_all - remove every server, as remove_server would
 *
 * After rraim_servers_close(), once nothing is stored.  A remove_server
 * write may be removing a server right now (with nothing stored, its check
 * passes): that one is not ours to remove, and the control interface's
 * exit waits for that write to return.
 */
void rraim_servers_remove_all(void)
{
	struct rraim_server *s;
	unsigned int i;

	for (i = 0; i < RRAIM_MAX_SERVERS; i++) {
		mutex_lock(&rraim_servers_mutex);
		s = rraim_server_get(i);
		if (!s || s->removing || s->leaving) {
			mutex_unlock(&rraim_servers_mutex);
			continue;
		}
		WRITE_ONCE(s->removing, true);
		mutex_unlock(&rraim_servers_mutex);
		rraim_server_teardown(s);
	}
}

/* The table is empty once the module exits: say so if it is not. */
void rraim_servers_exit(void)
{
	unsigned int i;

	for (i = 0; i < RRAIM_MAX_SERVERS; i++)
		WARN_ON_ONCE(rcu_access_pointer(rraim_servers[i]));
}

/**
 * rraim_servers_add_param - add every server of the servers= parameter
 *
 * From a front end's module init.  Any bad address fails the load, and so
 * does a replicas= above the number of servers named.
 * Return: 0 or a negative errno (logged).
 */
int rraim_servers_add_param(void)
{
	const char *param = rraim_knob_servers();
	char *list, *cur, *addr;
	unsigned int n = 0;
	int ret = 0;

	if (!param || !*param)
		return 0;
	list = kstrdup(param, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while ((addr = strsep(&cur, ",")) != NULL) {
		addr = strim(addr);
		if (!*addr)
			continue;
		ret = rraim_server_add(addr);
		if (ret) {
			pr_err("servers=: cannot add '%s' (%d)\n", addr, ret);
			break;
		}
		n++;
	}
	kfree(list);
	if (!ret && rraim_knob_given(RRAIM_KNOB_REPLICAS) &&
	    rraim_knob(RRAIM_KNOB_REPLICAS) > n) {
		pr_err("replicas=%u but servers= names only %u servers\n",
		       rraim_knob(RRAIM_KNOB_REPLICAS), n);
		ret = -EINVAL;
	}
	return ret;
}
