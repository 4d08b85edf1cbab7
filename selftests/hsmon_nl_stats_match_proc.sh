#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `hsmon stats` tells what /proc/hsmon's counters tell, name by name and
# value by value, and so do `hsmon -j stats` (a JSON object) and `hsmon stats
# --prometheus` (hsmon_<counter>_total, hsmon_<gauge>, hsmon_flows{state=..}).
# The namespace has seen three handshakes: IPv4 and IPv6 established, one
# IPv4 refused; its counters then stand still (no timer fires: linger and
# handshake timeouts are far away).

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_cli
trap cleanup EXIT

hsmon_reload linger_timeout=3600 || die "insmod linger_timeout=3600"
topo_pair
require_genl

tcp_listen "$NS_S" "$S4" 8080
tcp_listen "$NS_S" "$S6" 8080
tcp_connect "$NS_C" "$S4" 8080 40001 "connected 40001"
tcp_connect "$NS_C" "$S6" 8080 40002 "connected 40002"
tcp_connect "$NS_C" "$S4" 8081 40003 "error ECONNREFUSED"
busywait 10000 hsmon_counter_ge "$NS_C" refused 1

hsmon_snap "$NS_C" "$TMPD/proc"
proc_stats "$TMPD/proc" | awk '{ $1 = $1; print }' | LC_ALL=C sort >"$TMPD/proc.stats"
for kv in "established 2" "refused 1" "syn 3" "flows 3" "flows_established 2" \
	"flows_refused 1" "max_flows 65536"; do
	check_eq "/proc counter ${kv% *}" "${kv#* }" "$(counter_of "$TMPD/proc" "${kv% *}")"
done

# Text: the same "name value(s)" lines (order aside: one line per name).
cli "$NS_C" stats >"$TMPD/cli" 2>"$TMPD/cli.err"
check_eq "hsmon stats: exit status" 0 "$?"
check_eq "hsmon stats: stderr" "" "$(cat "$TMPD/cli.err")"
awk '{ $1 = $1; print }' "$TMPD/cli" | LC_ALL=C sort >"$TMPD/cli.stats"
check_eq "hsmon stats: lines" "$(wc -l <"$TMPD/proc.stats")" "$(wc -l <"$TMPD/cli.stats")"
check_eq "hsmon stats: names in /proc order" "$(proc_stats "$TMPD/proc" | cut -d' ' -f1)" \
	"$(cut -d' ' -f1 "$TMPD/cli")"
check_eq "hsmon stats vs /proc (lines that differ)" "" \
	"$(diff "$TMPD/proc.stats" "$TMPD/cli.stats" | grep '^[<>]')"

# JSON: one object, the same names and values (a histogram as an array).
cli "$NS_C" -j stats >"$TMPD/json" 2>"$TMPD/json.err"
check_eq "hsmon -j stats: exit status" 0 "$?"
"$PY" -S - "$TMPD/json" >"$TMPD/json.stats" 2>"$TMPD/json.err" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    o = json.load(f)
assert isinstance(o, dict), "not a JSON object"
for k, v in o.items():
    print(k, " ".join(map(str, v)) if isinstance(v, list) else v)
EOF
check_eq "hsmon -j stats parses as a JSON object" "" "$(cat "$TMPD/json.err")"
LC_ALL=C sort -o "$TMPD/json.stats" "$TMPD/json.stats"
check_eq "hsmon -j stats vs /proc (lines that differ)" "" \
	"$(diff "$TMPD/proc.stats" "$TMPD/json.stats" | grep '^[<>]')"

# Prometheus: every scalar of /proc as its metric, each sample once, each
# metric family with its TYPE.
cli "$NS_C" stats --prometheus >"$TMPD/prom" 2>"$TMPD/prom.err"
check_eq "hsmon stats --prometheus: exit status" 0 "$?"
proc_stats "$TMPD/proc" | awk 'NF == 2 && $1 !~ /_us_(count|sum)$/ {
	if ($1 ~ /^flows_/)
		printf "hsmon_flows{state=\"%s\"} %s\n", substr($1, 7), $2
	else if ($1 == "flows")
		next
	else if ($1 == "max_flows" || $1 == "entry_size")
		printf "hsmon_%s %s\n", $1, $2
	else
		printf "hsmon_%s_total %s\n", $1, $2
}' >"$TMPD/prom.expected"
check_ge "expected Prometheus samples" 30 "$(grep -c . "$TMPD/prom.expected")"
missing=$(grep -vxFf "$TMPD/prom" "$TMPD/prom.expected")
check_eq "Prometheus samples missing" "" "$missing"
check_eq "hsmon_established_total" "hsmon_established_total 2" \
	"$(grep '^hsmon_established_total ' "$TMPD/prom")"
check_eq 'hsmon_flows{state="refused"}' 'hsmon_flows{state="refused"} 1' \
	"$(grep '^hsmon_flows{state="refused"} ' "$TMPD/prom")"
check_eq "Prometheus samples given twice" "" \
	"$(grep -v '^#' "$TMPD/prom" | sed 's/ [^ ]*$//' | sort | uniq -d)"
check_eq "Prometheus metric families without a TYPE line" "" \
	"$(grep -v '^#' "$TMPD/prom" | sed -E 's/[{ ].*//; s/_(bucket|sum|count)$//' | sort -u |
		while read -r m; do
			grep -qE "^# TYPE ($m|${m}_(bucket|sum|count)) " "$TMPD/prom" || echo "$m"
		done)"
check_eq "Prometheus lines that are neither comments nor samples" "" \
	"$(grep -vE '^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?)$' \
		"$TMPD/prom")"

test_done
