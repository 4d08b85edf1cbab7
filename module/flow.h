/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_FLOW_H
#define _HSMON_FLOW_H

#include <linux/in6.h>
#include <linux/math64.h>
#include <linux/time64.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/hsmon.h>

struct hsmon_net;
struct hsmon_pkt;

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
	__be16 port[2];
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
	spinlock_t locks[HSMON_LOCKS];
};

int hsmon_flow_init(void);
void hsmon_flow_uninit(void);
u32 hsmon_flow_entry_size(void);

int hsmon_table_init(struct hsmon_table *t, u32 max_flows);
void hsmon_table_uninit(struct hsmon_table *t);

u32 hsmon_flow_count(struct hsmon_net *hn);
void hsmon_flow_track(struct hsmon_net *hn, const struct hsmon_pkt *pkt);
void hsmon_flow_gc(struct hsmon_net *hn);
void hsmon_flow_trim(struct hsmon_net *hn);
void hsmon_flow_flush(struct hsmon_net *hn);

#endif /* _HSMON_FLOW_H */
