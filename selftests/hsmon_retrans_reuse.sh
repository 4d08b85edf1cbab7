#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# On a router between client and server (the server drops the SYNs, so only
# the initiator speaks), for IPv4 and IPv6:
#   the same SYN twice (same J)      -> one flow, syn_rtx 1, syn_retrans +1
#   then a SYN with another ISN on the same 5-tuple
#                                    -> still one flow, now with the new J and
#                                       the note port_reuse; port_reuse +1

source "$(dirname "$0")/lib.sh"

require_hsmon
require_cmd nft
trap cleanup EXIT

DPORT=8080

topo_routed
ip netns exec "$NS_S" nft -f - <<EOT || die "nft in $NS_S"
table inet hsmon_test {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		tcp dport $DPORT drop
	}
}
EOT

send() {
	ip netns exec "$NS_C" "$PY" "$PKT_HELPER" send --iface veth0 \
		--dmac "$(mac_of "$NS_R" vc)" --src4 "$C4" --dst4 "$RS4" \
		--src6 "$C6" --dst6 "$RS6" --dport $DPORT "$@" >/dev/null ||
		die "sending $*"
}

snap="$TMPD/snap"
V4="$C4:42001" V6="[$C6]:42002"

logt "the same SYN twice"
send syn4:42001:1000 syn4:42001:1000 syn6:42002:2000 syn6:42002:2000
busywait 10000 hsmon_counter_is "$NS_R" syn_retrans 2
hsmon_snap "$NS_R" "$snap"
check_eq "counter syn_retrans" 2 "$(counter_of "$snap" syn_retrans)"
check_eq "counter port_reuse" 0 "$(counter_of "$snap" port_reuse)"
check_eq "flows" 2 "$(flow_count "$snap")"
check_eq "IPv4 flow (family .. notes)" \
	"ipv4 $V4 $RS4:$DPORT forwarded SYN_SENT 1000 - 1 0 S - -" \
	"$(flow_core "$snap" initiator="$V4")"
check_eq "IPv6 flow (family .. notes)" \
	"ipv6 $V6 [$RS6]:$DPORT forwarded SYN_SENT 2000 - 1 0 S - -" \
	"$(flow_core "$snap" initiator="$V6")"

logt "a new ISN on the same 5-tuples"
send syn4:42001:5000 syn6:42002:6000
busywait 10000 hsmon_counter_is "$NS_R" port_reuse 2
hsmon_snap "$NS_R" "$snap"
check_eq "counter port_reuse" 2 "$(counter_of "$snap" port_reuse)"
check_eq "counter syn_retrans" 2 "$(counter_of "$snap" syn_retrans)"
check_eq "flows" 2 "$(flow_count "$snap")"
while read -r ini j; do
	check_eq "flow $ini: state isn_j isn_k notes" "SYN_SENT $j - port_reuse" \
		"$(flow_cols "$snap" "state isn_j isn_k notes" initiator="$ini")"
done <<EOT
$V4 5000
$V6 6000
EOT

test_done
