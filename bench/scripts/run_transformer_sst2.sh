#!/usr/bin/env bash
# SST-2 accuracy of the Transformer classifier against embedkit's bag classifier (the same
# pretrained vectors and data) and against PyTorch's same model, several seeds each, in one run:
# trained on the GLUE training phrases (../shared/data/sentiment/sst2/glue-train-alps-split/
# train.tsv), measured on stsa.binary.dev (the sentences of GLUE's dev set).
#   bench/scripts/run_transformer_sst2.sh VECTORS [OUT] [SEEDS...]   (after `make build` and `make python`)
# VECTORS: 100-d vectors, e.g. build/bench-data/enwiki-sg100.ekv (skip-gram on the shared enwiki).
set -euo pipefail
cd "$(dirname "$0")/../.."
vectors=$1
out=${2:-build/bench-data/transformer_sst2.jsonl}
shift $(( $# >= 2 ? 2 : 1 ))
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
ek=build/release/tools/embedkit/embedkit
data=../shared/data/sentiment/sst2
train=$data/glue-train-alps-split/train.tsv
dev=$data/stsa.binary.dev
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$out"
common=(--epochs 3 --embedding-lr 0.03 --threads 2)
measure() {  # name seed flags...
  local name=$1 seed=$2
  shift 2
  local start end
  start=$(date +%s.%N)
  "$ek" classify train -i "$train" -o "$work/m.ekv" --pretrained "$vectors" --seed "$seed" -q "$@"
  end=$(date +%s.%N)
  local accuracy
  accuracy=$("$ek" classify test "$work/m.ekv" "$dev" --format label-first --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])')
  echo "{\"tool\": \"embedkit\", \"model\": \"$name\", \"seed\": $seed, \"accuracy\": $accuracy, \"train_seconds\": $(printf '%.3f' "$(echo "$end - $start" | bc)")}" | tee -a "$out"
}
for seed in "${seeds[@]}"; do
  measure bag "$seed" --threads 2
  measure transformer-rope "$seed" --encoder transformer "${common[@]}"
  measure transformer-sinusoidal "$seed" --encoder transformer --positions sinusoidal "${common[@]}"
done
PYTHONPATH=build/release/python /usr/bin/python3 bench/scripts/torch_transformer_classifier.py --train "$train" \
  --test "$dev" --vectors "$vectors" --epochs 3 --embedding-lr 0.03 --positions sinusoidal --threads 2 \
  --seeds "${seeds[@]}" | tee -a "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
groups = {}
for r in rows:
    groups.setdefault(("pytorch-transformer-sinusoidal" if r.get("peer") == "pytorch" else r["model"]), []).append(r)
print("\n| model | seeds | accuracy (mean ± sd) | each | train seconds |")
print("|---|---|---|---|---|")
for name, rs in groups.items():
    acc = [r["accuracy"] for r in rs]
    secs = [r["train_seconds"] for r in rs]
    sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
    print(f"| {name} | {len(rs)} | {statistics.mean(acc):.4f} ± {sd:.4f} | {' '.join(f'{a:.4f}' for a in acc)} | "
          f"{statistics.mean(secs):.1f} |")
PY
