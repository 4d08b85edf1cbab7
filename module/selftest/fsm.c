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
	u32 notes;		/* expected notes */
	u16 syn_rtx, synack_rtx;
	u32 j, k;
	u32 ack_expected, ack_seen;	/* checked when notes say a bad ack */
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
#define BA HSMON_FLOW_BAD_ACK_SEEN
#define OA HSMON_FLOW_ORIG_ACKED
#define RA HSMON_FLOW_REPLY_ACKED
#define HA HSMON_FLOW_HAVE_ACK

static const struct hsmon_fsm_test hsmon_fsm_tests[] __initconst = {
	{ "three steps", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501 } }, 3,
	  S_ES, EV(ACK_COMPLETE) | EV(ESTABLISHED), HK | HA, 0, 0, 100, 500 },
	{ "synack acks J+2", { { O, S, 100 }, { R, S | A, 500, 102 } }, 2,
	  S_SS, EV(BAD_ACK), NT(BAD_ACK) | BA, 0, 0, 100, 0, 101, 102 },
	{ "bad then good synack",
	  { { O, S, 100 }, { R, S | A, 500, 102 }, { R, S | A, 600, 101 } }, 3,
	  S_SR, EV(BAD_ACK), NT(BAD_ACK) | BA | HK, 0, 0, 100, 600, 101, 102 },
	{ "final ack K+5", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 505 } }, 3,
	  S_SR, EV(BAD_ACK), NT(BAD_ACK) | BA | HK, 0, 0, 100, 500, 501, 505 },
	{ "refused", { { O, S, 100 }, { R, RS | A, 0, 101 } }, 2,
	  S_RF, EV(REFUSED), 0, 0, 0, 100, 0 },
	{ "rst acking other than J+1 ignored", { { O, S, 100 }, { R, RS | A, 0, 77 } }, 2,
	  S_SS, 0, 0, 0, 0, 100, 0 },
	{ "rst without ack ignored in SYN_SENT", { { O, S, 100 }, { R, RS, 0 } }, 2,
	  S_SS, 0, 0, 0, 0, 100, 0 },
	{ "reset after synack", { { O, S, 100 }, { R, S | A, 500, 101 }, { R, RS, 501 } }, 3,
	  S_RS, EV(RESET), HK, 0, 0, 100, 500 },
	{ "initiator aborts", { { O, S, 100 }, { O, RS, 101 } }, 2,
	  S_RS, EV(RESET) | EV(ABORTED), 0, 0, 0, 100, 0 },
	{ "syn retransmitted", { { O, S, 100 }, { O, S, 100 }, { O, S, 100 } }, 3,
	  S_SS, EV(SYN_RETRANS), 0, 2, 0, 100, 0 },
	{ "synack retransmitted",
	  { { O, S, 100 }, { R, S | A, 500, 101 }, { R, S | A, 500, 101 } }, 3,
	  S_SR, EV(SYNACK_RETRANS), HK, 0, 1, 100, 500 },
	{ "port reuse",
	  { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501 }, { O, S, 9000 } }, 4,
	  S_SS, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(PORT_REUSE), NT(PORT_REUSE),
	  0, 0, 9000, 0 },
	{ "data on syn", { { O, S, 100, 0, 10 } }, 1,
	  S_SS, EV(SYN_DATA), NT(SYN_DATA), 0, 0, 100, 0 },
	{ "data on synack", { { O, S, 100 }, { R, S | A, 500, 101, 5 } }, 2,
	  S_SR, EV(SYNACK_DATA), NT(SYNACK_DATA) | HK, 0, 0, 100, 500 },
	{ "data on third ack", { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501, 20 } }, 3,
	  S_ES, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(ACK_DATA), NT(ACK_DATA) | HK | HA,
	  0, 0, 100, 500 },
	{ "fin|ack completes then closes",
	  { { O, S, 100 }, { R, S | A, 500, 101 }, { O, F | A, 101, 501 } }, 3,
	  S_CL, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(CLOSED), HK | HA, 0, 0, 100, 500 },
	{ "rst closes established",
	  { { O, S, 100 }, { R, S | A, 500, 101 }, { O, A, 101, 501 }, { R, RS, 501 } }, 4,
	  S_CL, EV(ACK_COMPLETE) | EV(ESTABLISHED) | EV(CLOSED), HK | HA, 0, 0, 100, 500 },
	{ "ack before synack moves nothing", { { O, S, 100 }, { O, A, 101, 501 } }, 2,
	  S_SS, 0, 0, 0, 0, 100, 0 },
	{ "fast open accepted",
	  { { O, S, 100, 0, 10 }, { R, S | A, 500, 111 }, { O, A, 111, 501 } }, 3,
	  S_ES, EV(SYN_DATA) | EV(SYN_DATA_ACKED) | EV(ACK_COMPLETE) | EV(ESTABLISHED),
	  NT(SYN_DATA) | NT(SYN_DATA_ACKED) | HK | HA, 0, 0, 100, 500 },
	{ "fast open data not acked", { { O, S, 100, 0, 10 }, { R, S | A, 500, 101 } }, 2,
	  S_SR, EV(SYN_DATA), NT(SYN_DATA) | HK, 0, 0, 100, 500 },
	{ "simultaneous open",
	  { { O, S, 100 }, { R, S, 500 }, { O, S | A, 100, 501 }, { R, S | A, 500, 101 } }, 4,
	  S_ES, EV(SIMULTANEOUS_OPEN) | EV(ACK_COMPLETE) | EV(ESTABLISHED),
	  NT(SIMULTANEOUS_OPEN) | HK | OA | RA | HA, 0, 0, 100, 500 },
	{ "simultaneous open, half acked",
	  { { O, S, 100 }, { R, S, 500 }, { O, S | A, 100, 501 } }, 3,
	  S_SR, EV(SIMULTANEOUS_OPEN), NT(SIMULTANEOUS_OPEN) | HK | OA, 0, 0, 100, 500 },
	{ "simultaneous open, bad ack", { { O, S, 100 }, { R, S, 500 }, { R, S | A, 500, 777 } }, 3,
	  S_SR, EV(SIMULTANEOUS_OPEN) | EV(BAD_ACK), NT(SIMULTANEOUS_OPEN) | NT(BAD_ACK) | BA | HK,
	  0, 0, 100, 500, 101, 777 },
	{ "J wraps", { { O, S, 0xffffffff }, { R, S | A, 7, 0 }, { O, A, 0, 8 } }, 3,
	  S_ES, EV(ACK_COMPLETE) | EV(ESTABLISHED), HK | HA, 0, 0, 0xffffffff, 7 },
};

