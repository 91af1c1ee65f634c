#!/usr/bin/env python3
"""Prints the ratio tables of docs/benchmarks.md from the JMH JSON files in this folder.

Usage: python3 docs/benchmarks/ratios.py [folder]   (default: the folder of this script)
Only numbers present in the JSON are printed; a missing file is skipped.
"""
import json
import os
import sys

folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def load(name):
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError:
            return None  # a run still writing it


def key(r):
    return r["benchmark"].rsplit(".", 1)[1], tuple(sorted(r.get("params", {}).items()))


def index(results):
    return {key(r): r for r in results}


def score(idx, method, params):
    r = idx.get((method, tuple(sorted(params.items()))))
    return None if r is None else r["primaryMetric"]["score"]


def secondary(idx, method, params, name):
    r = idx.get((method, tuple(sorted(params.items()))))
    if r is None or name not in r.get("secondaryMetrics", {}):
        return None
    return r["secondaryMetrics"][name]["score"]


def fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


hvp = load("hvp.json")
if hvp:
    idx = index(hvp)
    print("### HVP vs batch gradient (ratios to gradientDl4j, same run)\n")
    print("| network | batch | gradientDl4j (ms) | hvpExact / grad | hvpGaussNewton / grad | hvpFiniteDifference / grad"
          " | gradientAdapter / grad | hessianCache / grad | exact HVPs/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    nets = ["4-5-3", "784-128-10", "784-512-512-10"]
    for net in nets:
        for batch in ["32", "256", "1024"]:
            p = {"network": net, "batch": batch}
            g = score(idx, "gradientDl4j", p)
            if g is None:
                continue
            cells = [net, batch, fmt(g / 1000, 3)]
            for m in ["hvpExact", "hvpGaussNewton", "hvpFiniteDifference", "gradientAdapter", "hessianCache"]:
                s = score(idx, m, p)
                cells.append(fmt(None if s is None else s / g))
            e = score(idx, "hvpExact", p)
            cells.append(fmt(None if e is None else 1e6 / e, 1))
            print("| " + " | ".join(cells) + " |")
    print("\n### On-heap allocation per call (gc.alloc.rate.norm, bytes/op)\n")
    print("| network | batch | gradientDl4j | hvpExact | hvpGaussNewton | hvpFiniteDifference | 8·(p + n·Σwidths) |")
    print("|---|---|---|---|---|---|---|")
    for net in nets:
        ws = [int(x) for x in net.split("-")]
        pcount = sum(ws[i] * ws[i + 1] + ws[i + 1] for i in range(len(ws) - 1))
        for batch in ["32", "256", "1024"]:
            p = {"network": net, "batch": batch}
            row = [net, batch]
            for m in ["gradientDl4j", "hvpExact", "hvpGaussNewton", "hvpFiniteDifference"]:
                a = secondary(idx, m, p, "gc.alloc.rate.norm")
                row.append("—" if a is None else f"{a:,.0f}")
            row.append(f"{8 * (pcount + int(batch) * sum(ws)):,}")
            print("| " + " | ".join(row) + " |")

explicit = load("explicit-hvp.json")
if explicit:
    idx = index(explicit)
    print("\n### Explicit-Hessian product, 4-5-3 (p = 43)\n")
    print("| batch | gradientDl4j (µs) | hvpExact / grad | hvpExplicit / grad | hvpExplicit (µs) |")
    print("|---|---|---|---|---|")
    for batch in ["32", "256", "1024"]:
        p = {"network": "4-5-3", "batch": batch}
        g = score(idx, "gradientDl4j", p)
        if g is None:
            continue
        e = score(idx, "hvpExact", p)
        x = score(idx, "hvpExplicit", p)
        print(f"| {batch} | {fmt(g, 1)} | {fmt(None if e is None else e / g)} | {fmt(None if x is None else x / g)}"
              f" | {fmt(x, 1)} |")

scoring = load("scoring.json")
if scoring:
    idx = index(scoring)
    print("\n### Scoring, 784-128-10, n = 10,000\n")
    p = {"network": "784-128-10", "n": "10000"}
    b = score(idx, "batched", p)
    l = score(idx, "perExampleLoop", p)
    print("| batched (ms) | per-example loop (ms) | speed-up |")
    print("|---|---|---|")
    print(f"| {fmt(b, 1)} | {fmt(l, 1)} | {fmt(None if b is None or l is None else l / b, 1)}× |")

eigen = load("eigen.json")
if eigen:
    idx = index(eigen)
    print("\n### Eigendecomposition (ExactSolver.factorize of a random symmetric matrix)\n")
    print("| p | LAPACKE_DSYEVD (ms) | ND4J_EIGEN (ms) | speed-up |")
    print("|---|---|---|---|")
    for pp in ["500", "1000", "2000"]:
        d = score(idx, "factorize", {"p": pp, "backend": "LAPACKE_DSYEVD"})
        e = score(idx, "factorize", {"p": pp, "backend": "ND4J_EIGEN"})
        print(f"| {pp} | {fmt(d, 1)} | {fmt(e, 1)} | {fmt(None if d is None or e is None else e / d, 1)}× |")

for name, title in [("solvers.json", "Solvers (damped Gauss–Newton, λ = 0.01)"),
                    ("solvers-large.json", "Solvers, 784-128-10 all parameters")]:
    solvers = load(name)
    if not solvers:
        continue
    idx = index(solvers)
    print(f"\n### {title}\n")
    print("| problem | solver | solve (ms) | HVPs per solve | residual digits | one HVP (ms) | solve / HVP |")
    print("|---|---|---|---|---|---|---|")
    for r in solvers:
        m, params = key(r)
        if m != "solve":
            continue
        pr = dict(params)
        t = r["primaryMetric"]["score"]
        h = score(idx, "hvp", pr)
        # EVENTS counters are summed over the measured iterations; each iteration records its last solve
        its = r.get("measurementIterations", 1)
        hv = r["secondaryMetrics"].get("hvpsPerSolve", {}).get("score")
        dg = r["secondaryMetrics"].get("residualDigits", {}).get("score")
        hv = None if hv is None else hv / its
        dg = None if dg is None else dg / its
        print(f"| {pr['problem']} | {pr['solver']} | {fmt(t, 1)} | {fmt(hv, 0)} | {fmt(dg, 0)} | {fmt(h, 3)} |"
              f" {fmt(None if h is None else t / h, 0)} |")
