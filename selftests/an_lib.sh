# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Helpers of the analytics selftests (selftests/hsmon_an_*.sh), on top of
# lib.sh (sourced here).
#
# Crafted segments are seen by an observer namespace that routes them:
#
#   NS_X (xc) ---- (vc) NS_R (vs) ---- (xs) NS_X
#
# NS_X, with no address at all, injects the initiator's segments on xc and
# the responder's on xs as raw frames; NS_R forwards them (direction
# `forwarded`), and its /proc/hsmon is the one the tests read. The two ends,
# AN_I4 behind vc and AN_R4 behind vs, exist only as permanent
# neighbour entries in NS_R with MAC addresses nobody has: what NS_R
# forwards arrives in NS_X addressed to another host and is dropped before
# IP. So no TCP stack anywhere answers a crafted segment (no RST for a port
# nobody listens on), and NS_R sees exactly the segments a test sends.
#
#   topo_observer                        - the topology above
#   craft SPORT DPORT STEP...            - send segments (an_helper.py craft)
#   check_flow WHAT SNAP SELECTOR EXPECTED  - one flow, column by column
#   check_counters WHAT SNAP NAME=VALUE...  - all counters, unlisted ones 0
#   hist_with US...                      - a _hist value with these samples

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AN_HELPER="$SELFTEST_DIR/an_helper.py"

AN_I4=192.0.2.1
AN_R4=198.51.100.2
AN_R_VC4=192.0.2.254
AN_R_VS4=198.51.100.254
AN_MAC_I=00:00:5e:00:53:01	# nobody's: RFC 7042 documentation addresses
AN_MAC_R=00:00:5e:00:53:02

# The columns of a flow line, in the order SPEC-foundation.md fixes.
AN_FLOW_COLUMNS=(family initiator responder direction state isn_j isn_k syn_rtx
	synack_rtx orig_flags reply_flags notes age_ms outcome zeek syn_synack_us
	synack_ack_us handshake_us ack_expected ack_seen)

topo_observer() {
	setup_ns NS_R NS_X
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 >/dev/null ||
		die "forwarding on in $NS_R"
	ns_batch "$NS_R" <<EOF
link add vc type veth peer name xc netns $NS_X
link add vs type veth peer name xs netns $NS_X
addr add $AN_R_VC4/24 dev vc
addr add $AN_R_VS4/24 dev vs
link set vc up
link set vs up
neigh add $AN_I4 lladdr $AN_MAC_I dev vc nud permanent
neigh add $AN_R4 lladdr $AN_MAC_R dev vs nud permanent
EOF
	ns_batch "$NS_X" <<EOF
link set xc up
link set xs up
EOF
	AN_DMAC_C=$(mac_of "$NS_R" vc)
	AN_DMAC_S=$(mac_of "$NS_R" vs)
	{ [ -n "$AN_DMAC_C" ] && [ -n "$AN_DMAC_S" ]; } || die "no MAC address for vc/vs in $NS_R"
	AN_PROC="/proc/${NS_PID[$NS_R]}/net/hsmon"
}

# craft SPORT DPORT STEP...: the segments of one IPv4 connection
# $AN_I4:SPORT -> $AN_R4:DPORT, each sent once NS_R has inspected the one
# before; snap:NAME steps leave NS_R's /proc/hsmon at that moment in
# $TMPD/NAME. See an_helper.py for STEP.
# Skips the test if scapy is missing: the helper tells (status 4), which is
# cheaper than lib.sh's require_scapy (one more import of scapy, 5 s in TCG).
craft() {
	local sport=$1 dport=$2 src=$AN_I4 dst=$AN_R4 rc

	shift 2
	logt "craft $src:$sport -> $dst:$dport: $*"
	ip netns exec "$NS_X" "$PY" "$AN_HELPER" craft \
		--orig-if xc --orig-dmac "$AN_DMAC_C" --reply-if xs --reply-dmac "$AN_DMAC_S" \
		--src "$src" --dst "$dst" --sport "$sport" --dport "$dport" \
		--proc "$AN_PROC" --dir "$TMPD" "$@"
	rc=$?
	[ $rc = 4 ] && skip "scapy not available to $PY"
	[ $rc = 0 ] || die "craft $* (status $rc)"
}

