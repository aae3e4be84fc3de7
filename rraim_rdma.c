// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM transport: sessions with memory servers over kernel RDMA (RDMA CM,
 * RC queue pairs).  See rraim_rdma.h for the model; this file knows nothing
 * of swap.
 *
 * Objects, from the outside in:
 *   peer     one memory server: session identity, state machine, the
 *            protection domain, the control connection and the data
 *            connections, the heartbeat, reconnect with backoff.
 *   conn     one RDMA CM id with its CQ and RC QP.
 *   req      one preallocated data transfer slot of a data connection,
 *            with its own bounce page for READs and an embedded ib_cqe.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>

#include "rraim_auth.h"
#include "rraim_proto.h"
#include "rraim_rdma.h"
#include "rraim_wire.h"

/* ------------------------------------------------------------ constants */

#define RRAIM_CM_TIMEOUT_MS	2000	/* address and route resolution */
#define RRAIM_ACK_TIMEOUT	14	/* 4.096 us * 2^14 = 67 ms per retry */
#define RRAIM_RETRY_COUNT	3
#define RRAIM_CTRL_RX		4	/* receive buffers of a control conn */
#define RRAIM_BACKOFF_MIN_MS	100
#define RRAIM_BACKOFF_MAX_MS	3000
/* A session that fails sooner than this after it came up backs off too. */
#define RRAIM_STABLE_MS		2000
#define RRAIM_TEARDOWN_WARN_S	10
#define RRAIM_LINK_SETTLE_MS	1000	/* a link must stay up this long */

/* ------------------------------------------------------- data structures */

/* conn->flags */
enum {
	RRAIM_CONN_LIVE,	/* established; posting allowed */
	RRAIM_CONN_CM_DONE,	/* cm_done was completed for this attempt */
	RRAIM_CONN_UP,		/* reached ESTABLISHED: drain before destroy */
};

/**
 * struct rraim_req - a data transfer slot
 * @cqe: completion entry; rraim_data_done() finds the req through it
 * @conn: owning data connection
 * @buf: bounce page; READs land here
 * @buf_dma: @buf's DMA address while the connection is set up
 * @page_dma: the caller's page while a WRITE is in flight
 * @is_write: direction of the transfer in flight
 * @lock: guards @waiter against the completion handler
 * @waiter: whom to wake at completion; NULL once the owner let go
 * @done: the hardware is finished with the request (success or flush)
 * @abandoned: its reader let go before it completed (counted in the
 *	peer's @abandoned until it does)
 * @status: 0 or -EIO, valid once @done
 * @refs: 2 while in flight (owner and hardware), freed at 0
 */
struct rraim_req {
	struct ib_cqe cqe;
	struct rraim_conn *conn;
	struct page *buf;
	u64 buf_dma;
	u64 page_dma;
	bool is_write;
	spinlock_t lock;		/* guards waiter against completion */
	struct rraim_waiter *waiter;
	bool done;
	bool abandoned;
	int status;
	atomic_t refs;
};

/**
 * struct rraim_conn - one RDMA CM connection of a peer
 * @peer: owner
 * @index: 0 for the control connection, 1.. for data connections
 * @cm_id: the CM id, NULL when torn down
 * @cq: completion queue (softirq polling)
 * @qp: the RC queue pair (cm_id->qp)
 * @cm_done: completed when the connection attempt ends either way
 * @cm_error: outcome of the attempt
 * @welcome: the server's accept private data (control connection)
 * @flags: RRAIM_CONN_*
 * @lock: guards posting (against teardown) and the free request stack
 * @reqs: @depth preallocated requests (data connections)
 * @free: stack of free requests
 * @nr_free: entries on @free
 * @depth: size of @reqs
 * @inflight: requests taken from @free and not yet returned
 * @free_wq: woken when a request returns to @free
 * @rx: receive buffers (control connection)
 * @rx_dma: their DMA addresses
 * @rx_cqe: their completion entries
 * @tx: send buffer (control connection)
 * @tx_dma: its DMA address
 * @tx_cqe: its completion entry
 * @tx_busy: a SEND is in flight
 * @tx_wq: woken when @tx_busy clears, and when the connection stops
 */
struct rraim_conn {
	struct rraim_peer *peer;
	unsigned int index;
	struct rdma_cm_id *cm_id;
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct completion cm_done;
	int cm_error;
	struct rraim_welcome welcome;
	unsigned long flags;

	spinlock_t lock;		/* posting vs teardown; free stack */
	struct rraim_req *reqs;
	struct rraim_req **free;
	unsigned int nr_free;
	unsigned int depth;
	atomic_t inflight;
	wait_queue_head_t free_wq;

	struct rraim_msg *rx;
	u64 rx_dma[RRAIM_CTRL_RX];
	struct ib_cqe rx_cqe[RRAIM_CTRL_RX];
	struct rraim_msg *tx;
	u64 tx_dma;
	struct ib_cqe tx_cqe;
	bool tx_busy;
	wait_queue_head_t tx_wq;
};

/* peer->flags */
enum {
	RRAIM_PEER_TEARDOWN,	/* the work must tear the connections down */
	RRAIM_PEER_STOP,	/* being destroyed: no reconnect */
	RRAIM_PEER_WAS_UP,	/* @up was called since the last @down */
	RRAIM_PEER_PARKED,	/* quiesced; CM ids wait for an active port */
	RRAIM_PEER_DEV_GONE,	/* the device is being removed: release now */
};

/**
 * struct rraim_peer - a memory server and our session with it
 * @name: "ip:port", for logs
 * @addr: the server's address
 * @cfg: tunables
 * @ops: callbacks to the user
 * @priv: the user's cookie
 * @session: session identity (hello)
 * @token: session secret (hello)
 * @nonce: our challenge in the control connection's hello, when we
 *	authenticate (@auth)
 * @auth: the control connection's hello asked the server for a proof
 * @node: entry in rraim_peers
 * @lock: guards @state, @since, @reason, @connect_failed
 * @state: enum rraim_peer_state
 * @since: ktime of the last state change
 * @reason: why the last state change happened
 * @connect_failed: a failure was reported while connecting
 * @flags: RRAIM_PEER_*
 * @work: connect / teardown state machine (rraim_wq)
 * @hb_work: heartbeat
 * @attempts: failed connection attempts in a row (backoff), counting
 *	sessions that failed within RRAIM_STABLE_MS of coming up
 * @up_at: jiffies when the session last came up
 * @connect_warned: a failed connection was logged since the last success
 * @hb_misses: heartbeats missed in a row
 * @link_down_at: jiffies when the link was last seen down (0: never)
 * @ibdev: device of the current connections, NULL when torn down
 * @pd: protection domain of the current connections
 * @ctrl: the control connection
 * @data: the data connections
 * @info: what the server said at the last connect
 * @capacity: the server's pool size (last heartbeat)
 * @free_bytes: the server's free pool (last heartbeat)
 * @ctrl_mutex: serialises control requests
 * @rpc_done: completed when the reply to @rpc_seq arrives
 * @rpc_seq: sequence number of the last control request
 * @rpc_pending: sequence number being waited for, 0 if none
 * @rpc_type: type of the request being waited for (its reply must match)
 * @rpc_reply: the reply (copied by the receive handler)
 * @late_alloc_seq: an ALLOC that timed out: its grant, if it still comes
 *	on this connection, is given back (conn->lock).  No other ALLOC is
 *	sent until it is answered, so one is all there can be
 * @late_chunks: grants that came too late, to give back (conn->lock)
 * @nr_late: entries in @late_chunks
 * @abandoned: READs whose reader stopped waiting and that have not yet
 *	completed: one may still target a chunk the core wants to free
 * @gone_wq: woken when the connections are torn down
 */
struct rraim_peer {
	char name[64];
	struct sockaddr_storage addr;
	struct rraim_peer_config cfg;
	const struct rraim_peer_ops *ops;
	void *priv;
	u64 session;
	u64 token;
	u8 nonce[RRAIM_AUTH_NONCE_LEN];
	bool auth;
	struct list_head node;

	spinlock_t lock;		/* state, since, reason */
	enum rraim_peer_state state;
	ktime_t since;
	char reason[48];
	bool connect_failed;

	unsigned long flags;
	struct delayed_work work;
	struct delayed_work hb_work;
	unsigned int attempts;
	unsigned long up_at;
	bool connect_warned;
	unsigned int hb_misses;
	unsigned long link_down_at;

	struct ib_device *ibdev;
	struct ib_pd *pd;
	struct rraim_conn ctrl;
	struct rraim_conn *data;

	struct rraim_peer_info info;
	u64 capacity;
	u64 free_bytes;

	struct mutex ctrl_mutex;	/* one control request at a time */
	struct completion rpc_done;
	u32 rpc_seq;
	u32 rpc_pending;
	u16 rpc_type;			/* of the request being waited for */
	struct rraim_msg rpc_reply;
	u32 late_alloc_seq;
	u32 late_chunks[4];
	unsigned int nr_late;
	atomic_t abandoned;

	wait_queue_head_t gone_wq;
};

static struct workqueue_struct *rraim_wq;
static LIST_HEAD(rraim_peers);
static DEFINE_MUTEX(rraim_peers_mutex);	/* guards rraim_peers */

/* ----------------------------------------------------------- state */

