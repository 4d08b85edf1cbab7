/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hsmon(8): names and spellings of the protocol's values, shared by every
 * output format, and a minimal JSON writer.
 */
#ifndef HSMON_FORMAT_H
#define HSMON_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* "SYN_SENT"... as /proc/hsmon spells them; "?" for values we do not know. */
const char *hsmon_state_name(unsigned int state);
const char *hsmon_dir_name(unsigned int dir);
const char *hsmon_outcome_name(unsigned int outcome);
const char *hsmon_note_name(unsigned int bit);

/* Inverse lookups for the command line; -1 if unknown. */
int hsmon_state_parse(const char *s);
int hsmon_dir_parse(const char *s);

/* TCP flag letters among SAFRPUEC, in that order; "" if none. */
void hsmon_fmt_flags(char *buf, size_t len, uint8_t flags);

/* An IPv6 address exactly as the kernel's %pI6c prints it. */
#define HSMON_IP6_STRLEN 46
void hsmon_fmt_ip6(char *buf, const uint8_t addr[16]);

/* Decimal digits of v at p, no terminator; returns the end. */
char *hsmon_put_u64(char *p, uint64_t v);

/* "a.b.c.d:port" or "[v6]:port"; "" if len < HSMON_ENDPOINT_STRLEN. */
#define HSMON_ENDPOINT_STRLEN (HSMON_IP6_STRLEN + 8)
void hsmon_fmt_endpoint(char *buf, size_t len, uint8_t family,
			const uint8_t *addr, uint16_t port);

/* JSON: a string value, escaped; a member's key, with the comma before it. */
void hsmon_json_str(FILE *out, const char *s);
void hsmon_json_key(FILE *out, bool *first, const char *key);

#endif /* HSMON_FORMAT_H */
