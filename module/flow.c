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

#define HSMON_GC_PASSES		8	/* GC passes per shortest timeout ... */
#define HSMON_GC_MIN		HZ	/* ... at most one a second ... */
#define HSMON_GC_MAX		(8 * HZ)	/* ... and at least one in 8 s */
#define HSMON_EVICT_MIN_SCAN	8	/* buckets scanned for a half-open victim */
#define HSMON_EVICT_MAX_SCAN	64	/* ... and for any victim at all */
#define HSMON_EVICT_TRIES	4	/* victims taken by others before we give up */

static struct kmem_cache *hsmon_flow_cache;
struct hsmon_memo __percpu *hsmon_memo __read_mostly;
static atomic64_t hsmon_table_ids = ATOMIC64_INIT(0);

int hsmon_flow_init(void)
{
	/* The lookup's and the established path's fields share a cache line. */
	BUILD_BUG_ON(offsetof(struct hsmon_flow, notes) != 64);
	BUILD_BUG_ON(sizeof(struct hsmon_flow) > 120);
	hsmon_memo = __alloc_percpu(HSMON_MEMO_SLOTS * sizeof(struct hsmon_memo),
				    __alignof__(struct hsmon_memo));
	if (!hsmon_memo)
		return -ENOMEM;
	hsmon_flow_cache = KMEM_CACHE(hsmon_flow, 0);
	if (!hsmon_flow_cache) {
		free_percpu(hsmon_memo);
		return -ENOMEM;
	}
	return 0;
}

void hsmon_flow_uninit(void)
{
	rcu_barrier();		/* every call_rcu() free has run */
	kmem_cache_destroy(hsmon_flow_cache);
	free_percpu(hsmon_memo);
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
	t->id = atomic64_inc_return(&hsmon_table_ids);
	atomic_long_set(&t->removed, 0);
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

/* hsmon_flow_hash() of an IPv6 tuple: 36 bytes, the endpoints in order. */
noinline u32 hsmon_flow_hash_v6(const struct hsmon_table *t,
				const struct hsmon_pkt *p)
{
	u32 sport = (__force u16)p->sport, dport = (__force u16)p->dport;
	struct {
		struct in6_addr addr[2];
		u32 ports;
	} __aligned(HSIPHASH_ALIGNMENT) k;
	const u64 *s = (const u64 *)&p->saddr, *d = (const u64 *)&p->daddr;
	bool swap;

	if (s[0] != d[0])
		swap = s[0] > d[0];
	else if (s[1] != d[1])
		swap = s[1] > d[1];
	else
		swap = sport > dport;
	if (swap) {
		k.addr[0] = p->daddr;
		k.addr[1] = p->saddr;
		k.ports = dport << 16 | sport;
	} else {
		k.addr[0] = p->saddr;
		k.addr[1] = p->daddr;
		k.ports = sport << 16 | dport;
	}
	return hsiphash(&k, offsetofend(typeof(k), ports), &t->key);
}

static void hsmon_flow_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(hsmon_flow_cache, container_of(rcu, struct hsmon_flow, rcu));
}

/*
 * Under the flow's bucket lock. The removal is counted once the flow is
 * out of its chain and before RCU may free it: the memo's guarantee (see
 * struct hsmon_memo).
 */
