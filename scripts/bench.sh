#!/usr/bin/env bash
# make bench: what hsmon costs, against no module and against nf_conntrack,
# measured in one QEMU guest (the stock 6.1 kernel), and BENCHMARKS.md.
#
#   scripts/bench.sh [--kernel KVER] [--out FILE]      host: build, boot, report
#   scripts/bench.sh --guest --ko KO --cli HSMON --out RAW [--smoke]
#
# The guest runs under -icount (scripts/vm.sh --icount): its clock counts
# the instructions it executes, 1 ns each, so every rate is work per
# instruction and repeats within a fraction of a percent whatever else the
# host runs. Timed programs time themselves (crr, iperf3, synflood -t) or
# are charged their CPU time (the dumps): the clock jumps ahead while a
# program is read from the host.
#
# Configurations, switched inside one boot: none (no hook in the test
# namespaces), hsmon (hsmon.ko loaded), conntrack (an nft rule matching
# "ct state" in both namespaces, which turns nf_conntrack on there), both.
# Each round runs every workload once per configuration, the order rotated
# from round to round (A B C D, B C D A, ...). The report gives medians
# with min and max over the rounds, and ratios of medians.
#
# Workloads, between namespaces hb_a (client) and hb_b (server) over veth,
# IPv4 and IPv6:
#   crr    connections per second: selftests/tools/crr, $CLIENTS connections
#          in flight, each connect, 64-byte request, 64-byte response, reset
#   bulk   iperf3, one TCP stream, received bits per second
#   flood  SYNs from random sources (selftests/tools/synflood) at a
#          listening port: SYNs per second the server's TCP receives
#          (TcpInSegs of hb_b), whatever was sent
# Then, one configuration at a time:
#   memory bytes per tracked flow with $FLOWS flows (distinct SYNs to a
#          closed port of hb_b, whose RSTs are dropped): the flow cache's slabs from /proc/slabinfo
#          (every page of it, so slab rounding and partly used slabs count),
#          all slab growth (anything else allocated per flow) and the bucket
#          array's share; the same for nf_conntrack entries
#   dump   CPU seconds to read those flows: cat /proc/hsmon, hsmon flows,
#          and conntrack -L for the conntrack entries
#   profile  perf (cpu-clock: under -icount, one sample per so many
#          instructions) over the IPv4 crr and flood workloads with hsmon,
#          then with conntrack: the share of samples under each one's entry
#          points (callees included), and the top symbols
#   insns  every instruction executed over the IPv4 crr and flood
#          workloads, with no hook, hsmon, conntrack: counted per
#          translation block by a QEMU plugin (scripts/qemu-tbprof.c),
#          attributed to functions (scripts/bench-insns.py)
#
# Knobs (environment): HSMON_BENCH_ROUNDS (3), HSMON_BENCH_SECONDS (3, per
# measurement), HSMON_BENCH_FLOWS (1000000), HSMON_BENCH_CLIENTS (32),
# HSMON_BENCH_ICOUNT (0: the -icount shift); for shorter runs while
# working: HSMON_BENCH_WORKLOADS (crr,bulk,flood), HSMON_BENCH_FAMILIES
# (4,6), HSMON_BENCH_CONFIGS (none,hsmon,conntrack,both), HSMON_BENCH_PHASES
# (memory,profile,insns; none for none of them), HSMON_BENCH_PROFILE and
# HSMON_BENCH_INSNS (crr,flood), HSMON_BENCH_PERF_HZ (2000), and
# HSMON_BENCH_KEEP=1 (keep perf's call chains in build/bench). A run with
# some of them left out has no report (bench-report.py wants every figure):
# read build/bench/raw.
# --smoke: 1 round of 1 s, 2,000 flows, no profile: checks that every
# other figure comes out (the selftest hsmon_bench_smoke runs it), judging
# no timing.
#
# The raw figures are lines of words (see emit()); scripts/bench-report.py
# turns them into BENCHMARKS.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

