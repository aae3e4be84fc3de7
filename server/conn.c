// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: RDMA connections and the control protocol.
 *
 * A connection is built when its connect request is admitted
 * (rraim_conn_create: CQ, QP in the session's PD, and for a control
 * connection a completion channel and posted receive buffers), accepted
 * (rraim_conn_accept), and torn down in one go (rraim_conn_destroy).
 *
 * Teardown order, each step making the next one legal:
 *   rdma_disconnect    QP to error, DREQ to the client
 *   rdma_destroy_qp    no work request touches the buffers or the CQ now
 *   ibv_dereg_mr       the message buffers
 *   ibv_destroy_cq     every completion event of it was acknowledged
 *   ibv_destroy_comp_channel
 *   rdma_destroy_id    the CM events of the id were all acknowledged
 *                      (cm.c acknowledges each event before acting on it)
 *
 * Data connections carry one-sided traffic only: their QP never has a
 * work request of ours, so their CQ stays empty and has no channel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "server.h"

static void rraim_conn_set_state(struct rraim_conn *conn,
				 enum rraim_conn_state state)
{
	static const char *const names[] = {
		[RRAIM_CONN_NEW] = "new",
		[RRAIM_CONN_ACCEPTING] = "accepting",
		[RRAIM_CONN_ESTABLISHED] = "established",
	};

	rraim_conn_log(conn, LOG_DEBUG, "%s -> %s", names[conn->state],
		       names[state]);
	conn->state = state;
}

/* ------------------------------------------------------------------ */
/* Control messages                                                    */
/* ------------------------------------------------------------------ */

static struct rraim_msg *rraim_ctrl_reply_buf(struct rraim_ctrl *ctrl,
					      unsigned int slot)
{
	return &ctrl->msgs[RRAIM_CTRL_DEPTH + slot];
}

static int rraim_ctrl_post_recv(struct rraim_conn *conn, unsigned int slot)
{
	struct rraim_ctrl *ctrl = conn->ctrl;
	struct ibv_sge sge = {
		.addr = (uintptr_t)&ctrl->msgs[slot],
		.length = sizeof(struct rraim_msg),
		.lkey = ctrl->msgs_mr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = slot,
		.sg_list = &sge,
		.num_sge = 1,
	};
	struct ibv_recv_wr *bad;
	int ret;

	ret = ibv_post_recv(conn->id->qp, &wr, &bad);
	if (ret) {
		rraim_conn_log(conn, LOG_ERR, "cannot post a receive: %s",
			       strerror(ret));
		return -1;
	}
	ctrl->slot[slot] = RRAIM_SLOT_RECV;
	return 0;
}

