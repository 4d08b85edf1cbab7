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
	aNOP,		/* nothing changes */
	aGO,		/* move to the cell's state */
	aSYN,		/* initiator's SYN: new attempt, retransmission or reuse */
	aSYNACK,	/* responder's SYN/ACK: must ack J+1; records K */
	aACK,		/* initiator's ACK in SYN_RCVD: must ack K+1 */
	aREFUSE,	/* responder's RST to the SYN: must ack J+1 if it acks */
};

struct hsmon_fsm_cell {
	u8 next;
	u8 action;
};

#define sNO HSMON_STATE_NONE
#define sSS HSMON_STATE_SYN_SENT
#define sSR HSMON_STATE_SYN_RCVD
#define sES HSMON_STATE_ESTABLISHED
#define sCL HSMON_STATE_CLOSED
#define sRF HSMON_STATE_REFUSED
#define sRS HSMON_STATE_RESET
#define sTO HSMON_STATE_TIMED_OUT

#define C(s, a) { .next = (s), .action = (a) }
#define NOP(s) C(s, aNOP)

static const struct hsmon_fsm_cell
hsmon_fsm[2][HSMON_SEG_MAX][__HSMON_STATE_MAX] = {
	[HSMON_ORIG] = {
		[HSMON_SEG_INVALID] = {
/*	     sNO       sSS       sSR       sES       sCL       sRF       sRS       sTO	*/
/*	never sent by TCP: counted as bad_flags by the caller, ignored here		*/
	NOP(sNO), NOP(sSS), NOP(sSR), NOP(sES), NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_SYN] = {
/*
 * sNO -> sSS	the article's step 1: SYN with seq J, J recorded
 * sSS -> sSS	same J: retransmitted SYN; other J: new attempt (port reuse)
 * sSR -> sSR	same J: the initiator never got our SYN/ACK; other J: reuse
 * sES -> sES	same J: late duplicate; other J: a new connection, reuse
 * sCL..sTO	same J: retransmission; other J: a new attempt on the 5-tuple
 */
	C(sSS, aSYN), C(sSS, aSYN), C(sSS, aSYN), C(sSS, aSYN),
	C(sSS, aSYN), C(sSS, aSYN), C(sSS, aSYN), C(sSS, aSYN) },
		[HSMON_SEG_SYNACK] = {
/*	a SYN/ACK from the initiator: simultaneous open, not tracked here		*/
	NOP(sNO), NOP(sSS), NOP(sSR), NOP(sES), NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_ACK] = {
/*
 * sSR -> sES	the article's step 3: ack == K+1 completes the handshake;
 *		any other ack is a bad ack and the state stays
 * elsewhere	an ACK does not move a handshake
 */
	NOP(sNO), NOP(sSS), C(sES, aACK), NOP(sES),
	NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_FIN] = {
/*
 * sES -> sCL	orderly close of an established flow
 * sSR		its ACK part was applied first (it may complete the
 *		handshake); a FIN before completion does not move it
 */
	NOP(sNO), NOP(sSS), NOP(sSR), C(sCL, aGO),
	NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_RST] = {
/*
 * sSS -> sRS	the initiator aborted before any answer
 * sSR -> sRS	the initiator reset the handshake after the SYN/ACK
 * sES -> sCL	an established flow ended by RST
 */
	NOP(sNO), C(sRS, aGO), C(sRS, aGO), C(sCL, aGO),
	NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
	},
	[HSMON_REPLY] = {
		[HSMON_SEG_INVALID] = {
/*	     sNO       sSS       sSR       sES       sCL       sRF       sRS       sTO	*/
	NOP(sNO), NOP(sSS), NOP(sSR), NOP(sES), NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_SYN] = {
/*	a SYN from the responder: simultaneous open, not tracked here		*/
	NOP(sNO), NOP(sSS), NOP(sSR), NOP(sES), NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_SYNACK] = {
/*
 * sSS -> sSR	the article's step 2: ack == J+1, seq K recorded; any other
 *		ack is a bad ack and the state stays
 * sSR, sES	same K and ack J+1: retransmitted SYN/ACK (our ACK was
 *		lost, or not yet seen); a wrong ack is a bad ack
 * finished	ignored
 */
	NOP(sNO), C(sSR, aSYNACK), C(sSR, aSYNACK), C(sES, aSYNACK),
	NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_ACK] = {
/*	the responder's ACKs never move a handshake				*/
	NOP(sNO), NOP(sSS), NOP(sSR), NOP(sES), NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_FIN] = {
/*	sES -> sCL	orderly close of an established flow			*/
	NOP(sNO), NOP(sSS), NOP(sSR), C(sCL, aGO),
	NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
		[HSMON_SEG_RST] = {
/*
 * sSS -> sRF	RST answering the SYN: the port is closed (refused)
 * sSR -> sRS	the responder reset after its SYN/ACK
 * sES -> sCL	an established flow ended by RST
 */
	NOP(sNO), C(sRF, aREFUSE), C(sRS, aGO), C(sCL, aGO),
	NOP(sCL), NOP(sRF), NOP(sRS), NOP(sTO) },
	},
};

/* The counter bumped when a flow enters a state. */
static const u8 hsmon_state_event[__HSMON_STATE_MAX] = {
	[HSMON_STATE_ESTABLISHED]	= HSMON_STAT_ESTABLISHED,
	[HSMON_STATE_CLOSED]		= HSMON_STAT_CLOSED,
	[HSMON_STATE_REFUSED]		= HSMON_STAT_REFUSED,
	[HSMON_STATE_RESET]		= HSMON_STAT_RESET,
};

u8 hsmon_seg_classify(u8 tcp_flags)
{
	u8 f = tcp_flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_FIN | TCPHDR_RST);

	if (f & TCPHDR_RST)
		return (f & (TCPHDR_SYN | TCPHDR_FIN)) ? HSMON_SEG_INVALID :
							 HSMON_SEG_RST;
	if (f & TCPHDR_SYN) {
		if (f & TCPHDR_FIN)
			return HSMON_SEG_INVALID;
		return (f & TCPHDR_ACK) ? HSMON_SEG_SYNACK : HSMON_SEG_SYN;
	}
	if (!(f & TCPHDR_ACK))		/* FIN without ACK, or no flag at all */
		return HSMON_SEG_INVALID;
	return (f & TCPHDR_FIN) ? HSMON_SEG_FIN : HSMON_SEG_ACK;
}

static u32 hsmon_us_since(const struct hsmon_flow *f, u64 now_ns)
{
	u64 us = div_u64(now_ns - f->t_syn, NSEC_PER_USEC);

	return min_t(u64, us, U32_MAX);
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
	f->isn_j = seg->seq;
	f->isn_k = 0;
	f->syn_rtx = 0;
	f->synack_rtx = 0;
	f->seen[HSMON_ORIG] = seg->flags;
	f->seen[HSMON_REPLY] = 0;
	f->t_syn = now_ns;
	f->us_synack = 0;
	f->us_ack = 0;
	if (seg->payload) {
		f->notes |= BIT(HSMON_NOTE_SYN_DATA);
		events |= BIT(HSMON_STAT_SYN_DATA);
	}
	return events;
}

static u32 hsmon_fsm_apply(struct hsmon_flow *f, const struct hsmon_seg *seg,
			   int dir, u8 class, u64 now_ns)
{
	const struct hsmon_fsm_cell *cell = &hsmon_fsm[dir][class][f->state];
	u32 events = 0;

	switch (cell->action) {
	case aNOP:
		return 0;
	case aGO:
		break;
	case aSYN:
		if (f->state != HSMON_STATE_NONE && seg->seq == f->isn_j) {
			if (f->syn_rtx < U16_MAX)
				f->syn_rtx++;
			return BIT(HSMON_STAT_SYN_RETRANS);
		}
		return hsmon_fsm_attempt(f, seg, now_ns);
	case aSYNACK:
		if (seg->ack != f->isn_j + 1) {
			f->notes |= BIT(HSMON_NOTE_BAD_ACK);
			return BIT(HSMON_STAT_BAD_ACK);
		}
		if (f->state != HSMON_STATE_SYN_SENT) {
			/* A SYN/ACK with another K: the responder restarted. */
			if (seg->seq != f->isn_k)
				return 0;
			if (f->synack_rtx < U16_MAX)
				f->synack_rtx++;
			return BIT(HSMON_STAT_SYNACK_RETRANS);
		}
		f->isn_k = seg->seq;
		f->notes |= HSMON_FLOW_HAVE_K;
		f->us_synack = hsmon_us_since(f, now_ns);
		if (seg->payload) {
			f->notes |= BIT(HSMON_NOTE_SYNACK_DATA);
			events |= BIT(HSMON_STAT_SYNACK_DATA);
		}
		break;
	case aACK:
		if (seg->ack != f->isn_k + 1) {
			f->notes |= BIT(HSMON_NOTE_BAD_ACK);
			return BIT(HSMON_STAT_BAD_ACK);
		}
		f->us_ack = hsmon_us_since(f, now_ns);
		events |= BIT(HSMON_STAT_ACK_COMPLETE);
		if (seg->payload) {
			f->notes |= BIT(HSMON_NOTE_ACK_DATA);
			events |= BIT(HSMON_STAT_ACK_DATA);
		}
		break;
	case aREFUSE:
		/* RFC 9293 3.10.7.3: in SYN-SENT a RST is acceptable if it acks the SYN. */
		if ((seg->flags & TCPHDR_ACK) && seg->ack != f->isn_j + 1)
			return 0;
		break;
	}

	if (cell->next != f->state) {
		f->state = cell->next;
		if (hsmon_state_event[cell->next])
			events |= BIT(hsmon_state_event[cell->next]);
	}
	return events;
}

u32 hsmon_fsm_step(struct hsmon_flow *f, const struct hsmon_seg *seg,
		   int dir, u64 now_ns)
{
	u32 events = 0;

	f->seen[dir] |= seg->flags;
	/* A FIN|ACK is its ACK first: it may be the one completing the handshake. */
	if (seg->class == HSMON_SEG_FIN)
		events = hsmon_fsm_apply(f, seg, dir, HSMON_SEG_ACK, now_ns);
	return events | hsmon_fsm_apply(f, seg, dir, seg->class, now_ns);
}

#include "selftest/fsm.c"
