// SPDX-License-Identifier: GPL-2.0
/*
 * The "hsmon" generic netlink family: netlink/hsmon.yaml describes it and
 * include/uapi/linux/hsmon.h documents it. Every operation acts on the
 * caller's namespace; each has its own strict policy, so unknown
 * attributes, wrong lengths and out-of-range values are refused by the core
 * with an extack naming the attribute.
 *
 * Dumps resume from (bucket, entries skipped, fingerprint of the last flow
 * sent: its 5-tuple and the time of its first SYN) kept in cb->ctx. New
 * flows go to the head of a bucket, so on resume the last flow sent is
 * looked for by its fingerprint, and the dump goes on right after it
 * wherever it moved: no flow is sent twice. If it was removed meanwhile
 * (even if its 5-tuple is tracked again), a flow may have been skipped: the
 * dump is then flagged NLM_F_DUMP_INTR (cb->seq changes). Changes elsewhere
 * in the table do not disturb a dump.
 *
 * Notifications are built only while somebody listens, with GFP_ATOMIC
 * (they are sent from the packet path and the GC, under a bucket lock).
 */

#include <linux/build_bug.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <uapi/linux/hsmon.h>

#include "compat.h"
#include "flow.h"
#include "fsm.h"
#include "netlink.h"
#include "params.h"
#include "pernet.h"

#define HSMON_NL_FLOW_SIZE	1024	/* one flow message, generously */

static struct genl_family hsmon_genl_family;
static bool hsmon_nl_live __read_mostly;

enum { HSMON_MCGRP_EVENTS_IDX };

