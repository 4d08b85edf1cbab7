#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet path finds most segments' flows through a per-CPU memo of the
# flows it found last (module/flow.h, struct hsmon_memo), believed only as
# long as the table has removed no flow since. This test works it where it
# could go wrong, then checks that it never gave a segment the wrong flow:
#
# 1. churn: 32 connections in flight at a time (selftests/tools/crr:
#    connect, request, response, reset), IPv4 then IPv6, into tables of 48
#    flows (max_flows=48, linger_timeout=1), so that nearly every SYN evicts
#    a flow the memo may hold, while the client's table is flushed over and
#    over (hsmon flush) and the GC expires flows every second. The tables
#    never hold more than 48 flows, flows were evicted, and the kernel log
#    has no report (on the debug kernel: no KASAN use-after-free).
# 2. exact: the same load into fresh tables of the default size. Every
#    connection's handshake is counted once in each namespace (as many
#    established on both ends, at least as many as crr completed), every
#    established flow was closed (by the client's reset), none is left
#    half-way (every flow CLOSED, or RESET when crr quit mid-handshake), and
#    nothing was misread: no bad ack, no untracked segment, no malformed.

source "$(dirname "$0")/lib.sh"

require_hsmon
CRR="$SELFTEST_DIR/tools/crr"
[ -x "$CRR" ] || skip "$CRR is not built (make -C selftests/tools)"
HSMON_CLI=${HSMON_CLI:-$(cd "$SELFTEST_DIR/.." && pwd)/cli/hsmon}
trap cleanup EXIT

PORT=5001
CLIENTS=32
SECS=${HSMON_MEMO_CHURN_SECONDS:-3}
SMALL=48

# crr_run FAMILY: crr's connections from NS_C to NS_S for SECS seconds.
crr_run() {
	local dst=$S4 out

	[ "$1" = 6 ] && dst=$S6
	out=$(ip netns exec "$NS_C" "$CRR" -c "$dst" -p $PORT -n $CLIENTS -t "$SECS") ||
		die "crr to $dst: $out"
	logt "crr ipv$1: $out"
	set -- $out
	CONNS=$2
	ERRS=$8
}

# churn_flush: flush the client's table until $TMPD/stop exists.
churn_flush() {
	while [ ! -e "$TMPD/stop" ]; do
		ip netns exec "$NS_C" "$HSMON_CLI" flush >/dev/null 2>&1 || return 0
		nap 0.05
	done
}

# settled NS: no flow half-way any more (the last resets have arrived).
settled() {
	hsmon_snap "$1" "$TMPD/settle"
	[ "$(counter_of "$TMPD/settle" flows)" = \
	  "$(($(counter_of "$TMPD/settle" flows_closed) + $(counter_of "$TMPD/settle" flows_reset)))" ]
}

crr_listens() { ip netns exec "$NS_S" ss -Hltn "sport = :$PORT" | grep -q .; }

# ---------------------------------------------------------------- 1. churn

hsmon_reload max_flows=$SMALL linger_timeout=1 || die "insmod max_flows=$SMALL"
topo_pair
spawn ip netns exec "$NS_S" "$CRR" -l :: -p $PORT
busywait 10000 crr_listens || die "crr does not listen in $NS_S"
kmsg_mark
flusher=""
if [ -x "$HSMON_CLI" ]; then
	churn_flush &
	flusher=$!
else
	log "no hsmon command at $HSMON_CLI: churn by eviction and GC only"
fi
for fam in 4 6; do
	crr_run $fam
done
: >"$TMPD/stop"
[ -z "$flusher" ] || wait "$flusher"

for ns in "$NS_C" "$NS_S"; do
	hsmon_snap "$ns" "$TMPD/churn.$ns"
	check_le "$ns: flows after the churn" $SMALL "$(counter_of "$TMPD/churn.$ns" flows)"
done
check_ge "server: flows evicted during the churn" 1 \
	"$(counter_of "$TMPD/churn.$NS_S" evicted)"
check_eq "kernel log during the churn" "" "$(kmsg_reports)"

# ---------------------------------------------------------------- 2. exact

# New tables in the same namespaces: the module reloaded.
hsmon_reload || die "insmod with default parameters"

total=0
errs=0
for fam in 4 6; do
	crr_run $fam
	total=$((total + CONNS))
	errs=$((errs + ERRS))
done
check_ge "connections crr completed" 1 "$total"
for ns in "$NS_C" "$NS_S"; do
	busywait 10000 settled "$ns" || true
	hsmon_snap "$ns" "$TMPD/exact.$ns"
done
c="$TMPD/exact.$NS_C"
s="$TMPD/exact.$NS_S"
est=$(counter_of "$c" established)
check_ge "client: established (at least crr's $total)" "$total" "$est"
# crr counts a connection when its response is in: those in flight when it
# stopped, and those it gave up (errors), were established too.
check_le "client: established (at most crr's, its errors and $CLIENTS in flight per run)" \
	$((total + errs + 2 * CLIENTS)) "$est"
check_eq "server: established, as the client's" "$est" "$(counter_of "$s" established)"
for f in "$c" "$s"; do
	side=client
	[ "$f" = "$s" ] && side=server
	check_eq "$side: closed, as established" "$est" "$(counter_of "$f" closed)"
	check_eq "$side: every flow CLOSED or RESET" "$(counter_of "$f" flows)" \
		"$(($(counter_of "$f" flows_closed) + $(counter_of "$f" flows_reset)))"
	for k in bad_ack untracked malformed midstream evicted; do
		check_eq "$side: $k" 0 "$(counter_of "$f" "$k")"
	done
done
check_eq "kernel log" "" "$(kmsg_reports)"

test_done
