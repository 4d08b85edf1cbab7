#!/usr/bin/python3
"""Attribute perf samples to hsmon and to conntrack, for scripts/bench.sh.

    perf script -i DATA -F ip,sym | scripts/bench-perf.py WORKLOAD CONFIG

Each sample's call chain is walked from the leaf up. The sample is hsmon's
if that walk reaches one of hsmon's entry points (its netfilter hook, its
GC worker, its RCU free) before anything else that decides; conntrack's if
it reaches one of conntrack's (nf_conntrack_in, nf_confirm, its GC worker,
its destructor). A softirq or interrupt entry met first ends the walk with
no owner: a softirq that a lock release ran on the way out of a hook (the
next packet's whole receive path) is not the hook's cost, though it sits
below it on the stack.

Prints one line:
    profile WORKLOAD CONFIG hsmon PCT conntrack PCT (top SYM:PCT)... (own SYM:PCT)...
top: the 15 symbols with most samples of their own (leaf); own: hsmon's own
functions among the leaves.
"""
import re
import sys
from collections import Counter

HSMON = {"hsmon_gc_worker", "hsmon_flow_free_rcu"}
HSMON_HOOKS = "hsmon_hook_"     # hsmon_hook_ipv4_in, ..._ipv6_fwd
CONNTRACK = {"nf_conntrack_in", "nf_confirm", "gc_worker", "destroy_conntrack",
             "nf_ct_destroy"}
BOUNDARY = re.compile(r"^(handle_softirqs|__do_softirq|do_softirq|irq_exit_rcu|"
                      r"__irq_exit_rcu|asm_\w+|sysvec_\w+|common_interrupt|"
                      r"do_softirq_own_stack|run_ksoftirqd)$")


def owner(chain):
    for sym in chain:
        if sym in HSMON or sym.startswith(HSMON_HOOKS):
            return "hsmon"
        if sym in CONNTRACK:
            return "conntrack"
        if BOUNDARY.match(sym):
            return None
    return None


def main():
    workload, config = sys.argv[1], sys.argv[2]
    total = 0
    owned = Counter()
    leaves = Counter()
    chain = []

    def flush():
        nonlocal total
        if not chain:
            return
        total += 1
        leaves[chain[0]] += 1
        o = owner(chain)
        if o:
            owned[o] += 1
        chain.clear()

    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            continue
        if not line.startswith((" ", "\t")):
            flush()             # a sample's header line
            continue
        parts = line.split()
        if len(parts) >= 2:
            sym = parts[1].split("+0x")[0]
            chain.append(sym)
    flush()

    if not total:
        sys.exit("bench-perf: no samples")
    pct = lambda n: 100.0 * n / total
    out = [f"profile {workload} {config} hsmon {pct(owned['hsmon']):.2f} "
           f"conntrack {pct(owned['conntrack']):.2f}"]
    for sym, n in leaves.most_common(15):
        out.append(f"top {sym}:{pct(n):.2f}")
    for sym, n in sorted(leaves.items(), key=lambda x: -x[1]):
        if sym.startswith("hsmon_"):
            out.append(f"own {sym}:{pct(n):.2f}")
    print(" ".join(out))


if __name__ == "__main__":
    main()
