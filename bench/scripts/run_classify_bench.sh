#!/usr/bin/env bash
# Sentiment classification, embedkit vs fastText supervised (Debian's CLI) on the same splits,
# the same features and the same settings, in one run:
#   MR (Pang & Lee rt-polarity, 10,662 snippets): 10-fold cross-validation; the folds are dealt
#     from one fixed shuffle and written to files, so both tools see identical splits.
#   SST-2: trained on stsa.binary.train, measured on stsa.binary.dev.
# Each setting runs with random and with pretrained initialisation (100-d skip-gram vectors that
# embedkit trained on the shared enwiki corpus, passed to both tools as a .vec file), and with
# SEEDS seeds (default 3). Reported: mean accuracy and training wall time (the whole
# `train`/`supervised` command, model file included), written as JSON lines to OUT.
# fastText counts every word of a -pretrainedVectors file as one training token (its
# Dictionary::add), so with pretrained vectors its -epoch 5 runs longer than 5 passes:
# epochs x (T + P) / T for T training tokens and P pretrained words (6.6 passes on an MR fold,
# 7.4 on SST-2). Pretrained runs therefore also train embedkit with that many passes, rounded
# ("embedkit, passes matched"), next to the run with the same flags.
# Usage: bench/scripts/run_classify_bench.sh [SEEDS]    env: OUT, CONFIGS ("name:lr:epochs:ngrams ...")
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=${1:-3}
configs=${CONFIGS:-"unigrams:0.1:5:1 bigrams:0.5:5:2"}
shared=../shared/data
work=build/bench-data/classify
out=${OUT:-bench/results/$(date +%F)-classify.jsonl}
embedkit=build/release/tools/embedkit/embedkit
mkdir -p "$work"
command -v fasttext >/dev/null || { echo "fasttext is not installed (apt-get install fasttext)" >&2; exit 1; }
[[ -x $embedkit ]] || { echo "build first: make build" >&2; exit 1; }

# --- data -------------------------------------------------------------------------------------
/usr/bin/python3 - "$shared/sentiment" "$work" <<'PY'
import random, sys, os
src, work = sys.argv[1], sys.argv[2]
lines = []
for label in ("pos", "neg"):
    with open(f"{src}/rt-polarity/rt-polarity.utf8.{label}", encoding="utf-8") as f:
        lines += [f"__label__{label} {l.strip()}\n" for l in f if l.strip()]
random.Random(2005).shuffle(lines)
for fold in range(10):
    with open(f"{work}/mr.{fold}.train", "w") as tr, open(f"{work}/mr.{fold}.test", "w") as te:
        for i, l in enumerate(lines):
            (te if i % 10 == fold else tr).write(l)
for split in ("train", "dev"):
    with open(f"{src}/sst2/stsa.binary.{split}", encoding="utf-8") as f, open(f"{work}/sst.{split}", "w") as o:
        for l in f:
            label, text = l.rstrip("\n").split(" ", 1)
            o.write(f"__label__{label} {text}\n")
PY

vectors=build/bench-data/embedkit-sub-no.vec
if [[ ! -s $vectors ]]; then
  corpus=build/bench-data/enwiki-text8.txt
  if [[ ! -s $corpus ]]; then
    echo "normalising the enwiki corpus (text8-style, see SOURCES.md)" >&2
    xz -dc "$shared/corpus/enwiki/enwiki-17M.txt.xz" | LC_ALL=C tr 'A-Z' 'a-z' |
      sed -e 's/0/ zero /g' -e 's/1/ one /g' -e 's/2/ two /g' -e 's/3/ three /g' -e 's/4/ four /g' \
          -e 's/5/ five /g' -e 's/6/ six /g' -e 's/7/ seven /g' -e 's/8/ eight /g' -e 's/9/ nine /g' |
      LC_ALL=C tr -c 'a-z\n' ' ' | LC_ALL=C tr -s ' ' >"$corpus"
  fi
  echo "training the pretrained vectors (skip-gram, dim 100, 5 epochs)" >&2
  "$embedkit" train -i "$corpus" -o "$vectors" --save-format word2vec --maxn 0 --dim 100 --threads 2 --quiet
fi

# --- runs -------------------------------------------------------------------------------------
seconds() { /usr/bin/time -f %e -o "$work/time" "$@" >/dev/null 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
            cat "$work/time"; }
