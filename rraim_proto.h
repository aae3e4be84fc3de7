/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM wire format, shared by the kernel client and the memory server.
 *
 * Everything here crosses the network: fixed-width little-endian fields,
 * explicit reserved bytes, and a size check for every structure at the end
 * of the file.  Reserved bytes are sent as zero and a receiver rejects a
 * message where they are not: a peer that needs them speaks a new version.  A receiver validates
 * every field before it uses it; a sender never relies on the peer to do
 * so.
 *
 * A client (one host) opens one session per server.  The session has one
 * control connection, which carries two-sided SEND/RECV messages (struct
 * rraim_msg), and several data connections, which carry only one-sided
 * RDMA READ and WRITE into the chunks the server granted to the session.
 * Every connection introduces itself in the RDMA CM connect private data
 * (struct rraim_hello) and the server answers in the accept private data
 * (struct rraim_welcome) or the reject private data (struct rraim_refusal).
 *
 * Remote memory is granted in chunks of RRAIM_CHUNK_SIZE bytes.  Each chunk
 * is registered in the session's own protection domain and has its own
 * rkey, so one session can never address another session's memory.
 */
#ifndef RRAIM_PROTO_H
#define RRAIM_PROTO_H

#include <linux/types.h>

#define RRAIM_PROTO_MAGIC	0x4d494152	/* "RAIM" as little-endian bytes */
#define RRAIM_PROTO_VERSION	2	/* 2: authentication */

/* Default RDMA CM port of a memory server. */
#define RRAIM_DEFAULT_PORT	7471

/*
 * Chunk size: 4 MiB (1024 pages).  Large enough that the grant round trip
 * and the memory registration are amortised over a thousand stores, small
 * enough that a host holding a few hundred MiB spreads over several servers
 * and that a half-used chunk wastes little of a server's pinned pool.
 */
#define RRAIM_CHUNK_SHIFT	22
#define RRAIM_CHUNK_SIZE	0x400000U	/* 1 << RRAIM_CHUNK_SHIFT */

/* Largest control message; both sides post receive buffers of this size. */
#define RRAIM_MSG_SIZE		64

/* Size limits of RDMA CM private data on RoCE (the IB CM limits). */
#define RRAIM_HELLO_MAX		56
#define RRAIM_WELCOME_MAX	196

/*
 * Authentication (both sides hold the cluster's shared secret; it never
 * crosses the wire).  The client's hello carries a random nonce; the
 * server's welcome carries its own nonce and its proof; the client checks
 * the proof, then sends an AUTH request with its own proof, and the server
 * serves nothing else before that proof is right.  A proof is the first
 * RRAIM_AUTH_PROOF_LEN bytes of
 *
 *	HMAC-SHA256(secret, label || nonce of the other side ||
 *		    own nonce || session as __le64)
 *
 * with label RRAIM_AUTH_SERVER_LABEL for the server's proof and
 * RRAIM_AUTH_CLIENT_LABEL for the client's (without the terminating NUL).
 * Fresh nonces on both sides: a recorded exchange proves nothing later.
 */
#define RRAIM_AUTH_NONCE_LEN	16
#define RRAIM_AUTH_PROOF_LEN	16
#define RRAIM_AUTH_SERVER_LABEL	"RRAIM server proof"
#define RRAIM_AUTH_CLIENT_LABEL	"RRAIM client proof"
/* The shared secret: this many bytes, at least and at most. */
#define RRAIM_SECRET_MIN	16
#define RRAIM_SECRET_MAX	128

/**
 * enum rraim_conn_role - what a connection is for
 * @RRAIM_ROLE_CONTROL: SEND/RECV control messages; creates or resumes the
 *	session.  Exactly one per session.
 * @RRAIM_ROLE_DATA: one-sided traffic only; joins an existing session.
 */
enum rraim_conn_role {
	RRAIM_ROLE_CONTROL = 1,
	RRAIM_ROLE_DATA = 2,
};

/* rraim_hello.flags */
#define RRAIM_HELLO_AUTH	0x0001	/* @nonce is set: authenticate */

