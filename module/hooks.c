// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks: where hsmon sees TCP segments. They only observe: every
 * hook returns NF_ACCEPT, whatever it found.
 *
 * Each segment is seen once per namespace it crosses: entering a local
 * socket (LOCAL_IN), leaving one (LOCAL_OUT), or routed through
 * (FORWARD). A loopback segment passes LOCAL_OUT and then LOCAL_IN: it is
 * counted on the way out only. Inbound hooks run just before the filter
 * table, so a SYN that a local firewall drops is still seen arriving;
 * outbound and forward hooks run after it, so what they see does leave.
 *
 * Packet bytes are read only through skb_header_pointer(), every length
 * checked against the packet first.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "flow.h"
#include "hooks.h"
#include "pernet.h"

#define HSMON_PRI_IN	(NF_IP_PRI_FILTER - 1)
#define HSMON_PRI_OUT	(NF_IP_PRI_SECURITY + 1)

/*
 * Where a segment is parsed to: per CPU, as everything below the hook runs
 * with softirqs off (hsmon_hook()), one segment at a time on a CPU. The
 * copies of headers are used only when a header is not in the linear part
 * of the skb (skb_header_pointer()).
 */
struct hsmon_scratch {
	struct hsmon_pkt pkt;
	union {
		struct iphdr ip;
		struct ipv6hdr ip6;
	} nh;
	struct tcphdr th;
};

static DEFINE_PER_CPU(struct hsmon_scratch, hsmon_scratch);

/*
 * Parse the TCP header at thoff, l4len bytes of segment: 0 if usable.
 * Inlined in both families' parsers: it is on the path of every segment.
 */
static __always_inline int hsmon_parse_tcp(struct hsmon_net *hn,
					   const struct sk_buff *skb,
					   struct hsmon_scratch *sc,
					   unsigned int thoff, unsigned int l4len)
{
	struct hsmon_pkt *p = &sc->pkt;
	const struct tcphdr *th;
	unsigned int doff;
	u8 flags;

	hsmon_stat_inc(hn->stats, HSMON_STAT_SEGMENTS);
	if (unlikely(l4len < sizeof(*th)))
		goto malformed;
	th = skb_header_pointer(skb, thoff, sizeof(*th), &sc->th);
	if (unlikely(!th))
		goto malformed;
	doff = th->doff * 4;
	if (unlikely(doff < sizeof(*th) || doff > l4len))
		goto malformed;

	flags = tcp_flag_byte(th);
	p->sport = th->source;
	p->dport = th->dest;
	p->th = th;		/* seq and ack: read if the segment moves a flow */
	p->seg.payload = l4len - doff;
	p->seg.flags = flags;
	p->seg.class = hsmon_seg_classify(flags);

	switch (p->seg.class) {
	case HSMON_SEG_INVALID:
		hsmon_stat_inc(hn->stats, HSMON_STAT_BAD_FLAGS);
		return -EINVAL;
	case HSMON_SEG_SYN:
		hsmon_stat_inc(hn->stats, HSMON_STAT_SYN);
		break;
	case HSMON_SEG_SYNACK:
		hsmon_stat_inc(hn->stats, HSMON_STAT_SYNACK);
		break;
	}
	return 0;

malformed:
	hsmon_stat_inc(hn->stats, HSMON_STAT_MALFORMED);
	return -EINVAL;
}

static __always_inline int hsmon_parse_v4(struct hsmon_net *hn,
					  const struct sk_buff *skb,
					  struct hsmon_scratch *sc)
{
	unsigned int nhoff = skb_network_offset(skb), len, tot, ihl;
	struct hsmon_pkt *p = &sc->pkt;
	const struct iphdr *iph;

	iph = skb_header_pointer(skb, nhoff, sizeof(*iph), &sc->nh.ip);
	if (unlikely(!iph)) {
		hsmon_stat_inc(hn->stats, HSMON_STAT_MALFORMED);
		return -EINVAL;
	}
	if (iph->protocol != IPPROTO_TCP)
		return -ENOENT;
	/* The IP layer checked most of this already; forwarded paths less. */
	len = skb->len - nhoff;
	tot = ntohs(iph->tot_len);	/* 0 for BIG TCP GSO packets */
	if (tot && tot < len)
		len = tot;
	ihl = iph->ihl * 4;
	if (unlikely(iph->version != 4 || ihl < sizeof(*iph) || ihl > len)) {
		hsmon_stat_inc(hn->stats, HSMON_STAT_MALFORMED);
		return -EINVAL;
	}
	if (unlikely(iph->frag_off & htons(IP_OFFSET))) {
		hsmon_stat_inc(hn->stats, HSMON_STAT_FRAGMENTS);
		return -EINVAL;
	}

