// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the RRAIM memory server: option, size and config
 * parsing, the wire format, the chunk pool and whether it fits (meminfo,
 * limits, locking step by step), rate limits, the systemd
 * notification, the status socket and report, and the request dispatch
 * paths that need no RDMA device.  TAP output; exit status 1 on failure.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "options.h"
#include "pool.h"
#include "proto.h"
#include "secret.h"
#include "server.h"
#include "sha256.h"
#include "tap.h"
#include "util.h"

static char tap_dir[256];	/* scratch directory */

static bool contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

/* ------------------------------------------------------------------ */
/* Value parsers                                                       */
/* ------------------------------------------------------------------ */

static void test_parse_size(void)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t v;
	} cases[] = {
		{ "8G", 0, 8ULL << 30 },
		{ "4M", 0, 4ULL << 20 },
		{ "3m", 0, 3ULL << 20 },
		{ "16k", 0, 16384 },
		{ "1T", 0, 1ULL << 40 },
		{ "4194304", 0, 4194304 },
		{ "0", 0, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "16777215T", 0, 16777215ULL << 40 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+4M", -EINVAL, 0 },
		{ "1X", -EINVAL, 0 },
		{ "G", -EINVAL, 0 },
		{ " 8G", -EINVAL, 0 },
		{ "8G ", -EINVAL, 0 },
		{ "8GB", -EINVAL, 0 },
		{ "4.5G", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "99999999999T", -ERANGE, 0 },
		{ "16777216T", -ERANGE, 0 },
		{ "18446744073709551616", -ERANGE, 0 },
	};
	uint64_t v;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		ret = rraim_parse_size(cases[i].s, &v);
		ok(ret == cases[i].ret && (ret || v == cases[i].v),
		   "size '%s' -> %d", cases[i].s, cases[i].ret);
	}
	ok(rraim_parse_size(NULL, &v) == -EINVAL, "size NULL rejected");
}

