// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl: the configuration, rraim.conf(5) and the KEY=VALUE arguments
 * of attach over it, checked key by key and across keys; and rraimctl
 * config [KEY], which prints it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "rraimctl.h"

#define CONFIG_LINE_MAX		1024

/*
 * The knobs' ranges are the module's own (rraim_limits.h), so that a value
 * refused here is one the module would refuse too, and none it takes is.
 */
const struct keydef keydefs[K_COUNT] = {
	[K_MODE]		= { "mode", KT_MODE, 0, 0, false },
	/* rraim_blk's disksize=, but no sysfs knob: attach passes it itself */
	[K_DISKSIZE]		= { "disksize", KT_SIZE, 0, 0, false },
	/* rraim_blk's all_copies=, read-only after load: the same */
	[K_ALL_COPIES]		= { "all_copies", KT_BOOL, 0, 1, false },
	[K_SERVERS]		= { "servers", KT_SERVERS, 0, 0, true },
	[K_REPLICAS]		= { "replicas", KT_UINT, 1, RRAIM_MAX_REPLICAS, true },
	[K_DEADLINE]		= { "deadline_ms", KT_UINT, RRAIM_DEADLINE_MIN_MS,
				    RRAIM_DEADLINE_MAX_MS, true },
	[K_HEARTBEAT]		= { "heartbeat_ms", KT_UINT, RRAIM_HEARTBEAT_MIN_MS,
				    RRAIM_HEARTBEAT_MAX_MS, true },
	[K_LOST_WAIT]		= { "lost_wait_ms", KT_UINT, 0,
				    RRAIM_LOST_WAIT_MAX_MS, true },
	[K_SYNC_RATE]		= { "sync_rate", KT_UINT, 0, RRAIM_SYNC_RATE_MAX,
				    true },
	[K_AUTO_REBUILD]	= { "auto_rebuild", KT_BOOL, 0, 1, true },
	[K_REBUILD_DELAY]	= { "rebuild_delay_ms", KT_UINT, 0,
				    RRAIM_REBUILD_DELAY_MAX_MS, true },
	[K_ENABLED]		= { "enabled", KT_BOOL, 0, 1, true },
	[K_CHECKSUM]		= { "checksum", KT_BOOL, 0, 1, true },
	[K_SWAP]		= { "swap", KT_PATH, 0, 0, false },
	[K_ATTACH_TIMEOUT]	= { "attach_timeout", KT_SECONDS, 0, 86400, false },
	[K_MIN_LIVE]		= { "min_live", KT_MIN_LIVE, 0, RRAIM_MAX_SERVERS, false },
	[K_SECRET]		= { "secret", KT_FILE, 0, 0, false },
	[K_ENCRYPT_KEY]		= { "encrypt_key", KT_FILE, 0, 0, false },
};

void config_free(struct config *c)
{
	unsigned int i;

	for (i = 0; i < c->nswap; i++)
		free(c->swap[i]);
	c->nswap = 0;
}

int config_mode(const struct config *c)
{
	return c->set[K_MODE] ? (int)c->num[K_MODE] : MODE_HOOKS;
}

int key_lookup(const char *key)
{
	char norm[64];
	size_t i, len = strlen(key);
	int k;

	if (len >= sizeof(norm))
		return -1;
	for (i = 0; i <= len; i++)
		norm[i] = key[i] == '-' ? '_' : key[i];
	for (k = 0; k < K_COUNT; k++)
		if (!strcmp(keydefs[k].name, norm))
			return k;
	return -1;
}

static void known_keys(char *buf, size_t len)
{
	int k;

	buf[0] = '\0';
	for (k = 0; k < K_COUNT; k++) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "%s%s", k ? ", " : "",
			 keydefs[k].name);
	}
}

/* disksize: what rraim_blk's disksize= takes, a whole number of pages. */
static int size_set(struct config *c, const char *value, char *err,
		    size_t errlen)
{
	unsigned long long b;
	char min[32], max[32];
	int r;

	fmt_size(min, sizeof(min), PAGE_BYTES);
	fmt_size(max, sizeof(max), RRAIM_SPACE_MAX_PAGES * PAGE_BYTES);
	r = parse_size(value, &b);
	if (r == -1) {
		snprintf(err, errlen, "disksize: '%.32s' is not a size (a decimal number, with K, M, G or T for KiB to TiB)",
			 value);
		return -1;
	}
	if (r || !b || b > RRAIM_SPACE_MAX_PAGES * PAGE_BYTES) {
		snprintf(err, errlen, "disksize: %.32s is out of range (%s to %s)",
			 value, min, max);
		return -1;
	}
	if (b % PAGE_BYTES) {
		snprintf(err, errlen, "disksize: %.32s is not a multiple of the page size (%llu bytes)",
			 value, PAGE_BYTES);
		return -1;
	}
	c->disksize = b;
	return 0;
}

