// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon(8): the spellings of states, directions, notes, flags and
 * addresses. They must match /proc/hsmon's (module/proc.c) character for
 * character: users and tests compare the two.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/hsmon.h>

#include "format.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const state_names[__HSMON_STATE_MAX] = {
	[HSMON_STATE_NONE]		= "NONE",
	[HSMON_STATE_SYN_SENT]		= "SYN_SENT",
	[HSMON_STATE_SYN_RCVD]		= "SYN_RCVD",
	[HSMON_STATE_ESTABLISHED]	= "ESTABLISHED",
	[HSMON_STATE_CLOSED]		= "CLOSED",
	[HSMON_STATE_REFUSED]		= "REFUSED",
	[HSMON_STATE_RESET]		= "RESET",
	[HSMON_STATE_TIMED_OUT]		= "TIMED_OUT",
	[HSMON_STATE_MIDSTREAM]		= "MIDSTREAM",
};

static const char *const dir_names[__HSMON_DIR_MAX] = {
	[HSMON_DIR_OUTBOUND]	= "outbound",
	[HSMON_DIR_INBOUND]	= "inbound",
	[HSMON_DIR_FORWARDED]	= "forwarded",
	[HSMON_DIR_LOCAL]	= "local",
};

static const char *const outcome_names[__HSMON_OUTCOME_MAX] = {
	[HSMON_OUTCOME_ESTABLISHED]	= "established",
	[HSMON_OUTCOME_REFUSED]		= "refused",
	[HSMON_OUTCOME_RESET]		= "reset",
	[HSMON_OUTCOME_TIMED_OUT]	= "timed_out",
	[HSMON_OUTCOME_BAD_ACK]		= "bad_ack",
	[HSMON_OUTCOME_CLOSED]		= "closed",
	[HSMON_OUTCOME_UNANSWERED]	= "unanswered",
	[HSMON_OUTCOME_ABORTED]		= "aborted",
	[HSMON_OUTCOME_MIDSTREAM]	= "midstream",
};

static const char *const note_names[__HSMON_NOTE_MAX] = {
	[HSMON_NOTE_BAD_ACK]		= "bad_ack",
	[HSMON_NOTE_SYN_DATA]		= "syn_data",
	[HSMON_NOTE_SYNACK_DATA]	= "synack_data",
	[HSMON_NOTE_ACK_DATA]		= "ack_data",
	[HSMON_NOTE_PORT_REUSE]		= "port_reuse",
	[HSMON_NOTE_SIMULTANEOUS_OPEN]	= "simultaneous_open",
	[HSMON_NOTE_SYN_DATA_ACKED]	= "syn_data_acked",
	[HSMON_NOTE_MIDSTREAM]		= "midstream",
};

/* TCP header flag bits, in the order /proc/hsmon prints their letters. */
static const struct {
	uint8_t bit;
	char letter;
} flag_letters[] = {
	{ 0x02, 'S' }, { 0x10, 'A' }, { 0x01, 'F' }, { 0x04, 'R' },
	{ 0x08, 'P' }, { 0x20, 'U' }, { 0x40, 'E' }, { 0x80, 'C' },
};

static const char *name_of(const char *const *names, unsigned int n,
			   unsigned int v)
{
	return v < n && names[v] ? names[v] : "?";
}

const char *hsmon_state_name(unsigned int state)
{
	return name_of(state_names, ARRAY_SIZE(state_names), state);
}

const char *hsmon_dir_name(unsigned int dir)
{
	return name_of(dir_names, ARRAY_SIZE(dir_names), dir);
}

const char *hsmon_outcome_name(unsigned int outcome)
{
	return name_of(outcome_names, ARRAY_SIZE(outcome_names), outcome);
}

const char *hsmon_note_name(unsigned int bit)
{
	return name_of(note_names, ARRAY_SIZE(note_names), bit);
}

/* Case does not matter, and '-' stands for '_' (syn-sent, SYN_SENT). */
static bool name_eq(const char *name, const char *s)
{
	for (; *name && *s; name++, s++) {
		char c = *s == '-' ? '_' : *s;

		if (tolower((unsigned char)c) != tolower((unsigned char)*name))
			return false;
	}
	return !*name && !*s;
}

