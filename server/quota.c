// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: client quotas.
 *
 * A client is known by the IPv4 address of its connections.  With
 * --client-quota, the sessions of one address may hold together at most
 * its quota of chunks: the entry for that address, or the default.  A
 * session is charged to the address of the control connection that
 * created it or last took it up (rraim_session_admit()), live or in
 * grace, so reconnecting under a new session id frees nothing of the
 * quota until the old session expires.
 *
 * An ALLOC over the quota is answered RRAIM_ENOSPC, as if the pool were
 * full, and every reply and welcome reports as free only what the client
 * may still take: min(pool free, quota left).  So a client sees a server
 * that is full for it and places its chunks elsewhere.  Chunks it frees
 * give the quota back.
 *
 * Usage is summed over the sessions when asked: there are at most
 * --max-sessions of them, and nothing has to be kept in step.
 */
#include <arpa/inet.h>
#include <string.h>

#include "server.h"

uint64_t rraim_quota_limit(const struct rraim_client_quota *q,
			   struct in_addr addr)
{
	unsigned int i;

	for (i = 0; i < q->nr_entries; i++)
		if (q->entries[i].addr.s_addr == addr.s_addr)
			return q->entries[i].chunks;
	return q->dflt_chunks;
}

uint64_t rraim_quota_used(const struct rraim_server *srv, struct in_addr addr)
{
	const struct rraim_session *s;
	uint64_t used = 0;

	LIST_FOREACH(s, &srv->sessions, link)
		if (s->client.s_addr == addr.s_addr)
			used += s->nr_chunks;
	return used;
}

uint64_t rraim_quota_left(const struct rraim_session *s)
{
	const struct rraim_server *srv = s->srv;
	uint64_t limit, used;

	limit = rraim_quota_limit(&srv->opts->client_quota, s->client);
	if (!limit)
		return UINT64_MAX;
	used = rraim_quota_used(srv, s->client);
	return used < limit ? limit - used : 0;
}

uint64_t rraim_quota_free_bytes(const struct rraim_session *s)
{
	uint64_t chunks = s->srv->pool.nr_free, left = rraim_quota_left(s);

	if (left < chunks)
		chunks = left;
	return chunks << RRAIM_CHUNK_SHIFT;
}

struct in_addr rraim_quota_identity(const struct sockaddr *peer)
{
	struct in_addr any = { .s_addr = htonl(INADDR_ANY) };

	if (peer && peer->sa_family == AF_INET)
		return ((const struct sockaddr_in *)peer)->sin_addr;
	return any;
}

void rraim_quota_log(const struct rraim_client_quota *q)
{
	char dflt[32] = "unlimited";

	if (!q->dflt_chunks && !q->nr_entries)
		return;
	if (q->dflt_chunks)
		snprintf(dflt, sizeof(dflt), "%" PRIu64 " MiB",
			 q->dflt_chunks << (RRAIM_CHUNK_SHIFT - 20));
	rraim_info("client quota: %s per client address, other quotas for %u addresses",
		   dflt, q->nr_entries);
}