static const char * const rraim_peer_state_names[] = {
	[RRAIM_PEER_CONNECTING] = "connecting",
	[RRAIM_PEER_LIVE] = "live",
	[RRAIM_PEER_SUSPECT] = "suspect",
	[RRAIM_PEER_DEAD] = "dead",
	[RRAIM_PEER_STOPPED] = "stopped",
};

const char *rraim_peer_state_name(enum rraim_peer_state state)
{
	if (state >= ARRAY_SIZE(rraim_peer_state_names))
		return "unknown";
	return rraim_peer_state_names[state];
}

/* The one place the state changes.  Caller holds peer->lock. */
static void rraim_peer_set_state(struct rraim_peer *peer,
				 enum rraim_peer_state state,
				 const char *reason)
{
	lockdep_assert_held(&peer->lock);

	if (peer->state == state)
		return;
	if (state == RRAIM_PEER_LIVE || peer->state == RRAIM_PEER_LIVE ||
	    state == RRAIM_PEER_DEAD)
		pr_info("server %s: %s -> %s (%s)\n", peer->name,
			rraim_peer_state_name(peer->state),
			rraim_peer_state_name(state), reason);
	peer->state = state;
	peer->since = ktime_get();
	strscpy(peer->reason, reason, sizeof(peer->reason));
}

enum rraim_peer_state rraim_peer_state(struct rraim_peer *peer)
{
	return READ_ONCE(peer->state);
}

bool rraim_peer_usable(struct rraim_peer *peer)
{
	enum rraim_peer_state s = READ_ONCE(peer->state);

	return s == RRAIM_PEER_LIVE || s == RRAIM_PEER_SUSPECT;
}

int rraim_peer_state_info(struct rraim_peer *peer, u64 *since_ns,
			  char *reason, size_t len)
{
	unsigned long flags;
	int state;

	spin_lock_irqsave(&peer->lock, flags);
	state = peer->state;
	*since_ns = ktime_to_ns(peer->since);
	strscpy(reason, peer->reason, len);
	spin_unlock_irqrestore(&peer->lock, flags);
	return state;
}

void rraim_peer_pool(struct rraim_peer *peer, u64 *capacity, u64 *free)
{
	*capacity = READ_ONCE(peer->capacity);
	*free = READ_ONCE(peer->free_bytes);
}

static void rraim_conn_stop(struct rraim_conn *conn)
{
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	clear_bit(RRAIM_CONN_LIVE, &conn->flags);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&conn->tx_wq);
}

/**
 * rraim_peer_tune - change the heartbeat interval and the control timeout
 * @peer: the peer
 * @heartbeat_ms: interval between heartbeats
 * @timeout_ms: deadline of a heartbeat or a control request
 */
void rraim_peer_tune(struct rraim_peer *peer, unsigned int heartbeat_ms,
		     unsigned int timeout_ms)
{
	WRITE_ONCE(peer->cfg.heartbeat_ms, heartbeat_ms);
	WRITE_ONCE(peer->cfg.timeout_ms, timeout_ms);
}

/**
 * rraim_peer_fail - the connections are unusable: tear down and reconnect
 * @peer: the peer
 * @reason: for the log and sysfs
 *
 * Any context.  Posting stops at once; the work moves the queue pairs to
 * the error state (flushing every outstanding transfer with an error),
 * destroys them and schedules a reconnect.
 */
void rraim_peer_fail(struct rraim_peer *peer, const char *reason)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&peer->lock, flags);
	switch (peer->state) {
	case RRAIM_PEER_CONNECTING:
		peer->connect_failed = true;
		break;
	case RRAIM_PEER_LIVE:
	case RRAIM_PEER_SUSPECT:
		rraim_peer_set_state(peer, RRAIM_PEER_DEAD, reason);
		set_bit(RRAIM_PEER_TEARDOWN, &peer->flags);
		break;
	default:
		break;
	}
	spin_unlock_irqrestore(&peer->lock, flags);

	rraim_conn_stop(&peer->ctrl);
	for (i = 0; i < peer->cfg.nr_data_conns; i++)
		rraim_conn_stop(&peer->data[i]);
	if (test_bit(RRAIM_PEER_TEARDOWN, &peer->flags))
		mod_delayed_work(rraim_wq, &peer->work, 0);
}

/**
 * rraim_peer_suspect - something missed a deadline: check the peer now
 * @peer: the peer
 * @reason: for the log and sysfs
 *
 * The peer gets no new placements until a heartbeat answers; one that does
 * not answer is failed.
 */
void rraim_peer_suspect(struct rraim_peer *peer, const char *reason)
{
	unsigned long flags;

	spin_lock_irqsave(&peer->lock, flags);
	if (peer->state == RRAIM_PEER_LIVE)
		rraim_peer_set_state(peer, RRAIM_PEER_SUSPECT, reason);
	spin_unlock_irqrestore(&peer->lock, flags);
	mod_delayed_work(rraim_wq, &peer->hb_work, 0);
}

/* --------------------------------------------------------- data requests */

void rraim_waiter_init(struct rraim_waiter *w)
{
	init_waitqueue_head(&w->wq);
}

static void rraim_req_put(struct rraim_req *req)
{
	struct rraim_conn *conn = req->conn;
	struct ib_device *dev;
	unsigned long flags;

	if (!atomic_dec_and_test(&req->refs))
		return;
	if (req->abandoned) {
		req->abandoned = false;
		atomic_dec(&conn->peer->abandoned);
	}
	spin_lock_irqsave(&conn->lock, flags);
	if (req->is_write && req->page_dma) {
		dev = conn->peer->ibdev;
		ib_dma_unmap_page(dev, req->page_dma, PAGE_SIZE, DMA_TO_DEVICE);
		req->page_dma = 0;
	}
	conn->free[conn->nr_free++] = req;
	atomic_dec(&conn->inflight);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up(&conn->free_wq);
}

static void rraim_data_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rraim_req *req = container_of(wc->wr_cqe, struct rraim_req, cqe);
	struct rraim_peer *peer = req->conn->peer;
	unsigned long flags;

	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		if (wc->status != IB_WC_WR_FLUSH_ERR) {
			pr_err_ratelimited("server %s: %s failed: %s\n", peer->name,
					   req->is_write ? "write" : "read",
					   ib_wc_status_msg(wc->status));
			rraim_peer_fail(peer, ib_wc_status_msg(wc->status));
		}
	}

	spin_lock_irqsave(&req->lock, flags);
	req->status = wc->status == IB_WC_SUCCESS ? 0 : -EIO;
	/* pairs with rraim_xfer_done(): status is visible before done */
	smp_store_release(&req->done, true);
	if (req->waiter)
		wake_up(&req->waiter->wq);
	spin_unlock_irqrestore(&req->lock, flags);
	rraim_req_put(req);
}

/* Pick a request of one of the peer's live data connections. */
static struct rraim_req *rraim_req_get(struct rraim_peer *peer)
{
	unsigned int n = peer->cfg.nr_data_conns;
	unsigned int first = raw_smp_processor_id() % n;
	unsigned long deadline = jiffies + msecs_to_jiffies(READ_ONCE(peer->cfg.timeout_ms));
	struct rraim_conn *conn;
	struct rraim_req *req;
	unsigned int i;

	for (;;) {
		bool live = false;

		for (i = 0; i < n; i++) {
			conn = &peer->data[(first + i) % n];
			spin_lock_bh(&conn->lock);
			if (test_bit(RRAIM_CONN_LIVE, &conn->flags)) {
				live = true;
				if (conn->nr_free) {
					req = conn->free[--conn->nr_free];
					atomic_inc(&conn->inflight);
					spin_unlock_bh(&conn->lock);
					return req;
				}
			}
			spin_unlock_bh(&conn->lock);
		}
		if (!live)
			return ERR_PTR(-ENOTCONN);
		if (time_after(jiffies, deadline))
			return ERR_PTR(-EBUSY);
		conn = &peer->data[first];
		wait_event_timeout(conn->free_wq, READ_ONCE(conn->nr_free) ||
				   !test_bit(RRAIM_CONN_LIVE, &conn->flags),
				   msecs_to_jiffies(10));
	}
}

/* Give back a request that was never posted. */
static void rraim_req_unget(struct rraim_req *req)
{
	atomic_set(&req->refs, 1);
	rraim_req_put(req);
}

static int rraim_xfer_post(struct rraim_xfer *x, struct rraim_peer *peer,
			   struct rraim_waiter *w, struct page *page,
			   u64 raddr, u32 rkey)
{
	struct rraim_req *req;
	struct rraim_conn *conn;
	struct ib_rdma_wr wr = {};
	struct ib_sge sge;
	int ret;

	x->req = NULL;
	x->peer = peer;
	x->status = -EIO;

	req = rraim_req_get(peer);
	if (IS_ERR(req))
		return PTR_ERR(req);
	conn = req->conn;

	req->is_write = !!page;
	req->waiter = w;
	req->done = false;
	req->status = -EIO;
	atomic_set(&req->refs, 2);

	spin_lock_bh(&conn->lock);
	if (!test_bit(RRAIM_CONN_LIVE, &conn->flags)) {
		ret = -ENOTCONN;
		goto out_unlock;
	}
	if (page) {
		req->page_dma = ib_dma_map_page(peer->ibdev, page, 0, PAGE_SIZE,
						DMA_TO_DEVICE);
		if (ib_dma_mapping_error(peer->ibdev, req->page_dma)) {
			req->page_dma = 0;
			ret = -EIO;
			goto out_unlock;
		}
		sge.addr = req->page_dma;
		wr.wr.opcode = IB_WR_RDMA_WRITE;
	} else {
		ib_dma_sync_single_for_device(peer->ibdev, req->buf_dma,
					      PAGE_SIZE, DMA_FROM_DEVICE);
		sge.addr = req->buf_dma;
		wr.wr.opcode = IB_WR_RDMA_READ;
	}
	sge.length = PAGE_SIZE;
	sge.lkey = peer->pd->local_dma_lkey;
	wr.wr.wr_cqe = &req->cqe;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.remote_addr = raddr;
	wr.rkey = rkey;
	ret = ib_post_send(conn->qp, &wr.wr, NULL);
	if (ret) {
		if (req->page_dma) {
			ib_dma_unmap_page(peer->ibdev, req->page_dma, PAGE_SIZE,
					  DMA_TO_DEVICE);
			req->page_dma = 0;
		}
		goto out_unlock;
	}
	spin_unlock_bh(&conn->lock);
	x->req = req;
	return 0;

out_unlock:
	spin_unlock_bh(&conn->lock);
	rraim_req_unget(req);
	return ret;
}

