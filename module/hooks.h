/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_HOOKS_H
#define _HSMON_HOOKS_H

#include <linux/in6.h>
#include <net/net_namespace.h>

#include "fsm.h"

/* One parsed TCP segment, as the flow table sees it. */
struct hsmon_pkt {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
	u8 family;
	u8 origin;		/* enum hsmon_direction, should it open a flow */
	struct hsmon_seg seg;
};

int hsmon_hooks_register(struct net *net);
void hsmon_hooks_unregister(struct net *net);

#endif /* _HSMON_HOOKS_H */