host() {
	local kver="" out=$repo/BENCHMARKS.md res=$repo/build/bench w
	local icount=${HSMON_BENCH_ICOUNT:-0}
	while [ $# -gt 0 ]; do
		case $1 in
		-k | --kernel) kver=${2:?}; shift 2 ;;
		-o | --out) out=${2:?}; shift 2 ;;
		*) echo "usage: scripts/bench.sh [--kernel KVER] [--out FILE]" >&2; exit 2 ;;
		esac
	done
	bash "$here/setup-host.sh"
	[ -n "$kver" ] || kver=$(head -n 1 "$here/.kernels")
	echo "bench: building hsmon.ko for $kver, the hsmon tool and the load tools" >&2
	"$here/build.sh" "$kver"
	mkdir -p "$repo/build/cli" "$res"
	make -s -C "$repo/build/cli" -f "$repo/cli/Makefile" --no-print-directory hsmon
	make -s -C "$repo/selftests/tools"
	rm -f "$res/raw"
	# The guest loads its own copy: a build during the run (make check-one
	# rebuilds build/KVER) must not change the module under measurement.
	cp "$repo/build/$kver/module/hsmon.ko" "$res/hsmon.ko"
	# The instruction counter of the insns phase (a QEMU TCG plugin).
	gcc -O2 -Wall -fPIC -shared -fvisibility=hidden -o "$res/qemu-tbprof.so" \
		"$here/qemu-tbprof.c" -lpthread
	rm -f "$res"/insns-*
	# -icount: the guest's clock counts the instructions it executes
	# (2^shift ns each), and jumps ahead when it idles: every rate is
	# work per instruction, whatever else the host runs (see vm.sh).
	# tsc=reliable: the guest's clock is the TSC, as on real machines; left
	# alone, the kernel finds the emulated TSCs unsynchronized and reads
	# the emulated HPET, whose every read is an exit to QEMU's device
	# model, for each clock reading TCP, conntrack or hsmon makes.
	# One CPU: client, server and softirqs share it, so a rate is the
	# inverse of the CPU time a connection (or segment) costs, rather
	# than of two emulated CPUs' waits on each other.
	"$here/vm.sh" --kernel "$kver" --cpus 1 --mem 3G --timeout 10800 --idle-timeout 900 \
		--icount "$icount" -Q -plugin -Q "$res/qemu-tbprof.so,dir=$res" \
		--append "tsc=reliable" --results "$res" -- \
		env $(env | grep -E '^HSMON_BENCH_[A-Z]+=[0-9a-z,]+$' || true) bash "$here/bench.sh" --guest --ko "$res/hsmon.ko" \
		--cli "$repo/build/cli/hsmon" --out "$res/raw"
	for w in crr flood; do
		[ ! -s "$res/insns-$w-none.tbprof" ] ||
			/usr/bin/python3 "$here/bench-insns.py" "$res" "$w" >>"$res/raw"
	done
	{
		echo "host cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
		echo "host cores $(nproc)"
		echo "host qemu $(qemu-system-x86_64 --version | head -n 1)"
		echo "host date $(date -u +%Y-%m-%dT%H:%MZ)"
		echo "host commit $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
		echo "host icount shift=$icount"
	} >>"$res/raw"
	/usr/bin/python3 "$here/bench-report.py" "$res/raw" >"$out.tmp"
	mv "$out.tmp" "$out"
	echo "bench: wrote $out (raw figures: $res/raw)" >&2
}

# ---- inside the guest ----

A=hb_a
B=hb_b
A4=10.9.0.1
B4=10.9.0.2
A6=fd09::1
B6=fd09::2
PORT_CRR=5001
PORT_FLOOD=5002
PORT_CLOSED=5003
CONFIGS=(none hsmon conntrack both)

T0=$(date +%s)
log() { echo "bench: [$(($(date +%s) - T0))s] $*" >&2; }
die() { log "$*"; exit 1; }

# emit WORDS...: one raw figure; every line starts with its kind.
emit() {
	echo "$*" >>"$OUT"
	log "$*"
}

now() { date +%s.%N; }
elapsed() { echo "$(now) $1" | awk '{ printf "%.3f", $1 - $2 }'; }

in_a() { ip netns exec $A "$@"; }
in_b() { ip netns exec $B "$@"; }

