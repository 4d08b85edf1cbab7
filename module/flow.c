// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace flow table.
 *
 * Lookups on the packet path are lock free under RCU. Inserts, removals and
 * state changes take one of HSMON_LOCKS spinlocks striped over the buckets.
 * The hash is hsiphash (the kernel's hash table flavour of SipHash, half
 * the rounds) over the tuple sorted so that both directions of a
 * connection land in one bucket, keyed per namespace at random so that
 * nobody can aim a flood at one chain.
 *
 * The table holds at most max_flows entries: beyond that a new SYN evicts
 * a flow, preferring finished ones, then half-open ones, then the least
 * recently active established one. A garbage collector, queued only while
 * the table is not empty, times handshakes out and removes idle and
 * finished flows, rescheduling itself every few buckets.
 */

#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/ktime.h>
#include <net/ipv6.h>

#include "flow.h"
#include "fsm.h"
#include "hooks.h"
#include "netlink.h"
#include "pernet.h"

#define HSMON_GC_INTERVAL	HZ
#define HSMON_EVICT_MIN_SCAN	8	/* buckets scanned for a half-open victim */
#define HSMON_EVICT_MAX_SCAN	64	/* ... and for any victim at all */
#define HSMON_EVICT_TRIES	4	/* victims taken by others before we give up */

static struct kmem_cache *hsmon_flow_cache;

int hsmon_flow_init(void)
{
	/* The lookup's and the established path's fields share a cache line. */
	BUILD_BUG_ON(offsetof(struct hsmon_flow, notes) != 64);
	BUILD_BUG_ON(sizeof(struct hsmon_flow) > 120);
	hsmon_flow_cache = KMEM_CACHE(hsmon_flow, 0);
	return hsmon_flow_cache ? 0 : -ENOMEM;
}

void hsmon_flow_uninit(void)
{
	rcu_barrier();		/* every call_rcu() free has run */
	kmem_cache_destroy(hsmon_flow_cache);
}

u32 hsmon_flow_entry_size(void)
{
	return kmem_cache_size(hsmon_flow_cache);
}

int hsmon_table_init(struct hsmon_table *t, u32 max_flows)
{
	u32 n = roundup_pow_of_two(max(max_flows / 2, 16U));
	unsigned int i;

	/*
	 * Chains of 2 to 4 flows when the table is full, for at most 4 bytes
	 * of bucket array per flow (the entry itself being 120).
	 */
	if (n > 16 && (u64)n * sizeof(*t->buckets) > 4ULL * max_flows)
		n /= 2;

	t->buckets = kvcalloc(n, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	t->mask = n - 1;
	atomic_set(&t->count, 0);
	get_random_bytes(&t->key, sizeof(t->key));
	for (i = 0; i < HSMON_LOCKS; i++)
		spin_lock_init(&t->locks[i]);
	return 0;
}

/* Only once nothing can reach the table any more: no hook, no reader, no GC. */
void hsmon_table_uninit(struct hsmon_table *t)
{
	struct hsmon_flow *f;
	struct hlist_node *tmp;
	u32 b;

	for (b = 0; b <= t->mask; b++) {
		hlist_for_each_entry_safe(f, tmp, &t->buckets[b], node) {
			hlist_del(&f->node);
			kmem_cache_free(hsmon_flow_cache, f);
		}
		if ((b & 1023) == 1023)
			cond_resched();
	}
	kvfree(t->buckets);
}

static spinlock_t *hsmon_bucket_lock(struct hsmon_table *t, u32 bucket)
{
	return &t->locks[bucket & (HSMON_LOCKS - 1)];
}

static u32 hsmon_flow_hash(const struct hsmon_table *t, const struct hsmon_pkt *p)
{
	struct {
		struct in6_addr addr[2];
		__be16 port[2];
		u32 family;
	} __aligned(HSIPHASH_ALIGNMENT) k;
	int c = memcmp(&p->saddr, &p->daddr, sizeof(p->saddr));

	if (!c)
		c = (__force u16)p->sport - (__force u16)p->dport;
	if (c <= 0) {
		k.addr[0] = p->saddr;
		k.addr[1] = p->daddr;
		k.port[0] = p->sport;
		k.port[1] = p->dport;
	} else {
		k.addr[0] = p->daddr;
		k.addr[1] = p->saddr;
		k.port[0] = p->dport;
		k.port[1] = p->sport;
	}
	k.family = p->family;
	return hsiphash(&k, sizeof(k), &t->key);
}

static struct hsmon_flow *hsmon_flow_find(struct hsmon_table *t, u32 bucket,
					  const struct hsmon_pkt *p, int *dir)
{
	struct hsmon_flow *f;

	hlist_for_each_entry_rcu(f, &t->buckets[bucket], node) {
		if (f->family != p->family)
			continue;
		if (f->port[HSMON_ORIG] == p->sport &&
		    f->port[HSMON_REPLY] == p->dport &&
		    ipv6_addr_equal(&f->addr[HSMON_ORIG], &p->saddr) &&
		    ipv6_addr_equal(&f->addr[HSMON_REPLY], &p->daddr)) {
			*dir = HSMON_ORIG;
			return f;
		}
		if (f->port[HSMON_ORIG] == p->dport &&
		    f->port[HSMON_REPLY] == p->sport &&
		    ipv6_addr_equal(&f->addr[HSMON_ORIG], &p->daddr) &&
		    ipv6_addr_equal(&f->addr[HSMON_REPLY], &p->saddr)) {
			*dir = HSMON_REPLY;
			return f;
		}
	}
	return NULL;
}

static void hsmon_flow_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(hsmon_flow_cache, container_of(rcu, struct hsmon_flow, rcu));
}

