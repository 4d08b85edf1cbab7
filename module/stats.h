/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_STATS_H
#define _HSMON_STATS_H

#include <linux/bitops.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <uapi/linux/hsmon.h>

/*
 * Per-namespace counters, kept per CPU and summed when read. The first ones
 * (up to HSMON_STAT_FSM_LAST) are the events the state machine reports as a
 * bit mask, so they must stay below 32.
 */
enum hsmon_stat {
	HSMON_STAT_ACK_COMPLETE,
	HSMON_STAT_ESTABLISHED,
	HSMON_STAT_REFUSED,
	HSMON_STAT_RESET,
	HSMON_STAT_CLOSED,
	HSMON_STAT_BAD_ACK,
	HSMON_STAT_SYN_RETRANS,
	HSMON_STAT_SYNACK_RETRANS,
	HSMON_STAT_SYN_DATA,
	HSMON_STAT_SYNACK_DATA,
	HSMON_STAT_ACK_DATA,
	HSMON_STAT_PORT_REUSE,
	HSMON_STAT_ABORTED,
	HSMON_STAT_SIMULTANEOUS_OPEN,
	HSMON_STAT_SYN_DATA_ACKED,
	HSMON_STAT_MIDSTREAM,
	HSMON_STAT_TIMED_OUT,
	HSMON_STAT_UNANSWERED,
	HSMON_STAT_FSM_LAST = HSMON_STAT_UNANSWERED,

	HSMON_STAT_SEGMENTS,
	HSMON_STAT_SYN,
	HSMON_STAT_SYNACK,
	HSMON_STAT_MALFORMED,
	HSMON_STAT_FRAGMENTS,
	HSMON_STAT_BAD_FLAGS,
	HSMON_STAT_UNTRACKED,
	HSMON_STAT_EVICTED,
	HSMON_STAT_EXPIRED,
	HSMON_STAT_TABLE_FULL,
	HSMON_STAT_ALLOC_FAILED,
	HSMON_STAT_EVENTS_DROPPED,

	HSMON_STAT_MAX
};

/*
 * Handshake times, as log2 histograms of microseconds (bcc's style): slot 0
 * holds 0 us, slot i (1..30) holds [2^(i-1), 2^i) us, slot 31 all the rest.
 */
enum hsmon_hist {
	HSMON_HIST_SYN_SYNACK,		/* first SYN -> SYN/ACK (the responder's side) */
	HSMON_HIST_SYNACK_ACK,		/* SYN/ACK -> completing ACK (the initiator's) */
	HSMON_HIST_HANDSHAKE,		/* first SYN -> completing ACK (Wireshark's iRTT) */
	HSMON_HIST_MAX
};

#define HSMON_HIST_SLOTS	32

struct hsmon_stats {
	u64 count[HSMON_STAT_MAX];
	/* flows entering minus flows leaving each state, on this CPU */
	s64 in_state[__HSMON_STATE_MAX];
	u64 hist[HSMON_HIST_MAX][HSMON_HIST_SLOTS];
	u64 hist_sum[HSMON_HIST_MAX];	/* us */
};

/* How a counter is named in /proc/hsmon and in netlink, in print order. */
struct hsmon_stat_desc {
	const char *name;
	u8 id;			/* enum hsmon_stat */
	u8 attr;		/* HSMON_A_STATS_* */
};

/* How a per-state gauge is named, in print order. */
struct hsmon_gauge_desc {
	const char *name;
	u8 state;		/* enum hsmon_state */
	u8 attr;		/* HSMON_A_STATS_* */
};

/* How a histogram is named, in print order. */
struct hsmon_hist_desc {
	const char *name;
	u8 attr_hist;		/* HSMON_A_STATS_*_HIST */
	u8 attr_sum;		/* HSMON_A_STATS_*_SUM */
};

extern const struct hsmon_hist_desc hsmon_hist_descs[HSMON_HIST_MAX];
extern const struct hsmon_stat_desc hsmon_stat_descs[];
extern const unsigned int hsmon_stat_ndescs;
extern const struct hsmon_gauge_desc hsmon_gauge_descs[];
extern const unsigned int hsmon_gauge_ndescs;

#define hsmon_stat_inc(stats, id) this_cpu_inc((stats)->count[id])

static inline void hsmon_stat_state(struct hsmon_stats __percpu *stats,
				    u8 from, u8 to)
{
	if (from == to)
		return;
	this_cpu_dec(stats->in_state[from]);
	this_cpu_inc(stats->in_state[to]);
}

static inline void hsmon_stat_time(struct hsmon_stats __percpu *stats,
				   enum hsmon_hist h, u32 us)
{
	this_cpu_inc(stats->hist[h][min_t(int, fls(us), HSMON_HIST_SLOTS - 1)]);
	this_cpu_add(stats->hist_sum[h], us);
}

/* One count for each event in a mask of BIT(enum hsmon_stat). */
static inline void hsmon_stats_add_events(struct hsmon_stats __percpu *stats,
					  u32 events)
{
	while (events) {
		this_cpu_inc(stats->count[__ffs(events)]);
		events &= events - 1;
	}
}

void hsmon_stats_read(struct hsmon_stats __percpu *stats,
		      struct hsmon_stats *sum);
void hsmon_stats_show(struct seq_file *seq, const struct hsmon_stats *sum,
		      u32 flows, u32 max_flows, u32 entry_size);
const char *hsmon_state_name(u8 state);
const char *hsmon_outcome_name(u8 outcome);

#endif /* _HSMON_STATS_H */