static void test_parse_listen(void)
{
	static const char *const good[] = {
		"10.0.0.2", "10.0.0.2:7000", "0.0.0.0:1", "255.255.255.255:65535",
	};
	static const char *const bad[] = {
		"", ":7471", "10.0.0.2:", "10.0.0.2:0", "10.0.0.2:65536",
		"10.0.0.256", "10.0.0", "host:1", "10.0.0.2:12x",
		"10.0.0.2:7471:1", "::1", "10.0.0.2:-1", " 10.0.0.2",
		"10.0.0.2 ",
	};
	struct sockaddr_in sin;
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(!rraim_parse_listen(good[i], &sin), "listen '%s' accepted",
		   good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(rraim_parse_listen(bad[i], &sin), "listen '%s' rejected",
		   bad[i]);
	rraim_parse_listen("10.0.0.2", &sin);
	ok(ntohs(sin.sin_port) == RRAIM_DEFAULT_PORT &&
	   !strcmp(rraim_listen_str(&sin, buf, sizeof(buf)), "10.0.0.2:7471"),
	   "listen without port uses RRAIM_DEFAULT_PORT (%s)", buf);
	rraim_parse_listen("10.0.0.2:7000", &sin);
	ok(!strcmp(rraim_listen_str(&sin, buf, sizeof(buf)), "10.0.0.2:7000"),
	   "listen with port (%s)", buf);
}

/* Set one option on fresh options; returns rraim_option_set()'s result. */
static int set1(struct rraim_options *o, enum rraim_opt opt, const char *v,
		char *err, size_t errlen)
{
	rraim_options_free(o);
	rraim_options_init(o);
	err[0] = '\0';
	return rraim_option_set(o, opt, v, false, err, errlen);
}

static void test_option_values(void)
{
	struct rraim_options o;
	char err[256], path[109];

	rraim_options_init(&o);
	ok(!set1(&o, RRAIM_OPT_CAPACITY, "8G", err, sizeof(err)) &&
	   o.capacity == 8ULL << 30, "capacity 8G");
	ok(!set1(&o, RRAIM_OPT_CAPACITY, "4M", err, sizeof(err)) &&
	   o.capacity == 4ULL << 20, "capacity 4M");
	ok(set1(&o, RRAIM_OPT_CAPACITY, "3M", err, sizeof(err)) &&
	   contains(err, "multiple"), "capacity 3M: %s", err);
	ok(set1(&o, RRAIM_OPT_CAPACITY, "0", err, sizeof(err)) &&
	   contains(err, "positive"), "capacity 0: %s", err);
	ok(set1(&o, RRAIM_OPT_CAPACITY, "-1", err, sizeof(err)) &&
	   contains(err, "not a size"), "capacity -1: %s", err);
	ok(set1(&o, RRAIM_OPT_CAPACITY, "1X", err, sizeof(err)) &&
	   contains(err, "not a size"), "capacity 1X: %s", err);
	ok(set1(&o, RRAIM_OPT_CAPACITY, "99999999999T", err, sizeof(err)) &&
	   contains(err, "too large"), "capacity 99999999999T: %s", err);
	ok(set1(&o, RRAIM_OPT_CAPACITY, "16384T", err, sizeof(err)) &&
	   contains(err, "too large"), "capacity 16384T (2^32 chunks): %s", err);
	ok(set1(&o, RRAIM_OPT_CAPACITY, "", err, sizeof(err)) &&
	   contains(err, "missing"), "capacity '': %s", err);
	ok(set1(&o, RRAIM_OPT_CAPACITY, NULL, err, sizeof(err)),
	   "capacity NULL");

	ok(!set1(&o, RRAIM_OPT_GRACE, "0", err, sizeof(err)) && !o.grace_s,
	   "grace 0");
	ok(!set1(&o, RRAIM_OPT_GRACE, "31536000", err, sizeof(err)) &&
	   o.grace_s == 31536000, "grace one year");
	ok(set1(&o, RRAIM_OPT_GRACE, "31536001", err, sizeof(err)),
	   "grace over a year: %s", err);
	ok(set1(&o, RRAIM_OPT_GRACE, "-5", err, sizeof(err)), "grace -5: %s", err);
	ok(set1(&o, RRAIM_OPT_GRACE, "60s", err, sizeof(err)), "grace 60s: %s",
	   err);
	ok(set1(&o, RRAIM_OPT_MAX_SESSIONS, "0", err, sizeof(err)),
	   "max-sessions 0: %s", err);
	ok(!set1(&o, RRAIM_OPT_MAX_SESSIONS, "4096", err, sizeof(err)) &&
	   o.max_sessions == 4096, "max-sessions 4096");
	ok(set1(&o, RRAIM_OPT_MAX_SESSIONS, "4097", err, sizeof(err)),
	   "max-sessions 4097: %s", err);
	ok(!set1(&o, RRAIM_OPT_HUGEPAGES, "on", err, sizeof(err)) &&
	   o.hugepages == RRAIM_HUGEPAGES_ON, "hugepages on");
	ok(!set1(&o, RRAIM_OPT_HUGEPAGES, "off", err, sizeof(err)) &&
	   o.hugepages == RRAIM_HUGEPAGES_OFF, "hugepages off");
	ok(set1(&o, RRAIM_OPT_HUGEPAGES, "yes", err, sizeof(err)),
	   "hugepages yes: %s", err);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ok(set1(&o, RRAIM_OPT_STATUS_SOCKET, path, err, sizeof(err)) &&
	   contains(err, "longer than 107"), "status socket path of 108 bytes");
	path[107] = '\0';
	ok(!set1(&o, RRAIM_OPT_STATUS_SOCKET, path, err, sizeof(err)),
	   "status socket path of 107 bytes");
	rraim_options_free(&o);
}

/* The quota --client-quota @value gives @addr, in chunks; -1 if refused. */
static int64_t quota_of(const char *value, const char *addr, char *err,
			size_t errlen)
{
	struct rraim_options o;
	struct in_addr in;
	int64_t chunks = -1;

	rraim_options_init(&o);
	err[0] = '\0';
	inet_pton(AF_INET, addr, &in);
	if (!set1(&o, RRAIM_OPT_CLIENT_QUOTA, value, err, errlen))
		chunks = (int64_t)rraim_quota_limit(&o.client_quota, in);
	rraim_options_free(&o);
	return chunks;
}

static void test_client_quota_values(void)
{
	static const char *const bad[][2] = {
		{ "3M", "multiple of the chunk size" },
		{ "8X", "not a size" },
		{ "-4M", "not a size" },
		{ "16384T", "too large" },
		{ "99999999999T", "too large" },
		{ "8M,", "empty item" },
		{ ",8M", "empty item" },
		{ "8M,,10.0.0.1=4M", "empty item" },
		{ "8M,4M", "is not ADDR=QUOTA" },
		{ "10.0.0.1=4M,8M", "is not ADDR=QUOTA" },
		{ "10.0.0.1", "not a size" },
		{ "8M,10.0.0.1", "is not ADDR=QUOTA" },
		{ "8M,10.0.0=4M", "not an IPv4 address" },
		{ "8M,10.0.0.1:7471=4M", "not an IPv4 address" },
		{ "8M,host=4M", "not an IPv4 address" },
		{ "8M,fe80::1=4M", "not an IPv4 address" },
		{ "8M,=4M", "not an IPv4 address" },
		{ "8M,10.0.0.1=", "not a size" },
		{ "8M,10.0.0.1=5M", "multiple of the chunk size" },
		{ "8M,10.0.0.1=4M=8M", "not a size" },
		{ "8M,10.0.0.1=4M,10.0.0.1=8M", "given twice" },
		{ "", "missing value" },
	};
	char err[256];
	size_t i;

	ok(quota_of("8M", "10.0.0.1", err, sizeof(err)) == 2,
	   "client-quota 8M: 2 chunks for every address %s", err);
	ok(quota_of("0", "10.0.0.1", err, sizeof(err)) == 0,
	   "client-quota 0: unlimited %s", err);
	ok(quota_of("1G,10.0.0.7=8M,10.0.0.8=0", "10.0.0.7", err,
		    sizeof(err)) == 2 &&
	   quota_of("1G,10.0.0.7=8M,10.0.0.8=0", "10.0.0.8", err,
		    sizeof(err)) == 0 &&
	   quota_of("1G,10.0.0.7=8M,10.0.0.8=0", "10.0.0.9", err,
		    sizeof(err)) == 256,
	   "an address's entry overrides the default, 0 for unlimited %s",
	   err);
	ok(quota_of("10.0.0.7=4M", "10.0.0.7", err, sizeof(err)) == 1 &&
	   quota_of("10.0.0.7=4M", "10.0.0.9", err, sizeof(err)) == 0,
	   "entries alone: the other addresses are unlimited %s", err);
	ok(quota_of(" 8M , 10.0.0.7 = 4M ", "10.0.0.7", err, sizeof(err)) == 1,
	   "blanks around items and '=' %s", err);
	ok(quota_of("16383T", "10.0.0.1", err, sizeof(err)) ==
	   (int64_t)(16383ULL << 18), "client-quota 16383T %s", err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(quota_of(bad[i][0], "10.0.0.1", err, sizeof(err)) < 0 &&
		   contains(err, bad[i][1]), "client-quota '%s': %s", bad[i][0],
		   err);
}

/* ------------------------------------------------------------------ */
/* Command line and config file                                        */
/* ------------------------------------------------------------------ */

/* Parse a NULL-terminated argument list with rraim_options_load(). */
static enum rraim_action load(struct rraim_options *o, char *err,
			      size_t errlen, ...)
{
	char *argv[32], *arg;
	enum rraim_action action;
	va_list ap;
	int argc = 0;

	argv[argc++] = strdup("rraim-server");
	va_start(ap, errlen);
	while ((arg = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = strdup(arg);
	va_end(ap);
	argv[argc] = NULL;

	rraim_options_free(o);
	rraim_options_init(o);
	err[0] = '\0';
	action = rraim_options_load(o, argc, argv, err, errlen);
	while (argc)
		free(argv[--argc]);
	return action;
}

static void test_args(void)
{
	struct rraim_options o;
	enum rraim_action a;
	char err[512], buf[64];

	rraim_options_init(&o);
	a = load(&o, err, sizeof(err), "--capacity", "8G", "--listen",
		 "10.0.0.2:7000", "--grace", "0", "--max-sessions", "8",
		 "--hugepages", "off", "--status-socket", "/run/x", "--systemd",
		 "-v", NULL);
	ok(a == RRAIM_ACTION_SERVE && o.capacity == 8ULL << 30 &&
	   !strcmp(rraim_listen_str(&o.listen, buf, sizeof(buf)), "10.0.0.2:7000") &&
	   o.grace_s == 0 && o.max_sessions == 8 &&
	   o.hugepages == RRAIM_HUGEPAGES_OFF &&
	   !strcmp(o.status_socket, "/run/x") && o.systemd && o.verbose,
	   "full command line %s", err);
	a = load(&o, err, sizeof(err), "--capacity=4M", NULL);
	ok(a == RRAIM_ACTION_SERVE && o.grace_s == RRAIM_GRACE_DEFAULT &&
	   o.max_sessions == RRAIM_MAX_SESSIONS_DEFAULT &&
	   o.hugepages == RRAIM_HUGEPAGES_AUTO && !o.status_socket &&
	   !strcmp(rraim_listen_str(&o.listen, buf, sizeof(buf)), "0.0.0.0:7471"),
	   "defaults with --capacity=4M");
	a = load(&o, err, sizeof(err), NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "--capacity"),
	   "no capacity: %s", err);
	a = load(&o, err, sizeof(err), "--capacity", "4M", "--listen",
		 "10.0.0.1", "--listen", "10.0.0.2", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "twice"),
	   "--listen twice: %s", err);
	a = load(&o, err, sizeof(err), "--capacity", "4M", "--capacity", "8M",
		 NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "twice"),
	   "--capacity twice: %s", err);
	a = load(&o, err, sizeof(err), "-v", "--verbose", "--capacity", "4M",
		 NULL);
	ok(a == RRAIM_ACTION_SERVE && o.verbose, "flags may repeat");
	a = load(&o, err, sizeof(err), "--capacity", "4M", "--bogus", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "unknown option '--bogus'"),
	   "unknown long option: %s", err);
	a = load(&o, err, sizeof(err), "-x", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "unknown option '-x'"),
	   "unknown short option: %s", err);
	a = load(&o, err, sizeof(err), "--capacity", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "requires a value"),
	   "missing value: %s", err);
	a = load(&o, err, sizeof(err), "--capacity", "3M", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "--capacity:"),
	   "bad value names the option: %s", err);
	a = load(&o, err, sizeof(err), "--capacity", "4M", "--client-quota",
		 "8M,10.0.0.7=4M", NULL);
	ok(a == RRAIM_ACTION_SERVE && o.client_quota.dflt_chunks == 2 &&
	   o.client_quota.nr_entries == 1 &&
	   o.client_quota.entries[0].chunks == 1, "--client-quota %s", err);
	a = load(&o, err, sizeof(err), "--capacity", "4M", NULL);
	ok(a == RRAIM_ACTION_SERVE && !o.client_quota.dflt_chunks &&
	   !o.client_quota.nr_entries, "no quota by default");
	a = load(&o, err, sizeof(err), "--capacity", "4M", "--client-quota",
		 "8M,10.0.0.7=3M", NULL);
	ok(a == RRAIM_ACTION_ERROR &&
	   !strcmp(err, "--client-quota: quota '3M' is not a multiple of the chunk size (4M)"),
	   "bad --client-quota names the option: %s", err);
	a = load(&o, err, sizeof(err), "--capacity", "4M", "--client-quota",
		 "8M", "--client-quota", "4M", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "twice"),
	   "--client-quota twice: %s", err);
	a = load(&o, err, sizeof(err), "--status", "/run/s", "--client-quota",
		 "8M", NULL);
	ok(a == RRAIM_ACTION_ERROR, "--status with --client-quota: %s", err);
	a = load(&o, err, sizeof(err), "--capacity", "4M", "extra", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "unexpected argument"),
	   "positional argument: %s", err);
	ok(load(&o, err, sizeof(err), "--help", NULL) == RRAIM_ACTION_HELP,
	   "--help");
	ok(load(&o, err, sizeof(err), "-V", NULL) == RRAIM_ACTION_VERSION,
	   "-V");
	a = load(&o, err, sizeof(err), "--status", "/run/s", NULL);
	ok(a == RRAIM_ACTION_STATUS && !strcmp(o.status_query, "/run/s"),
	   "--status PATH");
	a = load(&o, err, sizeof(err), "--status", "/run/s", "--capacity",
		 "4M", NULL);
	ok(a == RRAIM_ACTION_ERROR, "--status with server options: %s", err);
	rraim_options_free(&o);
}

static int parse_config_text(struct rraim_options *o, const char *text,
			     char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	rraim_options_free(o);
	rraim_options_init(o);
	err[0] = '\0';
	ret = rraim_config_parse(o, f, "test.conf", err, errlen);
	fclose(f);
	return ret;
}

