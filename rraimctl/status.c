// SPDX-License-Identifier: GPL-2.0
/*
 * rraimctl status [--json]: every readable file of the module, at one
 * time, as a table or as JSON, and a verdict derived from them (OK,
 * WARNING or CRITICAL, and why).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rraimctl.h"

/* ----------------------------------------------------------- snapshots */

/* Write-only files: reading them fails. */
static const char *const top_skip[] = { "add_server", "remove_server", NULL };
static const char *const stats_skip[] = { "reset", NULL };

struct snap {
	int mode;			/* the front end loaded: MODE_* */
	unsigned long long disksize;	/* MODE_BLOCKDEV: bytes, 0 if unknown */
	int all_copies;			/* MODE_BLOCKDEV: 1, 0, -1 if unknown */
	struct attrs top, stats;
	struct server *srv;
	size_t nsrv;
};

static void snap_free(struct snap *s)
{
	attrs_free(&s->top);
	attrs_free(&s->stats);
	servers_free(s->srv, s->nsrv);
	memset(s, 0, sizeof(*s));
}

static int snap_load(const struct ctl *ctl, struct snap *s)
{
	char dir[PATH_MAX], buf[32];
	int ret;

	memset(s, 0, sizeof(*s));
	s->mode = loaded_mode(ctl);
	if (s->mode < 0)
		return -ENOENT;
	if (s->mode == MODE_BLOCKDEV &&
	    !param_path(ctl, MODE_BLOCKDEV, "disksize", dir, sizeof(dir)) &&
	    (read_text(dir, buf, sizeof(buf)) || !parse_u64(buf, &s->disksize)))
		s->disksize = 0;
	s->all_copies = -1;
	/* "Y" or "N"; a module from before the parameter has all_copies 0 */
	if (s->mode == MODE_BLOCKDEV &&
	    !param_path(ctl, MODE_BLOCKDEV, "all_copies", dir, sizeof(dir))) {
		ret = read_text(dir, buf, sizeof(buf));
		s->all_copies = ret == -ENOENT ? 0 : ret ? -1 : parse_bool(buf);
	}
	ret = attrs_load(&s->top, ctl->sysfs, top_skip);
	if (!ret && !pathf(dir, sizeof(dir), "%s/stats", ctl->sysfs))
		ret = attrs_load(&s->stats, dir, stats_skip);
	if (!ret)
		ret = servers_load(ctl, &s->srv, &s->nsrv, true);
	if (ret)
		snap_free(s);
	return ret;
}

static bool server_is(const struct server *s, const char *file, const char *v)
{
	const char *x = attrs_str(&s->a, file);

	return x && !strcmp(x, v);
}

/* ------------------------------------------------------------- verdict */

enum { V_OK, V_WARNING, V_CRITICAL };
static const char *const level_name[] = { "ok", "warning", "critical" };

struct verdict {
	int level;
	char text[1024];		/* issues, "; "-separated */
	char notes[512];		/* things worth knowing, not issues */
	size_t live, syncing, draining;
};

