#!/usr/bin/env bash
# Host-only checks of hsmon(8): what needs no kernel module. Usage errors
# exit 2 with the usage on stderr, --help and --version exit 0 on stdout,
# and without the module every command says so and exits 1. (Behaviour
# against the module is tested in a QEMU guest.)
#
#   bash cli/test-host.sh [path/to/hsmon]
set -u

hsmon=${1:-$(dirname "$0")/hsmon}
pass=0
fail=0
errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT

# expect NAME STATUS STDOUT-REGEX STDERR-REGEX -- ARGS...
expect() {
	local name=$1 want=$2 out_re=$3 err_re=$4 out err st
	shift 5
	out=$("$hsmon" "$@" 2>"$errfile")
	st=$?
	err=$(cat "$errfile")
	if [ "$st" != "$want" ]; then
		echo "not ok - $name: exit status $st, expected $want (stderr: ${err%%$'\n'*})"
		fail=$((fail + 1))
	elif ! [[ $out =~ $out_re ]]; then
		echo "not ok - $name: stdout '${out:0:80}' does not match /$out_re/"
		fail=$((fail + 1))
	elif ! [[ $err =~ $err_re ]]; then
		echo "not ok - $name: stderr '${err:0:80}' does not match /$err_re/"
		fail=$((fail + 1))
	else
		echo "ok - $name"
		pass=$((pass + 1))
	fi
}

usage='^hsmon: .*'$'\n''Usage: hsmon '
none='^$'
gone='^hsmon: kernel module not loaded: generic netlink family '"'hsmon'"' not found$'

expect "--version prints the version"	0 '^hsmon [0-9]+\.[0-9]+\.[0-9]+'	"$none" -- --version
expect "-V is --version"		0 '^hsmon [0-9]'		"$none" -- -V
expect "--help prints usage on stdout"	0 '^Usage: hsmon '		"$none" -- --help
expect "no command is a usage error"	2 "$none" "$usage" --
expect "unknown command"		2 "$none" "$usage" -- frobnicate
expect "unknown option"			2 "$none" "$usage" -- --frob stats
expect "stats takes no argument"	2 "$none" "$usage" -- stats extra
expect "--prometheus is for stats only"	2 "$none" "$usage" -- --prometheus flows
expect "--prometheus excludes --json"	2 "$none" "$usage" -- -j stats --prometheus
expect "flows: unknown filter"		2 "$none" "$usage" -- flows colour red
expect "flows: filter without value"	2 "$none" "$usage" -- flows port
expect "flows: bad state"		2 "$none" "$usage" -- flows state LISTEN
expect "flows: bad family"		2 "$none" "$usage" -- flows family 5
expect "flows: port out of range"	2 "$none" "$usage" -- flows port 65536
expect "flows: negative port"		2 "$none" "$usage" -- flows port -1
expect "flows: bad address"		2 "$none" "$usage" -- flows addr 10.0.0.300
expect "flows: v4 prefix too long"	2 "$none" "$usage" -- flows addr 10.0.0.0/33
expect "flows: v6 prefix too long"	2 "$none" "$usage" -- flows addr fd00::/129
expect "flows: addr not of family"	2 "$none" "$usage" -- flows family 4 addr fd00::1
expect "flows: filter given twice"	2 "$none" "$usage" -- flows port 1 port 2
expect "flows: bad direction"		2 "$none" "$usage" -- flows direction sideways
expect "config: unexpected argument"	2 "$none" "$usage" -- config get
expect "config set: nothing to set"	2 "$none" "$usage" -- config set
expect "config set: unknown key"	2 "$none" "$usage" -- config set max_fows 100
expect "config set: key without value"	2 "$none" "$usage" -- config set max_flows
expect "config set: not a number"	2 "$none" "$usage" -- config set syn_timeout 10s
expect "config set: over u32"		2 "$none" "$usage" -- config set est_timeout 4294967296
expect "config set: events not 0/1"	2 "$none" "$usage" -- config set events 2
expect "config set: key twice"		2 "$none" "$usage" -- config set events 1 events 0
expect "watch takes no argument"	2 "$none" "$usage" -- watch now
expect "flush takes no argument"	2 "$none" "$usage" -- flush all

# The family does not exist on a host without the module.
if grep -qw '^hsmon' /proc/modules 2>/dev/null; then
	echo "# the hsmon module is loaded here: skipping the not-loaded checks"
else
	for cmd in stats "-j stats" "stats --prometheus" flows "flows state ESTABLISHED port 80" \
		   "-j flows" watch config "config set events 1" flush; do
		# shellcheck disable=SC2086 # split on purpose
		expect "$cmd without the module" 1 "$none" "$gone" -- $cmd
	done
fi

echo "# pass=$pass fail=$fail"
[ "$fail" = 0 ]
