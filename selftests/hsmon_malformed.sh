#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crafted segments that reach the hooks are counted and otherwise ignored.
# Sent from the client through a router to the server (client - router -
# server, so the router sees them before any reassembly):
#   TCP data offset 4 (IPv4 and IPv6), a TCP header cut short by the IPv4
#   total length, a data offset past the end              -> malformed +4
#   SYN+FIN, SYN+RST                                      -> bad_flags +2
#   a non-first IPv4 fragment and a non-first IPv6 one    -> fragments +2
# Nothing else changes: no counter but these (and segments) moves, and the
# flow table, an ESTABLISHED flow in it, stays the same. The server counts the
# same, but the IPv4 fragment only if its hook runs before reassembly.
# Then a valid IPv6 SYN behind hop-by-hop and destination options headers is
# still tracked, with its J, and is not malformed.

source "$(dirname "$0")/lib.sh"

require_hsmon
trap cleanup EXIT

DPORT=8080	# the server listens there (IPv4): it drops the oddities silently

topo_routed
listen_in "$NS_S" "$RS4" $DPORT
connect_from "$NS_C" "$RS4" $DPORT 40001
check_eq "connect" "connected 40001" "$CONNECT"
busywait 10000 hsmon_has_flow "$NS_S" state=ESTABLISHED
busywait 10000 hsmon_has_flow "$NS_R" state=ESTABLISHED
hsmon_snap "$NS_R" "$TMPD/r0"
hsmon_snap "$NS_S" "$TMPD/s0"

send() {
	ip netns exec "$NS_C" "$PY" "$PKT_HELPER" send --iface veth0 \
		--dmac "$(mac_of "$NS_R" vc)" --src4 "$C4" --dst4 "$RS4" \
		--src6 "$C6" --dst6 "$RS6" --dport $DPORT "$@" >/dev/null ||
		die "sending $*"
}

logt "malformed, bad flags, fragments"
send doff_short4:41001 tcp_trunc4:41002 doff_past_end4:41003 syn_fin4:41004 \
	syn_rst4:41005 frag4:41006 doff_short6:41007 frag6:41008

# rose_by NS BEFORE COUNTER N: COUNTER in NS is its value in BEFORE plus N.
rose_by() {
	[ "$(hsmon_counter "$1" "$3")" = $(($(counter_of "$2" "$3") + $4)) ]
}
all_arrived() {		# NS BEFORE FRAGMENTS
	rose_by "$1" "$2" malformed 4 && rose_by "$1" "$2" bad_flags 2 &&
		hsmon_counter_ge "$1" fragments $(($(counter_of "$2" fragments) + $3))
}
busywait 10000 all_arrived "$NS_R" "$TMPD/r0" 2
busywait 10000 all_arrived "$NS_S" "$TMPD/s0" 1
hsmon_snap "$NS_R" "$TMPD/r1"
hsmon_snap "$NS_S" "$TMPD/s1"

for side in router server; do
	before="$TMPD/${side:0:1}0" after="$TMPD/${side:0:1}1"
	for c in $HSMON_COUNTERS; do
		b=$(counter_of "$before" "$c")
		a=$(counter_of "$after" "$c")
		case $side.$c in
		*.segments) ;;
		*.malformed) check_eq "$side: counter $c" $((b + 4)) "$a" ;;
		*.bad_flags) check_eq "$side: counter $c" $((b + 2)) "$a" ;;
		router.fragments) check_eq "$side: counter $c" $((b + 2)) "$a" ;;
		server.fragments)
			check_ge "$side: counter $c (IPv6 one at least)" $((b + 1)) "$a"
			check_le "$side: counter $c" $((b + 2)) "$a"
			;;
		*) [ "$a" = "$b" ] || fail "$side: counter $c: expected $b (unchanged), seen $a" ;;
		esac
	done
	check_eq "$side: the flow table (age_ms aside)" "$(flow_sans_age "$before")" \
		"$(flow_sans_age "$after")"
done

logt "a SYN behind hop-by-hop and destination options headers"
send exthdr_syn6:41009:12345
INITIATOR="[$C6]:41009"
busywait 10000 hsmon_has_flow "$NS_R" initiator="$INITIATOR"
busywait 10000 hsmon_has_flow "$NS_S" initiator="$INITIATOR"
for side in router server; do
	case $side in
	router) ns=$NS_R dir=forwarded before="$TMPD/r1" ;;
	server) ns=$NS_S dir=inbound before="$TMPD/s1" ;;
	esac
	snap="$TMPD/$side.2"
	hsmon_snap "$ns" "$snap"
	check_eq "$side: flow from $INITIATOR (family responder direction isn_j)" \
		"ipv6 [$RS6]:$DPORT $dir 12345" \
		"$(flow_cols "$snap" "family responder direction isn_j" initiator="$INITIATOR")"
	check_eq "$side: counter syn" $(($(counter_of "$before" syn) + 1)) \
		"$(counter_of "$snap" syn)"
	check_eq "$side: counter malformed" "$(counter_of "$before" malformed)" \
		"$(counter_of "$snap" malformed)"
done

test_done
