#!/usr/bin/env bash
# Runs every libFuzzer target (built in the asan tree: cmake --preset asan && cmake --build --preset
# fuzz) for SECONDS each (default 20), starting from the seeds in
# fuzz/corpus/<target>/ and keeping what it finds in build/fuzz/corpus/. A crash leaves its
# input in build/fuzz/ and fails the run. Usage: fuzz/run_fuzzers.sh [SECONDS]
# The mutation seed is fixed (FUZZ_SEED, default 1) so that `make test` on a clean clone explores
# the same inputs every time and cannot fail by luck; set FUZZ_SEED=0 (libFuzzer: random) for
# exploring runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
seed=${FUZZ_SEED:-1}
# Each target is one process on one core: run as many at once as there are cores (FUZZ_JOBS).
jobs=${FUZZ_JOBS:-$(nproc)}

fuzz_one() {
  local target=$1
  local work=build/fuzz/corpus/$target
  mkdir -p "$work" "fuzz/corpus/$target"
  # Model files put their tensors on 4 KiB pages: a classifier with its output layer needs 12 KiB.
  local max_len=8192
  [ "$target" = classifier ] && max_len=16384
  # An encoder file (embedkit pretrain) holds its parameters as a second table: the seed is 13 KiB.
  [ "$target" = native ] && max_len=16384
  # The vector formats share one binary, told its format by the environment.
  local binary=build/asan/fuzz/${target}_fuzz
  case $target in
    word2vec_text | word2vec_binary | glove | fasttext_bin | npy | safetensors | native | huggingface)
      binary=build/asan/fuzz/vectors_fuzz
      export EMBEDKIT_FUZZ_FORMAT=$target
      ;;
  esac
  if "$binary" "$work" "fuzz/corpus/$target" -max_total_time="$seconds" -seed="$seed" \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix=build/fuzz/ 2>"build/fuzz/$target.log"; then
    echo "fuzz: $target for ${seconds}s: $(grep -E "stat::number_of_executed_units|Done" "build/fuzz/$target.log" | tr '\n' ' ')"
  else
    tail -40 "build/fuzz/$target.log"
    echo "fuzz: $target FAILED" >&2
    return 1
  fi
}

failed=0
running=0
for target in tokenizer vocabulary evaluation_sets word2vec_text word2vec_binary glove fasttext_bin npy safetensors native huggingface labeled_data classifier serve_request compressed_table subword; do
  fuzz_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
[ "$failed" -eq 0 ] || { echo "fuzz: a target FAILED (its input is in build/fuzz/)" >&2; exit 1; }
echo "fuzz: all targets passed"
