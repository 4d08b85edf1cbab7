/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hsmon(8): what the command's files share.
 */
#ifndef HSMON_CLI_H
#define HSMON_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/hsmon.h>

/* Exit statuses (documented in hsmon.8). */
enum {
	HSMON_EXIT_OK = 0,
	HSMON_EXIT_FAIL = 1,	/* the kernel said no, or is not there */
	HSMON_EXIT_USAGE = 2,	/* bad command line */
	HSMON_EXIT_INTR = 3,	/* flow dump kept racing with changes */
};

/* Options common to every command. */
struct hsmon_opts {
	bool json;
	bool prometheus;
	bool hist;		/* stats --hist: the time histograms, percentiles */
};

/* A command's arguments after the command word(s). */
struct hsmon_args {
	int argc;
	char **argv;
};

/* hsmon.c */
void hsmon_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* One flow as netlink carries it (dump reply or notification). */
struct hsmon_flow {
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t addr[2][16];		/* initiator, responder; network order */
	uint16_t port[2];		/* host order */
	uint8_t direction;		/* enum hsmon_direction */
	uint8_t state;			/* enum hsmon_state */
	uint8_t flags[2];		/* TCP flags seen from initiator, responder */
	uint8_t outcome;		/* enum hsmon_outcome, if has_outcome */
	bool has_isn_k;
	bool has_outcome;
	uint32_t isn_j;
	uint32_t isn_k;
	uint32_t syn_rtx;
	uint32_t synack_rtx;
	uint32_t notes;			/* BIT(enum hsmon_note) */
	uint64_t age_ms;
	char zeek[16];			/* Zeek's conn_state, "" if not sent */
	/* Optional u32s, in column order: the three times, the bad ack. */
	uint32_t opt[5];
	bool has_opt[5];
};

/* The flow columns, in /proc/hsmon's order. */
enum {
	HSMON_COL_FAMILY,
	HSMON_COL_INITIATOR,
	HSMON_COL_RESPONDER,
	HSMON_COL_DIRECTION,
	HSMON_COL_STATE,
	HSMON_COL_ISN_J,
	HSMON_COL_ISN_K,
	HSMON_COL_SYN_RTX,
	HSMON_COL_SYNACK_RTX,
	HSMON_COL_ORIG_FLAGS,
	HSMON_COL_REPLY_FLAGS,
	HSMON_COL_NOTES,
	HSMON_COL_AGE_MS,
	HSMON_COL_OUTCOME,
	HSMON_COL_ZEEK,
	HSMON_COL_SYN_SYNACK_US,	/* the first of the optional u32s */
	HSMON_COL_SYNACK_ACK_US,
	HSMON_COL_HANDSHAKE_US,
	HSMON_COL_ACK_EXPECTED,
	HSMON_COL_ACK_SEEN,
	HSMON_NCOLS
};

/* Longest text of one column: the notes, all of them (107 bytes). */
#define HSMON_COL_MAX	128

struct nlmsghdr;

/* flow.c: parsing and printing one flow, shared by "flows" and "watch". */
int hsmon_flow_parse(const struct nlmsghdr *nlh, struct hsmon_flow *f);
extern const char *const hsmon_col_names[HSMON_NCOLS];
extern const bool hsmon_col_numeric[HSMON_NCOLS];
void hsmon_flow_columns(const struct hsmon_flow *f,
			char cols[HSMON_NCOLS][HSMON_COL_MAX]);
void hsmon_flow_json(FILE *out, const struct hsmon_flow *f);

/* The commands; each returns an exit status. */
int hsmon_cmd_stats(const struct hsmon_opts *o, struct hsmon_args *a);
int hsmon_cmd_flows(const struct hsmon_opts *o, struct hsmon_args *a);
int hsmon_cmd_watch(const struct hsmon_opts *o, struct hsmon_args *a);
int hsmon_cmd_config(const struct hsmon_opts *o, struct hsmon_args *a);
int hsmon_cmd_flush(const struct hsmon_opts *o, struct hsmon_args *a);

#endif /* HSMON_CLI_H */
