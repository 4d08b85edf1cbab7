#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SYN carrying 10 bytes (as a Fast Open SYN does): syn_data=1, note
# syn_data. A SYN/ACK acking J+11 (J+1 and the 10 bytes: fsm.c's sSS,
# aSYNACK: "or J+1+data when the SYN's Fast Open data is acked too") is a
# good SYN/ACK that also accepts the data: SYN_RCVD, notes
# syn_data,syn_data_acked; syn_data_acked=1, no bad_ack.
# A second connection, same SYN, whose SYN/ACK acks J+1 only (data not
# accepted, as a server without Fast Open answers): SYN_RCVD, note syn_data
# only; syn_data=2, syn_data_acked still 1, no bad_ack.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT_A=40700	# data acked
SPORT_B=40701	# data not acked
DPORT=8080
J=1000000
K=3000000
LEN=10
IA="$AN_I4:$SPORT_A" IB="$AN_I4:$SPORT_B" R="$AN_R4:$DPORT"

topo_observer
craft $SPORT_A $DPORT o:S:$J:0:$LEN snap:syn r:SA:$K:$((J + 1 + LEN)) snap:acked \
	sport:$SPORT_B o:S:$J:0:$LEN r:SA:$K:$((J + 1)) snap:notacked

check_flow "after the SYN with $LEN bytes" "$TMPD/syn" initiator="$IA" \
	"ipv4 $IA $R forwarded SYN_SENT $J - 0 0 S - syn_data # - S0 - - - - -"
check_counters "counters after the SYN with $LEN bytes" "$TMPD/syn" \
	segments=1 syn=1 syn_data=1 flows=1 flows_syn_sent=1

check_flow "after the SYN/ACK acking J+1+$LEN" "$TMPD/acked" initiator="$IA" \
	"ipv4 $IA $R forwarded SYN_RCVD $J $K 0 0 S SA syn_data,syn_data_acked # - S1 # - - - -"
a_us=$(flow_col "$TMPD/acked" initiator="$IA" syn_synack_us)
check_counters "counters after the SYN/ACK acking J+1+$LEN" "$TMPD/acked" \
	segments=2 syn=1 synack=1 syn_data=1 syn_data_acked=1 flows=1 flows_syn_rcvd=1 \
	syn_synack_us_count=1 syn_synack_us_sum="$a_us" syn_synack_us_hist="$(hist_with "$a_us")"

check_flow "second connection, SYN/ACK acking J+1" "$TMPD/notacked" initiator="$IB" \
	"ipv4 $IB $R forwarded SYN_RCVD $J $K 0 0 S SA syn_data # - S1 # - - - -"
b_us=$(flow_col "$TMPD/notacked" initiator="$IB" syn_synack_us)
check_counters "counters after both connections" "$TMPD/notacked" \
	segments=4 syn=2 synack=2 syn_data=2 syn_data_acked=1 flows=2 flows_syn_rcvd=2 \
	syn_synack_us_count=2 syn_synack_us_sum=$((a_us + b_us)) \
	syn_synack_us_hist="$(hist_with "$a_us" "$b_us")"

test_done
