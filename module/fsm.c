// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake state machine: pure, table driven, testable without a
 * packet. hsmon_fsm_step() applies one segment to one flow and returns the
 * events it caused as a mask of BIT(enum hsmon_stat). The caller holds the
 * flow's lock.
 *
 * The table is indexed like conntrack's tcp_conntracks[dir][class][state]:
 * each cell names the state to move to and the check that guards the move.
 * The checks are the reference article's: the SYN/ACK must ack J+1, the
 * final ACK must ack K+1; a failed check leaves the state alone and notes
 * bad_ack.
 */

#include <linux/kernel.h>
#include <net/tcp.h>
#include <uapi/linux/hsmon.h>

#include "flow.h"
#include "fsm.h"
#include "stats.h"

enum hsmon_action {
	A_NOP,		/* nothing changes */
	A_GO,		/* move to the cell's state */
	A_SYN,		/* initiator's SYN: new attempt, retransmission or reuse */
	A_SYNACK,	/* responder's SYN/ACK: must ack J+1; records K */
	A_ACK,		/* initiator's ACK in SYN_RCVD: must ack K+1 */
	A_REFUSE,	/* responder's RST to the SYN: must ack J+1 if it acks */
	A_ABORT,		/* initiator's RST before any reply */
	A_SIMSYN,	/* responder's SYN while ours is unanswered */
	A_SIMACK,	/* a simultaneous open's SYN/ACK or ACK */
};

struct hsmon_fsm_cell {
	u8 next;
	u8 action;
};

#define S_NO HSMON_STATE_NONE
#define S_SS HSMON_STATE_SYN_SENT
#define S_SR HSMON_STATE_SYN_RCVD
#define S_ES HSMON_STATE_ESTABLISHED
#define S_CL HSMON_STATE_CLOSED
#define S_RF HSMON_STATE_REFUSED
#define S_RS HSMON_STATE_RESET
#define S_TO HSMON_STATE_TIMED_OUT
#define S_MS HSMON_STATE_MIDSTREAM

#define C(s, a) { .next = (s), .action = (a) }
#define NOP(s) C(s, A_NOP)

