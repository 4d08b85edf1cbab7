#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, small: scripts/bench.sh --guest --smoke (one round of 1 s per
# workload and configuration, 2,000 flows), then scripts/bench-report.py on
# its figures. Judges no timing, only that the benchmark still works:
#   - every workload (crr, bulk, flood) gives a figure above 0 for every
#     configuration (none, hsmon, conntrack, both) and family;
#   - the memory phase tracked exactly the flows it made, in hsmon and in
#     conntrack, and the bytes per flow are those of the slab cache;
#   - /proc/hsmon, `hsmon flows` and `conntrack -L` list every one of them;
#   - the profile's attribution of samples (scripts/bench-perf.py) gives
#     known call chains to hsmon, to conntrack, and a softirq run on the way
#     out of hsmon's hook to neither;
#   - the instruction profile's arithmetic (scripts/bench-insns.py: blocks to
#     functions, per unit, against no hook) on windows of known counts (the
#     smoke run's guest has no counting plugin);
#   - the report comes out with all of that, and the kernel log stays clean.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_cli
require_synflood
require_cmd iperf3 conntrack nstat nft
[ -x "$SELFTEST_DIR/tools/crr" ] || skip "no selftests/tools/crr (make -C selftests/tools)"
REPO=$(cd "$SELFTEST_DIR/.." && pwd)
# make bench runs on the first kernel of scripts/.kernels (stock 6.1): so
# does its smoke run, which takes some four minutes of a busy guest.
BENCH_KVER=$(head -n 1 "$REPO/scripts/.kernels" 2>/dev/null)
[ "$(uname -r)" = "$BENCH_KVER" ] || skip "make bench runs on $BENCH_KVER, this is $(uname -r)"
trap cleanup EXIT

RAW=$TMPD/raw
FLOWS=2000

kmsg_mark
HSMON_BENCH_FLOWS=$FLOWS bash "$REPO/scripts/bench.sh" --guest --smoke --ko "$HSMON_KO" \
	--cli "$HSMON_CLI" --out "$RAW" 2>&1 | sed -u 's/^/# /'
check_eq "bench.sh exit status" 0 "${PIPESTATUS[0]}"
hsmon_loaded || hsmon_reload || die "insmod $HSMON_KO"

# result WORKLOAD ipvF CONFIG ROUND VALUE UNIT
for wl in crr bulk flood; do
	for fam in ipv4 ipv6; do
		for c in none hsmon conntrack both; do
			v=$(awk -v w=$wl -v f=$fam -v c=$c \
				'$1 == "result" && $2 == w && $3 == f && $4 == c { print int($6) }' "$RAW")
			check_ge "$wl $fam $c" 1 "$v"
		done
	done
done

# memory NAME flows N objects N object_size N slab_bytes N ...
field() {	# KIND NAME KEY
	awk -v k="$1" -v n="$2" -v key="$3" \
		'$1 == k && $2 == n { for (i = 3; i < NF; i++) if ($i == key) print $(i + 1) }' "$RAW"
}
check_eq "flows tracked by hsmon" $FLOWS "$(field memory hsmon flows)"
check_eq "entries tracked by conntrack" $FLOWS "$(field memory conntrack flows)"
check_eq "hsmon's object size is its slab's" \
	"$(awk '$1 == "hsmon_flow" { print $4 }' /proc/slabinfo)" "$(field memory hsmon object_size)"
check_ge "hsmon slab bytes" $((FLOWS * 120)) "$(field memory hsmon slab_bytes)"
# conntrack's cache outlives the phase (its module stays): its slab growth
# may be less than the entries where earlier slabs had room; its objects not.
check_ge "conntrack's cache objects" $FLOWS "$(field memory conntrack objects)"
check_ge "conntrack slab growth" 1 "$(field memory conntrack slab_bytes)"

# dump NAME LINES lines MEDIAN MIN MAX
lines() { awk -v n="$1" '$1 == "dump" && $2 == n { print $3 }' "$RAW"; }
check_ge "lines of /proc/hsmon" $((FLOWS + 2)) "$(lines hsmon-proc)"
check_eq "lines of hsmon flows" $((FLOWS + 1)) "$(lines hsmon-flows)"
check_eq "lines of conntrack -L" $FLOWS "$(lines conntrack-L)"

