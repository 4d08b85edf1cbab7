#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# syn_synack_us measures the network: with netem delaying what the server's
# side sends by 200 ms (so the SYN/ACK), the client's namespace measures a
# SYN->SYN/ACK time of at least 200 ms, and not much more. IPv4 and IPv6.
#
# Tolerance: the guests run under QEMU TCG, where a handshake between two
# namespaces already takes milliseconds to tens of milliseconds and timers
# fire late when the host is busy. So each family's baseline (same path, no
# netem, measured first in this test) is allowed on top of the 200 ms, plus
# a 150 ms margin for jitter between the two measurements. A delay that was
# not measured (0 ms) or measured twice (400 ms) still fails.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
require_cmd tc
trap cleanup EXIT

PORT=8080
DELAY_US=200000
MARGIN_US=150000

topo_pair
# Permanent neighbour entries: no ARP/ND (itself delayed by netem) between a
# SYN leaving the client's hooks and the wire.
ns_batch "$NS_C" <<EOF2
neigh replace $S4 lladdr $(mac_of "$NS_S" veth0) dev veth0 nud permanent
neigh replace $S6 lladdr $(mac_of "$NS_S" veth0) dev veth0 nud permanent
EOF2
ns_batch "$NS_S" <<EOF2
neigh replace $C4 lladdr $(mac_of "$NS_C" veth0) dev veth0 nud permanent
neigh replace $C6 lladdr $(mac_of "$NS_C" veth0) dev veth0 nud permanent
EOF2
listen_in "$NS_S" :: $PORT	# dual stack: IPv4 and IPv6

# synack_us NAME ADDR SPORT INITIATOR: connect, wait for the flow to be
# established in the client's namespace, set US to its syn_synack_us.
synack_us() {
	local snap="$TMPD/$1"

	connect_from "$NS_C" "$2" $PORT "$3"
	check_eq "$1: connect" "connected $3" "$CONNECT"
	busywait 10000 hsmon_has_flow "$NS_C" initiator="$4" state=ESTABLISHED ||
		fail "$1: no ESTABLISHED flow for $4"
	hsmon_snap "$NS_C" "$snap"
	US=$(flow_col "$snap" initiator="$4" syn_synack_us)
	logt "$1: $(flows_of "$snap" initiator="$4")"
	is_uint "$US" || { fail "$1: syn_synack_us '$US'"; US=0; }
}

synack_us "ipv4 baseline" "$S4" 42001 "$C4:42001"
base4=$US
synack_us "ipv6 baseline" "$S6" 42002 "[$C6]:42002"
base6=$US

if ! ip netns exec "$NS_S" tc qdisc add dev veth0 root netem delay 200ms 2>"$TMPD/tc.err"; then
	log "$(cat "$TMPD/tc.err")"
	skip "netem not available (sch_netem)"
fi

synack_us "ipv4 with netem" "$S4" 42003 "$C4:42003"
check_ge "ipv4 syn_synack_us with netem delay 200ms" $DELAY_US "$US"
check_le "ipv4 syn_synack_us with netem (200 ms + baseline $base4 us + margin)" \
	$((DELAY_US + base4 + MARGIN_US)) "$US"
synack_us "ipv6 with netem" "$S6" 42004 "[$C6]:42004"
check_ge "ipv6 syn_synack_us with netem delay 200ms" $DELAY_US "$US"
check_le "ipv6 syn_synack_us with netem (200 ms + baseline $base6 us + margin)" \
	$((DELAY_US + base6 + MARGIN_US)) "$US"

test_done
