/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_PARAMS_H
#define _HSMON_PARAMS_H

#include <linux/types.h>

/* The module parameters: defaults for every namespace's configuration. */
struct hsmon_config {
	u32 max_flows;		/* flows per namespace */
	u32 syn_timeout;	/* s in SYN_SENT/SYN_RCVD before TIMED_OUT */
	u32 est_timeout;	/* s an ESTABLISHED flow may stay idle */
	u32 linger_timeout;	/* s a finished flow stays visible */
};

extern struct hsmon_config hsmon_params;

int hsmon_params_validate(void);

#endif /* _HSMON_PARAMS_H */
