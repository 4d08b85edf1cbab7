/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_PERNET_H
#define _HSMON_PERNET_H

#include <linux/netfilter.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "flow.h"
#include "hooks.h"
#include "params.h"
#include "stats.h"

/* Everything hsmon keeps for one network namespace. */
struct hsmon_net {
	possible_net_t net;
	struct hsmon_table table;
	struct hsmon_stats __percpu *stats;
	struct hsmon_config cfg;
	struct delayed_work gc_work;
	struct nf_hook_ops hook_ops[HSMON_NHOOKS];	/* priv: this */
};

extern unsigned int hsmon_net_id;

static inline struct hsmon_net *hsmon_pernet(const struct net *net)
{
	return net_generic(net, hsmon_net_id);
}

int hsmon_pernet_init(void);
void hsmon_pernet_uninit(void);

#endif /* _HSMON_PERNET_H */