static const struct hsmon_fsm_cell
hsmon_fsm[2][HSMON_SEG_MAX][__HSMON_STATE_MAX] = {
	[HSMON_ORIG] = {
/* columns: S_NO S_SS S_SR S_ES S_CL S_RF S_RS S_TO S_MS */
		[HSMON_SEG_INVALID] = {
/* never sent by TCP: counted as bad_flags by the caller; all A_NOP */
	},
		[HSMON_SEG_SYN] = {
/*
 * S_NO -> S_SS	the article's step 1: SYN with seq J, J recorded
 * S_SS -> S_SS	same J: retransmitted SYN; other J: new attempt (port reuse)
 * S_SR -> S_SR	same J: the initiator never got our SYN/ACK; other J: reuse
 * S_ES -> S_ES	same J: late duplicate; other J: a new connection, reuse
 * S_CL..S_MS	same J: retransmission; other J: a new attempt on the 5-tuple
 */
	C(S_SS, A_SYN), C(S_SS, A_SYN), C(S_SS, A_SYN), C(S_SS, A_SYN), C(S_SS, A_SYN),
	C(S_SS, A_SYN), C(S_SS, A_SYN), C(S_SS, A_SYN), C(S_SS, A_SYN) },
		[HSMON_SEG_SYNACK] = {
/*
 * S_SR -> S_ES	a simultaneous open: the initiator's SYN/ACK acks K+1
 *		(A_SIMACK does nothing outside a simultaneous open)
 */
	NOP(S_NO), NOP(S_SS), C(S_ES, A_SIMACK), NOP(S_ES), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), NOP(S_MS) },
		[HSMON_SEG_ACK] = {
/*
 * S_SR -> S_ES	the article's step 3: ack == K+1 completes the handshake;
 *		any other ack is a bad ack and the state stays
 * elsewhere	an ACK does not move a handshake
 */
	NOP(S_NO), NOP(S_SS), C(S_ES, A_ACK), NOP(S_ES), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), NOP(S_MS) },
		[HSMON_SEG_FIN] = {
/*
 * S_ES -> S_CL	orderly close of an established flow
 * S_MS -> S_CL	... or of one picked up midstream
 * S_SR		its ACK part was applied first (it may complete the
 *		handshake); a FIN before completion does not move it
 */
	NOP(S_NO), NOP(S_SS), NOP(S_SR), C(S_CL, A_GO), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), C(S_CL, A_GO) },
		[HSMON_SEG_RST] = {
/*
 * S_SS -> S_RS	the initiator aborted before any answer (Zeek's RSTOS0)
 * S_SR -> S_RS	the initiator reset the handshake after the SYN/ACK
 * S_ES -> S_CL	an established flow ended by RST
 * S_MS -> S_CL	... or one picked up midstream
 */
	NOP(S_NO), C(S_RS, A_ABORT), C(S_RS, A_GO), C(S_CL, A_GO), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), C(S_CL, A_GO) },
	},
	[HSMON_REPLY] = {
/* columns: S_NO S_SS S_SR S_ES S_CL S_RF S_RS S_TO S_MS */
		[HSMON_SEG_INVALID] = {
	},
		[HSMON_SEG_SYN] = {
/*
 * S_SS -> S_SR	simultaneous open (RFC 9293 3.5): the responder's own SYN
 *		crossed ours; its seq is K
 */
	NOP(S_NO), C(S_SR, A_SIMSYN), NOP(S_SR), NOP(S_ES), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), NOP(S_MS) },
		[HSMON_SEG_SYNACK] = {
/*
 * S_SS -> S_SR	the article's step 2: ack == J+1 (or J+1+data when the SYN's
 *		Fast Open data is acked too), seq K recorded; any other ack
 *		is a bad ack and the state stays
 * S_SR, S_ES	same K and ack J+1: retransmitted SYN/ACK (our ACK was
 *		lost, or not yet seen); a wrong ack is a bad ack
 * S_SR -> S_ES	in a simultaneous open: the responder's SYN/ACK acks J+1
 * finished	ignored
 */
	NOP(S_NO), C(S_SR, A_SYNACK), C(S_ES, A_SYNACK), C(S_ES, A_SYNACK), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), NOP(S_MS) },
		[HSMON_SEG_ACK] = {
/*
 * S_SR -> S_ES	a simultaneous open: the responder's ACK acks J+1
 * elsewhere	the responder's ACKs never move a handshake
 */
	NOP(S_NO), NOP(S_SS), C(S_ES, A_SIMACK), NOP(S_ES), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), NOP(S_MS) },
		[HSMON_SEG_FIN] = {
/* S_ES, S_MS -> S_CL: orderly close */
	NOP(S_NO), NOP(S_SS), NOP(S_SR), C(S_CL, A_GO), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), C(S_CL, A_GO) },
		[HSMON_SEG_RST] = {
/*
 * S_SS -> S_RF	RST|ACK acking the SYN: the port is closed (refused); a RST
 *		that does not ack the SYN is dropped by the initiator, ignored
 * S_SR -> S_RS	the responder reset after its SYN/ACK
 * S_ES, S_MS -> S_CL	a flow ended by RST
 */
	NOP(S_NO), C(S_RF, A_REFUSE), C(S_RS, A_GO), C(S_CL, A_GO), NOP(S_CL),
	NOP(S_RF), NOP(S_RS), NOP(S_TO), C(S_CL, A_GO) },
	},
};

/* What entering a state means: the counter bumped and the flow's outcome. */
static const struct {
	u8 stat;		/* 0: none */
	u8 outcome;		/* enum hsmon_outcome + 1; 0: keep the flow's */
} hsmon_state_entry[__HSMON_STATE_MAX] = {
	[HSMON_STATE_ESTABLISHED] = { HSMON_STAT_ESTABLISHED, HSMON_OUTCOME_ESTABLISHED + 1 },
	[HSMON_STATE_CLOSED]	  = { HSMON_STAT_CLOSED, 0 },
	[HSMON_STATE_REFUSED]	  = { HSMON_STAT_REFUSED, HSMON_OUTCOME_REFUSED + 1 },
	[HSMON_STATE_RESET]	  = { HSMON_STAT_RESET, HSMON_OUTCOME_RESET + 1 },
};

u16 hsmon_fsm_passive_mask[2][HSMON_SEG_MAX] __read_mostly;

