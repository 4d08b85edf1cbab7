/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_FLOW_H
#define _HSMON_FLOW_H

#include <linux/hash.h>
#include <linux/in6.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/time64.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/ipv6.h>
#include <uapi/linux/hsmon.h>

#include "fsm.h"

struct hsmon_net;

enum { HSMON_ORIG, HSMON_REPLY };	/* from initiator / from responder */

/* Internal flags kept in hsmon_flow.notes beside BIT(enum hsmon_note). */
#define HSMON_FLOW_HAVE_K	BIT(31)	/* isn_k holds a validated K */
#define HSMON_FLOW_ORIG_ACKED	BIT(30)	/* simultaneous open: K+1 acked */
#define HSMON_FLOW_REPLY_ACKED	BIT(29)	/* simultaneous open: J+1 acked */
#define HSMON_FLOW_BAD_ACK_SEEN	BIT(28)	/* ack_expected/ack_seen are set */
#define HSMON_FLOW_HAVE_ACK	BIT(27)	/* us_ack holds the completion time */
#define HSMON_FLOW_NOTES_UAPI	(BIT(__HSMON_NOTE_MAX) - 1)

/*
 * One tracked connection. Both directions map to this one entry: index
 * HSMON_ORIG of addr/port is the initiator (who sent the SYN), HSMON_REPLY
 * the responder. IPv4 addresses use s6_addr32[0], the rest being zero.
 * Kept small: it is what a SYN flood multiplies (see entry_size), 120
 * bytes with no padding. The first 64 bytes are all that a lookup and a
 * segment of an established flow touch; the rest is the handshake's
 * record, written under the bucket lock.
 */
struct hsmon_flow {
	struct hlist_node node;		/* in a bucket; NULL pprev once removed */
	struct in6_addr addr[2];
	union {
		__be16 port[2];
		u32 ports;		/* both, as hsmon_pkt.ports */
	};
	u8 family;			/* AF_INET or AF_INET6 */
	u8 state;			/* enum hsmon_state */
	u8 seen[2];			/* TCP flags seen per direction */
	u32 last_seen;			/* jiffies, for idle and linger timeouts */
	u8 direction;			/* enum hsmon_direction */
	u8 outcome;			/* enum hsmon_outcome + 1; 0: none yet */
	u16 syn_len;			/* payload of the SYN (Fast Open) */
	/* 64 bytes: the handshake's record */
	u32 notes;			/* BIT(enum hsmon_note) | HSMON_FLOW_* */
	u16 syn_rtx;
	u16 synack_rtx;
	u32 isn_j;
	u32 isn_k;
	u64 t_syn;			/* ns (ktime_get_ns) of the attempt's first SYN */
	u32 us_synack;			/* us from t_syn to K learned (SYN/ACK) */
	u32 us_ack;			/* us from t_syn to the completing ACK */
	u32 ack_expected;		/* the last bad ack: what was due ... */
	u32 ack_seen;			/* ... and what came */
	struct rcu_head rcu;
};

/*
 * Whether the SYN/ACK -> ACK time of a flow was measured: once it
 * completed, unless by a simultaneous open (whose SYN/ACKs cross).
 */
static inline bool hsmon_flow_has_synack_ack(u32 notes)
{
	return (notes & HSMON_FLOW_HAVE_ACK) &&
	       !(notes & BIT(HSMON_NOTE_SIMULTANEOUS_OPEN));
}

/*
 * Milliseconds since the attempt's first SYN, against a "now" read once per
 * batch of flows shown: a flow tracked after that read has age 0.
 */
static inline u64 hsmon_flow_age_ms(const struct hsmon_flow *f, u64 now_ns)
{
	u64 t = READ_ONCE(f->t_syn);

	return now_ns > t ? div_u64(now_ns - t, NSEC_PER_MSEC) : 0;
}

#define HSMON_LOCKS	128		/* bucket lock stripes per namespace */

struct hsmon_table {
	struct hlist_head *buckets;
	u32 mask;			/* buckets - 1 */
	atomic_t count;
	hsiphash_key_t key;		/* random per namespace */
	u64 id;				/* unique for the module's life, never 0 */
	atomic_long_t removed;		/* flows removed, ever (the memo's check) */
	spinlock_t locks[HSMON_LOCKS];
};