static const struct genl_multicast_group hsmon_mcgrps[] = {
	[HSMON_MCGRP_EVENTS_IDX] = {
		.name = HSMON_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* A flow-get dump's filters, parsed once by .start. */
struct hsmon_filter {
	struct in6_addr addr;
	__be16 port;
	u8 family;
	u8 state;
	u8 direction;
	u8 prefix_len;
	u8 has;
};

#define HSMON_F_STATE	BIT(0)
#define HSMON_F_FAMILY	BIT(1)
#define HSMON_F_DIR	BIT(2)
#define HSMON_F_PORT	BIT(3)
#define HSMON_F_ADDR	BIT(4)

struct hsmon_dump_ctx {
	u32 bucket;		/* where the next flow is looked for */
	u32 skip;		/* entries of that bucket already done */
	u32 last;		/* fingerprint of the last one (skip > 0) */
	u32 seq;		/* changes when the dump may have missed a flow */
	bool unparsed;		/* filters still to parse (no extack in .start) */
	struct hsmon_filter flt;
};

static_assert(sizeof(struct hsmon_dump_ctx) <=
	      sizeof_field(struct netlink_callback, ctx));

/* Not const: 6.1's struct nla_policy points at a mutable one. */
static struct netlink_range_validation hsmon_max_flows_range = {
	.min = HSMON_MAX_FLOWS_MIN, .max = HSMON_MAX_FLOWS_MAX,
};

static struct netlink_range_validation hsmon_syn_timeout_range = {
	.min = HSMON_SYN_TIMEOUT_MIN, .max = HSMON_SYN_TIMEOUT_MAX,
};

static struct netlink_range_validation hsmon_est_timeout_range = {
	.min = HSMON_EST_TIMEOUT_MIN, .max = HSMON_EST_TIMEOUT_MAX,
};

static struct netlink_range_validation hsmon_linger_timeout_range = {
	.min = HSMON_LINGER_TIMEOUT_MIN, .max = HSMON_LINGER_TIMEOUT_MAX,
};

/*
 * Checks the policy cannot express by a type and a range. They run in the
 * core's validation, so their extack reaches the caller on every kernel
 * (6.1 drops the extack of a dump's .start).
 */
static int hsmon_nl_validate_family(const struct nlattr *a,
				    struct netlink_ext_ack *extack)
{
	u8 family = nla_len(a) == 1 ? nla_get_u8(a) : 0;

	if (family != AF_INET && family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, a, "family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	return 0;
}

static int hsmon_nl_validate_addr(const struct nlattr *a,
				  struct netlink_ext_ack *extack)
{
	if (nla_len(a) != sizeof(struct in_addr) &&
	    nla_len(a) != sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "address must be 4 or 16 bytes");
		return -EINVAL;
	}
	return 0;
}

/* FAMILY is a u8 on the wire; 6.1 runs validation functions on binaries only. */
static const struct nla_policy hsmon_flow_get_policy[HSMON_A_FLOW_MAX + 1] = {
	[HSMON_A_FLOW_STATE]	  = NLA_POLICY_RANGE(NLA_U8, HSMON_STATE_SYN_SENT,
						     __HSMON_STATE_MAX - 1),
	[HSMON_A_FLOW_FAMILY]	  = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							   hsmon_nl_validate_family, 1),
	[HSMON_A_FLOW_DIRECTION]  = NLA_POLICY_MAX(NLA_U8, __HSMON_DIR_MAX - 1),
	[HSMON_A_FLOW_PORT]	  = { .type = NLA_U16 },
	[HSMON_A_FLOW_ADDR]	  = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							   hsmon_nl_validate_addr,
							   sizeof(struct in6_addr)),
	[HSMON_A_FLOW_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy hsmon_config_set_policy[HSMON_A_CONFIG_MAX + 1] = {
	[HSMON_A_CONFIG_MAX_FLOWS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hsmon_max_flows_range),
	[HSMON_A_CONFIG_SYN_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hsmon_syn_timeout_range),
	[HSMON_A_CONFIG_EST_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hsmon_est_timeout_range),
	[HSMON_A_CONFIG_LINGER_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hsmon_linger_timeout_range),
	[HSMON_A_CONFIG_EVENTS]	= NLA_POLICY_MAX(NLA_U8, 1),
	[HSMON_A_CONFIG_TRACK_MIDSTREAM] = NLA_POLICY_MAX(NLA_U8, 1),
};

/*
 * Requests that take no attribute: every attribute of their set is
 * NLA_UNSPEC, which strict validation refuses ("Unsupported attribute").
 */
static const struct nla_policy hsmon_stats_get_policy[HSMON_A_STATS_MAX + 1] = {};
static const struct nla_policy hsmon_config_get_policy[HSMON_A_CONFIG_MAX + 1] = {};
static const struct nla_policy hsmon_flush_policy[HSMON_A_FLOW_MAX + 1] = {};

static struct hsmon_net *hsmon_nl_pernet(struct genl_info *info)
{
	return hsmon_pernet(genl_info_net(info));
}

static int hsmon_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct hsmon_net *hn = hsmon_nl_pernet(info);
	struct hsmon_stats *sum;
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;
	int ret = -EMSGSIZE;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!sum || !msg) {
		ret = -ENOMEM;
		goto err;
	}
	hdr = genlmsg_put_reply(msg, info, &hsmon_genl_family, 0,
				HSMON_CMD_STATS_GET);
	if (!hdr)
		goto err;

	hsmon_stats_read(hn->stats, sum);
	for (i = 0; i < hsmon_stat_ndescs; i++)
		if (nla_put_u64_64bit(msg, hsmon_stat_descs[i].attr,
				      sum->count[hsmon_stat_descs[i].id],
				      HSMON_A_STATS_PAD))
			goto err;
	if (nla_put_u32(msg, HSMON_A_STATS_FLOWS, hsmon_flow_count(hn)))
		goto err;
	for (i = 0; i < hsmon_gauge_ndescs; i++)
		if (nla_put_u32(msg, hsmon_gauge_descs[i].attr,
				max_t(s64, 0, sum->in_state[hsmon_gauge_descs[i].state])))
			goto err;
	if (nla_put_u32(msg, HSMON_A_STATS_MAX_FLOWS, READ_ONCE(hn->cfg.max_flows)) ||
	    nla_put_u32(msg, HSMON_A_STATS_ENTRY_SIZE, hsmon_flow_entry_size()))
		goto err;
	for (i = 0; i < HSMON_HIST_MAX; i++)
		if (nla_put(msg, hsmon_hist_descs[i].attr_hist,
			    sizeof(sum->hist[i]), sum->hist[i]) ||
		    nla_put_u64_64bit(msg, hsmon_hist_descs[i].attr_sum,
				      sum->hist_sum[i], HSMON_A_STATS_PAD))
			goto err;

	kfree(sum);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	kfree(sum);
	nlmsg_free(msg);
	return ret;
}

