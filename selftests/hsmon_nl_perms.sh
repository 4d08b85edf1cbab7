#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may do what: stats (and config) are for anyone; flows, config set,
# flush and the events group need CAP_NET_ADMIN over the namespace.
#   - nobody (uid 65534, no capabilities): `hsmon stats` works; `hsmon
#     flows`, `hsmon config set`, `hsmon flush` and `hsmon watch` fail, and
#     the kernel's answer is EPERM (checked by raw netlink too); nothing
#     changed.
#   - root: `hsmon config set` takes effect (`hsmon config` shows it) and
#     `hsmon flush` empties the table while the counters stay.
#   - nobody in a user namespace of its own (unshare -U -r -n) is admin of
#     the namespace that comes with it: it reads its own flows, sets its
#     config, joins its events group.

source "$(dirname "$0")/nl_lib.sh"

require_hsmon
require_cli
require_cmd setpriv unshare
trap cleanup EXIT

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

# Nothing may expire while the test looks (TCG guests are slow).
hsmon_reload linger_timeout=3600 || die "insmod linger_timeout=3600"
setup_ns NS
require_genl

# Two flows: one established, one refused, over loopback.
tcp_listen "$NS" 127.0.0.1 8080
tcp_connect "$NS" 127.0.0.1 8080 40001 "connected 40001"
tcp_connect "$NS" 127.0.0.1 8081 40002 "error ECONNREFUSED"
busywait 10000 nl_counter_is "$NS" flows 2 || die "no 2 flows in the table"
config_before=$(nl "$NS" config-get)

as_nobody() {	# as_nobody OUT CMD...: run CMD in $NS as nobody; status, stdout+stderr in OUT
	local out=$1

	shift
	ip netns exec "$NS" "${NOBODY[@]}" "$@" >"$out" 2>&1
}

log "--- as nobody"
as_nobody "$TMPD/out" id -u
check_eq "uid" 65534 "$(cat "$TMPD/out")"

as_nobody "$TMPD/out" "$HSMON_CLI" stats
check_eq "hsmon stats: exit status" 0 "$?"
check_eq "hsmon stats: established" 1 "$(awk '$1 == "established" { print $2 }' "$TMPD/out")"
check_eq "hsmon stats: flows" 2 "$(awk '$1 == "flows" { print $2 }' "$TMPD/out")"

while IFS='|' read -r what op; do
	# shellcheck disable=SC2086 # the command's words
	as_nobody "$TMPD/out" timeout 10 "$HSMON_CLI" $what
	check_eq "hsmon $what: exit status" 1 "$?"
	check_eq "hsmon $what: message" "hsmon: permission denied (CAP_NET_ADMIN needed): $op" \
		"$(cat "$TMPD/out")"
done <<'EOT'
flows|flows
config set syn_timeout 7|config set
flush|flush
watch|watch
EOT

while IFS='|' read -r what args; do
	# shellcheck disable=SC2086
	as_nobody "$TMPD/out" "${NL_RUN[@]}" $args
	check_eq "raw netlink: $what" "error EPERM" "$(cat "$TMPD/out")"
done <<'EOT'
flow-get dump|dump
config-set|config-set syn_timeout=7
flush|flush
joining the events group|listen --duration 1
EOT
as_nobody "$TMPD/out" "${NL_RUN[@]}" config-get
check_eq "raw netlink: config-get as nobody" "$config_before" "$(cat "$TMPD/out")"
check_eq "config after nobody's attempts" "$config_before" "$(nl "$NS" config-get)"
check_eq "flows after nobody's attempts" 2 "$(nl_counter "$NS" flows)"

log "--- as root"
cli "$NS" config set syn_timeout 7 linger_timeout 600 >"$TMPD/out" 2>&1
rc=$?
check_eq "hsmon config set: exit status" 0 "$rc"
[ "$rc" = 0 ] || log "$(cat "$TMPD/out")"
cli "$NS" config >"$TMPD/out" 2>&1
check_eq "hsmon config: syn_timeout" 7 "$(awk '$1 == "syn_timeout" { print $2 }' "$TMPD/out")"
check_eq "hsmon config: linger_timeout" 600 \
	"$(awk '$1 == "linger_timeout" { print $2 }' "$TMPD/out")"
