#!/usr/bin/python3
"""Turns bench/run_layer_bench.sh's JSON lines into a Markdown table of embedkit vs PyTorch."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
stream = {r["threads"]: r for r in rows if r["impl"] == "stream"}
ours = {(r["op"], r["rows"], r["dim"], r["dist"], r["threads"]): r for r in rows if r["impl"] == "embedkit"}
torch = {(r["op"], r["rows"], r["dim"], r["dist"], r["threads"]): r for r in rows if r["impl"] == "torch"}
skipped = {k: r for k, r in torch.items() if "skipped" in r}
torch = {k: r for k, r in torch.items() if "skipped" not in r}

for t, s in sorted(stream.items()):
    print(f"STREAM, {t} thread(s): copy {s['copy_gb_per_s']:.1f} GB/s, read {s['read_gb_per_s']:.1f} GB/s")
print()
print("| op | table | ids | threads | embedkit M lookups/s | GB/s | PyTorch M lookups/s | vs PyTorch | vs plain-loop limit |")
print("|---|---|---|---|---|---|---|---|---|")
for key, r in ours.items():
    op, n, d, dist, t = key
    if op in ("gather_limit", "bag_sum_limit"):
        continue
    limit_op = {"embedding_forward": "gather_limit", "bag_sum_forward": "bag_sum_limit"}.get(op)
    limit = ours.get((limit_op, n, d, dist, t)) if limit_op else None
    other = torch.get(key)
    ratio = f"{r['lookups_per_s'] / other['lookups_per_s']:.2f}x" if other else "-"
    torch_rate = f"{other['lookups_per_s'] / 1e6:.2f}" if other else ("skipped: " + skipped[key]["skipped"] if key in skipped else "-")
    vs_limit = f"{limit['seconds'] / r['seconds']:.0%}" if limit else ""
    print(f"| {op} | {n:.0e} x {d} | {dist} | {t} | {r['lookups_per_s'] / 1e6:.2f} | {r['gb_per_s']:.2f} | "
          f"{torch_rate} | {ratio} | {vs_limit} |")
