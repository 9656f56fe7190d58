#!/usr/bin/env bash
# Embedding layer vs PyTorch, same shapes, same thread counts, in one run:
#   bench/run_layer_bench.sh [quick]      (after `make build`; needs python3-torch)
# Prints the JSON lines of both sides into build/bench-data/layer.jsonl, then a table of
# ratios. `quick` runs only the 1e6 x 128 table.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=build/release/bench/embedkit_bench_layer
out=build/bench-data/layer.jsonl
mkdir -p build/bench-data
: >"$out"
shapes=("1000000 128" "5000000 300")
[ "${1:-}" = quick ] && shapes=("1000000 128")

for threads in 1 2; do
  "$bench" --stream --threads "$threads" | tee -a "$out"
done
for shape in "${shapes[@]}"; do
  read -r rows dim <<<"$shape"
  for dist in uniform zipf; do
    for threads in 1 2; do
      "$bench" --rows "$rows" --dim "$dim" --dist "$dist" --threads "$threads" | tee -a "$out"
      /usr/bin/python3 bench/torch_layer_bench.py "$rows" "$dim" "$dist" "$threads" | tee -a "$out" ||
        echo "torch run for $rows x $dim $dist $threads failed (see above)" >&2
    done
  done
done
/usr/bin/python3 bench/summarize_layer_bench.py "$out"