/**
 * rraim_xfer_write - start an RDMA WRITE of @page to (@raddr, @rkey)
 * @x: the transfer (caller's)
 * @peer: the server
 * @w: woken when it completes
 * @page: source; must stay untouched until rraim_xfer_finish()
 * @raddr: remote address
 * @rkey: remote key
 *
 * May sleep briefly when every request of the peer is in flight.
 * Return: 0 when posted, -ENOTCONN, -EBUSY or -EIO.
 */
int rraim_xfer_write(struct rraim_xfer *x, struct rraim_peer *peer,
		     struct rraim_waiter *w, struct page *page,
		     u64 raddr, u32 rkey)
{
	return rraim_xfer_post(x, peer, w, page, raddr, rkey);
}

/**
 * rraim_xfer_read - start an RDMA READ of one page at (@raddr, @rkey)
 * @x: the transfer (caller's)
 * @peer: the server
 * @w: woken when it completes
 * @raddr: remote address
 * @rkey: remote key
 *
 * The data lands in the request's bounce page; rraim_xfer_finish() copies
 * it out.  Return: 0 when posted, -ENOTCONN, -EBUSY or -EIO.
 */
int rraim_xfer_read(struct rraim_xfer *x, struct rraim_peer *peer,
		    struct rraim_waiter *w, u64 raddr, u32 rkey)
{
	return rraim_xfer_post(x, peer, w, NULL, raddr, rkey);
}

/**
 * rraim_xfer_done - has the transfer completed (or been flushed)?
 * @x: a posted transfer
 */
bool rraim_xfer_done(struct rraim_xfer *x)
{
	/* pairs with rraim_data_done(): done, then status is valid */
	return smp_load_acquire(&x->req->done);
}

static void rraim_req_detach(struct rraim_req *req)
{
	spin_lock_bh(&req->lock);
	req->waiter = NULL;
	spin_unlock_bh(&req->lock);
}

/**
 * rraim_xfer_finish - collect a completed transfer
 * @x: a transfer for which rraim_xfer_done() is true
 * @page: for a READ, where to copy the data (NULL: discard)
 *
 * Return: 0 on success, -EIO if the transfer failed.
 */
int rraim_xfer_finish(struct rraim_xfer *x, struct page *page)
{
	struct rraim_req *req = x->req;
	struct ib_device *dev = x->peer->ibdev;
	void *dst;

	x->status = req->status;
	if (!x->status && !req->is_write && page) {
		ib_dma_sync_single_for_cpu(dev, req->buf_dma, PAGE_SIZE,
					   DMA_FROM_DEVICE);
		dst = kmap_local_page(page);
		memcpy(dst, page_address(req->buf), PAGE_SIZE);
		kunmap_local(dst);
	}
	rraim_req_detach(req);
	x->req = NULL;
	rraim_req_put(req);
	return x->status;
}

/**
 * rraim_xfer_abandon - stop waiting for a READ
 * @x: a posted READ
 *
 * The request completes on its own later, into its bounce page only.
 */
void rraim_xfer_abandon(struct rraim_xfer *x)
{
	struct rraim_req *req = x->req;

	WARN_ON_ONCE(req->is_write && !rraim_xfer_done(x));
	rraim_req_detach(req);
	/* until it completes, it may still read a chunk: see free_chunk */
	req->abandoned = true;
	atomic_inc(&x->peer->abandoned);
	x->req = NULL;
	x->status = -ETIMEDOUT;
	rraim_req_put(req);
}

/* ------------------------------------------------------ control requests */

static int rraim_post_rx(struct rraim_conn *conn, unsigned int i)
{
	struct ib_recv_wr wr = {};
	struct ib_sge sge;

	sge.addr = conn->rx_dma[i];
	sge.length = sizeof(struct rraim_msg);
	sge.lkey = conn->peer->pd->local_dma_lkey;
	wr.wr_cqe = &conn->rx_cqe[i];
	wr.sg_list = &sge;
	wr.num_sge = 1;
	return ib_post_recv(conn->qp, &wr, NULL);
}

static void rraim_ctrl_tx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rraim_conn *conn = container_of(wc->wr_cqe, struct rraim_conn,
					       tx_cqe);
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	WRITE_ONCE(conn->tx_busy, false);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&conn->tx_wq);
	if (wc->status != IB_WC_SUCCESS && wc->status != IB_WC_WR_FLUSH_ERR) {
		pr_err_ratelimited("server %s: control send failed: %s\n",
				   conn->peer->name,
				   ib_wc_status_msg(wc->status));
		rraim_peer_fail(conn->peer, "control send failed");
	}
}

/*
 * Is @m (@len bytes) the grant of an ALLOC that timed out?  Then its
 * chunk is held for us on the server and no replica will ever use it:
 * note it, so that the heartbeat work gives it back.  conn->lock held.
 */
static bool rraim_late_grant(struct rraim_peer *peer,
			     const struct rraim_msg *m, u32 len)
{
	if (rraim_wire_answer_check(m, len, RRAIM_MSG_ALLOC,
				    peer->late_alloc_seq))
		return false;
	peer->late_alloc_seq = 0;
	if (le16_to_cpu(m->status) != RRAIM_OK)
		return true;	/* nothing was granted */
	if (peer->nr_late == ARRAY_SIZE(peer->late_chunks)) {
		pr_warn_ratelimited("server %s: chunk %u granted too late is kept until the session ends\n",
				    peer->name, le32_to_cpu(m->chunk));
		return true;
	}
	peer->late_chunks[peer->nr_late++] = le32_to_cpu(m->chunk);
	return true;
}

/*
 * Is @m (@len bytes) the late reply to an earlier request of this
 * connection (one that timed out)?  Only ALLOC's answer matters then
 * (rraim_late_grant()); a PING's, QUERY's or FREE's is dropped without a
 * word (a FREE that timed out is settled: rraim_free_settled()).
 * conn->lock held.
 */
static bool rraim_late_reply(struct rraim_peer *peer,
			     const struct rraim_msg *m, u32 len)
{
	return !rraim_wire_stale_check(m, len, peer->rpc_seq);
}

static void rraim_ctrl_rx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct rraim_conn *conn = cq->cq_context;
	struct rraim_peer *peer = conn->peer;
	unsigned int i = wc->wr_cqe - conn->rx_cqe;
	struct rraim_msg *m = &conn->rx[i];
	u16 bad_type = 0, bad_status = 0;
	unsigned long flags;
	bool bad = false;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR) {
			pr_err_ratelimited("server %s: control receive failed: %s\n",
					   peer->name,
					   ib_wc_status_msg(wc->status));
			rraim_peer_fail(peer, "control receive failed");
		}
		return;
	}

	ib_dma_sync_single_for_cpu(peer->ibdev, conn->rx_dma[i], sizeof(*m),
				   DMA_FROM_DEVICE);
	spin_lock_irqsave(&conn->lock, flags);
	if (!rraim_wire_reply_check(m, wc->byte_len, peer->rpc_type,
				    peer->rpc_pending)) {
		peer->rpc_reply = *m;
		peer->rpc_pending = 0;
		complete(&peer->rpc_done);
	} else if (peer->rpc_pending &&
		   le32_to_cpu(m->seq) == peer->rpc_pending) {
		/* the awaited reply, malformed: the server is broken */
		bad = true;
		bad_type = le16_to_cpu(m->type);
		bad_status = le16_to_cpu(m->status);
	} else if (rraim_late_grant(peer, m, wc->byte_len)) {
		/* a chunk nobody waits for any more: give it back */
		mod_delayed_work(rraim_wq, &peer->hb_work, 0);
	} else if (rraim_late_reply(peer, m, wc->byte_len)) {
		/* the answer to a request that timed out: nothing to do */
	} else {
		pr_warn_ratelimited("server %s: dropped a malformed or stale control message (%u bytes)\n",
				    peer->name, wc->byte_len);
	}
	ib_dma_sync_single_for_device(peer->ibdev, conn->rx_dma[i], sizeof(*m),
				      DMA_FROM_DEVICE);
	if (test_bit(RRAIM_CONN_LIVE, &conn->flags) && rraim_post_rx(conn, i)) {
		spin_unlock_irqrestore(&conn->lock, flags);
		rraim_peer_fail(peer, "cannot repost a receive");
		return;
	}
	spin_unlock_irqrestore(&conn->lock, flags);
	if (bad) {
		pr_err_ratelimited("server %s: malformed reply (type %#x, status %u, %u bytes)\n",
				   peer->name, bad_type, bad_status, wc->byte_len);
		rraim_peer_fail(peer, "malformed reply");
	}
}

