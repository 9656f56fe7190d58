#!/usr/bin/env bash
# The Transformer encoder against PyTorch's nn.TransformerEncoder, in one run, the same model
# (embedding, sinusoidal positions, pre-norm GELU layers, final norm, mean pooling, linear head;
# AdamW + SparseAdam, warm-up and decay, clipping) on the same synthetic shapes: training tokens
# per second with the same threads, and one sentence's latency (one thread each).
#   bench/scripts/run_encoder_bench.sh [THREADS [OUT]]      (after `make build`)
# Shapes: a small classifier's (dim 128, 4 heads, 2 layers, 32 tokens, batches of 32) and
# SST-2's (dim 100, 5 heads, 2 layers, 12 tokens, the mean length of its training phrases).
set -euo pipefail
cd "$(dirname "$0")/../.."
threads=${1:-2}
out=${2:-build/bench-data/encoder_bench.jsonl}
mkdir -p "$(dirname "$out")"
: >"$out"
for shape in "--dim 128 --heads 4 --layers 2 --length 32 --batch 32 --examples 4096" \
             "--dim 100 --heads 5 --layers 2 --length 12 --batch 32 --examples 8192"; do
  # shellcheck disable=SC2086
  build/release/bench/embedkit_bench_encoder $shape --threads "$threads" | tee -a "$out"
  # shellcheck disable=SC2086
  /usr/bin/python3 bench/scripts/torch_encoder_bench.py $shape --threads "$threads" | tee -a "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\n| shape | threads | embedkit tokens/s | PyTorch tokens/s | ratio | embedkit latency ms | PyTorch latency ms | ratio |")
print("|---|---|---|---|---|---|---|---|")
for ek, pt in zip(rows[0::2], rows[1::2]):
    shape = f"dim {ek['dim']}, {ek['heads']} heads, {ek['layers']} layers, {ek['length']} tokens, batch {ek['batch']}"
    print(f"| {shape} | {ek['threads']} | {ek['tokens_per_second']:.0f} | {pt['tokens_per_second']:.0f} | "
          f"{ek['tokens_per_second'] / pt['tokens_per_second']:.2f}x | {ek['latency_ms']:.3f} | {pt['latency_ms']:.3f} | "
          f"{ek['latency_ms'] / pt['latency_ms']:.2f}x |")
PY
