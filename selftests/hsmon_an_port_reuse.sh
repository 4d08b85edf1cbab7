#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An established flow (SYN J, SYN/ACK K acking J+1, ACK of K+1), then a SYN
# with another ISN J2 on the same 5-tuple (fsm.c: sES, aSYN: "other J: a new
# connection, reuse"): the flow starts over as SYN_SENT with isn_j J2, no K,
# no outcome yet, only the initiator's SYN in its flags, and the note
# port_reuse; port_reuse=1, syn=2. The first handshake stays counted
# (established=1, one sample in each histogram).

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40600
DPORT=8080
J=1000000
K=3000000
J2=7000000
I="$AN_I4:$SPORT" R="$AN_R4:$DPORT"

topo_observer
craft $SPORT $DPORT o:S:$J r:SA:$K:$((J + 1)) o:A:$((J + 1)):$((K + 1)) snap:est \
	o:S:$J2 snap:reuse

check_flow "established first" "$TMPD/est" initiator="$I" \
	"ipv4 $I $R forwarded ESTABLISHED $J $K 0 0 SA SA - # established S1 # # # - -"
s_us=$(flow_col "$TMPD/est" initiator="$I" syn_synack_us)
a_us=$(flow_col "$TMPD/est" initiator="$I" synack_ack_us)
h_us=$(flow_col "$TMPD/est" initiator="$I" handshake_us)

check_flow "after the SYN with J2" "$TMPD/reuse" initiator="$I" \
	"ipv4 $I $R forwarded SYN_SENT $J2 - 0 0 S - port_reuse # - S0 - - - - -"
check_counters "counters after the SYN with J2" "$TMPD/reuse" \
	segments=4 syn=2 synack=1 ack_complete=1 established=1 port_reuse=1 \
	flows=1 flows_syn_sent=1 \
	syn_synack_us_count=1 syn_synack_us_sum="$s_us" syn_synack_us_hist="$(hist_with "$s_us")" \
	synack_ack_us_count=1 synack_ack_us_sum="$a_us" synack_ack_us_hist="$(hist_with "$a_us")" \
	handshake_us_count=1 handshake_us_sum="$h_us" handshake_us_hist="$(hist_with "$h_us")"

test_done
