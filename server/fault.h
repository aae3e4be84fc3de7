/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection points of the memory server.
 *
 * The server calls these hooks where a test build may break the protocol
 * on purpose: the command line, the welcome of an accepted connection,
 * every control reply and the status report.  In rraim-server they are
 * the static inline functions below, which do nothing and return the
 * neutral value, so the compiler folds them away and the product is built
 * from the same code with or without them.
 *
 * tools/rogue builds the server's sources a second time with
 * RRAIM_FAULT_INJECTION defined (tested here and nowhere else): the hooks
 * are then extern functions, implemented by tools/rogue/rogue-server.c,
 * and the program is rraim-rogue-server, a test tool that is never
 * installed.
 */
#ifndef RRAIM_SERVER_FAULT_H
#define RRAIM_SERVER_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

/* What to do with a control reply after rraim_fault_reply(). */
enum rraim_fault_action {
	RRAIM_FAULT_SEND,	/* send it, with the length given */
	RRAIM_FAULT_DROP,	/* send nothing; repost the receive */
};

/*
 * Longest reply a hook asks for: two messages.  A reply longer than one
 * message is sent from its buffer on into the next reply buffers.
 */
#define RRAIM_FAULT_REPLY_MAX	(2 * sizeof(struct rraim_msg))

#ifdef RRAIM_FAULT_INJECTION

/* The hooks of the fault build: see their no-op versions below. */
int rraim_fault_args(int *argc, char *argv[]);
size_t rraim_fault_welcome(struct rraim_welcome *welcome, size_t len);
enum rraim_fault_action rraim_fault_reply(const struct rraim_msg_info *req,
					  struct rraim_msg *rep,
					  uint32_t *len);
void rraim_fault_report(FILE *f);

#else /* !RRAIM_FAULT_INJECTION */

/**
 * rraim_fault_args() - take the fault options out of the command line
 * @argc: argument count, updated
 * @argv: arguments, updated; what is left goes to the server's parser
 *
 * Return: 0, or -1 after printing why to stderr (a usage error).
 */
static inline int rraim_fault_args(int *argc, char *argv[])
{
	(void)argc;
	(void)argv;
	return 0;
}

/**
 * rraim_fault_welcome() - spoil the welcome of an accepted connection
 * @welcome: the encoded welcome, may be changed
 * @len: its size
 *
 * Return: the number of bytes of private data to send (at most @len).
 */
static inline size_t rraim_fault_welcome(struct rraim_welcome *welcome,
					 size_t len)
{
	(void)welcome;
	return len;
}

/**
 * rraim_fault_reply() - spoil a control reply
 * @req: the request, as decoded
 * @rep: the encoded reply to @req, may be changed
 * @len: bytes of @rep to send: one message on entry; may be set to
 *	 anything from 1 to RRAIM_FAULT_REPLY_MAX
 *
 * May not return (a server that dies mid-request).
 *
 * Return: RRAIM_FAULT_SEND, or RRAIM_FAULT_DROP to leave @req unanswered.
 */
static inline enum rraim_fault_action
rraim_fault_reply(const struct rraim_msg_info *req, struct rraim_msg *rep,
		  uint32_t *len)
{
	(void)req;
	(void)rep;
	(void)len;
	return RRAIM_FAULT_SEND;
}

/**
 * rraim_fault_report() - the fault lines of the status report
 * @f: the report being written
 */
static inline void rraim_fault_report(FILE *f)
{
	(void)f;
}

#endif /* RRAIM_FAULT_INJECTION */

#endif /* RRAIM_SERVER_FAULT_H */
