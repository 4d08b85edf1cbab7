// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the state machine, run at module load (they are __init and
 * cost microseconds): a module whose FSM disagrees with the article refuses
 * to load. Included from fsm.c.
 */

struct hsmon_fsm_test_step {
	int dir;
	u8 flags;
	u32 seq, ack, payload;
};

struct hsmon_fsm_test {
	const char *name;
	struct hsmon_fsm_test_step steps[5];
	unsigned int nsteps;
	u8 state;		/* expected at the end */
	u32 events;		/* expected union of events */
	u16 notes;		/* expected notes */
	u16 syn_rtx, synack_rtx;
	u32 j, k;
};

#define O HSMON_ORIG
#define R HSMON_REPLY
#define S TCPHDR_SYN
#define A TCPHDR_ACK
#define F TCPHDR_FIN
#define RS TCPHDR_RST
#define EV(x) BIT(HSMON_STAT_##x)
#define NT(x) BIT(HSMON_NOTE_##x)
#define HK HSMON_FLOW_HAVE_K

static const struct hsmon_fsm_test hsmon_fsm_tests[] __initconst = {
	{ "three steps", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501 } }, 3,
	  sES, EV(ACK_COMPLETE) | EV(ESTABLISHED), HK, 0, 0, 100, 500 },
	{ "synack acks J+2", { { O, S, 100 }, { R, S | A, 500, 102 } }, 2,
	  sSS, EV(BAD_ACK), NT(BAD_ACK), 0, 0, 100, 0 },
	{ "bad then good synack", { { O, S, 100 }, { R, S | A, 500, 102 }, { R, S | A, 600, 101 } }, 3,
	  sSR, EV(BAD_ACK), NT(BAD_ACK) | HK, 0, 0, 100, 600 },
	{ "final ack K+5", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 505 } }, 3,
	  sSR, EV(BAD_ACK), NT(BAD_ACK) | HK, 0, 0, 100, 500 },
	{ "refused", { { O, S, 100 }, { R, RS | A, 0, 101 } }, 2,
	  sRF, EV(REFUSED), 0, 0, 0, 100, 0 },
	{ "rst acking other than J+1 ignored", { { O, S, 100 }, { R, RS | A, 0, 77 } }, 2,
	  sSS, 0, 0, 0, 0, 100, 0 },
	{ "reset after synack", { { O, S, 100 }, { R, S | A, 500, 101 }, { R, RS, 501 } }, 3,
	  sRS, EV(RESET), HK, 0, 0, 100, 500 },
	{ "initiator aborts", { { O, S, 100 }, { O, RS, 101 } }, 2,
	  sRS, EV(RESET), 0, 0, 0, 100, 0 },
	{ "syn retransmitted", { { O, S, 100 }, { O, S, 100 }, { O, S, 100 } }, 3,
	  sSS, EV(SYN_RETRANS), 0, 2, 0, 100, 0 },
	{ "synack retransmitted", { { O, S, 100 }, { R, S | A, 500, 101 }, { R, S | A, 500, 101 } }, 3,
	  sSR, EV(SYNACK_RETRANS), HK, 0, 1, 100, 500 },
	{ "port reuse", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501 }, { O, S, 9000 } }, 4,
	  sSS, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(PORT_REUSE), NT(PORT_REUSE), 0, 0, 9000, 0 },
	{ "data on syn", { { O, S, 100, 0, 10 } }, 1,
	  sSS, EV(SYN_DATA), NT(SYN_DATA), 0, 0, 100, 0 },
	{ "data on synack", { { O, S, 100 }, { R, S | A, 500, 101, 5 } }, 2,
	  sSR, EV(SYNACK_DATA), NT(SYNACK_DATA) | HK, 0, 0, 100, 500 },
	{ "data on third ack", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501, 20 } }, 3,
	  sES, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(ACK_DATA), NT(ACK_DATA) | HK, 0, 0, 100, 500 },
	{ "fin|ack completes then closes", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, F | A, 101, 501 } }, 3,
	  sCL, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(CLOSED), HK, 0, 0, 100, 500 },
	{ "rst closes established", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501 }, { R, RS, 501 } }, 4,
	  sCL, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(CLOSED), HK, 0, 0, 100, 500 },
	{ "ack before synack moves nothing", { { O, S, 100 }, { O, A, 101, 501 } }, 2,
	  sSS, 0, 0, 0, 0, 100, 0 },
	{ "J wraps", { { O, S, 0xffffffff }, { R, S | A, 7, 0 }, { O, A, 0, 8 } }, 3,
	  sES, EV(ACK_COMPLETE) | EV(ESTABLISHED), HK, 0, 0, 0xffffffff, 7 },
};

