/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences between the kernels hsmon supports (6.1 and
 * 6.12), each with the upstream change that made it necessary. module/Kbuild
 * probes the target kernel's headers for them (HSMON_HAVE_*) rather than
 * compare version numbers, which a backport would fool.
 */
#ifndef _HSMON_COMPAT_H
#define _HSMON_COMPAT_H

#include <net/genetlink.h>

/*
 * The parsed attributes of a dump request: struct genl_dumpit_info gained a
 * struct genl_info and genl_info_dump() in v6.4 ("netlink: add
 * genl_info_dump() helper" and the split-ops rework before it).
 */
static inline struct nlattr **hsmon_dump_attrs(struct netlink_callback *cb)
{
#ifdef HSMON_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _HSMON_COMPAT_H */
