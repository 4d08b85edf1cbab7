/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_FSM_H
#define _HSMON_FSM_H

#include <linux/bits.h>
#include <linux/types.h>
#include <net/tcp.h>
#include <uapi/linux/hsmon.h>

struct hsmon_flow;

/* Segment classes, the column index of the state machine's table. */
enum hsmon_seg_class {
	HSMON_SEG_INVALID,	/* a flag combination TCP never sends */
	HSMON_SEG_SYN,
	HSMON_SEG_SYNACK,
	HSMON_SEG_ACK,
	HSMON_SEG_FIN,		/* FIN|ACK */
	HSMON_SEG_RST,
	HSMON_SEG_MAX
};

/* What the state machine needs to know of one segment. */
struct hsmon_seg {
	u32 seq;
	u32 ack;
	u32 payload;		/* bytes of TCP payload */
	u8 flags;		/* TCP flag byte */
	u8 class;		/* enum hsmon_seg_class */
};

/*
 * The states in which a segment of a class from one side changes nothing
 * but the flags seen and the idle stamp (its cells are A_NOP; for a FIN,
 * its ACK part's cell too): the packet path applies those without the
 * flow's lock. Bit s of [dir][class] stands for state s; NONE (a flow
 * being created) is never in it. Filled by hsmon_fsm_init().
 */
extern u16 hsmon_fsm_passive_mask[2][HSMON_SEG_MAX];

static inline bool hsmon_fsm_passive(int dir, u8 class, u8 state)
{
	return hsmon_fsm_passive_mask[dir][class] & BIT(state);
}

extern const u8 hsmon_seg_classes[16];

/* ACK, RST, SYN, FIN as 4 bits (TCP's bits 4, 2, 1, 0). */
static inline unsigned int hsmon_seg_index(u8 tcp_flags)
{
	return (tcp_flags & (TCPHDR_RST | TCPHDR_SYN | TCPHDR_FIN)) |
	       ((tcp_flags & TCPHDR_ACK) >> 1);
}

/* enum hsmon_seg_class of a TCP flag byte. */
static inline u8 hsmon_seg_classify(u8 tcp_flags)
{
	return hsmon_seg_classes[hsmon_seg_index(tcp_flags)];
}

void hsmon_fsm_init(void);

/*
 * Whether applying a segment of this class to a flow in this state may
 * stamp a time (t_syn, us_synack, us_ack): only then does the caller read
 * the clock, once per segment at most.
 */
static inline bool hsmon_fsm_needs_clock(u8 state, u8 class)
{
	switch (class) {
	case HSMON_SEG_SYN:
	case HSMON_SEG_SYNACK:
		return true;
	case HSMON_SEG_ACK:
	case HSMON_SEG_FIN:	/* its ACK part may complete the handshake */
		return state == HSMON_STATE_SYN_RCVD || state == HSMON_STATE_NONE;
	default:
		return state == HSMON_STATE_NONE;
	}
}

bool hsmon_fsm_selftest(void);
u32 hsmon_fsm_step(struct hsmon_flow *f, const struct hsmon_seg *seg,
		   int dir, u64 now_ns);
u32 hsmon_fsm_midstream(struct hsmon_flow *f, const struct hsmon_seg *seg,
			u64 now_ns);
u32 hsmon_fsm_timeout(struct hsmon_flow *f);
const char *hsmon_fsm_zeek(const struct hsmon_flow *f);

#endif /* _HSMON_FSM_H */
