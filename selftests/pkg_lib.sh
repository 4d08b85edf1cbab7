# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Helpers of the packaging selftests (hsmon_pkg_*.sh): hsmon installed and
# removed as a user would, with DKMS or `make install`, inside the guest.
# Source it after lib.sh.
#
# Compiling is done before the guest boots: scripts/check.sh runs
# scripts/pkg-stage.sh, which builds in $HSMON_PKG_STAGE (a directory the
# guest sees) a release-tarball copy of the sources with `make` done in it,
# and what `make dkms-install`, `dkms add` and `dkms build` leave in
# /usr/src and /var/lib/dkms. A kernel module build takes 460 s in a TCG
# guest; installing and removing it takes seconds.
#
# The guest's root is the host's, read-only. pkg_private_root makes the
# places an installation writes to writable for this test only, in a mount
# namespace of its own (the test re-executes itself in one first thing,
# before it sources lib.sh):
#
#   [ -n "${HSMON_PKG_UNSHARED:-}" ] ||
#	HSMON_PKG_UNSHARED=1 exec unshare --mount --propagation private -- bash "$0" "$@"
#
#   /usr/src, /var/lib/dkms   overlays: the staged DKMS files over the
#                             host's, a tmpfs upper directory
#   /etc/modprobe.d, /usr/local  overlays with a tmpfs upper directory
#   /lib/modules/KVER         a tmpfs with the kernel's index files
#                             (modules.builtin, .order, .builtin.modinfo),
#                             its build and source links and one of its
#                             modules (dummy, as the kernel ships it: dkms
#                             learns from modules.dep whether the kernel
#                             compresses its modules), but not the other
#                             4000: depmod over those takes 30 s to several
#                             minutes under TCG (6.12's are xz compressed),
#                             and every install and removal runs it. hsmon
#                             depends on no other module (checked), so
#                             modprobe resolves it the same. The kernel's
#                             own module requests (veth...) run in the
#                             guest's first namespace, with the whole tree.
# The host sees none of it, and it all goes when the test ends.
#
#   pkg_require CMD...         skip where the test cannot run
#   pkg_private_root           the mounts above
#   pkg_modprobe_conf OPTS     /etc/modprobe.d/hsmon.conf: "options hsmon OPTS"
#   pkg_modprobe               unload hsmon, modprobe it (PKG_INSMOD: its insmod line)
#   pkg_check_loaded VER K=V.. the module's version and parameters in /sys
#   pkg_handshake MAX_FLOWS    a real handshake shows up in /proc/hsmon
#   pkg_check_gone             modprobe no longer finds an hsmon module
#   pkg_restore                the runner's module loaded again, as found

HSMON_KVER=$(uname -r)
PKG_STAGE=${HSMON_PKG_STAGE:-}
PKG_SRC=$PKG_STAGE/src

pkg_require() {
	[ "$HSMON_KERNEL_KIND" != debug ] ||
		skip "the debug kernel is built from linux-source, without a headers package: no distribution kernel to package for"
	[ -n "$PKG_STAGE" ] ||
		skip "HSMON_PKG_STAGE is not set: scripts/check.sh stages the builds (scripts/pkg-stage.sh)"
	if [ ! -s "$PKG_STAGE/version" ] || [ ! -f "$PKG_SRC/module/hsmon.ko" ]; then
		die "no staged build in $PKG_STAGE (scripts/pkg-stage.sh $HSMON_KVER $PKG_STAGE)"
	fi
	[ -n "${HSMON_PKG_UNSHARED:-}" ] || die "not in a private mount namespace"
	require_cmd make modprobe modinfo depmod mount "$@"
	PKG_VERSION=$(file_line "$PKG_STAGE/version")
}