void hsmon_fsm_init(void)
{
	int dir, class, state;

	for (dir = 0; dir < 2; dir++) {
		for (class = HSMON_SEG_SYN; class < HSMON_SEG_MAX; class++) {
			u16 mask = 0;

			for (state = HSMON_STATE_NONE + 1; state < __HSMON_STATE_MAX; state++) {
				if (hsmon_fsm[dir][class][state].action != A_NOP)
					continue;
				if (class == HSMON_SEG_FIN &&
				    hsmon_fsm[dir][HSMON_SEG_ACK][state].action != A_NOP)
					continue;
				mask |= BIT(state);
			}
			hsmon_fsm_passive_mask[dir][class] = mask;
		}
	}
}

/*
 * The class of each combination of SYN, ACK, FIN and RST, indexed by
 * hsmon_seg_index(): the other flags (PSH, URG, ECE, CWR) do not matter.
 */
#define I(a, r, s, f) (((a) << 3) | ((r) << 2) | ((s) << 1) | (f))
const u8 hsmon_seg_classes[16] = {
	[I(0, 0, 1, 0)] = HSMON_SEG_SYN,
	[I(1, 0, 1, 0)] = HSMON_SEG_SYNACK,
	[I(1, 0, 0, 0)] = HSMON_SEG_ACK,
	[I(1, 0, 0, 1)] = HSMON_SEG_FIN,
	[I(0, 1, 0, 0)] = HSMON_SEG_RST,
	[I(1, 1, 0, 0)] = HSMON_SEG_RST,
	/* the rest: FIN without ACK, SYN with FIN or RST, RST with FIN, none */
};

#undef I

static u32 hsmon_us_since(const struct hsmon_flow *f, u64 now_ns)
{
	u64 us = div_u64(now_ns - f->t_syn, NSEC_PER_USEC);

	return min_t(u64, us, U32_MAX);
}

static u32 hsmon_fsm_bad_ack(struct hsmon_flow *f, u32 expected, u32 seen)
{
	f->notes |= BIT(HSMON_NOTE_BAD_ACK) | HSMON_FLOW_BAD_ACK_SEEN;
	f->ack_expected = expected;
	f->ack_seen = seen;
	return BIT(HSMON_STAT_BAD_ACK);
}

/* A SYN with a new J: the flow starts over, keeping only its 5-tuple. */
static u32 hsmon_fsm_attempt(struct hsmon_flow *f, const struct hsmon_seg *seg,
			     u64 now_ns)
{
	u32 events = 0;

	if (f->state != HSMON_STATE_NONE) {
		f->notes = BIT(HSMON_NOTE_PORT_REUSE);
		events |= BIT(HSMON_STAT_PORT_REUSE);
	} else {
		f->notes = 0;
	}
	f->state = HSMON_STATE_SYN_SENT;
	f->outcome = 0;
	f->isn_j = seg->seq;
	f->isn_k = 0;
	f->syn_rtx = 0;
	f->synack_rtx = 0;
	f->seen[HSMON_ORIG] = seg->flags;
	f->seen[HSMON_REPLY] = 0;
	f->t_syn = now_ns;
	f->us_synack = 0;
	f->us_ack = 0;
	f->syn_len = min_t(u32, seg->payload, U16_MAX);
	if (seg->payload) {
		f->notes |= BIT(HSMON_NOTE_SYN_DATA);
		events |= BIT(HSMON_STAT_SYN_DATA);
	}
	return events;
}

/* K learned: from the SYN/ACK, or from the responder's SYN. */
static void hsmon_fsm_learn_k(struct hsmon_flow *f, u32 k, u64 now_ns)
{
	f->isn_k = k;
	f->notes |= HSMON_FLOW_HAVE_K;
	f->us_synack = hsmon_us_since(f, now_ns);
}

/*
 * A simultaneous open is established once each side's SYN was acked: the
 * initiator's by ack J+1 from the responder, the responder's by ack K+1.
 * Returns the events: ACK_COMPLETE among them when it is complete (the
 * caller then moves the state), otherwise the state is left alone.
 */
