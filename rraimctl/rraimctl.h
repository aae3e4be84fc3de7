/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rraimctl's own header: what crosses its files.  rraimctl.c parses the
 * command line and dispatches; each command family has a file (status.c,
 * server.c, knob.c, sync.c, attach.c, swap.c, config.c); sysfs.c reads and
 * writes the module's files and utils.c holds the rest they share.
 *
 * The module's limits and knob ranges come from rraim_limits.h, never
 * copies: a value rraimctl refuses is one the module would refuse too.
 */
#ifndef RRAIMCTL_H
#define RRAIMCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../rraim_limits.h"

#ifndef RRAIMCTL_VERSION
#define RRAIMCTL_VERSION	"0.1.0"
#endif
#ifndef RRAIMCTL_CONFIG
#define RRAIMCTL_CONFIG		"/etc/rraim/rraim.conf"
#endif

#define MAX_SWAP		32	/* swap areas in a configuration */
#define VALUE_MAX		256	/* a sysfs value, as read or written */
#define PAGE_BYTES		4096ULL

/*
 * The block front end's device; its disksize= takes at most
 * RRAIM_SPACE_MAX_PAGES pages (rraim_limits.h).
 */
#define RRAIM_BLKDEV		"/dev/rraim0"

/* Default waits, in seconds (0: no limit). */
#define ATTACH_TIMEOUT		60
#define DETACH_TIMEOUT		60
#define ADD_TIMEOUT		60

enum {
	RC_OK = 0,
	RC_ERR = 1,		/* error, or refused */
	RC_USAGE = 2,		/* bad command line or configuration */
	RC_NOT_LOADED = 3,	/* the module is not loaded */
	RC_TIMEOUT = 4,		/* gave up waiting */
};

enum {
	OPT_JSON	= 1 << 0,
	OPT_CONFIG	= 1 << 1,
	OPT_NO_CONFIG	= 1 << 2,
	OPT_TIMEOUT	= 1 << 3,
	OPT_WAIT	= 1 << 4,
	OPT_CANCEL	= 1 << 5,
	OPT_MIN_LIVE	= 1 << 6,
	OPT_SYSFS	= 1 << 7,
};

struct opts {
	unsigned int given;		/* OPT_* */
	const char *config;
	double timeout;
	unsigned long min_live;
};

/*
 * One run's context, which every command works on: where the module's
 * files are (--sysfs and the paths derived from it) and the options given.
 */
struct ctl {
	char sysfs[PATH_MAX];		/* /sys/kernel/rraim */
	char livepatch[PATH_MAX];	/* /sys/kernel/livepatch/rraim */
	char zswap[PATH_MAX];		/* /sys/module/zswap/parameters/enabled */
	char modules[PATH_MAX];		/* /sys/module */
	struct opts o;
};

/*
 * The front ends, a module each, both owning /sys/kernel/rraim: one is
 * loaded at a time (the second one refuses to load).  rraim.conf's mode.
 */
enum { MODE_HOOKS, MODE_BLOCKDEV, MODE_COUNT };

struct front_end {
	const char *name;	/* "mode = NAME" */
	const char *module;	/* its kernel module */
	const char *what;	/* for messages */
};

extern const struct front_end front_ends[MODE_COUNT];

static inline double opt_timeout(const struct opts *o, double def)
{
	return o->given & OPT_TIMEOUT ? o->timeout : def;
}

/* The commands (rraimctl.c dispatches): an RC_* exit status. */
int cmd_status(const struct ctl *ctl, int argc, char **argv);
int cmd_add(const struct ctl *ctl, int argc, char **argv);
int cmd_remove(const struct ctl *ctl, int argc, char **argv);
int cmd_drain(const struct ctl *ctl, int argc, char **argv);
int cmd_replicas(const struct ctl *ctl, int argc, char **argv);
int cmd_set(const struct ctl *ctl, int argc, char **argv);
int cmd_wait_sync(const struct ctl *ctl, int argc, char **argv);
int cmd_attach(const struct ctl *ctl, int argc, char **argv);
int cmd_detach(const struct ctl *ctl, int argc, char **argv);
int cmd_swapon(const struct ctl *ctl, int argc, char **argv);
int cmd_swapoff(const struct ctl *ctl, int argc, char **argv);
int cmd_config(const struct ctl *ctl, int argc, char **argv);

/* utils.c: messages, the progress line, time, formats, parsing, programs */
void progress_init(void);
void progress_end(void);
bool progress_tty(void);
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

double now_s(void);
void sleep_s(double s);
bool timed_out(double start, double timeout);
void wait_step(double start, double timeout, double interval);

const char *plural(unsigned long long n);
void fmt_duration(char *buf, size_t len, double s);
void fmt_bytes(char *buf, size_t len, unsigned long long b);
void bar(char *buf, size_t len, double frac);

bool parse_u64(const char *s, unsigned long long *v);
int parse_size(const char *s, unsigned long long *bytes);
void fmt_size(char *buf, size_t len, unsigned long long bytes);
int parse_ulong(const char *s, unsigned long min, unsigned long max,
		unsigned long *v);
int parse_bool(const char *s);
int parse_seconds(const char *s, double max, double *out);
int parse_addr(const char *s, char *canon, size_t len, const char **why);

int run(const char *env, const char *prog, const char *const *args);
void show_cmd(const char *prog, const char *const *args);