/*
 * The flows a CPU looked up last, per table: a segment's second and later
 * visits (the next segment of the same connection, the same segment in
 * the namespace at the other end of a veth) skip the keyed hash and the
 * chain walk. Direct mapped, HSMON_MEMO_SLOTS per CPU, used with softirqs
 * off only (so that nothing else on the CPU touches it meanwhile).
 *
 * A slot may point to a flow freed since: it is believed only while the
 * table's count of removals is what it was when the flow was found in the
 * table (hsmon_flow_remove() counts before it hands the flow to RCU, so a
 * reader that sees the old count holds RCU over any free of it). A slot
 * taken by another flow costs a miss, never a wrong flow: the tuple is
 * compared as the chain walk does.
 */
#define HSMON_MEMO_BITS		8
#define HSMON_MEMO_SLOTS	BIT(HSMON_MEMO_BITS)

struct hsmon_memo {
	u64 table;			/* hsmon_table.id; 0: empty */
	struct hsmon_flow *flow;
	unsigned long removed;		/* hsmon_table.removed when found */
	u32 bucket;			/* the flow's */
};

extern struct hsmon_memo __percpu *hsmon_memo;	/* HSMON_MEMO_SLOTS per CPU */

/*
 * One parsed TCP segment, as the flow table sees it. An IPv4 address is in
 * s6_addr32[0] alone: the other words are not set (a flow's are 0).
 */
struct hsmon_pkt {
	struct in6_addr saddr;
	struct in6_addr daddr;
	union {
		struct {
			__be16 sport;
			__be16 dport;
		};
		u32 ports;		/* both, for one comparison */
	};
	u8 family;
	u8 origin;		/* enum hsmon_direction, should it open a flow */
	struct hsmon_seg seg;	/* seq and ack: set from th when they matter */
	const struct tcphdr *th;
};

static inline spinlock_t *hsmon_bucket_lock(struct hsmon_table *t, u32 bucket)
{
	return &t->locks[bucket & (HSMON_LOCKS - 1)];
}

u32 hsmon_flow_hash_v6(const struct hsmon_table *t, const struct hsmon_pkt *p);

/*
 * The keyed hash of a 5-tuple, the same for both directions: the endpoints
 * are put in order first. IPv4 takes the kernel's three-word form (12
 * bytes, half the rounds of IPv6's 36).
 */
static __always_inline u32 hsmon_flow_hash(const struct hsmon_table *t,
					   const struct hsmon_pkt *p)
{
	u32 sport = (__force u16)p->sport, dport = (__force u16)p->dport;
	u32 saddr = (__force u32)p->saddr.s6_addr32[0];
	u32 daddr = (__force u32)p->daddr.s6_addr32[0];

	if (p->family != AF_INET)
		return hsmon_flow_hash_v6(t, p);
	if (saddr > daddr || (saddr == daddr && sport > dport))
		return hsiphash_3u32(daddr, saddr, dport << 16 | sport, &t->key);
	return hsiphash_3u32(saddr, daddr, sport << 16 | dport, &t->key);
}

/* f, if p is a segment of f; dir says which side sent it. */
static __always_inline struct hsmon_flow *
hsmon_flow_match(struct hsmon_flow *f, const struct hsmon_pkt *p, int *dir)
{
	if (f->family != p->family)
		return NULL;
	if (p->family == AF_INET) {	/* the rest of each address is 0 */
		__be32 s = p->saddr.s6_addr32[0], d = p->daddr.s6_addr32[0];

		if (f->ports == p->ports && f->addr[HSMON_ORIG].s6_addr32[0] == s &&
		    f->addr[HSMON_REPLY].s6_addr32[0] == d) {
			*dir = HSMON_ORIG;
			return f;
		}
		if (f->ports == ror32(p->ports, 16) &&
		    f->addr[HSMON_ORIG].s6_addr32[0] == d &&
		    f->addr[HSMON_REPLY].s6_addr32[0] == s) {
			*dir = HSMON_REPLY;
			return f;
		}
		return NULL;
	}
	if (f->ports == p->ports &&
	    ipv6_addr_equal(&f->addr[HSMON_ORIG], &p->saddr) &&
	    ipv6_addr_equal(&f->addr[HSMON_REPLY], &p->daddr)) {
		*dir = HSMON_ORIG;
		return f;
	}
	if (f->ports == ror32(p->ports, 16) &&
	    ipv6_addr_equal(&f->addr[HSMON_ORIG], &p->daddr) &&
	    ipv6_addr_equal(&f->addr[HSMON_REPLY], &p->saddr)) {
		*dir = HSMON_REPLY;
		return f;
	}
	return NULL;
}