# The profile's attribution (the smoke run records none: perf's own start
# takes half a minute under TCG), on call chains whose owner is known:
# leaf first, as `perf script -F ip,sym` prints them.
cat >"$TMPD/script" <<'EOF_SCRIPT'
	ffffffff81000001 hsiphash
	ffffffffc0000001 hsmon_flow_track
	ffffffffc0000002 hsmon_hook_ipv4_out
	ffffffff81000002 nf_hook_slow
	ffffffff81000003 ip_local_out

	ffffffffc0000003 hsmon_flow_find
	ffffffffc0000001 hsmon_flow_track
	ffffffffc0000002 hsmon_hook_ipv4_out
	ffffffff81000002 nf_hook_slow

	ffffffff81000004 __nf_conntrack_hash_insert
	ffffffff81000005 nf_confirm
	ffffffff81000006 ipv4_confirm

	ffffffff81000007 tcp_v4_rcv
	ffffffff81000008 ip_local_deliver
	ffffffff81000009 net_rx_action
	ffffffff8100000a handle_softirqs
	ffffffff8100000b __local_bh_enable_ip
	ffffffffc0000001 hsmon_flow_track
	ffffffffc0000002 hsmon_hook_ipv4_out

	ffffffff8100000c native_safe_halt
	ffffffff8100000d default_idle

EOF_SCRIPT
PROFILE=$(/usr/bin/python3 "$REPO/scripts/bench-perf.py" crr hsmon <"$TMPD/script")
check_eq "attribution of five known samples" \
	"profile crr hsmon hsmon 40.00 conntrack 20.00" "$(echo "$PROFILE" | cut -d' ' -f1-7)"
check_match "hsmon's own functions among the leaves" ' own hsmon_flow_find:20.00$' "$PROFILE"

# Two windows as scripts/qemu-tbprof.c writes them ("vaddr insns execs"),
# with their symbols and units: none ran 10 connections, hsmon 10 as well.
# Per connection: none 100 (kernel_a) + 30 (kernel_b) + 5 ([user]); hsmon
# adds 40 in its hook and 10 in kernel_b, and its block at 0x...c0001008
# belongs to its hook (the symbol before it).
mkdir -p "$TMPD/insns"
cat >"$TMPD/insns/insns-crr-none.kallsyms" <<'EOF_SYMS'
ffffffff81000000 T kernel_a
ffffffff81001000 t kernel_b
EOF_SYMS
cat >"$TMPD/insns/insns-crr-none.tbprof" <<'EOF_TB'
ffffffff81000010 10 100
ffffffff81001000 3 100
7f0000001000 5 10
EOF_TB
{ cat "$TMPD/insns/insns-crr-none.kallsyms"
  echo "ffffffffc0001000 t hsmon_hook_ipv4_in	[hsmon]"; } >"$TMPD/insns/insns-crr-hsmon.kallsyms"
cat >"$TMPD/insns/insns-crr-hsmon.tbprof" <<'EOF_TB'
ffffffff81000010 10 100
ffffffff81001000 4 100
ffffffffc0001000 30 10
ffffffffc0001008 1 100
7f0000001000 5 10
EOF_TB
echo 10 >"$TMPD/insns/insns-crr-none.units"
echo 10 >"$TMPD/insns/insns-crr-hsmon.units"
INSNS=$(/usr/bin/python3 "$REPO/scripts/bench-insns.py" "$TMPD/insns" crr) ||
	fail "bench-insns.py failed: $INSNS"
check_eq "instructions per connection, none" "insns crr none total 135 added 0" \
	"$(echo "$INSNS" | sed -n 1p)"
check_eq "instructions per connection, hsmon" "insns crr hsmon total 185 added 50" \
	"$(echo "$INSNS" | sed -n 2p)"
check_eq "what hsmon adds, most first" \
	"insnsym crr hsmon hsmon_hook_ipv4_in 40 0|insnsym crr hsmon kernel_b 10 30" \
	"$(echo "$INSNS" | sed -n 3,4p | paste -sd'|')"
echo "$INSNS" >>"$RAW"

if /usr/bin/python3 "$REPO/scripts/bench-report.py" "$RAW" --notes /dev/null >"$TMPD/report.md"; then
	check_match "the report's instruction profile" '^\| hsmon \| 185 \| \+50 \|' \
		"$(grep -F '| hsmon | 185 |' "$TMPD/report.md")"
	check_match "the report's targets table" '\| <= 128 bytes per flow all-in \|' \
		"$(grep -F '<= 128 bytes' "$TMPD/report.md")"
else
	fail "bench-report.py failed on the smoke run's figures"
fi

check_eq "kernel log lines that report a bug" "" "$(kmsg_reports)"
test_done