/**
 * struct rraim_hello - connect private data, client to server
 * @magic: RRAIM_PROTO_MAGIC
 * @version: RRAIM_PROTO_VERSION
 * @role: enum rraim_conn_role
 * @session: session identity, random and nonzero, chosen by the client.
 *	A control connection that presents the identity of a session the
 *	server still holds (within its grace period) resumes it.
 * @token: session secret chosen with @session; a connection presenting a
 *	known @session with another @token is refused.
 * @qp_index: index of this connection among the session's connections
 * @qp_count: number of connections the client intends to open
 * @flags: RRAIM_HELLO_*; other bits zero
 * @nonce: a control connection's random challenge (RRAIM_HELLO_AUTH),
 *	zero otherwise
 */
struct rraim_hello {
	__le32 magic;
	__le16 version;
	__le16 role;
	__le64 session;
	__le64 token;
	__le16 qp_index;
	__le16 qp_count;
	__le32 flags;
	__u8 nonce[RRAIM_AUTH_NONCE_LEN];
};

/* rraim_welcome.flags */
#define RRAIM_WELCOME_RESUMED	0x0001	/* session existed: chunks intact */
#define RRAIM_WELCOME_AUTH	0x0002	/* @nonce and @proof are set */

/**
 * struct rraim_welcome - accept private data, server to client
 * @magic: RRAIM_PROTO_MAGIC
 * @version: RRAIM_PROTO_VERSION
 * @flags: RRAIM_WELCOME_*
 * @incarnation: random, fixed for the life of the server process.  A new
 *	value tells the client that everything it stored there is gone.
 * @capacity: bytes of the server's pool
 * @free: bytes the session's client may still be granted: the pool's
 *	bytes not granted to any session, capped by what the client's quota
 *	leaves (rraim-server --client-quota)
 * @chunk_shift: log2 of the chunk size; must equal RRAIM_CHUNK_SHIFT
 * @nr_chunks: chunks the session holds on the server
 * @reserved: zero
 * @nonce: the server's challenge (RRAIM_WELCOME_AUTH), zero otherwise
 * @proof: the server's proof (RRAIM_WELCOME_AUTH), zero otherwise
 */
struct rraim_welcome {
	__le32 magic;
	__le16 version;
	__le16 flags;
	__le64 incarnation;
	__le64 capacity;
	__le64 free;
	__le32 chunk_shift;
	__le32 nr_chunks;
	__le32 reserved[4];
	__u8 nonce[RRAIM_AUTH_NONCE_LEN];
	__u8 proof[RRAIM_AUTH_PROOF_LEN];
};

/**
 * enum rraim_refusal_reason - why a server refused a connection
 * @RRAIM_REFUSE_MALFORMED: the hello was short, had a bad magic or field
 * @RRAIM_REFUSE_VERSION: protocol version not supported
 * @RRAIM_REFUSE_NO_SESSION: a data connection for an unknown session
 * @RRAIM_REFUSE_BAD_TOKEN: known session, wrong token
 * @RRAIM_REFUSE_BUSY: the session already has a live control connection,
 *	or the server has no room for another connection or session
 * @RRAIM_REFUSE_SHUTDOWN: the server is shutting down
 * @RRAIM_REFUSE_AUTH: the server admits authenticated clients only: a
 *	control connection without RRAIM_HELLO_AUTH, or a data connection
 *	of a session not authenticated yet
 */
enum rraim_refusal_reason {
	RRAIM_REFUSE_MALFORMED = 1,
	RRAIM_REFUSE_VERSION = 2,
	RRAIM_REFUSE_NO_SESSION = 3,
	RRAIM_REFUSE_BAD_TOKEN = 4,
	RRAIM_REFUSE_BUSY = 5,
	RRAIM_REFUSE_SHUTDOWN = 6,
	RRAIM_REFUSE_AUTH = 7,
};

/**
 * struct rraim_refusal - reject private data, server to client
 * @magic: RRAIM_PROTO_MAGIC
 * @version: highest version the server speaks
 * @reason: enum rraim_refusal_reason
 */
struct rraim_refusal {
	__le32 magic;
	__le16 version;
	__le16 reason;
};