static void test_config(void)
{
	static const char good[] =
		"# RRAIM server\n"
		"\n"
		"listen = 10.0.0.2:7471\n"
		"capacity=8G\n"
		"  grace =  30  \r\n"
		"max_sessions = 5\n"
		"hugepages = off\n"
		"status-socket = /run/rraim/s\n"
		"systemd = yes\n"
		"verbose = no\n";
	struct rraim_options o;
	char err[512], buf[64];

	rraim_options_init(&o);
	ok(!parse_config_text(&o, good, err, sizeof(err)) &&
	   o.capacity == 8ULL << 30 && o.grace_s == 30 && o.max_sessions == 5 &&
	   o.hugepages == RRAIM_HUGEPAGES_OFF && o.systemd && !o.verbose &&
	   !strcmp(o.status_socket, "/run/rraim/s") &&
	   !strcmp(rraim_listen_str(&o.listen, buf, sizeof(buf)), "10.0.0.2:7471"),
	   "good config file %s", err);
	ok(parse_config_text(&o, "capacity = 8G\ngrace = 1\nbogus = 1\n", err,
			     sizeof(err)) &&
	   contains(err, "test.conf:3: unknown key 'bogus'"),
	   "unknown key with line number: %s", err);
	ok(parse_config_text(&o, "capacity 8G\n", err, sizeof(err)) &&
	   contains(err, "test.conf:1: expected"), "missing '=': %s", err);
	ok(parse_config_text(&o, "capacity = 8G\ncapacity = 4M\n", err,
			     sizeof(err)) && contains(err, ":2: capacity: given twice"),
	   "duplicate key: %s", err);
	ok(parse_config_text(&o, "capacity = 3M\n", err, sizeof(err)) &&
	   contains(err, ":1: capacity: '3M' is not a positive multiple"),
	   "bad value: %s", err);
	ok(parse_config_text(&o, "grace =\n", err, sizeof(err)) &&
	   contains(err, "missing value"), "empty value: %s", err);
	ok(parse_config_text(&o, "= 5\n", err, sizeof(err)) &&
	   contains(err, "missing key"), "empty key: %s", err);
	ok(parse_config_text(&o, "config = /etc/x\n", err, sizeof(err)) &&
	   contains(err, "unknown key 'config'"), "config key: %s", err);
	ok(parse_config_text(&o, "status = /x\n", err, sizeof(err)) &&
	   contains(err, "unknown key"), "status key: %s", err);
	ok(parse_config_text(&o, "status-socket = \"/x\"\n", err, sizeof(err)) &&
	   contains(err, "quotes"), "quoted value: %s", err);
	ok(parse_config_text(&o, "systemd = maybe\n", err, sizeof(err)) &&
	   contains(err, "systemd:"), "bad boolean: %s", err);
	ok(parse_config_text(&o, "systemd = yes\nsystemd = no\n", err,
			     sizeof(err)) && contains(err, "given twice"),
	   "duplicate flag: %s", err);
	ok(!parse_config_text(&o, "client-quota = 8M, 10.0.0.7=16M\n", err,
			      sizeof(err)) &&
	   o.client_quota.dflt_chunks == 2 && o.client_quota.nr_entries == 1 &&
	   o.client_quota.entries[0].chunks == 4,
	   "client-quota in a config file %s", err);
	ok(parse_config_text(&o, "client_quota = 8M,10.0.0.300=4M\n", err,
			     sizeof(err)) &&
	   contains(err, "test.conf:1: client_quota: '10.0.0.300' is not an IPv4 address"),
	   "bad client-quota in a config file: %s", err);
	ok(!parse_config_text(&o, "", err, sizeof(err)), "empty file");
	rraim_options_free(&o);
}

static void test_config_load(void)
{
	char path[300], err[512];
	struct rraim_options o;
	enum rraim_action a;
	FILE *f;

	snprintf(path, sizeof(path), "%s/server.conf", tap_dir);
	f = fopen(path, "w");
	fputs("capacity = 8G\ngrace = 30\nlisten = 10.0.0.9\n", f);
	fclose(f);

	rraim_options_init(&o);
	a = load(&o, err, sizeof(err), "--config", path, NULL);
	ok(a == RRAIM_ACTION_SERVE && o.capacity == 8ULL << 30 &&
	   o.grace_s == 30, "capacity from the config file %s", err);
	a = load(&o, err, sizeof(err), "--config", path, "--capacity", "4M",
		 "--grace", "0", NULL);
	ok(a == RRAIM_ACTION_SERVE && o.capacity == 4ULL << 20 && !o.grace_s &&
	   ntohl(o.listen.sin_addr.s_addr) == 0x0a000009,
	   "command line overrides the file, the rest comes from it %s", err);

	f = fopen(path, "w");
	fputs("capacity = 8G\nclient-quota = 4M,10.0.0.7=8M\n", f);
	fclose(f);
	a = load(&o, err, sizeof(err), "--config", path, NULL);
	ok(a == RRAIM_ACTION_SERVE && o.client_quota.dflt_chunks == 1 &&
	   o.client_quota.nr_entries == 1 &&
	   o.client_quota.entries[0].addr.s_addr == htonl(0x0a000007) &&
	   o.client_quota.entries[0].chunks == 2,
	   "client-quota from the config file %s", err);
	a = load(&o, err, sizeof(err), "--config", path, "--client-quota",
		 "12M", NULL);
	ok(a == RRAIM_ACTION_SERVE && o.client_quota.dflt_chunks == 3 &&
	   !o.client_quota.nr_entries,
	   "--client-quota overrides the file's, entries included %s", err);
	a = load(&o, err, sizeof(err), "--config", "/nonexistent/rraim.conf",
		 "--capacity", "4M", NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "cannot read config file"),
	   "missing config file: %s", err);

	f = fopen(path, "w");
	fputs("capacity = 8G\nfrobnicate = yes\n", f);
	fclose(f);
	a = load(&o, err, sizeof(err), "--config", path, NULL);
	ok(a == RRAIM_ACTION_ERROR && contains(err, "server.conf:2: unknown key"),
	   "config error through --config: %s", err);
	unlink(path);
	rraim_options_free(&o);
}

/* ------------------------------------------------------------------ */
/* Wire format                                                         */
/* ------------------------------------------------------------------ */

static void valid_hello(struct rraim_hello *h)
{
	struct rraim_hello_info info = {
		.role = RRAIM_ROLE_CONTROL, .session = 0x1122334455667788ULL,
		.token = 0xdeadbeefcafef00dULL, .qp_index = 0, .qp_count = 4,
	};

	rraim_hello_encode(h, &info);
}

static void test_hello(void)
{
	struct rraim_hello_info info;
	uint8_t buf[RRAIM_HELLO_MAX + 1];
	struct rraim_hello h;
	unsigned int i;

	valid_hello(&h);
	ok(!memcmp(&h, "RAIM", 4), "hello starts with \"RAIM\" on the wire");
	ok(!rraim_hello_decode(&h, sizeof(h), &info) &&
	   info.role == RRAIM_ROLE_CONTROL &&
	   info.session == 0x1122334455667788ULL &&
	   info.token == 0xdeadbeefcafef00dULL && info.qp_count == 4,
	   "valid hello round trip");
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 1, &h, sizeof(h));
	ok(!rraim_hello_decode(buf + 1, RRAIM_HELLO_MAX, &info),
	   "hello padded to 56 bytes, unaligned");
	ok(rraim_hello_decode(&h, sizeof(h) - 1, &info) == RRAIM_REFUSE_MALFORMED,
	   "47-byte hello");
	ok(rraim_hello_decode(&h, 8, &info) == RRAIM_REFUSE_MALFORMED,
	   "8-byte hello");
	ok(rraim_hello_decode(NULL, 0, &info) == RRAIM_REFUSE_MALFORMED,
	   "no private data");

	valid_hello(&h);
	h.magic = htole32(~(uint32_t)RRAIM_PROTO_MAGIC);
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "bad magic");
	valid_hello(&h);
	h.magic = htobe32(RRAIM_PROTO_MAGIC);
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "byte-swapped magic");
	valid_hello(&h);
	h.version = htole16(RRAIM_PROTO_VERSION + 1);
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_VERSION,
	   "version + 1");
	valid_hello(&h);
	h.version = 0;
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_VERSION,
	   "version 0");
	valid_hello(&h);
	h.role = 0;
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "role 0");
	valid_hello(&h);
	h.role = htole16(3);
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "role 3");
	valid_hello(&h);
	h.role = htole16(RRAIM_ROLE_DATA);
	ok(!rraim_hello_decode(&h, sizeof(h), &info) &&
	   info.role == RRAIM_ROLE_DATA, "data role");
	valid_hello(&h);
	h.session = 0;
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "session 0");
	valid_hello(&h);
	h.qp_count = 0;
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "qp_count 0");
	valid_hello(&h);
	h.qp_count = htole16(RRAIM_QP_COUNT_MAX + 1);
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "qp_count 65");
	valid_hello(&h);
	h.qp_count = htole16(RRAIM_QP_COUNT_MAX);
	h.qp_index = htole16(RRAIM_QP_COUNT_MAX - 1);
	ok(!rraim_hello_decode(&h, sizeof(h), &info), "qp 63 of 64");
	valid_hello(&h);
	h.qp_index = h.qp_count;
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "qp_index = qp_count");
	for (i = 1; i < 32; i += 5) {
		valid_hello(&h);
		h.flags = htole32(1U << i);
		ok(rraim_hello_decode(&h, sizeof(h), &info) ==
		   RRAIM_REFUSE_MALFORMED, "unknown hello flag bit %u", i);
	}
	for (i = 0; i < RRAIM_AUTH_NONCE_LEN; i += 5) {
		valid_hello(&h);
		h.nonce[i] = 0x80;
		ok(rraim_hello_decode(&h, sizeof(h), &info) ==
		   RRAIM_REFUSE_MALFORMED, "nonce[%u] set without the flag", i);
	}
	valid_hello(&h);
	h.flags = htole32(RRAIM_HELLO_AUTH);
	memset(h.nonce, 0xa5, sizeof(h.nonce));
	ok(!rraim_hello_decode(&h, sizeof(h), &info) &&
	   info.flags == RRAIM_HELLO_AUTH && info.nonce[0] == 0xa5 &&
	   info.nonce[RRAIM_AUTH_NONCE_LEN - 1] == 0xa5,
	   "control hello with a nonce");
	h.role = htole16(RRAIM_ROLE_DATA);
	ok(rraim_hello_decode(&h, sizeof(h), &info) == RRAIM_REFUSE_MALFORMED,
	   "data hello with a nonce");
}

