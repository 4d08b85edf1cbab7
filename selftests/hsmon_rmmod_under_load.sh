#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading and loading the module while handshakes (IPv4 and IPv6) run and
# /proc/hsmon is being read: every rmmod and insmod succeeds, the kernel log
# gains no warning, BUG, Oops or call trace, and the module left loaded
# tracks a new handshake.

source "$(dirname "$0")/lib.sh"

require_hsmon
[ -e "$HSMON_KO" ] || skip "HSMON_KO is not set to a module file"
trap cleanup EXIT

ROUNDS=20
MAX_SECONDS=45	# under TCG a round can be slow: stop early, but not below 5
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

listen_in "$NS_S" "$S4" $DPORT --close --hold 120
listen_in "$NS_S" "$S6" $DPORT --close --hold 120
spawn ip netns exec "$NS_C" "$PY" "$TCP_HELPER" loop --addr "$S4" --addr "$S6" \
	--port $DPORT --count 1000000 --duration 120 --out "$TMPD/load"
load_pid=$BG_PID
reader() {
	local end=$(($(now_ms) + 120000))

	while [ "$(now_ms)" -lt "$end" ]; do
		hsmon_read "$NS_S" >/dev/null 2>&1 || nap 0.05
	done
}
spawn reader

# The load runs and is seen before the first unload.
busywait 20000 hsmon_counter_ge "$NS_S" established 10 ||
	die "no handshakes under way: established=$(hsmon_counter "$NS_S" established)"

t0=$(now_ms)
rounds=0
while [ $rounds -lt $ROUNDS ]; do
	if [ $rounds -ge 5 ] && [ $(($(now_ms) - t0)) -gt $((MAX_SECONDS * 1000)) ]; then
		log "stopping after $rounds rounds: time is up"
		break
	fi
	rounds=$((rounds + 1))
	rmmod hsmon 2>"$TMPD/err" || fail "round $rounds: rmmod: $(file_line "$TMPD/err")"
	insmod "$HSMON_KO" 2>"$TMPD/err" || fail "round $rounds: insmod: $(file_line "$TMPD/err")"
done
log "$rounds rounds of rmmod + insmod in $(($(now_ms) - t0)) ms"

kill "$load_pid"
wait "$load_pid"
wait_file "$TMPD/load" || die "load did not report"
log "load: $(file_line "$TMPD/load")"

# The kernel log since the start.
kmsg_since >"$TMPD/kmsg"
bad='WARNING|BUG:|kernel BUG|Oops|Call Trace|general protection|KASAN|UBSAN|refcount_t|list_(add|del) corruption|Kernel panic|soft lockup|hung task|circular locking|recursive locking|suspicious RCU|sleeping function called|Unable to handle|unreferenced object'
reports=""
while IFS= read -r l; do
	[[ "$l" =~ $bad ]] && reports+="$l"$'\n'
done <"$TMPD/kmsg"
check_eq "kernel log lines that report a bug" "" "$reports"

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