/* The flow of a segment in one bucket, and which side sent the segment. */
static __always_inline struct hsmon_flow *
hsmon_flow_find(struct hlist_head *head, const struct hsmon_pkt *p, int *dir)
{
	struct hsmon_flow *f;

	hlist_for_each_entry_rcu(f, head, node) {
		if (hsmon_flow_match(f, p, dir))
			return f;
	}
	return NULL;
}

/*
 * This CPU's memo slot for p's tuple in t, the same for both sides: from
 * the ports and the addresses' first words (a slot shared by two tuples
 * costs misses, nothing else).
 */
static __always_inline struct hsmon_memo *
hsmon_memo_slot(const struct hsmon_table *t, const struct hsmon_pkt *p)
{
	u32 x = (__force u32)(p->saddr.s6_addr32[0] ^ p->daddr.s6_addr32[0]) ^
		p->ports ^ ror32(p->ports, 16) ^ (u32)t->id;

	return this_cpu_ptr(hsmon_memo) + hash_32(x, HSMON_MEMO_BITS);
}

/*
 * The packet path's fast case: a segment that moves nothing (of an
 * established flow, mostly; hsmon_fsm_passive()), applied without the lock.
 */
static __always_inline void hsmon_flow_touch(struct hsmon_flow *f, int dir,
					     u8 flags)
{
	u32 now = jiffies;
	u8 seen = READ_ONCE(f->seen[dir]);

	if (READ_ONCE(f->last_seen) != now)
		WRITE_ONCE(f->last_seen, now);
	if ((seen | flags) != seen)
		WRITE_ONCE(f->seen[dir], seen | flags);
}

struct hsmon_flow *hsmon_flow_track_locked(struct hsmon_net *hn,
					   struct hsmon_pkt *p, u32 bucket,
					   struct hsmon_flow *f, int dir);

/*
 * One segment, in hn's table t. Called from the hooks, that is under
 * rcu_read_lock() (the netfilter core holds it around every hook), which
 * the lock-free lookup and the touch of a flow that another CPU may be
 * freeing rely on, and with softirqs off (hsmon_hook() sees to it). Most
 * segments end here, in a lookup and a touch: only those that create or
 * move a flow go on to hsmon_flow_track_locked().
 */
static __always_inline void hsmon_flow_track(struct hsmon_net *hn,
					     struct hsmon_table *t,
					     struct hsmon_pkt *p)
{
	/* Read before the lookup: a removal after it voids the memo slot. */
	unsigned long removed = atomic_long_read_acquire(&t->removed);
	struct hsmon_memo *m = hsmon_memo_slot(t, p);
	struct hsmon_flow *f = NULL;
	int dir = HSMON_ORIG;
	u32 bucket;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "hsmon: flow tracked outside RCU");
	lockdep_assert_in_softirq();
	if (m->table == t->id && m->removed == removed)
		f = hsmon_flow_match(m->flow, p, &dir);
	if (f) {
		if (likely(hsmon_fsm_passive(dir, p->seg.class, READ_ONCE(f->state))))
			hsmon_flow_touch(f, dir, p->seg.flags);
		else
			hsmon_flow_track_locked(hn, p, m->bucket, f, dir);
		return;
	}
	bucket = hsmon_flow_hash(t, p) & t->mask;
	f = hsmon_flow_find(&t->buckets[bucket], p, &dir);
	if (likely(f) && hsmon_fsm_passive(dir, p->seg.class, READ_ONCE(f->state))) {
		hsmon_flow_touch(f, dir, p->seg.flags);
	} else {
		f = hsmon_flow_track_locked(hn, p, bucket, f, dir);
		if (!f)
			return;
	}
	m->table = t->id;
	m->flow = f;
	m->removed = removed;
	m->bucket = bucket;
}

int hsmon_flow_init(void);
void hsmon_flow_uninit(void);
u32 hsmon_flow_entry_size(void);

int hsmon_table_init(struct hsmon_table *t, u32 max_flows);
void hsmon_table_uninit(struct hsmon_table *t);

u32 hsmon_flow_count(struct hsmon_net *hn);
void hsmon_flow_gc(struct hsmon_net *hn);
void hsmon_flow_trim(struct hsmon_net *hn);
void hsmon_flow_flush(struct hsmon_net *hn);

#endif /* _HSMON_FLOW_H */