static const struct {
	u8 flags, class;
} hsmon_classify_tests[] __initconst = {
	{ S, HSMON_SEG_SYN },
	{ S | TCPHDR_ECE | TCPHDR_CWR, HSMON_SEG_SYN },
	{ S | A, HSMON_SEG_SYNACK },
	{ A | TCPHDR_PSH, HSMON_SEG_ACK },
	{ F | A, HSMON_SEG_FIN },
	{ RS, HSMON_SEG_RST },
	{ RS | A, HSMON_SEG_RST },
	{ S | RS, HSMON_SEG_INVALID },
	{ S | F, HSMON_SEG_INVALID },
	{ F, HSMON_SEG_INVALID },
	{ 0, HSMON_SEG_INVALID },
	{ F | TCPHDR_PSH | TCPHDR_URG, HSMON_SEG_INVALID },
};

bool __init hsmon_fsm_selftest(void)
{
	struct hsmon_flow f;
	struct hsmon_seg seg;
	unsigned int i, n;
	bool pass = true;
	u32 events;

	for (i = 0; i < ARRAY_SIZE(hsmon_classify_tests); i++) {
		u8 c = hsmon_seg_classify(hsmon_classify_tests[i].flags);

		if (c != hsmon_classify_tests[i].class) {
			pr_err("fsm self-test: classify(0x%02x) = %u, expected %u\n",
			       hsmon_classify_tests[i].flags, c,
			       hsmon_classify_tests[i].class);
			pass = false;
		}
	}

	for (i = 0; i < ARRAY_SIZE(hsmon_fsm_tests); i++) {
		const struct hsmon_fsm_test *t = &hsmon_fsm_tests[i];

		memset(&f, 0, sizeof(f));
		events = 0;
		for (n = 0; n < t->nsteps; n++) {
			seg.flags = t->steps[n].flags;
			seg.seq = t->steps[n].seq;
			seg.ack = t->steps[n].ack;
			seg.payload = t->steps[n].payload;
			seg.class = hsmon_seg_classify(seg.flags);
			events |= hsmon_fsm_step(&f, &seg, t->steps[n].dir,
						 (n + 1) * NSEC_PER_MSEC);
		}
		if (f.state != t->state || events != t->events ||
		    f.notes != t->notes || f.syn_rtx != t->syn_rtx ||
		    f.synack_rtx != t->synack_rtx || f.isn_j != t->j ||
		    ((f.notes & HK) && f.isn_k != t->k)) {
			pr_err("fsm self-test %u (%s): state %s events 0x%x notes 0x%x rtx %u/%u J %u K %u; expected %s 0x%x 0x%x %u/%u %u %u\n",
			       i + 1, t->name, hsmon_state_name(f.state), events,
			       f.notes, f.syn_rtx, f.synack_rtx, f.isn_j, f.isn_k,
			       hsmon_state_name(t->state), t->events, t->notes,
			       t->syn_rtx, t->synack_rtx, t->j, t->k);
			pass = false;
		}
	}
	if (pass)
		pr_debug("fsm self-tests: pass\n");
	return pass;
}

#undef O
#undef R
#undef S
#undef A
#undef F
#undef RS
#undef EV
#undef NT
#undef HK
