#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SYN/ACK that acks J+2 instead of J+1 (fsm.c: sSS, aSYNACK: "any other
# ack is a bad ack and the state stays"): the flow stays SYN_SENT with no K,
# notes bad_ack, shows ack_expected J+1 and ack_seen J+2; bad_ack=1.
# Its Zeek state is S1, not S0: Zeek's S0 is "attempt seen, no reply", and
# Zeek's TCP analyzer takes any SYN/ACK from the responder as the reply that
# establishes both endpoints (a wrong ack only adds a bad_SYN_ack weird).
# Then, with syn_timeout=2, the same handshake times out with outcome
# bad_ack (not timed_out: the bad ack is why it never completed; not
# unanswered: the responder did answer), Zeek's S1; timed_out=1,
# unanswered=0.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40200
DPORT=8080
J=1000000
K=3000000
SYN_TIMEOUT=2
I="$AN_I4:$SPORT" R="$AN_R4:$DPORT"

topo_observer

logt "SYN, then a SYN/ACK acking J+2 (syn_timeout 120 s: no timeout here)"
craft $SPORT $DPORT o:S:$J r:SA:$K:$((J + 2)) snap:bad
check_flow "after the bad SYN/ACK" "$TMPD/bad" initiator="$I" \
	"ipv4 $I $R forwarded SYN_SENT $J - 0 0 S SA bad_ack # - S1 - - - $((J + 1)) $((J + 2))"
check_counters "counters after the bad SYN/ACK" "$TMPD/bad" \
	segments=2 syn=1 synack=1 bad_ack=1 flows=1 flows_syn_sent=1

logt "the same with syn_timeout=$SYN_TIMEOUT, until the flow times out"
hsmon_reload syn_timeout=$SYN_TIMEOUT || die "insmod syn_timeout=$SYN_TIMEOUT"
craft $SPORT $DPORT o:S:$J r:SA:$K:$((J + 2))
busywait 20000 hsmon_has_flow "$NS_R" initiator="$I" state=TIMED_OUT ||
	fail "no TIMED_OUT flow within 20 s of the SYN (syn_timeout=$SYN_TIMEOUT)"
hsmon_snap "$NS_R" "$TMPD/timeout"
check_flow "after syn_timeout" "$TMPD/timeout" initiator="$I" \
	"ipv4 $I $R forwarded TIMED_OUT $J - 0 0 S SA bad_ack # bad_ack S1 - - - $((J + 1)) $((J + 2))"
check_ge "age_ms once timed out" $((SYN_TIMEOUT * 1000)) \
	"$(flow_col "$TMPD/timeout" initiator="$I" age_ms)"
check_counters "counters after syn_timeout" "$TMPD/timeout" \
	segments=2 syn=1 synack=1 bad_ack=1 timed_out=1 flows=1 flows_timed_out=1

test_done
