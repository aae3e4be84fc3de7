// SPDX-License-Identifier: GPL-2.0
/*
 * RRAIM memory server: command line and configuration file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "../rraim_proto.h"
#include "options.h"
#include "util.h"

/* getopt_long values of the long-only options: RRAIM_OPT_BASE + opt. */
#define RRAIM_OPT_BASE	0x100

/* Longest config file line, to catch binary files early. */
#define RRAIM_CONFIG_LINE_MAX	4096

/**
 * struct rraim_opt_desc - one option
 * @name: long option name, also the config file key
 * @has_value: takes a value (otherwise a flag)
 * @in_config: may appear in a configuration file
 */
struct rraim_opt_desc {
	const char *name;
	bool has_value;
	bool in_config;
};

static const struct rraim_opt_desc rraim_opts[RRAIM_OPT_COUNT] = {
	[RRAIM_OPT_LISTEN]		= { "listen", true, true },
	[RRAIM_OPT_CAPACITY]		= { "capacity", true, true },
	[RRAIM_OPT_GRACE]		= { "grace", true, true },
	[RRAIM_OPT_MAX_SESSIONS]	= { "max-sessions", true, true },
	[RRAIM_OPT_HUGEPAGES]		= { "hugepages", true, true },
	[RRAIM_OPT_STATUS_SOCKET]	= { "status-socket", true, true },
	[RRAIM_OPT_CLIENT_QUOTA]	= { "client-quota", true, true },
	[RRAIM_OPT_SECRET]		= { "secret", true, true },
	[RRAIM_OPT_SYSTEMD]		= { "systemd", false, true },
	[RRAIM_OPT_VERBOSE]		= { "verbose", false, true },
	[RRAIM_OPT_CONFIG]		= { "config", true, false },
	[RRAIM_OPT_STATUS]		= { "status", true, false },
	[RRAIM_OPT_HELP]		= { "help", false, false },
	[RRAIM_OPT_VERSION]		= { "version", false, false },
};

/* Options that configure a server, as opposed to --status client mode. */
#define RRAIM_SERVER_OPTS						\
	((1U << RRAIM_OPT_LISTEN) | (1U << RRAIM_OPT_CAPACITY) |	\
	 (1U << RRAIM_OPT_GRACE) | (1U << RRAIM_OPT_MAX_SESSIONS) |	\
	 (1U << RRAIM_OPT_HUGEPAGES) | (1U << RRAIM_OPT_STATUS_SOCKET) | \
	 (1U << RRAIM_OPT_CLIENT_QUOTA) | (1U << RRAIM_OPT_SECRET) |	\
	 (1U << RRAIM_OPT_SYSTEMD) | (1U << RRAIM_OPT_CONFIG))

void rraim_options_init(struct rraim_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->listen.sin_family = AF_INET;
	opts->listen.sin_addr.s_addr = htonl(INADDR_ANY);
	opts->listen.sin_port = htons(RRAIM_DEFAULT_PORT);
	opts->grace_s = RRAIM_GRACE_DEFAULT;
	opts->max_sessions = RRAIM_MAX_SESSIONS_DEFAULT;
	opts->hugepages = RRAIM_HUGEPAGES_AUTO;
}

void rraim_options_free(struct rraim_options *opts)
{
	free(opts->status_socket);
	free(opts->secret);
	free(opts->config);
	free(opts->status_query);
	rraim_client_quota_free(&opts->client_quota);
	opts->status_socket = NULL;
	opts->secret = NULL;
	opts->config = NULL;
	opts->status_query = NULL;
}

/* ------------------------------------------------------------------ */
/* Value parsers                                                       */
/* ------------------------------------------------------------------ */

static bool rraim_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits only, no sign, no spaces: the whole of [s, end). */
static int rraim_parse_digits(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int d;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (!rraim_is_digit(*s))
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int rraim_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int ret;

	if (!s)
		return -EINVAL;
	ret = rraim_parse_digits(s, s + strlen(s), &v);
	if (ret)
		return ret;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int rraim_size_shift(char suffix)
{
	switch (suffix) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	default: return -1;
	}
}

/* Digits with an optional K, M, G or T suffix (powers of 1024). */
int rraim_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int shift = 0, ret;

	if (!s || !*s)
		return -EINVAL;
	end = s + strlen(s);
	if (!rraim_is_digit(end[-1])) {
		shift = rraim_size_shift(end[-1]);
		if (shift < 0)
			return -EINVAL;
		end--;
	}
	ret = rraim_parse_digits(s, end, &v);
	if (ret)
		return ret;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* "a.b.c.d" or "a.b.c.d:port", port 1..65535. */
