/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_PROC_H
#define _HSMON_PROC_H

#include <net/net_namespace.h>

int hsmon_proc_init(void);
void hsmon_proc_uninit(void);
int hsmon_proc_net_init(struct net *net);
void hsmon_proc_net_uninit(struct net *net);

#endif /* _HSMON_PROC_H */