	/* An IPv4 address is the first word; the rest is read for IPv6 only. */
	p->saddr.s6_addr32[0] = iph->saddr;
	p->daddr.s6_addr32[0] = iph->daddr;
	p->family = AF_INET;
	return hsmon_parse_tcp(hn, skb, sc, nhoff + ihl, len - ihl);
}

/*
 * An IPv6 header whose next header is not TCP: find TCP behind the
 * extension headers. Returns the TCP header's offset, or why there is
 * none: -ENOENT (no TCP), -EINVAL (malformed, or a later fragment).
 */
static noinline int hsmon_parse_v6_ext(struct hsmon_net *hn,
				       const struct sk_buff *skb,
				       unsigned int nhoff, u8 nexthdr)
{
	__be16 frag_off = 0;
	int thoff;

	thoff = ipv6_skip_exthdr(skb, nhoff + sizeof(struct ipv6hdr), &nexthdr,
				 &frag_off);
	if (thoff < 0) {
		unsigned int off = 0;

		/*
		 * ipv6_skip_exthdr() fails alike on a chain that ends in "No
		 * Next Header" (a valid packet without TCP) and on a truncated
		 * one; ipv6_find_hdr() tells them apart.
		 */
		if (ipv6_find_hdr(skb, &off, -1, NULL, NULL) == NEXTHDR_NONE)
			return -ENOENT;
		hsmon_stat_inc(hn->stats, HSMON_STAT_MALFORMED);
		return -EINVAL;
	}
	if (frag_off & htons(~0x7)) {
		/*
		 * A non-first fragment: the walk stopped at its fragment header
		 * (thoff), whose first byte names the protocol it carries.
		 */
		u8 _nh;
		const u8 *nh = skb_header_pointer(skb, thoff, sizeof(_nh), &_nh);

		if (nh && *nh == IPPROTO_TCP)
			hsmon_stat_inc(hn->stats, HSMON_STAT_FRAGMENTS);
		return -EINVAL;
	}
	return nexthdr == IPPROTO_TCP ? thoff : -ENOENT;
}

static __always_inline int hsmon_parse_v6(struct hsmon_net *hn,
					  const struct sk_buff *skb,
					  struct hsmon_scratch *sc)
{
	unsigned int nhoff = skb_network_offset(skb), len, plen;
	struct hsmon_pkt *p = &sc->pkt;
	const struct ipv6hdr *ip6h;
	int thoff;

	ip6h = skb_header_pointer(skb, nhoff, sizeof(*ip6h), &sc->nh.ip6);
	if (unlikely(!ip6h || ip6h->version != 6)) {
		hsmon_stat_inc(hn->stats, HSMON_STAT_MALFORMED);
		return -EINVAL;
	}
	len = skb->len - nhoff;
	plen = ntohs(ip6h->payload_len);	/* 0 for jumbograms */
	if (plen && plen + sizeof(*ip6h) < len)
		len = plen + sizeof(*ip6h);

	if (likely(ip6h->nexthdr == IPPROTO_TCP)) {	/* no extension header */
		thoff = nhoff + sizeof(*ip6h);
	} else {
		thoff = hsmon_parse_v6_ext(hn, skb, nhoff, ip6h->nexthdr);
		if (thoff < 0)
			return thoff;
	}
	thoff -= nhoff;

	p->saddr = ip6h->saddr;
	p->daddr = ip6h->daddr;
	p->family = AF_INET6;
	/* A chain past the payload length leaves no room for TCP: malformed. */
	return hsmon_parse_tcp(hn, skb, sc, nhoff + thoff,
			       len > thoff ? len - thoff : 0);
}

/*
 * One segment, softirqs off (the scratch and hsmon_flow_track() want that).
 * pf and hooknum are constants in each hook below: the compiler keeps only
 * the family's parser and the hook's idea of direction.
 */
