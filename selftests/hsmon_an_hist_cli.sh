#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The handshake-time histograms as `hsmon stats --hist` shows them: with
# netem delaying the server's SYN/ACKs by 100 ms, three handshakes put three
# samples in each histogram; the syn_synack percentiles are at least the
# slot that holds 100 ms (65,536..131,071 us: p <= 131071); the JSON
# percentiles are the ones /proc/hsmon's slots give (recomputed here from
# the slot counts: the upper bound of the slot holding the ceil(p% of n)-th
# sample); and the Prometheus histogram is cumulative and counts 3.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_cli
require_cmd tc
trap cleanup EXIT

PORT=8080

topo_pair
listen_in "$NS_S" :: $PORT
ip netns exec "$NS_S" tc qdisc add dev veth0 root netem delay 100ms 2>"$TMPD/tc.err" ||
	skip "netem not available (sch_netem): $(cat "$TMPD/tc.err")"

for sport in 43001 43002 43003; do
	connect_from "$NS_C" "$S4" $PORT $sport
	check_eq "connect from $sport" "connected $sport" "$CONNECT"
	busywait 10000 hsmon_has_flow "$NS_C" initiator="$C4:$sport" state=ESTABLISHED ||
		fail "no ESTABLISHED flow for $C4:$sport"
done

hsmon_snap "$NS_C" "$TMPD/snap"
for h in syn_synack_us synack_ack_us handshake_us; do
	check_eq "/proc $h""_count" 3 "$(counter_of "$TMPD/snap" "${h}_count")"
done

cli "$NS_C" stats --hist >"$TMPD/text" 2>"$TMPD/err"
check_eq "hsmon stats --hist: exit status" 0 "$?"
check_eq "hsmon stats --hist: stderr" "" "$(cat "$TMPD/err")"
logt "$(cat "$TMPD/text")"
check_eq "text: syn_synack_us summary" "count 3" \
	"$(awk '/^syn_synack_us:/ { getline; print $1, $2 }' "$TMPD/text")"

cli "$NS_C" -j stats --hist >"$TMPD/json" 2>"$TMPD/err"
check_eq "hsmon -j stats --hist: exit status" 0 "$?"
# Each line: name count p50 p90 p99, and the same recomputed from /proc.
"$PY" -S - "$TMPD/json" "$TMPD/snap" >"$TMPD/cmp" 2>"$TMPD/err" <<'PYEOF'
import json, sys

doc = json.load(open(sys.argv[1]))
proc = {}
for line in open(sys.argv[2]):
    if not line.strip():
        break
    w = line.split()
    proc[w[0]] = [int(x) for x in w[1:]]

def pct(slots, p):
    n = sum(slots)
    want, seen = (n * p + 99) // 100, 0
    for i, c in enumerate(slots):
        seen += c
        if seen >= want:
            return None if i == 31 else (0 if i == 0 else (1 << i) - 1)

for name in ("syn_synack_us", "synack_ack_us", "handshake_us"):
    h = doc[name]
    slots = proc[name + "_hist"]
    print(name, "cli", h["count"], h["p50"], h["p90"], h["p99"])
    print(name, "proc", sum(slots), pct(slots, 50), pct(slots, 90), pct(slots, 99))
    print(name, "slots", "same" if h["slots"] == slots else "differ")
PYEOF
check_eq "hsmon -j stats --hist parses" "" "$(cat "$TMPD/err")"
logt "$(cat "$TMPD/cmp")"
for h in syn_synack_us synack_ack_us handshake_us; do
	check_eq "$h: count, p50, p90, p99 (cli vs /proc slots)" \
		"$(awk -v h=$h '$1 == h && $2 == "proc" { print $3, $4, $5, $6 }' "$TMPD/cmp")" \
		"$(awk -v h=$h '$1 == h && $2 == "cli" { print $3, $4, $5, $6 }' "$TMPD/cmp")"
	check_eq "$h: slots (cli vs /proc)" same \
		"$(awk -v h=$h '$1 == h && $2 == "slots" { print $3 }' "$TMPD/cmp")"
done
p50=$(awk '$1 == "syn_synack_us" && $2 == "cli" { print $4 }' "$TMPD/cmp")
check_ge "syn_synack_us p50 with a 100 ms netem delay (the slot of 100 ms ends at 131071 us)" \
	131071 "$p50"

cli "$NS_C" stats --prometheus >"$TMPD/prom" 2>"$TMPD/err"
check_eq "hsmon stats --prometheus: exit status" 0 "$?"
check_eq "prometheus: syn_synack count" "hsmon_syn_synack_seconds_count 3" \
	"$(grep '^hsmon_syn_synack_seconds_count ' "$TMPD/prom")"
check_eq "prometheus: syn_synack +Inf bucket" 'hsmon_syn_synack_seconds_bucket{le="+Inf"} 3' \
	"$(grep '^hsmon_syn_synack_seconds_bucket{le="+Inf"}' "$TMPD/prom")"
check_eq "prometheus: buckets that decrease (must be cumulative)" "" \
	"$(grep '^hsmon_syn_synack_seconds_bucket' "$TMPD/prom" |
		awk '{ if ($2 < prev) print; prev = $2 }')"
check_eq "prometheus: le=0.065535 (below 100 ms) bucket" 0 \
	"$(grep '^hsmon_syn_synack_seconds_bucket{le="0.065535"}' "$TMPD/prom" | awk '{ print $2 }')"

test_done
