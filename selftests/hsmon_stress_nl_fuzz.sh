#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing: random and mutated requests to every operation of the
# hsmon family get a clean error or a valid answer, and huge dumps cancelled
# midway leave nothing behind.
#
# selftests/tools/nlfuzz (its header says what it sends and how it judges
# each reply) runs in a namespace A whose table churns meanwhile (SYNs from
# 64 spoofed 5-tuples, 100 a second, while the fuzzing flushes the table and
# sets caps and timeouts):
#   - as root, seed 1: until the kernel has read HSMON_FUZZ_MSGS messages of
#     each kind of request: stats-get, flow-get, config-get, config-set,
#     flush, flow-event (a notification sent as a request), unknown
#     commands; then a few loopback handshakes whose notifications it checks;
#   - as nobody in a user namespace of its own, which does not own A: a
#     fifth of that, seed 2; the admin operations must say EPERM and the
#     events group must refuse it;
#   - then HSMON_FUZZ_DUMPS dumps of 3,000 flows, each closed after 0, 1 or
#     2 datagrams; two complete dumps, before and after, return each flow
#     once.
# The counts: 100,000 messages per kind (about 780,000 sent, 20 to 30 s
# under QEMU TCG, a whole test of 70 to 90 s) and 5,000 dumps; on a debug
# kernel (KASAN, lockdep, kmemleak: nearly 20 times slower at this), 15,000
# per kind (105,000 in all, about 70 s) and 1,000 dumps, well within the
# runner's 300 s. HSMON_FUZZ_MSGS and HSMON_FUZZ_DUMPS override them.
# nlfuzz must report no failure; afterwards the knobs are what they were,
# stats and config answer, a new handshake is tracked, and the kernel log
# has no report of a bug.

source "$(dirname "$0")/nl_lib.sh"

NLFUZZ=${NLFUZZ:-$SELFTEST_DIR/tools/nlfuzz}
# The debug kernel is many times slower here: 15,000 of each kind there.
FUZZ_MSGS=${HSMON_FUZZ_MSGS:-$(by_kind 100000 15000)}
FUZZ_DUMPS=${HSMON_FUZZ_DUMPS:-$(by_kind 5000 1000)}
FLOWS=3000
DST=$S4			# on A's link, owned by nobody
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

require_hsmon
require_synflood
require_cli
require_cmd setpriv unshare
[ -x "$NLFUZZ" ] || skip "no $NLFUZZ (build it on the host: make -C selftests/tools)"
if ! is_uint "$FUZZ_MSGS" || [ "$FUZZ_MSGS" -lt 15000 ]; then
	die "HSMON_FUZZ_MSGS=$FUZZ_MSGS: at least 15000 per kind (105,000 in all)"
fi

# 3,000 flows are too many for the /proc dump a failing test prints.
cleanup() {
	[ -n "${A:-}" ] && nl "$A" flush >/dev/null 2>&1
	hsmon_cleanup
}
trap cleanup EXIT

# Nothing expires by itself while the test runs (TCG guests are slow).
hsmon_reload syn_timeout=3600 linger_timeout=3600 || die "insmod syn_timeout=3600"
require_genl
setup_ns A B
veth_link "$A" veth0 "$B" veth0
addr "$A" veth0 "$C4/24"
deaf_neigh "$A" veth0 "$DST"
config_before=$(cli "$A" config 2>&1) || die "hsmon config: $config_before"

kmsg_mark

# nlfuzz_run NAME CMD...: run it, show its summary, check its verdict.
nlfuzz_run() {
	local name=$1 out="$TMPD/nlfuzz.$1" rc t0

	shift
	t0=$(now_ms)
	"$@" >"$out" 2>&1
	rc=$?
	log "$(grep -v '^FAIL: ' "$out")"
	log "$(grep '^FAIL: ' "$out" | head -n 40)"
	log "nlfuzz $name: $(($(now_ms) - t0)) ms"
	check_eq "nlfuzz $name: exit status" 0 "$rc"
	check_eq "nlfuzz $name: failures" "nlfuzz: 0 failures" "$(tail -n 1 "$out")"
}

