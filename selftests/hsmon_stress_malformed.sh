#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hsmon under attack: a malformed-packet corpus (corpus_helper.py, about
# 1,150 packets each way) crosses a router to a server and back, while an
# IPv4 and an IPv6 connection are ESTABLISHED between client and server.
#   inbound   client -> router -> server, raw frames from the client: the
#             router's FORWARD hook and the server's LOCAL_IN hook see them
#   outbound  server -> router -> client, from the server's raw IP sockets:
#             its LOCAL_OUT hook and the router's FORWARD hook see them
# The corpus: truncated IPv4/IPv6 and TCP headers, IHL < 5 or past the end,
# data offsets 0-4 and past the end, all 256 flag bytes, bogus options,
# tiny, lone, overlapping and atomic fragments, IPv6 extension header
# chains (long, cut short, ending in no TCP), zero-length payloads; the
# impossible flag bytes and malformed headers also on the live flows'
# 5-tuples. Each case says what it must count at the router and at the
# server (their IP input checks drop some before any hook; the server's
# IPv4 reassembly runs before its LOCAL_IN hook).
#
# Then, at the router and at the server: malformed, fragments, bad_flags,
# segments, syn, synack and untracked moved by exactly what the corpus
# says; every other counter and histogram stayed; the table holds the two
# live flows unchanged (age_ms aside) and exactly the SYN_SENT flows of the
# corpus' well-formed SYNs; the kernel log reports nothing; and a new
# handshake each way is still tracked.
#
# The receivers drop the corpus after their hooks (it arrives with TTL 6,
# an nft rule at the input hook, which runs after hsmon's): their TCP must
# not answer it, or the answers would be more segments to count.

source "$(dirname "$0")/lib.sh"

require_hsmon
require_cmd nft
trap cleanup EXIT

CORPUS="$SELFTEST_DIR/corpus_helper.py"
DPORT=8080		# the live flows' server port
TTL=7			# the corpus' TTL and hop limit, one less at its receivers
LIVE4=40001 LIVE6=40002 NEW4=40003 NEW6=40004

# load_snap FILE NAME [counters]: one pass over a snapshot, no subshell: its
# counters and histograms into the associative array NAME (their names, in
# order, into SNAP_NAMES), and unless "counters", its flows into the arrays
# NAME_core (family .. notes) and NAME_flows (every column but age_ms).
load_snap() {
	local -n _cnt=$2 _core=$2_core _flows=$2_flows
	local part=0 i c line core_idx=() age
	local -a w
	local -A col

	_cnt=()
	_core=()
	_flows=()
	SNAP_NAMES=()
	while read -r -a w; do
		case $part in
		0)
			if [ ${#w[@]} = 0 ]; then
				[ "$3" = counters ] && return 0
				part=1
			else
				# shellcheck disable=SC2004 # an associative array
				_cnt[${w[0]}]=${w[*]:1}
				SNAP_NAMES+=("${w[0]}")
			fi
			;;
		1)
			for i in "${!w[@]}"; do col[${w[i]}]=$i; done
			for c in $HSMON_FLOW_CORE; do core_idx+=("${col[$c]}"); done
			age=${col[age_ms]}
			part=2
			;;
		2)
			line=""
			for i in "${core_idx[@]}"; do line+="${line:+ }${w[i]}"; done
			_core+=("$line")
			unset "w[$age]"
			_flows+=("${w[*]}")
			;;
		esac
	done <"$1"
}
# shellcheck disable=SC2034 # used by name (load_snap, declare -n)
declare -A r0 r1 s0 s1 poll
# shellcheck disable=SC2034
declare -a r0_core r0_flows r1_core r1_flows s0_core s0_flows s1_core s1_flows \
	poll_core poll_flows SNAP_NAMES

# The corpus' SYNs leave SYN_SENT flows that must not time out under a slow
# kernel before the test looks at them.
hsmon_reload syn_timeout=3600 || die "insmod $HSMON_KO syn_timeout=3600"

topo_routed
for ns in "$NS_C" "$NS_S"; do
	ip netns exec "$ns" nft -f - <<EOF || die "nft: drop the corpus in $ns"
table inet hsmon_corpus {
	chain in {
		type filter hook input priority 0;
		ip ttl $((TTL - 1)) drop
		ip6 hoplimit $((TTL - 1)) drop
	}
}
EOF
done

# connect_pair SPORT4 SPORT6: connect from both ports at once to the server,
# keep both connections; CONN4/CONN6 get "connected PORT J K" or an error.
connect_pair() {
	local p

	for p in "$1:$RS4" "$2:$RS6"; do
		spawn ip netns exec "$NS_C" "$PY" "$TCP_HELPER" connect --addr "${p#*:}" \
			--port $DPORT --sport "${p%%:*}" --out "$TMPD/conn.${p%%:*}" \
			--capture veth0 --hold 900
	done
	for p in "$1" "$2"; do
		wait_file "$TMPD/conn.$p" || die "client from port $p did not report"
	done
	CONN4=$(file_line "$TMPD/conn.$1")
	CONN6=$(file_line "$TMPD/conn.$2")
}

