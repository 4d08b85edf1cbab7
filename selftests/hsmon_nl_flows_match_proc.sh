#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `hsmon flows` shows the table /proc/hsmon shows: the same columns and the
# same rows (blanks squeezed, rows sorted, age_ms left out: it moves), for
# IPv4 and IPv6 flows; `hsmon -j flows` says the same in JSON; and each
# filter (state, family, port, addr[/len], direction, and several at once)
# returns exactly its subset of the table.
#
# The server namespace S holds six flows:
#   1 ipv4 C:40001 -> S:8080     inbound  ESTABLISHED
#   2 ipv6 C:40002 -> S:8080     inbound  ESTABLISHED
#   3 ipv4 C:40003 -> S:8081     inbound  REFUSED
#   4 ipv6 C:40004 -> S:8081     inbound  REFUSED
#   5 ipv4 127.0.0.1:40005 -> 127.0.0.1:8080  local  ESTABLISHED
#   6 ipv4 S:40006 -> C:9        outbound REFUSED

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_cli
trap cleanup EXIT

hsmon_reload linger_timeout=3600 || die "insmod linger_timeout=3600"
topo_pair
require_genl

tcp_listen "$NS_S" "$S4" 8080
tcp_listen "$NS_S" "$S6" 8080
tcp_listen "$NS_S" 127.0.0.1 8080
tcp_connect "$NS_C" "$S4" 8080 40001 "connected 40001"
tcp_connect "$NS_C" "$S6" 8080 40002 "connected 40002"
tcp_connect "$NS_C" "$S4" 8081 40003 "error ECONNREFUSED"
tcp_connect "$NS_C" "$S6" 8081 40004 "error ECONNREFUSED"
tcp_connect "$NS_S" 127.0.0.1 8080 40005 "connected 40005"
tcp_connect "$NS_S" "$C4" 9 40006 "error ECONNREFUSED"
flows_are() { [ "$(hsmon_counter "$NS_S" flows)" = "$1" ] &&
	[ "$(hsmon_counter "$NS_S" flows_established)" = "$2" ]; }
busywait 10000 flows_are 6 3 || die "S does not have its 6 flows"

F1="ipv4 $C4:40001 $S4:8080 inbound ESTABLISHED"
F2="ipv6 [$C6]:40002 [$S6]:8080 inbound ESTABLISHED"
F3="ipv4 $C4:40003 $S4:8081 inbound REFUSED"
F4="ipv6 [$C6]:40004 [$S6]:8081 inbound REFUSED"
F5="ipv4 127.0.0.1:40005 127.0.0.1:8080 local ESTABLISHED"
F6="ipv4 $S4:40006 $C4:9 outbound REFUSED"

hsmon_snap "$NS_S" "$TMPD/proc"
proc_flow_table "$TMPD/proc" >"$TMPD/proc.table"
table_sans age_ms "$TMPD/proc.table" >"$TMPD/proc.cmp"
# first5 FILE: the identifying columns of a table's rows, sorted.
first5() { tail -n +2 "$1" | awk '{ print $1, $2, $3, $4, $5 }' | LC_ALL=C sort; }
check_eq "/proc: the flows" "$(printf '%s\n' "$F1" "$F2" "$F3" "$F4" "$F5" "$F6" | LC_ALL=C sort)" \
	"$(first5 "$TMPD/proc.table")"

cli "$NS_S" flows >"$TMPD/cli.table" 2>"$TMPD/cli.err"
check_eq "hsmon flows: exit status" 0 "$?"
check_eq "hsmon flows: stderr" "" "$(cat "$TMPD/cli.err")"
table_sans age_ms "$TMPD/cli.table" >"$TMPD/cli.cmp"
check_eq "hsmon flows: header row" "$(head -n 1 "$TMPD/proc.cmp")" "$(head -n 1 "$TMPD/cli.cmp")"
check_eq "hsmon flows vs /proc, age_ms aside (lines that differ)" "" \
	"$(diff "$TMPD/proc.cmp" "$TMPD/cli.cmp" | grep '^[<>]')"

cli "$NS_S" -j flows >"$TMPD/cli.json" 2>"$TMPD/cli.err"
check_eq "hsmon -j flows: exit status" 0 "$?"

# The filters, run in one shell in S (a TCG guest forks slowly): for each,
# the text and the JSON output, then one python reads them all.
# FILTER WORDS|the flows it selects
cat >"$TMPD/filters" <<'EOT'
state ESTABLISHED|1 2 5
state REFUSED|3 4 6
state SYN_SENT|
family 4|1 3 5 6
family 6|2 4
port 8080|1 2 5
port 40003|3
port 9|6
addr 192.0.2.1|1 3 6
addr 192.0.2.0/30|1 3 6
addr 192.0.2.2/32|1 3 6
addr 127.0.0.5|
addr 127.0.0.5/8|5
addr 2001:db8:1::1|2 4
addr 2001:db8:1::/64|2 4
addr 2001:db8:2::/64|
direction inbound|1 2 3 4
direction outbound|6
direction local|5
direction forwarded|
state REFUSED family 4|3 6
direction inbound family 6 port 8081|4
state ESTABLISHED addr 127.0.0.0/8 port 8080|5
EOT
ip netns exec "$NS_S" bash -s "$HSMON_CLI" "$TMPD" <<'EOT'
n=0
while IFS='|' read -r filter _; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # the filter's words
	"$1" flows $filter >"$2/sub.$n" 2>&1
	echo $? >"$2/sub.$n.rc"
	# shellcheck disable=SC2086
	"$1" -j flows $filter >"$2/sub.$n.json" 2>&1
done <"$2/filters"
EOT
json_flows_table "$TMPD/cli.json" "$TMPD"/sub.*.json 2>"$TMPD/json.err"
check_eq "hsmon -j flows: parse" "" "$(cat "$TMPD/json.err")"
table_sans age_ms "$TMPD/cli.json.table" >"$TMPD/json.cmp"
check_eq "hsmon -j flows vs /proc, age_ms aside (lines that differ)" "" \
	"$(diff "$TMPD/proc.cmp" "$TMPD/json.cmp" | grep '^[<>]')"

# FILTER|EXPECTED|TEXT OUTPUT|JSON OUTPUT|EXIT STATUS, rows joined by "; ".
"$PY" -S - "$TMPD" "$F1" "$F2" "$F3" "$F4" "$F5" "$F6" >"$TMPD/subsets" <<'EOF'
import sys
d, flows = sys.argv[1], sys.argv[2:]
def first5(path):
    try:
        rows = open(path).read().splitlines()[1:]
    except OSError as e:
        return str(e)
    return "; ".join(sorted(" ".join(r.split()[:5]) for r in rows))
for n, line in enumerate(open(d + "/filters"), 1):
    filt, want = line.rstrip("\n").split("|")
    expected = "; ".join(sorted(flows[int(i) - 1] for i in want.split()))
    print("|".join((filt, expected, first5("%s/sub.%d" % (d, n)),
                    first5("%s/sub.%d.json.table" % (d, n)),
                    open("%s/sub.%d.rc" % (d, n)).read().strip())))
EOF
check_eq "filters checked" "$(grep -c . "$TMPD/filters")" "$(grep -c . "$TMPD/subsets")"
while IFS='|' read -r filter expected text json rc; do
	check_eq "hsmon flows $filter: exit status" 0 "$rc"
	check_eq "hsmon flows $filter" "$expected" "$text"
	check_eq "hsmon -j flows $filter" "$expected" "$json"
done <"$TMPD/subsets"

test_done
