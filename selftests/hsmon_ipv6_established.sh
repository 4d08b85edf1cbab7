#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real IPv6 connect between two namespaces is one ESTABLISHED flow in each:
# outbound in the client's, inbound in the server's, with the ISNs J and K
# that the wire carried (a packet socket in the client's namespace sees the
# SYN and the SYN/ACK), and counters syn=synack=ack_complete=established=1,
# segments=3 (each segment once), nothing else.

source "$(dirname "$0")/lib.sh"

require_hsmon
trap cleanup EXIT

SPORT=40001
DPORT=8080

topo_pair
listen_in "$NS_S" "$S6" $DPORT
connect_from "$NS_C" "$S6" $DPORT $SPORT --capture veth0
check_eq "client connect" "connected $SPORT" "$CONNECT"
check_match "J and K on the wire" '^[0-9]+ [0-9]+$' "$ISN_J $ISN_K"

busywait 10000 hsmon_has_flow "$NS_C" state=ESTABLISHED
busywait 10000 hsmon_has_flow "$NS_S" state=ESTABLISHED

for side in client server; do
	if [ $side = client ]; then
		ns=$NS_C dir=outbound
	else
		ns=$NS_S dir=inbound
	fi
	snap="$TMPD/$side"
	hsmon_snap "$ns" "$snap"

	check_eq "$side: flows in the table" 1 "$(flow_count "$snap")"
	check_eq "$side: the flow (family .. notes)" \
		"ipv6 [$C6]:$SPORT [$S6]:$DPORT $dir ESTABLISHED $ISN_J $ISN_K 0 0 SA SA -" \
		"$(flow_core "$snap")"
	check_match "$side: age_ms" '^[0-9]+$' "$(flow_field "$snap" age_ms)"

	for c in syn synack ack_complete established flows flows_established; do
		check_eq "$side: counter $c" 1 "$(counter_of "$snap" $c)"
	done
	check_eq "$side: counter segments (SYN, SYN/ACK, ACK, once each)" 3 \
		"$(counter_of "$snap" segments)"
	for c in refused reset timed_out closed bad_ack syn_retrans synack_retrans \
		port_reuse malformed fragments bad_flags untracked evicted table_full \
		flows_syn_sent flows_syn_rcvd; do
		check_eq "$side: counter $c" 0 "$(counter_of "$snap" $c)"
	done
done

test_done
