#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures in hsmon's own allocations, under traffic. failslab
# (CONFIG_FAILSLAB, the debug kernel) fails a fifth of the slab allocations
# whose call stack goes through hsmon's code (require-start/require-end set to
# the module's text; CONFIG_FAULT_INJECTION_STACKTRACE_FILTER) while:
# handshakes run, a spoofed SYN flood runs, /proc/hsmon is read, the hsmon
# tool asks for stats and flows and listens to events, and namespaces are made
# and destroyed (hsmon's per-namespace set-up allocates). Then:
#   - failures were injected, and hsmon counted those of its packet path
#     (alloc_failed; events_dropped for lost notifications); readers got
#     clean errors (ENOMEM), never garbage;
#   - the flows tracked before are all there, unchanged, and the counters
#     agree with the table (flows = flow lines = sum of the state gauges);
#   - with failslab off, new handshakes are tracked, namespaces work, the
#     module unloads; the kernel log has no report (and the harness judges
#     kmemleak after the run).
# Skips on kernels without failslab's stack-trace filter.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_synflood
require_cli
FS=/sys/kernel/debug/failslab
[ -e "$FS/require-start" ] || skip "no failslab stack-trace filter (a debug kernel has it)"

DPORT=8080
INJECT=${HSMON_FAILSLAB_TIMES:-1000000}	# failures at most

failslab_off() {
	echo 0 >"$FS/probability"
	echo 0 >"$FS/times"
}
cleanup() {
	failslab_off 2>/dev/null
	hsmon_cleanup
}
trap cleanup EXIT

