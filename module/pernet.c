// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state: every namespace gets its own table, counters,
 * configuration, garbage collector, /proc/net/hsmon and hooks. The hooks
 * are registered last, once everything they use exists, and unregistered
 * first (in pre_exit: the core waits for an RCU grace period between
 * pre_exit and exit, so no packet is in a hook when the table goes).
 */

#include <linux/slab.h>

#include "hooks.h"
#include "pernet.h"
#include "proc.h"

unsigned int hsmon_net_id __read_mostly;

static void hsmon_gc_worker(struct work_struct *work)
{
	struct hsmon_net *hn = container_of(to_delayed_work(work),
					    struct hsmon_net, gc_work);

	hsmon_flow_gc(hn);
}

static int __net_init hsmon_net_init(struct net *net)
{
	struct hsmon_net *hn = hsmon_pernet(net);
	int ret;

	write_pnet(&hn->net, net);
	hn->cfg = hsmon_params;
	INIT_DELAYED_WORK(&hn->gc_work, hsmon_gc_worker);

	hn->stats = alloc_percpu(struct hsmon_stats);
	if (!hn->stats)
		return -ENOMEM;
	ret = hsmon_table_init(&hn->table, hn->cfg.max_flows);
	if (ret)
		goto err_table;
	ret = hsmon_proc_net_init(net);
	if (ret)
		goto err_proc;
	ret = hsmon_hooks_register(net);
	if (ret)
		goto err_hooks;
	return 0;

err_hooks:
	hsmon_proc_net_uninit(net);
err_proc:
	hsmon_table_uninit(&hn->table);
err_table:
	free_percpu(hn->stats);
	return ret;
}

static void __net_exit hsmon_net_pre_exit(struct net *net)
{
	hsmon_hooks_unregister(net);
}

static void __net_exit hsmon_net_exit(struct net *net)
{
	struct hsmon_net *hn = hsmon_pernet(net);

	hsmon_proc_net_uninit(net);
	cancel_delayed_work_sync(&hn->gc_work);
	hsmon_table_uninit(&hn->table);
	free_percpu(hn->stats);
}

static struct pernet_operations hsmon_net_ops = {
	.init		= hsmon_net_init,
	.pre_exit	= hsmon_net_pre_exit,
	.exit		= hsmon_net_exit,
	.id		= &hsmon_net_id,
	.size		= sizeof(struct hsmon_net),
};

int hsmon_pernet_init(void)
{
	return register_pernet_subsys(&hsmon_net_ops);
}

void hsmon_pernet_uninit(void)
{
	unregister_pernet_subsys(&hsmon_net_ops);
}