# wait_listen PORT: until something listens on PORT in hb_b. A sleep is not
# enough: under -icount the guest's clock jumps ahead while a program it
# starts is still being read from the host.
wait_listen() {
	local i
	for i in $(seq 200); do
		in_b ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	die "nothing listens on port $1 in $B"
}

hsmon_loaded() { [ -d /sys/module/hsmon ]; }

hsmon_load() {	# module parameters...
	hsmon_loaded && hsmon_unload
	insmod "$KO" "$@"
}

hsmon_unload() {
	local i
	for i in $(seq 50); do
		hsmon_loaded || return 0
		rmmod hsmon 2>/dev/null && return 0
		sleep 0.2
	done
	die "hsmon would not unload"
}

ct_on() {	# namespaces...
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" nft list table inet hb_ct >/dev/null 2>&1 && continue
		ip netns exec "$ns" nft -f - <<-'EOF'
			table inet hb_ct {
				chain c_in { type filter hook input priority 0; ct state invalid counter; }
			}
		EOF
	done
}

ct_off() {
	local ns
	for ns in $A $B; do
		ip netns exec "$ns" nft delete table inet hb_ct 2>/dev/null || true
		ip netns exec "$ns" conntrack -F 2>/dev/null || true
	done
}

set_config() {
	[ "${CONFIG:-}" = "$1" ] && return 0
	case $1 in
	none) ct_off; hsmon_loaded && hsmon_unload ;;
	hsmon) ct_off; hsmon_loaded || hsmon_load ;;
	conntrack) hsmon_loaded && hsmon_unload; ct_on $A $B ;;
	both) hsmon_loaded || hsmon_load; ct_on $A $B ;;
	esac
	CONFIG=$1
	sleep "$NAP"	# module load, RCU and deferred frees: done before we measure
}

# Start every workload from the same state: no request socket left in the
# flood's listener (its SYN/ACK timers would run into the next
# measurement), no flow left in hsmon's or conntrack's table (a full table
# makes every new connection evict).
reset_state() {
	local ns
	if [ -n "${FLOOD_PID:-}" ]; then
		kill "$FLOOD_PID" 2>/dev/null || true
		wait "$FLOOD_PID" 2>/dev/null || true
	fi
	# ip execs crr: $! is the listener itself. Dual stack.
	ip netns exec $B "$TOOLS/crr" -l :: -p $PORT_FLOOD >/dev/null 2>&1 &
	FLOOD_PID=$!
	wait_listen $PORT_FLOOD
	for ns in $A $B; do
		if hsmon_loaded; then
			ip netns exec $ns "$CLI" flush >/dev/null
		fi
		ip netns exec $ns conntrack -F 2>/dev/null || true
	done
	sleep "$NAP"
}

setup() {
	# QEMU TCG mishandles the kernel's text patching when the netfilter
	# static keys flip under traffic (see selftests/hsmon_rmmod_under_load.sh):
	# empty base chains in the initial namespace, where no test traffic
	# goes, hold every hook point's key on, so that switching
	# configurations only adds and removes hooks in hb_a and hb_b.
	nft -f - <<-'EOF'
		table inet hb_keep_keys {
			chain c_pre { type filter hook prerouting priority 0; }
			chain c_in { type filter hook input priority 0; }
			chain c_fwd { type filter hook forward priority 0; }
			chain c_out { type filter hook output priority 0; }
			chain c_post { type filter hook postrouting priority 0; }
		}
	EOF
	ip netns add $A
	ip netns add $B
	ip link add veth0 netns $A type veth peer name veth0 netns $B
	ip -n $A addr add $A4/24 dev veth0
	ip -n $B addr add $B4/24 dev veth0
	ip -n $A addr add $A6/64 dev veth0 nodad
	ip -n $B addr add $B6/64 dev veth0 nodad
	local ns
	for ns in $A $B; do
		ip -n $ns link set lo up
		ip -n $ns link set veth0 up
		# 6.1 caps a namespace's IPv6 routing entries at 4,096: a flood
		# from random sources would measure that cap.
		ip netns exec $ns sysctl -qw net.ipv6.route.max_size=1048576 2>/dev/null || true
	done
	# The flood's random sources are routed back to hb_a, which drops
	# what it gets (not its address, no forwarding): one neighbour.
	ip -n $B route add 10.99.0.0/16 via $A4
	ip -n $B route add fd99::/64 via $A6
	# Permanent neighbours: an entry going stale sends every packet
	# through neigh_resolve_output() until it is confirmed again, some
	# hundreds of instructions per connection landing on whichever
	# configuration runs then (the same one each run, under -icount).
	local ma mb
	ma=$(ip -n $A -br link show dev veth0 | awk '{ print $3 }')
	mb=$(ip -n $B -br link show dev veth0 | awk '{ print $3 }')
	ip -n $A neigh replace $B4 lladdr "$mb" dev veth0 nud permanent
	ip -n $A neigh replace $B6 lladdr "$mb" dev veth0 nud permanent
	ip -n $B neigh replace $A4 lladdr "$ma" dev veth0 nud permanent
	ip -n $B neigh replace $A6 lladdr "$ma" dev veth0 nud permanent
	ip netns exec $B "$TOOLS/crr" -l $B4 -p $PORT_CRR >/dev/null 2>&1 &
	ip netns exec $B "$TOOLS/crr" -l $B6 -p $PORT_CRR >/dev/null 2>&1 &
	in_b iperf3 -s -D -1 >/dev/null 2>&1 || true
	wait_listen $PORT_CRR
	wait_listen 5201
}