/* Under the flow's bucket lock. */
static void hsmon_flow_remove(struct hsmon_net *hn, struct hsmon_flow *f)
{
	hlist_del_init_rcu(&f->node);
	this_cpu_dec(hn->stats->in_state[f->state]);
	atomic_dec(&hn->table.count);
	call_rcu(&f->rcu, hsmon_flow_free_rcu);
}

/* Eviction order: finished flows first, then half-open, then established. */
static int hsmon_evict_rank(u8 state)
{
	switch (state) {
	case HSMON_STATE_ESTABLISHED:
		return 1;
	case HSMON_STATE_NONE:		/* being created */
		return 0;
	case HSMON_STATE_SYN_SENT:
	case HSMON_STATE_SYN_RCVD:
	case HSMON_STATE_MIDSTREAM:	/* no handshake seen: worth less */
		return 2;
	default:
		return 3;
	}
}

/* Make room for one flow. Called under rcu_read_lock(), no lock held. */
static bool hsmon_flow_evict(struct hsmon_net *hn, u32 start)
{
	struct hsmon_table *t = &hn->table;
	u32 scan = min_t(u32, HSMON_EVICT_MAX_SCAN, t->mask + 1);
	struct hsmon_flow *f, *victim = NULL;
	u32 i, b, victim_bucket = 0;
	int rank, best = 0;
	spinlock_t *lock;		/* the victim's bucket's */

	for (i = 0; i < scan; i++) {
		b = (start + i) & t->mask;
		hlist_for_each_entry_rcu(f, &t->buckets[b], node) {
			rank = hsmon_evict_rank(READ_ONCE(f->state));
			if (rank > best ||
			    (rank == best && rank && time_before32(READ_ONCE(f->last_seen),
								   READ_ONCE(victim->last_seen)))) {
				victim = f;
				victim_bucket = b;
				best = rank;
			}
		}
		if (i + 1 >= HSMON_EVICT_MIN_SCAN && best >= 2)
			break;
	}
	if (!victim)
		return false;

	lock = hsmon_bucket_lock(t, victim_bucket);
	spin_lock_bh(lock);
	/* Already gone? Then whoever removed it made the room. */
	if (!hlist_unhashed(&victim->node)) {
		hsmon_flow_remove(hn, victim);
		hsmon_stat_inc(hn->stats, HSMON_STAT_EVICTED);
	}
	spin_unlock_bh(lock);
	return true;
}

