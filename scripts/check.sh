#!/usr/bin/env bash
# The test command (make check, make check-one): for each kernel, build
# hsmon.ko, boot a QEMU guest that runs selftests/run.sh, and judge the
# guest's kernel log.
#
#   scripts/check.sh [--kernel KVER]... [--test NAME]... [NAME...]
#
#   --kernel KVER   only this kernel; a prefix of a line of scripts/.kernels
#                   will do (--kernel 6.12), "debug" names the debug kernel.
#                   Default: every kernel there, then the debug kernel
#                   (scripts/debug-kernel.sh builds it once, then it is cached).
#   --test NAME     only this selftest (hsmon_foo, foo or hsmon_foo.sh).
#
# The debug kernel's lane runs beside the stock kernels' (HSMON_CHECK_LANES=2,
# the default): its build, then its guest, while the stock kernels' guests
# run one after the other; a guest keeps about one core busy, the machine
# has two. Its output is shown when both lanes are done. HSMON_CHECK_LANES=1
# runs the debug kernel's guest last, alone.
#
# Environment: HSMON_TEST_TIMEOUT (seconds per test, default 300),
# HSMON_VM_TIMEOUT (seconds per guest, default from the number of tests),
# HSMON_LINT=0 (skip make lint, which runs first, on the host);
# any other HSMON_* variable (a test's knob) is passed into the guests.
# A guest that prints nothing for HSMON_TEST_TIMEOUT + 120 s is stopped.
#
# A kernel log report (WARNING, BUG, Oops, KASAN, UBSAN, lockdep, RCU stall,
# kmemleak...) counts as one failed test for that kernel; so does a build
# failure and a guest that crashes or times out. On the host, the CLI and
# helper builds, spec-check and make lint count one failed test each.
# Results of each guest stay in build/check/<kernel>/ (output, dmesg,
# console.log, status).
# The last line is "N passed, N failed" summed over the kernels. Exit status
# is non-zero if anything failed or if no test ran.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

die() {
	echo "check.sh: $*" >&2
	exit 2
}

want_kernels=()
tests=()
while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) want_kernels+=("${2:?}"); shift 2 ;;
	-t | --test) tests+=("${2:?}"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/{/^#/{s/^# \{0,1\}//;p}}' "$0"; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) tests+=("$1"); shift ;;
	esac
done

# Kernel log lines that mean the kernel found a bug. Boot of the stock
# kernels under TCG prints none of these.
bad_log='WARNING:|BUG:|Oops|ODEBUG|Call Trace|refcount_t:|KASAN|UBSAN|kmemleak:.*suspected memory leak|unreferenced object|lockdep|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|general protection fault|Kernel panic|stack-protector|list_(add|del) corruption|INFO: task .* blocked for more than|rcu: INFO:|rcu_(sched|preempt) (self-)?detected stall|soft lockup|hard LOCKUP|page allocation failure'

stamp() { date +%s; }
t0=$(stamp)
log() { printf 'check: %s\n' "$*"; }

# --- setup -----------------------------------------------------------------

# One make check at a time on this machine: the guests share two cores, and
# the results go to fixed paths under build/check/.
mkdir -p "$repo/build"
exec 9>"$repo/build/.check.lock"
if ! flock -n 9; then
	log "waiting for another make check to finish"
	flock 9
	log "waited $(($(stamp) - t0))s"
fi

s=$(stamp)
bash "$here/setup-host.sh"
t_setup=$(($(stamp) - s))
log "setup-host.sh: ${t_setup}s"

# The hsmon command-line tool, for the netlink selftests (they skip without
# it). Userspace: one build for every kernel, out of the source tree.
s=$(stamp)
cli=""
cli_failed=0
mkdir -p "$repo/build/cli"
if [ ! -f "$repo/cli/Makefile" ]; then
	log "no cli/ to build"
elif (exec 8>"$repo/build/cli/.lock" && flock 8 &&
	make -C "$repo/build/cli" -f "$repo/cli/Makefile" --no-print-directory hsmon) \
	>"$repo/build/cli/build.log" 2>&1; then
	cli=$repo/build/cli/hsmon
	log "cli: built $cli in $(($(stamp) - s))s"
else
	tail -n 30 "$repo/build/cli/build.log"
	log "cli: build FAILED (counted as 1 failed test; the netlink selftests will skip)"
	cli_failed=1
fi

# The selftests' C helpers (synflood): userspace, one build for all kernels.
# A build failure counts as one failed test; the tests needing them skip.
if make -s -C "$repo/selftests/tools" >"$repo/build/tools.log" 2>&1; then
	log "selftests/tools: built"
else
	tail -n 30 "$repo/build/tools.log"
	log "selftests/tools: build FAILED (counted as 1 failed test)"
	cli_failed=$((cli_failed + 1))
fi

# The uapi header must agree with the netlink spec: one failed test if not.
if /usr/bin/python3 "$repo/scripts/spec-check.py" "$repo/netlink/hsmon.yaml" \
	"$repo/include/uapi/linux/hsmon.h"; then
	log "spec-check: ok"
else
	log "spec-check: FAILED (counted as 1 failed test)"
	cli_failed=$((cli_failed + 1))
fi

# make lint (scripts/lint.sh: checkpatch, sparse and W=1 on the kernels
# tested here, the userspace with -Werror, cppcheck, the man page against
# the code): one failed test if it finds anything. Before the debug kernel's
# build starts: the sparse builds get the cores. HSMON_LINT=0 skips it
# (fast loops).
lint_kernels=()
for w in "${want_kernels[@]}"; do
	case $w in debug | *-hsmon-debug) ;; *) lint_kernels+=(--kernel "$(grep -m1 "^$w" "$here/.kernels" || echo "$w")") ;; esac
