/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RRAIM memory server: command line and configuration file.
 *
 * Every option has one parser, used for the command line and for the
 * configuration file alike.  A config file holds "key = value" lines whose
 * keys are the long option names; the command line overrides the file.
 */
#ifndef RRAIM_SERVER_OPTIONS_H
#define RRAIM_SERVER_OPTIONS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pool.h"

#define RRAIM_GRACE_DEFAULT		60
#define RRAIM_GRACE_MAX			(365U * 24 * 3600)
#define RRAIM_MAX_SESSIONS_DEFAULT	64
#define RRAIM_MAX_SESSIONS_MAX		4096

/* Exit codes of the program. */
#define RRAIM_EXIT_OK		0
#define RRAIM_EXIT_FAILURE	1	/* runtime failure */
#define RRAIM_EXIT_USAGE	2	/* bad command line or config file */

enum rraim_opt {
	RRAIM_OPT_LISTEN,
	RRAIM_OPT_CAPACITY,
	RRAIM_OPT_GRACE,
	RRAIM_OPT_MAX_SESSIONS,
	RRAIM_OPT_HUGEPAGES,
	RRAIM_OPT_STATUS_SOCKET,
	RRAIM_OPT_CLIENT_QUOTA,
	RRAIM_OPT_SECRET,
	RRAIM_OPT_SYSTEMD,
	RRAIM_OPT_VERBOSE,
	RRAIM_OPT_CONFIG,
	RRAIM_OPT_STATUS,
	RRAIM_OPT_HELP,
	RRAIM_OPT_VERSION,
	RRAIM_OPT_COUNT
};

/**
 * struct rraim_quota_entry - the quota of one client address
 * @addr: the client's IPv4 address, network order
 * @chunks: chunks its sessions may hold together; 0 = unlimited
 */
struct rraim_quota_entry {
	struct in_addr addr;
	uint64_t chunks;
};

/**
 * struct rraim_client_quota - --client-quota QUOTA[,ADDR=QUOTA...]
 * @dflt_chunks: quota of an address without an entry; 0 = unlimited
 * @entries: per-address quotas, in the order given, no address twice
 * @nr_entries: entries in @entries
 */
struct rraim_client_quota {
	uint64_t dflt_chunks;
	struct rraim_quota_entry *entries;
	unsigned int nr_entries;
};

/* Entries one --client-quota may list. */
#define RRAIM_QUOTA_ENTRIES_MAX		1024

/**
 * struct rraim_options - what the server was asked to do
 * @listen: IPv4 address and port to listen on (0.0.0.0 = all)
 * @capacity: pool bytes, a positive multiple of RRAIM_CHUNK_SIZE
 * @grace_s: seconds a session without control connection keeps its chunks
 * @max_sessions: sessions held at once, live or in grace
 * @hugepages: huge page policy for the pool
 * @status_socket: path of the status socket to serve, or NULL
 * @client_quota: memory each client address may hold (quota.c)
 * @secret: file of the cluster's shared secret, or NULL (no authentication)
 * @systemd: notify the service manager, journal log prefixes
 * @verbose: log debug messages
 * @config: configuration file read, or NULL
 * @status_query: client mode: status socket to query, or NULL
 * @given: bit (1 << enum rraim_opt) for every option set explicitly
 */
struct rraim_options {
	struct sockaddr_in listen;
	uint64_t capacity;
	unsigned int grace_s;
	unsigned int max_sessions;
	enum rraim_hugepages hugepages;
	char *status_socket;
	struct rraim_client_quota client_quota;
	char *secret;
	bool systemd;
	bool verbose;
	char *config;
	char *status_query;
	unsigned int given;
};

/* What main() should do after rraim_options_load(). */
enum rraim_action {
	RRAIM_ACTION_ERROR = -1,	/* usage error, message in err */
	RRAIM_ACTION_SERVE = 0,		/* run the server */
	RRAIM_ACTION_HELP,		/* print usage */
	RRAIM_ACTION_VERSION,		/* print the version */
	RRAIM_ACTION_STATUS,		/* query a status socket */
};

void rraim_options_init(struct rraim_options *opts);
void rraim_options_free(struct rraim_options *opts);

/* Strict parsers: 0, -EINVAL (syntax) or -ERANGE (out of range). */
int rraim_parse_size(const char *s, uint64_t *out);
int rraim_parse_uint(const char *s, uint64_t max, uint64_t *out);
int rraim_parse_listen(const char *s, struct sockaddr_in *sin);
/*
 * "QUOTA[,ADDR=QUOTA...]" (the default QUOTA may be left out) into @q,
 * which the caller frees with rraim_client_quota_free(); 0, or -1 with
 * one line saying what is wrong in @err.
 */
int rraim_parse_client_quota(const char *s, struct rraim_client_quota *q,
			     char *err, size_t errlen);
void rraim_client_quota_free(struct rraim_client_quota *q);

/*
 * Parse @value for @opt into @opts ("" or NULL for a flag given on the
 * command line).  On failure returns -1 and describes the problem in @err,
 * without naming where the value came from.
 */
int rraim_option_set(struct rraim_options *opts, enum rraim_opt opt,
		     const char *value, bool from_config, char *err,
		     size_t errlen);

/* Command line only (no config file, no checks of the whole). */
enum rraim_action rraim_options_parse_args(struct rraim_options *opts,
					   int argc, char *argv[], char *err,
					   size_t errlen);

/* A configuration file's content; @name is used in messages. */
int rraim_config_parse(struct rraim_options *opts, FILE *f, const char *name,
		       char *err, size_t errlen);

/* Options not given in @dst but given in @src are copied to @dst. */
int rraim_options_merge(struct rraim_options *dst,
			const struct rraim_options *src);

/*
 * Everything: the command line, then the config file it names, then the
 * checks of the whole (capacity given...).
 */
enum rraim_action rraim_options_load(struct rraim_options *opts, int argc,
				     char *argv[], char *err, size_t errlen);

void rraim_usage(FILE *f);

/* "a.b.c.d:port" */
const char *rraim_listen_str(const struct sockaddr_in *sin, char *buf,
			     size_t len);

#endif /* RRAIM_SERVER_OPTIONS_H */