/*
 * Bring the count back to max_flows after our increment took it over. Two
 * CPUs may pick the same victim, and only one removes it: the other looks
 * again, so that the table never stays above max_flows.
 */
static bool hsmon_flow_make_room(struct hsmon_net *hn, u32 start)
{
	struct hsmon_table *t = &hn->table;
	int i;

	for (i = 0; i < HSMON_EVICT_TRIES; i++) {
		if (!hsmon_flow_evict(hn, start))
			return false;
		if (atomic_read(&t->count) <= READ_ONCE(hn->cfg.max_flows))
			return true;
	}
	return false;
}

/*
 * The flows the table holds, as shown. The count includes the reservation
 * a CPU takes before it makes room for a new flow, so it may read one over
 * max_flows for as long as that CPU evicts; what is stored never is.
 */
u32 hsmon_flow_count(struct hsmon_net *hn)
{
	return min_t(u32, atomic_read(&hn->table.count), READ_ONCE(hn->cfg.max_flows));
}

/* A new flow for a SYN, not yet in the table; NULL if none can be had. */
static struct hsmon_flow *hsmon_flow_alloc(struct hsmon_net *hn, u32 bucket,
					   const struct hsmon_pkt *p)
{
	struct hsmon_table *t = &hn->table;
	struct hsmon_flow *f;

	if (atomic_inc_return(&t->count) > READ_ONCE(hn->cfg.max_flows) &&
	    !hsmon_flow_make_room(hn, bucket + 1)) {
		atomic_dec(&t->count);
		hsmon_stat_inc(hn->stats, HSMON_STAT_TABLE_FULL);
		return NULL;
	}
	f = kmem_cache_zalloc(hsmon_flow_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!f) {
		atomic_dec(&t->count);
		hsmon_stat_inc(hn->stats, HSMON_STAT_ALLOC_FAILED);
		return NULL;
	}
	f->addr[HSMON_ORIG] = p->saddr;
	f->addr[HSMON_REPLY] = p->daddr;
	f->port[HSMON_ORIG] = p->sport;
	f->port[HSMON_REPLY] = p->dport;
	f->family = p->family;
	f->direction = p->origin;
	f->state = HSMON_STATE_NONE;
	return f;
}

/* The packet path's fast case: a segment of an established flow. */
static void hsmon_flow_touch(struct hsmon_flow *f, int dir, u8 flags)
{
	u32 now = jiffies;

	if (READ_ONCE(f->last_seen) != now)
		WRITE_ONCE(f->last_seen, now);
	if ((READ_ONCE(f->seen[dir]) | flags) != READ_ONCE(f->seen[dir]))
		WRITE_ONCE(f->seen[dir], f->seen[dir] | flags);
}

