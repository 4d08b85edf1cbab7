#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A handshake over loopback inside one namespace is one flow, direction local,
# counted once although each segment crosses both the output and the input
# hooks: after a connect to 127.0.0.1, syn=synack=ack_complete=established=1
# and segments=3; after one more to ::1, each is 2 and segments 6.

source "$(dirname "$0")/lib.sh"

require_hsmon
trap cleanup EXIT

DPORT=8080

setup_ns NS_L
snap="$TMPD/snap"

# check_counters N: N handshakes seen, each once.
check_counters() {
	local c

	for c in syn synack ack_complete established flows flows_established; do
		check_eq "counter $c" "$1" "$(counter_of "$snap" $c)"
	done
	check_eq "counter segments" $((3 * $1)) "$(counter_of "$snap" segments)"
	for c in refused reset closed bad_ack syn_retrans synack_retrans untracked \
		malformed bad_flags; do
		check_eq "counter $c" 0 "$(counter_of "$snap" $c)"
	done
}

logt "IPv4: 127.0.0.1:40001 -> 127.0.0.1:$DPORT"
listen_in "$NS_L" 127.0.0.1 $DPORT
connect_from "$NS_L" 127.0.0.1 $DPORT 40001 --capture lo
check_eq "connect" "connected 40001" "$CONNECT"
busywait 10000 hsmon_has_flow "$NS_L" initiator=127.0.0.1:40001 state=ESTABLISHED
hsmon_snap "$NS_L" "$snap"
check_eq "flows in the table" 1 "$(flow_count "$snap")"
check_eq "the flow (family .. notes)" \
	"ipv4 127.0.0.1:40001 127.0.0.1:$DPORT local ESTABLISHED $ISN_J $ISN_K 0 0 SA SA -" \
	"$(flow_core "$snap")"
check_counters 1

logt "IPv6: [::1]:40002 -> [::1]:$DPORT"
listen_in "$NS_L" ::1 $DPORT
connect_from "$NS_L" ::1 $DPORT 40002 --capture lo
check_eq "connect" "connected 40002" "$CONNECT"
busywait 10000 hsmon_has_flow "$NS_L" initiator="[::1]:40002" state=ESTABLISHED
hsmon_snap "$NS_L" "$snap"
check_eq "flows in the table" 2 "$(flow_count "$snap")"
check_eq "the IPv6 flow (family .. notes)" \
	"ipv6 [::1]:40002 [::1]:$DPORT local ESTABLISHED $ISN_J $ISN_K 0 0 SA SA -" \
	"$(flow_core "$snap" family=ipv6)"
check_counters 2

test_done