dst_of() { [ "$1" = 4 ] && echo $B4 || echo $B6; }

run_crr_for() {	# family seconds: crr's line, "connections N seconds S rate R errors E"
	in_a "$TOOLS/crr" -c "$(dst_of "$1")" -p $PORT_CRR -n "$CLIENTS" -t "$2" -q 64 -r 64
}

run_crr() {	# family
	local r
	r=$(run_crr_for "$1" "$SECS") || die "crr failed: $r"
	# connections N seconds S rate R errors E
	emit "result crr ipv$1 $CONFIG $ROUND $(echo "$r" | awk '{ print $6 }') conn/s"
}

run_bulk() {	# family
	local j bps
	in_b iperf3 -s -D -1 >/dev/null 2>&1 || true
	wait_listen 5201
	j=$(in_a iperf3 -c "$(dst_of "$1")" -t "$SECS" -J) || die "iperf3 failed"
	bps=$(echo "$j" | /usr/bin/python3 -c \
		'import json,sys; print("%.0f" % json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
	emit "result bulk ipv$1 $CONFIG $ROUND $bps bit/s"
}

tcp_insegs() { in_b nstat -az TcpInSegs | awk '$1 == "TcpInSegs" { print $2 }'; }

run_flood() {	# family
	local src before r
	[ "$1" = 4 ] && src=10.99.0.0 || src=fd99::
	before=$(tcp_insegs)
	# synflood times itself (-t): its start, read from the host, is not
	# in the figure. "sent N seconds S"
	r=$(ip netns exec $A "$TOOLS/synflood" -"$1" -d "$(dst_of "$1")" -p $PORT_FLOOD \
		-n 1000000000 -t "$SECS" -s "$src" -S 65536 -a -o -q -b 256) || true
	[ -n "$r" ] || die "synflood printed nothing"
	emit "result flood ipv$1 $CONFIG $ROUND $(echo "$r" | awk -v n=$(($(tcp_insegs) - before)) \
		'{ printf "%.0f", n / $4 }') syn/s"
	reset_state
}

# slab_pages NAME: pages held by one slab cache (active slabs x pages each).
slab_pages() {
	awk -v n="$1" '$1 == n { print $15 * $6; f = 1 } END { if (!f) print 0 }' /proc/slabinfo
}

slab_objs() {
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' /proc/slabinfo
}

slab_total_kb() { awk '$1 == "Slab:" { print $2 }' /proc/meminfo; }

settle() {	# let RCU frees and deferred work finish
	sleep "$NAP"
	echo 2 >/proc/sys/vm/drop_caches
	sleep "$NAP"
}

# make_flows N: N distinct SYNs from hb_a to a closed port of hb_b.
make_flows() {
	local t0
	t0=$(now)
	in_a "$TOOLS/synflood" -4 -d $B4 -p $PORT_CLOSED -n "$1" -s 10.99.0.0 -S 65536 \
		-P 1024 -R 64000 -q -b 256 || die "synflood failed"
	log "$1 SYNs sent in $(elapsed "$t0") s"
	sleep "$NAP"
}

# median_time COMMAND...: the CPU seconds (user + system) COMMAND takes,
# median of $DUMP_ROUNDS runs, then min and max. CPU time, not the clock's:
# the time a program waits to be read from the host is not the reader's
# cost (and under -icount the clock jumps ahead while it waits).
median_time() {
	local i t ts=() TIMEFORMAT='%3U %3S'
	for i in $(seq "$DUMP_ROUNDS"); do
		t=$({ time "$@" >/dev/null 2>&1; } 2>&1) || die "failed: $*"
		ts+=("$(echo "$t" | awk '{ printf "%.3f", $1 + $2 }')")
	done
	printf '%s\n' "${ts[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'
}

lines_of() { "$@" 2>/dev/null | wc -l; }

phase_memory() {
	local base_pages base_kb pages kb objs size n buckets

	# The closed port's RSTs are dropped before any hook sees them (a RST
	# answering a SYN would end conntrack's entry at once), so the flows
	# stay half-open, with timeouts long enough to outlast the phase.
	in_b nft -f - <<-'EOF'
		table inet hb_rst {
			chain c_out { type filter hook output priority -300; tcp flags rst drop; }
		}
	EOF

	# hsmon alone, its table sized for the flows; hb_a keeps 16 so that
	# only hb_b's table grows (hb_a sees every SYN leave).
	set_config none
	settle
	base_kb=$(slab_total_kb)
	hsmon_load max_flows="$FLOWS" linger_timeout=3600 syn_timeout=3600 events=0
	in_a "$CLI" config set max_flows 16 >/dev/null
	make_flows "$FLOWS"
	settle
	n=$(in_b awk '$1 == "flows" { print $2; exit }' /proc/hsmon)
	objs=$(slab_objs hsmon_flow)
	pages=$(slab_pages hsmon_flow)
	kb=$(slab_total_kb)
	size=$(awk '$1 == "entry_size" { print $2 }' /proc/hsmon)
	# hsmon_table_init()'s bucket count for max_flows = $FLOWS.
	buckets=$(/usr/bin/python3 -c "
m = $FLOWS; n = 1 << (max(m // 2, 16) - 1).bit_length()
print(n // 2 if n > 16 and n * 8 > 4 * m else n)")
	emit "memory hsmon flows $n objects $objs object_size $size slab_bytes $((pages * 4096)) slab_growth_bytes $(((kb - base_kb) * 1024)) buckets $buckets bucket_bytes $((buckets * 8))"
	emit "dump hsmon-proc $(lines_of in_b cat /proc/hsmon) lines $(median_time in_b cat /proc/hsmon)"
	emit "dump hsmon-flows $(lines_of in_b "$CLI" flows) lines $(median_time in_b "$CLI" flows)"
	hsmon_unload
	set_config none

	# nf_conntrack alone, in hb_b only, with as many buckets as hsmon had
	# and room for the entries.
	settle
	base_kb=$(slab_total_kb)
	base_pages=$(slab_pages nf_conntrack)
	sysctl -qw net.netfilter.nf_conntrack_buckets="$buckets"
	sysctl -qw net.netfilter.nf_conntrack_max=$((FLOWS + FLOWS / 8))
	ct_on $B
	in_b sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_syn_sent=3600
	make_flows "$FLOWS"
	settle
	n=$(in_b conntrack -C)
	objs=$(slab_objs nf_conntrack)
	pages=$(slab_pages nf_conntrack)
	kb=$(slab_total_kb)
	size=$(awk '$1 == "nf_conntrack" { print $4 }' /proc/slabinfo)
	emit "memory conntrack flows $n objects $objs object_size $size slab_bytes $(((pages - base_pages) * 4096)) slab_growth_bytes $(((kb - base_kb) * 1024)) buckets $buckets bucket_bytes $((buckets * 8))"
	emit "dump conntrack-L $(lines_of in_b conntrack -L) lines $(median_time in_b conntrack -L)"
	ct_off
	in_b nft delete table inet hb_rst
}

# perf over one workload, its samples attributed by scripts/bench-perf.py:
# the share under hsmon's entry points and under conntrack's (callees
# included, softirqs run on the way out excluded), and the top symbols.
profile_one() {	# WORKLOAD CONFIG
	local data=$WORK/perf-$1-$2.data cmd
	case $1 in
	crr) cmd=("$TOOLS/crr" -c $B4 -p $PORT_CRR -n "$CLIENTS" -t "$SECS" -q 64 -r 64) ;;
	flood) cmd=("$TOOLS/synflood" -4 -d $B4 -p $PORT_FLOOD -n 1000000000 -t "$SECS"
		-s 10.99.0.0 -S 65536 -a -o -q -b 256) ;;
	esac
	set_config "$2"
	perf record -q -N -B -e cpu-clock -F "${HSMON_BENCH_PERF_HZ:-2000}" -a -g -o "$data" -- \
		ip netns exec $A "${cmd[@]}" >"$WORK/perf-out" 2>&1 || true
	[ "${HSMON_BENCH_KEEP:-0}" != 1 ] || log "profile $1 $2: $(tail -n 1 "$WORK/perf-out")"
	[ -s "$data" ] || die "perf record wrote nothing"
	if [ "${HSMON_BENCH_KEEP:-0}" = 1 ]; then
		# The samples' call chains, kept beside the raw figures.
		perf script -i "$data" -F ip,sym,symoff 2>/dev/null >"$(dirname "$OUT")/perf-$1-$2.txt"
	fi
	perf script -i "$data" -F ip,sym 2>/dev/null |
		/usr/bin/python3 "$here/bench-perf.py" "$1" "$2" >>"$OUT" ||
		die "no samples in $data"
	tail -n 1 "$OUT" >&2
}

phase_profile() {
	local w c
	command -v perf >/dev/null || die "perf not found"
	for w in $(echo "${HSMON_BENCH_PROFILE:-crr,flood}" | tr , ' '); do
		for c in hsmon conntrack; do
			profile_one $w $c
		done
	done
	set_config none
}

# The instruction profile: one window of the plugin (scripts/qemu-tbprof.c)
# per configuration, over one workload, with the guest's symbols and the
# units done (connections, or SYNs absorbed) beside it; the host turns them
# into instructions per unit and function (scripts/bench-insns.py).
insns_one() {	# WORKLOAD CONFIG
	local res base r before
	res=$(dirname "$OUT")
	base=$res/insns-$1-$2
	set_config "$2"
	reset_state
	case $1 in
	crr)	# as run_crr measures it: from an empty table
		: >"$base.start"
		r=$(run_crr_for 4 "$SECS") || die "crr failed: $r"
		: >"$base.stop"
		echo "$r" | awk '{ print $2 }' >"$base.units"
		;;
	flood)
		before=$(tcp_insegs)
		: >"$base.start"
		ip netns exec $A "$TOOLS/synflood" -4 -d $B4 -p $PORT_FLOOD -n 1000000000 \
			-t "$SECS" -s 10.99.0.0 -S 65536 -a -o -q -b 256 >/dev/null || true
		: >"$base.stop"
		echo $(($(tcp_insegs) - before)) >"$base.units"
		;;
	esac
	# hsmon's symbols move with each load: taken while it is loaded.
	cat /proc/kallsyms >"$base.kallsyms"
	# The plugin's watcher writes the window's counts on the host.
	local i
	for i in $(seq 100); do
		[ -s "$base.tbprof" ] && break
		sleep 0.1
	done
	[ -s "$base.tbprof" ] || die "no instruction counts for $1 $2 (is the plugin loaded?)"
	log "insns $1 $2: $(cat "$base.units") units"
	[ "$1" != flood ] || reset_state
}

phase_insns() {
	local w c
	for w in $(echo "${HSMON_BENCH_INSNS:-crr,flood}" | tr , ' '); do
		for c in none hsmon conntrack; do
			insns_one "$w" "$c"
		done
	done
	set_config none
}

guest() {
	local round i c fam w
	KO="" CLI="" OUT="" SMOKE=0
	while [ $# -gt 0 ]; do
		case $1 in
		--ko) KO=${2:?}; shift 2 ;;
		--cli) CLI=${2:?}; shift 2 ;;
		--out) OUT=${2:?}; shift 2 ;;
		--smoke) SMOKE=1; shift ;;
		*) die "usage: bench.sh --guest --ko KO --cli HSMON --out RAW [--smoke]" ;;
		esac
	done
	[ -f "$KO" ] && [ -x "$CLI" ] && [ -n "$OUT" ] || die "need --ko, --cli and --out"
	TOOLS=${HSMON_BENCH_TOOLS:-$repo/selftests/tools}
	if [ "$SMOKE" = 1 ]; then
		ROUNDS=${HSMON_BENCH_ROUNDS:-1}
		SECS=${HSMON_BENCH_SECONDS:-1}
		FLOWS=${HSMON_BENCH_FLOWS:-2000}
		DUMP_ROUNDS=1
		NAP=0.3
	else
		NAP=2
		ROUNDS=${HSMON_BENCH_ROUNDS:-3}
		SECS=${HSMON_BENCH_SECONDS:-3}
		FLOWS=${HSMON_BENCH_FLOWS:-1000000}
		DUMP_ROUNDS=3
	fi
	CLIENTS=${HSMON_BENCH_CLIENTS:-32}
	WORKLOADS=$(echo "${HSMON_BENCH_WORKLOADS:-crr,bulk,flood}" | tr , ' ')
	FAMILIES=$(echo "${HSMON_BENCH_FAMILIES:-4,6}" | tr , ' ')
	PHASES=${HSMON_BENCH_PHASES:-memory,profile,insns}
	[ -z "${HSMON_BENCH_CONFIGS:-}" ] || IFS=, read -r -a CONFIGS <<<"$HSMON_BENCH_CONFIGS"
	WORK=$(mktemp -d)
	: >"$OUT"
	trap guest_cleanup EXIT

	emit "guest kernel $(uname -r)"
	emit "guest cpus $(nproc)"
	emit "guest mem_kb $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
	emit "guest hsmon $(modinfo -F vermagic "$KO" | cut -d' ' -f1) $(sha1sum "$KO" | cut -c1-12)"
	emit "params rounds $ROUNDS seconds $SECS flows $FLOWS clients $CLIENTS smoke $SMOKE"
	modprobe nf_conntrack
	setup
	reset_state

	for round in $(seq "$ROUNDS"); do
		ROUND=$round
		for i in "${!CONFIGS[@]}"; do
			c=${CONFIGS[$(((i + round - 1) % ${#CONFIGS[@]}))]}
			set_config "$c"
			for fam in $FAMILIES; do
				for w in $WORKLOADS; do
					run_$w $fam
				done
			done
		done
	done
	set_config none
	case ,$PHASES, in *,memory,*) phase_memory ;; esac
	# perf under TCG spends half a minute per recording on its own start
	# (reading every thread's maps, kallsyms): the smoke run leaves it out
	# (selftests/hsmon_bench_smoke.sh checks the attribution on its own).
	case ,$PHASES, in *,profile,*) [ "$SMOKE" = 1 ] || phase_profile ;; esac
	# The smoke run's guest has no instruction counter (no plugin).
	case ,$PHASES, in *,insns,*) [ "$SMOKE" = 1 ] || phase_insns ;; esac
	emit "done"
}

guest_cleanup() {
	local ns
	jobs -p | xargs -r kill 2>/dev/null || true
	# Whatever runs in the namespaces (listeners, iperf3's daemon) holds
	# our output open: a reader of it would wait forever.
	for ns in $A $B; do
		ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null || true
	done
	ip netns del $A 2>/dev/null || true
	ip netns del $B 2>/dev/null || true
	nft delete table inet hb_keep_keys 2>/dev/null || true
	rm -rf "$WORK"
}

if [ "${1:-}" = --guest ]; then
	shift
	guest "$@"
else
	host "$@"
fi
