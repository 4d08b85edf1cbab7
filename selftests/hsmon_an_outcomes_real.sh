#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The outcome and Zeek state of handshakes made by real sockets, as the
# client's namespace sees them (outbound), IPv4:
#   established  connect to a listener, held open: ESTABLISHED, outcome
#                established, Zeek S1 (open, not closed); the three times
#                are shown, handshake_us = syn_synack_us + synack_ack_us, and
#                each histogram holds exactly that one sample (count 1, sum
#                the flow's value, the slot of that value)
#   unanswered   the server's namespace drops the SYNs; syn_timeout=2: the
#                flow times out with outcome unanswered, Zeek S0;
#                timed_out=1, unanswered=1
#   refused      connect to a closed port: REFUSED, outcome refused, Zeek REJ
# linger_timeout is raised so that no finished flow expires during the test.

source "$(dirname "$0")/an_lib.sh"

require_hsmon
require_cmd nft
trap cleanup EXIT

SYN_TIMEOUT=2
PORT_OPEN=8080
PORT_DROP=8081
PORT_CLOSED=8082
SP_EST=41001 SP_DROP=41002 SP_REF=41003

hsmon_reload syn_timeout=$SYN_TIMEOUT linger_timeout=3600 ||
	die "insmod syn_timeout=$SYN_TIMEOUT linger_timeout=3600"
topo_pair
ip netns exec "$NS_S" nft -f - <<EOT || die "nft in $NS_S"
table inet hsmon_an {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		tcp dport $PORT_DROP drop
	}
}
EOT
listen_in "$NS_S" "$S4" $PORT_OPEN
snap="$TMPD/snap"

logt "established"
connect_from "$NS_C" "$S4" $PORT_OPEN $SP_EST --capture veth0
check_eq "connect to the listener" "connected $SP_EST" "$CONNECT"
I="$C4:$SP_EST"
busywait 10000 hsmon_has_flow "$NS_C" initiator="$I" state=ESTABLISHED
hsmon_snap "$NS_C" "$snap"
check_flow "established flow" "$snap" initiator="$I" \
	"ipv4 $I $S4:$PORT_OPEN outbound ESTABLISHED $ISN_J $ISN_K 0 0 SA SA - # established S1 # # # - -"
s_us=$(flow_col "$snap" initiator="$I" syn_synack_us)
a_us=$(flow_col "$snap" initiator="$I" synack_ack_us)
h_us=$(flow_col "$snap" initiator="$I" handshake_us)
# Real packets between two namespaces take time: none of the three is 0.
check_ge "syn_synack_us" 1 "$s_us"
check_ge "synack_ack_us" 1 "$a_us"
check_eq "handshake_us = syn_synack_us + synack_ack_us ($s_us + $a_us)" \
	"$((s_us + a_us))" "$h_us"

logt "unanswered (the server's namespace drops the SYNs)"
t0=$(now_ms)
# The client gives up before Linux's second SYN retransmission (3 s), so no
# SYN follows the timeout.
connect_from "$NS_C" "$S4" $PORT_DROP $SP_DROP --timeout 1.5 --capture veth0
check_eq "connect to the dropping port" "error timeout" "$CONNECT"
I="$C4:$SP_DROP"
busywait 20000 hsmon_has_flow "$NS_C" initiator="$I" state=TIMED_OUT ||
	fail "no TIMED_OUT flow within 20 s (syn_timeout=$SYN_TIMEOUT)"
check_ge "ms from connect to TIMED_OUT seen" $((SYN_TIMEOUT * 1000)) $(($(now_ms) - t0))
hsmon_snap "$NS_C" "$snap"
rtx=$(flow_col "$snap" initiator="$I" syn_rtx)
check_flow "unanswered flow" "$snap" initiator="$I" \
	"ipv4 $I $S4:$PORT_DROP outbound TIMED_OUT $ISN_J - # 0 S - - # unanswered S0 - - - - -"
check_le "syn_rtx of the unanswered flow (one retransmission within 1.5 s)" 1 "$rtx"

logt "refused"
connect_from "$NS_C" "$S4" $PORT_CLOSED $SP_REF --capture veth0
check_eq "connect to the closed port" "error ECONNREFUSED" "$CONNECT"
I="$C4:$SP_REF"
busywait 10000 hsmon_has_flow "$NS_C" initiator="$I" state=REFUSED
hsmon_snap "$NS_C" "$snap"
check_flow "refused flow" "$snap" initiator="$I" \
	"ipv4 $I $S4:$PORT_CLOSED outbound REFUSED $ISN_J - 0 0 S AR - # refused REJ - - - - -"

# Segments: SYN, SYN/ACK, ACK; SYN (+ retransmissions); SYN, RST/ACK.
check_counters "counters after the three" "$snap" \
	segments=$((6 + rtx)) syn=$((3 + rtx)) synack=1 ack_complete=1 established=1 \
	refused=1 timed_out=1 unanswered=1 syn_retrans="$rtx" \
	flows=3 flows_established=1 flows_refused=1 flows_timed_out=1 \
	syn_synack_us_count=1 syn_synack_us_sum="$s_us" syn_synack_us_hist="$(hist_with "$s_us")" \
	synack_ack_us_count=1 synack_ack_us_sum="$a_us" synack_ack_us_hist="$(hist_with "$a_us")" \
	handshake_us_count=1 handshake_us_sum="$h_us" handshake_us_hist="$(hist_with "$h_us")"

test_done