/**
 * enum rraim_msg_type - control message types
 * @RRAIM_MSG_ALLOC: grant one more chunk to the session
 * @RRAIM_MSG_FREE: give chunk @chunk back
 * @RRAIM_MSG_PING: heartbeat; the reply carries the pool's state
 * @RRAIM_MSG_QUERY: describe chunk @chunk (for diagnostics and tests)
 * @RRAIM_MSG_BYE: the client is done: free everything now, no grace
 * @RRAIM_MSG_AUTH: the client's proof, in @proof (see "Authentication")
 *
 * A reply carries the request's type with RRAIM_MSG_REPLY set, the
 * request's @seq, and a status.
 */
enum rraim_msg_type {
	RRAIM_MSG_ALLOC = 1,
	RRAIM_MSG_FREE = 2,
	RRAIM_MSG_PING = 3,
	RRAIM_MSG_QUERY = 4,
	RRAIM_MSG_BYE = 5,
	RRAIM_MSG_AUTH = 6,
};

#define RRAIM_MSG_REPLY		0x8000

/**
 * enum rraim_status - outcome in a reply
 * @RRAIM_OK: done
 * @RRAIM_ENOSPC: no chunk for this client: the pool is empty, or the
 *	client is at its quota
 * @RRAIM_ENOENT: no such chunk in this session
 * @RRAIM_EINVAL: malformed request (bad magic, length, reserved bits...)
 * @RRAIM_ENOTSUP: unknown request type
 * @RRAIM_EIO: the server failed (e.g. memory registration)
 * @RRAIM_EPERM: not authenticated (a request before a right AUTH), or a
 *	wrong proof
 */
enum rraim_status {
	RRAIM_OK = 0,
	RRAIM_ENOSPC = 1,
	RRAIM_ENOENT = 2,
	RRAIM_EINVAL = 3,
	RRAIM_ENOTSUP = 4,
	RRAIM_EIO = 5,
	RRAIM_EPERM = 6,
};

/**
 * struct rraim_msg - a control message, request or reply
 * @magic: RRAIM_PROTO_MAGIC
 * @type: enum rraim_msg_type, with RRAIM_MSG_REPLY in replies
 * @status: enum rraim_status in replies, zero in requests
 * @seq: chosen by the requester, echoed in the reply
 * @chunk: chunk number (ALLOC reply, FREE, QUERY)
 * @rkey: remote key of the chunk (ALLOC and QUERY replies)
 * @addr: remote address of the chunk's first byte (ALLOC and QUERY replies)
 * @capacity: pool size in bytes (replies)
 * @free: bytes the client may still be granted, as in the welcome
 *	(replies)
 * @nr_chunks: chunks the session holds (replies)
 * @proof: the client's proof in an AUTH request; zero otherwise
 *
 * Every message is exactly RRAIM_MSG_SIZE bytes; anything else is
 * malformed.
 */
struct rraim_msg {
	__le32 magic;
	__le16 type;
	__le16 status;
	__le32 seq;
	__le32 chunk;
	__le32 rkey;
	__le32 nr_chunks;
	__le64 addr;
	__le64 capacity;
	__le64 free;
	__u8 proof[RRAIM_AUTH_PROOF_LEN];
};

/* The layout is the protocol: let the compiler check it. */
#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>
#endif

static_assert(sizeof(struct rraim_hello) == 48, "hello size");
static_assert(sizeof(struct rraim_hello) <= RRAIM_HELLO_MAX,
	      "hello exceeds connect private data");
static_assert(sizeof(struct rraim_welcome) == 88, "welcome size");
static_assert(sizeof(struct rraim_welcome) <= RRAIM_WELCOME_MAX,
	      "welcome exceeds accept private data");
static_assert(sizeof(struct rraim_refusal) == 8, "refusal size");
static_assert(sizeof(struct rraim_msg) == RRAIM_MSG_SIZE, "msg size");
static_assert(RRAIM_CHUNK_SIZE >> RRAIM_CHUNK_SHIFT == 1, "chunk size");

#endif /* RRAIM_PROTO_H */
