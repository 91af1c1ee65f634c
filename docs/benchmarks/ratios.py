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

# CnnBenchmark (LeNet-style CNN). Multiply-adds per example, from the layer shapes (the same derivation as the
# Javadoc of CnnBenchmark, which prints them at tear-down): M = positions x K x O per layer with parameters.
CNN_M = [576 * 25 * 6, 64 * 150 * 16, 256 * 84, 84 * 10]  # conv1, conv2, dense, output
CNN_FORWARD = sum(CNN_M)
CNN_REST = CNN_FORWARD - CNN_M[0]
CNN_PASS = CNN_FORWARD + CNN_REST
CNN_MADDS = {  # per example (perExampleLoop: per example too; its time is per example)
    "gradientDl4j": 3 * CNN_FORWARD,
    "gradientAdapter": CNN_PASS + CNN_FORWARD,
    "hvpExact": 2 * CNN_M[0] + 6 * CNN_REST,
    "hvpGaussNewton": 2 * CNN_M[0] + 4 * CNN_REST,
    "hessianCache": CNN_PASS,
    "dotsBatched": CNN_PASS + CNN_FORWARD,
}
CNN_GEMM = {"gemmConv1": CNN_M[0], "gemmConv2": CNN_M[1], "gemmConv2Weights": CNN_M[1]}  # per example of the batch
CNN_SQUARE = 1024 ** 3

cnn = load("cnn.json")
if cnn:
    idx = index(cnn)
    batches = sorted({int(dict(key(r)[1])["batch"]) for r in cnn})
    print("\n### CNN (LeNet-style, p = 25,010): products vs DL4J's batch gradient (same run)\n")
    print("| batch | gradientDl4j (ms) | gradientAdapter / grad | hvpExact / grad | hvpGaussNewton / grad"
          " | hessianCache / grad | dotsBatched / grad |")
    print("|---|---|---|---|---|---|---|")
    for b in batches:
        p = {"cnn": "lenet", "batch": str(b)}
        g = score(idx, "gradientDl4j", p)
        cells = [str(b), fmt(None if g is None else g / 1000, 1)]
        for m in ["gradientAdapter", "hvpExact", "hvpGaussNewton", "hessianCache", "dotsBatched"]:
            s = score(idx, m, p)
            cells.append(fmt(None if s is None or g is None else s / g))
        print("| " + " | ".join(cells) + " |")

    print("\n### CNN: matrix-product rates measured in the same run (DOUBLE gemm, multiply-adds per second)\n")
    print("| batch | square 1024³ (GMA/s) | conv1 [B·576,25]×[25,6] | conv2 [B·64,150]×[150,16]"
          " | conv2 weights [B·64,16]ᵀ×[B·64,150] | conv shapes together |")
    print("|---|---|---|---|---|---|")
    rates = {}
    for b in batches:
        p = {"cnn": "lenet", "batch": str(b)}
        sq = score(idx, "gemmSquare", p)
        r_sq = None if sq is None else CNN_SQUARE / (sq * 1e-6)
        shape_rates = []
        t_sum, m_sum = 0.0, 0
        for m, per in CNN_GEMM.items():
            t = score(idx, m, p)
            shape_rates.append(None if t is None else b * per / (t * 1e-6))
            if t is None:
                t_sum = None
            elif t_sum is not None:
                t_sum += t
                m_sum += b * per
        r_shapes = None if t_sum is None else m_sum / (t_sum * 1e-6)
        rates[b] = (r_sq, r_shapes)
        cells = [str(b)] + [fmt(None if r is None else r / 1e9, 2) for r in [r_sq] + shape_rates + [r_shapes]]
        print("| " + " | ".join(cells) + " |")

    print("\n### CNN: time ÷ (multiply-adds ÷ rate) — how far from the matrix-product rate (target: ≤ 4 at the"
          " square rate)\n")
    print("| batch | product | multiply-adds per op | time (ms) | ÷ square rate | ÷ conv-shape rate |")
    print("|---|---|---|---|---|---|")
    for b in batches:
        p = {"cnn": "lenet", "batch": str(b)}
        r_sq, r_shapes = rates[b]
        for m, per in CNN_MADDS.items():
            t = score(idx, m, p)
            if t is None:
                continue
            madds = b * per
            t_s = t * 1e-6
            cells = [str(b), m, f"{madds:,}", fmt(t / 1000, 2),
                     fmt(None if r_sq is None else t_s / (madds / r_sq), 1),
                     fmt(None if r_shapes is None else t_s / (madds / r_shapes), 1)]
            print("| " + " | ".join(cells) + " |")

    print("\n### CNN: scoring (targets: batched ≤ 2 exact HVPs over the same n; ≥ 50× the per-example loop)\n")
    print("| batch | dotsBatched (ms) | dotsBatched / hvpExact | per-example loop (ms per example)"
          " | loop × batch (ms) | speed-up |")
    print("|---|---|---|---|---|---|")
    for b in batches:
        p = {"cnn": "lenet", "batch": str(b)}
        d = score(idx, "dotsBatched", p)
        e = score(idx, "hvpExact", p)
        l = score(idx, "perExampleLoop", p)
        print(f"| {b} | {fmt(None if d is None else d / 1000, 2)} | {fmt(None if d is None or e is None else d / e)}"
              f" | {fmt(None if l is None else l / 1000, 3)} | {fmt(None if l is None else l * b / 1000, 1)}"
              f" | {fmt(None if d is None or l is None else l * b / d, 1)}× |")

block = load("block-diagonal.json")
if block:
    idx = index(block)
    # matrix-product multiply-adds of one exact product: 2·M_0 + 6·M_k for k > 0 (BlockDiagonalBenchmark's Javadoc)
    def hvp_madds(widths, n):
        return sum((2 if k == 0 else 6) * n * widths[k] * widths[k + 1] for k in range(len(widths) - 1))
    print("\n### Block-diagonal curvature: product time ÷ the full product's, and the full product against the"
          " matrix-product rate (same run)\n")
    print("| network | batch | fullProduct (ms) | blockDiagonalProduct ÷ full | blockDiagonalLastBlock ÷ full"
          " | square rate (10⁹/s) | first-layer rate (10⁹/s) | full product's multiply-adds"
          " | full ÷ (multiply-adds ÷ square rate) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for network in ["784-128-10", "784-512-512-10"]:
        p = {"network": network, "batch": "256"}
        f = score(idx, "fullProduct", p)
        d = score(idx, "blockDiagonalProduct", p)
        last = score(idx, "blockDiagonalLastBlock", p)
        sq = score(idx, "gemmSquare", p)
        first = score(idx, "gemmFirstLayer", p)
        if f is None:
            continue
        w = [int(x) for x in network.split("-")]
        madds = hvp_madds(w, 256)
        r_sq = None if sq is None else 1024 ** 3 / (sq * 1e-6)
        r_first = None if first is None else 256 * w[0] * w[1] / (first * 1e-6)
        print(f"| {network} | 256 | {fmt(f / 1000, 2)} | {fmt(None if d is None else d / f)}"
              f" | {fmt(None if last is None else last / f)} | {fmt(None if r_sq is None else r_sq / 1e9, 1)}"
              f" | {fmt(None if r_first is None else r_first / 1e9, 1)} | {madds:,}"
              f" | {fmt(None if r_sq is None else (f * 1e-6) / (madds / r_sq))} |")