# pkg_overlay DIR [LOWER]: DIR writable, LOWER (if any) laid over it.
pkg_overlay() {
	local d=$1 n

	n=$TMPD/ovl/${d//\//_}
	mkdir -p "$n/upper" "$n/work" || die "mkdir $n"
	mount -t overlay "hsmon-pkg" \
		-o "lowerdir=${2:+$2:}$d,upperdir=$n/upper,workdir=$n/work" "$d" ||
		die "cannot lay a writable overlay on $d"
}

pkg_private_root() {
	local m=/lib/modules/$HSMON_KVER f

	pkg_overlay /usr/src "$PKG_STAGE/dkms/usr-src"
	pkg_overlay /var/lib/dkms "$PKG_STAGE/dkms/var-lib-dkms"
	pkg_overlay /etc/modprobe.d
	pkg_overlay /usr/local
	mkdir -p "$TMPD/modules"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -e "$m/$f" ] && { cp "$m/$f" "$TMPD/modules/" || die "cp $m/$f"; }
	done
	for f in build source; do
		[ -L "$m/$f" ] && { cp -P "$m/$f" "$TMPD/modules/" || die "cp $m/$f"; }
	done
	f=$(modinfo -k "$HSMON_KVER" -F filename dummy 2>/dev/null)
	case $f in
	"$m"/kernel/*)
		mkdir -p "$TMPD/modules/$(dirname "${f#"$m"/}")" || die "mkdir for $f"
		cp "$f" "$TMPD/modules/${f#"$m"/}" || die "cp $f"
		;;
	*) log "no dummy module file in $m: the tree has no kernel module" ;;
	esac
	mount -t tmpfs -o mode=755 hsmon-pkg "$m" || die "tmpfs on $m"
	cp -a "$TMPD/modules/." "$m/" || die "cp to $m"
	depmod -a "$HSMON_KVER" || die "depmod -a $HSMON_KVER on the small tree"
	log "writable for this test only: /usr/src /var/lib/dkms /etc/modprobe.d /usr/local $m"
}

# pkg_re STRING: STRING as an extended regular expression matching itself
# (a kernel release has dots and pluses).
pkg_re() {
	local s=$1 c out="" special='\.[]*^$+?(){}|/'

	while [ -n "$s" ]; do
		c=${s:0:1}
		s=${s:1}
		if [[ $special == *"$c"* ]]; then
			out+="\\$c"
		else
			out+=$c
		fi
	done
	printf '%s\n' "$out"
}

pkg_modprobe_conf() {
	echo "options hsmon $*" >/etc/modprobe.d/hsmon.conf ||
		die "cannot write /etc/modprobe.d/hsmon.conf"
}

# pkg_modprobe: the module run.sh loaded goes, modprobe loads the installed
# one; PKG_INSMOD is the insmod line modprobe -v printed (path and options).
pkg_modprobe() {
	hsmon_unload || die "rmmod hsmon (the one run.sh loaded)"
	PKG_INSMOD=""
	if ! modprobe -v hsmon >"$TMPD/modprobe" 2>&1; then
		log "$(cat "$TMPD/modprobe")"
		fail "modprobe hsmon failed"
		return 1
	fi
	PKG_INSMOD=$(grep -m1 '^insmod .*/hsmon\.ko' "$TMPD/modprobe")
	log "modprobe -v hsmon: $PKG_INSMOD"
}

# pkg_check_loaded VERSION PARAM=VALUE...: what /sys/module/hsmon says.
pkg_check_loaded() {
	local ver=$1 kv

	shift
	check_eq "/sys/module/hsmon/version" "$ver" "$(file_line /sys/module/hsmon/version)"
	for kv in "$@"; do
		check_eq "/sys/module/hsmon/parameters/${kv%%=*}" "${kv#*=}" \
			"$(file_line "/sys/module/hsmon/parameters/${kv%%=*}")"
	done
}

# pkg_handshake MAX_FLOWS: a handshake between two namespaces shows up as an
# ESTABLISHED flow in the client's /proc/hsmon, whose max_flows is the
# module parameter's (a namespace starts with the parameters).
pkg_handshake() {
	local snap="$TMPD/snap"

	topo_pair
	listen_in "$NS_S" "$S4" 8080
	connect_from "$NS_C" "$S4" 8080 40001
	check_eq "connect" "connected 40001" "$CONNECT"
	if busywait 10000 hsmon_has_flow "$NS_C" initiator="$C4:40001" state=ESTABLISHED; then
		log "ok: /proc/hsmon in $NS_C has $C4:40001 -> $S4:8080 ESTABLISHED"
	else
		fail "no ESTABLISHED flow $C4:40001 -> $S4:8080 in /proc/hsmon of $NS_C"
	fi
	hsmon_snap "$NS_C" "$snap"
	check_eq "flow in $NS_C" "ipv4 $C4:40001 $S4:8080 outbound ESTABLISHED" \
		"$(flow_cols "$snap" "family initiator responder direction state" initiator="$C4:40001")"
	check_eq "max_flows in $NS_C" "$1" "$(counter_of "$snap" max_flows)"
	check_eq "established in $NS_C" 1 "$(counter_of "$snap" established)"
}

# pkg_check_gone: no hsmon module file left for this kernel, and modprobe
# does not find one.
pkg_check_gone() {
	local left

	left=$(find "/lib/modules/$HSMON_KVER" -name 'hsmon.ko*' 2>/dev/null | tr '\n' ' ')
	check_eq "hsmon.ko files under /lib/modules/$HSMON_KVER" "" "$left"
	if modinfo -k "$HSMON_KVER" hsmon >/dev/null 2>&1; then
		fail "modinfo still finds hsmon: $(modinfo -F filename hsmon 2>&1)"
	else
		log "ok: modinfo hsmon: not found"
	fi
}

# pkg_restore: leave the runner's module loaded, as the test found it.
pkg_restore() {
	hsmon_unload || fail "rmmod hsmon at the end"
	hsmon_reload || fail "insmod $HSMON_KO at the end"
}