/*
 * Test hook (debugfs fault_alloc_late): this many ALLOCs are given up as
 * timed out as soon as they are sent, so that their grants come late; and
 * while any is left, a late grant's FREE waits RRAIM_FAULT_LATE_FREE_MS
 * before it is sent, the window in which the next grant comes late
 * (selftests/rraim_chunk_leak.sh).
 */
static atomic_t rraim_fault_alloc_late = ATOMIC_INIT(0);
#define RRAIM_FAULT_LATE_FREE_MS	500

u32 rraim_fault_alloc_late_left(void)
{
	return atomic_read(&rraim_fault_alloc_late);
}

void rraim_fault_set_alloc_late(u32 n)
{
	atomic_set(&rraim_fault_alloc_late, n);
}

/*
 * One control request and its reply.  Sleeps; serialised per peer.  A
 * reply that does not come within the peer's timeout is -ETIMEDOUT (the
 * server may still act on the request); a request that could not be sent
 * is -ENOTCONN (no connection) or -ENOLINK (the last SEND did not
 * complete within the timeout either).  The caller decides what that
 * means for the peer.
 */
static int rraim_rpc(struct rraim_peer *peer, u16 type, u32 chunk,
		     const u8 *proof, struct rraim_msg *reply)
{
	struct rraim_conn *conn = &peer->ctrl;
	struct rraim_msg *m = conn->tx;
	struct ib_send_wr wr = {};
	struct ib_sge sge;
	unsigned long left;
	u32 seq;
	int ret;

	mutex_lock(&peer->ctrl_mutex);
	/*
	 * The last SEND's completion can come after its reply (they are
	 * reported on different queues), or late on a busy host: a request
	 * right after another (a heartbeat after a FREE) must wait for it,
	 * not count as a miss the link never made.
	 */
	wait_event_timeout(conn->tx_wq, !READ_ONCE(conn->tx_busy) ||
			   !test_bit(RRAIM_CONN_LIVE, &conn->flags),
			   msecs_to_jiffies(READ_ONCE(peer->cfg.timeout_ms)));
	spin_lock_bh(&conn->lock);
	if (!test_bit(RRAIM_CONN_LIVE, &conn->flags)) {
		ret = -ENOTCONN;
		goto out_unlock;
	}
	if (conn->tx_busy) {
		/*
		 * The last SEND did not complete within a whole timeout:
		 * the link is gone, or the server takes no message (a
		 * stopped process posts no receive).  Nothing is sent:
		 * unlike a request that timed out, this one certainly did
		 * not happen.
		 */
		ret = -ENOLINK;
		goto out_unlock;
	}
	if (type == RRAIM_MSG_ALLOC && peer->late_alloc_seq) {
		/*
		 * The last ALLOC timed out and its grant has not come yet:
		 * a second one could time out too, and its grant would not
		 * be recognised when it came (a chunk held for nothing
		 * until the session ends).  Ask again once it is answered.
		 */
		ret = -EAGAIN;
		goto out_unlock;
	}
	seq = ++peer->rpc_seq;
	if (!seq)
		seq = ++peer->rpc_seq;
	memset(m, 0, sizeof(*m));
	m->magic = cpu_to_le32(RRAIM_PROTO_MAGIC);
	m->type = cpu_to_le16(type);
	m->seq = cpu_to_le32(seq);
	m->chunk = cpu_to_le32(chunk);
	if (proof)
		memcpy(m->proof, proof, sizeof(m->proof));
	ib_dma_sync_single_for_device(peer->ibdev, conn->tx_dma, sizeof(*m),
				      DMA_TO_DEVICE);
	sge.addr = conn->tx_dma;
	sge.length = sizeof(*m);
	sge.lkey = peer->pd->local_dma_lkey;
	wr.wr_cqe = &conn->tx_cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;
	reinit_completion(&peer->rpc_done);
	peer->rpc_type = type;
	peer->rpc_pending = seq;
	ret = ib_post_send(conn->qp, &wr, NULL);
	if (ret) {
		peer->rpc_pending = 0;
		goto out_unlock;
	}
	WRITE_ONCE(conn->tx_busy, true);
	spin_unlock_bh(&conn->lock);

	left = msecs_to_jiffies(READ_ONCE(peer->cfg.timeout_ms));
	if (unlikely(type == RRAIM_MSG_ALLOC &&
		     atomic_dec_if_positive(&rraim_fault_alloc_late) >= 0))
		left = 0;	/* test hook: given up at once */
	else
		left = wait_for_completion_timeout(&peer->rpc_done, left);
	spin_lock_bh(&conn->lock);
	if (!left && peer->rpc_pending == seq) {
		peer->rpc_pending = 0;
		if (type == RRAIM_MSG_ALLOC)
			peer->late_alloc_seq = seq;
		ret = -ETIMEDOUT;
	} else {
		*reply = peer->rpc_reply;
		if (le16_to_cpu(reply->type) != (type | RRAIM_MSG_REPLY))
			ret = -EPROTO;
		else
			ret = rraim_wire_status_errno(le16_to_cpu(reply->status));
	}
out_unlock:
	spin_unlock_bh(&conn->lock);
	mutex_unlock(&peer->ctrl_mutex);
	return ret;
}

static void rraim_peer_note_pool(struct rraim_peer *peer,
				 const struct rraim_msg *reply)
{
	WRITE_ONCE(peer->capacity, le64_to_cpu(reply->capacity));
	WRITE_ONCE(peer->free_bytes, le64_to_cpu(reply->free));
}

/**
 * rraim_peer_alloc_chunk - ask the server for one more chunk
 * @peer: the server
 * @desc: filled with the grant
 *
 * Sleeps.  Return: 0, -ENOSPC when the server is full, -ENOTCONN,
 * -ETIMEDOUT, -EAGAIN while the grant of an ALLOC that timed out has not
 * come yet, -EPROTO for a malformed grant.
 */
int rraim_peer_alloc_chunk(struct rraim_peer *peer,
			   struct rraim_chunk_desc *desc)
{
	struct rraim_msg reply;
	int ret;

	ret = rraim_rpc(peer, RRAIM_MSG_ALLOC, 0, NULL, &reply);
	if (ret && ret != -ENOSPC)
		return ret;
	rraim_peer_note_pool(peer, &reply);
	if (ret)
		return ret;
	desc->chunk = le32_to_cpu(reply.chunk);
	desc->rkey = le32_to_cpu(reply.rkey);
	desc->addr = le64_to_cpu(reply.addr);
	if (rraim_wire_grant_check(&reply, sizeof(reply))) {
		pr_err_ratelimited("server %s: granted a misaligned chunk at %#llx\n",
				   peer->name, desc->addr);
		rraim_rpc(peer, RRAIM_MSG_FREE, desc->chunk, NULL, &reply);
		return -EPROTO;
	}
	return 0;
}

/*
 * Test hook (debugfs fault_free_busy_ms): for this long from when it is
 * set, every FREE is refused as if a READ abandoned on its server were in
 * flight, so that the chunks become orphans whose retries fail too
 * (selftests/rraim_chunk_leak.sh).
 */
static unsigned long rraim_fault_free_busy_until;	/* jiffies; 0: none */

u32 rraim_fault_free_busy(void)
{
	unsigned long until = READ_ONCE(rraim_fault_free_busy_until);

	if (!until || time_after_eq(jiffies, until))
		return 0;
	return jiffies_to_msecs(until - jiffies);
}

void rraim_fault_set_free_busy(u32 ms)
{
	WRITE_ONCE(rraim_fault_free_busy_until,
		   ms ? (jiffies + msecs_to_jiffies(ms)) | 1 : 0);
}

/**
 * rraim_peer_free_chunk - give a chunk back to the server
 * @peer: the server
 * @chunk: the server's number for it
 *
 * Sleeps.  Return: 0; -EAGAIN while an abandoned READ of this peer is in
 * flight (try later); -ENOTCONN or -ENOLINK (not sent), -ETIMEDOUT (sent,
 * no answer), or the server's refusal (-ENOENT: it holds no such chunk).
 */
int rraim_peer_free_chunk(struct rraim_peer *peer, u32 chunk)
{
	struct rraim_msg reply;
	int ret;

	/*
	 * A READ that was abandoned may still be on its way to this very
	 * chunk: freed under it, the server would answer with a remote
	 * access error and a healthy session would fail.
	 */
	if (atomic_read(&peer->abandoned) ||
	    unlikely(READ_ONCE(rraim_fault_free_busy_until) &&
		     rraim_fault_free_busy()))
		return -EAGAIN;
	ret = rraim_rpc(peer, RRAIM_MSG_FREE, chunk, NULL, &reply);
	if (!ret)
		rraim_peer_note_pool(peer, &reply);
	return ret;
}

/*
 * Forget @chunk, a late grant whose FREE was sent.  Not simply the last
 * entry: another grant may have come late while the FREE was on its way,
 * and dropping that one instead would leak it and free @chunk a second
 * time, when the server may have granted its number anew to a replica in
 * use.  A server grants a number once until it is freed: no duplicates.
 */
