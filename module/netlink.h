/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_NETLINK_H
#define _HSMON_NETLINK_H

#include <linux/bits.h>
#include <linux/jiffies.h>

#include "stats.h"

struct hsmon_net;
struct hsmon_flow;

/* The events (BIT(enum hsmon_stat)) that are handshake outcomes. */
#define HSMON_NL_OUTCOMES (BIT(HSMON_STAT_ESTABLISHED) | BIT(HSMON_STAT_REFUSED) | \
			   BIT(HSMON_STAT_RESET) | BIT(HSMON_STAT_TIMED_OUT) | \
			   BIT(HSMON_STAT_BAD_ACK) | BIT(HSMON_STAT_CLOSED) | \
			   BIT(HSMON_STAT_ABORTED) | BIT(HSMON_STAT_UNANSWERED))

int hsmon_netlink_init(void);
void hsmon_netlink_uninit(void);
void __hsmon_nl_flow_event(struct hsmon_net *hn, const struct hsmon_flow *f,
			   u32 events);

/* netlink.c's hsmon_nl_listening(): jiffies * 2 + anyone listening. */
extern unsigned long hsmon_nl_listeners;

/* This tick, as hsmon_nl_listeners keeps it: the answer's bit is 0. */
static inline unsigned long hsmon_nl_tick(void)
{
	return jiffies * 2;
}

/*
 * Notify the events group of a flow's outcome events. Called with the
 * flow's bucket lock held, from any context, under rcu_read_lock(). When
 * nobody listened at the last look, this tick, it costs a comparison.
 */
static inline void hsmon_nl_flow_event(struct hsmon_net *hn,
				       const struct hsmon_flow *f, u32 events)
{
	if (READ_ONCE(hsmon_nl_listeners) == hsmon_nl_tick())	/* nobody, this tick */
		return;
	__hsmon_nl_flow_event(hn, f, events);
}

#endif /* _HSMON_NETLINK_H */
