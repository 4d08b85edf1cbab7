#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SYN that the peer drops: with syn_timeout=3 the client's flow is SYN_SENT
# with syn_rtx >= 1 (Linux retransmits the SYN after 1 s), then TIMED_OUT
# no sooner than 3 s after the SYN and within a bounded time; timed_out=1.
# The client gives up after 2 s, before its second retransmission (at 3 s),
# so no SYN comes after the timeout.

source "$(dirname "$0")/lib.sh"

require_hsmon
require_cmd nft
trap cleanup EXIT

SYN_TIMEOUT=3
SPORT=40001
DPORT=8080
INITIATOR="$C4:$SPORT"

hsmon_reload syn_timeout=$SYN_TIMEOUT || die "insmod syn_timeout=$SYN_TIMEOUT"

topo_pair
ip netns exec "$NS_S" nft -f - <<EOT || die "nft in $NS_S"
table inet hsmon_test {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		tcp dport $DPORT drop
	}
}
EOT

t0=$(now_ms)
spawn ip netns exec "$NS_C" "$PY" "$TCP_HELPER" connect --addr "$S4" --port $DPORT \
	--sport $SPORT --timeout 2 --out "$TMPD/client"

# sent_then_rtx: poll until the flow is SYN_SENT with a retransmission counted,
# or already past SYN_SENT (a failure, told below).
snap="$TMPD/snap"
sent_then_rtx() {
	hsmon_snap "$NS_C" "$snap"
	state=$(flow_field "$snap" state initiator="$INITIATOR")
	rtx=$(flow_field "$snap" syn_rtx initiator="$INITIATOR")
	[ -n "$state" ] && [ "$state" != SYN_SENT ] && return 0
	[ "$state" = SYN_SENT ] && [ "${rtx:-0}" -ge 1 ]
}
busywait 20000 sent_then_rtx
logt "flow: $(flows_of "$snap")"
check_eq "state once the SYN was retransmitted" SYN_SENT "$state"
check_ge "syn_rtx while SYN_SENT" 1 "$rtx"
check_eq "isn_k while SYN_SENT" - "$(flow_field "$snap" isn_k initiator="$INITIATOR")"

wait_file "$TMPD/client" || die "client did not report"
read -r w1 w2 _ <"$TMPD/client"
check_eq "client connect" "error timeout" "$w1 $w2"

busywait 30000 hsmon_has_flow "$NS_C" initiator="$INITIATOR" state=TIMED_OUT
elapsed=$(($(now_ms) - t0))
hsmon_snap "$NS_C" "$snap"
logt "flow: $(flows_of "$snap")"
check_eq "state after syn_timeout" TIMED_OUT "$(flow_field "$snap" state initiator="$INITIATOR")"
check_ge "ms from connect to TIMED_OUT seen" $((SYN_TIMEOUT * 1000)) "$elapsed"
check_eq "flows in the table" 1 "$(flow_count "$snap")"

rtx=$(flow_field "$snap" syn_rtx)
check_ge "syn_rtx" 1 "$rtx"
check_eq "the flow (family .. notes)" \
	"ipv4 $INITIATOR $S4:$DPORT outbound TIMED_OUT $(flow_field "$snap" isn_j) - $rtx 0 S - -" \
	"$(flow_core "$snap")"
check_eq "counter syn_retrans (= the flow's syn_rtx)" "$rtx" "$(counter_of "$snap" syn_retrans)"
for c in timed_out flows flows_timed_out; do
	check_eq "counter $c" 1 "$(counter_of "$snap" $c)"
done
for c in synack established refused reset flows_syn_sent; do
	check_eq "counter $c" 0 "$(counter_of "$snap" $c)"
done

test_done
