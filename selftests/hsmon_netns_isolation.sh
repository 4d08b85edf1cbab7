#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A flow lives in the namespaces it crosses only: a handshake between A and
# its peer P (IPv4 and IPv6) shows in A and P, while a third namespace B sees
# no flow and all its counters stay 0, and the flows are not in the initial
# namespace's /proc/hsmon either.

source "$(dirname "$0")/lib.sh"

require_hsmon
trap cleanup EXIT

DPORT=8080

topo_pair
NS_A=$NS_C NS_P=$NS_S
setup_ns NS_B

listen_in "$NS_P" "$S4" $DPORT
listen_in "$NS_P" "$S6" $DPORT
connect_from "$NS_A" "$S4" $DPORT 40001
check_eq "connect to $S4" "connected 40001" "$CONNECT"
connect_from "$NS_A" "$S6" $DPORT 40002
check_eq "connect to $S6" "connected 40002" "$CONNECT"
busywait 10000 hsmon_has_flow "$NS_P" state=ESTABLISHED initiator="[$C6]:40002"

# The flows exist, so their absence elsewhere means something.
for ns in "$NS_A" "$NS_P"; do
	hsmon_snap "$ns" "$TMPD/snap"
	check_eq "flows in $ns" 2 "$(flow_count "$TMPD/snap")"
	check_eq "counter established in $ns" 2 "$(counter_of "$TMPD/snap" established)"
done

snap="$TMPD/b"
hsmon_snap "$NS_B" "$snap"
check_eq "flows in B" 0 "$(flow_count "$snap")"
for c in $HSMON_COUNTERS; do
	case $c in
	max_flows | entry_size) ;;
	*) check_eq "counter $c in B" 0 "$(counter_of "$snap" "$c")" ;;
	esac
done

hsmon_snap init "$TMPD/init"
check_eq "flows of A in the initial namespace" 0 \
	$(($(flow_count "$TMPD/init" initiator="$C4:40001") + \
	$(flow_count "$TMPD/init" initiator="[$C6]:40002")))

test_done
