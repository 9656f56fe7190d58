#!/usr/bin/python3
"""Turns bench/scripts/run_layer_bench.sh's JSON lines into Markdown tables of embedkit vs PyTorch.

With several runs (RUNS=N) every figure is the median over runs, and every ratio the median of
the ratios taken within one run (the machine is shared: a run's noise hits both sides alike).
"""
import collections
import json
import statistics
import sys

lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
for r in lines:
    r.setdefault("run", 1)
runs = sorted({r["run"] for r in lines})


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def case(r):
    return (r["rows"], r["dim"], r["dist"], r["threads"])


# (run, impl, op, case, simd) -> line; PyTorch and limits have no kernel level.
by = {}
for r in lines:
    if r["impl"] in ("embedkit", "torch") and "skipped" not in r:
        by[(r["run"], r["impl"], r["op"], case(r), r.get("simd"))] = r
skipped = {(r["op"], case(r)): r["skipped"] for r in lines if r["impl"] == "torch" and "skipped" in r}
levels = collections.Counter(r["simd"] for r in lines if r["impl"] == "embedkit" and r["op"] == "embedding_forward")
best = levels.most_common(1)[0][0] if levels else None


def rate(run, impl, op, c, simd=None):
    r = by.get((run, impl, op, c, simd))
    if r is None and op.endswith("_limit"):  # limits are not tied to a kernel level
        r = next((v for k, v in by.items() if k[:4] == (run, impl, op, c)), None)
    return r["lookups_per_s"] if r else None


def ratio(num, den):
    return num / den if num is not None and den is not None else None


def fmt_rate(v):
    return f"{v / 1e6:.2f}" if v is not None else "-"


def fmt_ratio(v, percent=False):
    if v is None:
        return "-"
    return f"{v:.0%}" if percent else f"{v:.2f}x"


stream = collections.defaultdict(list)
for r in lines:
    if r["impl"] == "stream":
        stream[r["threads"]].append(r)
for t, ss in sorted(stream.items()):
    print(f"STREAM, {t} thread(s): copy {median([s['copy_gb_per_s'] for s in ss]):.1f} GB/s, "
          f"read {median([s['read_gb_per_s'] for s in ss]):.1f} GB/s")
print(f"\n{len(runs)} run(s); embedkit at its best kernel level ({best}) unless a column says otherwise.\n")

print("| op | table | ids | threads | embedkit M lookups/s | GB/s | PyTorch M lookups/s | vs PyTorch | vs limit |")
print("|---|---|---|---|---|---|---|---|---|")
limit_of = {"embedding_forward": "gather_limit", "bag_sum_forward": "bag_sum_limit", "bag_mean_forward": "bag_sum_limit"}
keys = sorted({(op, c) for (_, impl, op, c, simd) in by
               if impl == "embedkit" and simd == best and "_limit" not in op},
              key=lambda k: (k[1][0], k[1][2], k[1][3], list(limit_of).index(k[0]) if k[0] in limit_of else 9, k[0]))
for op, c in keys:
    ours = [rate(run, "embedkit", op, c, best) for run in runs]
    theirs = [rate(run, "torch", op, c) for run in runs]
    limit_op = limit_of.get(op)
    vs_limit = [ratio(o, rate(run, "embedkit", limit_op, c)) for run, o in zip(runs, ours)] if limit_op else []
    gb = median([by[(run, "embedkit", op, c, best)]["gb_per_s"] for run in runs if (run, "embedkit", op, c, best) in by]) or 0.0
    torch_rate = fmt_rate(median(theirs)) if any(theirs) else ("skipped: " + skipped[(op, c)] if (op, c) in skipped else "-")
    n, d, dist, t = c
    print(f"| {op} | {n:.0e} x {d} | {dist} | {t} | {fmt_rate(median(ours))} | {gb:.2f} | {torch_rate} | "
          f"{fmt_ratio(median([ratio(o, p) for o, p in zip(ours, theirs)]))} | "
          f"{fmt_ratio(median(vs_limit), percent=True) if limit_op else ''} |")

# Bag forward at every kernel level, against PyTorch and the sweep's limits of the same process.
bag_levels = sorted({simd for (_, impl, op, _, simd) in by if impl == "embedkit" and op == "bag_sum_forward"},
                    key=lambda s: ["avx512", "avx2", "scalar"].index(s) if s in ("avx512", "avx2", "scalar") else 9)
cases = sorted({c for (_, impl, op, c, _) in by if op == "bag_sum_forward"}, key=lambda c: (c[0], c[2], c[3]))


def limits_before(run, c, level):
    """The limit lines printed by the process that measured this level's sums (just before them)."""
    found = {}
    for i, r in enumerate(lines):
        if r["run"] == run and r.get("op") == "bag_sum_forward" and case(r) == c and r.get("simd") == level:
            found = {}
            for prev in lines[max(0, i - 2):i]:
                if prev.get("op", "").startswith("bag_sum_limit") and case(prev) == c:
                    found[prev["op"]] = prev
    return found


if bag_levels:
    print("\nBag forward at each kernel level (M rows/s; limit = the fastest loop of the sweep, same width = "
          "the fastest at the vector width of that level (SSE for scalar), both timed in the same process; "
          "x/limit <= 100% means at or below it):\n")
    print("| table | ids | threads | level | sum | mean | PyTorch sum | PyTorch mean | sum vs PyTorch | "
          "mean vs PyTorch | limit (loop) | same width (loop) | sum/limit | mean/limit | sum/same width | "
          "PyTorch sum/limit | PyTorch mean/limit |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        for level in bag_levels:
            s = [rate(run, "embedkit", "bag_sum_forward", c, level) for run in runs]
            m = [rate(run, "embedkit", "bag_mean_forward", c, level) for run in runs]
            ps = [rate(run, "torch", "bag_sum_forward", c) for run in runs]
            pm = [rate(run, "torch", "bag_mean_forward", c) for run in runs]
            lim, same = [], []
            winners, same_winners = collections.Counter(), collections.Counter()
            for run in runs:
                found = limits_before(run, c, level)
                full, width = found.get("bag_sum_limit"), found.get("bag_sum_limit_same_width")
                lim.append(full["lookups_per_s"] if full else None)
                same.append(width["lookups_per_s"] if width else None)
                if full:
                    winners[full["strategy"]] += 1
                if width:
                    same_winners[width["strategy"]] += 1
            if not any(s):
                continue

            def cell(values, counter):
                return f"{fmt_rate(median(values))} ({counter.most_common(1)[0][0]})" if counter else "-"

            def pct(a, b):
                return fmt_ratio(median([ratio(x, y) for x, y in zip(a, b)]), True)

            n, d, dist, t = c
            print(f"| {n:.0e} x {d} | {dist} | {t} | {level} | {fmt_rate(median(s))} | {fmt_rate(median(m))} | "
                  f"{fmt_rate(median(ps))} | {fmt_rate(median(pm))} | "
                  f"{fmt_ratio(median([ratio(a, b) for a, b in zip(s, ps)]))} | "
                  f"{fmt_ratio(median([ratio(a, b) for a, b in zip(m, pm)]))} | {cell(lim, winners)} | "
                  f"{cell(same, same_winners)} | {pct(s, lim)} | {pct(m, lim)} | {pct(s, same)} | "
                  f"{pct(ps, lim)} | {pct(pm, lim)} |")