static noinline u32 hsmon_fsm_simack(struct hsmon_flow *f,
				     const struct hsmon_seg *seg, int dir,
				     u64 now_ns)
{
	u32 expected = dir == HSMON_ORIG ? f->isn_k + 1 : f->isn_j + 1;

	if (seg->ack != expected)
		return hsmon_fsm_bad_ack(f, expected, seg->ack);
	f->notes |= dir == HSMON_ORIG ? HSMON_FLOW_ORIG_ACKED : HSMON_FLOW_REPLY_ACKED;
	if ((f->notes & (HSMON_FLOW_ORIG_ACKED | HSMON_FLOW_REPLY_ACKED)) !=
	    (HSMON_FLOW_ORIG_ACKED | HSMON_FLOW_REPLY_ACKED))
		return 0;
	f->us_ack = hsmon_us_since(f, now_ns);
	f->notes |= HSMON_FLOW_HAVE_ACK;
	return BIT(HSMON_STAT_ACK_COMPLETE);
}

static __always_inline u32 hsmon_fsm_apply(struct hsmon_flow *f,
					   const struct hsmon_seg *seg,
					   int dir, u8 class, u64 now_ns)
{
	const struct hsmon_fsm_cell *cell = &hsmon_fsm[dir][class][f->state];
	bool simopen = f->notes & BIT(HSMON_NOTE_SIMULTANEOUS_OPEN);
	u32 events = 0, j1 = f->isn_j + 1;
	u8 next = cell->next;

	switch (cell->action) {
	case A_NOP:
		return 0;
	case A_GO:
		break;
	case A_SYN:
		if (f->state != HSMON_STATE_NONE && seg->seq == f->isn_j) {
			if (f->syn_rtx < U16_MAX)
				f->syn_rtx++;
			return BIT(HSMON_STAT_SYN_RETRANS);
		}
		return hsmon_fsm_attempt(f, seg, now_ns);
	case A_SIMSYN:
		hsmon_fsm_learn_k(f, seg->seq, now_ns);
		f->notes |= BIT(HSMON_NOTE_SIMULTANEOUS_OPEN);
		events |= BIT(HSMON_STAT_SIMULTANEOUS_OPEN);
		break;
	case A_SIMACK:
		if (!simopen)
			return 0;
		events = hsmon_fsm_simack(f, seg, dir, now_ns);
		if (!(events & BIT(HSMON_STAT_ACK_COMPLETE)))
			return events;
		break;
	case A_SYNACK:
		if (simopen && f->state == HSMON_STATE_SYN_RCVD) {
			events = hsmon_fsm_simack(f, seg, dir, now_ns);
			if (!(events & BIT(HSMON_STAT_ACK_COMPLETE)))
				return events;
			break;
		}
		if (seg->ack != j1 && !(f->syn_len && seg->ack == j1 + f->syn_len))
			return hsmon_fsm_bad_ack(f, j1, seg->ack);
		if (f->state != HSMON_STATE_SYN_SENT) {
			/* A SYN/ACK with another K: the responder restarted. */
			if (seg->seq != f->isn_k)
				return 0;
			if (f->synack_rtx < U16_MAX)
				f->synack_rtx++;
			return BIT(HSMON_STAT_SYNACK_RETRANS);
		}
		hsmon_fsm_learn_k(f, seg->seq, now_ns);
		if (f->syn_len && seg->ack == j1 + f->syn_len) {
			f->notes |= BIT(HSMON_NOTE_SYN_DATA_ACKED);
			events |= BIT(HSMON_STAT_SYN_DATA_ACKED);
		}
		if (seg->payload) {
			f->notes |= BIT(HSMON_NOTE_SYNACK_DATA);
			events |= BIT(HSMON_STAT_SYNACK_DATA);
		}
		next = HSMON_STATE_SYN_RCVD;
		break;
	case A_ACK:
		if (simopen) {
			events = hsmon_fsm_simack(f, seg, dir, now_ns);
			if (!(events & BIT(HSMON_STAT_ACK_COMPLETE)))
				return events;
			break;
		}
		if (seg->ack != f->isn_k + 1)
			return hsmon_fsm_bad_ack(f, f->isn_k + 1, seg->ack);
		f->us_ack = hsmon_us_since(f, now_ns);
		f->notes |= HSMON_FLOW_HAVE_ACK;
		events |= BIT(HSMON_STAT_ACK_COMPLETE);
		if (seg->payload) {
			f->notes |= BIT(HSMON_NOTE_ACK_DATA);
			events |= BIT(HSMON_STAT_ACK_DATA);
		}
		break;
	case A_REFUSE:
		/*
		 * RFC 9293 3.10.7.3: in SYN-SENT a RST is acceptable only if it
		 * acks the SYN; the initiator drops any other, so must we.
		 */
		if (!(seg->flags & TCPHDR_ACK) ||
		    (seg->ack != j1 && !(f->syn_len && seg->ack == j1 + f->syn_len)))
			return 0;
		break;
	case A_ABORT:
		f->state = next;
		f->outcome = HSMON_OUTCOME_ABORTED + 1;
		return BIT(HSMON_STAT_RESET) | BIT(HSMON_STAT_ABORTED);
	}

	if (next != f->state) {
		f->state = next;
		if (hsmon_state_entry[next].stat)
			events |= BIT(hsmon_state_entry[next].stat);
		if (hsmon_state_entry[next].outcome)
			f->outcome = hsmon_state_entry[next].outcome;
	}
	return events;
}

