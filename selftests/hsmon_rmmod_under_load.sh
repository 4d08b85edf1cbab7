#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading and loading the module 100 times (on the debug kernel, where a
# round takes 15 to 25 s and grows, 10) while handshakes (IPv4 and IPv6) run,
# /proc/hsmon is read in a loop, the hsmon tool dumps the flows by netlink
# in a loop and an event listener (re)joins the events group: every insmod
# succeeds, every rmmod succeeds (at once, or after retries while an
# ongoing netlink dump holds a reference on the module: that refusal is the
# only one allowed), the kernel log gains no report, and the module left
# loaded tracks a new handshake.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_cli
[ -e "$HSMON_KO" ] || skip "HSMON_KO is not set to a module file"
trap cleanup EXIT

ROUNDS=${HSMON_RELOAD_ROUNDS:-$(by_kind 100 10)}
DPORT=8080

topo_pair

# QEMU TCG mishandles kernel text patching across vCPUs: when the last
# netfilter hook of a hook point goes or the first comes, the
# nf_hooks_needed static key flips, and a vCPU running the patched site
# traps on the int3 of the patch: on 6.1 it loops there (soft lockup, RIP
# asm_exc_int3 in ip6_xmit / ip_local_deliver), on 6.12 it oopses ("Oops:
# int3" in __ip_local_out). Both seen with hsmon as the only hook, never
# with hsmon's code on the stack, and gone when base chains hold the keys
# on. So the rounds here run with an nft base chain at each hook point:
# they exercise hsmon's own unload and load under load, not the emulator's
# code patching.
ip netns exec "$NS_S" nft -f - <<'EOF_NFT' || die "nft: keep the hook keys on"
table inet hsmon_keep_keys {
	chain c_in { type filter hook input priority 100; }
	chain c_out { type filter hook output priority 100; }
	chain c_fwd { type filter hook forward priority 100; }
}
EOF_NFT

kmsg_mark

HOLD=600
listen_in "$NS_S" "$S4" $DPORT --close --hold $HOLD
listen_in "$NS_S" "$S6" $DPORT --close --hold $HOLD
spawn ip netns exec "$NS_C" "$PY" "$TCP_HELPER" loop --addr "$S4" --addr "$S6" \
	--port $DPORT --count 100000000 --duration $HOLD --out "$TMPD/load"
load_pid=$BG_PID
STOP=$TMPD/stop
proc_reader() {
	local n=0

	while [ ! -e "$STOP" ]; do
		hsmon_read "$NS_S" >/dev/null 2>&1 && n=$((n + 1)) || nap 0.05
	done
	echo "$n" >"$TMPD/proc_reads"
}
# Dumps by netlink: fail while the module is away, which is fine; what they
# may not do is crash or hang.
nl_reader() {
	local n=0

	while [ ! -e "$STOP" ]; do
		cli "$NS_S" flows >/dev/null 2>&1 && n=$((n + 1)) || nap 0.05
	done
	echo "$n" >"$TMPD/nl_reads"
}
# hsmon watch leaves when the family goes away: start it again each time.
# The last one is stopped with the readers, not left to its timeout (the
# module stays loaded after the last round: it would wait the whole 30 s).
watcher() {
	local n=0 pid

	while [ ! -e "$STOP" ]; do
		timeout 30 ip netns exec "$NS_S" "$HSMON_CLI" watch >/dev/null 2>&1 &
		pid=$!
		while kill -0 "$pid" 2>/dev/null && [ ! -e "$STOP" ]; do
			nap 0.1
		done
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		n=$((n + 1))
		nap 0.05
	done
	echo "$n" >"$TMPD/watches"
}
spawn proc_reader
spawn nl_reader
spawn watcher
readers=("${BG_PIDS[@]: -3}")

# The load runs and is seen before the first unload.
busywait 60000 hsmon_counter_ge "$NS_S" established 10 ||
	die "no handshakes under way: established=$(hsmon_counter "$NS_S" established)"

# rmmod refuses (delete_module: EWOULDBLOCK; libkmod says "in use" or
# "Resource temporarily unavailable") only while a dump holds the module.
unload() {
	local i

	for i in $(seq 100); do
		rmmod hsmon 2>"$TMPD/err" && return 0
		grep -Eq 'in use|temporarily unavailable' "$TMPD/err" || return 1
		busy=$((busy + 1))
		nap 0.02
	done
	return 1
}

t0=$(now_ms)
rounds=0
busy=0
t_rm=0
t_ins=0
while [ $rounds -lt $ROUNDS ]; do
	rounds=$((rounds + 1))
	t=$(now_ms)
	unload || { fail "round $rounds: rmmod: $(file_line "$TMPD/err")"; break; }
	t_rm=$((t_rm + $(now_ms) - t))
	t=$(now_ms)
	insmod "$HSMON_KO" 2>"$TMPD/err" ||
		{ fail "round $rounds: insmod: $(file_line "$TMPD/err")"; break; }
	t_ins=$((t_ins + $(now_ms) - t))
	[ $((rounds % 10)) != 0 ] || logt "$rounds rounds"
done
log "figures: $rounds rounds of rmmod + insmod in $(($(now_ms) - t0)) ms" \
	"(rmmod $t_rm ms, insmod $t_ins ms; $busy rmmod retries while a dump held the module)"
check_eq "rounds" "$ROUNDS" "$rounds"
touch "$STOP"
for pid in "${readers[@]}"; do
	wait "$pid"
done
log "readers: $(cat "$TMPD/proc_reads") /proc reads, $(cat "$TMPD/nl_reads") netlink dumps," \
	"$(cat "$TMPD/watches") event listeners started"
check_ge "/proc/hsmon reads" 1 "$(cat "$TMPD/proc_reads")"

kill "$load_pid"
wait "$load_pid"
wait_file "$TMPD/load" || die "load did not report"
log "load: $(file_line "$TMPD/load")"

check_eq "kernel log lines that report a bug" "" "$(kmsg_reports)"

check_eq "module loaded at the end" yes "$(hsmon_loaded && echo yes || echo no)"
listen_in "$NS_S" "$S4" 8081
connect_from "$NS_C" "$S4" 8081 40001
check_eq "connect after the last insmod" "connected 40001" "$CONNECT"
busywait 10000 hsmon_has_flow "$NS_C" initiator="$C4:40001" state=ESTABLISHED
hsmon_snap "$NS_C" "$TMPD/snap"
check_eq "a handshake after the last insmod" \
	"ipv4 $C4:40001 $S4:8081 outbound ESTABLISHED" \
	"$(flow_cols "$TMPD/snap" "family initiator responder direction state" initiator="$C4:40001")"

test_done
