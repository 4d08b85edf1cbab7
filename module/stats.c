// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters: summed when read, printed as "name value" lines.
 */

#include <linux/bitops.h>
#include <linux/cpumask.h>

#include "stats.h"

/* The order counters are printed in (documented in the README). */
const struct hsmon_stat_desc hsmon_stat_descs[] = {
	{ "segments",          HSMON_STAT_SEGMENTS, HSMON_A_STATS_SEGMENTS },
	{ "syn",               HSMON_STAT_SYN, HSMON_A_STATS_SYN },
	{ "synack",            HSMON_STAT_SYNACK, HSMON_A_STATS_SYNACK },
	{ "ack_complete",      HSMON_STAT_ACK_COMPLETE, HSMON_A_STATS_ACK_COMPLETE },
	{ "established",       HSMON_STAT_ESTABLISHED, HSMON_A_STATS_ESTABLISHED },
	{ "refused",           HSMON_STAT_REFUSED, HSMON_A_STATS_REFUSED },
	{ "reset",             HSMON_STAT_RESET, HSMON_A_STATS_RESET },
	{ "aborted",           HSMON_STAT_ABORTED, HSMON_A_STATS_ABORTED },
	{ "timed_out",         HSMON_STAT_TIMED_OUT, HSMON_A_STATS_TIMED_OUT },
	{ "unanswered",        HSMON_STAT_UNANSWERED, HSMON_A_STATS_UNANSWERED },
	{ "closed",            HSMON_STAT_CLOSED, HSMON_A_STATS_CLOSED },
	{ "bad_ack",           HSMON_STAT_BAD_ACK, HSMON_A_STATS_BAD_ACK },
	{ "syn_retrans",       HSMON_STAT_SYN_RETRANS, HSMON_A_STATS_SYN_RETRANS },
	{ "synack_retrans",    HSMON_STAT_SYNACK_RETRANS, HSMON_A_STATS_SYNACK_RETRANS },
	{ "syn_data",          HSMON_STAT_SYN_DATA, HSMON_A_STATS_SYN_DATA },
	{ "syn_data_acked",    HSMON_STAT_SYN_DATA_ACKED, HSMON_A_STATS_SYN_DATA_ACKED },
	{ "synack_data",       HSMON_STAT_SYNACK_DATA, HSMON_A_STATS_SYNACK_DATA },
	{ "ack_data",          HSMON_STAT_ACK_DATA, HSMON_A_STATS_ACK_DATA },
	{ "port_reuse",        HSMON_STAT_PORT_REUSE, HSMON_A_STATS_PORT_REUSE },
	{ "simultaneous_open", HSMON_STAT_SIMULTANEOUS_OPEN, HSMON_A_STATS_SIMULTANEOUS_OPEN },
	{ "malformed",         HSMON_STAT_MALFORMED, HSMON_A_STATS_MALFORMED },
	{ "fragments",         HSMON_STAT_FRAGMENTS, HSMON_A_STATS_FRAGMENTS },
	{ "bad_flags",         HSMON_STAT_BAD_FLAGS, HSMON_A_STATS_BAD_FLAGS },
	{ "untracked",         HSMON_STAT_UNTRACKED, HSMON_A_STATS_UNTRACKED },
	{ "midstream",         HSMON_STAT_MIDSTREAM, HSMON_A_STATS_MIDSTREAM },
	{ "evicted",           HSMON_STAT_EVICTED, HSMON_A_STATS_EVICTED },
	{ "expired",           HSMON_STAT_EXPIRED, HSMON_A_STATS_EXPIRED },
	{ "table_full",        HSMON_STAT_TABLE_FULL, HSMON_A_STATS_TABLE_FULL },
	{ "alloc_failed",      HSMON_STAT_ALLOC_FAILED, HSMON_A_STATS_ALLOC_FAILED },
	{ "events_dropped",    HSMON_STAT_EVENTS_DROPPED, HSMON_A_STATS_EVENTS_DROPPED },
};

const unsigned int hsmon_stat_ndescs = ARRAY_SIZE(hsmon_stat_descs);

const struct hsmon_hist_desc hsmon_hist_descs[HSMON_HIST_MAX] = {
	[HSMON_HIST_SYN_SYNACK] = { "syn_synack_us",
		HSMON_A_STATS_SYN_SYNACK_HIST, HSMON_A_STATS_SYN_SYNACK_SUM },
	[HSMON_HIST_SYNACK_ACK] = { "synack_ack_us",
		HSMON_A_STATS_SYNACK_ACK_HIST, HSMON_A_STATS_SYNACK_ACK_SUM },
	[HSMON_HIST_HANDSHAKE] = { "handshake_us",
		HSMON_A_STATS_HANDSHAKE_HIST, HSMON_A_STATS_HANDSHAKE_SUM },
};

