#!/usr/bin/env bash
# Embedding layer vs PyTorch, same shapes, same thread counts, in one run:
#   bench/scripts/run_layer_bench.sh [quick]      (after `make build`; needs python3-torch)
# Prints the JSON lines of both sides into build/bench-data/layer.jsonl, then tables of ratios.
# `quick` runs only the 1e6 x 128 table. Environment:
#   RUNS=N    repeat the whole sequence N times (default 1); the tables give medians over runs
#             of each figure and of each ratio taken within one run
#   LEVELS="avx2 scalar"   after each full bench (at the best kernel level), the bag forward
#             ops again with EMBEDKIT_SIMD forced to each of these levels (default: every level
#             below the best that this CPU runs; LEVELS="" for none)
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=build/release/bench/embedkit_bench_layer
out=build/bench-data/layer.jsonl
mkdir -p build/bench-data
: >"$out"
shapes=("1000000 128" "5000000 300")
[ "${1:-}" = quick ] && shapes=("1000000 128")
runs=${RUNS:-1}
if [ -z "${LEVELS+set}" ]; then
  LEVELS=""
  grep -qw avx512f /proc/cpuinfo && LEVELS="avx2"
  LEVELS="$LEVELS scalar"
fi

# Tags every line with the run it came from.
tag() { sed -u "s/^{/{\"run\": $1, /" | tee -a "$out"; }

for run in $(seq 1 "$runs"); do
  for threads in 1 2; do
    "$bench" --stream --threads "$threads" | tag "$run"
  done
  for shape in "${shapes[@]}"; do
    read -r rows dim <<<"$shape"
    for dist in uniform zipf; do
      for threads in 1 2; do
        "$bench" --rows "$rows" --dim "$dim" --dist "$dist" --threads "$threads" | tag "$run"
        /usr/bin/python3 bench/scripts/torch_layer_bench.py "$rows" "$dim" "$dist" "$threads" | tag "$run" ||
          echo "torch run for $rows x $dim $dist $threads failed (see above)" >&2
        for level in $LEVELS; do
          EMBEDKIT_SIMD=$level "$bench" --rows "$rows" --dim "$dim" --dist "$dist" --threads "$threads" --only bag |
            tag "$run"
        done
      done
    done
  done
done
/usr/bin/python3 bench/scripts/summarize_layer_bench.py "$out"