static void rraim_late_forget(struct rraim_peer *peer, u32 chunk)
{
	unsigned int i;

	spin_lock_bh(&peer->ctrl.lock);
	for (i = 0; i < peer->nr_late; i++) {
		if (peer->late_chunks[i] != chunk)
			continue;
		peer->late_chunks[i] = peer->late_chunks[--peer->nr_late];
		break;
	}
	spin_unlock_bh(&peer->ctrl.lock);
}

/* Give back the chunks whose grants came after their ALLOC timed out. */
static void rraim_peer_free_late(struct rraim_peer *peer)
{
	struct rraim_conn *conn = &peer->ctrl;
	u32 chunk;
	int ret;

	for (;;) {
		spin_lock_bh(&conn->lock);
		if (!peer->nr_late) {
			spin_unlock_bh(&conn->lock);
			return;
		}
		chunk = peer->late_chunks[peer->nr_late - 1];
		spin_unlock_bh(&conn->lock);
		/* test hook: the window in which another grant comes late */
		if (unlikely(atomic_read(&rraim_fault_alloc_late)))
			msleep(RRAIM_FAULT_LATE_FREE_MS);
		ret = rraim_peer_free_chunk(peer, chunk);
		if (ret == -EAGAIN || ret == -ENOLINK)
			return;	/* not sent: tried again within a second */
		rraim_late_forget(peer, chunk);
		if (ret)
			return;	/* the session is failing: it ends with it */
		pr_info_ratelimited("server %s: gave back chunk %u, granted after its request timed out\n",
				    peer->name, chunk);
	}
}

static void __rraim_hb_work(struct work_struct *work)
{
	struct rraim_peer *peer = container_of(to_delayed_work(work),
					       struct rraim_peer, hb_work);
	struct rraim_msg reply;
	unsigned long flags, delay;
	int ret;

	if (!rraim_peer_usable(peer))
		return;
	rraim_peer_free_late(peer);
	ret = rraim_rpc(peer, RRAIM_MSG_PING, 0, NULL, &reply);
	if (ret == -ENOTCONN)
		return;
	if (!ret) {
		rraim_peer_note_pool(peer, &reply);
		peer->hb_misses = 0;
		spin_lock_irqsave(&peer->lock, flags);
		if (peer->state == RRAIM_PEER_SUSPECT)
			rraim_peer_set_state(peer, RRAIM_PEER_LIVE,
					     "heartbeat answered");
		spin_unlock_irqrestore(&peer->lock, flags);
	} else {
		if (++peer->hb_misses >= 2) {
			rraim_peer_fail(peer, "heartbeat missed");
			return;
		}
		spin_lock_irqsave(&peer->lock, flags);
		if (peer->state == RRAIM_PEER_LIVE)
			rraim_peer_set_state(peer, RRAIM_PEER_SUSPECT,
					     "heartbeat late");
		spin_unlock_irqrestore(&peer->lock, flags);
		/* ask again at once: a live server answers quickly */
		queue_delayed_work(rraim_wq, &peer->hb_work, 0);
		return;
	}
	delay = msecs_to_jiffies(READ_ONCE(peer->cfg.heartbeat_ms));
	/* a late grant whose FREE could not be sent yet: ask again soon */
	if (READ_ONCE(peer->nr_late))
		delay = min(delay, (unsigned long)HZ);
	queue_delayed_work(rraim_wq, &peer->hb_work, delay);
}

/* The transport's work runs with I/O reclaim off: see rraim_cm_handler(). */
static void rraim_hb_work(struct work_struct *work)
{
	unsigned int noio = memalloc_noio_save();

	__rraim_hb_work(work);
	memalloc_noio_restore(noio);
}

/* ----------------------------------------------------- connection setup */

/* Check the server's welcome (rraim_wire.h) and keep it, or say why not. */
static bool rraim_welcome_valid(struct rraim_conn *conn,
				const struct rdma_conn_param *p,
				struct rraim_welcome *out)
{
	struct rraim_peer *peer = conn->peer;
	const struct rraim_welcome *w = p->private_data;

	switch (rraim_wire_welcome_check(w, p->private_data_len,
					 !conn->index && peer->auth)) {
	case 0:
		*out = *w;
		return true;
	case -EMSGSIZE:
		pr_err("server %s: short accept data (%u bytes)\n", peer->name,
		       p->private_data_len);
		break;
	case -EPROTONOSUPPORT:
		pr_err("server %s: not an RRAIM v%d server (magic %#x version %u)\n",
		       peer->name, RRAIM_PROTO_VERSION, le32_to_cpu(w->magic),
		       le16_to_cpu(w->version));
		break;
	case -EBADMSG:
		pr_err("server %s: reserved welcome fields set\n", peer->name);
		break;
	case -EPERM:
		pr_err("server %s: a proof nobody asked for (connection %u)\n",
		       peer->name, conn->index);
		break;
	default:	/* -ERANGE */
		pr_err("server %s: chunk shift %u, expected %u\n", peer->name,
		       le32_to_cpu(w->chunk_shift), RRAIM_CHUNK_SHIFT);
		break;
	}
	return false;
}

static int rraim_conn_rejected(struct rraim_conn *conn,
			       struct rdma_cm_event *ev)
{
	const struct rraim_refusal *r;
	u8 len = 0;

	r = rdma_consumer_reject_data(conn->cm_id, ev, &len);
	if (rraim_wire_refusal_check(r, len)) {
		pr_err_ratelimited("server %s: connection %u rejected (%s)\n",
				   conn->peer->name, conn->index,
				   rdma_reject_msg(conn->cm_id, ev->status));
		return -ECONNREFUSED;
	}
	pr_err_ratelimited("server %s: refused connection %u: %s\n",
			   conn->peer->name, conn->index,
			   rraim_wire_refusal_name(le16_to_cpu(r->reason)));
	/* for want of a key: the peer's state says so */
	if (le16_to_cpu(r->reason) == RRAIM_REFUSE_AUTH)
		return -EACCES;
	return -ECONNREFUSED;
}

static int rraim_conn_alloc_ctrl_bufs(struct rraim_conn *conn)
{
	struct ib_device *dev = conn->peer->ibdev;
	unsigned int i;
	int ret;

	for (i = 0; i < RRAIM_CTRL_RX; i++) {
		conn->rx_dma[i] = ib_dma_map_single(dev, &conn->rx[i],
						    sizeof(conn->rx[i]),
						    DMA_FROM_DEVICE);
		if (ib_dma_mapping_error(dev, conn->rx_dma[i])) {
			conn->rx_dma[i] = 0;
			return -ENOMEM;
		}
		conn->rx_cqe[i].done = rraim_ctrl_rx_done;
	}
	conn->tx_dma = ib_dma_map_single(dev, conn->tx, sizeof(*conn->tx),
					 DMA_TO_DEVICE);
	if (ib_dma_mapping_error(dev, conn->tx_dma)) {
		conn->tx_dma = 0;
		return -ENOMEM;
	}
	conn->tx_cqe.done = rraim_ctrl_tx_done;
	WRITE_ONCE(conn->tx_busy, false);
	for (i = 0; i < RRAIM_CTRL_RX; i++) {
		ret = rraim_post_rx(conn, i);
		if (ret)
			return ret;
	}
	return 0;
}

static int rraim_conn_map_reqs(struct rraim_conn *conn)
{
	struct ib_device *dev = conn->peer->ibdev;
	unsigned int i;

	for (i = 0; i < conn->depth; i++) {
		struct rraim_req *req = &conn->reqs[i];

		req->buf_dma = ib_dma_map_page(dev, req->buf, 0, PAGE_SIZE,
					       DMA_FROM_DEVICE);
		if (ib_dma_mapping_error(dev, req->buf_dma)) {
			req->buf_dma = 0;
			return -ENOMEM;
		}
	}
	return 0;
}

static void rraim_conn_unmap_bufs(struct rraim_conn *conn,
				  struct ib_device *dev)
{
	unsigned int i;

	for (i = 0; i < conn->depth; i++) {
		if (conn->reqs[i].buf_dma)
			ib_dma_unmap_page(dev, conn->reqs[i].buf_dma, PAGE_SIZE,
					  DMA_FROM_DEVICE);
		conn->reqs[i].buf_dma = 0;
	}
	if (!conn->rx)
		return;
	for (i = 0; i < RRAIM_CTRL_RX; i++) {
		if (conn->rx_dma[i])
			ib_dma_unmap_single(dev, conn->rx_dma[i],
					    sizeof(conn->rx[i]),
					    DMA_FROM_DEVICE);
		conn->rx_dma[i] = 0;
	}
	if (conn->tx_dma)
		ib_dma_unmap_single(dev, conn->tx_dma, sizeof(*conn->tx),
				    DMA_TO_DEVICE);
	conn->tx_dma = 0;
}

/*
 * Can CM messages go out through the port and netdev of @id?  Soft-RoCE in
 * 6.1 puts the device's GSI queue pair in the error state for good when it
 * is asked to send a CM message while its netdev is down, which cuts every
 * later connection on that device; so CM messages wait for the link.
 */
static bool rraim_link_up(struct rdma_cm_id *id)
{
	int ifindex = id->route.addr.dev_addr.bound_dev_if;
	enum ib_port_state state;
	struct net_device *ndev;
	bool up = true;

	if (!id->device || !id->port_num)
		return true;
	if (!ib_get_cached_port_state(id->device, id->port_num, &state) &&
	    state != IB_PORT_ACTIVE)
		return false;
	if (!ifindex)
		return true;
	ndev = dev_get_by_index(&init_net, ifindex);
	if (ndev) {
		up = netif_running(ndev) && netif_oper_up(ndev);
		dev_put(ndev);
	}
	return up;
}

