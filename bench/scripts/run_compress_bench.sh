#!/usr/bin/env bash
# Compression, measured: size against quality for each codec on word vectors trained on the
# shared enwiki corpus, neighbour recall against FAISS's product quantizer at the same bytes, a
# classifier against `fasttext quantize`, and look-up / search speed of compressed rows.
#
#   bench/scripts/run_compress_bench.sh            # OUT=bench/results/DATE-compress.jsonl
#   STAGES="classifier lookups" bench/scripts/run_compress_bench.sh   # some of: vectors recall classifier lookups
#
# Word vectors: 300-d skip-gram (window 5, neg 5, sample 1e-4, min-count 5, 5 epochs, no subwords)
# trained by embedkit on the text8-style enwiki (18.2M words; made as run_train_bench.sh makes it),
# and the 100-d ones run_train_bench.sh trains. Quality: WS-353 Spearman (gensim's file) and
# analogy accuracy (questions-words, 30k most frequent words), before and after, from
# `embedkit compress --json`. Ratio: float32 table bytes / compressed bytes (codes, scales,
# norms, codebooks). Classifier: SST-2 (stsa.binary train -> dev), fastText's flags on both.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=../shared/data
dir=build/bench-data
out=${OUT:-bench/results/$(date +%F)-compress.jsonl}
e=${EMBEDKIT:-build/release/tools/embedkit/embedkit}  # EMBEDKIT: a copy, to rebuild while this runs
export EMBEDKIT=$e
mkdir -p "$dir" "$dir/compress"
stages=${STAGES:-vectors recall classifier lookups}
has() { [[ " $stages " == *" $1 "* ]]; }
[ "$stages" = "vectors recall classifier lookups" ] && : >"$out"
corpus=$dir/enwiki-text8.txt
[ -s "$corpus" ] || { echo "make the corpus first: bench/scripts/run_train_bench.sh 1000 1" >&2; exit 1; }
v300=$dir/enwiki-sg300.ekv
[ -s "$v300" ] || "$e" train -i "$corpus" -o "$v300" --dim 300 --window 5 --neg 5 --sample 1e-4 --epochs 5 \
  --min-count 5 --threads 2 --maxn 0 -q
v100=$dir/enwiki-sg100.ekv
[ -s "$v100" ] || "$e" train -i "$corpus" -o "$v100" --dim 100 --window 5 --neg 5 --sample 1e-4 --epochs 5 \
  --min-count 5 --threads 2 --maxn 0 -q
sets=(--similarity "$shared/similarity/gensim/wordsim353.tsv" --analogy "$shared/analogy/questions-words.txt" --restrict 30000)

compress() {  # name vectors codec-flags...
  local name=$1 vectors=$2
  shift 2
  "$e" compress "$vectors" "$dir/compress/$name.ekv" "$@" "${sets[@]}" --json -q |
    /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); d['name']=sys.argv[1]; d['flags']=sys.argv[2]; print(json.dumps(d))" \
      "$name" "$*" | tee -a "$out" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); \
print(f\"{d['name']:<22} {d['ratio']:6.1f}x  WS-353 {d['similarity'][0]['change']:+.4f}  analogy {100*d['analogy'][0]['change']:+.2f} pts  recall@10 {d['neighbors']['recall']:.3f}\", file=sys.stderr)"
  "$e" convert "$dir/compress/$name.ekv" "$dir/compress/$name.npy" -q
}

if has vectors; then
compress 300-f16 "$v300" --codec f16
compress 300-int8 "$v300" --codec int8
compress 300-int4 "$v300" --codec int4
compress 300-pq75 "$v300" --codec pq --pq-m 75
compress 300-pq75-norms "$v300" --codec pq --pq-m 75 --norms
compress 300-pca140-int4 "$v300" --dim 140 --codec int4
compress 300-pca140-f32 "$v300" --dim 140 --codec f32
compress 300-pq30 "$v300" --codec pq --pq-m 30
compress 300-pca64-int4 "$v300" --dim 64 --codec int4
compress 300-pq15 "$v300" --codec pq --pq-m 15
compress 300-pca28-int4 "$v300" --dim 28 --codec int4
compress 100-int4 "$v100" --codec int4
compress 100-pq25 "$v100" --codec pq --pq-m 25
compress 100-pca42-int4 "$v100" --dim 42 --codec int4
fi