static void test_welcome_refusal(void)
{
	struct rraim_welcome_info in = {
		.flags = RRAIM_WELCOME_RESUMED, .incarnation = 0x0102030405060708ULL,
		.capacity = 8ULL << 30, .free = 4ULL << 30,
		.chunk_shift = RRAIM_CHUNK_SHIFT, .nr_chunks = 17,
	}, out;
	struct rraim_welcome w;
	struct rraim_refusal r;
	uint16_t reason, version;

	rraim_welcome_encode(&w, &in);
	ok(!rraim_welcome_decode(&w, sizeof(w), &out) &&
	   out.flags == in.flags && out.incarnation == in.incarnation &&
	   out.capacity == in.capacity && out.free == in.free &&
	   out.chunk_shift == in.chunk_shift && out.nr_chunks == in.nr_chunks,
	   "welcome round trip");
	ok(le64toh(w.capacity) == 8ULL << 30 && !w.reserved[0] && !w.reserved[3],
	   "welcome little-endian, reserved zero");
	ok(rraim_welcome_decode(&w, sizeof(w) - 1, &out) == -EINVAL,
	   "short welcome");
	w.chunk_shift = htole32(RRAIM_CHUNK_SHIFT + 1);
	ok(rraim_welcome_decode(&w, sizeof(w), &out) == -EINVAL,
	   "welcome with another chunk size");

	rraim_refusal_encode(&r, RRAIM_REFUSE_BAD_TOKEN);
	ok(!rraim_refusal_decode(&r, sizeof(r), &reason, &version) &&
	   reason == RRAIM_REFUSE_BAD_TOKEN && version == RRAIM_PROTO_VERSION,
	   "refusal round trip");
	ok(rraim_refusal_decode(&r, 7, &reason, &version) == -EINVAL,
	   "short refusal");
	r.magic = 0;
	ok(rraim_refusal_decode(&r, sizeof(r), &reason, &version) == -EINVAL,
	   "refusal with a bad magic");
}

static void test_msg_request(void)
{
	struct rraim_msg_info in = { .type = RRAIM_MSG_FREE, .seq = 77,
				     .chunk = 5 }, out;
	uint8_t buf[RRAIM_MSG_SIZE + 1];
	struct rraim_msg m;
	unsigned int i;
	uint16_t type;

	rraim_msg_encode(&m, &in);
	ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_OK &&
	   out.type == RRAIM_MSG_FREE && out.seq == 77 && out.chunk == 5,
	   "request round trip");
	memcpy(buf + 1, &m, sizeof(m));
	ok(rraim_msg_decode_request(buf + 1, RRAIM_MSG_SIZE, &out) == RRAIM_OK,
	   "unaligned request");
	for (type = RRAIM_MSG_ALLOC; type <= RRAIM_MSG_BYE; type++) {
		in.type = type;
		rraim_msg_encode(&m, &in);
		ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_OK,
		   "type %s accepted", rraim_msg_type_str(type));
	}
	static const uint16_t unknown[] = { 0, 7, 99, 0x7fff };
	for (i = 0; i < 4; i++) {
		in.type = unknown[i];
		rraim_msg_encode(&m, &in);
		ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_ENOTSUP &&
		   out.type == unknown[i] && out.seq == 77,
		   "unknown type %u: enotsup, type and seq echoed", unknown[i]);
	}
	in.type = RRAIM_MSG_PING | RRAIM_MSG_REPLY;
	rraim_msg_encode(&m, &in);
	ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_EINVAL,
	   "reply bit in a request");

	in.type = RRAIM_MSG_PING;
	rraim_msg_encode(&m, &in);
	static const size_t lens[] = { 0, 5, 17, 63 };
	for (i = 0; i < 4; i++)
		ok(rraim_msg_decode_request(&m, lens[i], &out) == RRAIM_EINVAL,
		   "%zu-byte request", lens[i]);
	ok(rraim_msg_decode_request(buf, RRAIM_MSG_SIZE + 1, &out) == RRAIM_EINVAL,
	   "65-byte request");
	rraim_msg_decode_request(&m, 17, &out);
	ok(out.type == RRAIM_MSG_PING && out.seq == 77,
	   "17-byte request: type and seq still echoed");
	rraim_msg_decode_request(&m, 5, &out);
	ok(out.type == 0 && out.seq == 0, "5-byte request: nothing echoed");
	ok(rraim_msg_decode_request(NULL, 64, &out) == RRAIM_EINVAL, "NULL request");

	rraim_msg_encode(&m, &in);
	m.magic = htole32(RRAIM_PROTO_MAGIC + 1);
	ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_EINVAL,
	   "request with a bad magic");
	rraim_msg_encode(&m, &in);
	m.status = htole16(RRAIM_EIO);
	ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_EINVAL,
	   "request with a status");
	for (i = 0; i < RRAIM_AUTH_PROOF_LEN; i += 3) {
		rraim_msg_encode(&m, &in);
		m.proof[i] = (uint8_t)(0x80U >> (i % 8));
		ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_EINVAL,
		   "%s request with proof[%u] set",
		   rraim_msg_type_str(in.type), i);
	}
	rraim_msg_encode(&m, &in);
	m.type = htole16(RRAIM_MSG_AUTH);
	memset(m.proof, 0x5a, sizeof(m.proof));
	ok(rraim_msg_decode_request(&m, sizeof(m), &out) == RRAIM_OK &&
	   out.type == RRAIM_MSG_AUTH && out.proof[0] == 0x5a &&
	   out.proof[RRAIM_AUTH_PROOF_LEN - 1] == 0x5a,
	   "auth request carries its proof");
}

static void test_msg_reply(void)
{
	struct rraim_msg_info in = {
		.type = RRAIM_MSG_ALLOC | RRAIM_MSG_REPLY, .status = RRAIM_OK,
		.seq = 0xfffffffe, .chunk = 3, .rkey = 0x1234, .nr_chunks = 4,
		.addr = 0x7f0012345000ULL, .capacity = 1ULL << 33,
		.free = 1ULL << 32,
	}, out;
	struct rraim_msg m;

	ok(sizeof(m) == RRAIM_MSG_SIZE &&
	   offsetof(struct rraim_msg, addr) == 24 &&
	   offsetof(struct rraim_msg, proof) == 48, "message layout");
	rraim_msg_encode(&m, &in);
	ok(!rraim_msg_decode_reply(&m, sizeof(m), &out) &&
	   !memcmp(&in, &out, sizeof(in)), "reply round trip");
	ok(le64toh(m.addr) == 0x7f0012345000ULL, "reply addr little-endian");
	ok(rraim_msg_decode_reply(&m, sizeof(m) - 1, &out) == -EINVAL,
	   "short reply");
	in.type = RRAIM_MSG_ALLOC;
	rraim_msg_encode(&m, &in);
	ok(rraim_msg_decode_reply(&m, sizeof(m), &out) == -EINVAL,
	   "reply without the reply bit");
}

/* ------------------------------------------------------------------ */
/* Pool                                                                */
/* ------------------------------------------------------------------ */

