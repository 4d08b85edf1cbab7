#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A listener that joins the events group with a small receive buffer and
# never reads does not hold the kernel up: while 2,000 handshakes are
# refused, every one is still tracked and counted, stats still answer, a
# later handshake is still tracked, and the notifications that found the
# listener's buffer full are counted in events_dropped: with it the only
# listener, each of the 2,001 notifications was either queued on its socket
# or counted as dropped, and some were dropped.
#
# The refusals: 2,000 SYNs from C's address (synflood, source ports
# 20000..21999, 500 per second) to a closed port of S; S answers each with
# RST, so C sees 2,000 handshakes REFUSED.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_synflood
trap cleanup EXIT

N=2000

topo_pair
require_genl

spawn ip netns exec "$NS_C" "${NL_RUN[@]}" --rcvbuf 4096 listen --no-read \
	--ready "$TMPD/joined" >"$TMPD/listener"
listener=$BG_PID
wait_file "$TMPD/joined" || die "the listener did not join: $(cat "$TMPD/listener")"

check_eq "synflood" "sent $N" "$(ip netns exec "$NS_C" "$SYNFLOOD" -d "$S4" -p 8081 -n $N \
	-P 20000 -R $N -r 500)"
busywait 30000 nl_counter_is "$NS_C" refused $N
nl "$NS_C" stats >"$TMPD/stats" || fail "stats do not answer"
for c in syn refused flows flows_refused; do
	check_eq "counter $c" $N "$(awk -v n=$c '$1 == n { print $2 }' "$TMPD/stats")"
done

# A handshake after the storm.
tcp_listen "$NS_S" "$S4" 8080
tcp_connect "$NS_C" "$S4" 8080 40001 "connected 40001"
busywait 10000 hsmon_has_flow "$NS_C" initiator="$C4:40001" state=ESTABLISHED
hsmon_snap "$NS_C" "$TMPD/snap"
check_eq "the handshake after the storm" "ipv4 $C4:40001 $S4:8080 outbound ESTABLISHED" \
	"$(flow_sans_age "$TMPD/snap" initiator="$C4:40001" | cut -d' ' -f1-5)"
check_eq "counter established" 1 "$(counter_of "$TMPD/snap" established)"

# What reached the listener, and what was dropped.
dropped=$(counter_of "$TMPD/snap" events_dropped)
dropped=${dropped:-0}
check_ge "counter events_dropped" 1 "$dropped"
kill -TERM "$listener"
wait "$listener"
read -r _ queued _ overruns <"$TMPD/listener"
queued=${queued:-0}
log "listener: queued $queued, overruns $overruns; events_dropped $dropped"
check_ge "notifications queued on the listener's socket" 1 "$queued"
check_eq "queued + events_dropped (one per outcome: $N refused, 1 established)" \
	$((N + 1)) $((queued + dropped))
check_ge "ENOBUFS seen by the listener" 1 "$overruns"

test_done
