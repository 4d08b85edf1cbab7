#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A handshake routed through a namespace: client - router - server, IPv4 and
# IPv6. The router sees each flow as forwarded and ESTABLISHED with the J and
# K of the wire, and counts each handshake once; the client sees it outbound,
# the server inbound.

source "$(dirname "$0")/lib.sh"

require_hsmon
trap cleanup EXIT

DPORT=8080

topo_routed
listen_in "$NS_S" "$RS4" $DPORT
listen_in "$NS_S" "$RS6" $DPORT

# forward FAMILY SERVER_ADDR SPORT INITIATOR RESPONDER
forward() {
	local fam=$1 sport=$3 side ns dir snap

	logt "$fam: $4 -> $5 through the router"
	connect_from "$NS_C" "$2" $DPORT "$sport" --capture veth0
	check_eq "$fam: connect" "connected $sport" "$CONNECT"
	busywait 10000 hsmon_has_flow "$NS_S" initiator="$4" state=ESTABLISHED

	for side in client router server; do
		case $side in
		client) ns=$NS_C dir=outbound ;;
		router) ns=$NS_R dir=forwarded ;;
		server) ns=$NS_S dir=inbound ;;
		esac
		snap="$TMPD/$side"
		hsmon_snap "$ns" "$snap"
		check_eq "$fam $side: the flow (family .. notes)" \
			"$fam $4 $5 $dir ESTABLISHED $ISN_J $ISN_K 0 0 SA SA -" \
			"$(flow_core "$snap" initiator="$4")"
	done
}

forward ipv4 "$RS4" 40001 "$C4:40001" "$RS4:$DPORT"
forward ipv6 "$RS6" 40002 "[$C6]:40002" "[$RS6]:$DPORT"

# The router counted each handshake once, although its segments crossed
# several of its hooks.
snap="$TMPD/router"
check_eq "router: flows in the table" 2 "$(flow_count "$snap")"
check_eq "router: forwarded flows" 2 "$(flow_count "$snap" direction=forwarded)"
for c in syn synack ack_complete established flows flows_established; do
	check_eq "router: counter $c" 2 "$(counter_of "$snap" $c)"
done
check_eq "router: counter segments" 6 "$(counter_of "$snap" segments)"
for c in refused reset timed_out closed bad_ack syn_retrans synack_retrans untracked; do
	check_eq "router: counter $c" 0 "$(counter_of "$snap" $c)"
done

test_done
