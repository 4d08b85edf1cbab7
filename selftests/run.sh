#!/usr/bin/env bash
# KTAP runner for the hsmon selftests. Runs inside a guest (scripts/vm.sh,
# scripts/check.sh), as root:
#
#   HSMON_KO=/path/to/hsmon.ko selftests/run.sh [test-name...]
#
# Runs every selftests/hsmon_*.sh in sorted order, or the named ones (a name
# may drop the hsmon_ prefix and the .sh). Before each test hsmon is
# unloaded if loaded and inserted again from $HSMON_KO with default
# parameters, so every test starts from a fresh module; a test that needs
# parameters reloads it itself. A test exits 0 (pass), 4 (skip) or anything
# else (fail), within $HSMON_TEST_TIMEOUT seconds (default 300). Its output
# is shown as KTAP diagnostics. After the last test hsmon must unload: if it
# does not, that counts as one more failure.
#
# The kernel log is marked ("hsmon-run: start NAME" before the module is
# reloaded for a test, "hsmon-run: end NAME status N" after it) so that a
# warning can be traced to the test that caused it.
#
# Exit status: 0 if nothing failed, 1 if something did, 2 on a usage error.
set -euo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
HSMON_KO=${HSMON_KO:-$dir/../module/hsmon.ko}
timeout=${HSMON_TEST_TIMEOUT:-300}

die() {
	echo "run.sh: $*" >&2
	exit 2
}

[ "$(id -u)" = 0 ] || die "must run as root (in a guest: scripts/vm.sh)"
[ -f "$HSMON_KO" ] || die "no module at HSMON_KO=$HSMON_KO"
HSMON_KO=$(cd "$(dirname "$HSMON_KO")" && pwd)/$(basename "$HSMON_KO")
export HSMON_KO

tests=()
if [ $# -eq 0 ]; then
	while IFS= read -r t; do
		tests+=("$t")
	done < <(cd "$dir" && LC_ALL=C ls -1 -- hsmon_*.sh 2>/dev/null)
else
	for name in "$@"; do
		name=${name##*/}
		name=${name%.sh}
		[ -f "$dir/$name.sh" ] || name=hsmon_$name
		tests+=("$name.sh")
	done
fi

kmsg() {
	echo "hsmon-run: $*" >/dev/kmsg 2>/dev/null || true
}

loaded() {
	[ -d /sys/module/hsmon ]
}

# rmmod can fail for a moment while a dying namespace or a reader still
# holds the module: retry for up to 10 s.
unload() {
	local i
	for i in $(seq 50); do
		loaded || return 0
		rmmod hsmon 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod hsmon
}

# insmod does not resolve dependencies: load what modinfo says hsmon needs.
load() {
	local dep
	for dep in $(modinfo -F depends "$HSMON_KO" 2>/dev/null | tr ',' ' '); do
		modprobe "$dep"
	done
	insmod "$HSMON_KO"
}

# Tests clean up after themselves; if one did not, say so and clean up for it
# so the next test starts from an empty machine.
tidy() {	# $1 = test, $2 = process group of its timeout(1)
	local left
	if kill -0 -- "-$2" 2>/dev/null; then
		echo "# $1: killing processes it left running"
		kill -KILL -- "-$2" 2>/dev/null || true
	fi
	left=$(ip netns list 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ')
	if [ -n "$left" ]; then
		echo "# $1: deleting network namespaces it left: $left"
		ip -all netns delete 2>/dev/null || true
	fi
}

n=${#tests[@]}
passed=0
failed=0
skipped=0
echo "KTAP version 1"
echo "1..$n"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/out"

i=0
for t in "${tests[@]}"; do
	i=$((i + 1))
	name=${t%.sh}
	if [ ! -f "$dir/$t" ]; then
		echo "not ok $i $name # no such test: $dir/$t"
		failed=$((failed + 1))
		continue
	fi
	kmsg "start $name"
	if ! err=$(unload 2>&1); then
		echo "# $err"
		echo "not ok $i $name # could not unload hsmon before the test"
		failed=$((failed + 1))
		continue
	fi
	if ! err=$(load 2>&1); then
		echo "# $err"
		echo "not ok $i $name # insmod $HSMON_KO failed"
		failed=$((failed + 1))
		continue
	fi

	start=$SECONDS
	# Output through a fifo rather than a pipe so that $! is timeout(1),
	# whose process group holds everything the test started.
	sed -u '/^#/!s/^/# /' <"$work/out" &
	sedpid=$!
	(cd "$dir" && exec timeout -k 10 "$timeout" bash "./$t") \
		</dev/null >"$work/out" 2>&1 &
	tpid=$!
	set +e
	wait "$tpid"
	rc=$?
	set -e
	tidy "$name" "$tpid"
	# A process that left the group (setsid) may still hold the fifo.
	for _ in $(seq 25); do
		kill -0 "$sedpid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$sedpid" 2>/dev/null || true
	wait "$sedpid" 2>/dev/null || true
	kmsg "end $name status $rc"
	echo "# $name: exit status $rc after $((SECONDS - start))s"

	case $rc in
	0)
		echo "ok $i $name"
		passed=$((passed + 1))
		;;
	4)
		echo "ok $i $name # SKIP"
		skipped=$((skipped + 1))
		;;
	124 | 137)
		echo "not ok $i $name # TIMEOUT after ${timeout}s"
		failed=$((failed + 1))
		;;
	*)
		echo "not ok $i $name # exit status $rc"
		failed=$((failed + 1))
		;;
	esac
done

kmsg "final unload"
if ! err=$(unload 2>&1); then
	echo "# $err"
	echo "# rmmod hsmon failed after the last test: counted as a failure"
	failed=$((failed + 1))
fi
kmsg "done"
echo "# totals: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
