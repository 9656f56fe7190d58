#!/usr/bin/env bash
# Vector file parsing vs gensim, and native open time, in one run:
#   bench/scripts/run_vector_io_bench.sh        (after `make build`; needs python3-gensim)
# Generates build/bench-data/vectors-100000x300.{txt,bin} and a ~2 GB native table once.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/bench-data/vector_io.jsonl
mkdir -p build/bench-data
build/release/bench/embedkit_bench_vector_io --dir build/bench-data | tee "$out"
/usr/bin/python3 bench/scripts/gensim_vector_io_bench.py build/bench-data/vectors-100000x300.txt \
  build/bench-data/vectors-100000x300.bin | tee -a "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["impl"], r["op"]): r for r in rows}
for op in ("parse_word2vec_text", "parse_word2vec_binary"):
    ours, theirs = by[("embedkit", op)], by.get(("gensim", op))
    ratio = f"{theirs['seconds'] / ours['seconds']:.1f}x gensim ({theirs['mb_per_s']:.0f} MB/s)" if theirs else "-"
    print(f"{op}: embedkit {ours['seconds']:.3f} s, {ours['mb_per_s']:.0f} MB/s; {ratio}")
n = by[("embedkit", "open_native")]
a, f = n["anon_mb"], n["file_mb"]
print(f"open_native: {n['bytes'] / 1e9:.2f} GB table, first open {n['first_open_seconds'] * 1000:.1f} ms, "
      f"best reopen {n['seconds'] * 1000:.1f} ms; private memory {a[0]:.0f} -> {a[1]:.0f} MB (open) -> {a[2]:.0f} MB "
      f"(after reading {n['rows_touched']} random rows); mapped file pages {f[0]:.0f} -> {f[1]:.0f} -> {f[2]:.0f} MB")
PY
