# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Helpers for the hsmon selftests, sourced by every selftests/hsmon_*.sh.
#
# Shaped after tools/testing/selftests/net/lib.sh: each test makes its own
# uniquely named namespaces, installs `trap cleanup EXIT`, waits for states by
# polling with a deadline (busywait) and exits 0 (pass), 1 (fail) or 4 (skip).
# Diagnostics are KTAP comment lines ("# ...").
#
# Under QEMU TCG with the root over 9p, starting a program costs 0.1-0.5 s and
# python 1 s, while a bash builtin or a fork costs about 10 ms: so parsing is
# done in bash, sleeping reads a fifo, namespaces are set up with `ip -batch`,
# and /proc/hsmon is read through /proc/PID/net/hsmon of a process that lives
# in the namespace (the same per-namespace file that /proc/hsmon, a link to
# /proc/self/net/hsmon, shows a reader inside it; hsmon_proc_format.sh checks
# the link itself).
#
#   log/fail/die/skip, check_eq/check_ge/check_le/check_match  - reporting
#   busywait MS CMD..., nap SECONDS                             - polling
#   spawn CMD... (background job, killed by cleanup)            - processes
#   listen_in NS ADDR PORT, connect_from NS ADDR PORT SPORT     - endpoints
#   setup_ns VAR..., ns_batch NS <<cmds, topo_pair, topo_routed - namespaces
#   veth_link NS1 IF1 NS2 IF2, addr NS IF ADDR/LEN, v6_ready     - links
#   hsmon_snap NS FILE, counter_of, flows_of, flow_field, ...   - /proc/hsmon
#   hsmon_reload key=val..., hsmon_unload, kmsg_mark/kmsg_since - module, log

# The kind of kernel the test runs on (scripts/check.sh says): stock, rt or
# debug (KASAN, lockdep...: several times slower). by_kind STOCK DEBUG picks
# a load size for it.
HSMON_KERNEL_KIND=${HSMON_KERNEL_KIND:-stock}
by_kind() {
	if [ "$HSMON_KERNEL_KIND" = debug ]; then echo "$2"; else echo "$1"; fi
}

ksft_pass=0
ksft_fail=1
ksft_skip=4

# Debian's interpreter: it has scapy. A PATH lookup could find another one.
PY=${HSMON_PYTHON:-/usr/bin/python3}
SELFTEST_DIR=${BASH_SOURCE[0]%/*}
[ "$SELFTEST_DIR" = "${BASH_SOURCE[0]}" ] && SELFTEST_DIR=.
SELFTEST_DIR=$(cd "$SELFTEST_DIR" && pwd)
TCP_HELPER="$SELFTEST_DIR/tcp_helper.py"
PKT_HELPER="$SELFTEST_DIR/pkt_helper.py"
HSMON_KO=${HSMON_KO:-}
TEST_NAME=${0##*/}
TEST_NAME=${TEST_NAME%.sh}

RET=0
NS_LIST=()
BG_PIDS=()
declare -A NS_PID	# namespace -> pid of a process living in it

