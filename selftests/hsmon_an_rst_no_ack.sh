#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A RST without the ACK bit answering a SYN does not refuse the connection
# (RFC 9293 3.10.7.3: in SYN-SENT the initiator drops a RST that does not
# ack its SYN; fsm.c: sSS, aREFUSE): the flow stays SYN_SENT with no
# outcome, refused=0. Its Zeek state is REJ all the same: Zeek does not judge
# the RST acceptable or not, a RST from the responder to an originator in
# SYN_SENT is a rejection for it (conn_state: resp RESET, orig SYN_SENT).
# (docs/an-findings.md, finding 4: S1 there until 681e3d8.)
# Then a RST|ACK acking J+1 refuses it: REFUSED, outcome refused, REJ;
# refused=1.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40900
DPORT=8080
J=1000000
I="$AN_I4:$SPORT" R="$AN_R4:$DPORT"

topo_observer
craft $SPORT $DPORT o:S:$J r:R:0 snap:rst r:RA:0:$((J + 1)) snap:rstack

check_flow "after a RST without ACK" "$TMPD/rst" initiator="$I" \
	"ipv4 $I $R forwarded SYN_SENT $J - 0 0 S R - # - REJ - - - - -"
check_counters "counters after a RST without ACK" "$TMPD/rst" \
	segments=2 syn=1 flows=1 flows_syn_sent=1

check_flow "after a RST|ACK acking J+1" "$TMPD/rstack" initiator="$I" \
	"ipv4 $I $R forwarded REFUSED $J - 0 0 S AR - # refused REJ - - - - -"
check_counters "counters after a RST|ACK acking J+1" "$TMPD/rstack" \
	segments=3 syn=1 refused=1 flows=1 flows_refused=1

test_done