logt "live flows"
for a in "$RS4" "$RS6"; do
	spawn ip netns exec "$NS_S" "$PY" "$TCP_HELPER" listen --addr "$a" --port $DPORT \
		--ready "$TMPD/listen.$a" --hold 900
done
for a in "$RS4" "$RS6"; do
	wait_file "$TMPD/listen.$a" || die "server on $a:$DPORT did not start"
done
connect_pair $LIVE4 $LIVE6
check_match "IPv4 connect" "^connected $LIVE4 " "$CONN4"
check_match "IPv6 connect" "^connected $LIVE6 " "$CONN6"
LIVE_INI=("$C4:$LIVE4" "[$C6]:$LIVE6")
for ns in "$NS_R" "$NS_S"; do
	for ini in "${LIVE_INI[@]}"; do
		busywait 20000 hsmon_has_flow "$ns" initiator="$ini" state=ESTABLISHED ||
			die "no ESTABLISHED flow from $ini in $ns"
	done
done
hsmon_snap "$NS_R" "$TMPD/r0"
hsmon_snap "$NS_S" "$TMPD/s0"
kmsg_mark

logt "the corpus, inbound and outbound"
spawn ip netns exec "$NS_C" "$PY" "$CORPUS" send --dir in --iface veth0 \
	--dmac "$(mac_of "$NS_R" vc)" --src4 "$C4" --dst4 "$RS4" --src6 "$C6" --dst6 "$RS6" \
	--dport 7000 --sport-base 20000 --ttl $TTL --live4 $LIVE4:$DPORT --live6 $LIVE6:$DPORT \
	--out "$TMPD/in"
in_pid=$BG_PID
spawn ip netns exec "$NS_S" "$PY" "$CORPUS" send --dir out \
	--src4 "$RS4" --dst4 "$C4" --src6 "$RS6" --dst6 "$C6" \
	--dport 7001 --sport-base 30000 --ttl $TTL --live4 $DPORT:$LIVE4 --live6 $DPORT:$LIVE6 \
	--out "$TMPD/out"
out_pid=$BG_PID
wait "$in_pid" || die "the inbound corpus could not be sent"
wait "$out_pid" || die "the outbound corpus could not be sent"
logt "corpus sent"

# What the corpus says: EXP[r.COUNTER] and EXP[s.COUNTER] (router, server),
# the flows its SYNs make, in the form of NAME_core (WANT_r, WANT_s), and
# its figures, FIG[in.frames] and so on.
declare -A EXP FIG
# shellcheck disable=SC2034 # used by name
declare -a WANT_r WANT_s
read_corpus() {		# FILE in|out
	local dir=$2 sdir d
	local -a w

	[ "$dir" = in ] && sdir=inbound || sdir=outbound
	while read -r -a w; do
		case ${w[0]} in
		expect) EXP[${w[1]}.${w[2]}]=$((${EXP[${w[1]}.${w[2]}]:-0} + w[3])) ;;
		flow)
			[ "${w[1]}" = r ] && d=forwarded || d=$sdir
			declare -n _want=WANT_${w[1]}
			_want+=("${w[2]} ${w[3]} ${w[4]} $d SYN_SENT ${w[5]} - 0 0 ${w[6]} - -")
			;;
		*) FIG[$dir.${w[0]}]=${w[1]} ;;
		esac
	done <"$1"
}
read_corpus "$TMPD/in" in
read_corpus "$TMPD/out" out
log "corpus: ${FIG[in.frames]} packets inbound (${FIG[in.cases]} cases, built in" \
	"${FIG[in.build_ms]} ms, sent in ${FIG[in.send_ms]} ms), ${FIG[out.frames]} outbound" \
	"(${FIG[out.cases]} cases, built in ${FIG[out.build_ms]} ms, sent in" \
	"${FIG[out.send_ms]} ms: ${FIG[out.sent]} sent, ${FIG[out.refused]} refused by the" \
	"kernel as expected)"
for w in r s; do
	[ "$w" = r ] && side=router || side=server
	line=""
	for c in segments malformed fragments bad_flags syn synack untracked flows; do
		line+=" $c +${EXP[$w.$c]}"
	done
	log "$side expects:$line"
done
check_eq "outbound packets sent" "$((${FIG[out.frames]} - ${FIG[out.refused]}))" \
	"${FIG[out.sent]}"