__always_inline u32 hsmon_fsm_step(struct hsmon_flow *f,
				   const struct hsmon_seg *seg, int dir, u64 now_ns)
{
	u32 events = 0;

	f->seen[dir] |= seg->flags;
	/* A FIN|ACK is its ACK first: it may be the one completing the handshake. */
	if (seg->class == HSMON_SEG_FIN)
		events = hsmon_fsm_apply(f, seg, dir, HSMON_SEG_ACK, now_ns);
	return events | hsmon_fsm_apply(f, seg, dir, seg->class, now_ns);
}

u32 hsmon_fsm_midstream(struct hsmon_flow *f, const struct hsmon_seg *seg,
			u64 now_ns)
{
	f->state = HSMON_STATE_MIDSTREAM;
	f->outcome = HSMON_OUTCOME_MIDSTREAM + 1;
	f->notes = BIT(HSMON_NOTE_MIDSTREAM);
	f->isn_j = seg->seq;
	f->seen[HSMON_ORIG] = seg->flags;
	f->t_syn = now_ns;
	return BIT(HSMON_STAT_MIDSTREAM);
}

u32 hsmon_fsm_timeout(struct hsmon_flow *f)
{
	u32 events = BIT(HSMON_STAT_TIMED_OUT);

	f->state = HSMON_STATE_TIMED_OUT;
	if (!f->seen[HSMON_REPLY]) {
		f->outcome = HSMON_OUTCOME_UNANSWERED + 1;
		events |= BIT(HSMON_STAT_UNANSWERED);
	} else if (f->notes & BIT(HSMON_NOTE_BAD_ACK)) {
		f->outcome = HSMON_OUTCOME_BAD_ACK + 1;
	} else {
		f->outcome = HSMON_OUTCOME_TIMED_OUT + 1;
	}
	return events;
}

const char *hsmon_fsm_zeek(const struct hsmon_flow *f)
{
	u8 o = f->seen[HSMON_ORIG], r = f->seen[HSMON_REPLY];

	if (f->outcome == HSMON_OUTCOME_MIDSTREAM + 1)
		return "OTH";
	switch (f->state) {
	case HSMON_STATE_SYN_SENT:
	case HSMON_STATE_TIMED_OUT:
		/*
		 * For Zeek any answer is a reply, even one acking the wrong
		 * number, and a responder's RST a rejection, acceptable or not.
		 */
		if (r & TCPHDR_RST)
			return "REJ";
		return r ? "S1" : "S0";
	case HSMON_STATE_REFUSED:
		return "REJ";
	case HSMON_STATE_RESET:
		if (f->outcome == HSMON_OUTCOME_ABORTED + 1)
			return "RSTOS0";
		return (o & TCPHDR_RST) ? "RSTO" : "RSTR";
	case HSMON_STATE_CLOSED:
		if (o & TCPHDR_RST)
			return "RSTO";
		if (r & TCPHDR_RST)
			return "RSTR";
		if ((o & TCPHDR_FIN) && (r & TCPHDR_FIN))
			return "SF";
		return (o & TCPHDR_FIN) ? "S2" : "S3";
	default:
		return "S1";
	}
}

#include "selftest/fsm.c"
