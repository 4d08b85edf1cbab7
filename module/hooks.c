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

/* Parse the TCP header at thoff, l4len bytes of segment: 0 if usable. */
static int hsmon_parse_tcp(struct hsmon_net *hn, const struct sk_buff *skb,
			   unsigned int thoff, unsigned int l4len,
			   struct hsmon_pkt *p)
{
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int doff;

	hsmon_stat_inc(hn->stats, HSMON_STAT_SEGMENTS);
	if (l4len < sizeof(_th))
		goto malformed;
	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th)
		goto malformed;
	doff = th->doff * 4;
	if (doff < sizeof(_th) || doff > l4len)
		goto malformed;

	p->sport = th->source;
	p->dport = th->dest;
	p->seg.seq = ntohl(th->seq);
	p->seg.ack = ntohl(th->ack_seq);
	p->seg.payload = l4len - doff;
	p->seg.flags = tcp_flag_byte(th);
	p->seg.class = hsmon_seg_classify(p->seg.flags);

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

static int hsmon_parse_v4(struct hsmon_net *hn, const struct sk_buff *skb,
			  struct hsmon_pkt *p)
{
	unsigned int nhoff = skb_network_offset(skb), len, tot, ihl;
	struct iphdr _iph;
	const struct iphdr *iph;

	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph) {
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
	if (iph->version != 4 || ihl < sizeof(*iph) || ihl > len) {
		hsmon_stat_inc(hn->stats, HSMON_STAT_MALFORMED);
		return -EINVAL;
	}
	if (iph->frag_off & htons(IP_OFFSET)) {
		hsmon_stat_inc(hn->stats, HSMON_STAT_FRAGMENTS);
		return -EINVAL;
	}

	memset(&p->saddr, 0, sizeof(p->saddr));
	memset(&p->daddr, 0, sizeof(p->daddr));
	p->saddr.s6_addr32[0] = iph->saddr;
	p->daddr.s6_addr32[0] = iph->daddr;
	p->family = AF_INET;
	return hsmon_parse_tcp(hn, skb, nhoff + ihl, len - ihl, p);
}

static int hsmon_parse_v6(struct hsmon_net *hn, const struct sk_buff *skb,
			  struct hsmon_pkt *p)
{
	unsigned int nhoff = skb_network_offset(skb), len, plen;
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h;
	__be16 frag_off;
	u8 nexthdr;
	int thoff;

	ip6h = skb_header_pointer(skb, nhoff, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6) {
		hsmon_stat_inc(hn->stats, HSMON_STAT_MALFORMED);
		return -EINVAL;
	}
	len = skb->len - nhoff;
	plen = ntohs(ip6h->payload_len);	/* 0 for jumbograms */
	if (plen && plen + sizeof(*ip6h) < len)
		len = plen + sizeof(*ip6h);

	nexthdr = ip6h->nexthdr;
	frag_off = 0;
	thoff = ipv6_skip_exthdr(skb, nhoff + sizeof(*ip6h), &nexthdr, &frag_off);
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
	if (nexthdr != IPPROTO_TCP)
		return -ENOENT;
	thoff -= nhoff;

	p->saddr = ip6h->saddr;
	p->daddr = ip6h->daddr;
	p->family = AF_INET6;
	/* A chain past the payload length leaves no room for TCP: malformed. */
	return hsmon_parse_tcp(hn, skb, nhoff + thoff,
			       len > thoff ? len - thoff : 0, p);
}

static unsigned int hsmon_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct hsmon_net *hn = hsmon_pernet(state->net);
	struct hsmon_pkt p;
	int ret;

	switch (state->hook) {
	case NF_INET_LOCAL_IN:
		if (state->in && (state->in->flags & IFF_LOOPBACK))
			return NF_ACCEPT;	/* seen when it left */
		p.origin = HSMON_DIR_INBOUND;
		break;
	case NF_INET_LOCAL_OUT:
		p.origin = state->out && (state->out->flags & IFF_LOOPBACK) ?
			   HSMON_DIR_LOCAL : HSMON_DIR_OUTBOUND;
		break;
	default:
		p.origin = HSMON_DIR_FORWARDED;
		break;
	}

	if (state->pf == NFPROTO_IPV4)
		ret = hsmon_parse_v4(hn, skb, &p);
	else
		ret = hsmon_parse_v6(hn, skb, &p);
	if (!ret)
		hsmon_flow_track(hn, &p);
	return NF_ACCEPT;
}

static const struct nf_hook_ops hsmon_hook_ops[] = {
	{ .hook = hsmon_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN,
	  .priority = HSMON_PRI_IN },
	{ .hook = hsmon_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = HSMON_PRI_OUT },
	{ .hook = hsmon_hook, .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD,
	  .priority = HSMON_PRI_OUT },
	{ .hook = hsmon_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN,
	  .priority = HSMON_PRI_IN },
	{ .hook = hsmon_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = HSMON_PRI_OUT },
	{ .hook = hsmon_hook, .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD,
	  .priority = HSMON_PRI_OUT },
};

int hsmon_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, hsmon_hook_ops, ARRAY_SIZE(hsmon_hook_ops));
}

void hsmon_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, hsmon_hook_ops, ARRAY_SIZE(hsmon_hook_ops));
}
