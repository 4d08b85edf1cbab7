# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Helpers for the netlink selftests (selftests/hsmon_nl_*.sh), on top of
# lib.sh, which this sources.
#
#   nl NS ARGS...            selftests/hsmon_nl.py (raw generic netlink) in NS
#   cli NS ARGS...           the hsmon command (cli/hsmon) in NS
#   (in the background, to signal it later, the command itself:
#    spawn ip netns exec NS "${NL_RUN[@]}" ARGS / ... "$HSMON_CLI" ARGS, as
#    spawning a function puts a shell between $BG_PID and the command)
#   require_genl             the hsmon family is registered (else: fail)
#   require_cli              cli/hsmon is built (else: skip)
#   require_synflood         selftests/tools/synflood is built (else: skip)
#   proc_stats FILE          "name value" lines of a /proc/hsmon snapshot
#   proc_flow_table FILE     the flow part (header row, then flows)
#   table_sans COL FILE      a table (header row first) without column COL,
#                            fields single-spaced, rows sorted, header first
#   json_flows_table FILE... `hsmon -j flows` outputs as such tables, in
#                            FILE.table
#   tcp_listen NS ADDR PORT  a tcp_helper.py listener, kept open
#   tcp_connect NS ADDR PORT SPORT EXPECTED [HOLD]
#                            one connect with tcp_helper.py, checked
#   nl_counter NS NAME, nl_counter_is/_ge NS NAME N, nl_snap NS FILE,
#   stat_of FILE NAME        stats by netlink

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NL_PY="$SELFTEST_DIR/hsmon_nl.py"
# -S: no site-packages (stdlib only), a much faster start in a TCG guest.
NL_RUN=("$PY" -S "$NL_PY")
NL_UNCHROOT="$SELFTEST_DIR/nl_unchroot.py"
HSMON_CLI=${HSMON_CLI:-$(cd "$SELFTEST_DIR/.." && pwd)/cli/hsmon}
SYNFLOOD=${SYNFLOOD:-$SELFTEST_DIR/tools/synflood}

nl() {
	local ns=$1

	shift
	ip netns exec "$ns" "${NL_RUN[@]}" "$@"
}

cli() {
	local ns=$1

	shift
	ip netns exec "$ns" "$HSMON_CLI" "$@"
}

require_genl() {
	"${NL_RUN[@]}" info >"$TMPD/genl.info" 2>&1 ||
		die "the generic netlink family hsmon is not there: $(cat "$TMPD/genl.info")"
}

require_cli() {
	[ -x "$HSMON_CLI" ] ||
		skip "no hsmon command at $HSMON_CLI (build it on the host: make -C cli)"
}

require_synflood() {
	[ -x "$SYNFLOOD" ] ||
		skip "no $SYNFLOOD (build it on the host: make -C selftests/tools)"
}

# proc_stats FILE: part 1 of a /proc/hsmon snapshot.
proc_stats() {
	awk 'NF == 0 { exit } { print }' "$1"
}

# proc_flow_table FILE: part 2 (the header row and the flows).
proc_flow_table() {
	awk 'part { print } NF == 0 { part = 1 }' "$1"
}

# table_sans COL FILE: drop the column named COL (by the header row),
# squeeze blanks, sort the rows and keep the header first.
table_sans() {
	awk -v c="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) skip = i }
		{
			out = ""
			for (i = 1; i <= NF; i++)
				if (i != skip)
					out = out (out == "" ? "" : " ") $i
			if (NR == 1)
				print "0 " out
			else
				print "1 " out
		}' "$2" | LC_ALL=C sort | cut -d' ' -f2-
}

# json_flows_table FILE...: each `hsmon -j flows` output (a JSON array of
# objects keyed by the /proc column names) as a /proc-style table in
# FILE.table: the header row of /proc's columns, values in /proc's spellings
# (null, "" and [] -> "-", a list comma-joined). One python for all files.
json_flows_table() {
	"$PY" -S - "$@" <<'EOF'
import json, sys
cols = ("family initiator responder direction state isn_j isn_k syn_rtx synack_rtx "
        "orig_flags reply_flags notes age_ms outcome zeek syn_synack_us synack_ack_us "
        "handshake_us ack_expected ack_seen").split()
def text(v):
    if v is None or v == "" or v == []:
        return "-"
    if isinstance(v, list):
        return ",".join(str(x) for x in v)
    return str(v)
for path in sys.argv[1:]:
    with open(path) as f, open(path + ".table", "w") as out:
        try:
            data = json.load(f)
        except ValueError as e:
            print("%s: not JSON: %s" % (path, e), file=sys.stderr)
            continue
        print(" ".join(cols), file=out)
        for o in data:
            extra = sorted(set(o) - set(cols))
            if extra:
                print("%s: unknown keys %s" % (path, extra), file=sys.stderr)
            print(" ".join(text(o.get(c, "<missing>")) for c in cols), file=out)
EOF
}

# tcp_connect NS ADDR PORT SPORT EXPECTED [HOLD]: connect from SPORT and
# check what tcp_helper.py reports ("connected SPORT", "error ECONNREFUSED"...,
# the first two words); the connection stays open HOLD seconds (default 600:
# past the test) in the background.
tcp_connect() {
	local out="$TMPD/connect.$4" got

	spawn ip netns exec "$1" "$PY" -S "$TCP_HELPER" connect --addr "$2" --port "$3" \
		--sport "$4" --hold "${6:-600}" --out "$out"
	wait_file "$out" || die "connect from $4 to $2:$3 did not report"
	read -r -a got <"$out"
	check_eq "connect $2:$3 from $4" "$5" "${got[*]:0:2}"
}

# tcp_listen NS ADDR PORT: a listener that keeps what it accepts open.
tcp_listen() {
	local ready="$TMPD/listen.$2.$3"

	spawn ip netns exec "$1" "$PY" -S "$TCP_HELPER" listen --addr "$2" --port "$3" \
		--hold 600 --ready "$ready"
	wait_file "$ready" || die "listener on $2:$3 in $1 did not start"
}

# nl_counter NS NAME: one counter, by netlink.
nl_counter() {
	nl "$1" stats | awk -v n="$2" '$1 == n { print $2 }'
}

nl_counter_ge() {	# NS NAME MIN
	local v

	v=$(nl_counter "$1" "$2")
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$3" ]
}

nl_counter_is() {	# NS NAME VALUE
	[ "$(nl_counter "$1" "$2")" = "$3" ]
}

# nl_snap NS FILE: the stats by netlink, once, to take several values from;
# stat_of FILE NAME: one of them.
nl_snap() {
	nl "$1" stats >"$2" || die "stats by netlink in $1: $(cat "$2")"
}

stat_of() {
	awk -v n="$2" '$1 == n { print $2; exit }' "$1"
}