: >"$out.tmp"
run() {  # dataset split train test config lr epochs ngrams init seed
  local dataset=$1 split=$2 train=$3 test=$4 config=$5 lr=$6 epochs=$7 ngrams=$8 init=$9 seed=${10}
  local ft_pre=() ek_pre=() matched=$epochs
  if [[ $init == pretrained ]]; then
    ft_pre=(-pretrainedVectors "$vectors"); ek_pre=(--pretrained "$vectors")
    matched=$(/usr/bin/python3 -c "import sys
t = sum(len(l.split()) + 1 for l in open(sys.argv[1]))  # + the end-of-line token
p = int(open(sys.argv[2]).readline().split()[0])
print(round($epochs * (t + p) / t))" "$train" "$vectors")
  fi
  local t acc
  t=$(seconds fasttext supervised -input "$train" -output "$work/ft" -dim 100 -lr "$lr" -epoch "$epochs" \
        -wordNgrams "$ngrams" -thread 2 -seed "$seed" -verbose 0 "${ft_pre[@]}")
  acc=$(fasttext test "$work/ft.bin" "$test" | awk '/^P@1/ {print $2}')
  echo "{\"dataset\":\"$dataset\",\"split\":\"$split\",\"config\":\"$config\",\"init\":\"$init\",\"seed\":$seed,\"tool\":\"fasttext\",\"accuracy\":$acc,\"seconds\":$t}" >>"$out.tmp"
  t=$(seconds "$embedkit" classify train -i "$train" -o "$work/ek.ekv" --dim 100 --lr "$lr" --epochs "$epochs" \
        --word-ngrams "$ngrams" --threads 2 --seed "$seed" --quiet "${ek_pre[@]}")
  acc=$("$embedkit" classify test "$work/ek.ekv" "$test" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])')
  echo "{\"dataset\":\"$dataset\",\"split\":\"$split\",\"config\":\"$config\",\"init\":\"$init\",\"seed\":$seed,\"tool\":\"embedkit\",\"accuracy\":$acc,\"seconds\":$t}" >>"$out.tmp"
  if [[ $matched != "$epochs" ]]; then
    t=$(seconds "$embedkit" classify train -i "$train" -o "$work/ek.ekv" --dim 100 --lr "$lr" --epochs "$matched" \
          --word-ngrams "$ngrams" --threads 2 --seed "$seed" --quiet "${ek_pre[@]}")
    acc=$("$embedkit" classify test "$work/ek.ekv" "$test" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])')
    echo "{\"dataset\":\"$dataset\",\"split\":\"$split\",\"config\":\"$config\",\"init\":\"$init\",\"seed\":$seed,\"tool\":\"embedkit-matched\",\"epochs\":$matched,\"accuracy\":$acc,\"seconds\":$t}" >>"$out.tmp"
  fi
}
for config in $configs; do
  IFS=: read -r name lr epochs ngrams <<<"$config"
  for init in random pretrained; do
    for seed in $(seq 1 "$seeds"); do
      echo "$name $init seed $seed" >&2
      run sst2 dev "$work/sst.train" "$work/sst.dev" "$name" "$lr" "$epochs" "$ngrams" "$init" "$seed"
      for fold in $(seq 0 9); do
        run mr "fold$fold" "$work/mr.$fold.train" "$work/mr.$fold.test" "$name" "$lr" "$epochs" "$ngrams" "$init" "$seed"
      done
    done
  done
done
mv "$out.tmp" "$out"

# --- summary ----------------------------------------------------------------------------------
/usr/bin/python3 - "$out" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1])]
acc, sec = collections.defaultdict(list), collections.defaultdict(float)
for r in rows:
    key = (r["dataset"], r["config"], r["init"], r["tool"])
    acc[key].append(r["accuracy"]); sec[key] += r["seconds"]
mean = lambda k: sum(acc[k]) / len(acc[k]) if acc.get(k) else float("nan")
print(f"{'data':6} {'config':9} {'init':10} {'fastText acc':>12} {'embedkit acc':>12} {'passes matched':>14} {'fastText s':>10} {'embedkit s':>10} {'time ratio':>10}")
for d, c, i in sorted({k[:3] for k in acc}):
    f, e, m = (d, c, i, "fasttext"), (d, c, i, "embedkit"), (d, c, i, "embedkit-matched")
    print(f"{d:6} {c:9} {i:10} {mean(f):12.4f} {mean(e):12.4f} {mean(m):14.4f} {sec[f]:10.1f} {sec[e]:10.1f} {sec[e] / sec[f]:10.2f}")
PY
