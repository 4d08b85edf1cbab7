#!/usr/bin/python3
"""Instruction profile of make bench, from scripts/qemu-tbprof.c's windows.

    scripts/bench-insns.py DIR WORKLOAD

DIR holds, for each configuration C measured (none, hsmon, conntrack):
insns-WORKLOAD-C.tbprof (instructions per translation block, executed in
the window), insns-WORKLOAD-C.kallsyms (the guest's symbols, taken in the
window: modules move between loads) and insns-WORKLOAD-C.units (the
connections or SYNs the window made). Prints raw figures for
scripts/bench-report.py, instructions per unit:

    insns WORKLOAD C total T added A
    insnsym WORKLOAD C SYMBOL ADDED BASE

total: all the guest executed per unit; added: minus none's. The symbols
are the 25 that add most against none (their instructions of their own,
not their callees': a translation block belongs to the function it is in).
"""
import bisect
import sys
from pathlib import Path


def load(base):
    syms = []
    for line in Path(f"{base}.kallsyms").read_text().splitlines():
        w = line.split()
        if len(w) >= 3 and w[1] in "tTwW" and int(w[0], 16):
            syms.append((int(w[0], 16), w[2]))
    syms.sort()
    addrs = [a for a, _ in syms]
    units = float(Path(f"{base}.units").read_text().split()[0])
    if units <= 0:
        sys.exit(f"bench-insns: no units in {base}.units")
    per = {}
    for line in Path(f"{base}.tbprof").read_text().splitlines():
        va, n, e = line.split()
        va = int(va, 16)
        if va < 0xffff800000000000:
            sym = "[user]"
        else:
            i = bisect.bisect_right(addrs, va) - 1
            sym = syms[i][1] if i >= 0 else "[unknown]"
        per[sym] = per.get(sym, 0) + int(n) * int(e)
    return {k: v / units for k, v in per.items()}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench-insns.py DIR WORKLOAD")
    d, w = sys.argv[1], sys.argv[2]
    base = load(f"{d}/insns-{w}-none")
    btotal = sum(base.values())
    print(f"insns {w} none total {btotal:.0f} added 0")
    for c in ("hsmon", "conntrack"):
        if not Path(f"{d}/insns-{w}-{c}.tbprof").exists():
            continue
        cur = load(f"{d}/insns-{w}-{c}")
        total = sum(cur.values())
        print(f"insns {w} {c} total {total:.0f} added {total - btotal:.0f}")
        added = sorted(((cur.get(k, 0) - base.get(k, 0), k) for k in set(cur) | set(base)),
                       reverse=True)
        for v, k in added[:25]:
            print(f"insnsym {w} {c} {k} {v:.0f} {base.get(k, 0):.0f}")


if __name__ == "__main__":
    main()