TMPD="/tmp/$TEST_NAME.$$.$RANDOM"
mkdir -m 0700 "$TMPD" || exit "$ksft_fail"
mkfifo "$TMPD/nap" && exec {NAP_FD}<>"$TMPD/nap" || exit "$ksft_fail"
T0_US=${EPOCHREALTIME//[.,]/}

# The counters of /proc/hsmon, in the order the spec fixes, then the three
# handshake-time histograms (NAME_count, NAME_sum, NAME_hist with 32 values).
HSMON_COUNTERS="segments syn synack ack_complete established refused reset aborted \
timed_out unanswered closed bad_ack syn_retrans synack_retrans syn_data syn_data_acked \
synack_data ack_data port_reuse simultaneous_open malformed fragments bad_flags untracked \
midstream evicted expired table_full alloc_failed events_dropped flows flows_syn_sent \
flows_syn_rcvd flows_established flows_closed flows_refused flows_reset flows_timed_out \
flows_midstream max_flows entry_size"
HSMON_HISTS="syn_synack_us synack_ack_us handshake_us"
HSMON_FLOW_HEADER="family initiator responder direction state isn_j isn_k syn_rtx \
synack_rtx orig_flags reply_flags notes age_ms outcome zeek syn_synack_us synack_ack_us \
handshake_us ack_expected ack_seen"
# The foundation's columns of a flow line, the ones these tests assert.
HSMON_FLOW_CORE="family initiator responder direction state isn_j isn_k syn_rtx \
synack_rtx orig_flags reply_flags notes"

# Addresses live only inside the namespaces a test makes (documentation
# ranges, RFC 5737 / RFC 3849). Pair: C - S on one link. Routed: C - R - S.
C4=192.0.2.1
S4=192.0.2.2
C6=2001:db8:1::1
S6=2001:db8:1::2
R4_C=192.0.2.254
R6_C=2001:db8:1::fe
R4_S=198.51.100.254
R6_S=2001:db8:2::fe
RS4=198.51.100.2
RS6=2001:db8:2::2

# ---------------------------------------------------------------- reporting

now_ms() {
	local t=${EPOCHREALTIME//[.,]/}

	echo $((t / 1000))
}

# log MSG: a KTAP diagnostic; each line of a multi-line MSG gets its "# ".
log() {
	local l

	while IFS= read -r l; do
		printf '# %s\n' "$l"
	done <<<"$*"
}

# logt MSG: a diagnostic with the time since the test started.
logt() {
	local t=${EPOCHREALTIME//[.,]/}

	log "[$(((t - T0_US) / 1000)) ms] $*"
}

# A failed expectation: record it and go on, so one run shows every mismatch.
fail() {
	log "FAIL: $*"
	RET=$ksft_fail
}

# Setup could not be done: the test cannot say anything about hsmon.
die() {
	log "ERROR: $*"
	RET=$ksft_fail
	exit "$ksft_fail"
}

skip() {
	log "SKIP: $*"
	exit "$ksft_skip"
}

# check_eq WHAT EXPECTED SEEN
check_eq() {
	if [ "$2" = "$3" ]; then
		log "ok: $1 = $3"
	else
		fail "$1: expected '$2', seen '$3'"
	fi
}

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# check_ge WHAT MIN SEEN / check_le WHAT MAX SEEN (unsigned integers)
check_ge() {
	if is_uint "$3" && [ "$3" -ge "$2" ]; then
		log "ok: $1 = $3 (>= $2)"
	else
		fail "$1: expected >= $2, seen '$3'"
	fi
}

check_le() {
	if is_uint "$3" && [ "$3" -le "$2" ]; then
		log "ok: $1 = $3 (<= $2)"
	else
		fail "$1: expected <= $2, seen '$3'"
	fi
}

# check_match WHAT ERE SEEN
check_match() {
	if [[ "$3" =~ $2 ]]; then
		log "ok: $1 = $3"
	else
		fail "$1: expected to match /$2/, seen '$3'"
	fi
}

# test_done: exit with the collected verdict (cleanup runs from the trap).
test_done() {
	if [ "$RET" = 0 ]; then
		logt "$TEST_NAME: pass"
	else
		logt "$TEST_NAME: FAIL"
	fi
	exit "$RET"
}

# ---------------------------------------------------------------- polling

# nap SECONDS: sleep without starting a program (a read that times out).
nap() {
	read -r -t "$1" -u "$NAP_FD" _
	return 0
}

# busywait TIMEOUT_MS CMD...: run CMD every 100 ms until it succeeds or the
# deadline passes; returns CMD's last status. A state is only ever waited for
# this way, never with a bare sleep.
busywait() {
	local timeout_ms=$1 deadline rc

	shift
	deadline=$(($(now_ms) + timeout_ms))
	while :; do
		"$@"
		rc=$?
		[ "$rc" = 0 ] && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return "$rc"
		nap 0.1
	done
}

# ---------------------------------------------------------------- processes

# spawn CMD...: start CMD in the background, remember it for cleanup; the pid
# is left in $BG_PID.
spawn() {
	"$@" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# file_line FILE: print the first line of FILE (empty if none).
file_line() {
	local l=""

	[ -r "$1" ] && IFS= read -r l <"$1"
	printf '%s\n' "$l"
}

# wait_file FILE [TIMEOUT_MS]: a helper reports in FILE (written atomically).
wait_file() {
	busywait "${2:-30000}" test -s "$1"
}

# ---------------------------------------------------------------- namespaces

# setup_ns VAR...: make one fresh namespace per VAR, named uniquely, with lo
# up and a holder process in it (for /proc/PID/net), and store its name in
# VAR. cleanup deletes them.
setup_ns() {
	local var name batch="" names=()

	for var in "$@"; do
		name="hsmon-${var,,}-$$-$RANDOM"
		batch+="netns add $name"$'\n'
		names+=("$name")
		printf -v "$var" '%s' "$name"
	done
	ip -b - <<<"$batch" || die "ip netns add ${names[*]}"
	NS_LIST+=("${names[@]}")
	for name in "${names[@]}"; do
		ip -n "$name" link set lo up || die "lo up in $name"
		spawn ip netns exec "$name" sleep 3600
		NS_PID[$name]=$BG_PID
	done
	for name in "${names[@]}"; do
		busywait 10000 _in_ns "$name" || die "holder process did not enter $name"
	done
}

# The holder is in its namespace once `ip netns exec` has become `sleep`.
_in_ns() {
	local comm=""

	read -r comm <"/proc/${NS_PID[$1]}/comm"
	[ "$comm" = sleep ]
}

# ns_batch NS: run the `ip` commands on stdin, one a line, inside NS.
ns_batch() {
	ip -n "$1" -b - || die "ip commands in $1 failed"
}

# veth_link NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
veth_link() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" ||
		die "veth $1/$2 - $3/$4"
	ip -n "$1" link set "$2" up || die "link up $1/$2"
	ip -n "$3" link set "$4" up || die "link up $3/$4"
}

# deaf_neigh NS IF ADDR: ADDR is on IF's link, at a MAC address nobody has:
# what NS sends there leaves (through its LOCAL_OUT hook), unanswered.
deaf_neigh() {
	ip -n "$1" neigh add "$3" lladdr 02:00:00:00:00:99 dev "$2" nud permanent ||
		die "static neighbour $3 in $1"
}

# addr NS IF ADDR/PREFIX (IPv6 addresses are added nodad: usable at once)
addr() {
	case "$3" in
	*:*) ip -n "$1" -6 addr add "$3" dev "$2" nodad || die "addr $3 on $1/$2" ;;
	*) ip -n "$1" addr add "$3" dev "$2" || die "addr $3 on $1/$2" ;;
	esac
}

# v6_ready NS ADDR...: the addresses are configured and not tentative.
v6_ready() {
	local ns=$1 a hex flags l want seen

	shift
	for a in "$@"; do
		want=$(v6_hex "$a")
		seen=""
		while read -r l _ _ _ flags _; do
			[ "$l" = "$want" ] && seen=$flags
		done <"/proc/${NS_PID[$ns]}/net/if_inet6"
		[ -n "$seen" ] && (((16#$seen & 0x40) == 0)) || return 1
	done
}

# v6_hex ADDR: the 32 hex digits of an IPv6 address, as /proc shows them.
v6_hex() {
	local a=$1 head tail g out="" n i groups=()
	local -a h t

	if [[ "$a" == *::* ]]; then
		head=${a%%::*} tail=${a#*::}
		IFS=: read -r -a h <<<"$head"
		IFS=: read -r -a t <<<"$tail"
		n=$((8 - ${#h[@]} - ${#t[@]}))
		groups=("${h[@]}")
		for ((i = 0; i < n; i++)); do groups+=(0); done
		groups+=("${t[@]}")
	else
		IFS=: read -r -a groups <<<"$a"
	fi
	for g in "${groups[@]}"; do
		printf -v g '%04x' "$((16#${g:-0}))"
		out+=$g
	done
	echo "$out"
}

# topo_pair: NS_C (veth0: $C4, $C6) <-> NS_S (veth0: $S4, $S6)
topo_pair() {
	setup_ns NS_C NS_S
	ns_batch "$NS_C" <<EOF
link add veth0 type veth peer name veth0 netns $NS_S
addr add $C4/24 dev veth0
addr add $C6/64 dev veth0 nodad
link set veth0 up
EOF
	ns_batch "$NS_S" <<EOF
addr add $S4/24 dev veth0
addr add $S6/64 dev veth0 nodad
link set veth0 up
EOF
	busywait 10000 v6_ready "$NS_C" "$C6" || die "$C6 not ready in $NS_C"
	busywait 10000 v6_ready "$NS_S" "$S6" || die "$S6 not ready in $NS_S"
}

# topo_routed: NS_C (veth0) <-> (vc) NS_R (vs) <-> (veth0) NS_S; R forwards
# IPv4 and IPv6, C and S route everything through R.
topo_routed() {
	setup_ns NS_C NS_R NS_S
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null || die "forwarding on in $NS_R"
	ns_batch "$NS_R" <<EOF
link add vc type veth peer name veth0 netns $NS_C
link add vs type veth peer name veth0 netns $NS_S
addr add $R4_C/24 dev vc
addr add $R6_C/64 dev vc nodad
addr add $R4_S/24 dev vs
addr add $R6_S/64 dev vs nodad
link set vc up
link set vs up
EOF
	ns_batch "$NS_C" <<EOF
addr add $C4/24 dev veth0
addr add $C6/64 dev veth0 nodad
link set veth0 up
route add default via $R4_C
route add default via $R6_C
EOF
	ns_batch "$NS_S" <<EOF
addr add $RS4/24 dev veth0
addr add $RS6/64 dev veth0 nodad
link set veth0 up
route add default via $R4_S
route add default via $R6_S
EOF
	busywait 10000 v6_ready "$NS_C" "$C6" || die "$C6 not ready in $NS_C"
	busywait 10000 v6_ready "$NS_R" "$R6_C" "$R6_S" || die "router addresses not ready"
	busywait 10000 v6_ready "$NS_S" "$RS6" || die "$RS6 not ready in $NS_S"
}

# mac_of NS IF
mac_of() {
	ip -n "$1" -br link show dev "$2" | { read -r _ _ mac _ && echo "$mac"; }
}

# ---------------------------------------------------------------- endpoints

# listen_in NS ADDR PORT [tcp_helper listen options...]: a server that holds
# the connections it accepts (or closes them: --close); returns once it
# listens.
listen_in() {
	local ns=$1 addr=$2 port=$3 ready

	shift 3
	ready="$TMPD/listen.$ns.$addr.$port"
	spawn ip netns exec "$ns" "$PY" "$TCP_HELPER" listen --addr "$addr" --port "$port" \
		--ready "$ready" "$@"
	wait_file "$ready" || die "server on $addr:$port in $ns did not start"
}

# connect_from NS ADDR PORT SPORT [tcp_helper connect options...]: connect
# from source port SPORT and hold the connection open; once the client
# reports, CONNECT is "connected SPORT" or "error ERRNAME" and, with
# --capture IF, ISN_J and ISN_K are the ISNs of the SYN and the SYN/ACK as
# seen on IF ("-" if none).
connect_from() {
	local ns=$1 addr=$2 port=$3 sport=$4 out w1 w2

	shift 4
	out="$TMPD/connect.$ns.$sport"
	spawn ip netns exec "$ns" "$PY" "$TCP_HELPER" connect --addr "$addr" --port "$port" \
		--sport "$sport" --out "$out" "$@"
	CLIENT_PID=$BG_PID
	wait_file "$out" || die "client $sport -> $addr:$port in $ns did not report"
	read -r w1 w2 ISN_J ISN_K <"$out"
	CONNECT="$w1 $w2"
}

# ---------------------------------------------------------------- /proc/hsmon

# hsmon_read NS: what a reader in NS sees in /proc/hsmon ("init": ours).
hsmon_read() {
	local f lines

	if [ "$1" = init ]; then
		f=/proc/self/net/hsmon
	else
		f="/proc/${NS_PID[$1]}/net/hsmon"
	fi
	mapfile -t lines <"$f" || return 1
	printf '%s\n' "${lines[@]}"
}

# hsmon_snap NS FILE: one read, to take several values from.
hsmon_snap() {
	hsmon_read "$1" >"$2" || die "cannot read /proc/hsmon of $1"
}

# counter_of FILE NAME: a counter's value in a snapshot (empty if absent).
counter_of() {
	local n v

	while read -r n v; do
		[ -z "$n" ] && return 0
		[ "$n" = "$2" ] && { echo "$v"; return 0; }
	done <"$1"
}

# counters_of FILE: the "name value" lines (part 1).
counters_of() {
	local l

	while IFS= read -r l; do
		[ -z "$l" ] && return 0
		printf '%s\n' "$l"
	done <"$1"
}

# flows_of FILE [FIELD=VALUE...]: the flow lines of a snapshot whose named
# columns equal the given values (columns are found by the header row).
flows_of() {
	local f=$1 l i kv part=0 ok
	local -A col
	local -a h w

	shift
	while IFS= read -r l; do
		case $part in
		0) [ -z "$l" ] && part=1 ;;
		1)
			read -r -a h <<<"$l"
			for i in "${!h[@]}"; do col[${h[i]}]=$i; done
			for kv in "$@"; do
				[ -n "${col[${kv%%=*}]}" ] || { echo "flows_of: no column ${kv%%=*}" >&2; return 2; }
			done
			part=2
			;;
		2)
			read -r -a w <<<"$l"
			ok=1
			for kv in "$@"; do
				[ "${w[${col[${kv%%=*}]}]}" = "${kv#*=}" ] || { ok=0; break; }
			done
			[ $ok = 1 ] && printf '%s\n' "$l"
			;;
		esac
	done <"$f"
}

# flow_count FILE [FIELD=VALUE...]
flow_count() {
	local n=0 l

	while IFS= read -r l; do
		n=$((n + 1))
	done < <(flows_of "$@")
	echo $n
}

# flow_field FILE FIELD [FIELD=VALUE...]: FIELD of each matching flow.
flow_field() {
	local f=$1 field=$2 i idx="" l
	local -a h w

	shift 2
	l=$(header_of "$f")
	read -r -a h <<<"$l"
	for i in "${!h[@]}"; do [ "${h[i]}" = "$field" ] && idx=$i; done
	[ -n "$idx" ] || { echo "flow_field: no column $field" >&2; return 2; }
	while IFS= read -r l; do
		read -r -a w <<<"$l"
		echo "${w[idx]}"
	done < <(flows_of "$f" "$@")
}

# header_of FILE: the header row of a snapshot.
header_of() {
	local l part=0

	while IFS= read -r l; do
		[ $part = 1 ] && { printf '%s\n' "$l"; return 0; }
		[ -z "$l" ] && part=1
	done <"$1"
}

# flow_cols FILE "COL..." [FIELD=VALUE...]: the named columns of each
# matching flow, space separated, in the order asked.
flow_cols() {
	local f=$1 want=$2 i l out c
	local -A col
	local -a h w

	shift 2
	read -r -a h <<<"$(header_of "$f")"
	for i in "${!h[@]}"; do col[${h[i]}]=$i; done
	for c in $want; do
		[ -n "${col[$c]}" ] || { echo "flow_cols: no column $c" >&2; return 2; }
	done
	while IFS= read -r l; do
		read -r -a w <<<"$l"
		out=""
		for c in $want; do out+="${out:+ }${w[${col[$c]}]}"; done
		printf '%s\n' "$out"
	done < <(flows_of "$f" "$@")
}

# flow_core FILE [FIELD=VALUE...]: the foundation's columns of each matching
# flow, family to notes ($HSMON_FLOW_CORE).
flow_core() {
	local f=$1

	shift
	flow_cols "$f" "$HSMON_FLOW_CORE" "$@"
}

# flow_sans_age FILE [FIELD=VALUE...]: every column of each matching flow but
# age_ms, the one that changes while nothing happens.
flow_sans_age() {
	local f=$1 c cols=""

	shift
	for c in $(header_of "$f"); do
		[ "$c" = age_ms ] || cols+="${cols:+ }$c"
	done
	flow_cols "$f" "$cols" "$@"
}

# Live forms for busywait.
# hsmon_has_flow NS [FIELD=VALUE...]: at least one such flow now.
hsmon_has_flow() {
	local ns=$1 f

	shift
	f="$TMPD/poll"
	hsmon_read "$ns" >"$f" 2>/dev/null || return 1
	[ -n "$(flows_of "$f" "$@")" ]
}

# hsmon_counter NS NAME: a counter's current value.
hsmon_counter() {
	local n v

	while read -r n v; do
		[ -z "$n" ] && return 0
		[ "$n" = "$2" ] && { echo "$v"; return 0; }
	done < <(hsmon_read "$1")
}

# hsmon_counter_is NS NAME VALUE / hsmon_counter_ge NS NAME MIN
hsmon_counter_is() { [ "$(hsmon_counter "$1" "$2")" = "$3" ]; }
hsmon_counter_ge() {
	local v

	v=$(hsmon_counter "$1" "$2")
	is_uint "$v" && [ "$v" -ge "$3" ]
}

# dump_hsmon NS...: show what the namespaces saw (after a failure).
dump_hsmon() {
	local ns

	for ns in "$@"; do
		log "--- /proc/hsmon in $ns"
		log "$(hsmon_read "$ns" 2>&1)"
	done
}

# ---------------------------------------------------------------- module

hsmon_loaded() { [ -d /sys/module/hsmon ]; }

hsmon_unload() {
	hsmon_loaded || return 0
	rmmod hsmon
}

# hsmon_reload [key=val...]: reload $HSMON_KO with these parameters.
hsmon_reload() {
	[ -e "$HSMON_KO" ] || die "HSMON_KO='$HSMON_KO' is not a module file"
	hsmon_unload || return 1
	insmod "$HSMON_KO" "$@"
}

# kmsg_mark: put a line of our own in the kernel log; kmsg_since prints the
# lines after the last mark, without timestamps.
kmsg_mark() {
	KMSG_MARK="hsmon-selftest: $TEST_NAME $$ mark $RANDOM$RANDOM"
	echo "$KMSG_MARK" >/dev/kmsg || die "cannot write /dev/kmsg"
}

kmsg_since() {
	local l found=0

	while IFS= read -r l; do
		if [ $found = 1 ]; then
			[[ "$l" =~ ^\[\ *[0-9]+\.[0-9]+\]\ (.*)$ ]] && l=${BASH_REMATCH[1]}
			printf '%s\n' "$l"
		elif [[ "$l" == *"$KMSG_MARK"* ]]; then
			found=1
		fi
	done < <(dmesg)
}

# kmsg_reports: the lines since the last kmsg_mark that report a kernel bug
# (the families check.sh judges for the whole run), the first 10 of them and
# how many more.
HSMON_BAD_KMSG='WARNING|BUG:|kernel BUG|Oops|Call Trace|general protection|KASAN|UBSAN|refcount_t|list_(add|del) corruption|Kernel panic|soft lockup|hung task|blocked for more than|circular locking|recursive locking|inconsistent lock state|suspicious RCU|sleeping function called|Unable to handle|unreferenced object|ODEBUG|rcu: INFO|detected stall|unregister_netdevice: waiting|page allocation failure'
kmsg_reports() {
	local l n=0

	while IFS= read -r l; do
		[[ "$l" =~ $HSMON_BAD_KMSG ]] || continue
		n=$((n + 1))
		[ $n -le 10 ] && printf '%s\n' "$l"
	done < <(kmsg_since)
	[ $n -le 10 ] || echo "... $((n - 10)) more"
}

# ---------------------------------------------------------------- prerequisites

require_cmd() {
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not found"
	done
}

# require_hsmon: root, ip, python; the module loaded (the runner loads it), or
# loadable from $HSMON_KO with default parameters.
require_hsmon() {
	[ "$EUID" = 0 ] || skip "must run as root"
	require_cmd ip
	[ -x "$PY" ] || skip "$PY not found"
	if ! hsmon_loaded; then
		[ -n "$HSMON_KO" ] || skip "hsmon not loaded and HSMON_KO not set"
		hsmon_reload || die "insmod $HSMON_KO"
	fi
	[ -e /proc/self/net/hsmon ] || die "hsmon is loaded but /proc/net/hsmon is missing"
}

# ---------------------------------------------------------------- cleanup

hsmon_cleanup() {
	local pid ns batch=""

	if [ "$RET" != 0 ] && hsmon_loaded; then
		for ns in "${NS_LIST[@]}"; do
			dump_hsmon "$ns"
		done
	fi
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "${NS_LIST[@]}"; do
		batch+="netns del $ns"$'\n'
	done
	[ -n "$batch" ] && ip -force -b - <<<"$batch" >/dev/null 2>&1
	rm -rf "$TMPD"
}

# Tests install `trap cleanup EXIT`; one that needs more defines its own
# cleanup and calls hsmon_cleanup from it.
cleanup() {
	hsmon_cleanup
}