static void hsmon_flow_remove(struct hsmon_net *hn, struct hsmon_flow *f)
{
	hlist_del_init_rcu(&f->node);
	smp_mb__before_atomic();	/* out of the chain, then counted */
	atomic_long_inc(&hn->table.removed);
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

/*
 * Time between GC passes: an eighth of the shortest timeout, 1 to 8 s. A
 * flow is removed or timed out that late at most (30 s of linger: up to
 * 3.75 s more), and a table full of lingering flows is walked a few times
 * in their life rather than once a second.
 */
static unsigned long hsmon_gc_interval(const struct hsmon_config *cfg)
{
	u32 t = min3(READ_ONCE(cfg->syn_timeout), READ_ONCE(cfg->linger_timeout),
		     READ_ONCE(cfg->est_timeout));

	return clamp_t(unsigned long, (unsigned long)t * HZ / HSMON_GC_PASSES,
		       HSMON_GC_MIN, HSMON_GC_MAX);
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
	if (p->family == AF_INET) {
		ipv6_addr_set(&f->addr[HSMON_ORIG], p->saddr.s6_addr32[0], 0, 0, 0);
		ipv6_addr_set(&f->addr[HSMON_REPLY], p->daddr.s6_addr32[0], 0, 0, 0);
	} else {
		f->addr[HSMON_ORIG] = p->saddr;
		f->addr[HSMON_REPLY] = p->daddr;
	}
	f->port[HSMON_ORIG] = p->sport;
	f->port[HSMON_REPLY] = p->dport;
	f->family = p->family;
	f->direction = p->origin;
	f->state = HSMON_STATE_NONE;
	return f;
}

/*
 * A segment that may change the flow (or create it), under the bucket's
 * lock. f and dir: what the lock-free lookup found, if anything. Returns
 * the flow, in the table when the lock was let go, or NULL.
 */
noinline struct hsmon_flow *hsmon_flow_track_locked(struct hsmon_net *hn,
						    struct hsmon_pkt *p,
						    u32 bucket, struct hsmon_flow *f,
						    int dir)
{
	struct hsmon_table *t = &hn->table;
	spinlock_t *lock = hsmon_bucket_lock(t, bucket);
	struct hsmon_flow *fresh = NULL;
	u32 events, had_k;
	u64 now_ns;
	u8 old;

	if (!f) {
		if (p->seg.class != HSMON_SEG_SYN) {
			hsmon_stat_inc(hn->stats, HSMON_STAT_UNTRACKED);
			/* Zeek's OTH: tracked only when asked, from a plain ACK. */
			if (p->seg.class != HSMON_SEG_ACK ||
			    !READ_ONCE(hn->cfg.track_midstream))
				return NULL;
		}
		fresh = hsmon_flow_alloc(hn, bucket, p);
		if (!fresh)
			return NULL;
	}

	spin_lock(lock);		/* softirqs are off */
	if (fresh) {
		/* Another CPU may have inserted the same flow meanwhile. */
		f = hsmon_flow_find(&t->buckets[bucket], p, &dir);
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
		spin_unlock(lock);		/* evicted or expired meanwhile */
		return NULL;
	}
	old = f->state;
	had_k = f->notes & HSMON_FLOW_HAVE_K;
	now_ns = hsmon_fsm_needs_clock(old, p->seg.class) ? ktime_get_ns() : 0;
	p->seg.seq = ntohl(p->th->seq);
	p->seg.ack = ntohl(p->th->ack_seq);
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
	if ((events & HSMON_NL_OUTCOMES) && READ_ONCE(hn->cfg.events))
		hsmon_nl_flow_event(hn, f, events);
	spin_unlock(lock);

	if (events)
		hsmon_stats_add_events(hn->stats, events);
	if (fresh && !delayed_work_pending(&hn->gc_work))
		queue_delayed_work(system_power_efficient_wq, &hn->gc_work,
				   hsmon_gc_interval(&hn->cfg));
	return f;
}

/*
 * What one GC pass compares flows against, read once per 256 buckets: the
 * clocks, and each state's idle limit in jiffies (0: the handshake's age
 * decides, from t_syn; U32_MAX: never).
 */
struct hsmon_gc_pass {
	u64 now_ns;
	u64 syn_ns;
	u32 now;
	u32 idle_max[__HSMON_STATE_MAX];
};

static void hsmon_gc_pass_read(const struct hsmon_config *cfg,
			       struct hsmon_gc_pass *gp)
{
	u32 est = READ_ONCE(cfg->est_timeout) * HZ;
	u32 linger = READ_ONCE(cfg->linger_timeout) * HZ;
	int s;

	gp->now_ns = ktime_get_ns();
	gp->now = jiffies;
	gp->syn_ns = (u64)READ_ONCE(cfg->syn_timeout) * NSEC_PER_SEC;
	for (s = 0; s < __HSMON_STATE_MAX; s++)
		gp->idle_max[s] = linger;
	gp->idle_max[HSMON_STATE_NONE] = U32_MAX;
	gp->idle_max[HSMON_STATE_SYN_SENT] = 0;
	gp->idle_max[HSMON_STATE_SYN_RCVD] = 0;
	gp->idle_max[HSMON_STATE_ESTABLISHED] = est;
	gp->idle_max[HSMON_STATE_MIDSTREAM] = est;
}

/*
 * Whether the GC has anything to do with this flow: a handshake past
 * syn_timeout, an idle or finished flow past its timeout. Read-only, so
 * that the GC may ask under RCU alone and take a bucket's lock only when
 * some flow in it is due. The packet path stamps flows on other CPUs while
 * the GC walks, so a stamp may be a little later than the GC's "now": such
 * a flow has age 0, not 2^32.
 */
static bool hsmon_flow_gc_due(const struct hsmon_gc_pass *gp,
			      const struct hsmon_flow *f)
{
	u32 max = gp->idle_max[READ_ONCE(f->state)];
	u32 idle;

	if (!max) {			/* SYN_SENT, SYN_RCVD */
		u64 t = READ_ONCE(f->t_syn);

		return gp->now_ns > t && gp->now_ns - t >= gp->syn_ns;
	}
	idle = gp->now - READ_ONCE(f->last_seen);
	if (idle > U32_MAX - 60 * HZ)	/* stamped after "now": not idle */
		return false;
	return idle >= max;
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
	if (READ_ONCE(hn->cfg.events))
		hsmon_nl_flow_event(hn, f, events);	/* the pass holds RCU */
	return false;
}

/* Under rcu_read_lock(). */
static bool hsmon_bucket_gc_due(const struct hsmon_gc_pass *gp,
				struct hlist_head *head)
{
	struct hsmon_flow *f;

	hlist_for_each_entry_rcu(f, head, node) {
		if (hsmon_flow_gc_due(gp, f))
			return true;
	}
	return false;
}

/*
 * One pass over the table, 256 buckets at a time under one RCU read
 * section, the clocks read once for them. A bucket's lock is taken only
 * when one of its flows is due: a full table of lingering flows costs a
 * read of each, not a lock per bucket.
 */
void hsmon_flow_gc(struct hsmon_net *hn)
{
	struct hsmon_table *t = &hn->table;
	struct hsmon_gc_pass gp;
	struct hsmon_flow *f;
	struct hlist_node *tmp;
	struct hlist_head *head;
	spinlock_t *lock;		/* the bucket's, b */
	u32 base, b, end;

	for (base = 0; base <= t->mask; base = end) {
		end = min(base + 256, t->mask + 1);
		hsmon_gc_pass_read(&hn->cfg, &gp);
		rcu_read_lock();
		for (b = base; b < end; b++) {
			head = &t->buckets[b];
			if (hlist_empty(head) || !hsmon_bucket_gc_due(&gp, head))
				continue;
			lock = hsmon_bucket_lock(t, b);
			spin_lock_bh(lock);
			hlist_for_each_entry_safe(f, tmp, head, node) {
				if (hsmon_flow_gc_due(&gp, f) &&
				    hsmon_flow_gc_one(hn, f, gp.now)) {
					hsmon_flow_remove(hn, f);
					hsmon_stat_inc(hn->stats, HSMON_STAT_EXPIRED);
				}
			}
			spin_unlock_bh(lock);
		}
		rcu_read_unlock();
		cond_resched();
	}
	if (atomic_read(&t->count))
		queue_delayed_work(system_power_efficient_wq, &hn->gc_work,
				   hsmon_gc_interval(&hn->cfg));
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

/*
 * The state machine is compiled here, in the flow table's unit, so that the
 * compiler can inline hsmon_fsm_step() in hsmon_flow_track_locked(): one
 * call and its register saves less per handshake segment. It stays a file
 * of its own, pure, with its self-tests (module/fsm.c).
 */
#include "fsm.c"