void hsmon_flow_track(struct hsmon_net *hn, const struct hsmon_pkt *p)
{
	struct hsmon_table *t = &hn->table;
	u32 bucket = hsmon_flow_hash(t, p) & t->mask;
	spinlock_t *lock = hsmon_bucket_lock(t, bucket);
	struct hsmon_flow *f, *fresh = NULL;
	u32 events, had_k;
	u64 now_ns;
	int dir;
	u8 old;

	rcu_read_lock();
	f = hsmon_flow_find(t, bucket, p, &dir);
	if (f && p->seg.class == HSMON_SEG_ACK) {
		u8 state = READ_ONCE(f->state);

		if (state == HSMON_STATE_ESTABLISHED || state == HSMON_STATE_MIDSTREAM) {
			hsmon_flow_touch(f, dir, p->seg.flags);
			goto out;
		}
	}
	if (!f) {
		if (p->seg.class != HSMON_SEG_SYN) {
			hsmon_stat_inc(hn->stats, HSMON_STAT_UNTRACKED);
			/* Zeek's OTH: tracked only when asked, from a plain ACK. */
			if (p->seg.class != HSMON_SEG_ACK ||
			    !READ_ONCE(hn->cfg.track_midstream))
				goto out;
		}
		fresh = hsmon_flow_alloc(hn, bucket, p);
		if (!fresh)
			goto out;
	}

	spin_lock_bh(lock);
	if (fresh) {
		/* Another CPU may have inserted the same flow meanwhile. */
		f = hsmon_flow_find(t, bucket, p, &dir);
		if (f) {
			kmem_cache_free(hsmon_flow_cache, fresh);
			atomic_dec(&t->count);
		} else {
			f = fresh;
			dir = HSMON_ORIG;
			hlist_add_head_rcu(&f->node, &t->buckets[bucket]);
			this_cpu_inc(hn->stats->in_state[HSMON_STATE_NONE]);
		}
	} else if (hlist_unhashed(&f->node)) {
		spin_unlock_bh(lock);		/* evicted or expired meanwhile */
		goto out;
	}
	old = f->state;
	had_k = f->notes & HSMON_FLOW_HAVE_K;
	now_ns = hsmon_fsm_needs_clock(old, p->seg.class) ? ktime_get_ns() : 0;
	if (old == HSMON_STATE_NONE && p->seg.class != HSMON_SEG_SYN)
		events = hsmon_fsm_midstream(f, &p->seg, now_ns);
	else
		events = hsmon_fsm_step(f, &p->seg, dir, now_ns);
	f->last_seen = jiffies;
	hsmon_stat_state(hn->stats, old, f->state);
	if (!had_k && (f->notes & HSMON_FLOW_HAVE_K))
		hsmon_stat_time(hn->stats, HSMON_HIST_SYN_SYNACK, f->us_synack);
	if (events & BIT(HSMON_STAT_ESTABLISHED)) {
		if (hsmon_flow_has_synack_ack(f->notes))
			hsmon_stat_time(hn->stats, HSMON_HIST_SYNACK_ACK,
					f->us_ack - f->us_synack);
		hsmon_stat_time(hn->stats, HSMON_HIST_HANDSHAKE, f->us_ack);
	}
	if (events & HSMON_NL_OUTCOMES)
		hsmon_nl_flow_event(hn, f, events);
	spin_unlock_bh(lock);

	if (events)
		hsmon_stats_add_events(hn->stats, events);
	if (fresh)
		queue_delayed_work(system_power_efficient_wq, &hn->gc_work,
				   HSMON_GC_INTERVAL);
out:
	rcu_read_unlock();
}

/*
 * Whether the GC has anything to do with this flow: a handshake past
 * syn_timeout, an idle or finished flow past its timeout. Read-only, so
 * that the GC may ask under RCU alone and take a bucket's lock only when
 * some flow in it is due. The packet path stamps flows on other CPUs while
 * the GC walks, so a stamp may be a little later than the GC's "now": such
 * a flow has age 0, not 2^32.
 */
static bool hsmon_flow_gc_due(const struct hsmon_config *cfg,
			      const struct hsmon_flow *f, u64 now_ns, u32 now)
{
	u32 idle = now - READ_ONCE(f->last_seen);
	s64 age_ns = max_t(s64, 0, now_ns - READ_ONCE(f->t_syn));

	if (idle > U32_MAX - 60 * HZ)	/* stamped after "now": not idle */
		idle = 0;

	switch (READ_ONCE(f->state)) {
	case HSMON_STATE_NONE:
		return false;
	case HSMON_STATE_SYN_SENT:
	case HSMON_STATE_SYN_RCVD:
		return age_ns >= (s64)READ_ONCE(cfg->syn_timeout) * NSEC_PER_SEC;
	case HSMON_STATE_ESTABLISHED:
	case HSMON_STATE_MIDSTREAM:
		return idle >= (u64)READ_ONCE(cfg->est_timeout) * HZ;
	default:
		return idle >= (u64)READ_ONCE(cfg->linger_timeout) * HZ;
	}
}

/*
 * Under the bucket lock, for a flow that is due: a handshake times out
 * (and stays, finished, for linger_timeout); anything else is removed.
 * Returns whether to remove it.
 */
