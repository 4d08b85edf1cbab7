// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. They are read once, at insmod: a value out of range
 * refuses the load with -EINVAL and one line in the kernel log naming the
 * parameter and its range.
 */

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "params.h"

struct hsmon_config hsmon_params = {
	.max_flows	= 65536,
	.syn_timeout	= 120,		/* conntrack's SYN_SENT timeout */
	.est_timeout	= 5 * 24 * 3600,	/* conntrack's ESTABLISHED timeout */
	.linger_timeout	= 30,
	.events		= true,
};

module_param_named(max_flows, hsmon_params.max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows, "Flows tracked per network namespace [16, 16777216] (default 65536)");
module_param_named(syn_timeout, hsmon_params.syn_timeout, uint, 0444);
MODULE_PARM_DESC(syn_timeout, "Seconds a handshake may take before it is timed out [1, 3600] (default 120)");
module_param_named(est_timeout, hsmon_params.est_timeout, uint, 0444);
MODULE_PARM_DESC(est_timeout, "Seconds an established flow may stay idle [1, 2592000] (default 432000)");
module_param_named(linger_timeout, hsmon_params.linger_timeout, uint, 0444);
MODULE_PARM_DESC(linger_timeout, "Seconds a finished flow stays visible [1, 3600] (default 30)");
module_param_named(events, hsmon_params.events, bool, 0444);
MODULE_PARM_DESC(events, "Send a netlink notification per handshake outcome (default 1)");
module_param_named(track_midstream, hsmon_params.track_midstream, bool, 0444);
MODULE_PARM_DESC(track_midstream, "Track connections whose SYN was not seen, from their first ACK (default 0)");

static const struct {
	const char *name;
	const u32 *val;
	u32 min, max;
} hsmon_param_ranges[] = {
	{ "max_flows", &hsmon_params.max_flows,
	  HSMON_MAX_FLOWS_MIN, HSMON_MAX_FLOWS_MAX },
	{ "syn_timeout", &hsmon_params.syn_timeout,
	  HSMON_SYN_TIMEOUT_MIN, HSMON_SYN_TIMEOUT_MAX },
	{ "est_timeout", &hsmon_params.est_timeout,
	  HSMON_EST_TIMEOUT_MIN, HSMON_EST_TIMEOUT_MAX },
	{ "linger_timeout", &hsmon_params.linger_timeout,
	  HSMON_LINGER_TIMEOUT_MIN, HSMON_LINGER_TIMEOUT_MAX },
};

int hsmon_params_validate(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hsmon_param_ranges); i++) {
		u32 v = *hsmon_param_ranges[i].val;

		if (v < hsmon_param_ranges[i].min || v > hsmon_param_ranges[i].max) {
			pr_err("%s=%u out of range [%u, %u]\n",
			       hsmon_param_ranges[i].name, v,
			       hsmon_param_ranges[i].min,
			       hsmon_param_ranges[i].max);
			return -EINVAL;
		}
	}
	return 0;
}