static int hsmon_nl_flow_fill(struct sk_buff *skb, const struct hsmon_flow *f,
			      u32 portid, u32 seq, int flags, u8 cmd, int outcome,
			      struct netlink_callback *cb, u64 now_ns)
{
	int alen = f->family == AF_INET ? sizeof(struct in_addr) :
					  sizeof(struct in6_addr);
	u32 notes = READ_ONCE(f->notes);
	u8 flow_outcome = READ_ONCE(f->outcome);
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &hsmon_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	/* An event reports its outcome; a dumped flow, its own once it has one. */
	if (outcome < 0 && flow_outcome)
		outcome = flow_outcome - 1;
	if ((outcome >= 0 && nla_put_u8(skb, HSMON_A_FLOW_OUTCOME, outcome)) ||
	    nla_put_u8(skb, HSMON_A_FLOW_FAMILY, f->family) ||
	    nla_put(skb, HSMON_A_FLOW_INITIATOR_ADDR, alen, &f->addr[HSMON_ORIG]) ||
	    nla_put(skb, HSMON_A_FLOW_RESPONDER_ADDR, alen, &f->addr[HSMON_REPLY]) ||
	    nla_put_u16(skb, HSMON_A_FLOW_INITIATOR_PORT, ntohs(f->port[HSMON_ORIG])) ||
	    nla_put_u16(skb, HSMON_A_FLOW_RESPONDER_PORT, ntohs(f->port[HSMON_REPLY])) ||
	    nla_put_u8(skb, HSMON_A_FLOW_DIRECTION, f->direction) ||
	    nla_put_u8(skb, HSMON_A_FLOW_STATE, READ_ONCE(f->state)) ||
	    nla_put_u32(skb, HSMON_A_FLOW_ISN_J, READ_ONCE(f->isn_j)) ||
	    ((notes & HSMON_FLOW_HAVE_K) &&
	     nla_put_u32(skb, HSMON_A_FLOW_ISN_K, READ_ONCE(f->isn_k))) ||
	    nla_put_u32(skb, HSMON_A_FLOW_SYN_RTX, READ_ONCE(f->syn_rtx)) ||
	    nla_put_u32(skb, HSMON_A_FLOW_SYNACK_RTX, READ_ONCE(f->synack_rtx)) ||
	    nla_put_u8(skb, HSMON_A_FLOW_ORIG_FLAGS, READ_ONCE(f->seen[HSMON_ORIG])) ||
	    nla_put_u8(skb, HSMON_A_FLOW_REPLY_FLAGS, READ_ONCE(f->seen[HSMON_REPLY])) ||
	    nla_put_u32(skb, HSMON_A_FLOW_NOTES, notes & HSMON_FLOW_NOTES_UAPI) ||
	    nla_put_u64_64bit(skb, HSMON_A_FLOW_AGE_MS,
			      hsmon_flow_age_ms(f, now_ns),
			      HSMON_A_FLOW_PAD) ||
	    ((notes & HSMON_FLOW_HAVE_K) &&
	     nla_put_u32(skb, HSMON_A_FLOW_SYN_SYNACK_US, READ_ONCE(f->us_synack))) ||
	    (hsmon_flow_has_synack_ack(notes) &&
	     nla_put_u32(skb, HSMON_A_FLOW_SYNACK_ACK_US,
			 READ_ONCE(f->us_ack) - READ_ONCE(f->us_synack))) ||
	    ((notes & HSMON_FLOW_HAVE_ACK) &&
	     nla_put_u32(skb, HSMON_A_FLOW_HANDSHAKE_US, READ_ONCE(f->us_ack))) ||
	    ((notes & HSMON_FLOW_BAD_ACK_SEEN) &&
	     (nla_put_u32(skb, HSMON_A_FLOW_ACK_EXPECTED, READ_ONCE(f->ack_expected)) ||
	      nla_put_u32(skb, HSMON_A_FLOW_ACK_SEEN, READ_ONCE(f->ack_seen)))) ||
	    nla_put_string(skb, HSMON_A_FLOW_ZEEK_STATE, hsmon_fsm_zeek(f))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static bool hsmon_filter_match(const struct hsmon_filter *flt,
			       const struct hsmon_flow *f)
{
	if ((flt->has & HSMON_F_STATE) && READ_ONCE(f->state) != flt->state)
		return false;
	if ((flt->has & HSMON_F_FAMILY) && f->family != flt->family)
		return false;
	if ((flt->has & HSMON_F_DIR) && f->direction != flt->direction)
		return false;
	if ((flt->has & HSMON_F_PORT) && f->port[HSMON_ORIG] != flt->port &&
	    f->port[HSMON_REPLY] != flt->port)
		return false;
	/* IPv4 addresses sit in the first 4 bytes: a prefix compare fits both. */
	if ((flt->has & HSMON_F_ADDR) &&
	    (f->family != flt->family ||
	     (!ipv6_prefix_equal(&f->addr[HSMON_ORIG], &flt->addr, flt->prefix_len) &&
	      !ipv6_prefix_equal(&f->addr[HSMON_REPLY], &flt->addr, flt->prefix_len))))
		return false;
	return true;
}

/* The filters of a dump request, their cross-checks reported in extack. */
static int hsmon_filter_parse(struct hsmon_filter *flt, struct nlattr **tb,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *a;

	if (tb[HSMON_A_FLOW_STATE]) {
		flt->state = nla_get_u8(tb[HSMON_A_FLOW_STATE]);
		flt->has |= HSMON_F_STATE;
	}
	if (tb[HSMON_A_FLOW_FAMILY]) {
		flt->family = nla_get_u8(tb[HSMON_A_FLOW_FAMILY]);
		flt->has |= HSMON_F_FAMILY;
	}
	if (tb[HSMON_A_FLOW_DIRECTION]) {
		flt->direction = nla_get_u8(tb[HSMON_A_FLOW_DIRECTION]);
		flt->has |= HSMON_F_DIR;
	}
	if (tb[HSMON_A_FLOW_PORT]) {
		flt->port = htons(nla_get_u16(tb[HSMON_A_FLOW_PORT]));
		flt->has |= HSMON_F_PORT;
	}
	a = tb[HSMON_A_FLOW_ADDR];
	if (a) {
		u8 fam = nla_len(a) == sizeof(struct in_addr) ? AF_INET : AF_INET6;

		if ((flt->has & HSMON_F_FAMILY) && flt->family != fam) {
			NL_SET_ERR_MSG_ATTR(extack, a, "address does not match family");
			return -EINVAL;
		}
		flt->family = fam;
		memcpy(&flt->addr, nla_data(a), nla_len(a));
		flt->prefix_len = nla_len(a) * 8;
		flt->has |= HSMON_F_ADDR;
	}
	a = tb[HSMON_A_FLOW_PREFIX_LEN];
	if (a) {
		if (!(flt->has & HSMON_F_ADDR)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "prefix length without an address");
			return -EINVAL;
		}
		if (nla_get_u8(a) > flt->prefix_len) {
			NL_SET_ERR_MSG_ATTR(extack, a, "prefix length longer than the address");
			return -EINVAL;
		}
		flt->prefix_len = nla_get_u8(a);
	}
	return 0;
}

/*
 * 6.1 gives a dump's .start no extack (6.12 does): there, the cross-checks
 * wait for the first dumpit call, whose error and extack come back in
 * NLMSG_DONE.
 */
static int hsmon_nl_flow_dump_start(struct netlink_callback *cb)
{
	struct hsmon_dump_ctx *ctx = (struct hsmon_dump_ctx *)cb->ctx;

	memset(ctx, 0, sizeof(*ctx));
	ctx->seq = 1;
	if (!cb->extack) {
		ctx->unparsed = true;
		return 0;
	}
	return hsmon_filter_parse(&ctx->flt, hsmon_dump_attrs(cb), cb->extack);
}

/*
 * The 5-tuple and the time of the attempt's first SYN: a flow removed and
 * tracked again on the same 5-tuple (or a new attempt on it) is another
 * flow, whose place in the bucket says nothing of where the dump was.
 */
static u32 hsmon_flow_fingerprint(const struct hsmon_flow *f)
{
	u64 t = READ_ONCE(f->t_syn);

	return jhash_3words((u32)t, (u32)(t >> 32), f->family,
			    jhash2((const u32 *)f->addr, 2 * sizeof(struct in6_addr) / 4,
				   (__force u32)f->port[HSMON_ORIG] << 16 |
				   (__force u32)f->port[HSMON_REPLY]));
}

/*
 * Where in its bucket the dump goes on: after the last flow sent, found by
 * its fingerprint; if it is gone, where it was, and the dump is flagged.
 */
static void hsmon_dump_resync(struct hsmon_dump_ctx *ctx, struct hsmon_table *t)
{
	struct hsmon_flow *f;
	u32 n = 0;

	if (!ctx->skip || ctx->bucket > t->mask)
		return;
	hlist_for_each_entry_rcu(f, &t->buckets[ctx->bucket], node) {
		n++;
		if (hsmon_flow_fingerprint(f) == ctx->last) {
			ctx->skip = n;
			return;
		}
	}
	ctx->seq++;
}

static int hsmon_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct hsmon_dump_ctx *ctx = (struct hsmon_dump_ctx *)cb->ctx;
	struct hsmon_net *hn = hsmon_pernet(sock_net(skb->sk));
	struct hsmon_table *t = &hn->table;
	struct hsmon_flow *f, *sent = NULL;
	u64 now_ns;
	u32 n;
	int err;

