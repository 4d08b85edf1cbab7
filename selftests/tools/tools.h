/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the selftests' C helpers share. A helper that includes this defines
 * `prog`, its name for messages.
 */
#ifndef HSMON_TOOLS_H
#define HSMON_TOOLS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *prog;

/* Say what failed and errno's text, and exit 1. */
static inline __attribute__((noreturn)) void die_errno(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

/* A number in min..max (any base strtoul takes), or exit 2 saying why. */
static inline unsigned long parse_ul(const char *s, const char *what,
				     unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s' (want %lu..%lu)\n",
			prog, what, s, min, max);
		exit(2);
	}
	return v;
}

/* xorshift64*: fast, reproducible from a seed, plenty for test traffic. */
static inline uint64_t rnd_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

#endif