done
if [ "${HSMON_LINT:-1}" = 0 ]; then
	log "lint: skipped (HSMON_LINT=0)"
elif [ ${#want_kernels[@]} -gt 0 ] && [ ${#lint_kernels[@]} = 0 ]; then
	log "lint: skipped (debug kernel only: it is not a target of make lint)"
else
	s=$(stamp)
	if bash "$here/lint.sh" "${lint_kernels[@]}" >"$repo/build/lint.log" 2>&1; then
		log "lint: ok in $(($(stamp) - s))s ($(tail -n 1 "$repo/build/lint.log"))"
	else
		grep -v '^lint: .*: ok$' "$repo/build/lint.log" | head -n 120
		log "lint: FAILED after $(($(stamp) - s))s (counted as 1 failed test; build/lint.log)"
		cli_failed=$((cli_failed + 1))
	fi
fi

all_kernels=()
while IFS= read -r k; do
	[ -n "$k" ] && all_kernels+=("$k")
done <"$here/.kernels"

# Whether the debug kernel is wanted (its lane: see debug_lane below).
want_debug=0
if [ ${#want_kernels[@]} -eq 0 ]; then
	want_debug=1
else
	for w in "${want_kernels[@]}"; do
		case $w in debug | *-hsmon-debug) want_debug=1 ;; esac
	done
fi

# The stock kernels asked for, in order.
kernels=()
if [ ${#want_kernels[@]} -eq 0 ]; then
	kernels=("${all_kernels[@]}")
else
	for w in "${want_kernels[@]}"; do
		found=""
		case $w in debug | *-hsmon-debug) continue ;; esac
		for k in "${all_kernels[@]}"; do
			if [ "$k" = "$w" ]; then found=$k; break; fi
			[ -n "$found" ] || case $k in "$w"*) found=$k ;; esac
		done
		if [ -z "$found" ] && [ -d "/lib/modules/$w/build" ]; then
			found=$w
		fi
		[ -n "$found" ] || die "unknown kernel $w (scripts/.kernels: ${all_kernels[*]} debug)"
		kernels+=("$found")
	done
fi

ntests=${#tests[@]}
if [ "$ntests" = 0 ]; then
	ntests=$(find "$repo/selftests" -maxdepth 1 -name 'hsmon_*.sh' | wc -l)
fi
per_test=${HSMON_TEST_TIMEOUT:-300}
vm_timeout=${HSMON_VM_TIMEOUT:-$((120 + ntests * (per_test + 20)))}
# run.sh prints at least a line per test and stops a test after $per_test
# seconds: a guest silent for much longer has a wedged kernel.
# (per kernel: t_test + 120, t_test being per_test, or twice that on the debug kernel)

# The tests' knobs (HSMON_RELOAD_ROUNDS=20 make check-one ...) go into the
# guests, whose environment starts empty.
knobs=()
while IFS= read -r v; do
	case $v in
	HSMON_KO | HSMON_CLI | HSMON_TEST_TIMEOUT | HSMON_VM_TIMEOUT | HSMON_CACHE | \
	HSMON_KERNEL_KIND | HSMON_RESULTS | HSMON_PKG_STAGE | HSMON_LINT) ;;
	*) knobs+=("$v=${!v}") ;;
	esac
done < <(compgen -e | grep '^HSMON_' || true)

# --- one kernel ------------------------------------------------------------

total_passed=0
total_failed=$cli_failed
summary=()
[ "$cli_failed" = 0 ] || summary+=("host: $cli_failed build, spec or lint check(s) failed")

# Collect the kernel log reports of a guest into $1/reports, each tagged
# with the test that was running (run.sh marks the log before it reloads
# hsmon for a test, and after the test). Reports from before the first mark
# come from booting the stock kernel, not from hsmon: they are shown, tagged
# "boot", but not counted. Prints how many lines count.
scan_log() {	# $1 = results dir
	local f=$1/dmesg
	[ -s "$f" ] || f=$1/console.log
	: >"$1/reports"
	if [ -s "$f" ]; then
		awk -v re="$bad_log" '
			/hsmon-run: start / { t = $NF; next }
			/hsmon-run: end / { t = "after " $(NF - 2); next }
			/hsmon-run: final unload/ { t = "final rmmod"; next }
			/hsmon-run: done/ { t = "after the tests"; next }
			$0 ~ re { printf "    [%s] %s\n", t == "" ? "boot" : t, $0 }' "$f" >"$1/reports"
	fi
	grep -vc '^    \[boot\]' "$1/reports" || true
}

# wants_pkg: a packaging test (hsmon_pkg_*) is among the tests to run.
wants_pkg() {
	local t

	[ ${#tests[@]} -gt 0 ] || return 0
	for t in "${tests[@]}"; do
		case ${t##*/} in hsmon_pkg_* | pkg_*) return 0 ;; esac
	done
	return 1
}

check_kernel() {
	local kver=$1
	local res="$repo/build/check/$kver" ko="$repo/build/$kver/module/hsmon.ko"
	local s t_build t_guest passed=0 failed=0 skipped=0 rc totals reports booted
	local guest_ok whole n clienv append kind t_test pkgenv pkg_failed
	echo
	echo "==== $kver: build ===="
	s=$(stamp)
	if ! "$here/build.sh" "$kver"; then
		t_build=$(($(stamp) - s))
		log "$kver: build FAILED after ${t_build}s (counted as 1 failed test)"
		total_failed=$((total_failed + 1))
		summary+=("$kver: build failed")
		return 0
	fi
	t_build=$(($(stamp) - s))
	log "$kver: built $ko in ${t_build}s"

	echo "==== $kver: selftests ===="
	rm -rf "$res"
	mkdir -p "$res"
	# Test this build even if someone rebuilds build/$kver meanwhile.
	cp "$ko" "$res/hsmon.ko"
	ko=$res/hsmon.ko
	clienv=()
	if [ -n "$cli" ]; then
		cp "$cli" "$res/hsmon"
		clienv=(HSMON_CLI="$res/hsmon")
	fi
	# slab_nomerge: hsmon's flow cache gets its own line in /proc/slabinfo
	# (Debian merges caches of one size), so the tests can count its memory.
	# A debug kernel turns every WARN into a panic: the run stops at the
	# first report, with the trace on the console.
	# HSMON_KERNEL_KIND (stock, rt, debug) lets a stress test size its load.
	append="slab_nomerge"
	kind=stock
	case $kver in
	*-hsmon-debug) append+=" panic_on_warn=1"; kind=debug ;;
	*-rt-*) kind=rt ;;
	esac
	# The packaging tests (hsmon_pkg_*) install what scripts/pkg-stage.sh
	# builds here: compiling in a TCG guest is far too slow. Not for the
	# debug kernel: no headers package, those tests skip there.
	pkgenv=()
	pkg_failed=0
	if [ "$kind" != debug ] && wants_pkg; then
		s=$(stamp)
		if "$here/pkg-stage.sh" "$kver" "$res/pkg"; then
			log "$kver: staged the packaging tests' builds in $(($(stamp) - s))s ($res/pkg)"
			pkgenv=(HSMON_PKG_STAGE="$res/pkg")
		else
			log "$kver: pkg-stage.sh FAILED (counted as 1 failed test; the hsmon_pkg_* tests skip)"
			pkg_failed=1
		fi
	fi
	# The debug kernel is several times slower: twice the time per test.
	t_test=$per_test
	[ "$kind" != debug ] || [ -n "${HSMON_TEST_TIMEOUT:-}" ] || t_test=$((per_test * 2))
	s=$(stamp)
	set +e
	"$here/vm.sh" --kernel "$kver" --results "$res" \
		--timeout "$((vm_timeout * t_test / per_test))" \
		--idle-timeout "$((t_test + 120))" --cwd "$repo" --append "$append" -- \
		env "${knobs[@]}" HSMON_KO="$ko" HSMON_TEST_TIMEOUT="$t_test" \
		HSMON_KERNEL_KIND="$kind" "${clienv[@]}" "${pkgenv[@]}" \
		"$repo/selftests/run.sh" "${tests[@]}"
	rc=$?
	set -e
	t_guest=$(($(stamp) - s))
	booted=$(cut -d' ' -f1 "$res/booted" 2>/dev/null || echo '?')

	totals=$(sed -n 's/^# totals: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
		"$res/output" | tail -n 1)
	whole=$res/dmesg
	if [ -n "$totals" ]; then
		read -r passed failed skipped <<<"$totals"
		guest_ok=1
	else
		guest_ok=0
		# The runner did not finish: count what it reported, plus one
		# failure for the guest itself.
		passed=$(grep -cE '^ok [0-9]+ [^#]*$' "$res/output" || true)
		skipped=$(grep -cE '^ok [0-9]+ .*# SKIP' "$res/output" || true)
		failed=$(grep -cE '^not ok [0-9]+' "$res/output" || true)
		failed=$((failed + 1))
		case $(cat "$res/guest" 2>/dev/null) in
		timeout) log "$kver: guest timed out after $((vm_timeout * t_test / per_test))s (counted as 1 failed test)" ;;
		idle) log "$kver: guest stopped after $((t_test + 120))s without output, kernel wedged? (counted as 1 failed test)" ;;
		exited) log "$kver: run.sh failed with status $rc before its totals (counted as 1 failed test)" ;;
		*) log "$kver: guest died (counted as 1 failed test)" ;;
		esac
		[ -s "$whole" ] || whole=$res/console.log
	fi

	failed=$((failed + pkg_failed))
	reports=$(scan_log "$res")
	if [ "$reports" -gt 0 ] || [ -s "$res/kmemleak" ]; then
		if [ "$guest_ok" = 1 ]; then
			log "$kver: kernel log has $reports report line(s) (counted as 1 failed test):"
			failed=$((failed + 1))
		else
			log "$kver: kernel log has $reports report line(s):"
		fi
	elif [ -s "$res/reports" ]; then
		log "$kver: kernel log has report lines from boot, before hsmon (not counted):"
	else
		log "$kver: kernel log clean"
	fi
	if [ -s "$res/reports" ]; then
		head -n 60 "$res/reports"
		n=$(wc -l <"$res/reports")
		[ "$n" -le 60 ] || echo "    ... $((n - 60)) more in $res/reports"
	fi
	if [ -s "$res/kmemleak" ]; then
		log "$kver: kmemleak:"
		head -n 40 "$res/kmemleak" | sed 's/^/    /'
	fi
	if [ -s "$res/reports" ] || [ -s "$res/kmemleak" ]; then
		log "$kver: whole log: $whole"
	fi
	log "$kver: guest ${t_guest}s (booted in ${booted}s)"
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	summary+=("$kver: $passed passed, $failed failed, $skipped skipped (build ${t_build}s, guest ${t_guest}s)")
}