	if (ctx->unparsed) {
		ctx->unparsed = false;
		err = hsmon_filter_parse(&ctx->flt, hsmon_dump_attrs(cb), cb->extack);
		if (err)
			return err;
	}

	rcu_read_lock();
	hsmon_dump_resync(ctx, t);
	/* Never 0: genl_dump_check_consistent() ignores a zero sequence. */
	cb->seq = ctx->seq;
	now_ns = ktime_get_ns();	/* one age reference for this part */
	for (; ctx->bucket <= t->mask; ctx->bucket++, ctx->skip = 0, sent = NULL) {
		n = 0;
		hlist_for_each_entry_rcu(f, &t->buckets[ctx->bucket], node) {
			if (n++ < ctx->skip)
				continue;
			if (READ_ONCE(f->state) != HSMON_STATE_NONE &&
			    hsmon_filter_match(&ctx->flt, f) &&
			    hsmon_nl_flow_fill(skb, f, NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI,
					       HSMON_CMD_FLOW_GET, -1, cb, now_ns))
				goto out;	/* full: resume at this flow */
			ctx->skip++;
			sent = f;
		}
	}
out:
	/* Only the last flow passed in this bucket is looked for on resume. */
	if (sent)
		ctx->last = hsmon_flow_fingerprint(sent);
	rcu_read_unlock();
	return skb->len;
}

