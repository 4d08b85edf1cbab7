#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every netlink operation acts on the caller's namespace only. With a
# client namespace C and a server namespace S, one IPv4 handshake C -> S
# (seen by both) and one loopback handshake inside S (seen by S only):
#   - stats: C counts 1 established, S 2;
#   - a flow dump in C shows C's one flow, in S S's two;
#   - config set in C changes C's config and not S's;
#   - a notification for S's loopback handshake reaches S's listener and not
#     C's;
#   - flush in C empties C's table and leaves S's as it was.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
trap cleanup EXIT

# Nothing may expire while the test looks (TCG guests are slow).
hsmon_reload linger_timeout=3600 || die "insmod linger_timeout=3600"
topo_pair
require_genl

tcp_listen "$NS_S" "$S4" 8080
tcp_listen "$NS_S" 127.0.0.1 8081
tcp_connect "$NS_C" "$S4" 8080 40001 "connected 40001"
busywait 10000 hsmon_has_flow "$NS_S" state=ESTABLISHED initiator="$C4:40001" ||
	die "S has no ESTABLISHED flow from $C4:40001"

# Listeners in both, before S's loopback handshake.
for ns in C S; do
	eval "n=\$NS_$ns"
	spawn ip netns exec "$n" "${NL_RUN[@]}" listen --ready "$TMPD/listen.$ns" \
		>"$TMPD/events.$ns"
	wait_file "$TMPD/listen.$ns" || die "listener in $ns did not join"
done
tcp_connect "$NS_S" 127.0.0.1 8081 40002 "connected 40002"
wait_file "$TMPD/events.S" 10000 || fail "S's listener got no event for S's loopback handshake"
check_eq "S's listener: events" \
	"flow_event established ipv4 127.0.0.1:40002 127.0.0.1:8081 local ESTABLISHED" \
	"$(cut -d' ' -f1-7 "$TMPD/events.S")"
check_eq "C's listener: events (S's handshake is not C's)" "" "$(cat "$TMPD/events.C")"

# Stats and dumps.
nl_snap "$NS_C" "$TMPD/c.stats"
nl_snap "$NS_S" "$TMPD/s.stats"
check_eq "C: counter established" 1 "$(stat_of "$TMPD/c.stats" established)"
check_eq "S: counter established" 2 "$(stat_of "$TMPD/s.stats" established)"
check_eq "C: counter flows" 1 "$(stat_of "$TMPD/c.stats" flows)"
check_eq "S: counter flows" 2 "$(stat_of "$TMPD/s.stats" flows)"
check_eq "C: dumped flows" \
	"ipv4 $C4:40001 $S4:8080 outbound ESTABLISHED" \
	"$(nl "$NS_C" dump | cut -d' ' -f1-5 | sort)"
check_eq "S: dumped flows" \
	"$(LC_ALL=C sort <<<"ipv4 $C4:40001 $S4:8080 inbound ESTABLISHED
ipv4 127.0.0.1:40002 127.0.0.1:8081 local ESTABLISHED")" \
	"$(nl "$NS_S" dump | cut -d' ' -f1-5 | LC_ALL=C sort)"

# Config.
s_config=$(nl "$NS_S" config-get)
check_eq "C: config set" ok "$(nl "$NS_C" config-set max_flows=1000 syn_timeout=7 \
	linger_timeout=9 events=0)"
c_config=$(nl "$NS_C" config-get)
check_eq "C: config after set" "1000 7 9 0" \
	"$(awk '{ v[$1] = $2 } END { print v["max_flows"], v["syn_timeout"],
		v["linger_timeout"], v["events"] }' <<<"$c_config")"
check_eq "S: config after C's set (lines that differ)" "" \
	"$(diff <(echo "$s_config") <(nl "$NS_S" config-get) | grep '^[<>]')"
check_eq "S: config" "65536 120 3600 1" \
	"$(awk '{ v[$1] = $2 } END { print v["max_flows"], v["syn_timeout"],
		v["linger_timeout"], v["events"] }' <<<"$s_config")"

# Flush.
check_eq "C: flush" ok "$(nl "$NS_C" flush)"
nl_snap "$NS_C" "$TMPD/c.stats"
nl_snap "$NS_S" "$TMPD/s.stats"
check_eq "C: counter flows after C's flush" 0 "$(stat_of "$TMPD/c.stats" flows)"
check_eq "C: counter established after C's flush (counters stay)" 1 \
	"$(stat_of "$TMPD/c.stats" established)"
check_eq "C: stats max_flows" 1000 "$(stat_of "$TMPD/c.stats" max_flows)"
check_eq "S: counter flows after C's flush" 2 "$(stat_of "$TMPD/s.stats" flows)"
check_eq "S: stats max_flows" 65536 "$(stat_of "$TMPD/s.stats" max_flows)"
check_eq "C: dumped flows after C's flush" "" "$(nl "$NS_C" dump)"
check_eq "S: dumped flows after C's flush" 2 "$(nl "$NS_S" dump | grep -c .)"

test_done
