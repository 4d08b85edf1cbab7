#!/usr/bin/env bash
# make lint: the static checks. A warning is a bug: each check passes only
# when it has nothing to say.
#
#   scripts/lint.sh [--kernel KVER]...
#
#   checkpatch  linux-source-6.1's scripts/checkpatch.pl --strict on every
#               module source and header and on the uapi header (extracted
#               once from /usr/src/linux-source-6.1.tar.xz into
#               $HSMON_CACHE/checkpatch/<package version>/)
#   kernel      the module built with sparse on every file (C=2) and W=1,
#               against each kernel of scripts/.kernels (or --kernel)
#   userspace   cli/ and selftests/tools/ built with -Wall -Wextra -Werror
#   cppcheck    on cli/ and selftests/tools/
#   man         man/hsmon.4 names every module parameter with its range and
#               default, every counter and every flow field of the code
#
# Logs in build/lint/. Prints "lint: CHECK: ok" or "lint: CHECK: FAILED"
# with the findings, then "lint: N checks, N failed"; exit status 1 if one
# failed, 2 if a tool is missing (scripts/setup-host.sh installs them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${HSMON_CACHE:-/var/cache/hsmon}
out=$repo/build/lint

die() {
	echo "lint: $*" >&2
	exit 2
}

kernels=()
while [ $# -gt 0 ]; do
	case $1 in
	-k | --kernel) kernels+=("${2:?}"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/{/^#/{s/^# \{0,1\}//;p}}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (try --help)" ;;
	esac
done
if [ ${#kernels[@]} -eq 0 ] && [ -s "$here/.kernels" ]; then
	mapfile -t kernels <"$here/.kernels"
fi
[ ${#kernels[@]} -gt 0 ] || die "no kernels: run scripts/setup-host.sh or give --kernel"

for c in perl sparse cppcheck make gcc xz tar; do
	command -v "$c" >/dev/null || die "$c missing (run scripts/setup-host.sh)"
done

mkdir -p "$out"
cd "$repo"
checks=0
failed=0

# verdict NAME FILE: FILE holds the findings; empty means ok.
verdict() {
	checks=$((checks + 1))
	if [ -s "$2" ]; then
		failed=$((failed + 1))
		echo "lint: $1: FAILED ($(wc -l <"$2") line(s), $2)"
		sed 's/^/    /' "$2" | head -n 80
	else
		echo "lint: $1: ok"
	fi
}

# --- checkpatch ------------------------------------------------------------

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed (run scripts/setup-host.sh)"
cp_dir=$cache/checkpatch/$srcver
if [ ! -x "$cp_dir/checkpatch.pl" ]; then
	echo "lint: extracting checkpatch.pl from linux-source-6.1 $srcver into $cp_dir"
	rm -rf "$cp_dir.tmp"
	mkdir -p "$cp_dir.tmp"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$cp_dir.tmp" --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	rm -rf "$cp_dir"
	mv "$cp_dir.tmp" "$cp_dir"
fi
mapfile -t csources < <(ls module/*.c module/*.h module/selftest/*.c include/uapi/linux/*.h)
: >"$out/checkpatch"
for f in "${csources[@]}"; do
	# --no-tree: no kernel tree around; checkpatch finds spelling.txt and
	# const_structs.checkpatch next to itself. --strict seeds its CamelCase
	# check with the names of $root/include and caches them in the current
	# directory: $root is ours, the directory $out.
	(cd "$out" && perl "$cp_dir/checkpatch.pl" --strict --no-tree --root="$repo" \
		--file --terse \
		--show-types --no-summary --color=never "$repo/$f") 2>&1 |
		sed "s|^$repo/||" >>"$out/checkpatch" || true
done
verdict "checkpatch --strict (${#csources[@]} files)" "$out/checkpatch"

# --- sparse and W=1, per kernel ---------------------------------------------

nobjs=$(sed -n 's/^hsmon-y := //p' module/Kbuild | wc -w)
for k in "${kernels[@]}"; do
	kdir=/lib/modules/$k/build
	name="sparse C=2 + W=1 on $k"
	if [ ! -e "$kdir/Makefile" ]; then
		echo "no headers in $kdir" >"$out/kernel-$k"
		verdict "$name" "$out/kernel-$k"
		continue
	fi
	rm -rf "${out:?}/$k"
	# A fresh copy: every file compiled and checked, with nothing of a
	# previous build (C=2 checks even up-to-date objects, W=1 needs them
	# compiled).
	if make -C "$repo" --no-print-directory KERNELDIR="$kdir" BUILDDIR="$out/$k" \
		W=1 C=2 module >"$out/$k.log" 2>&1; then
		grep -E 'warning:|error:|: note:' "$out/$k.log" >"$out/kernel-$k" || true
		# kbuild prints "CHECK file.c" for each file sparse checked.
		n=$(grep -c '^  CHECK ' "$out/$k.log" || true)
		[ "$n" -ge "$nobjs" ] ||
			echo "sparse checked $n files, not the $nobjs of module/Kbuild ($out/$k.log)" \
				>>"$out/kernel-$k"
	else
		tail -n 40 "$out/$k.log" >"$out/kernel-$k"
		echo "(build failed: $out/$k.log)" >>"$out/kernel-$k"
	fi
	verdict "$name" "$out/kernel-$k"
done

# --- userspace ----------------------------------------------------------------

# cli/Makefile and selftests/tools/Makefile both build with -Wall -Wextra
# -Werror; a fresh build directory compiles every file.
: >"$out/userspace"
rm -rf "$out/cli" "$out/tools"
mkdir -p "$out/cli" "$out/tools"
make -s -C "$out/cli" -f "$repo/cli/Makefile" --no-print-directory hsmon \
	>"$out/cli.log" 2>&1 || cat "$out/cli.log" >>"$out/userspace"
grep -q -- '-Wall -Wextra -Werror' cli/Makefile ||
	echo "cli/Makefile does not build with -Wall -Wextra -Werror" >>"$out/userspace"
# The helpers' Makefile reaches the uapi header by ../../include: a copy of
# both, laid out as here (not a build in place, under guests running them).
mkdir -p "$out/tools/selftests/tools" "$out/tools/include"
cp -a selftests/tools/*.c selftests/tools/*.h selftests/tools/Makefile "$out/tools/selftests/tools/"
cp -a include/uapi "$out/tools/include/"
make -s -C "$out/tools/selftests/tools" >"$out/tools.log" 2>&1 ||
	cat "$out/tools.log" >>"$out/userspace"
grep -q -- '-Wall -Wextra -Werror' selftests/tools/Makefile ||
	echo "selftests/tools/Makefile does not build with -Wall -Wextra -Werror" >>"$out/userspace"
verdict "userspace -Wall -Wextra -Werror (cli, selftests/tools)" "$out/userspace"

# --- cppcheck -------------------------------------------------------------

# -D HSMON_VERSION: what cli/Makefile passes; __GNUC__: the compiler it is.
# variableScope is not checked: kernel style declares a function's
# variables at its top, which that check would have moved into the blocks.
cppcheck --quiet --std=c11 --language=c --enable=warning,style,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem --suppress=variableScope \
	--error-exitcode=0 \
	-D__GNUC__ -D__linux__ -DHSMON_VERSION='"lint"' -I include/uapi -I cli \
	--template='{file}:{line}: {severity} ({id}): {message}' \
	cli/*.c selftests/tools/*.c >"$out/cppcheck" 2>&1 || true
verdict "cppcheck (cli, selftests/tools)" "$out/cppcheck"

# --- the man page against the code -------------------------------------------

man4=man/hsmon.4
: >"$out/man"
# module_param_named(NAME, ...) and MODULE_PARM_DESC(NAME, "... [MIN, MAX]
# (default D)"): the page has NAME=, "MIN to MAX" and "default D" in its
# paragraph (bools: no range).
while IFS='|' read -r p desc; do
	para=$(awk -v p="$p" '
		$0 ~ "^\\.B[IR]* " p "=" { on = 1; next }
		on && /^\.(TP|PP|SH|SS)/ { exit }
		on { print }' "$man4")
	if [ -z "$para" ]; then
		echo "$man4: no paragraph for the parameter $p" >>"$out/man"
		continue
	fi
	if [[ $desc =~ \[([0-9]+),\ ([0-9]+)\] ]]; then
		range="${BASH_REMATCH[1]} to ${BASH_REMATCH[2]}"
		grep -q "$range" <<<"$para" ||
			echo "$man4: $p: the range '$range' of module/params.c is not in the page" >>"$out/man"
	fi
	if [[ $desc =~ \(default\ ([0-9]+)\) ]]; then
		grep -q "default ${BASH_REMATCH[1]}" <<<"$para" ||
			echo "$man4: $p: 'default ${BASH_REMATCH[1]}' of module/params.c is not in the page" >>"$out/man"
	fi
done < <(sed -n 's/^MODULE_PARM_DESC(\([a-z_]*\), "\(.*\)");$/\1|\2/p' module/params.c)
nparams=$(grep -c '^module_param_named(' module/params.c)
ndescs=$(grep -c '^MODULE_PARM_DESC(' module/params.c)
[ "$nparams" = "$ndescs" ] ||
	echo "module/params.c: $nparams parameters, $ndescs MODULE_PARM_DESC lines: cannot check them all" >>"$out/man"
# Counter, gauge and histogram names (module/stats.c), flow fields (the
# header row of module/proc.c): each one a word of the page.
words=$(sed -n 's/^\t\(\[[A-Z_]*\] = \)\{0,1\}{ "\([a-z_0-9]*\)",.*/\2/p' module/stats.c)
words+=" $(sed -n '/^#define HSMON_PROC_HEADER/,/[^\\]$/p' module/proc.c |
	grep -o '"[^"]*"' | tr -d '"')"
for w in $words flows max_flows entry_size; do
	grep -qw -- "$w" "$man4" || echo "$man4: '$w' (module/) is not in the page" >>"$out/man"
done
verdict "man/hsmon.4 against module/params.c, stats.c, proc.c" "$out/man"

echo "lint: $checks checks, $failed failed"
[ "$failed" = 0 ]
