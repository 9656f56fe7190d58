#!/usr/bin/env bash
# Training across processes, measured: words/s and quality with 1, 2 and 4 processes under
# mpirun, skip-gram with and without subwords, and what the exchanges cost (bytes sent per
# exchange and in all, seconds spent in them), on the shared enwiki corpus (18.2M words; made as
# run_train_bench.sh makes it). One JSON line per run in OUT; the scaling model
# (bench/scripts/mpi_scaling_model.py) reads them, with the all-reduce times that
# build/release/bench/embedkit_bench_allreduce measures (appended by this script).
#
#   bench/scripts/run_mpi_bench.sh                    # OUT=bench/results/DATE-mpi.jsonl
#   RUNS="1x1 2x1" MODELS=words bench/scripts/run_mpi_bench.sh
#
# Runs are PROCESSESxTHREADS. This machine has 2 cores: 1x2 and 2x1 use them all, 1x1 measures
# one core (the compute rate the model scales), and 4x1 oversubscribes them (4 processes take
# turns on 2 cores: its words/s says nothing about 4 machines; its quality and bytes do).
# Settings: dim 100, window 5, neg 5, sample 1e-4, min-count 5, 3 epochs; MODELS: words (no
# subwords, --maxn 0) and subwords (fastText's 3-6 n-grams, 2M buckets). Quality: WS-353
# Spearman and analogy accuracy (questions-words) over the 30k most frequent words.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=../shared/data
dir=build/bench-data
out=${OUT:-bench/results/$(date +%F)-mpi.jsonl}
e=${EMBEDKIT:-build/release/tools/embedkit/embedkit}  # EMBEDKIT: a copy, to rebuild while this runs
runs=${RUNS:-1x2 1x1 2x1 4x1}
models=${MODELS:-words subwords}
corpus=$dir/enwiki-text8.txt
[ -s "$corpus" ] || { echo "make the corpus first: bench/scripts/run_train_bench.sh 1000 1" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "needs mpirun (apt-get install openmpi-bin)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for model in $models; do
  [ "$model" = words ] && grams=(--maxn 0) || grams=()
  for run in $runs; do
    processes=${run%x*} threads=${run#*x}
    launcher=()
    [ "$processes" -gt 1 ] && launcher=(mpirun -np "$processes")
    start=$(date +%s%N)
    "${launcher[@]}" "$e" train -i "$corpus" -o "$work/v.ekv" --dim 100 --window 5 --neg 5 --sample 1e-4 \
      --min-count 5 --epochs 3 --threads "$threads" "${grams[@]}" ${EXTRA:-} -q
    wall=$(( ($(date +%s%N) - start) / 1000000 ))  # ms
    "$e" info "$work/v.ekv" --json >"$work/info.json"
    "$e" eval "$work/v.ekv" --similarity "$shared/similarity/gensim/wordsim353.tsv" \
      --analogy "$shared/analogy/questions-words.txt" --restrict 30000 --json >"$work/eval.json"
    /usr/bin/python3 - "$work/info.json" "$work/eval.json" "$model" "$processes" "$threads" "$wall" "${EXTRA:-}" <<'PY' | tee -a "$out"
import json, sys
info, evaluation = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
model, processes, threads, wall, extra = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]) / 1e3, sys.argv[7]
m = info["metadata"]
seconds = float(m["training.seconds"])
words = int(m["training.corpus_tokens"]) * int(m["training.epochs"])
row = {"bench": "mpi", "model": model, "processes": processes, "threads": threads, "extra": extra,
       "cores": 2, "oversubscribed": processes * threads > 2,
       "words": words, "train_seconds": seconds, "wall_seconds": round(wall, 1),
       "words_per_second": round(words / seconds),
       "ws353": evaluation["similarity"][0]["spearman"], "analogy": evaluation["analogy"][0]["total"]["accuracy"]}
if processes > 1:
    exchanges = int(m["training.sync_exchanges"])
    row.update({"exchanges": exchanges, "rounds": int(m["training.sync_rounds"]),
                "bytes_per_round": int(m["training.sync_bytes_per_round"]),
                "bytes_sent": int(m["training.sync_bytes"]),
                "bytes_per_exchange": round(int(m["training.sync_bytes"]) / exchanges),
                "bytes_per_word": round(int(m["training.sync_bytes"]) / (words / processes), 1),
                "sync_seconds": float(m["training.sync_seconds"]),
                "reduce_seconds": float(m["training.sync_reduce_seconds"]),
                "tier_rows": [int(x) for x in m["training.sync_tier_rows"].split(",")],
                "staleness": float(m["training.sync_staleness"]),
                "hot_words": int(m["training.sync_hot_words"]), "sync_words": int(m["training.sync_words"])})
print(json.dumps(row))
PY
  done
done

# The time of one all-reduce here, by size (2 processes, one per core).
allreduce=$(dirname "$e")/../../bench/embedkit_bench_allreduce
[ -x "$allreduce" ] || allreduce=build/release/bench/embedkit_bench_allreduce
if [ -z "${EXTRA:-}" ] && [ -x "$allreduce" ]; then mpirun -np 2 "$allreduce" | tee -a "$out"; fi