# The module's text: from its lowest .text* section up to the first other
# section above it (the core layout puts the text first, then read-only data).
# Kernel addresses do not fit bash's signed arithmetic: they are compared as
# strings, all "0x" and 16 hex digits.
text_range() {
	local s a lo="" hi=""

	for s in /sys/module/hsmon/sections/.text*; do
		read -r a <"$s"
		[ -z "$lo" ] || [[ "$a" < "$lo" ]] && lo=$a
	done
	for s in /sys/module/hsmon/sections/.*; do
		case ${s##*/} in .text* | .init* | .exit*) continue ;; esac
		read -r a <"$s"
		[[ "$a" > "$lo" ]] && { [ -z "$hi" ] || [[ "$a" < "$hi" ]]; } && hi=$a
	done
	[ ${#lo} = 18 ] && [ ${#hi} = 18 ] && echo "$lo $hi"
}

topo_pair
listen_in "$NS_S" "$S4" $DPORT --hold 600
listen_in "$NS_S" "$S6" $DPORT --hold 600
connect_from "$NS_C" "$S4" $DPORT 40001
check_eq "connect before" "connected 40001" "$CONNECT"
connect_from "$NS_C" "$S6" $DPORT 40002
check_eq "connect before (IPv6)" "connected 40002" "$CONNECT"
busywait 10000 hsmon_counter_is "$NS_S" flows_established 2 || die "flows before"
busywait 10000 hsmon_counter_is "$NS_C" flows_established 2 || die "flows before (client)"
# The two flows, as each side sees them (awk: a flooded table is too big
# for bash to parse quickly on a debug kernel).
two_flows() {	# SNAPSHOT
	awk -v a="$C4:40001" -v b="[$C6]:40002" '
		NR == 1, /^$/ { next }
		!h { h = 1; for (i = 1; i <= NF; i++) if ($i == "age_ms") age = i; next }
		$2 == a || $2 == b { $age = ""; print }' "$1" | sort
}
for ns in "$NS_S" "$NS_C"; do
	hsmon_snap "$ns" "$TMPD/snap"
	two_flows "$TMPD/snap" >"$TMPD/before.$ns"
	check_eq "flows before in $ns" 2 "$(wc -l <"$TMPD/before.$ns")"
done

read -r lo hi <<<"$(text_range)"
[ -n "$lo" ] || die "cannot find hsmon's text in /sys/module/hsmon/sections"
log "hsmon text: $lo-$hi ($((hi - lo)) bytes)"

kmsg_mark
echo 0 >"$FS/probability"
echo N >"$FS/task-filter"
echo N >"$FS/ignore-gfp-wait"	# process context too: netlink, /proc, netns set-up
echo N >"$FS/cache-filter"
echo 0 >"$FS/verbose"		# no stack trace per failure in the log
echo 0 >"$FS/space"
echo 1 >"$FS/interval"
echo 32 >"$FS/stacktrace-depth"
echo "$lo" >"$FS/require-start"
echo "$hi" >"$FS/require-end"
echo 0 >"$FS/reject-start"
echo 0 >"$FS/reject-end"
echo "$INJECT" >"$FS/times"
echo 20 >"$FS/probability"

# --- under failslab ------------------------------------------------------------

STOP=$TMPD/stop
spawn ip netns exec "$NS_C" "$PY" "$TCP_HELPER" loop --addr "$S4" --addr "$S6" \
	--port $DPORT --count 100000000 --duration 600 --out "$TMPD/load"
load_pid=$BG_PID
spawn bash -c 'exec ip netns exec "$1" "$2" watch >"$3" 2>&1' watch "$NS_S" "$HSMON_CLI" \
	"$TMPD/watch"
watch_pid=$BG_PID

# enomem ERRFILE WHAT GREP_ARGS...: whether a failure's message (ERRFILE)
# says ENOMEM, as grep GREP_ARGS finds; any other failure is recorded in
# $TMPD/errors as "WHAT: message".
enomem() {
	local f=$1 what=$2

	shift 2
	grep -q "$@" "$f" && return 0
	echo "$what: $(head -c 200 "$f")" >>"$TMPD/errors"
	return 1
}

# Readers: a read either succeeds or fails with ENOMEM ("Cannot allocate
# memory"); any other outcome is recorded.
proc_reader() {
	local ok=0 enomem=0

	while [ ! -e "$STOP" ]; do
		if cat "/proc/${NS_PID[$NS_S]}/net/hsmon" >"$TMPD/proc_out" 2>"$TMPD/proc_err"; then
			ok=$((ok + 1))
			# A full read ends with a flow line or the header, never half.
			head -n 1 "$TMPD/proc_out" | grep -q '^segments ' ||
				echo "bad read: $(head -c 200 "$TMPD/proc_out")" >>"$TMPD/errors"
		elif enomem "$TMPD/proc_err" "proc read" 'Cannot allocate memory'; then
			enomem=$((enomem + 1))
		fi
	done
	echo "$ok $enomem" >"$TMPD/proc_reads"
}
nl_reader() {
	local ok=0 failed=0 rc

	while [ ! -e "$STOP" ]; do
		for what in stats flows config; do
			cli "$NS_S" "$what" >/dev/null 2>"$TMPD/nl_err"
			rc=$?
			if [ "$rc" = 0 ]; then
				ok=$((ok + 1))
			elif enomem "$TMPD/nl_err" "hsmon $what: exit $rc" -i 'memory\|no buffer'; then
				failed=$((failed + 1))
			fi
		done
	done
	echo "$ok $failed" >"$TMPD/nl_reads"
}
# Namespaces made and destroyed: hsmon's per-namespace set-up may fail, and
# then the namespace is not made (ENOMEM): never half made.
ns_churn() {
	local made=0 refused=0 i=0 name

	while [ ! -e "$STOP" ]; do
		i=$((i + 1))
		name="hsmon-fs-$$-$i"
		if ip netns add "$name" 2>"$TMPD/ns_err"; then
			made=$((made + 1))
			ip -n "$name" link set lo up
			[ -e "/run/netns/$name" ] && ip netns exec "$name" cat /proc/net/hsmon \
				>/dev/null 2>&1
			ip netns del "$name"
		elif enomem "$TMPD/ns_err" "netns add" 'Cannot allocate memory'; then
			refused=$((refused + 1))
		fi
	done
	echo "$made $refused" >"$TMPD/ns_churn"
}
spawn proc_reader
spawn nl_reader
spawn ns_churn
readers=("${BG_PIDS[@]: -3}")

logt "failslab on: 20% of hsmon's allocations fail; flood, handshakes, readers"
ip netns exec "$NS_C" "$SYNFLOOD" -d "$S4" -p $DPORT -n 1000 -s 10.0.0.0 -S 65536 -a -o \
	-r 200 -z 7 >"$TMPD/flood4" 2>&1 &
f4=$!
ip netns exec "$NS_C" "$SYNFLOOD" -d "$S6" -p $DPORT -n 1000 -s 2001:db8:ff00:: -S 65536 \
	-a -o -r 200 -z 8 >"$TMPD/flood6" 2>&1 &
f6=$!
wait "$f4" || fail "IPv4 flood: $(cat "$TMPD/flood4")"
wait "$f6" || fail "IPv6 flood: $(cat "$TMPD/flood6")"
nap 3
touch "$STOP"
for pid in "${readers[@]}"; do
	wait "$pid"
done
kill "$load_pid"
wait "$load_pid"
left=$(cat "$FS/times")
failslab_off
injected=$((INJECT - left))
logt "failslab off"

# --- afterwards ------------------------------------------------------------------

wait_file "$TMPD/load" || die "load did not report"
hsmon_snap "$NS_S" "$TMPD/s1"
hsmon_snap "$NS_C" "$TMPD/c1"
af_s=$(counter_of "$TMPD/s1" alloc_failed) af_c=$(counter_of "$TMPD/c1" alloc_failed)
ed_s=$(counter_of "$TMPD/s1" events_dropped)
read -r proc_ok proc_enomem <"$TMPD/proc_reads"
read -r nl_ok nl_failed <"$TMPD/nl_reads"
read -r ns_made ns_refused <"$TMPD/ns_churn"

check_ge "failures injected" 100 "$injected"
check_ge "alloc_failed (server + client)" 1 $((af_s + af_c))
check_eq "reader errors other than ENOMEM" "" "$(head -5 "$TMPD/errors" 2>/dev/null)"
check_ge "/proc reads that succeeded" 1 "$proc_ok"
check_ge "hsmon stats/flows/config that succeeded" 1 "$nl_ok"
# A namespace whose hsmon set-up failed is not made at all: ENOMEM.
check_ge "namespaces made or refused (ENOMEM) under failslab" 1 $((ns_made + ns_refused))
kill -0 "$watch_pid" 2>/dev/null || fail "hsmon watch died: $(tail -3 "$TMPD/watch")"

# What was tracked before is intact (age aside).
for pair in "s1 $NS_S" "c1 $NS_C"; do
	read -r f ns <<<"$pair"
	check_eq "$f: the flows of before" "$(cat "$TMPD/before.$ns")" "$(two_flows "$TMPD/$f")"
done

# The counters agree with the table: flows = flow lines = the sum of the
# state gauges. The GC may remove a flow while a read runs: a consistent
# read must come within a few tries, and never will if a count leaked.
consistent() {	# NS
	hsmon_snap "$1" "$TMPD/cons"
	CONS=$(awk '
		part == 0 && /^$/ { part = 1; next }
		part == 0 && $1 == "flows" { flows = $2 }
		part == 0 && $1 ~ /^flows_/ { gauges += $2 }
		part == 1 { part = 2; next }
		part == 2 { lines++ }
		END { printf "flows %d lines %d gauges %d\n", flows, lines, gauges }' "$TMPD/cons")
	read -r _ flows _ lines _ gauges <<<"$CONS"
	[ "$flows" = "$lines" ] && [ "$gauges" = "$lines" ]
}
for ns in "$NS_S" "$NS_C"; do
	busywait 20000 consistent "$ns" || fail "counters and table disagree in $ns: $CONS"
done

check_eq "kernel log lines that report a bug" "" "$(kmsg_reports)"

# The table works again.
connect_from "$NS_C" "$S4" $DPORT 40003
check_eq "connect after" "connected 40003" "$CONNECT"
busywait 10000 hsmon_has_flow "$NS_S" initiator="$C4:40003" state=ESTABLISHED ||
	fail "the connection after failslab is not ESTABLISHED in the server's table"
ip netns add "hsmon-fs-$$-after" || fail "netns add after failslab"
check_match "/proc/hsmon of a namespace made after" '^segments 0$' \
	"$(ip netns exec "hsmon-fs-$$-after" head -n 1 /proc/net/hsmon)"
ip netns del "hsmon-fs-$$-after"

log "figures: $injected allocation failures injected; alloc_failed $af_s (server)" \
	"+ $af_c (client), events_dropped $ed_s; /proc reads $proc_ok ok, $proc_enomem ENOMEM;" \
	"netlink requests $nl_ok ok, $nl_failed ENOMEM; namespaces $ns_made made," \
	"$ns_refused refused; handshakes: $(file_line "$TMPD/load")"

test_done