/*
 * The link is up and has stayed up for RRAIM_LINK_SETTLE_MS since it was
 * last seen down: a CM exchange started now is unlikely to be cut short
 * and retransmitted into a down link.
 */
static bool rraim_link_settled(struct rraim_peer *peer, struct rdma_cm_id *id)
{
	unsigned long down_at;

	if (!rraim_link_up(id)) {
		WRITE_ONCE(peer->link_down_at, jiffies | 1);
		return false;
	}
	down_at = READ_ONCE(peer->link_down_at);
	return !down_at ||
	       time_after(jiffies, down_at + msecs_to_jiffies(RRAIM_LINK_SETTLE_MS));
}

/* ADDR_RESOLVED: protection domain, CQ, QP, buffers; then the route. */
/*
 * Test hook (debugfs fault_resolve_delay_ms): the ADDR_RESOLVED handler
 * pauses this long once it has its CQ, so that the connect it serves
 * times out meanwhile and the connection is released under it
 * (selftests/rraim_connect_timeout.sh).  0, the default, costs one read.
 */
static u32 rraim_fault_resolve_delay_ms;

u32 rraim_fault_resolve_delay(void)
{
	return READ_ONCE(rraim_fault_resolve_delay_ms);
}

void rraim_fault_set_resolve_delay(u32 ms)
{
	WRITE_ONCE(rraim_fault_resolve_delay_ms, ms);
}

static int rraim_conn_addr_resolved(struct rraim_conn *conn)
{
	struct rraim_peer *peer = conn->peer;
	struct ib_device *dev = conn->cm_id->device;
	struct ib_qp_init_attr attr = {};
	bool ctrl = conn->index == 0;
	unsigned int send_wr, recv_wr;
	int ret;

	if (!peer->ibdev) {
		peer->pd = ib_alloc_pd(dev, 0);
		if (IS_ERR(peer->pd)) {
			ret = PTR_ERR(peer->pd);
			peer->pd = NULL;
			return ret;
		}
		peer->ibdev = dev;
	} else if (peer->ibdev != dev) {
		pr_err("server %s: connections resolved to different devices\n",
		       peer->name);
		return -EXDEV;
	}

	send_wr = ctrl ? 2 : conn->depth;
	recv_wr = ctrl ? RRAIM_CTRL_RX : 0;
	/* one more of each for ib_drain_qp() */
	conn->cq = ib_alloc_cq(dev, conn, send_wr + recv_wr + 2,
			       conn->index % max(dev->num_comp_vectors, 1),
			       IB_POLL_SOFTIRQ);
	if (IS_ERR(conn->cq)) {
		ret = PTR_ERR(conn->cq);
		conn->cq = NULL;
		return ret;
	}
	if (unlikely(READ_ONCE(rraim_fault_resolve_delay_ms)))
		msleep(READ_ONCE(rraim_fault_resolve_delay_ms));
	attr.event_handler = NULL;
	attr.qp_context = conn;
	attr.send_cq = conn->cq;
	attr.recv_cq = conn->cq;
	attr.cap.max_send_wr = send_wr + 1;
	attr.cap.max_recv_wr = recv_wr + 1;
	attr.cap.max_send_sge = 1;
	attr.cap.max_recv_sge = 1;
	attr.sq_sig_type = IB_SIGNAL_ALL_WR;
	attr.qp_type = IB_QPT_RC;
	ret = rdma_create_qp(conn->cm_id, peer->pd, &attr);
	if (ret)
		return ret;
	conn->qp = conn->cm_id->qp;

	ret = ctrl ? rraim_conn_alloc_ctrl_bufs(conn) : rraim_conn_map_reqs(conn);
	if (ret)
		return ret;
	return rdma_resolve_route(conn->cm_id, RRAIM_CM_TIMEOUT_MS);
}

static int rraim_conn_route_resolved(struct rraim_conn *conn)
{
	struct rraim_peer *peer = conn->peer;
	struct rdma_conn_param param = {};
	struct rraim_hello hello = {};

	if (!rraim_link_settled(peer, conn->cm_id))
		return -ENETDOWN;

	hello.magic = cpu_to_le32(RRAIM_PROTO_MAGIC);
	hello.version = cpu_to_le16(RRAIM_PROTO_VERSION);
	hello.role = cpu_to_le16(conn->index ? RRAIM_ROLE_DATA :
				 RRAIM_ROLE_CONTROL);
	hello.session = cpu_to_le64(peer->session);
	hello.token = cpu_to_le64(peer->token);
	hello.qp_index = cpu_to_le16(conn->index);
	hello.qp_count = cpu_to_le16(peer->cfg.nr_data_conns + 1);
	if (!conn->index) {
		/* the control connection: a fresh challenge, if we ask one */
		peer->auth = rraim_auth_enabled();
		if (peer->auth) {
			get_random_bytes(peer->nonce, sizeof(peer->nonce));
			hello.flags = cpu_to_le32(RRAIM_HELLO_AUTH);
			memcpy(hello.nonce, peer->nonce, sizeof(hello.nonce));
		}
	}

	param.private_data = &hello;
	param.private_data_len = sizeof(hello);
	/* RDMA READ hangs on rxe unless both sides allow one. */
	param.initiator_depth = 1;
	param.responder_resources = 1;
	param.retry_count = RRAIM_RETRY_COUNT;
	param.rnr_retry_count = 6;
	param.flow_control = 1;
	return rdma_connect_locked(conn->cm_id, &param);
}

static void rraim_conn_cm_finish(struct rraim_conn *conn, int error)
{
	if (test_and_set_bit(RRAIM_CONN_CM_DONE, &conn->flags))
		return;
	conn->cm_error = error;
	complete(&conn->cm_done);
}

static int __rraim_cm_handler(struct rdma_cm_id *cm_id, struct rdma_cm_event *ev)
{
	struct rraim_conn *conn = cm_id->context;
	struct rraim_peer *peer = conn->peer;
	int ret;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		ret = rraim_conn_addr_resolved(conn);
		if (ret)
			rraim_conn_cm_finish(conn, ret);
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		ret = rraim_conn_route_resolved(conn);
		if (ret)
			rraim_conn_cm_finish(conn, ret);
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		set_bit(RRAIM_CONN_UP, &conn->flags);
		if (!rraim_welcome_valid(conn, &ev->param.conn, &conn->welcome))
			rraim_conn_cm_finish(conn, -EPROTO);
		else
			rraim_conn_cm_finish(conn, 0);
		break;
	case RDMA_CM_EVENT_REJECTED:
		rraim_conn_cm_finish(conn, rraim_conn_rejected(conn, ev));
		break;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
		rraim_conn_cm_finish(conn, -ECONNRESET);
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_ADDR_CHANGE:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		rraim_conn_cm_finish(conn, -ECONNRESET);
		rraim_peer_fail(peer, rdma_event_msg(ev->event));
		break;
	default:
		break;
	}
	/* Never let the CM destroy the id: the peer's work does that. */
	return 0;
}

/*
 * Allocations made while a session is being set up or torn down must not
 * reclaim by swapping out: the store that reclaim would make may be
 * waiting for this very session.  So the CM handler and the transport's
 * work run with memalloc_noio (GFP_KERNEL acts as GFP_NOIO there).
 */
static int rraim_cm_handler(struct rdma_cm_id *cm_id, struct rdma_cm_event *ev)
{
	unsigned int noio = memalloc_noio_save();
	int ret;

	ret = __rraim_cm_handler(cm_id, ev);
	memalloc_noio_restore(noio);
	return ret;
}

/*
 * Stop a connection and flush it: the queue pair goes to the error state
 * and every transfer posted on it completes (with an error if it had not
 * yet).  No CM message is sent.
 */
static void rraim_conn_flush(struct rraim_conn *conn)
{
	rraim_conn_stop(conn);
	/*
	 * Drain every queue pair, connected or not (the control connection
	 * posts its receives before it connects): the drain returns once
	 * every flushed completion was delivered.  Without it, destroying
	 * the queue pair flushes the receives then, and Soft-RoCE in 6.1
	 * schedules its completion tasklet for a completion queue that is
	 * freed right after (rxe_destroy_cq() does not kill that tasklet):
	 * under reconnect churn the tasklet ran on freed memory.
	 */
	if (conn->qp)
		ib_drain_qp(conn->qp);
}

/* Wait until the owners of a flushed connection's transfers let go. */
static void rraim_conn_wait_idle(struct rraim_conn *conn)
{
	struct rraim_peer *peer = conn->peer;
	unsigned long t0 = jiffies;

	while (!wait_event_timeout(conn->free_wq,
				   !atomic_read(&conn->inflight), HZ)) {
		if (time_after(jiffies, t0 + RRAIM_TEARDOWN_WARN_S * HZ)) {
			pr_warn("server %s: waiting for %d transfers on connection %u\n",
				peer->name, atomic_read(&conn->inflight),
				conn->index);
			t0 = jiffies;
		}
	}
}

/*
 * Destroy a quiesced connection.  Process context, never from its own CM
 * handler.  Disconnecting (and destroying a connected CM id) sends a CM
 * message.
 */