static void test_pool_alloc(void)
{
	struct rraim_pool p;
	bool distinct = true;
	int64_t c, i;

	ok(rraim_pool_init(&p, 0) == -EINVAL, "pool of 0 bytes");
	ok(rraim_pool_init(&p, 3ULL << 20) == -EINVAL, "pool of 3M");
	ok(rraim_pool_init(&p, (uint64_t)1 << (32 + RRAIM_CHUNK_SHIFT)) == -ERANGE,
	   "pool of 2^32 chunks");

	ok(!rraim_pool_init(&p, 16ULL * RRAIM_CHUNK_SIZE) && p.nr_chunks == 16 &&
	   p.nr_free == 16, "pool of 16 chunks");
	for (i = 0; i < 16; i++)
		if (rraim_pool_get(&p) != i)
			distinct = false;
	ok(distinct, "16 chunks handed out lowest first");
	ok(rraim_pool_get(&p) == -1 && !p.nr_free, "exhausted pool says -1");
	ok(!rraim_pool_put(&p, 5) && p.nr_free == 1 && rraim_pool_is_free(&p, 5),
	   "put chunk 5");
	ok(rraim_pool_put(&p, 5) == -EALREADY && p.nr_free == 1,
	   "double free refused");
	ok(rraim_pool_put(&p, 16) == -ERANGE, "put past the end refused");
	ok(rraim_pool_put(&p, UINT32_MAX) == -ERANGE, "put of chunk 2^32-1 refused");
	ok(rraim_pool_get(&p) == 5 && !p.nr_free, "freed chunk handed out again");
	ok(!rraim_pool_is_free(&p, 100), "is_free past the end");
	rraim_pool_destroy(&p);

	ok(!rraim_pool_init(&p, 70ULL * RRAIM_CHUNK_SIZE), "pool of 70 chunks");
	distinct = true;
	for (i = 0; i < 70; i++) {
		c = rraim_pool_get(&p);
		if (c != i)
			distinct = false;
	}
	ok(distinct && rraim_pool_get(&p) == -1,
	   "70 chunks across two bitmap words, none past the end");
	ok(!rraim_pool_put(&p, 69) && !rraim_pool_put(&p, 3) &&
	   rraim_pool_get(&p) == 3 && rraim_pool_get(&p) == 69,
	   "lowest free chunk first after puts");
	rraim_pool_destroy(&p);
}

static void test_pool_map(void)
{
	struct rraim_pool p;
	uint8_t *a, *b;
	char err[256];

	rraim_pool_init(&p, 2ULL * RRAIM_CHUNK_SIZE);
	if (rraim_pool_map(&p, false, err, sizeof(err)) || !p.base) {
		ok(false, "map 8M with normal pages: %s", err);
		rraim_pool_destroy(&p);
		return;
	}
	ok(!p.hugepages && !p.locked, "map 8M with normal pages");
	a = rraim_pool_chunk_addr(&p, 0);
	b = rraim_pool_chunk_addr(&p, 1);
	ok(a == p.base && b == a + RRAIM_CHUNK_SIZE, "chunk addresses");
	memset(b, 0xab, RRAIM_CHUNK_SIZE);
	ok(!a[RRAIM_CHUNK_SIZE - 1] && b[RRAIM_CHUNK_SIZE - 1] == 0xab,
	   "chunks are writable and apart");
	rraim_pool_destroy(&p);
	rraim_pool_init(&p, 2ULL * RRAIM_CHUNK_SIZE);
	if (!rraim_pool_map(&p, true, err, sizeof(err)))
		ok(p.base && p.hugepages, "map 8M of huge pages");
	else
		ok(contains(err, "huge pages") && contains(err, "vm.nr_hugepages") &&
		   !p.base, "no huge pages here: '%s'", err);
	rraim_pool_destroy(&p);
}

/* ------------------------------------------------------------------ */
/* Does the pool fit?                                                  */
/* ------------------------------------------------------------------ */

static const char meminfo_text[] =
	"MemTotal:        2013628 kB\n"
	"MemFree:         1234568 kB\n"
	"MemAvailable:    1048576 kB\n"
	"Buffers:           12345 kB\n"
	"HugePages_Total:      64\n"
	"HugePages_Free:       40\n"
	"HugePages_Rsvd:        8\n"
	"HugePages_Surp:        0\n"
	"Hugepagesize:       2048 kB\n"
	"Hugetlb:          131072 kB\n";

static int parse_meminfo(const char *text, struct rraim_meminfo *mi)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f)
		return -errno;
	ret = rraim_meminfo_parse(f, mi);
	fclose(f);
	return ret;
}

/* Write @text to a file in the scratch directory; its path. */
static const char *fake_meminfo(const char *text)
{
	static char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/meminfo", tap_dir);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static void test_meminfo(void)
{
	static const struct {
		const char *text;
		int ret;
		const char *what;
	} bad[] = {
		{ "MemTotal: 1024 kB\n", -EINVAL, "no MemAvailable" },
		{ "MemAvailable: 1024 kB\n", -EINVAL, "no MemTotal" },
		{ "", -EINVAL, "empty" },
		{ "MemTotal: x kB\nMemAvailable: 1 kB\n", -EINVAL, "not a number" },
		{ "MemTotal: -1 kB\nMemAvailable: 1 kB\n", -EINVAL, "negative" },
		{ "MemTotal: 1 MB\nMemAvailable: 1 kB\n", -EINVAL, "unknown unit" },
		{ "MemTotal: 99999999999999999999 kB\nMemAvailable: 1 kB\n",
		  -EINVAL, "overflow" },
	};
	struct rraim_meminfo mi;
	const char *path;
	unsigned int i;
	int ret;

	ok(!parse_meminfo(meminfo_text, &mi) &&
	   mi.total == 2013628ULL * 1024 && mi.available == 1048576ULL * 1024,
	   "meminfo: MemTotal and MemAvailable in bytes");
	ok(mi.huge_free == 32ULL * 2048 * 1024,
	   "meminfo: free huge pages are Free - Rsvd, times their size (%" PRIu64 ")",
	   mi.huge_free);
	ok(!parse_meminfo("MemAvailable:\t  512 kB\nMemTotal: 1024 kB", &mi) &&
	   mi.total == 1024ULL * 1024 && mi.available == 512ULL * 1024 &&
	   !mi.huge_free, "meminfo: any order, tabs, no newline at the end, no huge pages");
	ok(!parse_meminfo("MemTotal: 1024 kB\nMemAvailable: 512 kB\nHugePages_Free: 4\nHugePages_Rsvd: 6\nHugepagesize: 2048 kB\n",
			  &mi) && !mi.huge_free,
	   "meminfo: more reserved than free huge pages is none free");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(parse_meminfo(bad[i].text, &mi) == bad[i].ret,
		   "meminfo refused: %s", bad[i].what);

	path = fake_meminfo(meminfo_text);
	ok(!rraim_meminfo_read(path, &mi) && mi.available == 1048576ULL * 1024,
	   "meminfo read from a file");
	unlink(path);
	ok(rraim_meminfo_read(path, &mi) == -ENOENT, "meminfo: missing file");
	ret = rraim_meminfo_read(RRAIM_MEMINFO, &mi);
	ok(!ret && mi.total && mi.available <= mi.total,
	   "this machine's meminfo: %" PRIu64 " of %" PRIu64 " MiB available",
	   mi.available >> 20, mi.total >> 20);
}

#define MiB(n)	((uint64_t)(n) << 20)
#define GiB(n)	((uint64_t)(n) << 30)

static void test_pool_fit(void)
{
	/* 2 GiB machine: reserve 32 MiB + 2048 / 64 = 64 MiB. */
	static const struct {
		uint64_t capacity;
		bool huge;
		uint64_t available;
		uint64_t memlock;
		bool cap;
		enum rraim_pool_fit fit;
		const char *msg;	/* in the line, when it does not fit */
		const char *what;
	} cases[] = {
		{ MiB(256), false, MiB(1024), RRAIM_MEMLOCK_UNLIMITED, false,
		  RRAIM_POOL_FITS, NULL, "256M in 1G available" },
		{ MiB(960), false, MiB(1024), RRAIM_MEMLOCK_UNLIMITED, false,
		  RRAIM_POOL_FITS, NULL, "exactly available - reserve" },
		{ MiB(964), false, MiB(1024), RRAIM_MEMLOCK_UNLIMITED, false,
		  RRAIM_POOL_OVER_AVAILABLE,
		  "capacity 964 MiB does not fit in this machine's available memory: MemAvailable is 1024 MiB, of which 64 MiB stay free",
		  "4M into the reserve" },
		{ MiB(1200), false, MiB(1024), RRAIM_MEMLOCK_UNLIMITED, true,
		  RRAIM_POOL_OVER_AVAILABLE, "lower --capacity",
		  "over MemAvailable (below RAM)" },
		{ MiB(4), false, MiB(32), RRAIM_MEMLOCK_UNLIMITED, false,
		  RRAIM_POOL_OVER_AVAILABLE, "MemAvailable is 32 MiB",
		  "MemAvailable below the reserve" },
		{ MiB(1200), true, MiB(100), RRAIM_MEMLOCK_UNLIMITED, false,
		  RRAIM_POOL_FITS, NULL, "huge pages: MemAvailable does not count" },
		{ GiB(2), false, GiB(4), RRAIM_MEMLOCK_UNLIMITED, false,
		  RRAIM_POOL_OVER_RAM,
		  "capacity 2147483648 is not below this machine's memory (2147483648 bytes)",
		  "capacity = RAM" },
		{ GiB(3), true, GiB(4), RRAIM_MEMLOCK_UNLIMITED, true,
		  RRAIM_POOL_OVER_RAM, "not below", "huge pages over RAM" },
		{ MiB(256), false, MiB(1024), MiB(8), false,
		  RRAIM_POOL_OVER_MEMLOCK,
		  "the locked-memory limit (RLIMIT_MEMLOCK) is 8192 KiB, below the capacity plus 64 MiB for the server's own locked memory: raise it (LimitMEMLOCK=infinity",
		  "memlock 8M, no CAP_IPC_LOCK" },
		{ MiB(256), false, MiB(1024), MiB(8), true,
		  RRAIM_POOL_FITS, NULL, "memlock 8M with CAP_IPC_LOCK" },
		{ MiB(256), false, MiB(1024), MiB(320), false,
		  RRAIM_POOL_FITS, NULL, "memlock = capacity + slack" },
		{ MiB(256), false, MiB(1024), MiB(316), false,
		  RRAIM_POOL_OVER_MEMLOCK, "CAP_IPC_LOCK", "memlock 4M short" },
		{ MiB(256), false, MiB(1024), 0, false,
		  RRAIM_POOL_OVER_MEMLOCK, "is 0 KiB", "memlock 0" },
		{ MiB(256), true, MiB(1024), MiB(64), false,
		  RRAIM_POOL_OVER_MEMLOCK, "RLIMIT_MEMLOCK",
		  "huge pages count against memlock too" },
		{ MiB(1200), false, MiB(1024), 0, false,
		  RRAIM_POOL_OVER_AVAILABLE, "MemAvailable",
		  "both short: available memory said first" },
	};
	struct rraim_mem_limits lim;
	enum rraim_pool_fit fit;
	char err[512];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&lim, 0, sizeof(lim));
		lim.ram = GiB(2);
		lim.mi.total = GiB(2);
		lim.mi.available = cases[i].available;
		lim.memlock = cases[i].memlock;
		lim.cap_ipc_lock = cases[i].cap;
		err[0] = '\0';
		fit = rraim_pool_fit(cases[i].capacity, cases[i].huge, &lim,
				     err, sizeof(err));
		ok(fit == cases[i].fit &&
		   (cases[i].msg ? contains(err, cases[i].msg) : !err[0]) &&
		   !strchr(err, '\n'),
		   "fit: %s%s%s", cases[i].what, err[0] ? ": " : "", err);
	}

	memset(&lim, 0, sizeof(lim));
	lim.mi.total = GiB(2);
	lim.mi.available = GiB(1);
	lim.memlock = RRAIM_MEMLOCK_UNLIMITED;
	ok(rraim_pool_fit(GiB(64), true, &lim, err, sizeof(err)) == RRAIM_POOL_FITS,
	   "fit: RAM unknown (0) is not checked");
	lim.mi.total = GiB(64);
	ok(rraim_pool_reserve(&lim.mi) == MiB(32) + GiB(1),
	   "reserve on 64 GiB: 32 MiB + 1 GiB");
}

