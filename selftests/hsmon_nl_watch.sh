#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `hsmon watch -j`, started before a scripted set of handshakes in the client
# namespace C, prints exactly one event per outcome, and nothing twice:
#   established  C:40001 -> S:8080  a connect to a listener
#   closed       C:40001 -> S:8080  ... which the client ends 3 s later
#   refused      C:40002 -> S:8081  a connect to a closed port
#   reset        C:40003 -> S:8080  a bare SYN (synflood); C's stack answers
#                                   S's SYN/ACK with RST
#   timed_out    C:40004 -> S:8080  a bare SYN whose SYN/ACK C's input filter
#                                   drops after hsmon saw it: no ACK follows
#   unanswered   C:40005 -> S:8082  a bare SYN that S drops
#   aborted      C:40006 -> S:8082  a bare SYN that S drops, then C's RST
# with syn_timeout=2, so that the handshakes that time out do so quickly.
# A window of 3 s (three GC passes) after the last expected event shows no
# late duplicate, and a last refused connect, the sentinel, comes after all.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_cli
require_synflood
require_cmd nft
trap cleanup EXIT

hsmon_reload syn_timeout=2 || die "insmod syn_timeout=2"
topo_pair
require_genl

ip netns exec "$NS_S" nft -f - <<'EOT' || die "nft in S"
table inet hsmon_test {
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		tcp dport 8082 drop
	}
}
EOT
# hsmon sees inbound segments just before the filter table's input hook.
ip netns exec "$NS_C" nft -f - <<'EOT' || die "nft in C"
table inet hsmon_test {
	chain in {
		type filter hook input priority filter; policy accept;
		tcp sport 8080 tcp dport 40004 drop
	}
}
EOT
tcp_listen "$NS_S" "$S4" 8080

spawn ip netns exec "$NS_C" "$HSMON_CLI" -j watch >"$TMPD/watch" 2>"$TMPD/watch.err"
watch_pid=$BG_PID

# Warm-up: refused loopback connects until watch shows one (it has joined).
warm=0
warm_up() {
	warm=$((warm + 1))
	ip netns exec "$NS_C" "$PY" -S "$TCP_HELPER" connect --addr 127.0.0.1 --port 9 \
		--sport $((41000 + warm)) --hold 0 >/dev/null
	grep -q '"127.0.0.1:' "$TMPD/watch"
}
busywait 20000 warm_up || die "hsmon watch shows no event: $(cat "$TMPD/watch.err")"
log "watch is live after $warm warm-up connect(s)"

flood() {	# SPORT DPORT FLAGS SEQ
	check_eq "synflood $3 from $1" "sent 1" "$(ip netns exec "$NS_C" "$SYNFLOOD" \
		-d "$S4" -p "$2" -n 1 -P "$1" -R 1 -f "$3" -j "$4")"
}
tcp_connect "$NS_C" "$S4" 8080 40001 "connected 40001" 3
tcp_connect "$NS_C" "$S4" 8081 40002 "error ECONNREFUSED"
flood 40003 8080 S 1000
flood 40004 8080 S 2000
flood 40005 8082 S 3000
flood 40006 8082 S 4000
flood 40006 8082 R 4001

# events FILE: "outcome initiator responder state" of each non-warm-up event.
events() {
	"$PY" -S - "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if not o["initiator"].startswith("127.0.0.1:"):
        print(o["outcome"], o["initiator"], o["responder"], o["state"])
EOF
}
n_events_ge() { [ "$(events "$TMPD/watch" 2>/dev/null | grep -c .)" -ge "$1" ]; }

busywait 20000 n_events_ge 7
busywait 3000 n_events_ge 8
tcp_connect "$NS_C" "$S4" 8081 40099 "error ECONNREFUSED"
busywait 10000 n_events_ge 8

kill -TERM "$watch_pid"
wait "$watch_pid"
check_eq "hsmon watch: exit status after SIGTERM" 0 "$?"
check_eq "hsmon watch: stderr" "" "$(cat "$TMPD/watch.err")"

events "$TMPD/watch" >"$TMPD/events" 2>&1
check_eq "events, in order of arrival, sentinel last" "refused $C4:40099 $S4:8081 REFUSED" \
	"$(tail -n 1 "$TMPD/events")"
check_eq "events (sorted)" "$(LC_ALL=C sort <<EOT
established $C4:40001 $S4:8080 ESTABLISHED
closed $C4:40001 $S4:8080 CLOSED
refused $C4:40002 $S4:8081 REFUSED
reset $C4:40003 $S4:8080 RESET
timed_out $C4:40004 $S4:8080 TIMED_OUT
unanswered $C4:40005 $S4:8082 TIMED_OUT
aborted $C4:40006 $S4:8082 RESET
refused $C4:40099 $S4:8081 REFUSED
EOT
)" "$(LC_ALL=C sort "$TMPD/events")"
check_eq "events seen twice" "" "$(LC_ALL=C sort "$TMPD/events" | uniq -d)"

test_done
