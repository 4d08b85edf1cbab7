/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_HOOKS_H
#define _HSMON_HOOKS_H

#include <net/net_namespace.h>

#define HSMON_NHOOKS	6	/* LOCAL_IN, LOCAL_OUT, FORWARD; IPv4 and IPv6 */

int hsmon_hooks_register(struct net *net);
void hsmon_hooks_unregister(struct net *net);

#endif /* _HSMON_HOOKS_H */