static void test_pool_want_huge(void)
{
	struct rraim_meminfo mi = { .huge_free = MiB(256) };

	ok(rraim_pool_want_huge(MiB(256), RRAIM_HUGEPAGES_AUTO, &mi) &&
	   !rraim_pool_want_huge(MiB(260), RRAIM_HUGEPAGES_AUTO, &mi),
	   "hugepages auto: only when enough are free");
	ok(rraim_pool_want_huge(MiB(260), RRAIM_HUGEPAGES_ON, &mi),
	   "hugepages on: always (the mapping says whether there are enough)");
	ok(!rraim_pool_want_huge(MiB(4), RRAIM_HUGEPAGES_OFF, &mi),
	   "hugepages off: never");
}

/* VmLck of this process, in bytes; 0 when unknown. */
static uint64_t self_vmlck(void)
{
	unsigned long long kb = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

static void test_pool_lock(void)
{
	char text[256], err[512];
	const char *path;
	struct rraim_pool p;
	uint64_t before;
	int ret;

	/* 8M pool, 4M steps, no reserve: MemAvailable 4M is too little. */
	snprintf(text, sizeof(text), "MemTotal: 1048576 kB\nMemAvailable: 4096 kB\n");
	path = fake_meminfo(text);
	rraim_pool_init(&p, 2ULL * RRAIM_CHUNK_SIZE);
	ok(!rraim_pool_map(&p, false, err, sizeof(err)), "map 8M without faulting it in");
	before = self_vmlck();
	err[0] = '\0';
	ret = rraim_pool_lock(&p, MiB(4), 0, path, err, sizeof(err));
	ok(ret == -ENOMEM && !p.locked && self_vmlck() == before &&
	   contains(err, "memory ran short while locking the pool: 0 of 8 MiB locked, MemAvailable 4 MiB"),
	   "lock refused before the first step: '%s'", err);

	/* A reserve that MemAvailable does not cover. */
	snprintf(text, sizeof(text), "MemTotal: 1048576 kB\nMemAvailable: 16384 kB\n");
	fake_meminfo(text);
	ok(rraim_pool_lock(&p, MiB(4), MiB(12), path, err, sizeof(err)) == -ENOMEM &&
	   !p.locked, "lock refused: 8M + 12M reserve > 16M available");
	ok(rraim_pool_lock(&p, MiB(4), 0, "/nonexistent/meminfo", err,
			   sizeof(err)) == -ENOENT && contains(err, "cannot read"),
	   "lock refused: meminfo unreadable");

	/* Enough: the whole pool locked in two steps, resident. */
	ret = rraim_pool_lock(&p, MiB(4), MiB(4), path, err, sizeof(err));
	if (ret == -ENOMEM || ret == -EPERM) {
		ok(contains(err, "RLIMIT_MEMLOCK") && !p.locked,
		   "# SKIP lock 8M: the locked-memory limit is too low here: %s", err);
	} else {
		ok(!ret && p.locked == p.size && self_vmlck() >= before + p.size,
		   "8M locked in 4M steps (VmLck %" PRIu64 " KiB)",
		   self_vmlck() >> 10);
	}
	rraim_pool_destroy(&p);
	ok(self_vmlck() == before, "unmapped pool no longer locked");
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void test_ratelimit(void)
{
	struct rraim_ratelimit rl = RRAIM_RATELIMIT_INIT(1000, 3);
	unsigned int missed = 0, n = 0, i;

	for (i = 0; i < 5; i++)
		n += rraim_ratelimit_at(&rl, 5000 + i, &missed);
	ok(n == 3 && !missed, "3 of 5 messages pass in one window");
	ok(!rraim_ratelimit_at(&rl, 5999, &missed) && !missed,
	   "still suppressed at the end of the window");
	ok(rraim_ratelimit_at(&rl, 6000, &missed) && missed == 3,
	   "next window passes and reports 3 suppressed");
}

static void test_sd_notify(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[300], buf[64], abstract[64];
	ssize_t n;
	int fd;

	unsetenv("NOTIFY_SOCKET");
	ok(rraim_sd_notify("READY=1") == 0, "sd_notify without NOTIFY_SOCKET");

	snprintf(path, sizeof(path), "%s/notify", tap_dir);
	if (strlen(path) >= sizeof(sun.sun_path)) {
		ok(false, "scratch directory path too long for a socket");
		return;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	setenv("NOTIFY_SOCKET", path, 1);
	ok(rraim_sd_notify("READY=1\nSTATUS=x") == 1, "sd_notify to a path");
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	ok(!strcmp(buf, "READY=1\nSTATUS=x"), "datagram received: %s", buf);
	close(fd);
	unlink(path);

	snprintf(abstract, sizeof(abstract), "@rraim-test-%d", (int)getpid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abstract + 1, strlen(abstract) - 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bind(fd, (struct sockaddr *)&sun,
	     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(abstract)));
	setenv("NOTIFY_SOCKET", abstract, 1);
	ok(rraim_sd_notify("STOPPING=1") == 1, "sd_notify to an abstract socket");
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	ok(!strcmp(buf, "STOPPING=1"), "abstract datagram received");
	close(fd);

	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	ok(rraim_sd_notify("READY=1") < 0, "unsupported NOTIFY_SOCKET is an error");
	unsetenv("NOTIFY_SOCKET");
}

/* ------------------------------------------------------------------ */
/* Status socket and report                                            */
/* ------------------------------------------------------------------ */

/*
 * A child that answers one status client with @text.  The listening socket
 * is non-blocking (the server polls it): wait for the client first.
 */
static pid_t serve_once(int lfd, const char *text)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	if (poll(&pfd, 1, 5000) != 1)
		_exit(1);
	fd = accept(lfd, NULL, NULL);
	if (fd >= 0 && write(fd, text, strlen(text)) < 0)
		_exit(1);
	_exit(0);
}

static void test_status_socket(void)
{
	char path[300], err[512], *out = NULL;
	size_t outlen = 0;
	struct stat st;
	FILE *f;
	pid_t pid;
	int fd, fd2, ret;

	snprintf(path, sizeof(path), "%s/status", tap_dir);
	fd = rraim_status_listen(path, err, sizeof(err));
	ok(fd >= 0 && !stat(path, &st) && S_ISSOCK(st.st_mode) &&
	   (st.st_mode & 0777) == 0660, "status socket listens, mode 0660");
	f = open_memstream(&out, &outlen);
	pid = serve_once(fd, "state running\nsessions 0\n");
	ret = rraim_status_query(path, f);
	fclose(f);
	waitpid(pid, NULL, 0);
	ok(!ret && out && !strcmp(out, "state running\nsessions 0\n"),
	   "--status prints the report");
	free(out);

	/* Its probe stays in the backlog: test it after the query. */
	fd2 = rraim_status_listen(path, err, sizeof(err));
	ok(fd2 < 0 && contains(err, "another server"),
	   "second server on the same socket: %s", err);

	close(fd);	/* leaves a stale socket file behind */
	fd = rraim_status_listen(path, err, sizeof(err));
	ok(fd >= 0, "stale socket file replaced %s", fd < 0 ? err : "");
	close(fd);
	unlink(path);

	ok(rraim_status_query(path, stdout) == 1, "--status without a server");

	f = fopen(path, "w");
	fclose(f);
	ok(rraim_status_listen(path, err, sizeof(err)) < 0 &&
	   contains(err, "not a socket"), "a regular file is left alone: %s",
	   err);
	unlink(path);
}

/* A server with two sessions, built without RDMA. */
static void fake_server(struct rraim_server *srv, struct rraim_options *opts,
			struct rraim_session *live, struct rraim_session *grace)
{
	rraim_options_init(opts);
	opts->capacity = 4ULL * RRAIM_CHUNK_SIZE;
	opts->grace_s = 60;
	rraim_parse_listen("10.0.0.2", &opts->listen);

	memset(srv, 0, sizeof(*srv));
	srv->opts = opts;
	srv->state = RRAIM_SERVER_RUNNING;
	srv->incarnation = 0xfeedface12345678ULL;
	srv->start_ms = rraim_now_ms();
	rraim_pool_init(&srv->pool, opts->capacity);
	srv->grants = calloc(srv->pool.nr_chunks, sizeof(*srv->grants));
	LIST_INIT(&srv->sessions);

	memset(live, 0, sizeof(*live));
	live->srv = srv;
	live->id = 1;
	live->state = RRAIM_SESSION_LIVE;
	live->client.s_addr = htonl(0x0a000005);
	live->nr_conns = 2;
	live->msg_rl = (struct rraim_ratelimit)RRAIM_RATELIMIT_INIT(1000, 1);
	LIST_INIT(&live->grants);
	LIST_INIT(&live->conns);
	memset(grace, 0, sizeof(*grace));
	grace->srv = srv;
	grace->id = 0xabcdef;
	grace->state = RRAIM_SESSION_GRACE;
	grace->client.s_addr = htonl(0x0a000006);
	grace->nr_chunks = 1;
	grace->grace_deadline_ms = rraim_now_ms() + 30000;
	LIST_INIT(&grace->grants);
	LIST_INIT(&grace->conns);
	LIST_INSERT_HEAD(&srv->sessions, grace, link);
	LIST_INSERT_HEAD(&srv->sessions, live, link);
	srv->nr_sessions = 2;
	srv->nr_conns = 2;

	/* Chunk 0 belongs to the session in grace. */
	rraim_pool_get(&srv->pool);
	srv->grants[0].owner = grace;
	srv->chunks_granted = 1;
	srv->stats.allocs = 7;
	srv->stats.alloc_quota = 5;
	srv->stats.refused[RRAIM_REFUSE_BUSY] = 2;
	srv->stats.sessions_replaced = 3;
}

static void free_fake_server(struct rraim_server *srv,
			     struct rraim_options *opts)
{
	free(srv->grants);
	rraim_pool_destroy(&srv->pool);
	rraim_options_free(opts);
}

static void test_status_report(void)
{
	struct rraim_session live, grace;
	struct rraim_options opts;
	struct rraim_server srv;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	fake_server(&srv, &opts, &live, &grace);
	f = open_memstream(&out, &len);
	rraim_status_report(&srv, f);
	fclose(f);
	ok(contains(out, "\nlisten 10.0.0.2:7471\n") &&
	   contains(out, "\nstate running\n") &&
	   contains(out, "\nincarnation 0xfeedface12345678\n"),
	   "report: listen, state, incarnation");
	ok(contains(out, "\ncapacity 16777216\n") &&
	   contains(out, "\nfree 12582912\n") &&
	   contains(out, "\nchunks_total 4\n") &&
	   contains(out, "\nchunks_granted 1\n"), "report: pool");
	ok(contains(out, "\nsessions 2\n") && contains(out, "\nconnections 2\n") &&
	   contains(out, "\nallocs 7\n") && contains(out, "\nrefused_busy 2\n") &&
	   contains(out, "\nalloc_enospc 0\nalloc_quota 5\nalloc_failed 0\n") &&
	   contains(out, "\nsessions_replaced 3\n"),
	   "report: sessions and counters");
	ok(contains(out, "\nsession 0x0000000000000001 state live chunks 0 conns 2 grace_left_s 0 client 10.0.0.5 authed -\n") &&
	   contains(out, "\nsession 0x0000000000abcdef state grace chunks 1 conns 0 grace_left_s 30 client 10.0.0.6 authed -\n"),
	   "report: one line per session");
	free(out);
	free_fake_server(&srv, &opts);
}

/* Requests that need no memory registration. */
static void test_requests(void)
{
	struct rraim_session live, grace;
	struct rraim_msg_info req = { 0 }, rep;
	struct rraim_options opts;
	struct rraim_server srv;
	char err[256];

	fake_server(&srv, &opts, &live, &grace);
	req.type = RRAIM_MSG_PING;
	req.seq = 41;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.type == (RRAIM_MSG_PING | RRAIM_MSG_REPLY) && rep.seq == 41 &&
	   rep.status == RRAIM_OK && rep.capacity == 4ULL * RRAIM_CHUNK_SIZE &&
	   rep.free == 3ULL * RRAIM_CHUNK_SIZE && rep.nr_chunks == 0 &&
	   srv.stats.pings == 1, "PING reply carries the pool state");

	req.type = RRAIM_MSG_FREE;
	req.chunk = 0;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_ENOENT && srv.grants[0].owner == &grace,
	   "FREE of another session's chunk: enoent, chunk untouched");
	req.chunk = 1;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_ENOENT, "FREE of a free chunk: enoent");
	req.chunk = 0xffffffff;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_ENOENT && srv.stats.unknown_chunk == 3,
	   "FREE past the pool: enoent");
	req.type = RRAIM_MSG_QUERY;
	req.chunk = 0;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_ENOENT && !rep.rkey && !rep.addr,
	   "QUERY of another session's chunk: enoent, nothing disclosed");

	/*
	 * One chunk for every address: the session in grace holds it for
	 * 10.0.0.6; a live session of the same address gets nothing more.
	 */
	err[0] = '\0';
	ok(!rraim_parse_client_quota("4M", &opts.client_quota, err,
				     sizeof(err)), "quota of 1 chunk %s", err);
	live.client = grace.client;
	req.type = RRAIM_MSG_PING;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_OK && !rep.free && rep.capacity == 4ULL * RRAIM_CHUNK_SIZE,
	   "a client at its quota is told the server has no free space");
	req.type = RRAIM_MSG_ALLOC;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_ENOSPC && !rep.free && !rep.nr_chunks &&
	   srv.stats.alloc_quota == 5 + 1 && !srv.stats.alloc_enospc &&
	   srv.pool.nr_free == 3,
	   "ALLOC over the quota, counting the session in grace: enospc, alloc_quota");
	live.client.s_addr = htonl(0x0a000005);
	req.type = RRAIM_MSG_PING;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_OK && rep.free == 1ULL * RRAIM_CHUNK_SIZE,
	   "another address: free is what its quota leaves (1 of 3 chunks)");
	rraim_client_quota_free(&opts.client_quota);

	while (rraim_pool_get(&srv.pool) >= 0)
		;
	req.type = RRAIM_MSG_ALLOC;
	rraim_session_request(&live, RRAIM_OK, &req, &rep);
	ok(rep.status == RRAIM_ENOSPC && !rep.free && srv.stats.alloc_enospc == 1,
	   "ALLOC from an empty pool: enospc");

	req.type = 99;
	req.seq = 9;
	rraim_session_request(&live, RRAIM_ENOTSUP, &req, &rep);
	ok(rep.status == RRAIM_ENOTSUP && rep.seq == 9 &&
	   rep.type == (99 | RRAIM_MSG_REPLY) && srv.stats.bad_messages == 1,
	   "bad request answered with its status, counted");
	free_fake_server(&srv, &opts);
}