static bool hsmon_flow_gc_one(struct hsmon_net *hn, struct hsmon_flow *f, u32 now)
{
	u32 events;
	u8 old;

	if (f->state != HSMON_STATE_SYN_SENT && f->state != HSMON_STATE_SYN_RCVD)
		return true;
	old = f->state;
	events = hsmon_fsm_timeout(f);
	hsmon_stat_state(hn->stats, old, f->state);
	hsmon_stats_add_events(hn->stats, events);
	f->last_seen = now;
	hsmon_nl_flow_event(hn, f, events);
	return false;
}

static bool hsmon_bucket_gc_due(struct hsmon_net *hn, struct hlist_head *head,
				u64 now_ns, u32 now)
{
	struct hsmon_flow *f;
	bool due = false;

	rcu_read_lock();
	hlist_for_each_entry_rcu(f, head, node) {
		if (hsmon_flow_gc_due(&hn->cfg, f, now_ns, now)) {
			due = true;
			break;
		}
	}
	rcu_read_unlock();
	return due;
}

/*
 * One pass over the table. The clock is read once per 256 buckets, and a
 * bucket's lock is taken only when one of its flows is due: a full table
 * of lingering flows costs a read of each, not a lock per bucket.
 */
void hsmon_flow_gc(struct hsmon_net *hn)
{
	struct hsmon_table *t = &hn->table;
	struct hsmon_flow *f;
	struct hlist_node *tmp;
	spinlock_t *lock;		/* the bucket's, b */
	u64 now_ns = 0;
	u32 now = 0, b;

	for (b = 0; b <= t->mask; b++) {
		if ((b & 255) == 0) {
			now_ns = ktime_get_ns();
			now = jiffies;
		}
		if (!hlist_empty(&t->buckets[b]) &&
		    hsmon_bucket_gc_due(hn, &t->buckets[b], now_ns, now)) {
			lock = hsmon_bucket_lock(t, b);
			spin_lock_bh(lock);
			hlist_for_each_entry_safe(f, tmp, &t->buckets[b], node) {
				if (hsmon_flow_gc_due(&hn->cfg, f, now_ns, now) &&
				    hsmon_flow_gc_one(hn, f, now)) {
					hsmon_flow_remove(hn, f);
					hsmon_stat_inc(hn->stats, HSMON_STAT_EXPIRED);
				}
			}
			spin_unlock_bh(lock);
		}
		if ((b & 255) == 255)
			cond_resched();
	}
	if (atomic_read(&t->count))
		queue_delayed_work(system_power_efficient_wq, &hn->gc_work,
				   HSMON_GC_INTERVAL);
}

/*
 * Remove flows, least valuable first, until the table holds at most
 * max_flows (after the cap was lowered), or all of them (flush).
 */
static void hsmon_flow_cut(struct hsmon_net *hn, u32 keep, bool evict)
{
	struct hsmon_table *t = &hn->table;
	struct hsmon_flow *f;
	struct hlist_node *tmp;
	spinlock_t *lock;		/* the bucket's, b */
	int rank;
	u32 b;

	for (rank = 3; rank >= 0; rank--) {
		for (b = 0; b <= t->mask; b++) {
			if ((u32)atomic_read(&t->count) <= keep)
				return;
			if (hlist_empty(&t->buckets[b]))
				continue;
			lock = hsmon_bucket_lock(t, b);
			spin_lock_bh(lock);
			hlist_for_each_entry_safe(f, tmp, &t->buckets[b], node) {
				if (hsmon_evict_rank(f->state) != rank ||
				    (u32)atomic_read(&t->count) <= keep)
					continue;
				hsmon_flow_remove(hn, f);
				if (evict)
					hsmon_stat_inc(hn->stats, HSMON_STAT_EVICTED);
			}
			spin_unlock_bh(lock);
			if ((b & 255) == 255)
				cond_resched();
		}
	}
}

void hsmon_flow_trim(struct hsmon_net *hn)
{
	hsmon_flow_cut(hn, READ_ONCE(hn->cfg.max_flows), true);
}

void hsmon_flow_flush(struct hsmon_net *hn)
{
	hsmon_flow_cut(hn, 0, false);
}