static void rraim_conn_release(struct rraim_conn *conn)
{
	struct rraim_peer *peer = conn->peer;

	if (conn->qp && test_and_clear_bit(RRAIM_CONN_UP, &conn->flags))
		rdma_disconnect(conn->cm_id);
	/*
	 * The cm_id first, as nvme-rdma does: rdma_destroy_id() cancels an
	 * address or route resolution still pending and waits for a handler
	 * that is running.  A connect that timed out may have one on its
	 * way; left alive, its ADDR_RESOLVED handler built a QP on the CQ
	 * being freed here (KASAN, 6.12 debug kernel, on a starved guest).
	 * After it, nothing but us touches the QP, the CQ or the buffers.
	 */
	if (conn->cm_id) {
		rdma_destroy_id(conn->cm_id);
		conn->cm_id = NULL;
	}
	if (conn->qp) {
		ib_destroy_qp(conn->qp);
		conn->qp = NULL;
	}
	if (conn->cq) {
		ib_free_cq(conn->cq);
		conn->cq = NULL;
	}
	if (peer->ibdev)
		rraim_conn_unmap_bufs(conn, peer->ibdev);
}

static int rraim_conn_connect(struct rraim_conn *conn)
{
	struct rraim_peer *peer = conn->peer;
	struct rdma_cm_id *id;
	int ret;

	clear_bit(RRAIM_CONN_CM_DONE, &conn->flags);
	reinit_completion(&conn->cm_done);
	conn->cm_error = -ETIMEDOUT;

	id = rdma_create_id(&init_net, rraim_cm_handler, conn, RDMA_PS_TCP,
			    IB_QPT_RC);
	if (IS_ERR(id))
		return PTR_ERR(id);
	conn->cm_id = id;
	ret = rdma_set_ack_timeout(id, RRAIM_ACK_TIMEOUT);
	if (ret)
		return ret;
	ret = rdma_resolve_addr(id, NULL, (struct sockaddr *)&peer->addr,
				RRAIM_CM_TIMEOUT_MS);
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&conn->cm_done,
					 msecs_to_jiffies(3 * RRAIM_CM_TIMEOUT_MS)))
		return -ETIMEDOUT;
	if (conn->cm_error)
		return conn->cm_error;
	spin_lock_bh(&conn->lock);
	set_bit(RRAIM_CONN_LIVE, &conn->flags);
	spin_unlock_bh(&conn->lock);
	return 0;
}

/* Stage one of a teardown: nothing in flight any more, no CM message. */
static void rraim_peer_quiesce(struct rraim_peer *peer)
{
	unsigned int i;

	cancel_delayed_work_sync(&peer->hb_work);
	/*
	 * Flush every queue pair before waiting for any: a store that holds
	 * a transfer on one of ours may be waiting for its transfer on
	 * another connection (or another peer being torn down the same way)
	 * to complete, which only the flush makes happen.
	 */
	for (i = 0; i < peer->cfg.nr_data_conns; i++)
		rraim_conn_flush(&peer->data[i]);
	rraim_conn_flush(&peer->ctrl);
	for (i = 0; i < peer->cfg.nr_data_conns; i++)
		rraim_conn_wait_idle(&peer->data[i]);
	rraim_conn_wait_idle(&peer->ctrl);
}

/* Stage two: destroy the connections and the protection domain. */
static void rraim_peer_release(struct rraim_peer *peer)
{
	unsigned int i;

	for (i = 0; i < peer->cfg.nr_data_conns; i++)
		rraim_conn_release(&peer->data[i]);
	rraim_conn_release(&peer->ctrl);
	/* a chunk number is only meaningful on the connection it came on */
	peer->late_alloc_seq = 0;
	peer->nr_late = 0;
	if (peer->pd) {
		ib_dealloc_pd(peer->pd);
		peer->pd = NULL;
	}
	peer->ibdev = NULL;
	clear_bit(RRAIM_PEER_DEV_GONE, &peer->flags);
	wake_up_all(&peer->gone_wq);
}

static void rraim_peer_teardown(struct rraim_peer *peer)
{
	rraim_peer_quiesce(peer);
	rraim_peer_release(peer);
}

static bool rraim_peer_link_up(struct rraim_peer *peer)
{
	return !peer->ctrl.cm_id || rraim_link_settled(peer, peer->ctrl.cm_id);
}

/*
 * The server proved in its welcome that it holds the secret; now we
 * prove it, before any data connection or request.  A server that cannot
 * prove it gets nothing of ours: not a page, not a request.
 */
static int rraim_peer_authenticate(struct rraim_peer *peer)
{
	const struct rraim_welcome *w = &peer->ctrl.welcome;
	u8 want[RRAIM_AUTH_PROOF_LEN], proof[RRAIM_AUTH_PROOF_LEN];
	struct rraim_msg reply;
	int ret;

	if (!peer->auth) {
		pr_notice_once("no auth_key: memory servers are not authenticated, and pages go to whatever answers at their addresses\n");
		return 0;
	}
	if (!(le16_to_cpu(w->flags) & RRAIM_WELCOME_AUTH)) {
		pr_err_ratelimited("server %s does not authenticate (no --secret there): not using it\n",
				   peer->name);
		return -EACCES;
	}
	ret = rraim_auth_proof(RRAIM_AUTH_SERVER_LABEL, peer->nonce, w->nonce,
			       peer->session, want);
	if (ret)
		return ret;
	if (crypto_memneq(want, w->proof, sizeof(want))) {
		pr_err_ratelimited("server %s: wrong proof: it does not hold this cluster's secret; not using it\n",
				   peer->name);
		return -EACCES;
	}
	ret = rraim_auth_proof(RRAIM_AUTH_CLIENT_LABEL, w->nonce, peer->nonce,
			       peer->session, proof);
	if (!ret)
		ret = rraim_rpc(peer, RRAIM_MSG_AUTH, 0, proof, &reply);
	memzero_explicit(proof, sizeof(proof));
	if (ret == -EACCES)
		pr_err_ratelimited("server %s refused our proof: its secret is not ours\n",
				   peer->name);
	return ret;
}

static int rraim_peer_connect(struct rraim_peer *peer)
{
	struct rraim_welcome *w = &peer->ctrl.welcome;
	unsigned int i;
	int ret;

	ret = rraim_conn_connect(&peer->ctrl);
	if (ret)
		return ret;
	ret = rraim_peer_authenticate(peer);
	if (ret)
		return ret;
	for (i = 0; i < peer->cfg.nr_data_conns; i++) {
		ret = rraim_conn_connect(&peer->data[i]);
		if (ret)
			return ret;
	}
	peer->info.incarnation = le64_to_cpu(w->incarnation);
	peer->info.resumed = le16_to_cpu(w->flags) & RRAIM_WELCOME_RESUMED;
	peer->info.nr_chunks = le32_to_cpu(w->nr_chunks);
	peer->info.capacity = le64_to_cpu(w->capacity);
	peer->info.free = le64_to_cpu(w->free);
	WRITE_ONCE(peer->capacity, peer->info.capacity);
	WRITE_ONCE(peer->free_bytes, peer->info.free);
	return 0;
}

static unsigned long rraim_backoff(struct rraim_peer *peer)
{
	unsigned int shift = min(peer->attempts, 8U);
	unsigned long ms = min(RRAIM_BACKOFF_MIN_MS << shift,
			       RRAIM_BACKOFF_MAX_MS);

	/* +-25% jitter, so that many clients do not reconnect in step */
	ms = ms * 3 / 4 + get_random_u32_below(ms / 2 + 1);
	return msecs_to_jiffies(ms);
}

/* The peer's state machine: tear down after a failure, (re)connect. */
static void __rraim_peer_work(struct work_struct *work)
{
	struct rraim_peer *peer = container_of(to_delayed_work(work),
					       struct rraim_peer, work);
	unsigned long flags;
	bool failed;
	int ret;

	if (test_and_clear_bit(RRAIM_PEER_TEARDOWN, &peer->flags)) {
		rraim_peer_quiesce(peer);
		set_bit(RRAIM_PEER_PARKED, &peer->flags);
		if (test_and_clear_bit(RRAIM_PEER_WAS_UP, &peer->flags)) {
			peer->ops->down(peer, peer->priv);
			/*
			 * A server that accepts us and then fails at once
			 * (bad replies, bad keys, silence) is retried with
			 * the same backoff as one that refuses us.
			 */
			if (time_before(jiffies, peer->up_at +
					msecs_to_jiffies(RRAIM_STABLE_MS)))
				peer->attempts++;
			else
				peer->attempts = 0;
		}
	}
	if (test_bit(RRAIM_PEER_PARKED, &peer->flags)) {
		if (!rraim_peer_link_up(peer) &&
		    !test_bit(RRAIM_PEER_STOP, &peer->flags) &&
		    !test_bit(RRAIM_PEER_DEV_GONE, &peer->flags)) {
			queue_delayed_work(rraim_wq, &peer->work, HZ / 5);
			return;
		}
		rraim_peer_release(peer);
		clear_bit(RRAIM_PEER_PARKED, &peer->flags);
		if (!test_bit(RRAIM_PEER_STOP, &peer->flags))
			queue_delayed_work(rraim_wq, &peer->work,
					   rraim_backoff(peer));
		return;
	}
	if (test_bit(RRAIM_PEER_STOP, &peer->flags))
		return;

	spin_lock_irqsave(&peer->lock, flags);
	peer->connect_failed = false;
	rraim_peer_set_state(peer, RRAIM_PEER_CONNECTING, "connecting");
	spin_unlock_irqrestore(&peer->lock, flags);

	ret = rraim_peer_connect(peer);

	spin_lock_irqsave(&peer->lock, flags);
	failed = ret || peer->connect_failed ||
		 test_bit(RRAIM_PEER_STOP, &peer->flags);
	if (peer->state == RRAIM_PEER_STOPPED)
		;	/* being destroyed: stays stopped */
	else if (failed)
		rraim_peer_set_state(peer, RRAIM_PEER_DEAD,
				     ret == -ECONNREFUSED ? "connection refused" :
				     ret == -ENETDOWN ? "link down" :
				     ret == -EACCES ? "authentication failed" :
				     "connect failed");
	else
		rraim_peer_set_state(peer, RRAIM_PEER_LIVE, peer->info.resumed ?
				     "session resumed" : "connected");
	spin_unlock_irqrestore(&peer->lock, flags);

	if (failed) {
		rraim_peer_teardown(peer);
		peer->attempts++;
		if (!peer->connect_warned) {
			peer->connect_warned = true;
			pr_warn("server %s: cannot connect (%d); retrying\n",
				peer->name, ret);
		}
		if (!test_bit(RRAIM_PEER_STOP, &peer->flags))
			queue_delayed_work(rraim_wq, &peer->work,
					   rraim_backoff(peer));
		return;
	}
	peer->up_at = jiffies;
	peer->connect_warned = false;
	peer->hb_misses = 0;
	set_bit(RRAIM_PEER_WAS_UP, &peer->flags);
	peer->ops->up(peer, peer->priv, &peer->info);
	queue_delayed_work(rraim_wq, &peer->hb_work,
			   msecs_to_jiffies(READ_ONCE(peer->cfg.heartbeat_ms)));
}