/*
 * Apply KEY = VALUE read at @where.  On the command line (@cmdline) a key
 * replaces what the file said, a list key (servers, swap) its whole list.
 * 0, or -1 with @err set.
 */
static int config_set(struct config *c, const char *key, const char *value,
		      const char *where, bool cmdline, char *err, size_t errlen)
{
	const struct keydef *kd;
	unsigned long u;
	const char *p, *why;
	char tok[64], canon[24];
	unsigned int i;
	size_t n;
	int k, r;

	k = key_lookup(key);
	if (k < 0) {
		char keys[512];

		known_keys(keys, sizeof(keys));
		snprintf(err, errlen, "unknown key '%.64s' (known keys: %s)",
			 key, keys);
		return -1;
	}
	kd = &keydefs[k];
	if (!*value) {
		snprintf(err, errlen, "%s: missing value", kd->name);
		return -1;
	}
	for (p = value; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "%s: control character in the value",
				 kd->name);
			return -1;
		}
		if (*p == '"' || *p == '\'') {
			snprintf(err, errlen, "%s: quotes are not supported",
				 kd->name);
			return -1;
		}
		if (*p == '#' && p > value && isspace((unsigned char)p[-1])) {
			snprintf(err, errlen,
				 "%s: comments must be on lines of their own",
				 kd->name);
			return -1;
		}
	}
	if (kd->type != KT_SERVERS && kd->type != KT_PATH && c->set[k] &&
	    c->from_cmdline[k] == cmdline) {
		snprintf(err, errlen, "%s given twice (first at %s)", kd->name,
			 c->where[k]);
		return -1;
	}
	if (cmdline && !c->from_cmdline[k]) {
		/* the command line replaces the file's value or list */
		if (k == K_SERVERS)
			c->nservers = 0;
		if (k == K_SWAP)
			config_free(c);
		c->set[k] = false;
	}

	switch (kd->type) {
	case KT_SERVERS:
		for (p = value; *p;) {
			while (*p == ',' || isspace((unsigned char)*p))
				p++;
			if (!*p)
				break;
			n = strcspn(p, ", \t");
			if (n >= sizeof(tok)) {
				snprintf(err, errlen, "servers: '%.32s...' is too long", p);
				return -1;
			}
			memcpy(tok, p, n);
			tok[n] = '\0';
			p += n;
			if (parse_addr(tok, canon, sizeof(canon), &why)) {
				snprintf(err, errlen, "servers: '%s': %s", tok, why);
				return -1;
			}
			for (i = 0; i < c->nservers; i++) {
				if (!strcmp(c->servers[i], canon)) {
					snprintf(err, errlen, "servers: %s listed twice",
						 canon);
					return -1;
				}
			}
			if (c->nservers == RRAIM_MAX_SERVERS) {
				snprintf(err, errlen, "servers: more than %d servers",
					 RRAIM_MAX_SERVERS);
				return -1;
			}
			memcpy(c->servers[c->nservers++], canon, sizeof(canon));
		}
		if (!c->nservers) {
			snprintf(err, errlen, "servers: no address");
			return -1;
		}
		break;
	case KT_UINT:
		r = parse_ulong(value, kd->min, kd->max, &u);
		if (r == -1) {
			snprintf(err, errlen, "%s: '%.32s' is not a decimal number",
				 kd->name, value);
			return -1;
		}
		if (r) {
			snprintf(err, errlen, "%s: %s is out of range (%lu to %lu)",
				 kd->name, value, kd->min, kd->max);
			return -1;
		}
		c->num[k] = u;
		break;
	case KT_BOOL:
		r = parse_bool(value);
		if (r < 0) {
			snprintf(err, errlen, "%s: '%.32s' is not a boolean (yes/no, 1/0, on/off, true/false)",
				 kd->name, value);
			return -1;
		}
		c->num[k] = (unsigned long)r;
		break;
	case KT_PATH:
		if (value[0] != '/') {
			snprintf(err, errlen, "swap: '%.64s' is not an absolute path",
				 value);
			return -1;
		}
		for (i = 0; i < c->nswap; i++) {
			if (!strcmp(c->swap[i], value)) {
				snprintf(err, errlen, "swap: %.64s listed twice",
					 value);
				return -1;
			}
		}
		if (c->nswap == MAX_SWAP) {
			snprintf(err, errlen, "swap: more than %d swap areas",
				 MAX_SWAP);
			return -1;
		}
		if (strlen(value) >= PATH_MAX) {
			snprintf(err, errlen, "swap: path too long");
			return -1;
		}
		c->swap[c->nswap] = strdup(value);
		if (!c->swap[c->nswap]) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		c->nswap++;
		break;
	case KT_FILE:
		if (value[0] != '/' || strlen(value) >= sizeof(c->keyfile[k])) {
			snprintf(err, errlen, "%s: '%.64s' is not an absolute path",
				 kd->name, value);
			return -1;
		}
		strcpy(c->keyfile[k], value);
		break;
	case KT_SECONDS:
		if (parse_seconds(value, (double)kd->max, &c->seconds)) {
			snprintf(err, errlen, "%s: '%.32s' is not a number of seconds from 0 to %lu",
				 kd->name, value, kd->max);
			return -1;
		}
		break;
	case KT_MODE:
		if (!strcmp(value, "hooks") || !strcmp(value, "frontswap")) {
			c->num[k] = MODE_HOOKS;
		} else if (!strcmp(value, "blockdev")) {
			c->num[k] = MODE_BLOCKDEV;
		} else {
			snprintf(err, errlen, "mode: '%.32s' is neither 'hooks' (or 'frontswap', the same) nor 'blockdev'",
				 value);
			return -1;
		}
		break;
	case KT_SIZE:
		if (size_set(c, value, err, errlen))
			return -1;
		break;
	case KT_MIN_LIVE:
		if (!strcmp(value, "all")) {
			c->num[k] = MIN_LIVE_ALL;
			break;
		}
		if (parse_ulong(value, kd->min, kd->max, &u)) {
			snprintf(err, errlen, "%s: '%.32s' is neither 'all' nor a number from %lu to %lu",
				 kd->name, value, kd->min, kd->max);
			return -1;
		}
		c->num[k] = u;
		break;
	}
	if (!c->set[k])
		snprintf(c->where[k], sizeof(c->where[k]), "%s", where);
	c->set[k] = true;
	c->from_cmdline[k] = cmdline;
	return 0;
}

