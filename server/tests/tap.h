/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP producer for the server's tests: "ok N - what" or
 * "not ok N - what" per check, then the plan "1..N" and a summary line.
 */
#ifndef RRAIM_SERVER_TAP_H
#define RRAIM_SERVER_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned int tap_count;
static unsigned int tap_failed;

static bool ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %u - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* Print the plan and the summary; the exit status for main(). */
static int tap_done(const char *name)
{
	printf("1..%u\n", tap_count);
	printf("%s: %u passed, %u failed\n", name, tap_count - tap_failed,
	       tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* RRAIM_SERVER_TAP_H */
