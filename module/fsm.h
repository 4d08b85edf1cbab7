/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSMON_FSM_H
#define _HSMON_FSM_H

#include <linux/types.h>

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

u8 hsmon_seg_classify(u8 tcp_flags);
bool hsmon_fsm_needs_clock(u8 state, u8 class);
bool hsmon_fsm_selftest(void);
u32 hsmon_fsm_step(struct hsmon_flow *f, const struct hsmon_seg *seg,
		   int dir, u64 now_ns);
u32 hsmon_fsm_midstream(struct hsmon_flow *f, const struct hsmon_seg *seg,
			u64 now_ns);
u32 hsmon_fsm_timeout(struct hsmon_flow *f);
const char *hsmon_fsm_zeek(const struct hsmon_flow *f);

#endif /* _HSMON_FSM_H */
