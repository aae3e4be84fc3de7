// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for librdmacm and libibverbs for test_server (see
 * mock_rdma.h).  Only what the server calls is here, with the semantics
 * the server relies on: non-blocking event and completion channels backed
 * by eventfds, CQ notification only for completions queued after
 * ibv_req_notify_cq(), librdmacm moving the QP to RTS when the ESTABLISHED
 * event is read, the kernel dropping queued events of a destroyed object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../../rraim_proto.h"
#include "mock_rdma.h"

#undef ibv_reg_mr	/* verbs.h wraps the function in a macro */

#define MOCK_WR_MAX	64
#define MOCK_CQE_MAX	256
#define MOCK_DATA_MAX	256

struct mock_counts mock_live;
int mock_violations;
uint32_t mock_peer_ip = MOCK_PEER_IP_DEFAULT;
bool mock_port_down;

static void mock_violation(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void mock_violation(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mock: VIOLATION: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	mock_violations++;
}

static void mock_fd_post(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		mock_violation("eventfd write failed");
}

static void mock_fd_take(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		mock_violation("eventfd read failed");
}

/* ------------------------------------------------------------------ */
/* Objects                                                             */
/* ------------------------------------------------------------------ */

struct mock_wr {
	uint64_t wr_id;
	void *addr;
	uint32_t len;
	uint8_t data[MOCK_DATA_MAX];	/* sends: what was sent */
};

struct mock_qp {
	struct ibv_qp qp;
	bool rts;
	bool error;
	struct mock_wr recvs[MOCK_WR_MAX];
	unsigned int nr_recvs;
	struct mock_wr sends[MOCK_WR_MAX];
	unsigned int nr_sends;
	unsigned int nr_taken;		/* sends the test has read */
};

struct mock_cq {
	struct ibv_cq cq;
	struct ibv_wc wcs[MOCK_CQE_MAX];
	unsigned int head, count;
	bool armed;
	unsigned int reported, acked;	/* completion events */
	int users;			/* QP references */
};

struct mock_chan {
	struct ibv_comp_channel ch;
	struct mock_cq *pending[MOCK_CQE_MAX];
	unsigned int nr_pending;
	int users;			/* CQs */
};

struct mock_pd {
	struct ibv_pd pd;
	int mrs, qps;
};

struct mock_mr {
	struct ibv_mr mr;
	int access;
	struct mock_mr *next;
};

struct mock_id {
	struct rdma_cm_id id;
	bool accepted, rejected, destroyed;
	int disconnects;
	int unacked;
	uint8_t pdata[MOCK_DATA_MAX];
	size_t pdata_len;
	uint8_t resp, init;
	struct mock_id *next;
};

struct mock_event {
	struct rdma_cm_event ev;
	uint8_t pdata[64];
	struct mock_event *next;
};

static int mock_poll_cq(struct ibv_cq *cq, int n, struct ibv_wc *wc);
static int mock_req_notify_cq(struct ibv_cq *cq, int solicited_only);
static int mock_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
			  struct ibv_send_wr **bad);
static int mock_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
			  struct ibv_recv_wr **bad);

static struct ibv_device mock_device;
static struct ibv_context mock_ctx = {
	.device = &mock_device,
	.ops = {
		.poll_cq = mock_poll_cq,
		.req_notify_cq = mock_req_notify_cq,
		.post_send = mock_post_send,
		.post_recv = mock_post_recv,
	},
};

static struct mock_event *mock_events;
static struct mock_id *mock_ids;
static struct mock_id *mock_listener;
static struct mock_mr *mock_mrs;
static uint32_t mock_next_key = 0x100;
static uint32_t mock_next_qpn = 0x11;
static uint16_t mock_next_port = 40000;

static struct mock_id *mid(const struct rdma_cm_id *id)
{
	return (struct mock_id *)id;
}

static struct mock_qp *mqp(const struct ibv_qp *qp)
{
	return (struct mock_qp *)qp;
}

static struct mock_cq *mcq(const struct ibv_cq *cq)
{
	return (struct mock_cq *)cq;
}

/* ------------------------------------------------------------------ */
/* librdmacm                                                           */
/* ------------------------------------------------------------------ */

struct rdma_event_channel *rdma_create_event_channel(void)
{
	struct rdma_event_channel *ch = calloc(1, sizeof(*ch));

	ch->fd = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	mock_live.channels++;
	return ch;
}

