#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two hundred network namespaces come and go, each with live flows and open
# listeners when it dies (tools/nschurn.c): every namespace sees its own
# flows in /proc/hsmon and its flow dump, in their states, and nobody
# else's; once the kernel has dismantled them, hsmon's flow cache holds no
# more objects than before; then a second, smaller round whose namespaces
# go down while a reader in each has /proc/hsmon half read and a flow dump
# requested. Afterwards the initial namespace's table tracks a handshake,
# the module unloads and loads again, the new table tracks a handshake, and
# the kernel log has no report.

source "$(dirname "$0")/lib.sh"

require_hsmon
[ -e "$HSMON_KO" ] || skip "HSMON_KO is not set to a module file"
NSCHURN="$SELFTEST_DIR/tools/nschurn"
[ -x "$NSCHURN" ] || skip "$NSCHURN is not built (make -C selftests/tools)"
trap cleanup EXIT

NAMESPACES=200
READER_NAMESPACES=40
WINDOW=16		# namespaces in the making at once
CONNS=4			# accepted connections per namespace
PIN=10			# every 10th namespace outlives its processes a while
# Flows per namespace: CONNS accepted, 2 in a full accept queue, 1
# half-open, 2 refused.
FLOWS_PER_NS=$((CONNS + 5))
# cleanup_net runs in one kernel worker; a debug kernel under TCG takes a
# while for a few hundred namespaces.
TEARDOWN_MS=120000
DPORT=8080

# ---------------------------------------------------------------- slab

FLOW_CACHE=hsmon_flow
SLAB=/sys/kernel/slab

# slab_objects CACHE: objects allocated from CACHE now. The cache is shrunk
# first, which moves the CPUs' slabs back to the node lists (and empties
# KASAN's quarantine), so that "objects" counts the live objects only.
slab_objects() {
	local n

	echo 1 >"$SLAB/$1/shrink" 2>/dev/null
	read -r n _ <"$SLAB/$1/objects" || return 1
	echo "$n"
}

flows_at_most() {
	local n

	n=$(slab_objects "$FLOW_CACHE") && [ "$n" -le "$1" ]
}

slabinfo_line() {
	local l

	while IFS= read -r l; do
		[[ "$l" == "$1 "* ]] && { printf '%s\n' "$l"; return 0; }
	done </proc/slabinfo
	return 1
}

[ -d "$SLAB/$FLOW_CACHE" ] || skip "no $SLAB/$FLOW_CACHE (SLUB with sysfs needed)"
# SLUB merges caches of one size and flags. When hsmon_flow found a cache
# to merge into, it is an alias of that cache, without a line of its own in
# /proc/slabinfo; when other caches merged into it, it has "aliases". Either
# way its count includes others' objects: the leak check needs an exact
# count, so it is only done when the cache is hsmon's alone (on Debian's
# kernels it is: no other cache of 120 bytes can merge with it; boot with
# slab_nomerge to be sure).
flow_cache_own=no
aliases=$(cat "$SLAB/$FLOW_CACHE/aliases")
if ! slabinfo_line $FLOW_CACHE >/dev/null; then
	log "$FLOW_CACHE is merged into $(readlink "$SLAB/$FLOW_CACHE" | sed 's,.*/,,'):" \
		"its object count is shared, the leak check is skipped (boot with slab_nomerge)"
elif [ "$aliases" != 0 ]; then
	log "$aliases other caches are merged into $FLOW_CACHE: its object count is" \
		"shared, the leak check is skipped (boot with slab_nomerge)"
else
	flow_cache_own=yes
fi
log_slabinfo() {
	log "slabinfo: $(slabinfo_line "$1" || echo "no line for $1")"
}

# ---------------------------------------------------------------- churn

