#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A parameter out of range refuses the load: insmod fails with EINVAL, the
# kernel log gains exactly one line naming the parameter, its value and its
# range, and the module is not loaded. The range bounds themselves load, and
# so do the defaults.

source "$(dirname "$0")/lib.sh"

require_hsmon
[ -e "$HSMON_KO" ] || skip "HSMON_KO is not set to a module file"
trap cleanup EXIT

hsmon_unload || die "rmmod hsmon"

# check_out_of_range_lines WHAT: a valid load logs no "out of range" line.
check_out_of_range_lines() {
	local l bad=""

	while IFS= read -r l; do
		[[ "$l" == *"out of range"* ]] && bad+="$l;"
	done < <(kmsg_since)
	check_eq "'out of range' lines in the kernel log for $1" "" "$bad"
}

while IFS='|' read -r param expected; do
	kmsg_mark
	if insmod "$HSMON_KO" "$param" 2>"$TMPD/err"; then
		fail "insmod $param: expected failure, it loaded"
		hsmon_unload
	fi
	# kmod says "Invalid parameters" for EINVAL (strerror: "Invalid argument").
	check_match "insmod $param: error" 'Invalid (parameters|argument)' "$(file_line "$TMPD/err")"
	mapfile -t new < <(kmsg_since)
	check_eq "insmod $param: new kernel log lines" 1 "${#new[@]}"
	check_eq "insmod $param: kernel log" "$expected" "${new[*]}"
	check_eq "insmod $param: module loaded" no "$(hsmon_loaded && echo yes || echo no)"
done <<'EOT'
max_flows=0|hsmon: max_flows=0 out of range [16, 16777216]
max_flows=15|hsmon: max_flows=15 out of range [16, 16777216]
max_flows=99999999|hsmon: max_flows=99999999 out of range [16, 16777216]
syn_timeout=0|hsmon: syn_timeout=0 out of range [1, 3600]
syn_timeout=3601|hsmon: syn_timeout=3601 out of range [1, 3600]
est_timeout=0|hsmon: est_timeout=0 out of range [1, 2592000]
est_timeout=2592001|hsmon: est_timeout=2592001 out of range [1, 2592000]
linger_timeout=0|hsmon: linger_timeout=0 out of range [1, 3600]
linger_timeout=99999|hsmon: linger_timeout=99999 out of range [1, 3600]
EOT

# The bounds are in range.
kmsg_mark
bounds="max_flows=16 syn_timeout=3600 est_timeout=2592000 linger_timeout=3600"
# shellcheck disable=SC2086 # one word per parameter
if insmod "$HSMON_KO" $bounds 2>"$TMPD/err"; then
	log "ok: insmod $bounds loads"
	check_eq "max_flows with $bounds" 16 "$(hsmon_counter init max_flows)"
else
	fail "insmod $bounds: expected to load, got: $(file_line "$TMPD/err")"
fi
check_out_of_range_lines "$bounds"
hsmon_unload || fail "rmmod after the bounds"

# And the defaults, last: the module stays loaded for the next test.
kmsg_mark
if insmod "$HSMON_KO" 2>"$TMPD/err"; then
	log "ok: insmod with defaults loads"
	check_eq "max_flows by default" 65536 "$(hsmon_counter init max_flows)"
else
	fail "insmod with defaults: expected to load, got: $(file_line "$TMPD/err")"
fi
check_out_of_range_lines "the defaults"

test_done