# arrived: at the router and at the server, the counters the corpus moves
# reached their values (the packets were sent synchronously: this is quick).
arrived() {
	local ns w c

	for w in r s; do
		[ "$w" = r ] && ns=$NS_R || ns=$NS_S
		declare -n _b=${w}0
		hsmon_snap "$ns" "$TMPD/poll"
		load_snap "$TMPD/poll" poll counters
		for c in segments malformed fragments bad_flags; do
			[ "${poll[$c]}" = $((${_b[$c]} + ${EXP[$w.$c]})) ] || return 1
		done
	done
}
load_snap "$TMPD/r0" r0
load_snap "$TMPD/s0" s0
busywait 20000 arrived || log "counters still short of the corpus' after 20 s"
logt "corpus counted"
hsmon_snap "$NS_R" "$TMPD/r1"
hsmon_snap "$NS_S" "$TMPD/s1"
load_snap "$TMPD/r1" r1
load_snap "$TMPD/s1" s1

for w in r s; do
	[ "$w" = r ] && side=router || side=server
	declare -n old=${w}0 new=${w}1 old_flows=${w}0_flows new_flows=${w}1_flows \
		old_core=${w}0_core new_core=${w}1_core want=WANT_$w
	# Every counter and histogram: the corpus' exact share, or unchanged.
	same=0 moved=0
	for c in "${SNAP_NAMES[@]}"; do
		if [ -n "${EXP[$w.$c]}" ]; then
			check_eq "$side: $c" $((${old[$c]} + ${EXP[$w.$c]})) "${new[$c]}"
		elif [ "${new[$c]}" = "${old[$c]}" ]; then
			same=$((same + 1))
		else
			fail "$side: $c: expected ${old[$c]} (unchanged), seen ${new[$c]}"
			moved=$((moved + 1))
		fi
	done
	[ $moved = 0 ] && log "ok: $side: the $same other counters and histograms unchanged"
	for ini in "${LIVE_INI[@]}"; do
		before="" after=""
		for l in "${old_flows[@]}"; do [[ "$l" == "ipv"?" $ini "* ]] && before+=$l; done
		for l in "${new_flows[@]}"; do [[ "$l" == "ipv"?" $ini "* ]] && after+=$l; done
		check_eq "$side: the live flow from $ini (age_ms aside)" "$before" "$after"
	done
	# The whole table: the live flows and the corpus' SYN_SENT flows, as
	# multisets of lines (family .. notes).
	unset tally
	declare -A tally=()
	for l in "${old_core[@]}" "${want[@]}"; do tally[$l]=$((${tally[$l]:-0} + 1)); done
	for l in "${new_core[@]}"; do tally[$l]=$((${tally[$l]:-0} - 1)); done
	diffs=""
	for l in "${!tally[@]}"; do
		n=${tally[$l]}
		[ "$n" = 0 ] && continue
		[ "$n" -gt 0 ] && diffs+="missing: $l"$'\n' || diffs+="extra: $l"$'\n'
	done
	if [ -z "$diffs" ]; then
		log "ok: $side: the flow table, ${#new_core[@]} flows as expected"
	else
		fail "$side: the flow table (family .. notes) differs:"
		log "$(head -40 <<<"$diffs")"
	fi
done

# The kernel log since the live flows were up: no report of a bug.
check_eq "kernel log lines that report a bug" "" "$(kmsg_reports)"

logt "a new handshake each way"
connect_pair $NEW4 $NEW6
read -r _ _ J4 K4 <<<"$CONN4"
read -r _ _ J6 K6 <<<"$CONN6"
check_match "IPv4 connect after the corpus" "^connected $NEW4 " "$CONN4"
check_match "IPv6 connect after the corpus" "^connected $NEW6 " "$CONN6"
for w in r s; do
	[ "$w" = r ] && ns=$NS_R side=router dir=forwarded || ns=$NS_S side=server dir=inbound
	busywait 10000 hsmon_has_flow "$ns" initiator="[$C6]:$NEW6" state=ESTABLISHED
	busywait 10000 hsmon_has_flow "$ns" initiator="$C4:$NEW4" state=ESTABLISHED
	hsmon_snap "$ns" "$TMPD/${w}2"
	check_eq "$side: the new IPv4 flow" \
		"ipv4 $C4:$NEW4 $RS4:$DPORT $dir ESTABLISHED $J4 $K4 0 0 SA SA -" \
		"$(flow_core "$TMPD/${w}2" initiator="$C4:$NEW4")"
	check_eq "$side: the new IPv6 flow" \
		"ipv6 [$C6]:$NEW6 [$RS6]:$DPORT $dir ESTABLISHED $J6 $K6 0 0 SA SA -" \
		"$(flow_core "$TMPD/${w}2" initiator="[$C6]:$NEW6")"
	# Nothing of the corpus came in late.
	declare -n new=${w}1
	for c in malformed fragments bad_flags untracked; do
		check_eq "$side: $c after the new handshakes" "${new[$c]}" \
			"$(counter_of "$TMPD/${w}2" $c)"
	done
done

test_done
