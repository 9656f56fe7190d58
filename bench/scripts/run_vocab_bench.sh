#!/usr/bin/env bash
# Vocabulary build throughput on the shared enwiki corpus (106 MB, 17M words), in MB/s.
#   bench/scripts/run_vocab_bench.sh            (after `make build`; `make bench` does both)
# Runs the Google Benchmark program on the decompressed corpus, then the CLI end to end, and,
# when python3-gensim is installed, gensim's Word2Vec.build_vocab on the same file in the same
# run for a ratio (gensim splits on whitespace like embedkit's default tokenizer).
set -euo pipefail
cd "$(dirname "$0")/../.."

build=build/release
xz_corpus=../shared/data/corpus/enwiki/enwiki-17M.txt.xz
corpus=build/bench-data/enwiki-17M.txt
if [ ! -s "$corpus" ]; then
  [ -f "$xz_corpus" ] || { echo "missing $xz_corpus" >&2; exit 1; }
  mkdir -p "$(dirname "$corpus")"
  echo "decompressing $xz_corpus ..." >&2
  xz -dc "$xz_corpus" >"$corpus.part" && mv "$corpus.part" "$corpus"
fi
bytes=$(stat -c %s "$corpus")

echo "== Google Benchmark: build_vocabulary() on $corpus ($bytes bytes)"
EMBEDKIT_BENCH_CORPUS="$corpus" "$build/bench/embedkit_bench_vocab" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=1

echo
echo "== CLI end to end: embedkit vocab build (read, count, sort, save)"
start=$(date +%s.%N)
"$build/tools/embedkit/embedkit" vocab build -i "$corpus" -o build/bench-data/vocab.tsv --min-count 5 -q
end=$(date +%s.%N)
awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN { printf "embedkit vocab build: %.2f s, %.1f MB/s\n", e - s, b / 1e6 / (e - s) }'

if /usr/bin/python3 -c 'import gensim' 2>/dev/null; then
  echo
  echo "== gensim Word2Vec.build_vocab (LineSentence, whitespace split) on the same file"
  /usr/bin/python3 - "$corpus" "$bytes" <<'PY'
import sys, time, logging
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
path, size = sys.argv[1], int(sys.argv[2])
model = Word2Vec(vector_size=100, min_count=5, workers=2)
start = time.perf_counter()
model.build_vocab(LineSentence(path, max_sentence_length=10**9))
elapsed = time.perf_counter() - start
print(f"gensim build_vocab: {elapsed:.2f} s, {size / 1e6 / elapsed:.1f} MB/s, {len(model.wv)} words with count >= 5")
PY
else
  echo "(python3-gensim not installed: skipping the gensim comparison)"
fi
