#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP Fast Open between real sockets (net.ipv4.tcp_fastopen=3 in the client
# and server namespaces, TCP_FASTOPEN on the listener), IPv4. The client
# opens two connections with sendto(10 bytes, MSG_FASTOPEN):
#   the first has no cookie yet: its SYN asks for one and carries no data
#     (the data follows the handshake, on the ACK completing it when the
#     kernel delays that ACK for the waiting sender: then note ack_data,
#     else no note; which one depends on scheduling);
#   the second has the cookie: its SYN carries the 10 bytes and the SYN/ACK
#     acks them (ack J+11): notes syn_data,syn_data_acked.
# Both are ESTABLISHED (outcome established), in the client's namespace
# (outbound) and in the server's (inbound); syn_data=1, syn_data_acked=1,
# established=2 on each side.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
trap cleanup EXIT

PORT=8080
LEN=10

topo_pair
for ns in "$NS_C" "$NS_S"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fastopen=3 >/dev/null ||
		skip "net.ipv4.tcp_fastopen not settable in $ns"
done
ready="$TMPD/tfo.ready"
spawn ip netns exec "$NS_S" "$PY" "$AN_HELPER" tfo-listen --addr "$S4" --port $PORT \
	--ready "$ready"
wait_file "$ready" || die "Fast Open server did not start"
out="$TMPD/tfo.out"
spawn ip netns exec "$NS_C" "$PY" "$AN_HELPER" tfo-connect --addr "$S4" --port $PORT \
	--len $LEN --count 2 --out "$out"
wait_file "$out" || die "Fast Open client did not report"
read -r res P1 P2 <"$out"
check_eq "Fast Open client" ok "$res"
{ is_uint "$P1" && is_uint "$P2"; } || die "client ports '$P1' '$P2'"

for side in client server; do
	if [ $side = client ]; then ns=$NS_C dir=outbound; else ns=$NS_S dir=inbound; fi
	busywait 10000 hsmon_counter_is "$ns" established 2
	snap="$TMPD/$side"
	hsmon_snap "$ns" "$snap"
	check_flow "$side: first connection (cookie request)" "$snap" initiator="$C4:$P1" \
		"ipv4 $C4:$P1 $S4:$PORT $dir ESTABLISHED # # 0 0 * SA * # established S1 # # # - -"
	notes1=$(flow_col "$snap" initiator="$C4:$P1" notes)
	check_match "$side: first connection's notes (no syn_data)" '^(-|ack_data)$' "$notes1"
	check_eq "$side: counter ack_data (the first connection's notes: $notes1)" \
		"$([ "$notes1" = ack_data ] && echo 1 || echo 0)" "$(counter_of "$snap" ack_data)"
	check_flow "$side: second connection (data in the SYN)" "$snap" initiator="$C4:$P2" \
		"ipv4 $C4:$P2 $S4:$PORT $dir ESTABLISHED # # 0 0 * SA syn_data,syn_data_acked # established S1 # # # - -"
	for c in syn_data syn_data_acked; do
		check_eq "$side: counter $c" 1 "$(counter_of "$snap" $c)"
	done
	for c in established flows flows_established; do
		check_eq "$side: counter $c" 2 "$(counter_of "$snap" $c)"
	done
	for c in bad_ack synack_data refused reset; do
		check_eq "$side: counter $c" 0 "$(counter_of "$snap" $c)"
	done
done

test_done