static void test_next_deadline(void)
{
	struct rraim_session live, grace;
	struct rraim_options opts;
	struct rraim_server srv;

	fake_server(&srv, &opts, &live, &grace);
	ok(rraim_sessions_next_deadline(&srv) == grace.grace_deadline_ms,
	   "timer follows the session in grace");
	grace.state = RRAIM_SESSION_LIVE;
	ok(rraim_sessions_next_deadline(&srv) == 0,
	   "no session in grace: timer disarmed");
	free_fake_server(&srv, &opts);
}

/* ------------------------------------------------------------------ */
/* SHA-256, HMAC, the secret and the proofs                            */
/* ------------------------------------------------------------------ */

static const char *hex(const uint8_t *p, size_t n)
{
	static char buf[2 * RRAIM_SHA256_LEN + 1];
	size_t i;

	for (i = 0; i < n && i < RRAIM_SHA256_LEN; i++)
		sprintf(buf + 2 * i, "%02x", p[i]);
	buf[2 * i] = 0;
	return buf;
}

static const char *sha256_hex(const void *data, size_t len, size_t repeat)
{
	struct rraim_sha256 c;
	uint8_t out[RRAIM_SHA256_LEN];

	rraim_sha256_init(&c);
	while (repeat--)
		rraim_sha256_update(&c, data, len);
	rraim_sha256_final(&c, out);
	return hex(out, sizeof(out));
}