static void rraim_peer_work(struct work_struct *work)
{
	unsigned int noio = memalloc_noio_save();

	__rraim_peer_work(work);
	memalloc_noio_restore(noio);
}

/* ------------------------------------------------------ create, destroy */

static int rraim_conn_init(struct rraim_peer *peer, struct rraim_conn *conn,
			   unsigned int index)
{
	unsigned int i;

	conn->peer = peer;
	conn->index = index;
	spin_lock_init(&conn->lock);
	init_completion(&conn->cm_done);
	init_waitqueue_head(&conn->free_wq);
	init_waitqueue_head(&conn->tx_wq);
	atomic_set(&conn->inflight, 0);

	if (index == 0) {
		conn->rx = kcalloc(RRAIM_CTRL_RX, sizeof(*conn->rx), GFP_KERNEL);
		conn->tx = kzalloc(sizeof(*conn->tx), GFP_KERNEL);
		return conn->rx && conn->tx ? 0 : -ENOMEM;
	}

	conn->depth = peer->cfg.depth;
	conn->reqs = kcalloc(conn->depth, sizeof(*conn->reqs), GFP_KERNEL);
	conn->free = kcalloc(conn->depth, sizeof(*conn->free), GFP_KERNEL);
	if (!conn->reqs || !conn->free)
		return -ENOMEM;
	for (i = 0; i < conn->depth; i++) {
		struct rraim_req *req = &conn->reqs[i];

		req->buf = alloc_page(GFP_KERNEL);
		if (!req->buf)
			return -ENOMEM;
		req->conn = conn;
		req->cqe.done = rraim_data_done;
		spin_lock_init(&req->lock);
		conn->free[conn->nr_free++] = req;
	}
	return 0;
}

static void rraim_conn_free(struct rraim_conn *conn)
{
	unsigned int i;

	if (conn->reqs)
		for (i = 0; i < conn->depth; i++)
			if (conn->reqs[i].buf)
				__free_page(conn->reqs[i].buf);
	kfree(conn->reqs);
	kfree(conn->free);
	kfree(conn->rx);
	kfree(conn->tx);
}

static void rraim_peer_free(struct rraim_peer *peer)
{
	unsigned int i;

	rraim_conn_free(&peer->ctrl);
	if (peer->data)
		for (i = 0; i < peer->cfg.nr_data_conns; i++)
			rraim_conn_free(&peer->data[i]);
	kfree(peer->data);
	kfree(peer);
}

/**
 * rraim_peer_create - start a session with a memory server
 * @name: printable name, e.g. "10.0.0.2:7471"
 * @addr: the server's address
 * @cfg: tunables
 * @ops: callbacks
 * @priv: passed to @ops
 *
 * Everything the data path needs is allocated here; connecting happens in
 * the background, and @ops->up is called once the session is usable.
 * Return: the peer or an ERR_PTR.
 */
struct rraim_peer *rraim_peer_create(const char *name,
				     const struct sockaddr_storage *addr,
				     const struct rraim_peer_config *cfg,
				     const struct rraim_peer_ops *ops,
				     void *priv)
{
	struct rraim_peer *peer;
	unsigned int i;
	int ret;

	if (!cfg->nr_data_conns || cfg->nr_data_conns > RRAIM_MAX_DATA_CONNS ||
	    !cfg->depth || cfg->depth > RRAIM_MAX_DEPTH)
		return ERR_PTR(-EINVAL);

	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	strscpy(peer->name, name, sizeof(peer->name));
	peer->addr = *addr;
	peer->cfg = *cfg;
	peer->ops = ops;
	peer->priv = priv;
	do {
		peer->session = get_random_u64();
	} while (!peer->session);
	peer->token = get_random_u64();
	spin_lock_init(&peer->lock);
	peer->state = RRAIM_PEER_CONNECTING;
	peer->since = ktime_get();
	strscpy(peer->reason, "created", sizeof(peer->reason));
	INIT_DELAYED_WORK(&peer->work, rraim_peer_work);
	INIT_DELAYED_WORK(&peer->hb_work, rraim_hb_work);
	mutex_init(&peer->ctrl_mutex);
	init_completion(&peer->rpc_done);
	init_waitqueue_head(&peer->gone_wq);

	peer->data = kcalloc(cfg->nr_data_conns, sizeof(*peer->data),
			     GFP_KERNEL);
	if (!peer->data) {
		ret = -ENOMEM;
		goto out_free;
	}
	ret = rraim_conn_init(peer, &peer->ctrl, 0);
	if (ret)
		goto out_free;
	for (i = 0; i < cfg->nr_data_conns; i++) {
		ret = rraim_conn_init(peer, &peer->data[i], i + 1);
		if (ret)
			goto out_free;
	}

	mutex_lock(&rraim_peers_mutex);
	list_add_tail(&peer->node, &rraim_peers);
	mutex_unlock(&rraim_peers_mutex);
	queue_delayed_work(rraim_wq, &peer->work, 0);
	return peer;

out_free:
	rraim_peer_free(peer);
	return ERR_PTR(ret);
}

/**
 * rraim_peer_destroy - end the session and free the peer
 * @peer: the peer
 * @bye: tell the server to free the session's memory now (no grace)
 *
 * Sleeps until every connection is torn down.  @ops->down is called if the
 * session was up.
 */
void rraim_peer_destroy(struct rraim_peer *peer, bool bye)
{
	struct rraim_msg reply;
	unsigned long flags;

	if (bye && rraim_peer_usable(peer))
		rraim_rpc(peer, RRAIM_MSG_BYE, 0, NULL, &reply);

	mutex_lock(&rraim_peers_mutex);
	list_del(&peer->node);
	mutex_unlock(&rraim_peers_mutex);

	set_bit(RRAIM_PEER_STOP, &peer->flags);
	spin_lock_irqsave(&peer->lock, flags);
	peer->connect_failed = true;
	rraim_peer_set_state(peer, RRAIM_PEER_STOPPED, "removed");
	spin_unlock_irqrestore(&peer->lock, flags);
	cancel_delayed_work_sync(&peer->work);
	cancel_delayed_work_sync(&peer->hb_work);
	rraim_peer_teardown(peer);
	/* A completion or CM event of the old connections may have queued
	 * the work again; after the teardown nothing else can.
	 */
	cancel_delayed_work_sync(&peer->work);
	cancel_delayed_work_sync(&peer->hb_work);
	if (test_and_clear_bit(RRAIM_PEER_WAS_UP, &peer->flags))
		peer->ops->down(peer, peer->priv);
	rraim_peer_free(peer);
}

/* An RDMA device goes away: drop every session that uses it, now. */
static void rraim_ib_remove(struct ib_device *dev, void *client_data)
{
	struct rraim_peer *peer;

	mutex_lock(&rraim_peers_mutex);
	list_for_each_entry(peer, &rraim_peers, node) {
		if (READ_ONCE(peer->ibdev) != dev)
			continue;
		set_bit(RRAIM_PEER_DEV_GONE, &peer->flags);
		rraim_peer_fail(peer, "device removed");
		mod_delayed_work(rraim_wq, &peer->work, 0);
		wait_event(peer->gone_wq, READ_ONCE(peer->ibdev) != dev);
	}
	mutex_unlock(&rraim_peers_mutex);
}

static struct ib_client rraim_ib_client = {
	.name = "rraim",
	.remove = rraim_ib_remove,
};

int rraim_rdma_init(void)
{
	int ret;

	rraim_wq = alloc_workqueue("rraim", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!rraim_wq)
		return -ENOMEM;
	ret = ib_register_client(&rraim_ib_client);
	if (ret) {
		destroy_workqueue(rraim_wq);
		return ret;
	}
	return 0;
}

void rraim_rdma_exit(void)
{
	ib_unregister_client(&rraim_ib_client);
	destroy_workqueue(rraim_wq);
}
