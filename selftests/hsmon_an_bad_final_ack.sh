#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SYN (J), a good SYN/ACK (K, ack J+1), then a final ACK that acks K+5
# instead of K+1 (fsm.c: sSR, aACK: "any other ack is a bad ack and the
# state stays"): the flow stays SYN_RCVD, K known, notes bad_ack, shows
# ack_expected K+1 and ack_seen K+5, has its SYN->SYN/ACK time but no
# completion time; bad_ack=1, ack_complete=0, established=0.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40300
DPORT=8080
J=1000000
K=3000000
I="$AN_I4:$SPORT" R="$AN_R4:$DPORT"

topo_observer
craft $SPORT $DPORT o:S:$J r:SA:$K:$((J + 1)) snap:synack o:A:$((J + 1)):$((K + 5)) snap:bad

check_flow "after the SYN/ACK" "$TMPD/synack" initiator="$I" \
	"ipv4 $I $R forwarded SYN_RCVD $J $K 0 0 S SA - # - S1 # - - - -"
check_flow "after the ACK of K+5" "$TMPD/bad" initiator="$I" \
	"ipv4 $I $R forwarded SYN_RCVD $J $K 0 0 SA SA bad_ack # - S1 # - - $((K + 1)) $((K + 5))"
us=$(flow_col "$TMPD/bad" initiator="$I" syn_synack_us)
check_counters "counters after the ACK of K+5" "$TMPD/bad" \
	segments=3 syn=1 synack=1 bad_ack=1 flows=1 flows_syn_rcvd=1 \
	syn_synack_us_count=1 syn_synack_us_sum="$us" syn_synack_us_hist="$(hist_with "$us")"

test_done