check_eq "hsmon config: max_flows (not set, unchanged)" 65536 \
	"$(awk '$1 == "max_flows" { print $2 }' "$TMPD/out")"

cli "$NS" flush >"$TMPD/out" 2>&1
rc=$?
check_eq "hsmon flush: exit status" 0 "$rc"
[ "$rc" = 0 ] || log "$(cat "$TMPD/out")"
hsmon_snap "$NS" "$TMPD/snap"
check_eq "flows after flush" 0 "$(counter_of "$TMPD/snap" flows)"
check_eq "flow lines after flush" 0 "$(flow_count "$TMPD/snap")"
check_eq "counter established after flush (counters stay)" 1 \
	"$(counter_of "$TMPD/snap" established)"
check_eq "counter refused after flush (counters stay)" 1 "$(counter_of "$TMPD/snap" refused)"
check_eq "hsmon flows after flush: data rows" 0 "$(cli "$NS" flows | tail -n +2 | grep -c .)"

log "--- nobody in a user namespace of its own"
# Readable and writable by nobody: the script and where it reports.
chmod 755 "$TMPD"
mkdir -m 777 "$TMPD/userns"
cat >"$TMPD/userns/inner.sh" <<EOF
exec >"$TMPD/userns/out" 2>&1
set -x
id -u
ip link set lo up || exit 1
"$PY" -S "$TCP_HELPER" listen --addr 127.0.0.1 --port 8080 --hold 20 \
	--ready "$TMPD/userns/ready" &
while [ ! -s "$TMPD/userns/ready" ]; do sleep 0.1; done
"$PY" -S "$TCP_HELPER" connect --addr 127.0.0.1 --port 8080 --sport 40003 --hold 20 \
	--out "$TMPD/userns/connected" &
while [ ! -s "$TMPD/userns/connected" ]; do sleep 0.1; done
"$HSMON_CLI" -j flows >"$TMPD/userns/flows.json"; echo "flows: \$?"
"$HSMON_CLI" config set syn_timeout 9; echo "config set: \$?"
"$HSMON_CLI" config >"$TMPD/userns/config"; echo "config: \$?"
"$PY" -S "$NL_PY" listen --duration 0.5; echo "listen: \$?"
kill %1 %2
EOF
chmod 644 "$TMPD/userns/inner.sh"
timeout 60 "$PY" -S "$NL_UNCHROOT" "${NOBODY[@]}" unshare -U -r -n bash "$TMPD/userns/inner.sh" \
	>"$TMPD/userns.err" 2>&1
check_eq "user namespace: exit status" 0 "$?"
[ -s "$TMPD/userns.err" ] && log "$(cat "$TMPD/userns.err")"
check_eq "user namespace: commands' exit statuses" \
	"flows: 0
config set: 0
config: 0
listen: 0" "$(grep -E '^(flows|config set|config|listen): ' "$TMPD/userns/out")"
check_eq "user namespace: its own flows" \
	"ipv4 127.0.0.1:40003 127.0.0.1:8080 local ESTABLISHED" \
	"$("$PY" -S -c 'import json, sys
for o in json.load(open(sys.argv[1])):
    print(o["family"], o["initiator"], o["responder"], o["direction"], o["state"])' \
	"$TMPD/userns/flows.json" 2>&1)"
check_eq "user namespace: its syn_timeout after config set" 9 \
	"$(awk '$1 == "syn_timeout" { print $2 }' "$TMPD/userns/config")"
check_eq "the test's namespace: syn_timeout (set to 7 above, not 9)" 7 \
	"$(awk '$1 == "syn_timeout" { print $2 }' <<<"$(nl "$NS" config-get)")"
[ "$RET" = 0 ] || log "$(cat "$TMPD/userns/out")"

test_done
