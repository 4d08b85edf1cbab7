#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A connect to a closed port is answered by RST/ACK: the flow is REFUSED, in
# the client's namespace (outbound) and in the server's (inbound), with the J
# of the wire and no K (`-`); refused=1, and no established, reset or synack.
# Then the same over IPv6: refused=2.

source "$(dirname "$0")/lib.sh"

require_hsmon
trap cleanup EXIT

DPORT=8081	# nothing listens there

topo_pair

# refuse FAMILY SERVER_ADDR SPORT INITIATOR RESPONDER N
refuse() {
	local fam=$1 sport=$3 n=$6 side ns dir snap c

	logt "$fam: $4 -> $5 (closed)"
	connect_from "$NS_C" "$2" $DPORT "$sport" --capture veth0
	check_eq "$fam: connect" "error ECONNREFUSED" "$CONNECT"
	check_match "$fam: J on the wire" '^[0-9]+$' "$ISN_J"

	busywait 10000 hsmon_has_flow "$NS_S" family="$fam" state=REFUSED
	for side in client server; do
		if [ $side = client ]; then
			ns=$NS_C dir=outbound
		else
			ns=$NS_S dir=inbound
		fi
		snap="$TMPD/$side"
		hsmon_snap "$ns" "$snap"
		check_eq "$fam $side: flows in the table" "$n" "$(flow_count "$snap")"
		check_eq "$fam $side: the flow (family .. notes)" \
			"$fam $4 $5 $dir REFUSED $ISN_J - 0 0 S AR -" \
			"$(flow_core "$snap" family="$fam")"
		for c in refused syn flows flows_refused; do
			check_eq "$fam $side: counter $c" "$n" "$(counter_of "$snap" $c)"
		done
		for c in synack ack_complete established reset closed timed_out bad_ack \
			untracked flows_syn_sent flows_syn_rcvd flows_established flows_reset; do
			check_eq "$fam $side: counter $c" 0 "$(counter_of "$snap" $c)"
		done
	done
}

refuse ipv4 "$S4" 40001 "$C4:40001" "$S4:$DPORT" 1
refuse ipv6 "$S6" 40002 "[$C6]:40002" "[$S6]:$DPORT" 2

test_done