static __always_inline void hsmon_segment(struct hsmon_net *hn,
					  struct sk_buff *skb,
					  const struct nf_hook_state *state,
					  u8 pf, unsigned int hooknum)
{
	struct hsmon_scratch *sc = this_cpu_ptr(&hsmon_scratch);
	int ret;

	switch (hooknum) {
	case NF_INET_LOCAL_IN:
		if (state->in && (state->in->flags & IFF_LOOPBACK))
			return;		/* seen when it left */
		sc->pkt.origin = HSMON_DIR_INBOUND;
		break;
	case NF_INET_LOCAL_OUT:
		sc->pkt.origin = state->out && (state->out->flags & IFF_LOOPBACK) ?
				 HSMON_DIR_LOCAL : HSMON_DIR_OUTBOUND;
		break;
	default:
		sc->pkt.origin = HSMON_DIR_FORWARDED;
		break;
	}

	if (pf == NFPROTO_IPV4)
		ret = hsmon_parse_v4(hn, skb, sc);
	else
		ret = hsmon_parse_v6(hn, skb, sc);
	if (!ret)
		hsmon_flow_track(hn, &hn->table, &sc->pkt);
}

/*
 * priv is the namespace's struct hsmon_net: each namespace registers its
 * own copy of the ops (hsmon_hooks_register()), so that the packet path
 * finds its table without a net_generic() lookup. Inbound and forwarded
 * segments come in softirq context; a segment sent from process context
 * (LOCAL_OUT from a system call) is handled with softirqs off too, so that
 * everything below runs in one context, one segment at a time per CPU:
 * the per-CPU scratch and flow memo are the CPU's alone, and the bucket
 * locks need no _bh.
 */
static __always_inline unsigned int hsmon_hook(void *priv, struct sk_buff *skb,
					       const struct nf_hook_state *state,
					       u8 pf, unsigned int hooknum)
{
	if (likely(in_softirq())) {
		hsmon_segment(priv, skb, state, pf, hooknum);
	} else {
		local_bh_disable();
		hsmon_segment(priv, skb, state, pf, hooknum);
		local_bh_enable();
	}
	return NF_ACCEPT;
}

/* One hook function per family and hook: hsmon_hook_ipv4_in() and so on. */
#define HSMON_HOOK(name, pf, hooknum)						\
static unsigned int hsmon_hook_##name(void *priv, struct sk_buff *skb,		\
				      const struct nf_hook_state *state)	\
{										\
	return hsmon_hook(priv, skb, state, pf, hooknum);			\
}

HSMON_HOOK(ipv4_in, NFPROTO_IPV4, NF_INET_LOCAL_IN)
HSMON_HOOK(ipv4_out, NFPROTO_IPV4, NF_INET_LOCAL_OUT)
HSMON_HOOK(ipv4_fwd, NFPROTO_IPV4, NF_INET_FORWARD)
HSMON_HOOK(ipv6_in, NFPROTO_IPV6, NF_INET_LOCAL_IN)
HSMON_HOOK(ipv6_out, NFPROTO_IPV6, NF_INET_LOCAL_OUT)
HSMON_HOOK(ipv6_fwd, NFPROTO_IPV6, NF_INET_FORWARD)
#undef HSMON_HOOK

static const struct nf_hook_ops hsmon_hook_ops[HSMON_NHOOKS] = {
	{ .hook = hsmon_hook_ipv4_in, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_LOCAL_IN, .priority = HSMON_PRI_IN },
	{ .hook = hsmon_hook_ipv4_out, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_LOCAL_OUT, .priority = HSMON_PRI_OUT },
	{ .hook = hsmon_hook_ipv4_fwd, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_FORWARD, .priority = HSMON_PRI_OUT },
	{ .hook = hsmon_hook_ipv6_in, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_LOCAL_IN, .priority = HSMON_PRI_IN },
	{ .hook = hsmon_hook_ipv6_out, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_LOCAL_OUT, .priority = HSMON_PRI_OUT },
	{ .hook = hsmon_hook_ipv6_fwd, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_FORWARD, .priority = HSMON_PRI_OUT },
};

int hsmon_hooks_register(struct net *net)
{
	struct hsmon_net *hn = hsmon_pernet(net);
	unsigned int i;

	for (i = 0; i < HSMON_NHOOKS; i++) {
		hn->hook_ops[i] = hsmon_hook_ops[i];
		hn->hook_ops[i].priv = hn;
	}
	return nf_register_net_hooks(net, hn->hook_ops, HSMON_NHOOKS);
}

void hsmon_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, hsmon_pernet(net)->hook_ops, HSMON_NHOOKS);
}