void rdma_destroy_event_channel(struct rdma_event_channel *ch)
{
	struct mock_id *m;

	for (m = mock_ids; m; m = m->next)
		if (!m->destroyed && m->id.channel == ch)
			mock_violation("event channel destroyed with a live cm_id");
	close(ch->fd);
	free(ch);
	mock_live.channels--;
}

static struct mock_id *mock_new_id(struct rdma_event_channel *ch, void *ctx)
{
	struct mock_id *m = calloc(1, sizeof(*m));

	m->id.channel = ch;
	m->id.context = ctx;
	m->id.ps = RDMA_PS_TCP;
	m->next = mock_ids;
	mock_ids = m;
	mock_live.ids++;
	return m;
}

int rdma_create_id(struct rdma_event_channel *ch, struct rdma_cm_id **id,
		   void *context, enum rdma_port_space ps)
{
	(void)ps;
	*id = &mock_new_id(ch, context)->id;
	return 0;
}

int rdma_bind_addr(struct rdma_cm_id *id, struct sockaddr *addr)
{
	memcpy(&id->route.addr.src_sin, addr, sizeof(struct sockaddr_in));
	/* A specific address binds the id to its device. */
	if (((struct sockaddr_in *)addr)->sin_addr.s_addr != htonl(INADDR_ANY))
		id->verbs = &mock_ctx;
	return 0;
}

int rdma_listen(struct rdma_cm_id *id, int backlog)
{
	(void)backlog;
	mock_listener = mid(id);
	return 0;
}

static void mock_queue(struct rdma_cm_id *id, struct rdma_cm_id *listen_id,
		       enum rdma_cm_event_type type, const void *pdata,
		       size_t len)
{
	struct mock_event *e = calloc(1, sizeof(*e)), **tail;

	e->ev.id = id;
	e->ev.listen_id = listen_id;
	e->ev.event = type;
	if (pdata) {
		memcpy(e->pdata, pdata, len);
		e->ev.param.conn.private_data = e->pdata;
		e->ev.param.conn.private_data_len = (uint8_t)len;
	}
	/* A client asking for no RDMA READ: the server must still allow 1. */
	e->ev.param.conn.responder_resources = 0;
	e->ev.param.conn.initiator_depth = 0;
	for (tail = &mock_events; *tail; tail = &(*tail)->next)
		;
	*tail = e;
	mock_fd_post(id->channel->fd);
}

int rdma_get_cm_event(struct rdma_event_channel *ch,
		      struct rdma_cm_event **event)
{
	struct mock_event **p, *e;

	for (p = &mock_events; *p; p = &(*p)->next)
		if ((*p)->ev.id->channel == ch)
			break;
	if (!*p) {
		errno = EAGAIN;
		return -1;
	}
	e = *p;
	*p = e->next;
	mock_fd_take(ch->fd);
	mid(e->ev.id)->unacked++;
	/* librdmacm moves the QP to RTS while reporting ESTABLISHED. */
	if (e->ev.event == RDMA_CM_EVENT_ESTABLISHED && e->ev.id->qp)
		mqp(e->ev.id->qp)->rts = true;
	*event = &e->ev;
	return 0;
}

int rdma_ack_cm_event(struct rdma_cm_event *event)
{
	mid(event->id)->unacked--;
	free(event);	/* ev is the first member of struct mock_event */
	return 0;
}

int rdma_accept(struct rdma_cm_id *id, struct rdma_conn_param *param)
{
	struct mock_id *m = mid(id);

	if (m->accepted || m->rejected)
		mock_violation("accept of an id already answered");
	if (!id->qp)
		mock_violation("accept without a QP");
	m->accepted = true;
	m->pdata_len = param->private_data_len;
	memcpy(m->pdata, param->private_data, param->private_data_len);
	m->resp = param->responder_resources;
	m->init = param->initiator_depth;
	return 0;
}

int rdma_reject(struct rdma_cm_id *id, const void *pdata, uint8_t len)
{
	struct mock_id *m = mid(id);

	if (m->accepted || m->rejected)
		mock_violation("reject of an id already answered");
	m->rejected = true;
	m->pdata_len = len;
	memcpy(m->pdata, pdata, len);
	return 0;
}

int rdma_disconnect(struct rdma_cm_id *id)
{
	mid(id)->disconnects++;
	if (id->qp)
		mqp(id->qp)->error = true;
	return 0;
}

