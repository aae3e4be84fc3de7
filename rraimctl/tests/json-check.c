// SPDX-License-Identifier: GPL-2.0
/*
 * json-check - a strict JSON validator for the tests, where no Python runs
 * (the test-bed guest is a busybox system).
 *
 *   json-check [PATH] < FILE
 *
 * Exit 0 if standard input is one JSON value (RFC 8259) and nothing else,
 * 1 otherwise, saying what and where.  With PATH (".key", "[N]", chained:
 * ".servers[0].state"; "." is the whole value), also print the value found
 * there: strings without their quotes (escapes left as they are), other
 * values as written; exit 1 if there is none.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p, *text;
static char path[4096];
static size_t plen;
static const char *want;
static const char *found_b, *found_e;
static int depth;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "json-check: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " at offset %ld\n", (long)(p - text));
	exit(1);
}

static void ws(void)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
}

static void string(void)
{
	int i;

	if (*p != '"')
		fail("expected a string");
	p++;
	for (;;) {
		unsigned char c = (unsigned char)*p;

		if (!c)
			fail("unterminated string");
		if (c < 0x20)
			fail("control character in a string");
		if (c == '"') {
			p++;
			return;
		}
		if (c == '\\') {
			p++;
			if (*p && strchr("\"\\/bfnrt", *p)) {
				p++;
				continue;
			}
			if (*p != 'u')
				fail("bad escape");
			for (i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)p[i]))
					fail("bad \\u escape");
			p += 5;
			continue;
		}
		p++;
	}
}

static void digits(void)
{
	if (!isdigit((unsigned char)*p))
		fail("bad number");
	while (isdigit((unsigned char)*p))
		p++;
}

static void number(void)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else
		digits();
	if (*p == '.') {
		p++;
		digits();
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		digits();
	}
}

static void literal(const char *word)
{
	size_t n = strlen(word);

	if (strncmp(p, word, n))
		fail("unexpected character '%c'", *p);
	p += n;
}

/* Append to the current path; returns the length to restore. */
static size_t push(const char *b, size_t n, int index)
{
	size_t old = plen;
	int r;

	if (index >= 0)
		r = snprintf(path + plen, sizeof(path) - plen, "[%d]", index);
	else
		r = snprintf(path + plen, sizeof(path) - plen, ".%.*s", (int)n, b);
	if (r < 0 || (size_t)r >= sizeof(path) - plen)
		fail("path too long");
	plen += (size_t)r;
	return old;
}

static void pop(size_t old)
{
	plen = old;
	path[plen] = '\0';
}

static void value(void)
{
	const char *b, *key;
	size_t old;
	int i;

	ws();
	b = p;
	if (++depth > 512)
		fail("nested too deep");
	switch (*p) {
	case '{':
		p++;
		ws();
		if (*p == '}') {
			p++;
			break;
		}
		for (;;) {
			ws();
			key = p;
			string();
			old = push(key + 1, (size_t)(p - key - 2), -1);
			ws();
			if (*p != ':')
				fail("expected ':'");
			p++;
			value();
			pop(old);
			ws();
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == '}') {
				p++;
				break;
			}
			fail("expected ',' or '}'");
		}
		break;
	case '[':
		p++;
		ws();
		if (*p == ']') {
			p++;
			break;
		}
		for (i = 0;; i++) {
			old = push(NULL, 0, i);
			value();
			pop(old);
			ws();
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == ']') {
				p++;
				break;
			}
			fail("expected ',' or ']'");
		}
		break;
	case '"':
		string();
		break;
	case 't':
		literal("true");
		break;
	case 'f':
		literal("false");
		break;
	case 'n':
		literal("null");
		break;
	default:
		if (*p == '-' || isdigit((unsigned char)*p))
			number();
		else if (!*p)
			fail("unexpected end");
		else
			fail("unexpected character '%c'", *p);
	}
	depth--;
	if (want && !strcmp(path, want)) {
		found_b = b;
		found_e = p;
	}
}

int main(int argc, char **argv)
{
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap);

	if (argc > 2 || (argc == 2 && argv[1][0] != '.' && argv[1][0] != '[')) {
		fprintf(stderr, "usage: json-check [PATH] < FILE\n");
		return 2;
	}
	if (argc == 2)
		want = strcmp(argv[1], ".") ? argv[1] : "";
	while (buf && (r = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
		n += r;
		if (n == cap - 1) {
			char *more = realloc(buf, cap * 2);

			if (!more) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = more;
			cap *= 2;
		}
	}
	if (!buf) {
		fprintf(stderr, "json-check: out of memory\n");
		return 1;
	}
	buf[n] = '\0';
	text = p = buf;
	if (strlen(buf) != n)
		fail("NUL byte in the input");
	value();
	ws();
	if (*p)
		fail("trailing characters");
	if (want) {
		if (!found_b) {
			fprintf(stderr, "json-check: no %s\n", argv[1]);
			return 1;
		}
		if (*found_b == '"')
			printf("%.*s\n", (int)(found_e - found_b - 2), found_b + 1);
		else
			printf("%.*s\n", (int)(found_e - found_b), found_b);
	}
	free(buf);
	return 0;
}