static void __attribute__((format(printf, 3, 4)))
vappend(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 3 >= len)
		return;
	if (n) {
		strcpy(buf + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

#define issue(v, lvl, ...) do {						\
		if ((lvl) > (v)->level)					\
			(v)->level = (lvl);				\
		vappend((v)->text, sizeof((v)->text), __VA_ARGS__);	\
	} while (0)

/*
 * Where a page RRAIM does not take goes: to the swap device behind the
 * hooks; nowhere with the block front end, whose write then fails (swap
 * keeps the page in memory), which is critical.
 */
static const char *refused_to(const struct snap *s, int *lvl)
{
	*lvl = s->mode == MODE_BLOCKDEV ? V_CRITICAL : V_WARNING;
	return s->mode == MODE_BLOCKDEV ? "writes to " RRAIM_BLKDEV " fail" :
	       "new pages go to the swap device";
}

static void compute_verdict(const struct snap *s, struct verdict *v)
{
	unsigned long long attached = 0, enabled = 1, replicas = 0, stored = 0;
	unsigned long long degraded = 0, unavailable = 0, lost = 0, below = 0;
	unsigned long long corrupt = 0, n, checksum = 1, crypt_errors = 0;
	char away[256] = "", bad[256] = "";
	size_t i, away_n = 0;
	const char *state, *to;
	int lvl;

	memset(v, 0, sizeof(*v));
	to = refused_to(s, &lvl);
	attrs_u64(&s->top, "attached", &attached);
	attrs_u64(&s->top, "enabled", &enabled);
	attrs_u64(&s->top, "replicas", &replicas);
	attrs_u64(&s->stats, "stored_pages", &stored);
	attrs_u64(&s->stats, "degraded_pages", &degraded);
	attrs_u64(&s->stats, "unavailable_pages", &unavailable);
	attrs_u64(&s->stats, "lost_pages", &lost);
	attrs_u64(&s->stats, "below_target_pages", &below);
	attrs_u64(&s->top, "checksum", &checksum);
	attrs_u64(&s->stats, "crypt_errors", &crypt_errors);

	for (i = 0; i < s->nsrv; i++) {
		const struct server *sv = &s->srv[i];

		if (server_is(sv, "state", "live"))
			v->live++;
		else {
			state = attrs_str(&sv->a, "state");
			away_n++;
			vappend(away, sizeof(away), "%s %s", sv->name,
				state ? state : "?");
		}
		if (attrs_u64(&sv->a, "corrupt", &n) && n) {
			corrupt += n;
			vappend(bad, sizeof(bad), "%s %llu", sv->name, n);
		}
		if (server_is(sv, "sync_state", "syncing"))
			v->syncing++;
		if (server_is(sv, "sync_state", "draining")) {
			v->draining++;
			vappend(v->notes, sizeof(v->notes), "%s draining",
				sv->name);
		}
		if (server_is(sv, "sync_state", "drained"))
			vappend(v->notes, sizeof(v->notes),
				"%s drained (can be removed)", sv->name);
	}

	if (!attached)
		issue(v, V_CRITICAL, "not attached: %s",
		      s->mode == MODE_BLOCKDEV ? to : "every page goes to the swap device");
	if (unavailable)
		issue(v, V_CRITICAL, "%llu pages have no reachable copy", unavailable);
	if (lost)
		issue(v, V_CRITICAL, "%llu pages lost (their processes got SIGBUS)", lost);
	if (!s->nsrv)
		issue(v, lvl, "no memory server: %s",
		      s->mode == MODE_BLOCKDEV ? to : "every page goes to the swap device");
	else if (!v->live)
		issue(v, lvl, "no server live: %s", to);
	else if (v->live < replicas)
		issue(v, V_WARNING, "%zu live servers for %llu replicas: new pages get fewer copies",
		      v->live, replicas);
	if (away_n)
		issue(v, V_WARNING, "%zu of %zu servers not live (%s)", away_n,
		      s->nsrv, away);
	if (degraded)
		issue(v, V_WARNING, "%llu pages have fewer than %llu reachable copies",
		      degraded, replicas);
	else if (below)
		issue(v, V_WARNING, "%llu pages have fewer than %llu copies",
		      below, replicas);
	if (v->syncing)
		issue(v, V_WARNING, "sync in progress on %zu server%s",
		      v->syncing, plural(v->syncing));
	if (corrupt)
		issue(v, V_WARNING, "%llu copies failed their checksum (%s): not used, rewritten from good copies; check those servers' memory",
		      corrupt, bad);
	if (crypt_errors)
		issue(v, V_WARNING, "the cipher failed on %llu pages: this host's crypto driver, not a server (%s, loads to other copies)",
		      crypt_errors, s->mode == MODE_BLOCKDEV ?
		      "those writes failed" : "stores went to the swap device");
	/* encrypted pages are always checksummed, whatever the knob says */
	if (!checksum && !encryption_on(attrs_str(&s->top, "encryption")))
		vappend(v->notes, sizeof(v->notes),
			"checksum off: a corrupt copy would go unnoticed");
	if (!enabled)
		issue(v, lvl, "disabled: %s", to);
	if (v->level == V_OK)
		snprintf(v->text, sizeof(v->text),
			 "%zu of %zu servers live; %llu pages held, %llu copies each",
			 v->live, s->nsrv, stored, replicas);
}

/* -------------------------------------------------------------- JSON */

struct json {
	FILE *f;
	int depth;
	bool first[16];
};

static void json_str(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* An integer JSON accepts as is: -?(0|[1-9][0-9]*). */
static bool json_int(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		return !s[1];
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	return !*s;
}

static void j_newline(struct json *j)
{
	int i;

	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void j_open(struct json *j, char c)
{
	fputc(c, j->f);
	j->depth++;
	j->first[j->depth] = true;
}

static void j_close(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		j_newline(j);
	fputc(c, j->f);
}

/* Start an array element or an object member (@key non-NULL). */
static void j_item(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	j_newline(j);
	if (key) {
		json_str(j->f, key);
		fputs(": ", j->f);
	}
}

static const char *const json_bools[] = { "attached", "enabled",
					  "auto_rebuild", NULL };

/* Numbers as numbers, 0/1 flags as booleans, the rest as strings. */
static void j_attrs(struct json *j, const struct attrs *as)
{
	const struct attr *at;
	size_t i;

	for (i = 0; i < as->n; i++) {
		at = &as->v[i];
		j_item(j, at->name);
		if (at->err)
			fputs("null", j->f);
		else if (in_list(at->name, json_bools) &&
			 (!strcmp(at->value, "0") || !strcmp(at->value, "1")))
			fputs(at->value[0] == '1' ? "true" : "false", j->f);
		else if (json_int(at->value))
			fputs(at->value, j->f);
		else
			json_str(j->f, at->value);
	}
}

static void status_json(const struct snap *s, const struct verdict *v)
{
	struct json j = { .f = stdout };
	size_t i;

	j_open(&j, '{');
	j_item(&j, "loaded");
	fputs("true", j.f);
	j_item(&j, "mode");
	json_str(j.f, front_ends[s->mode].name);
	if (s->mode == MODE_BLOCKDEV) {
		j_item(&j, "disksize");
		if (s->disksize)
			fprintf(j.f, "%llu", s->disksize);
		else
			fputs("null", j.f);
		j_item(&j, "all_copies");
		fputs(s->all_copies < 0 ? "null" : s->all_copies ? "true" :
		      "false", j.f);
	}
	j_attrs(&j, &s->top);
	j_item(&j, "stats");
	j_open(&j, '{');
	j_attrs(&j, &s->stats);
	j_close(&j, '}');
	j_item(&j, "servers");
	j_open(&j, '[');
	for (i = 0; i < s->nsrv; i++) {
		j_item(&j, NULL);
		j_open(&j, '{');
		j_item(&j, "name");
		json_str(j.f, s->srv[i].name);
		j_attrs(&j, &s->srv[i].a);
		j_close(&j, '}');
	}
	j_close(&j, ']');
	j_item(&j, "summary");
	j_open(&j, '{');
	j_item(&j, "servers");
	fprintf(j.f, "%zu", s->nsrv);
	j_item(&j, "live");
	fprintf(j.f, "%zu", v->live);
	j_item(&j, "syncing");
	fprintf(j.f, "%zu", v->syncing);
	j_item(&j, "draining");
	fprintf(j.f, "%zu", v->draining);
	j_close(&j, '}');
	j_item(&j, "verdict");
	j_open(&j, '{');
	j_item(&j, "level");
	json_str(j.f, level_name[v->level]);
	j_item(&j, "message");
	json_str(j.f, v->text);
	j_item(&j, "notes");
	json_str(j.f, v->notes);
	j_close(&j, '}');
	j_close(&j, '}');
	fputc('\n', j.f);
}

/* -------------------------------------------------------------- status */

#define NCOLS	9

static const char *const col_head[NCOLS] = {
	"SERVER", "STATE", "SYNC", "PAGES", "CHUNKS", "FREE", "CORRUPT",
	"READ p50/p99 us", "SYNC done/total",
};
static const bool col_right[NCOLS] = {
	false, false, false, true, true, true, true, true, false,
};

static void server_row(const struct server *s, char cell[NCOLS][64])
{
	unsigned long long free_b, total, done;
	const char *x;

	snprintf(cell[0], 64, "%s", s->name);
	x = attrs_str(&s->a, "state");
	snprintf(cell[1], 64, "%.63s", x ? x : "?");
	x = attrs_str(&s->a, "sync_state");
	snprintf(cell[2], 64, "%.63s", x ? x : "?");
	snprintf(cell[3], 64, "%s", attrs_num_text(&s->a, "pages"));
	snprintf(cell[4], 64, "%s", attrs_num_text(&s->a, "chunks"));
	if (attrs_u64(&s->a, "free_bytes", &free_b))
		fmt_bytes(cell[5], 64, free_b);
	else
		strcpy(cell[5], "?");
	snprintf(cell[6], 64, "%s", attrs_num_text(&s->a, "corrupt"));
	snprintf(cell[7], 64, "%s/%s", attrs_num_text(&s->a, "read_p50_us"),
		 attrs_num_text(&s->a, "read_p99_us"));
	if (attrs_u64(&s->a, "sync_total", &total) &&
	    attrs_u64(&s->a, "sync_done", &done) && total)
		snprintf(cell[8], 64, "%llu/%llu (%llu%%)", done, total,
			 done >= total ? 100 : done * 100 / total);
	else
		strcpy(cell[8], "-");
}

static void print_row(char cell[NCOLS][64], const size_t *w)
{
	int i;

	for (i = 0; i < NCOLS; i++) {
		const char *sep = i ? "  " : "";

		if (i == NCOLS - 1 && !col_right[i])
			printf("%s%s", sep, cell[i]);
		else if (col_right[i])
			printf("%s%*s", sep, (int)w[i], cell[i]);
		else
			printf("%s%-*s", sep, (int)w[i], cell[i]);
	}
	fputc('\n', stdout);
}

static const char *yes_no(const struct attrs *as, const char *name)
{
	const char *s = attrs_str(as, name);

	if (!s)
		return "?";
	return !strcmp(s, "1") ? "yes" : !strcmp(s, "0") ? "no" : s;
}

/*
 * "encryption: on (xts(aes), DRIVER)" from the file's "on xts(aes) DRIVER",
 * or "off"; off too for a module without the file: it cannot encrypt.
 */
static void encryption_line(const struct attrs *top)
{
	const struct attr *at = attrs_find(top, "encryption");
	const char *x = !at ? "off" : at->err ? "?" : at->value;
	size_t n = strcspn(x, " ");
	bool more = false;

	printf("%-19s%.*s", "encryption:", (int)n, x);
	for (x += n; *x; x += n) {
		x += strspn(x, " ");
		n = strcspn(x, " ");
		if (n)
			printf("%s%.*s", more ? ", " : " (", (int)n, x);
		more = more || n;
	}
	printf("%s\n", more ? ")" : "");
}

/* "mode: hooks (rraim)", "mode: blockdev (rraim_blk, /dev/rraim0 of 8.0 GiB)" */
static void mode_line(const struct snap *s)
{
	const struct front_end *fe = &front_ends[s->mode];
	char b[32] = "?";

	printf("%-19s%s (%s", "mode:", fe->name, fe->module);
	if (s->mode == MODE_BLOCKDEV) {
		if (s->disksize)
			fmt_bytes(b, sizeof(b), s->disksize);
		printf(", %s of %s", RRAIM_BLKDEV, b);
	}
	printf(")\n");
}

static void status_text(const struct snap *s, const struct verdict *v)
{
	char (*rows)[NCOLS][64], head[NCOLS][64], buf[64], age[32];
	unsigned long long n, bytes, ms;
	size_t w[NCOLS], i;
	int c;

	rows = calloc(s->nsrv + 1, sizeof(*rows));
	if (!rows) {
		msg("out of memory");
		return;
	}
	for (c = 0; c < NCOLS; c++) {
		snprintf(head[c], 64, "%s", col_head[c]);
		w[c] = strlen(head[c]);
	}
	for (i = 0; i < s->nsrv; i++) {
		server_row(&s->srv[i], rows[i]);
		for (c = 0; c < NCOLS; c++)
			if (strlen(rows[i][c]) > w[c])
				w[c] = strlen(rows[i][c]);
	}
	print_row(head, w);
	for (i = 0; i < s->nsrv; i++)
		print_row(rows[i], w);
	free(rows);
	if (!s->nsrv)
		printf("(no memory server: add one with 'rraimctl add ADDR')\n");
	for (i = 0; i < s->nsrv; i++) {
		const struct server *sv = &s->srv[i];
		const char *state = attrs_str(&sv->a, "state");
		const char *why = attrs_str(&sv->a, "state_reason");

		if (state && !strcmp(state, "live"))
			continue;
		if (attrs_u64(&sv->a, "state_age_ms", &ms))
			fmt_duration(age, sizeof(age), (double)ms / 1000);
		else
			strcpy(age, "?");
		printf("  %s: %s for %s: %s\n", sv->name, state ? state : "?",
		       age, why && *why ? why : "no reason given");
	}

	fputc('\n', stdout);
	mode_line(s);
	printf("%-19s%s\n", "attached:", yes_no(&s->top, "attached"));
	printf("%-19s%s\n", "enabled:", yes_no(&s->top, "enabled"));
	printf("%-19s%s\n", "replicas:", attrs_num_text(&s->top, "replicas"));
	if (s->mode == MODE_BLOCKDEV)
		printf("%-19s%s\n", "all_copies:", s->all_copies < 0 ? "?" :
		       s->all_copies ? "yes" : "no");
	encryption_line(&s->top);
	if (attrs_u64(&s->stats, "stored_pages", &n)) {
		fmt_bytes(buf, sizeof(buf), n * PAGE_BYTES);
		printf("%-19s%llu (%s)", "stored pages:", n, buf);
		if (attrs_u64(&s->stats, "remote_bytes", &bytes)) {
			fmt_bytes(buf, sizeof(buf), bytes);
			printf(", remote memory used %s", buf);
		}
		fputc('\n', stdout);
	} else {
		printf("%-19s?\n", "stored pages:");
	}
	printf("%-19s%s\n", "degraded pages:",
	       attrs_num_text(&s->stats, "degraded_pages"));
	printf("%-19s%s\n", "unavailable pages:",
	       attrs_num_text(&s->stats, "unavailable_pages"));
	printf("%-19s%s\n", "lost pages:", attrs_num_text(&s->stats, "lost_pages"));
	printf("%-19s%s/%s us\n", "store p50/p99:",
	       attrs_num_text(&s->stats, "store_p50_us"),
	       attrs_num_text(&s->stats, "store_p99_us"));
	printf("%-19s%s/%s us\n", "load p50/p99:",
	       attrs_num_text(&s->stats, "load_p50_us"),
	       attrs_num_text(&s->stats, "load_p99_us"));
	if (*v->notes)
		printf("%-19s%s\n", "notes:", v->notes);
	printf("%-19s%s: %s\n", "verdict:",
	       v->level == V_OK ? "OK" : v->level == V_WARNING ? "WARNING" :
	       "CRITICAL", v->text);
}

int cmd_status(const struct ctl *ctl, int argc, char **argv)
{
	const struct opts *o = &ctl->o;
	struct verdict v;
	struct snap s;
	int ret;

	(void)argc;
	(void)argv;
	ret = require_loaded(ctl);
	if (ret) {
		if (o->given & OPT_JSON)
			printf("{\n  \"loaded\": false\n}\n");
		return ret;
	}
	ret = snap_load(ctl, &s);
	if (ret) {
		msg("cannot read %s: %s", ctl->sysfs, strerror(-ret));
		return is_dir(ctl->sysfs) ? RC_ERR : RC_NOT_LOADED;
	}
	compute_verdict(&s, &v);
	if (o->given & OPT_JSON)
		status_json(&s, &v);
	else
		status_text(&s, &v);
	snap_free(&s);
	fflush(stdout);
	return RC_OK;
}