static const char *hmac_hex(const void *key, size_t klen, const char *msg)
{
	uint8_t out[RRAIM_SHA256_LEN];
	struct rraim_hmac h;

	rraim_hmac_init(&h, key, klen);
	rraim_hmac_update(&h, msg, strlen(msg));
	rraim_hmac_final(&h, out);
	return hex(out, sizeof(out));
}

static void test_sha256(void)
{
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t key[131];

	/* FIPS 180-4 examples */
	ok(!strcmp(sha256_hex("", 0, 1),
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
	   "sha256 of nothing");
	ok(!strcmp(sha256_hex("abc", 3, 1),
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	   "sha256 of abc");
	ok(!strcmp(sha256_hex(two, strlen(two), 1),
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
	   "sha256 of two blocks");
	ok(!strcmp(sha256_hex("a", 1, 1000000),
		   "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
	   "sha256 of a million a, a byte at a time");
	/* RFC 4231, test cases 1, 2 and 6 */
	memset(key, 0x0b, 20);
	ok(!strcmp(hmac_hex(key, 20, "Hi There"),
		   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
	   "hmac-sha256, RFC 4231 case 1");
	ok(!strcmp(hmac_hex("Jefe", 4, "what do ya want for nothing?"),
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
	   "hmac-sha256, RFC 4231 case 2");
	memset(key, 0xaa, sizeof(key));
	ok(!strcmp(hmac_hex(key, sizeof(key),
			    "Test Using Larger Than Block-Size Key - Hash Key First"),
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
	   "hmac-sha256, RFC 4231 case 6 (key longer than a block)");
}

static int write_secret(const char *path, size_t len, mode_t mode)
{
	uint8_t buf[256];
	size_t i;
	int fd, ret;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	ret = write(fd, buf, len) == (ssize_t)len && !fchmod(fd, mode) ? 0 : -1;
	close(fd);
	return ret;
}

static void test_secret(void)
{
	uint8_t a[RRAIM_AUTH_NONCE_LEN], b[RRAIM_AUTH_NONCE_LEN];
	uint8_t p1[RRAIM_AUTH_PROOF_LEN], p2[RRAIM_AUTH_PROOF_LEN];
	struct rraim_secret sec, other;
	char path[300], err[512];

	snprintf(path, sizeof(path), "%s/secret", tap_dir);
	ok(rraim_secret_load(path, &sec, err, sizeof(err)) &&
	   strstr(err, "cannot open"), "missing secret file: %s", err);
	ok(!write_secret(path, 32, 0644) &&
	   rraim_secret_load(path, &sec, err, sizeof(err)) &&
	   strstr(err, "0600"), "secret readable by others refused: %s", err);
	ok(!write_secret(path, 32, 0640) &&
	   rraim_secret_load(path, &sec, err, sizeof(err)),
	   "secret readable by its group refused");
	ok(!write_secret(path, RRAIM_SECRET_MIN - 1, 0600) &&
	   rraim_secret_load(path, &sec, err, sizeof(err)) &&
	   strstr(err, "15 bytes"), "short secret refused: %s", err);
	ok(!write_secret(path, RRAIM_SECRET_MAX + 1, 0600) &&
	   rraim_secret_load(path, &sec, err, sizeof(err)) &&
	   strstr(err, "more than"), "long secret refused: %s", err);
	ok(!write_secret(path, RRAIM_SECRET_MAX, 0400) &&
	   !rraim_secret_load(path, &sec, err, sizeof(err)) &&
	   sec.len == RRAIM_SECRET_MAX, "128-byte secret, mode 0400");
	ok(!write_secret(path, 32, 0600) &&
	   !rraim_secret_load(path, &sec, err, sizeof(err)) && sec.len == 32 &&
	   sec.key[1] == 8, "32-byte secret, mode 0600");

	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	rraim_auth_proof(&sec, RRAIM_AUTH_SERVER_LABEL, a, b, 42, p1);
	rraim_auth_proof(&sec, RRAIM_AUTH_SERVER_LABEL, a, b, 42, p2);
	ok(rraim_proof_equal(p1, p2), "a proof is reproducible");
	rraim_auth_proof(&sec, RRAIM_AUTH_CLIENT_LABEL, a, b, 42, p2);
	ok(!rraim_proof_equal(p1, p2), "the label counts");
	rraim_auth_proof(&sec, RRAIM_AUTH_SERVER_LABEL, b, a, 42, p2);
	ok(!rraim_proof_equal(p1, p2), "the order of the nonces counts");
	rraim_auth_proof(&sec, RRAIM_AUTH_SERVER_LABEL, a, b, 43, p2);
	ok(!rraim_proof_equal(p1, p2), "the session counts");
	other = sec;
	other.key[31] ^= 1;
	rraim_auth_proof(&other, RRAIM_AUTH_SERVER_LABEL, a, b, 42, p2);
	ok(!rraim_proof_equal(p1, p2), "every bit of the secret counts");
	/* known answer: the kernel module's KUnit case checks the same value */
	ok(!strcmp(hex(p1, sizeof(p1)), "e084e9bd2309af5551af31028f1b346b"), "known proof: %s",
	   hex(p1, sizeof(p1)));
	rraim_secret_wipe(&sec);
	ok(!sec.len && !sec.key[1], "wiped");
	unlink(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tap_dir, sizeof(tap_dir), "%s/rraim-test-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tap_dir)) {
		perror("mkdtemp");
		return 1;
	}
	rraim_log_setup(false, false);

	test_parse_size();
	test_parse_listen();
	test_option_values();
	test_client_quota_values();
	test_args();
	test_config();
	test_config_load();
	test_hello();
	test_welcome_refusal();
	test_msg_request();
	test_msg_reply();
	test_pool_alloc();
	test_pool_map();
	test_meminfo();
	test_pool_fit();
	test_pool_want_huge();
	test_pool_lock();
	test_ratelimit();
	test_sd_notify();
	test_status_socket();
	test_status_report();
	test_requests();
	test_next_deadline();
	test_sha256();
	test_secret();

	rmdir(tap_dir);
	return tap_done("test_unit");
}