static int hsmon_nl_config_get(struct sk_buff *skb, struct genl_info *info)
{
	struct hsmon_net *hn = hsmon_nl_pernet(info);
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &hsmon_genl_family, 0,
				HSMON_CMD_CONFIG_GET);
	if (!hdr ||
	    nla_put_u32(msg, HSMON_A_CONFIG_MAX_FLOWS, READ_ONCE(hn->cfg.max_flows)) ||
	    nla_put_u32(msg, HSMON_A_CONFIG_SYN_TIMEOUT, READ_ONCE(hn->cfg.syn_timeout)) ||
	    nla_put_u32(msg, HSMON_A_CONFIG_EST_TIMEOUT, READ_ONCE(hn->cfg.est_timeout)) ||
	    nla_put_u32(msg, HSMON_A_CONFIG_LINGER_TIMEOUT,
			READ_ONCE(hn->cfg.linger_timeout)) ||
	    nla_put_u8(msg, HSMON_A_CONFIG_EVENTS, READ_ONCE(hn->cfg.events)) ||
	    nla_put_u8(msg, HSMON_A_CONFIG_TRACK_MIDSTREAM,
		       READ_ONCE(hn->cfg.track_midstream))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int hsmon_nl_config_set(struct sk_buff *skb, struct genl_info *info)
{
	struct hsmon_net *hn = hsmon_nl_pernet(info);
	struct hsmon_config *cfg = &hn->cfg;
	struct nlattr **tb = info->attrs;
	bool trim = false;

	/* The policy checked every range: nothing below can fail. */
	if (tb[HSMON_A_CONFIG_MAX_FLOWS]) {
		u32 v = nla_get_u32(tb[HSMON_A_CONFIG_MAX_FLOWS]);

		trim = v < READ_ONCE(cfg->max_flows);
		WRITE_ONCE(cfg->max_flows, v);
	}
	if (tb[HSMON_A_CONFIG_SYN_TIMEOUT])
		WRITE_ONCE(cfg->syn_timeout, nla_get_u32(tb[HSMON_A_CONFIG_SYN_TIMEOUT]));
	if (tb[HSMON_A_CONFIG_EST_TIMEOUT])
		WRITE_ONCE(cfg->est_timeout, nla_get_u32(tb[HSMON_A_CONFIG_EST_TIMEOUT]));
	if (tb[HSMON_A_CONFIG_LINGER_TIMEOUT])
		WRITE_ONCE(cfg->linger_timeout,
			   nla_get_u32(tb[HSMON_A_CONFIG_LINGER_TIMEOUT]));
	if (tb[HSMON_A_CONFIG_EVENTS])
		WRITE_ONCE(cfg->events, nla_get_u8(tb[HSMON_A_CONFIG_EVENTS]));
	if (tb[HSMON_A_CONFIG_TRACK_MIDSTREAM])
		WRITE_ONCE(cfg->track_midstream,
			   nla_get_u8(tb[HSMON_A_CONFIG_TRACK_MIDSTREAM]));
	if (trim)
		hsmon_flow_trim(hn);
	return 0;
}

static int hsmon_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	hsmon_flow_flush(hsmon_nl_pernet(info));
	return 0;
}