static int rraim_ctrl_post_reply(struct rraim_conn *conn, unsigned int slot)
{
	struct rraim_ctrl *ctrl = conn->ctrl;
	struct ibv_sge sge = {
		.addr = (uintptr_t)rraim_ctrl_reply_buf(ctrl, slot),
		.length = ctrl->reply_len[slot],
		.lkey = ctrl->msgs_mr->lkey,
	};
	uintptr_t end = (uintptr_t)&ctrl->msgs[2 * RRAIM_CTRL_DEPTH];
	struct ibv_send_wr wr = {
		.wr_id = RRAIM_CTRL_DEPTH + slot,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IBV_WR_SEND,
		/* Every reply is signaled: its completion frees the slot. */
		.send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	int ret;

	/*
	 * Only a fault hook (fault.h) makes a reply longer than a message:
	 * it reads on into the next reply buffers, and from one of the last
	 * slots starts early, to stay inside msgs_mr.
	 */
	if (sge.addr + sge.length > end)
		sge.addr = end - sge.length;
	ret = ibv_post_send(conn->id->qp, &wr, &bad);
	if (ret) {
		rraim_conn_log(conn, LOG_ERR, "cannot post a reply: %s",
			       strerror(ret));
		return -1;
	}
	ctrl->slot[slot] = RRAIM_SLOT_SEND;
	return 0;
}

/*
 * A request can complete before this side has seen ESTABLISHED: the
 * client moves to RTS when it gets our REP, but librdmacm moves our QP to
 * RTS only when we read the ESTABLISHED event, and a send posted before
 * that fails.  Such replies wait in the backlog.
 */
static int rraim_ctrl_queue_reply(struct rraim_conn *conn, unsigned int slot)
{
	struct rraim_ctrl *ctrl = conn->ctrl;

	if (conn->state == RRAIM_CONN_ESTABLISHED)
		return rraim_ctrl_post_reply(conn, slot);
	ctrl->slot[slot] = RRAIM_SLOT_REPLY;
	ctrl->backlog[ctrl->nr_backlog++] = (uint8_t)slot;
	return 0;
}

static int rraim_ctrl_flush_backlog(struct rraim_conn *conn)
{
	struct rraim_ctrl *ctrl = conn->ctrl;
	unsigned int i;

	for (i = 0; i < ctrl->nr_backlog; i++)
		if (rraim_ctrl_post_reply(conn, ctrl->backlog[i]))
			return -1;
	ctrl->nr_backlog = 0;
	return 0;
}

static int rraim_ctrl_handle_recv(struct rraim_conn *conn,
				  const struct ibv_wc *wc, unsigned int slot)
{
	struct rraim_ctrl *ctrl = conn->ctrl;
	struct rraim_msg_info req, rep;
	uint32_t len = wc->byte_len;
	uint16_t status;

	if (ctrl->slot[slot] != RRAIM_SLOT_RECV) {
		rraim_conn_log(conn, LOG_ERR, "receive on slot %u in state %u",
			       slot, ctrl->slot[slot]);
		return -1;
	}
	/*
	 * Only a plain SEND is a request.  An RDMA WRITE with immediate also
	 * consumes a receive, but leaves nothing in the buffer.
	 */
	if (wc->opcode != IBV_WC_RECV)
		len = 0;
	status = rraim_msg_decode_request(&ctrl->msgs[slot], len, &req);
	if (wc->wc_flags & IBV_WC_WITH_IMM)
		status = RRAIM_EINVAL;

	rraim_session_request(conn->session, status, &req, &rep);
	rraim_msg_encode(rraim_ctrl_reply_buf(ctrl, slot), &rep);
	ctrl->reply_len[slot] = sizeof(struct rraim_msg);
	if (rraim_fault_reply(&req, rraim_ctrl_reply_buf(ctrl, slot),
			      &ctrl->reply_len[slot]) == RRAIM_FAULT_DROP)
		return rraim_ctrl_post_recv(conn, slot);
	return rraim_ctrl_queue_reply(conn, slot);
}

static int rraim_ctrl_handle_send(struct rraim_conn *conn,
				  const struct ibv_wc *wc, unsigned int slot)
{
	struct rraim_ctrl *ctrl = conn->ctrl;

	if (ctrl->slot[slot] != RRAIM_SLOT_SEND || wc->opcode != IBV_WC_SEND) {
		rraim_conn_log(conn, LOG_ERR, "send completion on slot %u in state %u",
			       slot, ctrl->slot[slot]);
		return -1;
	}
	/* The reply has left: its request buffer may take the next one. */
	return rraim_ctrl_post_recv(conn, slot);
}

static void rraim_ctrl_wc_error(struct rraim_conn *conn,
				const struct ibv_wc *wc)
{
	const char *what = wc->wr_id < RRAIM_CTRL_DEPTH ? "receive" : "reply";

	/* Flushes follow the QP into the error state: the cause came first. */
	if (wc->status == IBV_WC_WR_FLUSH_ERR) {
		rraim_conn_log(conn, LOG_DEBUG, "%s flushed", what);
		return;
	}
	rraim_conn_log(conn, LOG_WARNING, "%s failed: %s (vendor error 0x%x)",
		       what, ibv_wc_status_str(wc->status), wc->vendor_err);
}

/* Returns -1 when the connection must be closed. */
static int rraim_ctrl_handle_wc(struct rraim_conn *conn,
				const struct ibv_wc *wc)
{
	if (wc->status != IBV_WC_SUCCESS) {
		rraim_ctrl_wc_error(conn, wc);
		return -1;
	}
	if (wc->wr_id < RRAIM_CTRL_DEPTH)
		return rraim_ctrl_handle_recv(conn, wc, (unsigned int)wc->wr_id);
	if (wc->wr_id < 2 * RRAIM_CTRL_DEPTH)
		return rraim_ctrl_handle_send(conn, wc,
				(unsigned int)(wc->wr_id - RRAIM_CTRL_DEPTH));
	rraim_conn_log(conn, LOG_ERR, "completion with unknown wr_id %#llx",
		       (unsigned long long)wc->wr_id);
	return -1;
}

/* Drain the CQ: completions already queued raise no new event. */
static int rraim_ctrl_poll(struct rraim_conn *conn)
{
	struct ibv_wc wc[8];
	int n, i;

	while ((n = ibv_poll_cq(conn->cq, 8, wc)) > 0)
		for (i = 0; i < n; i++)
			if (rraim_ctrl_handle_wc(conn, &wc[i]))
				return -1;
	if (n < 0) {
		rraim_conn_log(conn, LOG_ERR, "cannot poll the CQ");
		return -1;
	}
	return 0;
}

/*
 * The completion channel of a control connection is readable.  Returns -1
 * when the connection must be closed; the caller does that, as nothing
 * below may free the connection it works on.
 */
int rraim_conn_process_cq(struct rraim_conn *conn)
{
	struct ibv_cq *cq;
	void *cq_context;

	if (ibv_get_cq_event(conn->channel, &cq, &cq_context)) {
		if (errno == EAGAIN)
			return 0;
		rraim_conn_log(conn, LOG_ERR, "cannot read a CQ event: %s",
			       strerror(errno));
		return -1;
	}
	ibv_ack_cq_events(cq, 1);
	/* Re-arm before polling, so nothing slips between the two. */
	if (ibv_req_notify_cq(cq, 0)) {
		rraim_conn_log(conn, LOG_ERR, "cannot arm the CQ");
		return -1;
	}
	return rraim_ctrl_poll(conn);
}

/* ------------------------------------------------------------------ */
/* Building a connection                                               */
/* ------------------------------------------------------------------ */

static int rraim_conn_create_cq(struct rraim_conn *conn)
{
	struct ibv_context *verbs = conn->id->verbs;
	bool control = conn->role == RRAIM_ROLE_CONTROL;
	int cqe = control ? 2 * RRAIM_CTRL_DEPTH : 2;

	if (control) {
		conn->channel = ibv_create_comp_channel(verbs);
		if (!conn->channel ||
		    rraim_set_nonblock(conn->channel->fd)) {
			rraim_conn_log(conn, LOG_ERR,
				       "cannot create a completion channel: %s",
				       strerror(errno));
			return -1;
		}
	}
	conn->cq = ibv_create_cq(verbs, cqe, conn, conn->channel, 0);
	if (!conn->cq) {
		rraim_conn_log(conn, LOG_ERR, "cannot create a CQ: %s",
			       strerror(errno));
		return -1;
	}
	if (control && ibv_req_notify_cq(conn->cq, 0)) {
		rraim_conn_log(conn, LOG_ERR, "cannot arm the CQ");
		return -1;
	}
	return 0;
}

static int rraim_conn_create_qp(struct rraim_conn *conn)
{
	bool control = conn->role == RRAIM_ROLE_CONTROL;
	struct ibv_qp_init_attr attr = {
		.send_cq = conn->cq,
		.recv_cq = conn->cq,
		.qp_type = IBV_QPT_RC,
		.cap = {
			/* Data QPs never see a work request of ours. */
			.max_send_wr = control ? RRAIM_CTRL_DEPTH : 1,
			.max_recv_wr = control ? RRAIM_CTRL_DEPTH : 1,
			.max_send_sge = 1,
			.max_recv_sge = 1,
		},
	};

	if (rdma_create_qp(conn->id, conn->session->pd, &attr)) {
		rraim_conn_log(conn, LOG_ERR, "cannot create a QP: %s",
			       strerror(errno));
		return -1;
	}
	return 0;
}

static int rraim_ctrl_setup(struct rraim_conn *conn)
{
	size_t len = 2 * RRAIM_CTRL_DEPTH * sizeof(struct rraim_msg);
	struct rraim_ctrl *ctrl;
	unsigned int slot;

	ctrl = calloc(1, sizeof(*ctrl));
	if (!ctrl)
		return -1;
	conn->ctrl = ctrl;
	ctrl->msgs = calloc(2 * RRAIM_CTRL_DEPTH, sizeof(*ctrl->msgs));
	if (!ctrl->msgs)
		return -1;
	/* Local write only: no peer may address these buffers. */
	ctrl->msgs_mr = ibv_reg_mr(conn->session->pd, ctrl->msgs, len,
				   IBV_ACCESS_LOCAL_WRITE);
	if (!ctrl->msgs_mr) {
		rraim_conn_log(conn, LOG_ERR, "cannot register buffers: %s",
			       strerror(errno));
		return -1;
	}
	for (slot = 0; slot < RRAIM_CTRL_DEPTH; slot++)
		if (rraim_ctrl_post_recv(conn, slot))
			return -1;
	return 0;
}

static void rraim_ctrl_free(struct rraim_ctrl *ctrl)
{
	int ret;

	if (ctrl->msgs_mr) {
		ret = ibv_dereg_mr(ctrl->msgs_mr);
		if (ret)
			rraim_err("cannot deregister control buffers: %s",
				  strerror(ret));
	}
	free(ctrl->msgs);
	free(ctrl);
}

/*
 * Build the QP and its companions for a connect request admitted into
 * @s.  Returns NULL after undoing everything but @id, which stays the
 * caller's to reject.
 */
struct rraim_conn *rraim_conn_create(struct rraim_session *s,
				     struct rdma_cm_id *id,
				     const struct rraim_hello_info *hello,
				     const char *peer)
{
	struct rraim_conn *conn;

	conn = calloc(1, sizeof(*conn));
	if (!conn)
		return NULL;
	conn->session = s;
	conn->id = id;
	conn->role = hello->role;
	conn->qp_index = hello->qp_index;
	conn->state = RRAIM_CONN_NEW;
	snprintf(conn->peer, sizeof(conn->peer), "%s", peer);
	LIST_INSERT_HEAD(&s->conns, conn, link);
	s->nr_conns++;
	s->srv->nr_conns++;

	if (rraim_conn_create_cq(conn) || rraim_conn_create_qp(conn) ||
	    (conn->role == RRAIM_ROLE_CONTROL && rraim_ctrl_setup(conn))) {
		rraim_conn_release(conn);
		return NULL;
	}
	id->context = conn;
	return conn;
}

/* At least 1 (RDMA READ hangs on rxe otherwise), at most the device's. */
static uint8_t rraim_rd_atom(uint8_t wanted, int device_max)
{
	unsigned int v = wanted ? wanted : 1;

	if (device_max < 0)
		device_max = 0;
	if (v > (unsigned int)device_max)
		v = (unsigned int)device_max;
	return (uint8_t)v;
}

/*
 * Accept with the welcome.  @responder_resources and @initiator_depth are
 * those of the connect request event, i.e. already from this side's point
 * of view (the CM swaps them): the client's initiator depth is how many
 * RDMA READs it will have in flight towards us.
 */
int rraim_conn_accept(struct rraim_conn *conn, uint8_t responder_resources,
		      uint8_t initiator_depth, uint16_t flags)
{
	struct rraim_session *s = conn->session;
	struct rraim_server *srv = s->srv;
	struct rraim_welcome_info info = {
		.flags = flags,
		.incarnation = srv->incarnation,
		.capacity = srv->pool.size,
		.free = rraim_quota_free_bytes(s),
		.chunk_shift = RRAIM_CHUNK_SHIFT,
		.nr_chunks = s->nr_chunks,
	};
	struct rdma_conn_param param;
	struct ibv_device_attr attr;
	struct rraim_welcome welcome;

	if (ibv_query_device(conn->id->verbs, &attr)) {
		rraim_conn_log(conn, LOG_ERR, "cannot query the device");
		return -1;
	}
	if (flags & RRAIM_WELCOME_AUTH) {
		memcpy(info.nonce, s->nonce_server, sizeof(info.nonce));
		rraim_auth_proof(&srv->secret, RRAIM_AUTH_SERVER_LABEL,
				 s->nonce_client, s->nonce_server, s->id,
				 info.proof);
	}
	rraim_welcome_encode(&welcome, &info);
	memset(&param, 0, sizeof(param));
	param.private_data = &welcome;
	param.private_data_len = (uint8_t)rraim_fault_welcome(&welcome,
							      sizeof(welcome));
	param.responder_resources = rraim_rd_atom(responder_resources,
						  attr.max_qp_rd_atom);
	param.initiator_depth = rraim_rd_atom(initiator_depth,
					      attr.max_qp_init_rd_atom);
	/* The client waits for our receive buffers rather than failing. */
	param.rnr_retry_count = 7;

	if (rdma_accept(conn->id, &param)) {
		rraim_conn_log(conn, LOG_ERR, "cannot accept: %s",
			       strerror(errno));
		return -1;
	}
	rraim_conn_set_state(conn, RRAIM_CONN_ACCEPTING);
	return 0;
}

int rraim_conn_established(struct rraim_conn *conn)
{
	if (conn->state != RRAIM_CONN_ACCEPTING)
		return 0;
	rraim_conn_set_state(conn, RRAIM_CONN_ESTABLISHED);
	if (conn->ctrl)
		return rraim_ctrl_flush_backlog(conn);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tearing down                                                        */
/* ------------------------------------------------------------------ */

/*
 * Free everything of @conn but its cm_id, which is left without context
 * for the caller (to reject it, or to destroy it).
 */
void rraim_conn_release(struct rraim_conn *conn)
{
	struct rraim_session *s = conn->session;
	struct rraim_server *srv = s->srv;
	int ret;

	if (conn->id->qp)
		rdma_destroy_qp(conn->id);
	if (conn->ctrl)
		rraim_ctrl_free(conn->ctrl);
	if (conn->cq) {
		ret = ibv_destroy_cq(conn->cq);
		if (ret)
			rraim_conn_log(conn, LOG_ERR, "cannot destroy the CQ: %s",
				       strerror(ret));
	}
	if (conn->channel) {
		ret = ibv_destroy_comp_channel(conn->channel);
		if (ret)
			rraim_conn_log(conn, LOG_ERR,
				       "cannot destroy the completion channel: %s",
				       strerror(ret));
	}
	conn->id->context = NULL;

	LIST_REMOVE(conn, link);
	s->nr_conns--;
	srv->nr_conns--;
	if (s->control == conn)
		s->control = NULL;
	srv->teardown_gen++;
	free(conn);
}

/*
 * Disconnect and free @conn, its cm_id included.  No policy: the session
 * is not told (see rraim_conn_close).
 */
void rraim_conn_destroy(struct rraim_conn *conn)
{
	struct rraim_server *srv = conn->session->srv;
	struct rdma_cm_id *id = conn->id;
	bool port_active = rraim_cm_port_active(id);

	/*
	 * Fails harmlessly when the client disconnected first.  Not while
	 * the port is down: see rraim_cm_retire().
	 */
	if (conn->state != RRAIM_CONN_NEW && port_active)
		rdma_disconnect(id);
	rraim_conn_release(conn);
	rraim_cm_retire(srv, id, port_active);
}

/*
 * @conn is finished (@why).  A data connection goes alone; losing the
 * control connection takes the session's other connections with it and
 * sends the session into grace (or frees it).
 */
void rraim_conn_close(struct rraim_conn *conn, const char *why)
{
	struct rraim_session *s = conn->session;

	rraim_conn_log(conn, LOG_INFO, "closed: %s", why);
	if (conn != s->control) {
		rraim_conn_destroy(conn);
		return;
	}
	rraim_session_lose_control(s);
}
