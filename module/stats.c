// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters: summed when read, printed as "name value" lines.
 */

#include <linux/bitops.h>
#include <linux/cpumask.h>

#include "stats.h"

/* The order counters are printed in (documented in the README). */
static const struct {
	const char *name;
	enum hsmon_stat id;
} hsmon_stat_order[] = {
	{ "segments",       HSMON_STAT_SEGMENTS },
	{ "syn",            HSMON_STAT_SYN },
	{ "synack",         HSMON_STAT_SYNACK },
	{ "ack_complete",   HSMON_STAT_ACK_COMPLETE },
	{ "established",    HSMON_STAT_ESTABLISHED },
	{ "refused",        HSMON_STAT_REFUSED },
	{ "reset",          HSMON_STAT_RESET },
	{ "timed_out",      HSMON_STAT_TIMED_OUT },
	{ "closed",         HSMON_STAT_CLOSED },
	{ "bad_ack",        HSMON_STAT_BAD_ACK },
	{ "syn_retrans",    HSMON_STAT_SYN_RETRANS },
	{ "synack_retrans", HSMON_STAT_SYNACK_RETRANS },
	{ "syn_data",       HSMON_STAT_SYN_DATA },
	{ "synack_data",    HSMON_STAT_SYNACK_DATA },
	{ "ack_data",       HSMON_STAT_ACK_DATA },
	{ "port_reuse",     HSMON_STAT_PORT_REUSE },
	{ "malformed",      HSMON_STAT_MALFORMED },
	{ "fragments",      HSMON_STAT_FRAGMENTS },
	{ "bad_flags",      HSMON_STAT_BAD_FLAGS },
	{ "untracked",      HSMON_STAT_UNTRACKED },
	{ "evicted",        HSMON_STAT_EVICTED },
	{ "expired",        HSMON_STAT_EXPIRED },
	{ "table_full",     HSMON_STAT_TABLE_FULL },
	{ "alloc_failed",   HSMON_STAT_ALLOC_FAILED },
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
};

/* The per-state gauges printed, as "flows_<state lower case>". */
static const struct {
	const char *name;
	enum hsmon_state state;
} hsmon_gauge_order[] = {
	{ "flows_syn_sent",    HSMON_STATE_SYN_SENT },
	{ "flows_syn_rcvd",    HSMON_STATE_SYN_RCVD },
	{ "flows_established", HSMON_STATE_ESTABLISHED },
	{ "flows_closed",      HSMON_STATE_CLOSED },
	{ "flows_refused",     HSMON_STATE_REFUSED },
	{ "flows_reset",       HSMON_STATE_RESET },
	{ "flows_timed_out",   HSMON_STATE_TIMED_OUT },
};

const char *hsmon_state_name(u8 state)
{
	return state < __HSMON_STATE_MAX ? hsmon_state_names[state] : "?";
}

void hsmon_stats_add_events(struct hsmon_stats __percpu *stats, u32 events)
{
	unsigned long ev = events;
	unsigned int bit;

	for_each_set_bit(bit, &ev, HSMON_STAT_FSM_LAST + 1)
		this_cpu_inc(stats->count[bit]);
}

void hsmon_stats_sum(struct hsmon_stats __percpu *stats,
		     struct hsmon_stats_sum *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct hsmon_stats *s = per_cpu_ptr(stats, cpu);

		for (i = 0; i < HSMON_STAT_MAX; i++)
			sum->count[i] += READ_ONCE(s->count[i]);
		for (i = 0; i < __HSMON_STATE_MAX; i++)
			sum->in_state[i] += READ_ONCE(s->in_state[i]);
	}
}

void hsmon_stats_show(struct seq_file *seq, const struct hsmon_stats_sum *sum,
		      u32 flows, u32 max_flows, u32 entry_size)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hsmon_stat_order); i++)
		seq_printf(seq, "%s %llu\n", hsmon_stat_order[i].name,
			   sum->count[hsmon_stat_order[i].id]);
	seq_printf(seq, "flows %u\n", flows);
	for (i = 0; i < ARRAY_SIZE(hsmon_gauge_order); i++)
		seq_printf(seq, "%s %lld\n", hsmon_gauge_order[i].name,
			   max_t(s64, 0, sum->in_state[hsmon_gauge_order[i].state]));
	seq_printf(seq, "max_flows %u\nentry_size %u\n", max_flows, entry_size);
}