int rdma_destroy_id(struct rdma_cm_id *id)
{
	struct mock_id *m = mid(id);
	struct mock_event **p, *e;

	if (m->destroyed)
		mock_violation("cm_id destroyed twice");
	if (m->unacked)
		mock_violation("cm_id destroyed with %d unacknowledged events (would hang)",
			       m->unacked);
	if (id->qp)
		mock_violation("cm_id destroyed with its QP");
	/* The kernel drops what was queued for it. */
	for (p = &mock_events; *p;) {
		e = *p;
		if (e->ev.id != id) {
			p = &e->next;
			continue;
		}
		*p = e->next;
		mock_fd_take(id->channel->fd);
		free(e);
	}
	m->destroyed = true;
	mock_live.ids--;
	return 0;
}

int rdma_create_qp(struct rdma_cm_id *id, struct ibv_pd *pd,
		   struct ibv_qp_init_attr *attr)
{
	struct mock_qp *q;

	if (!pd || pd->context != id->verbs) {
		errno = EINVAL;
		return -1;
	}
	if (id->qp)
		mock_violation("second QP on a cm_id");
	q = calloc(1, sizeof(*q));
	q->qp.context = id->verbs;
	q->qp.pd = pd;
	q->qp.send_cq = attr->send_cq;
	q->qp.recv_cq = attr->recv_cq;
	q->qp.qp_type = attr->qp_type;
	q->qp.qp_num = mock_next_qpn++;
	mcq(attr->send_cq)->users++;
	mcq(attr->recv_cq)->users++;
	((struct mock_pd *)pd)->qps++;
	id->qp = &q->qp;
	mock_live.qps++;
	return 0;
}

void rdma_destroy_qp(struct rdma_cm_id *id)
{
	struct mock_qp *q = mqp(id->qp);

	mcq(q->qp.send_cq)->users--;
	mcq(q->qp.recv_cq)->users--;
	((struct mock_pd *)q->qp.pd)->qps--;
	free(q);
	id->qp = NULL;
	mock_live.qps--;
}

const char *rdma_event_str(enum rdma_cm_event_type event)
{
	switch (event) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:	return "RDMA_CM_EVENT_CONNECT_REQUEST";
	case RDMA_CM_EVENT_ESTABLISHED:		return "RDMA_CM_EVENT_ESTABLISHED";
	case RDMA_CM_EVENT_DISCONNECTED:	return "RDMA_CM_EVENT_DISCONNECTED";
	case RDMA_CM_EVENT_CONNECT_ERROR:	return "RDMA_CM_EVENT_CONNECT_ERROR";
	case RDMA_CM_EVENT_DEVICE_REMOVAL:	return "RDMA_CM_EVENT_DEVICE_REMOVAL";
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:	return "RDMA_CM_EVENT_TIMEWAIT_EXIT";
	default:				return "RDMA_CM_EVENT_OTHER";
	}
}

/* ------------------------------------------------------------------ */
/* libibverbs                                                          */
/* ------------------------------------------------------------------ */

struct ibv_pd *ibv_alloc_pd(struct ibv_context *context)
{
	struct mock_pd *p = calloc(1, sizeof(*p));

	p->pd.context = context;
	mock_live.pds++;
	return &p->pd;
}

int ibv_dealloc_pd(struct ibv_pd *pd)
{
	struct mock_pd *p = (struct mock_pd *)pd;

	if (p->mrs || p->qps) {
		mock_violation("PD freed with %d MRs and %d QPs", p->mrs, p->qps);
		return EBUSY;
	}
	free(p);
	mock_live.pds--;
	return 0;
}

struct ibv_mr *ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			  int access)
{
	struct mock_mr *m = calloc(1, sizeof(*m));

	m->mr.context = pd->context;
	m->mr.pd = pd;
	m->mr.addr = addr;
	m->mr.length = length;
	m->mr.lkey = mock_next_key;
	m->mr.rkey = mock_next_key++;
	m->access = access;
	m->next = mock_mrs;
	mock_mrs = m;
	((struct mock_pd *)pd)->mrs++;
	mock_live.mrs++;
	return &m->mr;
}

struct ibv_mr *ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr, size_t length,
				uint64_t iova, unsigned int access)
{
	(void)iova;
	return ibv_reg_mr(pd, addr, length, (int)access);
}

