#!/usr/bin/env bash
# Nearest-neighbour search vs FAISS, PyTorch and gensim in one run, plus the memory bandwidth
# that bounds a single query (the whole table is read once per query):
#   bench/scripts/run_search_bench.sh [ROWS [DIM [THREADS]]]      (after `make build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-100000}
dim=${2:-300}
threads=${3:-2}
dir=build/bench-data
out=$dir/search_bench.jsonl
mkdir -p "$dir"
build/release/bench/embedkit_bench_layer --stream --threads "$threads" | tee "$out"
build/release/bench/embedkit_bench_search --dir "$dir" --rows "$rows" --dim "$dim" --threads "$threads" | tee -a "$out"
/usr/bin/python3 bench/scripts/python_search_bench.py "$dir/search-${rows}x${dim}.npy" 1000 "$threads" | tee -a "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
stream = next(r for r in rows if r["impl"] == "stream")
table_bytes = next(r for r in rows if r.get("op") == "single")["rows"] * next(r for r in rows if r.get("op") == "single")["dim"] * 4
limit_ms = table_bytes / (stream["read_gb_per_s"] * 1e9) * 1000
print(f"\nread bandwidth {stream['read_gb_per_s']:.1f} GB/s -> one pass over the {table_bytes / 1e6:.0f} MB table: {limit_ms:.2f} ms")
print("| impl | op | queries/s | ms/query | recall@10 |")
print("|---|---|---|---|---|")
for r in rows:
    if "op" not in r:
        continue
    recall = r.get("recall_at_10")
    print(f"| {r['impl']} | {r['op']} | {r['queries_per_s']:.0f} | {r['ms_per_query']:.3f} | "
          f"{'-' if recall is None else f'{recall:.4f}'} |")
PY
