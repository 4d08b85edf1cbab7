// SPDX-License-Identifier: GPL-2.0
/*
 * hsmon: a TCP three-way handshake monitor.
 *
 * Subsystems start in order and stop in exactly the reverse order.
 */

#include <linux/module.h>

#include "flow.h"
#include "fsm.h"
#include "netlink.h"
#include "params.h"
#include "pernet.h"
#include "proc.h"

/* module/Kbuild passes it: scripts/version.sh, the one source of it. */
#ifndef HSMON_VERSION
#error "HSMON_VERSION is not defined: build through module/Kbuild"
#endif

static int __init hsmon_init(void)
{
	int ret;

	ret = hsmon_params_validate();
	if (ret)
		return ret;
	hsmon_fsm_init();
	if (!hsmon_fsm_selftest())
		return -ENOTRECOVERABLE;
	ret = hsmon_flow_init();
	if (ret)
		return ret;
	ret = hsmon_proc_init();
	if (ret)
		goto err_proc;
	ret = hsmon_pernet_init();
	if (ret)
		goto err_pernet;
	ret = hsmon_netlink_init();
	if (ret)
		goto err_netlink;

	pr_info("hsmon " HSMON_VERSION " loaded: max_flows=%u per namespace, %u bytes per flow\n",
		hsmon_params.max_flows, hsmon_flow_entry_size());
	return 0;

err_netlink:
	hsmon_pernet_uninit();
err_pernet:
	hsmon_proc_uninit();
err_proc:
	hsmon_flow_uninit();
	return ret;
}

static void __exit hsmon_exit(void)
{
	hsmon_netlink_uninit();
	hsmon_pernet_uninit();
	hsmon_proc_uninit();
	hsmon_flow_uninit();
}

module_init(hsmon_init);
module_exit(hsmon_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("The hsmon developers");
MODULE_DESCRIPTION("TCP three-way handshake monitor");
MODULE_VERSION(HSMON_VERSION);
