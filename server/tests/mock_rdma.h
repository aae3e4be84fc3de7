/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for librdmacm and libibverbs, linked into test_server in
 * place of the real libraries, so the server's own code runs against
 * scripted CM events and completions on a host without an RDMA device.
 *
 * It keeps a count of every live object, so a test can check that nothing
 * leaked, and it counts as a "violation" each misuse that the real stack
 * punishes by hanging or failing: destroying a cm_id with unacknowledged
 * events or with its QP still there, a CQ with unacknowledged completion
 * events or still used by a QP, a PD with MRs or QPs, a channel with users,
 * posting a send before the QP reached RTS.
 */
#ifndef RRAIM_SERVER_MOCK_RDMA_H
#define RRAIM_SERVER_MOCK_RDMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

struct mock_counts {
	int channels;		/* CM event channels */
	int ids;		/* cm_ids */
	int qps;
	int cqs;
	int comp_channels;
	int pds;
	int mrs;
};

extern struct mock_counts mock_live;
extern int mock_violations;

/* IPv4 address (host order) the next connect requests come from. */
#define MOCK_PEER_IP_DEFAULT	0x0a000063	/* 10.0.0.99 */
extern uint32_t mock_peer_ip;

/* The device's port is down (its netdev lost its carrier). */
extern bool mock_port_down;

/* A client's connect request with @len bytes of private data (padded to
 * 56 like the IB CM does), from mock_peer_ip; returns the server-side
 * cm_id it creates. */
struct rdma_cm_id *mock_connect_request(const void *pdata, size_t len);

/* Queue a CM event of @type for @id. */
void mock_cm_event(struct rdma_cm_id *id, enum rdma_cm_event_type type);

/* What the server did with a cm_id. */
bool mock_id_accepted(const struct rdma_cm_id *id);
bool mock_id_rejected(const struct rdma_cm_id *id);
bool mock_id_destroyed(const struct rdma_cm_id *id);
int mock_id_disconnects(const struct rdma_cm_id *id);
/* Private data of the accept or reject. */
const void *mock_id_pdata(const struct rdma_cm_id *id, size_t *len);
/* responder_resources / initiator_depth of the accept. */
void mock_id_rd_atom(const struct rdma_cm_id *id, uint8_t *resp,
		     uint8_t *init);

/* The client sends @len bytes on @id's QP: -1 when no receive is posted. */
int mock_deliver(struct rdma_cm_id *id, const void *msg, size_t len);
/* Receives posted on @id's QP. */
int mock_posted_recvs(struct rdma_cm_id *id);
/* Take the oldest message the server sent on @id: its length, or -1. */
int mock_take_sent(struct rdma_cm_id *id, void *buf, size_t len);
/* Complete every send taken so far (successful completions). */
void mock_complete_sends(struct rdma_cm_id *id);
/* The QP breaks: everything posted completes with a flush error. */
void mock_qp_error(struct rdma_cm_id *id);

/* An MR with @rkey, registered in the PD of @id's QP with @access? */
bool mock_rkey_allows(struct rdma_cm_id *id, uint32_t rkey, uint64_t addr,
		      size_t len, int access);

#endif /* RRAIM_SERVER_MOCK_RDMA_H */