# churn NAME ARGS...: run nschurn, show what it printed, and leave its
# summary's figures in CHURN[...] ("namespaces", "ok", "flows seen"...).
declare -A CHURN
churn() {
	local name=$1 out="$TMPD/churn.$1" rc t0 l n kv

	shift
	t0=$(now_ms)
	"$NSCHURN" "$@" >"$out" 2>&1
	rc=$?
	CHURN=()
	CHURN[rc]=$rc
	CHURN[ms]=$(($(now_ms) - t0))
	n=0
	while IFS= read -r l; do
		if [[ "$l" == namespaces* ]]; then
			log "$name: $l"
			while IFS= read -r kv; do
				[[ "$kv" =~ ^(.*[^ ])\ ([0-9]+)$ ]] &&
					CHURN[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
			done <<<"${l//, /$'\n'}"
		elif [ $n -lt 20 ]; then
			log "$name: $l"
			n=$((n + 1))
		fi
	done <"$out"
}

kmsg_mark

base_flows=$(slab_objects $FLOW_CACHE) || die "cannot read $SLAB/$FLOW_CACHE/objects"
base_netns=$(slab_objects net_namespace)
log "before: $FLOW_CACHE objects $base_flows, net_namespace objects ${base_netns:-?}"
log_slabinfo $FLOW_CACHE

logt "round 1: $NAMESPACES namespaces, $WINDOW at once, $CONNS connections each, every ${PIN}th pinned"
churn "round 1" -n $NAMESPACES -w $WINDOW -c $CONNS -p $PIN -b 20000
t_churn1=${CHURN[ms]}
check_eq "round 1: nschurn exit status" 0 "${CHURN[rc]}"
check_eq "round 1: namespaces that saw their flows and no other's" $NAMESPACES "${CHURN[ok]}"
check_eq "round 1: flows seen" $((NAMESPACES * FLOWS_PER_NS)) "${CHURN[flows seen]}"
check_eq "round 1: ESTABLISHED flows seen" $((NAMESPACES * (CONNS + 2))) "${CHURN[established]}"
check_eq "round 1: REFUSED flows seen" $((NAMESPACES * 2)) "${CHURN[refused]}"
check_eq "round 1: half-open flows seen" $NAMESPACES "${CHURN[half-open]}"
check_eq "round 1: flows dumped over netlink" $((NAMESPACES * FLOWS_PER_NS)) "${CHURN[dumped]}"
check_eq "round 1: namespaces pinned" $((NAMESPACES / PIN)) "${CHURN[pinned]}"
check_eq "round 1: their flows in the initial namespace" 0 \
	"${CHURN[most foreign flows in the initial namespace]}"

logt "round 2: $READER_NAMESPACES namespaces die under a reader of /proc/hsmon and a flow dump"
churn "round 2" -n $READER_NAMESPACES -w $WINDOW -c $CONNS -r -b 21000
t_churn2=${CHURN[ms]}
check_eq "round 2: nschurn exit status" 0 "${CHURN[rc]}"
check_eq "round 2: namespaces that saw their flows and no other's" $READER_NAMESPACES \
	"${CHURN[ok]}"
check_eq "round 2: flows seen" $((READER_NAMESPACES * FLOWS_PER_NS)) "${CHURN[flows seen]}"
check_eq "round 2: readers killed" $READER_NAMESPACES "${CHURN[readers]}"
log_slabinfo $FLOW_CACHE

# The namespaces die in the background (cleanup_net). Their ESTABLISHED and
# half-open flows do not time out for days or minutes: only the namespace's
# exit frees them, so the flow cache back at its count means every table is
# gone.
t0=$(now_ms)
if [ $flow_cache_own = yes ]; then
	if busywait $TEARDOWN_MS flows_at_most "$base_flows"; then
		t_teardown=$(($(now_ms) - t0))
		log "tables freed $t_teardown ms after the last namespace's processes exited"
	fi
	check_eq "$FLOW_CACHE objects once the namespaces are gone" "$base_flows" \
		"$(slab_objects $FLOW_CACHE)"
	log_slabinfo $FLOW_CACHE
fi
# Only a figure: the kernel frees a dead namespace's struct net lazily.
[ -n "$base_netns" ] &&
	log "net_namespace objects now $(slab_objects net_namespace) (before: $base_netns)"

# The initial namespace's table, never reloaded, still tracks a handshake.
spawn "$PY" "$TCP_HELPER" listen --addr 127.0.0.1 --port $DPORT --hold 600 \
	--ready "$TMPD/listening"
wait_file "$TMPD/listening" || die "listener on 127.0.0.1:$DPORT did not start"
# init_handshake SPORT: connect from SPORT, hold it, see it ESTABLISHED.
init_handshake() {
	local out="$TMPD/connect.$1" conn snap="$TMPD/init.$1"

	spawn "$PY" "$TCP_HELPER" connect --addr 127.0.0.1 --port $DPORT --sport "$1" \
		--hold 600 --out "$out"
	wait_file "$out" || die "client from port $1 did not report"
	read -r conn _ <"$out"
	check_eq "connect from port $1 in the initial namespace" connected "$conn"
	busywait 10000 hsmon_has_flow init initiator="127.0.0.1:$1" state=ESTABLISHED
	hsmon_snap init "$snap"
	check_eq "$2: the handshake in the initial namespace" \
		"ipv4 127.0.0.1:$1 127.0.0.1:$DPORT local ESTABLISHED" \
		"$(flow_cols "$snap" "family initiator responder direction state" \
			initiator="127.0.0.1:$1")"
}
init_handshake 40001 "after the churn"

# Unload: a dump's socket freed late may hold the module for a moment.
t0=$(now_ms)
busywait 10000 rmmod hsmon 2>"$TMPD/err" ||
	fail "rmmod hsmon after the churn: $(file_line "$TMPD/err")"
log "rmmod took $(($(now_ms) - t0)) ms"
insmod "$HSMON_KO" 2>"$TMPD/err" || die "insmod $HSMON_KO: $(file_line "$TMPD/err")"
init_handshake 40002 "after the reload"
churn "after the reload" -n 4 -w 4 -c $CONNS -b 22000
check_eq "after the reload: nschurn exit status" 0 "${CHURN[rc]}"
check_eq "after the reload: namespaces that saw their flows" 4 "${CHURN[ok]}"

check_eq "kernel log lines that report a bug" "" "$(kmsg_reports)"

log "figures: round 1 $NAMESPACES namespaces in $t_churn1 ms," \
	"round 2 $READER_NAMESPACES namespaces in $t_churn2 ms," \
	"tables freed ${t_teardown:-(not measured)}${t_teardown:+ ms} after the last exit"
test_done