# Neighbour recall, embedkit's codes and FAISS's PQ at the same bytes per row, by one script.
if has recall; then
"$e" convert "$v300" "$dir/compress/300.npy" -q
decoded=()
for n in 300-pq75 300-pq75-norms 300-pca140-int4 300-pq30 300-pca64-int4 300-pq15 300-pca28-int4; do decoded+=("$n=$dir/compress/$n.npy"); done
/usr/bin/python3 bench/scripts/compress_recall.py "$dir/compress/300.npy" "${decoded[@]}" --faiss-pq 75 30 15 |
  tee -a "$out"
fi

# A classifier: embedkit classify quantize against fasttext quantize, the same flags.
if has classifier; then
cls=$dir/compress/sst
mkdir -p "$cls"
for s in train dev; do sed -E 's/^([01]) /__label__\1 /' "$shared/sentiment/sst2/stsa.binary.$s" >"$cls/sst.$s"; done
threads=${CLASSIFY_THREADS:-1}  # 1: each seed's run is reproducible (Hogwild on 2 threads adds noise)
# 100000: fastText's usual flag (embedkit's model has 85k rows, so it keeps them all and, as
# fastText then does, does not retrain); 20000: both tools drop rows and retrain.
# Each seed also shuffles the training file (the same copy for both tools): fastText reads it
# in file order every epoch, so its -seed alone changes only the initial rows, and five seeds
# would measure one data order five times.
for cutoff in ${CUTOFFS:-100000 20000}; do
for seed in $(seq 1 "${SEEDS:-10}"); do
  train=$cls/sst.train.$seed
  /usr/bin/python3 -c 'import random, sys; lines = open(sys.argv[1]).readlines(); random.Random(int(sys.argv[2])).shuffle(lines); sys.stdout.writelines(lines)' \
    "$cls/sst.train" "$seed" >"$train"
  flags_ft=(-epoch 5 -lr 0.5 -wordNgrams 2 -thread "$threads" -verbose 0 -seed "$seed")
  fasttext supervised -input "$train" -output "$cls/ft" "${flags_ft[@]}"
  /usr/bin/time -f "%e" -o "$cls/ft.time" fasttext quantize -input "$train" -output "$cls/ft" \
    "${flags_ft[@]}" -cutoff "$cutoff" -retrain -qnorm
  "$e" classify train -i "$train" -o "$cls/ek.ekc" --epochs 5 --lr 0.5 --word-ngrams 2 --threads "$threads" \
    --seed "$seed" -q
  /usr/bin/time -f "%e" -o "$cls/ek.time" "$e" classify quantize "$cls/ek.ekc" -o "$cls/ek-q.ekc" --cutoff "$cutoff" \
    --retrain -i "$train" --qnorm --threads "$threads" --seed "$seed" -q
  /usr/bin/python3 - "$cls" "$seed" "$threads" "$cutoff" <<'PY' | tee -a "$out"
import json, os, subprocess, sys
d, seed, threads, cutoff = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def ft_acc(model):
    out = subprocess.run(["fasttext", "test", model, f"{d}/sst.dev"], capture_output=True, text=True).stdout
    return float([l for l in out.splitlines() if l.startswith("P@1")][0].split()[1])
def ek_acc(model):
    out = subprocess.run([os.environ["EMBEDKIT"], "classify", "test", model, f"{d}/sst.dev", "--json"],
                         capture_output=True, text=True).stdout
    return json.loads(out)["accuracy"]
for impl, full, small, acc, timing in (("fasttext", "ft.bin", "ft.ftz", ft_acc, "ft.time"),
                                       ("embedkit", "ek.ekc", "ek-q.ekc", ek_acc, "ek.time")):
    before, after = acc(f"{d}/{full}"), acc(f"{d}/{small}")
    print(json.dumps({"impl": impl, "task": "classify-quantize", "seed": seed, "cutoff": cutoff,
                      "flags": f"bigrams, lr 0.5, 5 epochs, {threads} thread(s); cutoff {cutoff}, retrain, qnorm, dsub 2; training file shuffled by the seed",
                      "bytes_before": os.path.getsize(f"{d}/{full}"), "bytes_after": os.path.getsize(f"{d}/{small}"),
                      "accuracy_before": before, "accuracy_after": after, "change": after - before,
                      "quantize_seconds": float(open(f"{d}/{timing}").read().split()[-1])}))
PY
done
done
fi

# Look-ups and search on compressed rows, 1 thread.
if has lookups; then
  build/release/bench/embedkit_bench_compress --vectors "$v300" --lookups 2000000 --queries 200 --threads 1 | tee -a "$out"
fi
