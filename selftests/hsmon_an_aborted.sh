#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The initiator gives up before any answer: SYN (seq J), then RST (seq J+1)
# from the same side, nothing from the responder (fsm.c: sSS -> sRS, aABORT).
# The flow is RESET with outcome aborted and Zeek's RSTOS0 ("originator sent
# a SYN followed by a RST, never saw a SYN-ACK"); reset=1 and aborted=1
# (aborted is a subset of reset), no refused: the RST came from the
# initiator, not from the responder.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40100
DPORT=8080
J=1000000
I="$AN_I4:$SPORT" R="$AN_R4:$DPORT"

topo_observer
craft $SPORT $DPORT o:S:$J snap:syn o:R:$((J + 1)) snap:rst

check_flow "after the SYN" "$TMPD/syn" initiator="$I" \
	"ipv4 $I $R forwarded SYN_SENT $J - 0 0 S - - # - S0 - - - - -"

check_flow "after the initiator's RST" "$TMPD/rst" initiator="$I" \
	"ipv4 $I $R forwarded RESET $J - 0 0 SR - - # aborted RSTOS0 - - - - -"
check_counters "counters after the RST" "$TMPD/rst" \
	segments=2 syn=1 reset=1 aborted=1 flows=1 flows_reset=1

test_done