int ibv_dereg_mr(struct ibv_mr *mr)
{
	struct mock_mr **p;

	for (p = &mock_mrs; *p && &(*p)->mr != mr; p = &(*p)->next)
		;
	if (!*p) {
		mock_violation("deregistration of an unknown MR");
		return EINVAL;
	}
	*p = (*p)->next;
	((struct mock_pd *)mr->pd)->mrs--;
	free(mr);
	mock_live.mrs--;
	return 0;
}

struct ibv_comp_channel *ibv_create_comp_channel(struct ibv_context *context)
{
	struct mock_chan *c = calloc(1, sizeof(*c));

	c->ch.context = context;
	c->ch.fd = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	mock_live.comp_channels++;
	return &c->ch;
}

int ibv_destroy_comp_channel(struct ibv_comp_channel *channel)
{
	struct mock_chan *c = (struct mock_chan *)channel;

	if (c->users) {
		mock_violation("completion channel destroyed with its CQ");
		return EBUSY;
	}
	close(c->ch.fd);
	free(c);
	mock_live.comp_channels--;
	return 0;
}

struct ibv_cq *ibv_create_cq(struct ibv_context *context, int cqe,
			     void *cq_context, struct ibv_comp_channel *channel,
			     int comp_vector)
{
	struct mock_cq *q = calloc(1, sizeof(*q));

	(void)comp_vector;
	q->cq.context = context;
	q->cq.channel = channel;
	q->cq.cq_context = cq_context;
	q->cq.cqe = cqe;
	if (channel)
		((struct mock_chan *)channel)->users++;
	mock_live.cqs++;
	return &q->cq;
}

int ibv_destroy_cq(struct ibv_cq *cq)
{
	struct mock_cq *q = mcq(cq);
	struct mock_chan *c = (struct mock_chan *)cq->channel;
	unsigned int i, j;

	if (q->users) {
		mock_violation("CQ destroyed while a QP uses it");
		return EBUSY;
	}
	if (q->reported != q->acked)
		mock_violation("CQ destroyed with unacknowledged events (would hang)");
	if (c) {
		/* The kernel drops its unread notifications. */
		for (i = j = 0; i < c->nr_pending; i++) {
			if (c->pending[i] == q)
				mock_fd_take(c->ch.fd);
			else
				c->pending[j++] = c->pending[i];
		}
		c->nr_pending = j;
		c->users--;
	}
	free(q);
	mock_live.cqs--;
	return 0;
}

int ibv_get_cq_event(struct ibv_comp_channel *channel, struct ibv_cq **cq,
		     void **cq_context)
{
	struct mock_chan *c = (struct mock_chan *)channel;
	struct mock_cq *q;

	if (!c->nr_pending) {
		errno = EAGAIN;
		return -1;
	}
	mock_fd_take(c->ch.fd);
	q = c->pending[0];
	memmove(&c->pending[0], &c->pending[1],
		--c->nr_pending * sizeof(c->pending[0]));
	q->reported++;
	*cq = &q->cq;
	*cq_context = q->cq.cq_context;
	return 0;
}

void ibv_ack_cq_events(struct ibv_cq *cq, unsigned int nevents)
{
	mcq(cq)->acked += nevents;
}

int ibv_query_device(struct ibv_context *context,
		     struct ibv_device_attr *attr)
{
	(void)context;
	memset(attr, 0, sizeof(*attr));
	attr->max_qp_rd_atom = 16;
	attr->max_qp_init_rd_atom = 16;
	return 0;
}

/* The old entry point verbs.h's inline falls back to for our context. */
#undef ibv_query_port
int ibv_query_port(struct ibv_context *context, uint8_t port_num,
		   struct _compat_ibv_port_attr *attr)
{
	struct ibv_port_attr *a = (struct ibv_port_attr *)attr;

	if (context != &mock_ctx || port_num != 1)
		return EINVAL;
	a->state = mock_port_down ? IBV_PORT_DOWN : IBV_PORT_ACTIVE;
	return 0;
}

const char *ibv_get_device_name(struct ibv_device *device)
{
	(void)device;
	return "mock0";
}

const char *ibv_wc_status_str(enum ibv_wc_status status)
{
	switch (status) {
	case IBV_WC_SUCCESS:		return "success";
	case IBV_WC_LOC_LEN_ERR:	return "local length error";
	case IBV_WC_WR_FLUSH_ERR:	return "Work Request Flushed Error";
	default:			return "error";
	}
}

/*
 * The test process stays swappable: nothing is locked, and there is no
 * locked-memory limit to meet (whoever runs the tests, and whatever
 * RLIMIT_MEMLOCK they have).
 */
