/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM transport: connections to memory servers over RDMA CM.
 *
 * The transport knows nothing of swap.  It keeps one session per memory
 * server (a "peer"): one control connection for the grant protocol and the
 * heartbeat, and several data connections carrying one-sided RDMA READ and
 * WRITE between local pages and the chunks the server granted.  It detects
 * failures (CM events, completion errors, missed heartbeats, deadlines
 * reported by its user), tears the connections down and reconnects with
 * backoff and jitter, resuming the session so that the server's chunks
 * survive a network glitch.
 *
 * Data transfers are asynchronous: the caller starts one or more transfers
 * bound to a struct rraim_waiter, sleeps on the waiter until enough of them
 * completed or a deadline passed, then finishes each transfer.  A READ lands
 * in a buffer owned by the transfer's request and is copied into the
 * caller's page only by rraim_xfer_finish(), so a transfer the caller gave
 * up on (rraim_xfer_abandon()) can complete late without touching the page.
 * A WRITE reads the caller's page directly; the caller must not give up on
 * a WRITE: it fails the peer instead (rraim_peer_fail()), which flushes the
 * transfer with an error, and waits for that.
 */
#ifndef RRAIM_RDMA_H
#define RRAIM_RDMA_H

#include <linux/types.h>
#include <linux/wait.h>

struct page;
struct rraim_peer;
struct rraim_req;

/**
 * enum rraim_peer_state - connection state of a peer
 * @RRAIM_PEER_CONNECTING: establishing the session's connections
 * @RRAIM_PEER_LIVE: every connection is up and the heartbeat answers
 * @RRAIM_PEER_SUSPECT: up, but a heartbeat or a transfer missed its
 *	deadline; no new stores are placed there until it answers again
 * @RRAIM_PEER_DEAD: connections torn down; a reconnect is scheduled
 * @RRAIM_PEER_STOPPED: destroyed or stopped by its user; no reconnect
 */
enum rraim_peer_state {
	RRAIM_PEER_CONNECTING,
	RRAIM_PEER_LIVE,
	RRAIM_PEER_SUSPECT,
	RRAIM_PEER_DEAD,
	RRAIM_PEER_STOPPED,
};

/**
 * struct rraim_peer_info - what the server said when the session came up
 * @incarnation: the server process's identity; a new value means that
 *	everything the session stored there is gone
 * @resumed: the server still held the session (chunks intact)
 * @nr_chunks: chunks the session holds on the server
 * @capacity: bytes of the server's pool
 * @free: free bytes of the server's pool
 */
struct rraim_peer_info {
	u64 incarnation;
	bool resumed;
	u32 nr_chunks;
	u64 capacity;
	u64 free;
};

/**
 * struct rraim_peer_ops - callbacks from the transport to its user
 * @up: the session is (again) usable.  Called from the transport's
 *	workqueue; may sleep, may issue control requests.
 * @down: the connections were lost.  Called from the transport's
 *	workqueue after every transfer of the old connections completed or
 *	was flushed; may sleep.
 */
struct rraim_peer_ops {
	void (*up)(struct rraim_peer *peer, void *priv,
		   const struct rraim_peer_info *info);
	void (*down)(struct rraim_peer *peer, void *priv);
};

/**
 * struct rraim_peer_config - per-peer tunables, fixed at creation
 * @nr_data_conns: data connections (queue pairs), 1..RRAIM_MAX_DATA_CONNS
 * @depth: transfers in flight per data connection
 * @heartbeat_ms: interval between heartbeats
 * @timeout_ms: deadline of a heartbeat or a control request
 */
struct rraim_peer_config {
	unsigned int nr_data_conns;
	unsigned int depth;
	unsigned int heartbeat_ms;
	unsigned int timeout_ms;
};

#define RRAIM_MAX_DATA_CONNS	16
#define RRAIM_MAX_DEPTH		256

/**
 * struct rraim_chunk_desc - a chunk the server granted
 * @chunk: the server's number for it
 * @rkey: remote key
 * @addr: remote address of its first byte
 */
struct rraim_chunk_desc {
	u32 chunk;
	u32 rkey;
	u64 addr;
};

/**
 * struct rraim_waiter - what a caller sleeps on while its transfers run
 * @wq: woken at every completion of a bound transfer
 */
struct rraim_waiter {
	wait_queue_head_t wq;
};

/**
 * struct rraim_xfer - one transfer, owned by the caller (usually on stack)
 * @req: the transport's request while the transfer is bound to it
 * @peer: where it goes
 * @status: 0 on success, negative errno; valid once rraim_xfer_done()
 */
struct rraim_xfer {
	struct rraim_req *req;
	struct rraim_peer *peer;
	int status;
};

int rraim_rdma_init(void);
void rraim_rdma_exit(void);

struct rraim_peer *rraim_peer_create(const char *name,
				     const struct sockaddr_storage *addr,
				     const struct rraim_peer_config *cfg,
				     const struct rraim_peer_ops *ops,
				     void *priv);
void rraim_peer_destroy(struct rraim_peer *peer, bool bye);
/* Test hook (debugfs): a pause in an ADDR_RESOLVED handler, in ms */
u32 rraim_fault_resolve_delay(void);
void rraim_fault_set_resolve_delay(u32 ms);
/* Test hook (debugfs): every FREE refused unsent for a while, in ms */
u32 rraim_fault_free_busy(void);
void rraim_fault_set_free_busy(u32 ms);
/* Test hook (debugfs): the next ALLOCs are given up as soon as sent */
u32 rraim_fault_alloc_late_left(void);
void rraim_fault_set_alloc_late(u32 n);
void rraim_peer_tune(struct rraim_peer *peer, unsigned int heartbeat_ms,
		     unsigned int timeout_ms);
void rraim_peer_fail(struct rraim_peer *peer, const char *reason);
void rraim_peer_suspect(struct rraim_peer *peer, const char *reason);
enum rraim_peer_state rraim_peer_state(struct rraim_peer *peer);
const char *rraim_peer_state_name(enum rraim_peer_state state);
int rraim_peer_state_info(struct rraim_peer *peer, u64 *since_ns,
			  char *reason, size_t len);
void rraim_peer_pool(struct rraim_peer *peer, u64 *capacity, u64 *free);
bool rraim_peer_usable(struct rraim_peer *peer);

int rraim_peer_alloc_chunk(struct rraim_peer *peer,
			   struct rraim_chunk_desc *desc);
int rraim_peer_free_chunk(struct rraim_peer *peer, u32 chunk);

void rraim_waiter_init(struct rraim_waiter *w);
int rraim_xfer_write(struct rraim_xfer *x, struct rraim_peer *peer,
		     struct rraim_waiter *w, struct page *page,
		     u64 raddr, u32 rkey);
int rraim_xfer_read(struct rraim_xfer *x, struct rraim_peer *peer,
		    struct rraim_waiter *w, u64 raddr, u32 rkey);
bool rraim_xfer_done(struct rraim_xfer *x);
int rraim_xfer_finish(struct rraim_xfer *x, struct page *page);
void rraim_xfer_abandon(struct rraim_xfer *x);

#endif /* RRAIM_RDMA_H */
