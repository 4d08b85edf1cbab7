#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A simultaneous open (RFC 9293 3.5, figure 8): both ends send a SYN (J from
# the initiator, K from the responder, crossing), then each acks the other's
# with a SYN/ACK. fsm.c: sSS + the responder's SYN -> sSR (aSIMSYN, K
# learned, note simultaneous_open); the initiator's SYN/ACK acking K+1 does
# not complete it alone; the responder's SYN/ACK acking J+1 does -> sES.
# The flow is ESTABLISHED with outcome established and the note
# simultaneous_open; simultaneous_open=1, established=1, ack_complete=1, no
# bad_ack. It has a SYN->SYN/ACK time (to the responder's SYN) and a
# handshake time, and no SYN/ACK->ACK time (there is no such single
# interval in a simultaneous open): its histogram stays empty.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40400
DPORT=8080
J=1000000
K=3000000
I="$AN_I4:$SPORT" R="$AN_R4:$DPORT"

topo_observer
craft $SPORT $DPORT o:S:$J r:S:$K snap:syns o:SA:$J:$((K + 1)) snap:half \
	r:SA:$K:$((J + 1)) snap:done

check_flow "after both SYNs" "$TMPD/syns" initiator="$I" \
	"ipv4 $I $R forwarded SYN_RCVD $J $K 0 0 S S simultaneous_open # - S1 # - - - -"
us=$(flow_col "$TMPD/syns" initiator="$I" syn_synack_us)
check_counters "counters after both SYNs" "$TMPD/syns" \
	segments=2 syn=2 simultaneous_open=1 flows=1 flows_syn_rcvd=1 \
	syn_synack_us_count=1 syn_synack_us_sum="$us" syn_synack_us_hist="$(hist_with "$us")"
check_flow "after the initiator's SYN/ACK" "$TMPD/half" initiator="$I" \
	"ipv4 $I $R forwarded SYN_RCVD $J $K 0 0 SA S simultaneous_open # - S1 # - - - -"

check_flow "after both SYN/ACKs" "$TMPD/done" initiator="$I" \
	"ipv4 $I $R forwarded ESTABLISHED $J $K 0 0 SA SA simultaneous_open # established S1 # - # - -"
s_us=$(flow_col "$TMPD/done" initiator="$I" syn_synack_us)
h_us=$(flow_col "$TMPD/done" initiator="$I" handshake_us)
check_ge "handshake_us (>= syn_synack_us)" "$s_us" "$h_us"
check_counters "counters after both SYN/ACKs" "$TMPD/done" \
	segments=4 syn=2 synack=2 ack_complete=1 established=1 simultaneous_open=1 \
	flows=1 flows_established=1 \
	syn_synack_us_count=1 syn_synack_us_sum="$s_us" syn_synack_us_hist="$(hist_with "$s_us")" \
	handshake_us_count=1 handshake_us_sum="$h_us" handshake_us_hist="$(hist_with "$h_us")"

test_done