log "--- fuzzing, the table churning: $FUZZ_MSGS messages of each kind (kernel: $HSMON_KERNEL_KIND)"
spawn ip netns exec "$A" "$SYNFLOOD" -d "$DST" -p 9 -n 1000000000 -s 10.98.0.1 \
	-P 20000 -R 64 -o -r 100 -q
flood_pid=$BG_PID
busywait 20000 nl_counter_ge "$A" flows 1 || die "the background SYNs make no flow"

nlfuzz_run root ip netns exec "$A" "$NLFUZZ" fuzz -s 1 -n "$FUZZ_MSGS"
check_match "nlfuzz root: requests with CAP_NET_ADMIN" "CAP_NET_ADMIN yes" \
	"$(grep -o 'CAP_NET_ADMIN [a-z]*' "$TMPD/nlfuzz.root")"
check_ge "nlfuzz root: notifications checked (loopback handshakes)" 1 \
	"$(grep -o '[0-9]* notifications checked' "$TMPD/nlfuzz.root" | cut -d' ' -f1)"

# In a user namespace of its own (nobody's), outside the one owning A.
chmod 755 "$TMPD"
nlfuzz_run user ip netns exec "$A" "$PY" -S "$NL_UNCHROOT" "${NOBODY[@]}" unshare -U -r \
	"$NLFUZZ" fuzz -s 2 -n $((FUZZ_MSGS / 5))
check_match "nlfuzz user: requests without CAP_NET_ADMIN" "CAP_NET_ADMIN no" \
	"$(grep -o 'CAP_NET_ADMIN [a-z]*' "$TMPD/nlfuzz.user")"
check_match "nlfuzz user: EPERM answers" '^[1-9][0-9]*$' \
	"$(grep -o 'EPERM [0-9]*' "$TMPD/nlfuzz.user" | cut -d' ' -f2)"

kill "$flood_pid"
wait "$flood_pid" 2>/dev/null

log "--- dumps of $FLOWS flows cancelled midway"
cli "$A" flush >"$TMPD/out" 2>&1 || die "hsmon flush: $(cat "$TMPD/out")"
check_eq "synflood" "sent $FLOWS" "$(ip netns exec "$A" "$SYNFLOOD" -d "$DST" -p 9 \
	-n $FLOWS -s 10.99.0.0 -P 30000 -R $FLOWS)"
busywait 20000 nl_counter_is "$A" flows $FLOWS ||
	die "flows: $(nl_counter "$A" flows), $FLOWS expected"
nlfuzz_run cancel ip netns exec "$A" "$NLFUZZ" cancel -s 3 -n "$FUZZ_DUMPS" -m $FLOWS

log "--- afterwards"
check_eq "hsmon config after the fuzzing (lines that differ)" "" \
	"$(diff <(echo "$config_before") <(cli "$A" config 2>&1) | grep '^[<>]')"
cli "$A" stats >"$TMPD/stats" 2>&1
check_eq "hsmon stats: exit status" 0 "$?"
check_eq "hsmon stats: flows" $FLOWS "$(awk '$1 == "flows" { print $2 }' "$TMPD/stats")"

listen_in "$A" 127.0.0.1 8080
connect_from "$A" 127.0.0.1 8080 40001
check_eq "connect after the fuzzing" "connected 40001" "$CONNECT"
busywait 10000 hsmon_has_flow "$A" initiator=127.0.0.1:40001 state=ESTABLISHED
check_eq "the handshake after the fuzzing, by dump" \
	"ipv4 127.0.0.1:40001 127.0.0.1:8080 local ESTABLISHED" \
	"$(nl "$A" dump --port 40001 | cut -d' ' -f1-5)"

check_eq "kernel log lines that report a bug" "" "$(kmsg_reports)"

test_done