static char *strip(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Split "key = value"; -1 with @err set if there is no '='. */
static int split_kv(char *s, char **key, char **value, char *err, size_t errlen)
{
	char *eq = strchr(s, '=');

	if (!eq) {
		snprintf(err, errlen, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	*key = strip(s);
	*value = strip(eq + 1);
	if (!**key) {
		snprintf(err, errlen, "missing key before '='");
		return -1;
	}
	return 0;
}

/* Cross-key checks, once everything is read. */
int config_check(const struct config *c, char *err, size_t errlen)
{
	if (c->set[K_REPLICAS] && c->set[K_SERVERS] &&
	    c->num[K_REPLICAS] > c->nservers) {
		snprintf(err, errlen, "%.300s: replicas = %lu but servers lists only %u servers",
			 c->where[K_REPLICAS], c->num[K_REPLICAS], c->nservers);
		return -1;
	}
	if (c->set[K_MIN_LIVE] && c->set[K_SERVERS] &&
	    c->num[K_MIN_LIVE] != MIN_LIVE_ALL &&
	    c->num[K_MIN_LIVE] > c->nservers) {
		snprintf(err, errlen, "%.300s: min_live = %lu but servers lists only %u servers",
			 c->where[K_MIN_LIVE], c->num[K_MIN_LIVE], c->nservers);
		return -1;
	}
	if (config_mode(c) == MODE_BLOCKDEV && !c->set[K_DISKSIZE]) {
		snprintf(err, errlen, "%.300s: mode = blockdev needs disksize, the size of %s (for instance disksize = 8G)",
			 c->where[K_MODE], RRAIM_BLKDEV);
		return -1;
	}
	if (config_mode(c) != MODE_BLOCKDEV && c->set[K_DISKSIZE]) {
		snprintf(err, errlen, "%.300s: disksize is the size of %s, for mode = blockdev only",
			 c->where[K_DISKSIZE], RRAIM_BLKDEV);
		return -1;
	}
	if (config_mode(c) != MODE_BLOCKDEV && c->set[K_ALL_COPIES]) {
		snprintf(err, errlen, "%.300s: all_copies is the rule of writes to %s, for mode = blockdev only",
			 c->where[K_ALL_COPIES], RRAIM_BLKDEV);
		return -1;
	}
	if (config_mode(c) == MODE_BLOCKDEV && c->set[K_SWAP]) {
		snprintf(err, errlen, "%.300s: swap is for mode = hooks only: with mode = blockdev the swap area is %s, which 'rraimctl swapon' makes and turns on",
			 c->where[K_SWAP], RRAIM_BLKDEV);
		return -1;
	}
	if (c->set[K_ENCRYPT_KEY] && c->set[K_CHECKSUM] && !c->num[K_CHECKSUM]) {
		snprintf(err, errlen, "%.300s: checksum = 0 but encrypt_key is set: encrypted pages are always checksummed",
			 c->where[K_CHECKSUM]);
		return -1;
	}
	return 0;
}

/* Read @path into @c: RC_OK, or RC_USAGE with the reason printed. */
static int config_read(struct config *c, const char *path)
{
	char *line = NULL, err[768], where[PATH_MAX + 16];
	unsigned int lineno = 0;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int ret = RC_OK;

	f = fopen(path, "re");
	if (!f) {
		msg("cannot read the configuration file %s: %s", path,
		    strerror(errno));
		return RC_USAGE;
	}
	c->file = path;
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *s, *key, *value;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (n > CONFIG_LINE_MAX || memchr(line, '\0', (size_t)n)) {
			msg("%s: line too long or not text", where);
			ret = RC_USAGE;
			break;
		}
		s = strip(line);
		if (!*s || *s == '#')
			continue;
		if (split_kv(s, &key, &value, err, sizeof(err)) ||
		    config_set(c, key, value, where, false, err, sizeof(err))) {
			msg("%s: %s", where, err);
			ret = RC_USAGE;
			break;
		}
	}
	if (!ret && ferror(f)) {
		msg("%s: read error", path);
		ret = RC_USAGE;
	}
	free(line);
	fclose(f);
	return ret;
}

/* Command-line "key=value" arguments over the file. */
int config_args(struct config *c, int argc, char **argv)
{
	char err[768], where[96], *dup, *key, *value;
	int i;

	for (i = 0; i < argc; i++) {
		snprintf(where, sizeof(where), "argument '%.64s'", argv[i]);
		dup = strdup(argv[i]);
		if (!dup) {
			msg("out of memory");
			return RC_ERR;
		}
		if (split_kv(dup, &key, &value, err, sizeof(err)) ||
		    config_set(c, key, value, where, true, err, sizeof(err))) {
			free(dup);
			return usage_err("%s: %s", where, err);
		}
		free(dup);
	}
	return RC_OK;
}

static void config_print_key(const struct config *c, int k, bool with_key)
{
	const char *name = keydefs[k].name;
	unsigned int i;
	char size[32];

	if (!c->set[k])
		return;
	switch (keydefs[k].type) {
	case KT_SERVERS:
		if (with_key)
			printf("%s = ", name);
		for (i = 0; i < c->nservers; i++)
			printf("%s%s", c->servers[i], !with_key ? "\n" :
			       i + 1 < c->nservers ? ", " : "\n");
		return;
	case KT_PATH:
		for (i = 0; i < c->nswap; i++)
			printf("%s%s%s\n", with_key ? name : "",
			       with_key ? " = " : "", c->swap[i]);
		return;
	default:
		break;
	}
	fmt_size(size, sizeof(size), c->disksize);
	if (with_key)
		printf("%s = ", name);
	if (keydefs[k].type == KT_SECONDS)
		printf("%g\n", c->seconds);
	else if (keydefs[k].type == KT_MODE)
		printf("%s\n", front_ends[c->num[k]].name);
	else if (keydefs[k].type == KT_SIZE)
		printf("%s\n", size);
	else if (keydefs[k].type == KT_FILE)
		printf("%s\n", c->keyfile[k]);	/* the path, never the key */
	else if (keydefs[k].type == KT_MIN_LIVE && c->num[k] == MIN_LIVE_ALL)
		printf("all\n");
	else
		printf("%lu\n", c->num[k]);
}

/* The configuration for attach, swapon, swapoff, config. */
int load_config(const struct opts *o, struct config *c, bool required)
{
	const char *path = o->config ? o->config : RRAIMCTL_CONFIG;
	char err[768];
	int ret;

	memset(c, 0, sizeof(*c));
	if (o->given & OPT_NO_CONFIG)
		return RC_OK;
	if (!o->config && !required && !exists(path))
		return RC_OK;
	ret = config_read(c, path);
	if (!ret && config_check(c, err, sizeof(err))) {
		msg("%s", err);
		ret = RC_USAGE;
	}
	return ret;
}

int cmd_config(const struct ctl *ctl, int argc, char **argv)
{
	struct config c;
	int ret, k;

	ret = load_config(&ctl->o, &c, true);
	if (ret)
		return ret;
	if (argc) {
		k = key_lookup(argv[0]);
		if (k < 0) {
			char keys[512];

			known_keys(keys, sizeof(keys));
			config_free(&c);
			return usage_err("unknown key '%s' (known keys: %s)",
					 argv[0], keys);
		}
		if (k == K_MODE && !c.set[k])	/* the default is rraimctl's */
			printf("%s\n", front_ends[MODE_HOOKS].name);
		config_print_key(&c, k, false);
	} else {
		for (k = 0; k < K_COUNT; k++)
			config_print_key(&c, k, true);
	}
	config_free(&c);
	return RC_OK;
}