int mlockall(int flags)
{
	(void)flags;
	return 0;
}

int mlock(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
	return 0;
}

int munlock(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
	return 0;
}

int getrlimit(__rlimit_resource_t resource, struct rlimit *rlim)
{
	if (resource == RLIMIT_MEMLOCK) {
		rlim->rlim_cur = RLIM_INFINITY;
		rlim->rlim_max = RLIM_INFINITY;
		return 0;
	}
	return prlimit(0, resource, NULL, rlim);
}

/* ------------------------------------------------------------------ */
/* Completions                                                         */
/* ------------------------------------------------------------------ */

static void mock_push_wc(struct ibv_cq *cq, const struct ibv_wc *wc)
{
	struct mock_cq *q = mcq(cq);
	struct mock_chan *c = (struct mock_chan *)cq->channel;

	if (q->count == MOCK_CQE_MAX) {
		mock_violation("CQ overrun");
		return;
	}
	q->wcs[(q->head + q->count++) % MOCK_CQE_MAX] = *wc;
	if (q->armed && c) {
		q->armed = false;
		c->pending[c->nr_pending++] = q;
		mock_fd_post(c->ch.fd);
	}
}

static int mock_poll_cq(struct ibv_cq *cq, int n, struct ibv_wc *wc)
{
	struct mock_cq *q = mcq(cq);
	int i;

	for (i = 0; i < n && q->count; i++) {
		wc[i] = q->wcs[q->head];
		q->head = (q->head + 1) % MOCK_CQE_MAX;
		q->count--;
	}
	return i;
}

static int mock_req_notify_cq(struct ibv_cq *cq, int solicited_only)
{
	(void)solicited_only;
	mcq(cq)->armed = true;
	return 0;
}

static int mock_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
			  struct ibv_recv_wr **bad)
{
	struct mock_qp *q = mqp(qp);
	struct mock_wr *w;

	for (; wr; wr = wr->next) {
		if (q->nr_recvs == MOCK_WR_MAX || wr->num_sge != 1) {
			*bad = wr;
			return ENOMEM;
		}
		w = &q->recvs[q->nr_recvs++];
		w->wr_id = wr->wr_id;
		w->addr = (void *)(uintptr_t)wr->sg_list[0].addr;
		w->len = wr->sg_list[0].length;
	}
	return 0;
}

static int mock_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
			  struct ibv_send_wr **bad)
{
	struct mock_qp *q = mqp(qp);
	struct mock_wr *w;

