/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rraim-rogue-server: the memory server with fault injection, for tests of
 * the kernel client against a malicious or broken server.  Never installed.
 *
 * The server's own sources are compiled a second time with
 * -DRRAIM_ROGUE_SERVER (objects rogue-srv-*.o) and linked with
 * rogue-server.o.  Only that build calls the hooks declared here: main.c
 * (the --rogue option), conn.c (the welcome and every control reply) and
 * status.c (the report), each under #ifdef RRAIM_ROGUE_SERVER, so
 * rraim-server itself is built from exactly the code it always was.
 *
 * One mode per process, chosen with --rogue MODE:
 *
 *   welcome-magic     accept with a welcome whose magic is wrong
 *   welcome-short     accept with the first 32 bytes of the welcome only
 *                     (the CM pads the rest with zeros)
 *   welcome-shift     accept with a wrong chunk_shift
 *   grant-misaligned  grant ALLOCs at an address that is not page aligned
 *   grant-bad-rkey    grant ALLOCs with a wrong rkey (the chunk itself is
 *                     real): the client's READs and WRITEs to it fail with
 *                     a remote access error
 *   reply-type        answer an ALLOC with a PING reply (the right seq);
 *                     other requests are answered correctly
 *   reply-garbage     answer every request with garbage: random bytes of a
 *                     random length, or a reply with a bad status, nonzero
 *                     reserved bytes, a wrong seq or a wrong magic
 *   reply-long        answer every request with 128 bytes (the client's
 *                     receive buffers hold 64)
 *   silent            accept connections, never answer a control message
 *   die-alloc         grant the first ALLOC, then die (SIGKILL) before
 *                     answering it
 */
#ifndef RRAIM_SERVER_ROGUE_H
#define RRAIM_SERVER_ROGUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

/* What to do with a reply after rraim_rogue_reply(). */
enum rraim_rogue_action {
	RRAIM_ROGUE_SEND,	/* send it, with the length given */
	RRAIM_ROGUE_DROP,	/* send nothing; repost the receive */
};

/* Longest reply the hooks ask for: two messages. */
#define RRAIM_ROGUE_REPLY_MAX	(2 * sizeof(struct rraim_msg))

/*
 * Take "--rogue MODE" (or "--rogue=MODE") out of the command line, which
 * then goes to the server's own parser.  Returns 0, or -1 after printing
 * why to stderr.  --help also lists the modes.
 */
int rraim_rogue_args(int *argc, char *argv[]);

/*
 * The welcome of an accepted connection, @len bytes: spoil it as the mode
 * says.  Returns the length of private data to send.
 */
size_t rraim_rogue_welcome(struct rraim_welcome *welcome, size_t len);

/*
 * @rep is the encoded reply to @req: spoil it as the mode says, and set
 * *@len to the number of bytes to send (at most RRAIM_ROGUE_REPLY_MAX).
 * May not return (die-alloc).
 */
enum rraim_rogue_action rraim_rogue_reply(const struct rraim_msg_info *req,
					  struct rraim_msg *rep,
					  uint32_t *len);

/* "rogue_mode M" and "rogue_injected N" lines for the status report. */
void rraim_rogue_report(FILE *f);

#endif /* RRAIM_SERVER_ROGUE_H */