/* sysfs.c: the module's files */
int pathf(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool is_dir(const char *path);
bool exists(const char *path);
int read_text(const char *path, char *buf, size_t len);
/* Write @value to the file @path: 0 or -errno. */
int write_text(const char *path, const char *value);
int read_attr(const char *dir, const char *name, char *buf, size_t len);
int read_num(const char *dir, const char *name, unsigned long long *v);
int write_attr(const char *dir, const char *name, const char *value,
	       int *errp);
int require_loaded(const struct ctl *ctl);
/* The front end loaded (MODE_*), or -1 when none is. */
int loaded_mode(const struct ctl *ctl);
/* require_loaded(), and the front end loaded is @mode (else refused). */
int require_mode(const struct ctl *ctl, int mode);
/* /sys/module/MODULE/parameters/NAME of @mode's module, into @path. */
int param_path(const struct ctl *ctl, int mode, const char *name,
	       char *path, size_t len);
/* The block front end's device: RRAIM_BLKDEV, or $RRAIMCTL_BLKDEV. */
const char *blkdev_path(void);
/* Whether the module's encryption file reads "on ..." (NULL: no file). */
bool encryption_on(const char *value);
int sysfs_setup(struct ctl *ctl, const char *dir);

/* A directory's files as read at one time. */
struct attr {
	char name[NAME_MAX + 1];
	char value[VALUE_MAX];
	int err;			/* errno of the read, or 0 */
};

struct attrs {
	struct attr *v;
	size_t n;
};

bool in_list(const char *name, const char *const *list);
int attrs_load(struct attrs *as, const char *dir, const char *const *skip);
void attrs_free(struct attrs *as);
/* The file @name as read, or NULL when there is none. */
const struct attr *attrs_find(const struct attrs *as, const char *name);
const char *attrs_str(const struct attrs *as, const char *name);
bool attrs_u64(const struct attrs *as, const char *name,
	       unsigned long long *v);
const char *attrs_num_text(const struct attrs *as, const char *name);

struct server {
	char name[64];			/* directory name: "A.B.C.D:PORT" */
	struct attrs a;
	uint32_t ip;
	unsigned long port;
	bool parsed;			/* name is an address */
};

int servers_load(const struct ctl *ctl, struct server **out, size_t *np,
		 bool files);
void servers_free(struct server *srv, size_t n);
int server_dir(const struct ctl *ctl, const char *name, char *dir, size_t len);
int count_servers(const struct ctl *ctl);

/* config.c: rraim.conf(5), its keys, and the module parameters among them */
enum ktype {
	KT_SERVERS, KT_UINT, KT_BOOL, KT_PATH, KT_SECONDS, KT_MIN_LIVE, KT_FILE,
	KT_MODE, KT_SIZE
};

enum {
	K_MODE, K_DISKSIZE, K_ALL_COPIES, K_SERVERS, K_REPLICAS, K_DEADLINE,
	K_HEARTBEAT, K_LOST_WAIT, K_SYNC_RATE, K_AUTO_REBUILD, K_REBUILD_DELAY,
	K_ENABLED, K_CHECKSUM, K_SWAP, K_ATTACH_TIMEOUT, K_MIN_LIVE, K_SECRET,
	K_ENCRYPT_KEY, K_COUNT
};

struct keydef {
	const char *name;
	enum ktype type;
	unsigned long min, max;
	bool param;		/* a module parameter (and a sysfs knob) */
};

extern const struct keydef keydefs[K_COUNT];

#define MIN_LIVE_ALL	ULONG_MAX

struct config {
	const char *file;		/* the file read, or NULL */
	bool set[K_COUNT];
	bool from_cmdline[K_COUNT];
	char where[K_COUNT][PATH_MAX + 16];	/* "FILE:LINE" of the value */
	unsigned long num[K_COUNT];	/* KT_UINT, KT_BOOL, KT_MIN_LIVE, KT_MODE */
	double seconds;			/* attach_timeout */
	unsigned long long disksize;	/* bytes */
	char servers[RRAIM_MAX_SERVERS][24];
	unsigned int nservers;
	char *swap[MAX_SWAP];
	unsigned int nswap;
	char keyfile[K_COUNT][PATH_MAX];	/* KT_FILE keys: secret, encrypt_key */
};

int load_config(const struct opts *o, struct config *c, bool required);
int config_args(struct config *c, int argc, char **argv);
int config_check(const struct config *c, char *err, size_t errlen);
void config_free(struct config *c);
int key_lookup(const char *key);
/* The front end configured: MODE_HOOKS unless mode says otherwise. */
int config_mode(const struct config *c);

/*
 * secret.c: the key files of the configuration, handed to the module as
 * logon keys through a module parameter that names them.
 */
struct logon_key {
	int key;		/* the configuration key naming the file: K_* */
	const char *desc;	/* the logon key's description */
	const char *param;	/* the module parameter taking @desc */
};

extern const struct logon_key secret_key;	/* secret, auth_key */
extern const struct logon_key page_key;		/* encrypt_key */

/* Check the key file @path: 0, or -1 with the reason printed. */
int key_file_check(const struct logon_key *lk, const char *path);
/* Add the file's bytes as @lk's logon key: its id, or -1 (printed). */
long key_install(const struct logon_key *lk, const char *path);
/* Unlink key @key (from key_install; nothing for 0 or below). */
void key_uninstall(const struct logon_key *lk, long key);

/* knob.c */
void replicas_hint(const struct ctl *ctl, int err);

/* swap.c */
int swap_active(const char *path, bool *on);
int swap_check(const char *path);

#endif /* RRAIMCTL_H */