# The debug kernel (KASAN, lockdep, kmemleak...: scripts/debug-kernel.sh),
# built once and cached outside the repository; "debug" names it. Its build
# runs at the lowest priority (the stock kernels' guests leave a core idle
# much of the time), then its guest; both in the background beside the
# stock kernels (HSMON_CHECK_LANES=2), or its guest after them. A build
# failure is one failed test; the stock kernels run anyway.
debug_build() {
	local s

	s=$(stamp)
	rm -f "$repo/build/debug-kernel.release"
	nice -n 19 bash "$here/debug-kernel.sh" >"$repo/build/debug-kernel.release.tmp" \
		2>"$repo/build/debug-kernel.log" &&
		mv "$repo/build/debug-kernel.release.tmp" "$repo/build/debug-kernel.release"
	echo $(($(stamp) - s)) >"$repo/build/debug-kernel.seconds"
}

debug_check() {	# $1 = seconds waited for the build
	local t_debug

	t_debug=$(cat "$repo/build/debug-kernel.seconds" 2>/dev/null || echo 0)
	sed 's/^/    /' "$repo/build/debug-kernel.log"
	if [ -s "$repo/build/debug-kernel.release" ]; then
		debug_kernel=$(cat "$repo/build/debug-kernel.release")
		log "debug kernel: $debug_kernel ready after ${t_debug}s (waited ${1}s for it)"
		check_kernel "$debug_kernel"
	else
		log "debug kernel: build FAILED after ${t_debug}s (counted as 1 failed test)"
		total_failed=$((total_failed + 1))
		summary+=("debug kernel: build failed")
	fi
}