struct hsmon_classify_test {
	u8 flags, class;
};

static const struct hsmon_classify_test hsmon_classify_tests[] __initconst = {
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

/* After the steps, a timeout (if asked), then Zeek's conn_state. */
struct hsmon_outcome_test {
	const char *name;
	struct hsmon_fsm_test_step steps[4];
	unsigned int nsteps;
	bool timeout;
	u8 outcome;		/* enum hsmon_outcome + 1 */
	const char *zeek;
};

static const struct hsmon_outcome_test hsmon_outcome_tests[] __initconst = {
	{ "unanswered", { { O, S, 1 }, { O, S, 1 } }, 2,
	  true, HSMON_OUTCOME_UNANSWERED + 1, "S0" },
	{ "bad synack, still waiting", { { O, S, 1 }, { R, S | A, 9, 5 } }, 2,
	  false, 0, "S1" },
	{ "no final ack", { { O, S, 1 }, { R, S | A, 9, 2 } }, 2,
	  true, HSMON_OUTCOME_TIMED_OUT + 1, "S1" },
	{ "bad ack then timeout", { { O, S, 1 }, { R, S | A, 9, 5 } }, 2,
	  true, HSMON_OUTCOME_BAD_ACK + 1, "S1" },
	{ "refused", { { O, S, 1 }, { R, RS | A, 0, 2 } }, 2,
	  false, HSMON_OUTCOME_REFUSED + 1, "REJ" },
	{ "aborted", { { O, S, 1 }, { O, RS, 2 } }, 2,
	  false, HSMON_OUTCOME_ABORTED + 1, "RSTOS0" },
	{ "reset by responder", { { O, S, 1 }, { R, S | A, 9, 2 }, { R, RS, 10 } }, 3,
	  false, HSMON_OUTCOME_RESET + 1, "RSTR" },
	{ "established", { { O, S, 1 }, { R, S | A, 9, 2 }, { O, A, 2, 10 } }, 3,
	  false, HSMON_OUTCOME_ESTABLISHED + 1, "S1" },
	{ "closed both ways",
	  { { O, S, 1 }, { R, S | A, 9, 2 }, { O, F | A, 2, 10 }, { R, F | A, 10, 3 } }, 4,
	  false, HSMON_OUTCOME_ESTABLISHED + 1, "SF" },
};

/*
 * Whatever hsmon_fsm_passive() lets the packet path apply without the lock
 * must change nothing but the flags seen: every state, both sides, acks
 * right and wrong, with and without a simultaneous open under way.
 */
static bool __init hsmon_fsm_selftest_passive_one(int dir, int class, int state)
{
	static const u8 class_flags[] __initconst = {
		[HSMON_SEG_SYN] = S, [HSMON_SEG_SYNACK] = S | A, [HSMON_SEG_ACK] = A,
		[HSMON_SEG_FIN] = F | A, [HSMON_SEG_RST] = RS | A,
	};
	static const u32 notes[] __initconst = {
		0, HK, HK | NT(SIMULTANEOUS_OPEN), HK | NT(SIMULTANEOUS_OPEN) | OA,
		HK | NT(SIMULTANEOUS_OPEN) | RA, HK | HA | NT(BAD_ACK) | BA,
	};
	static const u32 acks[] __initconst = { 0, 101, 201, 7 };
	struct hsmon_seg seg = { .seq = 100 };
	struct hsmon_flow f, g;
	unsigned int i;
	u32 events;

	if (state == HSMON_STATE_NONE) {
		pr_err("fsm self-test: NONE is passive\n");
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(notes) * ARRAY_SIZE(acks); i++) {
		unsigned int a = i % ARRAY_SIZE(acks);

		memset(&f, 0, sizeof(f));
		f.state = state;
		f.notes = notes[i / ARRAY_SIZE(acks)];
		f.isn_j = 100;
		f.isn_k = 200;
		f.syn_len = a & 1;
		g = f;
		seg.flags = class_flags[class];
		seg.class = class;
		seg.ack = acks[a];
		seg.payload = a;
		events = hsmon_fsm_step(&f, &seg, dir, NSEC_PER_SEC);
		g.seen[dir] |= seg.flags;
		if (events || memcmp(&f, &g, sizeof(f))) {
			pr_err("fsm self-test: passive dir %d class %d state %s changed the flow (events 0x%x)\n",
			       dir, class, hsmon_state_name(state), events);
			return false;
		}
	}
	return true;
}

static bool __init hsmon_fsm_selftest_passive(void)
{
	int dir, class, state;
	bool pass = true;

	for (dir = 0; dir < 2; dir++) {
		for (class = HSMON_SEG_SYN; class < HSMON_SEG_MAX; class++) {
			for (state = 0; state < __HSMON_STATE_MAX; state++) {
				if (hsmon_fsm_passive(dir, class, state) &&
				    !hsmon_fsm_selftest_passive_one(dir, class, state))
					pass = false;
			}
		}
	}
	return pass;
}

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
		    ((f.notes & HK) && f.isn_k != t->k) ||
		    ((f.notes & BA) && (f.ack_expected != t->ack_expected ||
					f.ack_seen != t->ack_seen))) {
			pr_err("fsm self-test %u (%s): state %s events 0x%x notes 0x%x rtx %u/%u J %u K %u; expected %s 0x%x 0x%x %u/%u %u %u\n",
			       i + 1, t->name, hsmon_state_name(f.state), events,
			       f.notes, f.syn_rtx, f.synack_rtx, f.isn_j, f.isn_k,
			       hsmon_state_name(t->state), t->events, t->notes,
			       t->syn_rtx, t->synack_rtx, t->j, t->k);
			pass = false;
		}
	}
	for (i = 0; i < ARRAY_SIZE(hsmon_outcome_tests); i++) {
		const char *zeek;

		memset(&f, 0, sizeof(f));
		for (n = 0; n < hsmon_outcome_tests[i].nsteps; n++) {
			seg.flags = hsmon_outcome_tests[i].steps[n].flags;
			seg.seq = hsmon_outcome_tests[i].steps[n].seq;
			seg.ack = hsmon_outcome_tests[i].steps[n].ack;
			seg.payload = 0;
			seg.class = hsmon_seg_classify(seg.flags);
			hsmon_fsm_step(&f, &seg, hsmon_outcome_tests[i].steps[n].dir, n);
		}
		if (hsmon_outcome_tests[i].timeout)
			hsmon_fsm_timeout(&f);
		zeek = hsmon_fsm_zeek(&f);
		if (f.outcome != hsmon_outcome_tests[i].outcome ||
		    strcmp(zeek, hsmon_outcome_tests[i].zeek)) {
			pr_err("fsm self-test (%s): outcome %u zeek %s; expected %u %s\n",
			       hsmon_outcome_tests[i].name, f.outcome, zeek,
			       hsmon_outcome_tests[i].outcome, hsmon_outcome_tests[i].zeek);
			pass = false;
		}
	}
	if (!hsmon_fsm_selftest_passive())
		pass = false;
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
#undef BA
#undef OA
#undef RA
#undef HA
