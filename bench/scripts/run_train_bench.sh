#!/usr/bin/env bash
# Word-vector training: embedkit vs fastText (Debian `fasttext`) vs gensim (Word2Vec, FastText),
# same corpus, same settings (dim 100, window 5, neg 5, sample 1e-4, min-count 5, skip-gram),
# with and without subwords; wall time, words/s, and quality (analogies over the 30k most frequent
# words, WordSim-353 Spearman) scored by the same code for all.
#
#   bench/scripts/run_train_bench.sh [WORDS [EPOCHS [THREADS]]]
#   TRAINERS="embedkit gensim" SUBWORDS=yes bench/scripts/run_train_bench.sh ...   # a subset
#   EMBEDKIT=/path/to/other/embedkit NAME=embedkit-old bench/scripts/run_train_bench.sh ...  # another build
#
# The corpus is the text8-style normalisation of the shared enwiki (18.2M words; the command is
# in ../shared/data/SOURCES.md), made once into build/bench-data/; WORDS > 0 trains on its first
# WORDS words only (a quicker, smaller run). Defaults: all words, 5 epochs, 2 threads.
set -euo pipefail
cd "$(dirname "$0")/../.."
words=${1:-0}
epochs=${2:-5}
threads=${3:-2}
data=../shared/data
dir=build/bench-data
mkdir -p "$dir"
full=$dir/enwiki-text8.txt
if [ ! -s "$full" ]; then
  xz -dc "$data/corpus/enwiki/enwiki-17M.txt.xz" | LC_ALL=C tr 'A-Z' 'a-z' |
    sed -e 's/0/ zero /g' -e 's/1/ one /g' -e 's/2/ two /g' -e 's/3/ three /g' -e 's/4/ four /g' \
      -e 's/5/ five /g' -e 's/6/ six /g' -e 's/7/ seven /g' -e 's/8/ eight /g' -e 's/9/ nine /g' |
    LC_ALL=C tr -c 'a-z\n' ' ' | LC_ALL=C tr -s ' ' >"$full"
fi
corpus=$full
if [ "$words" -gt 0 ]; then
  corpus=$dir/enwiki-text8-$words.txt
  # (head closes the pipe early: the SIGPIPE upstream is expected, hence the subshell's || true)
  [ -s "$corpus" ] || { tr -s ' \n' '\n\n' <"$full" | head -n "$words" | tr '\n' ' ' | fold -w 10000 -s >"$corpus" || true; }
fi
tokens=$(wc -w <"$corpus")
out=${OUT:-$dir/train_bench.jsonl}
: >"$out"
echo "corpus: $corpus ($tokens words), $epochs epochs, $threads threads" >&2

trainers=${TRAINERS:-embedkit fasttext gensim}
subwords=${SUBWORDS:-no yes}

# run NAME VECFILE CMD...: times CMD (wall time and peak resident memory), scores VECFILE,
# appends a JSON line.
run() {
  local name=$1 vec=$2
  case " $trainers " in *" ${name%%-*} "*) ;; *) return 0 ;; esac
  shift 2
  echo "== $name" >&2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f %M -o "$dir/$name.maxrss" "$@" >"$dir/$name.log" 2>&1 ||
    { echo "$name failed, see $dir/$name.log" >&2; return 0; }
  end=$(date +%s.%N)
  local scores
  scores=$(/usr/bin/python3 bench/scripts/word_vectors_eval.py "$vec" "$data" "$corpus")
  /usr/bin/python3 -c "
import json, sys
s = json.loads(sys.argv[1]); t = float(sys.argv[3]) - float(sys.argv[2])
s.update(name=sys.argv[4], seconds=t, words_per_second=int(sys.argv[5]) * int(sys.argv[6]) / t,
         peak_rss_mb=int(sys.argv[7]) / 1024)
print(json.dumps(s))" "$scores" "$start" "$end" "$name" "$tokens" "$epochs" "$(tail -1 "$dir/$name.maxrss")" |
    tee -a "$out"
}

common=(--dim 100 --window 5 --neg 5 --sample 1e-4 --epochs "$epochs" --min-count 5 --threads "$threads")
ft=(-dim 100 -ws 5 -neg 5 -t 1e-4 -epoch "$epochs" -minCount 5 -thread "$threads" -verbose 0)
for sub in $subwords; do
  if [ $sub = no ]; then e_sub=(--maxn 0); f_sub=(-minn 0 -maxn 0); g=word2vec; else e_sub=(); f_sub=(); g=fasttext; fi
  run "${NAME:-embedkit}-sub-$sub" "$dir/${NAME:-embedkit}-sub-$sub.vec" "${EMBEDKIT:-build/release/tools/embedkit/embedkit}" \
    train -i "$corpus" -o "$dir/${NAME:-embedkit}-sub-$sub.vec" --save-format word2vec "${common[@]}" "${e_sub[@]}" -q
  run "fasttext-sub-$sub" "$dir/fasttext-sub-$sub.vec" fasttext skipgram -input "$corpus" \
    -output "$dir/fasttext-sub-$sub" "${ft[@]}" "${f_sub[@]}"
  run "gensim-$g" "$dir/gensim-$g.vec" /usr/bin/python3 bench/scripts/gensim_train_bench.py "$corpus" \
    "$dir/gensim-$g.vec" "$g" "$threads" "$epochs"
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| trainer | subwords | wall time | words/s | peak memory | analogy acc. (30k) | WS-353 Spearman |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    sub = "yes" if r["name"].endswith("yes") or r["name"] == "gensim-fasttext" else "no"
    print(f"| {r['name']} | {sub} | {r['seconds']:.1f} s | {r['words_per_second'] / 1e3:.0f}k | "
          f"{r['peak_rss_mb']:.0f} MB | {r['analogy_accuracy']:.3f} | {r['ws353_spearman']:.3f} |")
PY