static const char * const hsmon_state_names[__HSMON_STATE_MAX] = {
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

/* The per-state gauges printed, as "flows_<state lower case>". */
const struct hsmon_gauge_desc hsmon_gauge_descs[] = {
	{ "flows_syn_sent",    HSMON_STATE_SYN_SENT, HSMON_A_STATS_FLOWS_SYN_SENT },
	{ "flows_syn_rcvd",    HSMON_STATE_SYN_RCVD, HSMON_A_STATS_FLOWS_SYN_RCVD },
	{ "flows_established", HSMON_STATE_ESTABLISHED, HSMON_A_STATS_FLOWS_ESTABLISHED },
	{ "flows_closed",      HSMON_STATE_CLOSED, HSMON_A_STATS_FLOWS_CLOSED },
	{ "flows_refused",     HSMON_STATE_REFUSED, HSMON_A_STATS_FLOWS_REFUSED },
	{ "flows_reset",       HSMON_STATE_RESET, HSMON_A_STATS_FLOWS_RESET },
	{ "flows_timed_out",   HSMON_STATE_TIMED_OUT, HSMON_A_STATS_FLOWS_TIMED_OUT },
	{ "flows_midstream",   HSMON_STATE_MIDSTREAM, HSMON_A_STATS_FLOWS_MIDSTREAM },
};

const unsigned int hsmon_gauge_ndescs = ARRAY_SIZE(hsmon_gauge_descs);

static const char * const hsmon_outcome_names[__HSMON_OUTCOME_MAX] = {
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

/* outcome is a flow's: enum hsmon_outcome + 1, 0 for none yet. */
const char *hsmon_outcome_name(u8 outcome)
{
	return outcome && outcome <= __HSMON_OUTCOME_MAX ?
	       hsmon_outcome_names[outcome - 1] : "-";
}

const char *hsmon_state_name(u8 state)
{
	return state < __HSMON_STATE_MAX ? hsmon_state_names[state] : "?";
}

void hsmon_stats_read(struct hsmon_stats __percpu *stats,
		      struct hsmon_stats *sum)
{
	int cpu, i, j;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct hsmon_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < HSMON_STAT_MAX; i++)
			sum->count[i] += READ_ONCE(s->count[i]);
		for (i = 0; i < __HSMON_STATE_MAX; i++)
			sum->in_state[i] += READ_ONCE(s->in_state[i]);
		for (i = 0; i < HSMON_HIST_MAX; i++) {
			for (j = 0; j < HSMON_HIST_SLOTS; j++)
				sum->hist[i][j] += READ_ONCE(s->hist[i][j]);
			sum->hist_sum[i] += READ_ONCE(s->hist_sum[i]);
		}
	}
}

void hsmon_stats_show(struct seq_file *seq, const struct hsmon_stats *sum,
		      u32 flows, u32 max_flows, u32 entry_size)
{
	unsigned int i, j;

	for (i = 0; i < hsmon_stat_ndescs; i++)
		seq_printf(seq, "%s %llu\n", hsmon_stat_descs[i].name,
			   sum->count[hsmon_stat_descs[i].id]);
	seq_printf(seq, "flows %u\n", flows);
	for (i = 0; i < hsmon_gauge_ndescs; i++)
		seq_printf(seq, "%s %lld\n", hsmon_gauge_descs[i].name,
			   max_t(s64, 0, sum->in_state[hsmon_gauge_descs[i].state]));
	seq_printf(seq, "max_flows %u\nentry_size %u\n", max_flows, entry_size);
	for (i = 0; i < HSMON_HIST_MAX; i++) {
		u64 n = 0;

		for (j = 0; j < HSMON_HIST_SLOTS; j++)
			n += sum->hist[i][j];
		seq_printf(seq, "%s_count %llu\n%s_sum %llu\n%s_hist",
			   hsmon_hist_descs[i].name, n,
			   hsmon_hist_descs[i].name, sum->hist_sum[i],
			   hsmon_hist_descs[i].name);
		for (j = 0; j < HSMON_HIST_SLOTS; j++)
			seq_printf(seq, " %llu", sum->hist[i][j]);
		seq_putc(seq, '\n');
	}
}