static const struct genl_ops hsmon_genl_ops[] = {
	{
		.cmd	= HSMON_CMD_STATS_GET,
		.doit	= hsmon_nl_stats_get,
		.policy	= hsmon_stats_get_policy,
		.maxattr = HSMON_A_STATS_MAX,
	},
	{
		.cmd	= HSMON_CMD_FLOW_GET,
		.start	= hsmon_nl_flow_dump_start,
		.dumpit	= hsmon_nl_flow_dump,
		.policy	= hsmon_flow_get_policy,
		.maxattr = HSMON_A_FLOW_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= HSMON_CMD_CONFIG_GET,
		.doit	= hsmon_nl_config_get,
		.policy	= hsmon_config_get_policy,
		.maxattr = HSMON_A_CONFIG_MAX,
	},
	{
		.cmd	= HSMON_CMD_CONFIG_SET,
		.doit	= hsmon_nl_config_set,
		.policy	= hsmon_config_set_policy,
		.maxattr = HSMON_A_CONFIG_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= HSMON_CMD_FLUSH,
		.doit	= hsmon_nl_flush,
		.policy	= hsmon_flush_policy,
		.maxattr = HSMON_A_FLOW_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family hsmon_genl_family __ro_after_init = {
	.name		= HSMON_GENL_NAME,
	.version	= HSMON_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= hsmon_genl_ops,
	.n_ops		= ARRAY_SIZE(hsmon_genl_ops),
	.resv_start_op	= HSMON_CMD_STATS_GET,	/* all ops: strict from the start */
	.mcgrps		= hsmon_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(hsmon_mcgrps),
};

#define HSMON_NL_FLOW_OUTCOME	0xff	/* the flow's own outcome */

/*
 * The outcome each event bit reports, in the order they happen; a bit is
 * skipped when its "unless" bit is set too (an abort is a reset, an
 * unanswered attempt a timeout: one notification each).
 */
static const struct {
	u8 stat;
	u8 outcome;
	u8 unless;
} hsmon_nl_outcomes[] = {
	{ HSMON_STAT_BAD_ACK,	  HSMON_OUTCOME_BAD_ACK,	HSMON_STAT_TIMED_OUT },
	{ HSMON_STAT_ESTABLISHED, HSMON_OUTCOME_ESTABLISHED,	0 },
	{ HSMON_STAT_REFUSED,	  HSMON_OUTCOME_REFUSED,	0 },
	{ HSMON_STAT_ABORTED,	  HSMON_OUTCOME_ABORTED,	0 },
	{ HSMON_STAT_RESET,	  HSMON_OUTCOME_RESET,		HSMON_STAT_ABORTED },
	{ HSMON_STAT_TIMED_OUT,	  HSMON_NL_FLOW_OUTCOME,	0 },
	{ HSMON_STAT_CLOSED,	  HSMON_OUTCOME_CLOSED,		0 },
};

/*
 * Whether anyone listens to the events group (netlink keeps one bitmap of
 * listeners for all namespaces), asked of netlink at most once a jiffy:
 * the answer and the jiffy it was given in, jiffies * 2 + answer. A new
 * listener gets the events of handshakes that end from the next tick on.
 */
unsigned long hsmon_nl_listeners;

static bool hsmon_nl_listening(struct net *net)
{
	unsigned long now = hsmon_nl_tick(), v = READ_ONCE(hsmon_nl_listeners);
	bool yes;

	if ((v & ~1UL) == now)
		return v & 1;
	yes = genl_has_listeners(&hsmon_genl_family, net, HSMON_MCGRP_EVENTS_IDX);
	WRITE_ONCE(hsmon_nl_listeners, now | yes);
	return yes;
}

/* The notifications of one flow's events: hsmon_nl_flow_event()'s work. */
static noinline void hsmon_nl_flow_send(struct hsmon_net *hn,
					const struct hsmon_flow *f, u32 events)
{
	struct net *net = read_pnet(&hn->net);
	struct sk_buff *msg;
	unsigned int i;
	int err;

	/* The last listener may have left since hsmon_nl_listening() looked. */
	if (!genl_has_listeners(&hsmon_genl_family, net, HSMON_MCGRP_EVENTS_IDX))
		return;

	for (i = 0; i < ARRAY_SIZE(hsmon_nl_outcomes); i++) {
		u8 unless = hsmon_nl_outcomes[i].unless;
		int outcome = hsmon_nl_outcomes[i].outcome;

		if (!(events & BIT(hsmon_nl_outcomes[i].stat)) ||
		    (unless && (events & BIT(unless))))
			continue;
		if (outcome == HSMON_NL_FLOW_OUTCOME)
			outcome = f->outcome - 1;
		msg = genlmsg_new(HSMON_NL_FLOW_SIZE, GFP_ATOMIC);
		if (!msg) {
			hsmon_stat_inc(hn->stats, HSMON_STAT_EVENTS_DROPPED);
			continue;
		}
		if (hsmon_nl_flow_fill(msg, f, 0, 0, 0, HSMON_CMD_FLOW_EVENT,
				       outcome, NULL, ktime_get_ns())) {
			nlmsg_free(msg);
			hsmon_stat_inc(hn->stats, HSMON_STAT_EVENTS_DROPPED);
			continue;
		}
		/*
		 * -ESRCH: it reached no listener although one is subscribed
		 * (every listener's buffer was full). A listener that misses
		 * some while others get them learns it by ENOBUFS itself.
		 */
		err = genlmsg_multicast_netns(&hsmon_genl_family, net, msg, 0,
					      HSMON_MCGRP_EVENTS_IDX, GFP_ATOMIC);
		if (err)
			hsmon_stat_inc(hn->stats, HSMON_STAT_EVENTS_DROPPED);
	}
}

/*
 * hsmon_nl_flow_event() (netlink.h), past its look at the cached answer:
 * under rcu_read_lock(), which hsmon_netlink_uninit() waits for (the
 * packet path runs under it anyway).
 */
void __hsmon_nl_flow_event(struct hsmon_net *hn, const struct hsmon_flow *f,
			   u32 events)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "hsmon: event outside RCU");
	if (READ_ONCE(hsmon_nl_live) && hsmon_nl_listening(read_pnet(&hn->net)))
		hsmon_nl_flow_send(hn, f, events);
}

int hsmon_netlink_init(void)
{
	int ret = genl_register_family(&hsmon_genl_family);

	if (ret)
		return ret;
	WRITE_ONCE(hsmon_nl_live, true);
	return 0;
}

void hsmon_netlink_uninit(void)
{
	/* No notification may be on its way once the family is gone. */
	WRITE_ONCE(hsmon_nl_live, false);
	synchronize_rcu();
	genl_unregister_family(&hsmon_genl_family);
}
