/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_PARAMS_H
#define _HSMON_PARAMS_H

#include <linux/types.h>

/* The ranges of the knobs, for the module parameters and for netlink. */
#define HSMON_MAX_FLOWS_MIN	16
#define HSMON_MAX_FLOWS_MAX	16777216
#define HSMON_SYN_TIMEOUT_MIN	1
#define HSMON_SYN_TIMEOUT_MAX	3600
#define HSMON_EST_TIMEOUT_MIN	1
#define HSMON_EST_TIMEOUT_MAX	(30 * 24 * 3600)
#define HSMON_LINGER_TIMEOUT_MIN	1
#define HSMON_LINGER_TIMEOUT_MAX	3600

/* The module parameters: defaults for every namespace's configuration. */
struct hsmon_config {
	u32 max_flows;		/* flows per namespace */
	u32 syn_timeout;	/* s in SYN_SENT/SYN_RCVD before TIMED_OUT */
	u32 est_timeout;	/* s an ESTABLISHED flow may stay idle */
	u32 linger_timeout;	/* s a finished flow stays visible */
	bool events;		/* send flow-event notifications */
	bool track_midstream;	/* track flows whose SYN was not seen */
};

extern struct hsmon_config hsmon_params;

int hsmon_params_validate(void);

#endif /* _HSMON_PARAMS_H */