int rraim_parse_listen(const char *s, struct sockaddr_in *sin)
{
	char addr[INET_ADDRSTRLEN];
	const char *colon;
	uint64_t port = RRAIM_DEFAULT_PORT;
	size_t len;

	if (!s)
		return -EINVAL;
	colon = strchr(s, ':');
	len = colon ? (size_t)(colon - s) : strlen(s);
	if (!len || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return -EINVAL;
	if (colon && rraim_parse_uint(colon + 1, 65535, &port))
		return -EINVAL;
	if (!port)
		return -EINVAL;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

static bool rraim_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *rraim_strip(char *s)
{
	char *end;

	while (rraim_is_space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && rraim_is_space(end[-1]))
		*--end = '\0';
	return s;
}

/*
 * A quota: a size like --capacity's, a multiple of the chunk size; 0 means
 * unlimited.  In chunks on success; -1 with @err set otherwise.
 */
static int rraim_parse_quota(const char *s, uint64_t *chunks, char *err,
			     size_t errlen)
{
	uint64_t v;
	int ret = rraim_parse_size(s, &v);

	if (ret == -ERANGE ||
	    (!ret && (v >> RRAIM_CHUNK_SHIFT) > RRAIM_POOL_MAX_CHUNKS)) {
		snprintf(err, errlen, "quota '%s' is too large", s);
		return -1;
	}
	if (ret) {
		snprintf(err, errlen,
			 "quota '%s' is not a size (digits with an optional K, M, G or T suffix)",
			 s);
		return -1;
	}
	if (v % RRAIM_CHUNK_SIZE) {
		snprintf(err, errlen,
			 "quota '%s' is not a multiple of the chunk size (%uM)",
			 s, RRAIM_CHUNK_SIZE >> 20);
		return -1;
	}
	*chunks = v >> RRAIM_CHUNK_SHIFT;
	return 0;
}

/* One "ADDR=QUOTA" item of --client-quota, appended to @q. */
static int rraim_parse_quota_entry(char *item, struct rraim_client_quota *q,
				   char *err, size_t errlen)
{
	char *eq = strchr(item, '='), *addr, *quota;
	struct rraim_quota_entry e, *grown;
	unsigned int i;

	*eq = '\0';
	addr = rraim_strip(item);
	quota = rraim_strip(eq + 1);
	if (inet_pton(AF_INET, addr, &e.addr) != 1) {
		snprintf(err, errlen, "'%.64s' is not an IPv4 address", addr);
		return -1;
	}
	if (rraim_parse_quota(quota, &e.chunks, err, errlen))
		return -1;
	for (i = 0; i < q->nr_entries; i++) {
		if (q->entries[i].addr.s_addr == e.addr.s_addr) {
			snprintf(err, errlen, "address %s given twice", addr);
			return -1;
		}
	}
	if (q->nr_entries >= RRAIM_QUOTA_ENTRIES_MAX) {
		snprintf(err, errlen, "more than %u addresses",
			 RRAIM_QUOTA_ENTRIES_MAX);
		return -1;
	}
	grown = realloc(q->entries, (q->nr_entries + 1) * sizeof(*grown));
	if (!grown) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	q->entries = grown;
	q->entries[q->nr_entries++] = e;
	return 0;
}

/*
 * "QUOTA[,ADDR=QUOTA...]", or only "ADDR=QUOTA[,...]" (no default): items
 * separated by commas, blanks around an item or its '=' allowed.
 */
int rraim_parse_client_quota(const char *s, struct rraim_client_quota *q,
			     char *err, size_t errlen)
{
	struct rraim_client_quota out = { 0 };
	char *copy, *item, *next;
	unsigned int n;
	int ret = -1;

	copy = s ? strdup(s) : NULL;
	if (!copy) {
		snprintf(err, errlen, s ? "out of memory" : "missing value");
		return -1;
	}
	for (item = copy, n = 0; item; item = next, n++) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		item = rraim_strip(item);
		if (!*item) {
			snprintf(err, errlen, "empty item in '%.64s'", s);
			goto out;
		}
		if (strchr(item, '=')) {
			if (rraim_parse_quota_entry(item, &out, err, errlen))
				goto out;
		} else if (n) {
			snprintf(err, errlen,
				 "'%.64s' is not ADDR=QUOTA (only the first item may be a bare default quota)",
				 item);
			goto out;
		} else if (rraim_parse_quota(item, &out.dflt_chunks, err,
					     errlen)) {
			goto out;
		}
	}
	rraim_client_quota_free(q);
	*q = out;
	out.entries = NULL;
	ret = 0;
out:
	free(out.entries);
	free(copy);
	return ret;
}

void rraim_client_quota_free(struct rraim_client_quota *q)
{
	free(q->entries);
	memset(q, 0, sizeof(*q));
}

static int rraim_client_quota_copy(struct rraim_client_quota *dst,
				   const struct rraim_client_quota *src)
{
	struct rraim_quota_entry *entries = NULL;
	size_t size = src->nr_entries * sizeof(*entries);

	if (size) {
		entries = malloc(size);
		if (!entries)
			return -1;
		memcpy(entries, src->entries, size);
	}
	rraim_client_quota_free(dst);
	dst->dflt_chunks = src->dflt_chunks;
	dst->entries = entries;
	dst->nr_entries = src->nr_entries;
	return 0;
}

static int rraim_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

const char *rraim_listen_str(const struct sockaddr_in *sin, char *buf,
			     size_t len)
{
	return rraim_format_addr((const struct sockaddr *)sin, buf, len);
}

/* ------------------------------------------------------------------ */
/* One option                                                          */
/* ------------------------------------------------------------------ */

static int rraim_set_capacity(struct rraim_options *opts, const char *value,
			      char *err, size_t errlen)
{
	uint64_t v;
	int ret = rraim_parse_size(value, &v);

	if (ret == -ERANGE) {
		snprintf(err, errlen, "'%s' is too large", value);
		return -1;
	}
	if (ret) {
		snprintf(err, errlen,
			 "'%s' is not a size (digits with an optional K, M, G or T suffix)",
			 value);
		return -1;
	}
	if (!v || v % RRAIM_CHUNK_SIZE) {
		snprintf(err, errlen,
			 "'%s' is not a positive multiple of the chunk size (%uM)",
			 value, RRAIM_CHUNK_SIZE >> 20);
		return -1;
	}
	if ((v >> RRAIM_CHUNK_SHIFT) > RRAIM_POOL_MAX_CHUNKS || v > SIZE_MAX) {
		snprintf(err, errlen, "'%s' is too large", value);
		return -1;
	}
	opts->capacity = v;
	return 0;
}

static int rraim_set_number(unsigned int *field, const char *value,
			    uint64_t min, uint64_t max, char *err,
			    size_t errlen)
{
	uint64_t v;

	if (rraim_parse_uint(value, max, &v) || v < min) {
		snprintf(err, errlen, "'%s' is not a number from %" PRIu64
			 " to %" PRIu64, value, min, max);
		return -1;
	}
	*field = (unsigned int)v;
	return 0;
}

static int rraim_set_hugepages(struct rraim_options *opts, const char *value,
			       char *err, size_t errlen)
{
	if (!strcmp(value, "auto"))
		opts->hugepages = RRAIM_HUGEPAGES_AUTO;
	else if (!strcmp(value, "on"))
		opts->hugepages = RRAIM_HUGEPAGES_ON;
	else if (!strcmp(value, "off"))
		opts->hugepages = RRAIM_HUGEPAGES_OFF;
	else {
		snprintf(err, errlen, "'%s' is not one of auto, on, off",
			 value);
		return -1;
	}
	return 0;
}

static int rraim_set_string(char **field, const char *value, char *err,
			    size_t errlen)
{
	char *copy = strdup(value);

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* A unix socket path: must fit in sun_path. */
static int rraim_set_socket_path(char **field, const char *value, char *err,
				 size_t errlen)
{
	struct sockaddr_un sun;

	if (strlen(value) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "'%s' is longer than %zu bytes", value,
			 sizeof(sun.sun_path) - 1);
		return -1;
	}
	return rraim_set_string(field, value, err, errlen);
}

static int rraim_set_flag(bool *field, const char *value, bool from_config,
			  char *err, size_t errlen)
{
	if (!from_config) {
		*field = true;
		return 0;
	}
	if (rraim_parse_bool(value, field)) {
		snprintf(err, errlen,
			 "'%s' is not one of yes, no, true, false, on, off, 1, 0",
			 value);
		return -1;
	}
	return 0;
}

static int rraim_set_client_quota(struct rraim_options *opts,
				  const char *value, char *err, size_t errlen)
{
	return rraim_parse_client_quota(value, &opts->client_quota, err,
					errlen);
}

static int rraim_set_listen(struct rraim_options *opts, const char *value,
			    char *err, size_t errlen)
{
	struct sockaddr_in sin;

	if (rraim_parse_listen(value, &sin)) {
		snprintf(err, errlen,
			 "'%s' is not an IPv4 address with an optional :PORT (1-65535)",
			 value);
		return -1;
	}
	opts->listen = sin;
	return 0;
}

static int rraim_option_apply(struct rraim_options *opts, enum rraim_opt opt,
			      const char *value, bool from_config, char *err,
			      size_t errlen)
{
	switch (opt) {
	case RRAIM_OPT_LISTEN:
		return rraim_set_listen(opts, value, err, errlen);
	case RRAIM_OPT_CAPACITY:
		return rraim_set_capacity(opts, value, err, errlen);
	case RRAIM_OPT_GRACE:
		return rraim_set_number(&opts->grace_s, value, 0,
					RRAIM_GRACE_MAX, err, errlen);
	case RRAIM_OPT_MAX_SESSIONS:
		return rraim_set_number(&opts->max_sessions, value, 1,
					RRAIM_MAX_SESSIONS_MAX, err, errlen);
	case RRAIM_OPT_HUGEPAGES:
		return rraim_set_hugepages(opts, value, err, errlen);
	case RRAIM_OPT_STATUS_SOCKET:
		return rraim_set_socket_path(&opts->status_socket, value, err,
					     errlen);
	case RRAIM_OPT_CLIENT_QUOTA:
		return rraim_set_client_quota(opts, value, err, errlen);
	case RRAIM_OPT_SECRET:
		return rraim_set_string(&opts->secret, value, err, errlen);
	case RRAIM_OPT_SYSTEMD:
		return rraim_set_flag(&opts->systemd, value, from_config, err,
				      errlen);
	case RRAIM_OPT_VERBOSE:
		return rraim_set_flag(&opts->verbose, value, from_config, err,
				      errlen);
	case RRAIM_OPT_CONFIG:
		return rraim_set_string(&opts->config, value, err, errlen);
	case RRAIM_OPT_STATUS:
		return rraim_set_socket_path(&opts->status_query, value, err,
					     errlen);
	case RRAIM_OPT_HELP:
	case RRAIM_OPT_VERSION:
		return 0;
	default:
		snprintf(err, errlen, "unknown option");
		return -1;
	}
}

int rraim_option_set(struct rraim_options *opts, enum rraim_opt opt,
		     const char *value, bool from_config, char *err,
		     size_t errlen)
{
	unsigned int bit = 1U << opt;

	if ((unsigned int)opt >= RRAIM_OPT_COUNT) {
		snprintf(err, errlen, "unknown option");
		return -1;
	}
	/* Flags may be repeated on the command line; nothing else may. */
	if ((rraim_opts[opt].has_value || from_config) && (opts->given & bit)) {
		snprintf(err, errlen, "given twice");
		return -1;
	}
	if ((rraim_opts[opt].has_value || from_config) && (!value || !*value)) {
		snprintf(err, errlen, "missing value");
		return -1;
	}
	if (rraim_option_apply(opts, opt, value, from_config, err, errlen))
		return -1;
	opts->given |= bit;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */
/* ------------------------------------------------------------------ */

static void rraim_build_longopts(struct option *longopts)
{
	int i;

	for (i = 0; i < RRAIM_OPT_COUNT; i++) {
		longopts[i].name = rraim_opts[i].name;
		longopts[i].has_arg = rraim_opts[i].has_value ?
				      required_argument : no_argument;
		longopts[i].flag = NULL;
		longopts[i].val = RRAIM_OPT_BASE + i;
	}
	memset(&longopts[RRAIM_OPT_COUNT], 0, sizeof(longopts[0]));
}

/* Map a getopt_long() result to an option; -1 after writing @err. */
static int rraim_getopt_opt(int c, char *argv[], char *err, size_t errlen)
{
	switch (c) {
	case 'h':
		return RRAIM_OPT_HELP;
	case 'V':
		return RRAIM_OPT_VERSION;
	case 'v':
		return RRAIM_OPT_VERBOSE;
	case ':':
		snprintf(err, errlen, "option '%s' requires a value",
			 argv[optind - 1]);
		return -1;
	case '?':
		if (optopt && optopt < RRAIM_OPT_BASE)
			snprintf(err, errlen, "unknown option '-%c'", optopt);
		else
			snprintf(err, errlen, "unknown option '%s'",
				 argv[optind - 1]);
		return -1;
	default:
		if (c >= RRAIM_OPT_BASE && c < RRAIM_OPT_BASE + RRAIM_OPT_COUNT)
			return c - RRAIM_OPT_BASE;
		snprintf(err, errlen, "unexpected option");
		return -1;
	}
}

enum rraim_action rraim_options_parse_args(struct rraim_options *opts,
					   int argc, char *argv[], char *err,
					   size_t errlen)
{
	struct option longopts[RRAIM_OPT_COUNT + 1];
	char body[256];
	int c, opt;

	rraim_build_longopts(longopts);
	optind = 0;	/* glibc: full re-initialisation (tests parse often) */
	opterr = 0;	/* our own messages */
	while ((c = getopt_long(argc, argv, ":hVv", longopts, NULL)) != -1) {
		opt = rraim_getopt_opt(c, argv, err, errlen);
		if (opt < 0)
			return RRAIM_ACTION_ERROR;
		if (rraim_option_set(opts, opt, optarg, false, body,
				     sizeof(body))) {
			snprintf(err, errlen, "--%s: %s", rraim_opts[opt].name,
				 body);
			return RRAIM_ACTION_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return RRAIM_ACTION_ERROR;
	}

	if (opts->given & (1U << RRAIM_OPT_HELP))
		return RRAIM_ACTION_HELP;
	if (opts->given & (1U << RRAIM_OPT_VERSION))
		return RRAIM_ACTION_VERSION;
	if (opts->given & (1U << RRAIM_OPT_STATUS)) {
		if (opts->given & RRAIM_SERVER_OPTS) {
			snprintf(err, errlen,
				 "--status does not combine with server options");
			return RRAIM_ACTION_ERROR;
		}
		return RRAIM_ACTION_STATUS;
	}
	return RRAIM_ACTION_SERVE;
}

/* ------------------------------------------------------------------ */
/* Configuration file                                                  */
/* ------------------------------------------------------------------ */

/* Option for a config key ("max_sessions" spells "max-sessions" too). */
static int rraim_config_key(const char *key)
{
	char norm[32];
	size_t i, len = strlen(key);
	int opt;

	if (len >= sizeof(norm))
		return -1;
	for (i = 0; i <= len; i++)
		norm[i] = key[i] == '_' ? '-' : key[i];
	for (opt = 0; opt < RRAIM_OPT_COUNT; opt++)
		if (rraim_opts[opt].in_config && !strcmp(rraim_opts[opt].name, norm))
			return opt;
	return -1;
}

static int rraim_config_line(struct rraim_options *opts, char *line,
			     char *err, size_t errlen)
{
	char *s = rraim_strip(line), *eq, *key, *value, body[256];
	int opt;

	if (!*s || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (!eq) {
		snprintf(err, errlen, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	key = rraim_strip(s);
	value = rraim_strip(eq + 1);
	if (!*key) {
		snprintf(err, errlen, "missing key before '='");
		return -1;
	}
	opt = rraim_config_key(key);
	if (opt < 0) {
		snprintf(err, errlen, "unknown key '%.64s'", key);
		return -1;
	}
	if (strpbrk(value, "\"'")) {
		snprintf(err, errlen, "%s: quotes are not supported", key);
		return -1;
	}
	if (rraim_option_set(opts, opt, value, true, body, sizeof(body))) {
		snprintf(err, errlen, "%s: %s", key, body);
		return -1;
	}
	return 0;
}

int rraim_config_parse(struct rraim_options *opts, FILE *f, const char *name,
		       char *err, size_t errlen)
{
	char *line = NULL, body[384];
	unsigned int lineno = 0;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > RRAIM_CONFIG_LINE_MAX || memchr(line, '\0', (size_t)n)) {
			snprintf(body, sizeof(body), "line too long or not text");
			ret = -1;
		} else {
			ret = rraim_config_line(opts, line, body, sizeof(body));
		}
		if (ret) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, body);
			break;
		}
	}
	if (!ret && ferror(f)) {
		snprintf(err, errlen, "%s: read error", name);
		ret = -1;
	}
	free(line);
	return ret;
}

int rraim_options_merge(struct rraim_options *dst,
			const struct rraim_options *src)
{
	unsigned int take = src->given & ~dst->given;
	char *path;

	if ((take & (1U << RRAIM_OPT_STATUS_SOCKET)) && src->status_socket) {
		path = strdup(src->status_socket);
		if (!path)
			return -1;
		free(dst->status_socket);
		dst->status_socket = path;
	}
	if ((take & (1U << RRAIM_OPT_CLIENT_QUOTA)) &&
	    rraim_client_quota_copy(&dst->client_quota, &src->client_quota))
		return -1;
	if ((take & (1U << RRAIM_OPT_SECRET)) && src->secret) {
		path = strdup(src->secret);
		if (!path)
			return -1;
		free(dst->secret);
		dst->secret = path;
	}
	if (take & (1U << RRAIM_OPT_LISTEN))
		dst->listen = src->listen;
	if (take & (1U << RRAIM_OPT_CAPACITY))
		dst->capacity = src->capacity;
	if (take & (1U << RRAIM_OPT_GRACE))
		dst->grace_s = src->grace_s;
	if (take & (1U << RRAIM_OPT_MAX_SESSIONS))
		dst->max_sessions = src->max_sessions;
	if (take & (1U << RRAIM_OPT_HUGEPAGES))
		dst->hugepages = src->hugepages;
	if (take & (1U << RRAIM_OPT_SYSTEMD))
		dst->systemd = src->systemd;
	if (take & (1U << RRAIM_OPT_VERBOSE))
		dst->verbose = src->verbose;
	dst->given |= take;
	return 0;
}

static int rraim_options_load_config(struct rraim_options *opts, char *err,
				     size_t errlen)
{
	struct rraim_options file;
	FILE *f;
	int ret;

	f = fopen(opts->config, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read config file %s: %s",
			 opts->config, strerror(errno));
		return -1;
	}
	rraim_options_init(&file);
	ret = rraim_config_parse(&file, f, opts->config, err, errlen);
	fclose(f);
	if (!ret && rraim_options_merge(opts, &file)) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	}
	rraim_options_free(&file);
	return ret;
}

