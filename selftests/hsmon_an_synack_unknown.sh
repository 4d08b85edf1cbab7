#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SYN/ACK of a connection whose SYN was never seen: hsmon tracks nothing
# (a flow starts only at a SYN; fsm.c's sNO column never moves on a reply),
# counts it untracked=1 (and, as for every segment, segments=1 and
# synack=1) and nothing else: no flow, no bad_ack, no histogram sample.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40500
DPORT=8080
J=1000000
K=3000000

topo_observer
craft $SPORT $DPORT r:SA:$K:$((J + 1)) snap:after

check_eq "flows shown" 0 "$(flow_count "$TMPD/after")"
check_counters "counters" "$TMPD/after" segments=1 synack=1 untracked=1

test_done
