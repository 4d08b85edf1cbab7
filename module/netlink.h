/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_NETLINK_H
#define _HSMON_NETLINK_H

#include <linux/bits.h>

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
void hsmon_nl_flow_event(struct hsmon_net *hn, const struct hsmon_flow *f,
			 u32 events);

#endif /* _HSMON_NETLINK_H */
