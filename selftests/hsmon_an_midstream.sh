#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ACKs of a connection whose handshake was never seen, one each way.
# By default (track_midstream=0) they are counted untracked=2 and make no
# flow. With track_midstream=1 the first ACK starts a MIDSTREAM flow
# (outcome midstream, Zeek's OTH, note midstream; midstream=1), to which the
# second ACK, the other way, belongs.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40800
DPORT=8080
SEQ_I=1000000	# the initiator's next sequence number, mid-connection
SEQ_R=3000000
I="$AN_I4:$SPORT" R="$AN_R4:$DPORT"

topo_observer

logt "track_midstream=0 (the default)"
craft $SPORT $DPORT o:A:$SEQ_I:$SEQ_R r:A:$SEQ_R:$SEQ_I snap:off
check_eq "flows shown (track_midstream=0)" 0 "$(flow_count "$TMPD/off")"
check_counters "counters (track_midstream=0)" "$TMPD/off" segments=2 untracked=2

logt "track_midstream=1"
hsmon_reload track_midstream=1 || die "insmod track_midstream=1"
craft $SPORT $DPORT o:A:$SEQ_I:$SEQ_R snap:first r:A:$SEQ_R:$SEQ_I snap:on
# isn_j: the sequence number of the first segment seen (there is no ISN to
# show); the first ACK is both counted untracked and the start of the flow.
check_flow "after the first ACK (track_midstream=1)" "$TMPD/first" initiator="$I" \
	"ipv4 $I $R forwarded MIDSTREAM $SEQ_I - 0 0 A - midstream # midstream OTH - - - - -"
check_flow "after the ACK back (track_midstream=1)" "$TMPD/on" initiator="$I" \
	"ipv4 $I $R forwarded MIDSTREAM $SEQ_I - 0 0 A A midstream # midstream OTH - - - - -"
check_counters "counters (track_midstream=1)" "$TMPD/on" \
	segments=2 untracked=1 midstream=1 flows=1 flows_midstream=1

test_done