# The debug lane in a subshell: its totals and summary line come back in
# files.
debug_lane() {
	total_passed=0
	total_failed=0
	summary=()
	debug_build
	debug_check 0
	echo "$total_passed $total_failed" >"$lane/totals"
	printf '%s\n' "${summary[@]}" >"$lane/summary"
}

lanes=${HSMON_CHECK_LANES:-2}
debug_pid=""
in_lane=0
lane=$repo/build/check/lane-debug
rm -rf "$lane"
if [ "$want_debug" = 1 ]; then
	if [ "$lanes" = 1 ] || [ ${#kernels[@]} = 0 ]; then
		debug_build &
		debug_pid=$!
		log "debug kernel: building or checking its cache in the background (build/debug-kernel.log)"
	else
		mkdir -p "$lane"
		debug_lane >"$lane/log" 2>&1 &
		debug_pid=$!
		in_lane=1
		log "debug kernel: its build then its guest beside the stock kernels ($lane/log, shown at the end)"
	fi
fi

for k in "${kernels[@]}"; do
	check_kernel "$k"
done

if [ -n "$debug_pid" ]; then
	s=$(stamp)
	wait "$debug_pid" || true
	t_wait=$(($(stamp) - s))
	if [ "$in_lane" = 1 ]; then
		echo
		log "debug kernel: its lane ran beside the stock kernels (waited ${t_wait}s for it); its output:"
		cat "$lane/log"
		if [ -s "$lane/totals" ]; then
			read -r p f <"$lane/totals"
			total_passed=$((total_passed + p))
			total_failed=$((total_failed + f))
			while IFS= read -r l; do
				[ -z "$l" ] || summary+=("$l")
			done <"$lane/summary"
		else
			log "debug kernel: its lane ended without totals (counted as 1 failed test)"
			total_failed=$((total_failed + 1))
			summary+=("debug kernel: lane failed")
		fi
	else
		debug_check "$t_wait"
	fi
fi
t_debug=$(cat "$repo/build/debug-kernel.seconds" 2>/dev/null || echo 0)

echo
echo "==== summary ===="
printf '%s\n' "${summary[@]}"
log "setup ${t_setup}s, debug kernel ${t_debug}s, total $(($(stamp) - t0))s"
if [ $((total_passed + total_failed)) = 0 ]; then
	log "no test ran"
fi
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ] && [ "$total_passed" -gt 0 ]