static int parse_name(const char *const *names, unsigned int n,
		      unsigned int first, const char *s)
{
	unsigned int i;

	for (i = first; i < n; i++)
		if (names[i] && name_eq(names[i], s))
			return i;
	return -1;
}

int hsmon_state_parse(const char *s)
{
	/* NONE is never in a table: not a useful filter. */
	return parse_name(state_names, ARRAY_SIZE(state_names),
			  HSMON_STATE_SYN_SENT, s);
}

int hsmon_dir_parse(const char *s)
{
	return parse_name(dir_names, ARRAY_SIZE(dir_names), 0, s);
}

void hsmon_fmt_flags(char *buf, size_t len, uint8_t flags)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(flag_letters) && n + 1 < len; i++)
		if (flags & flag_letters[i].bit)
			buf[n++] = flag_letters[i].letter;
	if (len)
		buf[n] = '\0';
}

/*
 * The kernel's %pI6c (lib/vsprintf.c), which /proc/hsmon uses: the first
 * longest run of two or more zero groups becomes "::", groups in lower case
 * hex without leading zeros, and IPv4-mapped (::ffff:a.b.c.d) and ISATAP
 * (...:5efe:a.b.c.d) addresses end in dotted quad. This is inet_ntop()'s
 * output too, except that inet_ntop() also dots the deprecated ::a.b.c.d
 * and does not dot ISATAP.
 */
/* v in lower case hex without leading zeros. */
static char *put_hex16(char *p, unsigned int v)
{
	static const char hex[] = "0123456789abcdef";
	int shift;

	for (shift = 12; shift > 0 && !(v >> shift); shift -= 4)
		;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	return p;
}

static char *put_dotted(char *p, const uint8_t a[4]);

void hsmon_fmt_ip6(char *buf, const uint8_t a[16])
{
	bool mapped = !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
	bool isatap = (a[8] | 0x02) == 0x02 && a[9] == 0 &&
		      a[10] == 0x5e && a[11] == 0xfe;
	int groups = mapped || isatap ? 6 : 8;
	int i, j, run_at = -1, run_len = 1;
	bool need_colon = false;
	char *p = buf;

	for (i = 0; i < groups; i++) {
		for (j = i; j < groups && !a[2 * j] && !a[2 * j + 1]; j++)
			;
		if (j - i > run_len) {
			run_len = j - i;
			run_at = i;
		}
	}

	for (i = 0; i < groups; i++) {
		if (i == run_at) {
			*p++ = ':';
			*p++ = ':';
			need_colon = false;
			i += run_len - 1;
			continue;
		}
		if (need_colon)
			*p++ = ':';
		p = put_hex16(p, a[2 * i] << 8 | a[2 * i + 1]);
		need_colon = true;
	}
	if (mapped || isatap) {
		if (need_colon)
			*p++ = ':';
		p = put_dotted(p, a + 12);
	}
	*p = '\0';
}

/*
 * Decimal digits of v at p, no terminator; returns the end. What the
 * table's columns are mostly made of, so without printf's cost: a dump of
 * a million flows formats some twenty million numbers.
 */
char *hsmon_put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_dotted(char *p, const uint8_t a[4])
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = hsmon_put_u64(p, a[i]);
	}
	return p;
}

void hsmon_fmt_endpoint(char *buf, size_t len, uint8_t family,
			const uint8_t *addr, uint16_t port)
{
	char *p = buf;

	if (len < HSMON_ENDPOINT_STRLEN) {
		if (len)
			*buf = '\0';
		return;
	}
	if (family == AF_INET) {
		p = put_dotted(p, addr);
	} else {
		*p++ = '[';
		hsmon_fmt_ip6(p, addr);
		p += strlen(p);
		*p++ = ']';
	}
	*p++ = ':';
	p = hsmon_put_u64(p, port);
	*p = '\0';
}

void hsmon_json_str(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			putc(c, out);
	}
	putc('"', out);
}

void hsmon_json_key(FILE *out, bool *first, const char *key)
{
	if (!*first)
		putc(',', out);
	*first = false;
	hsmon_json_str(out, key);
	putc(':', out);
}