# check_flow WHAT SNAP SELECTOR EXPECTED: exactly one flow of SNAP matches
# SELECTOR (COLUMN=VALUE) and its columns are EXPECTED, a string of the 20
# columns in which `*` accepts anything and `#` any unsigned number.
check_flow() {
	local what=$1 snap=$2 sel=$3 l n=0 i bad=""
	local -a want seen

	read -r -a want <<<"$4"
	[ ${#want[@]} = ${#AN_FLOW_COLUMNS[@]} ] ||
		die "check_flow $what: ${#want[@]} columns expected, the format has ${#AN_FLOW_COLUMNS[@]}"
	while IFS= read -r l; do
		n=$((n + 1))
		read -r -a seen <<<"$l"
	done < <(flows_of "$snap" "$sel")
	if [ "$n" != 1 ]; then
		fail "$what: expected 1 flow with $sel, seen $n"
		return
	fi
	for i in "${!want[@]}"; do
		case ${want[i]} in
		'*') continue ;;
		'#') is_uint "${seen[i]}" && continue ;;
		*) [ "${want[i]}" = "${seen[i]}" ] && continue ;;
		esac
		bad+=" ${AN_FLOW_COLUMNS[i]}: expected '${want[i]}', seen '${seen[i]}';"
	done
	if [ -z "$bad" ]; then
		log "ok: $what: ${seen[*]}"
	else
		fail "$what:$bad"
		log "  expected: $4"
		log "  seen:     ${seen[*]}"
	fi
}

# flow_col SNAP SELECTOR COLUMN: one column of the (first) matching flow.
flow_col() {
	flow_field "$1" "$3" "$2" | { read -r v && echo "$v"; }
}

# hist_with US...: the 32 slots of a histogram holding these samples, in
# microseconds (slot 0: 0 us; slot i: [2^(i-1), 2^i) us; slot 31: the rest).
hist_with() {
	local us slot i out=""
	local -a h

	for ((i = 0; i < 32; i++)); do h[i]=0; done
	for us in "$@"; do
		is_uint "$us" || { echo "not-a-number:$us"; return; }
		slot=0
		while [ "$us" -gt 0 ] && [ "$slot" -lt 31 ]; do
			slot=$((slot + 1))
			us=$((us >> 1))
		done
		h[slot]=$((h[slot] + 1))
	done
	echo "${h[*]}"
}

AN_HIST_EMPTY=$(printf '0 %.0s' {1..32})
AN_HIST_EMPTY=${AN_HIST_EMPTY% }

# check_counters WHAT SNAP NAME=VALUE...: each listed counter of part 1 has
# its value, and every other one is 0 (a histogram line: no sample), but
# max_flows and entry_size, which are not counters.
check_counters() {
	local what=$1 snap=$2 kv n v want bad="" shown=0
	local -A exp

	shift 2
	for kv in "$@"; do
		exp[${kv%%=*}]=${kv#*=}
	done
	while read -r n v; do
		[ -z "$n" ] && break
		case $n in
		max_flows | entry_size) continue ;;
		*_hist) want=${exp[$n]-$AN_HIST_EMPTY} ;;
		*) want=${exp[$n]-0} ;;
		esac
		unset "exp[$n]"
		shown=$((shown + 1))
		[ "$v" = "$want" ] || bad+=" $n: expected '$want', seen '$v';"
	done <"$snap"
	for n in "${!exp[@]}"; do
		bad+=" $n: expected '${exp[$n]}', not shown;"
	done
	if [ "$shown" = 0 ]; then
		fail "$what: no counters in the snapshot"
	elif [ -z "$bad" ]; then
		log "ok: $what: $* (all others 0)"
	else
		fail "$what:$bad"
	fi
}