	for (; wr; wr = wr->next) {
		if (!q->rts) {
			mock_violation("send posted before the QP reached RTS");
			*bad = wr;
			return EINVAL;
		}
		if (q->nr_sends == MOCK_WR_MAX || wr->num_sge != 1 ||
		    wr->sg_list[0].length > MOCK_DATA_MAX ||
		    !(wr->send_flags & IBV_SEND_SIGNALED)) {
			*bad = wr;
			return EINVAL;
		}
		w = &q->sends[q->nr_sends++];
		w->wr_id = wr->wr_id;
		w->len = wr->sg_list[0].length;
		memcpy(w->data, (void *)(uintptr_t)wr->sg_list[0].addr, w->len);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Test side                                                           */
/* ------------------------------------------------------------------ */

struct rdma_cm_id *mock_connect_request(const void *pdata, size_t len)
{
	uint8_t padded[RRAIM_HELLO_MAX];
	struct mock_id *m;

	m = mock_new_id(mock_listener->id.channel, NULL);
	m->id.verbs = &mock_ctx;
	m->id.port_num = 1;
	m->id.route.addr.dst_sin.sin_family = AF_INET;
	m->id.route.addr.dst_sin.sin_addr.s_addr = htonl(mock_peer_ip);
	m->id.route.addr.dst_sin.sin_port = htons(mock_next_port++);
	memset(padded, 0, sizeof(padded));
	if (pdata)
		memcpy(padded, pdata, len < sizeof(padded) ? len : sizeof(padded));
	mock_queue(&m->id, &mock_listener->id, RDMA_CM_EVENT_CONNECT_REQUEST,
		   padded, sizeof(padded));
	return &m->id;
}

void mock_cm_event(struct rdma_cm_id *id, enum rdma_cm_event_type type)
{
	mock_queue(id, NULL, type, NULL, 0);
}

bool mock_id_accepted(const struct rdma_cm_id *id)
{
	return mid(id)->accepted;
}

bool mock_id_rejected(const struct rdma_cm_id *id)
{
	return mid(id)->rejected;
}

bool mock_id_destroyed(const struct rdma_cm_id *id)
{
	return mid(id)->destroyed;
}

int mock_id_disconnects(const struct rdma_cm_id *id)
{
	return mid(id)->disconnects;
}

const void *mock_id_pdata(const struct rdma_cm_id *id, size_t *len)
{
	*len = mid(id)->pdata_len;
	return mid(id)->pdata;
}

void mock_id_rd_atom(const struct rdma_cm_id *id, uint8_t *resp,
		     uint8_t *init)
{
	*resp = mid(id)->resp;
	*init = mid(id)->init;
}

int mock_deliver(struct rdma_cm_id *id, const void *msg, size_t len)
{
	struct mock_qp *q;
	struct ibv_wc wc;
	struct mock_wr w;

	if (!id->qp)
		return -1;
	q = mqp(id->qp);
	if (q->error || !q->nr_recvs)
		return -1;
	w = q->recvs[0];
	memmove(&q->recvs[0], &q->recvs[1], --q->nr_recvs * sizeof(w));
	memset(&wc, 0, sizeof(wc));
	wc.wr_id = w.wr_id;
	wc.qp_num = q->qp.qp_num;
	wc.opcode = IBV_WC_RECV;
	wc.byte_len = (uint32_t)len;
	if (len > w.len) {
		wc.status = IBV_WC_LOC_LEN_ERR;
		q->error = true;
	} else {
		memcpy(w.addr, msg, len);
	}
	mock_push_wc(q->qp.recv_cq, &wc);
	return 0;
}

int mock_posted_recvs(struct rdma_cm_id *id)
{
	return id->qp ? (int)mqp(id->qp)->nr_recvs : -1;
}

int mock_take_sent(struct rdma_cm_id *id, void *buf, size_t len)
{
	struct mock_qp *q;
	struct mock_wr *w;

	if (!id->qp)
		return -1;
	q = mqp(id->qp);
	if (q->nr_taken == q->nr_sends)
		return -1;
	w = &q->sends[q->nr_taken++];
	memcpy(buf, w->data, w->len < len ? w->len : len);
	return (int)w->len;
}

void mock_complete_sends(struct rdma_cm_id *id)
{
	struct mock_qp *q = mqp(id->qp);
	struct ibv_wc wc;
	unsigned int i;

	for (i = 0; i < q->nr_taken; i++) {
		memset(&wc, 0, sizeof(wc));
		wc.wr_id = q->sends[i].wr_id;
		wc.qp_num = q->qp.qp_num;
		wc.opcode = IBV_WC_SEND;
		mock_push_wc(q->qp.send_cq, &wc);
	}
	memmove(&q->sends[0], &q->sends[q->nr_taken],
		(q->nr_sends - q->nr_taken) * sizeof(q->sends[0]));
	q->nr_sends -= q->nr_taken;
	q->nr_taken = 0;
}

void mock_qp_error(struct rdma_cm_id *id)
{
	struct mock_qp *q = mqp(id->qp);
	struct ibv_wc wc;
	unsigned int i;

	q->error = true;
	memset(&wc, 0, sizeof(wc));
	wc.status = IBV_WC_WR_FLUSH_ERR;
	wc.qp_num = q->qp.qp_num;
	for (i = 0; i < q->nr_recvs; i++) {
		wc.wr_id = q->recvs[i].wr_id;
		mock_push_wc(q->qp.recv_cq, &wc);
	}
	for (i = 0; i < q->nr_sends; i++) {
		wc.wr_id = q->sends[i].wr_id;
		mock_push_wc(q->qp.send_cq, &wc);
	}
	q->nr_recvs = q->nr_sends = q->nr_taken = 0;
}

bool mock_rkey_allows(struct rdma_cm_id *id, uint32_t rkey, uint64_t addr,
		      size_t len, int access)
{
	struct mock_mr *m;
	uint64_t start;

	for (m = mock_mrs; m; m = m->next) {
		if (m->mr.rkey != rkey)
			continue;
		start = (uintptr_t)m->mr.addr;
		return id->qp && m->mr.pd == id->qp->pd &&
		       (m->access & access) == access && addr >= start &&
		       addr + len <= start + m->mr.length;
	}
	return false;
}