enum rraim_action rraim_options_load(struct rraim_options *opts, int argc,
				     char *argv[], char *err, size_t errlen)
{
	enum rraim_action action;

	action = rraim_options_parse_args(opts, argc, argv, err, errlen);
	if (action != RRAIM_ACTION_SERVE)
		return action;
	if (opts->config && rraim_options_load_config(opts, err, errlen))
		return RRAIM_ACTION_ERROR;
	if (!(opts->given & (1U << RRAIM_OPT_CAPACITY))) {
		snprintf(err, errlen,
			 "no pool size: give --capacity SIZE (or 'capacity = SIZE' in the config file)");
		return RRAIM_ACTION_ERROR;
	}
	return RRAIM_ACTION_SERVE;
}

void rraim_usage(FILE *f)
{
	fprintf(f,
		"Usage: %1$s --capacity SIZE [OPTION]...\n"
		"       %1$s --status PATH\n"
		"Lend this machine's memory to RRAIM clients over RDMA.\n"
		"\n"
		"  --listen ADDR[:PORT]     IPv4 address to listen on (default 0.0.0.0:%2$u)\n"
		"  --capacity SIZE          pool size, a multiple of %3$uM; suffixes K, M, G, T\n"
		"                           (powers of 1024)\n"
		"  --grace SECONDS          keep the memory of a session whose control\n"
		"                           connection dropped this long (default %4$u;\n"
		"                           0 frees it at once)\n"
		"  --max-sessions N         sessions held at once (default %5$u)\n"
		"  --hugepages auto|on|off  huge pages for the pool (default auto)\n"
		"  --status-socket PATH     serve a status report on this unix socket\n"
		"  --client-quota QUOTA[,ADDR=QUOTA...]\n"
		"                           memory the sessions of one client IPv4 address\n"
		"                           may hold together: QUOTA for every address,\n"
		"                           ADDR=QUOTA for one; sizes as --capacity, 0 is\n"
		"                           unlimited (default)\n"
		"  --secret FILE            admit only clients that prove they hold the\n"
		"                           cluster's secret in FILE (mode 0600), and prove\n"
		"                           it to them\n"
		"  --systemd                notify systemd (Type=notify); journal log levels\n"
		"  --config FILE            read 'key = value' lines (keys: the long options\n"
		"                           above); the command line overrides the file\n"
		"  -v, --verbose            debug messages\n"
		"  --status PATH            print the status report served on PATH and exit\n"
		"  -h, --help               this text\n"
		"  -V, --version            version\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage or configuration error.\n",
		RRAIM_PROG, RRAIM_DEFAULT_PORT, RRAIM_CHUNK_SIZE >> 20,
		RRAIM_GRACE_DEFAULT, RRAIM_MAX_SESSIONS_DEFAULT);
}
