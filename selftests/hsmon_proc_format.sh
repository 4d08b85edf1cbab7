#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc/hsmon in a fresh namespace: a root-only link to /proc/self/net/hsmon
# (what `ip netns exec NS cat /proc/hsmon` shows is that namespace's table,
# the same as /proc/PID/net/hsmon of a process in NS, which lib.sh reads);
# every counter of the spec, in the spec's order, all 0 but max_flows (the
# default 65536) and entry_size (> 0), then the three empty histograms; one
# empty line; the flow header row; no flows.

source "$(dirname "$0")/lib.sh"

require_hsmon
trap cleanup EXIT

setup_ns NS_A

check_eq "/proc/hsmon links to" "self/net/hsmon" "$(readlink /proc/hsmon)"
check_eq "mode of /proc/self/net/hsmon" 400 \
	"$(ip netns exec "$NS_A" stat -L -c %a /proc/self/net/hsmon)"

snap="$TMPD/snap"
ip netns exec "$NS_A" cat /proc/hsmon >"$snap" || die "cat /proc/hsmon in $NS_A"
hsmon_snap "$NS_A" "$TMPD/by_pid"
check_eq "counters: /proc/hsmon in NS_A, /proc/PID/net/hsmon of a process there" \
	"$(counters_of "$snap")" "$(counters_of "$TMPD/by_pid")"

# Part 1: every counter in order, "name value", then each histogram as
# NAME_count, NAME_sum ("name value") and NAME_hist (32 values); all 0 in a
# fresh namespace but max_flows (default 65536) and entry_size (> 0).
expect_names="$HSMON_COUNTERS"
for h in $HSMON_HISTS; do
	expect_names+=" ${h}_count ${h}_sum ${h}_hist"
done
zeros32="0" && for ((i = 1; i < 32; i++)); do zeros32+=" 0"; done

order="" odd=""
while read -r n v; do
	order+="${order:+ }$n"
	case $n in
	max_flows) check_eq "counter $n (default)" 65536 "$v" ;;
	entry_size) check_ge "counter $n" 1 "$v" ;;
	*_hist) [ "$v" = "$zeros32" ] || odd+="$n $v;" ;;
	*) [ "$v" = 0 ] || odd+="$n $v;" ;;
	esac
done < <(counters_of "$snap")
check_eq "part 1 names, in order" "$expect_names" "$order"
check_eq "part 1 lines not 0 (or 32 zeros)" "" "$odd"

mapfile -t lines <"$snap"
nc=0
while [ $nc -lt ${#lines[@]} ] && [ -n "${lines[nc]}" ]; do
	nc=$((nc + 1))
done
read -r -a cnames <<<"$expect_names"
check_eq "lines before the empty line" ${#cnames[@]} $nc
check_eq "header row, after the empty line" "$HSMON_FLOW_HEADER" "${lines[nc + 1]}"
check_eq "lines after the header (no flows)" 0 $((${#lines[@]} - nc - 2))

test_done
