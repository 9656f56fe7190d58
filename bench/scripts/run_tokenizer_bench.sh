#!/usr/bin/env bash
# Subword tokenizers against their libraries, in one run, on the shared enwiki corpus:
#   1. encoding throughput, 1 and 2 threads, same model file: embedkit against SentencePiece's C++
#      library (.model files, bench/src/tokenizer_encode_bench.cpp) and against Hugging Face's batch
#      encoder (npm tokenizers, tokenizer.json files, hf_encode_speed.js);
#   2. training time and peak memory at vocabulary 32,000: embedkit tokenizer train against spm_train
#      (BPE and Unigram) and Hugging Face's trainer (BPE), on the same words;
#   3. segmentation quality: tokens per word on the held-out lines with spm_train's and embedkit's
#      32k vocabularies (the "quality" lines).
#   bench/scripts/run_tokenizer_bench.sh [OUT.jsonl] [TRAIN_LINES]   (after make build; needs
#   sentencepiece, libsentencepiece-dev and node; installs npm tokenizers into a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/bench-data/tokenizer_bench.jsonl}
train_lines=${2:-100000}
ek=build/release/tools/embedkit/embedkit
bench=build/release/bench/embedkit_bench_tokenizer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent tokenizers@0.23.2 >/dev/null)
corpus=../shared/data/corpus/enwiki/enwiki-17M.txt.xz
set +o pipefail
xz -dc "$corpus" | head -n "$train_lines" >"$work/train.txt"
xz -dc "$corpus" | sed -n '200001,230000p' >"$work/encode.txt"   # held out from training
set -o pipefail
: >"$out"
mem() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1; read -r s kb <"$work/time"; echo "$s $kb"; }

# Tokenizers at 32k trained by each library on the same lines (the files encoded below).
for model in unigram bpe; do
  read -r s kb < <(mem spm_train --input="$work/train.txt" --model_prefix="$work/spm_$model" --vocab_size=32000 \
    --model_type=$model --num_threads=2 --character_coverage=0.9995 --input_sentence_size=0 --minloglevel=2)
  echo "{\"tool\": \"spm_train\", \"model\": \"$model\", \"vocab\": 32000, \"seconds\": $s, \"peak_kb\": $kb}" | tee -a "$out"
  read -r s kb < <(mem "$ek" tokenizer train -i "$work/train.txt" -o "$work/ek_$model.json" --model $model \
    --vocab-size 32000 --threads 2 -q)
  echo "{\"tool\": \"embedkit\", \"model\": \"$model\", \"vocab\": 32000, \"seconds\": $s, \"peak_kb\": $kb}" | tee -a "$out"
done
cat >"$work/hf_train.js" <<'JS'
const tk = require('tokenizers');
const t = new tk.Tokenizer(tk.BPE.empty());
t.setNormalizer(tk.nfkcNormalizer());
t.setPreTokenizer(tk.metaspacePreTokenizer('\u2581', 'always', true));
t.train([process.argv[2]]);
t.save(process.argv[3]);
JS
read -r s kb < <(RAYON_NUM_THREADS=2 NODE_PATH="$work/node_modules" mem node "$work/hf_train.js" "$work/train.txt" "$work/hf_bpe.json")
echo "{\"tool\": \"huggingface\", \"model\": \"bpe\", \"vocab\": 30000, \"seconds\": $s, \"peak_kb\": $kb}" | tee -a "$out"
read -r s kb < <(mem "$ek" tokenizer train -i "$work/train.txt" -o "$work/ek_bpe30k.json" --model bpe --vocab-size 30000 --threads 2 -q)
echo "{\"tool\": \"embedkit\", \"model\": \"bpe\", \"vocab\": 30000, \"seconds\": $s, \"peak_kb\": $kb}" | tee -a "$out"

# Encoding: SentencePiece's models with embedkit and libsentencepiece; tokenizer.json files with
# embedkit and Hugging Face.
for model in unigram bpe; do "$bench" "$work/spm_$model.model" "$work/encode.txt" 1 2 | tee -a "$out"; done
for file in "$work/ek_unigram.json" "$work/ek_bpe.json" "$work/hf_bpe.json"; do
  "$bench" "$file" "$work/encode.txt" 1 2 | tee -a "$out"
  for threads in 1 2; do
    RAYON_NUM_THREADS=$threads NODE_PATH="$work/node_modules" node bench/scripts/hf_encode_speed.js "$file" "$work/encode.txt" \
      "$work/hf.ids" | tee -a "$out"
  done
  # The speed of a different answer means nothing: every line's ids must be Hugging Face's.
  "$ek" tokenize --tokenizer "$file" --threads 2 "$work/encode.txt" >"$work/ek.ids"
  differing=$(paste -d '\n' "$work/ek.ids" "$work/hf.ids" | paste - - | awk -F '\t' '$1 != $2' | wc -l)
  echo "{\"tool\": \"check\", \"tokenizer\": \"$file\", \"lines\": $(wc -l <"$work/hf.ids"), \"lines_with_other_ids\": $differing}" | tee -a "$out"
done

# Segmentation quality: tokens per word on the held-out lines, each library's own 32k vocabulary
# (spm_encode for spm_train's, embedkit tokenize for embedkit's; whitespace-separated words).
words=$(wc -w <"$work/encode.txt")
per_word() { printf '%.4f' "$(echo "scale=8; $1 / $words" | bc)"; }
for model in unigram bpe; do
  spm=$(spm_encode --model="$work/spm_$model.model" --output_format=id <"$work/encode.txt" | wc -w)
  own=$("$ek" tokenize --tokenizer "$work/ek_$model.json" --threads 2 "$work/encode.txt" | wc -w)
  echo "{\"tool\": \"quality\", \"model\": \"$model\", \"words\": $words, \"tokens_spm_train\": $spm, \"tokens_embedkit\": $own, \"tokens_per_word_spm_train\": $(per_word "$spm"), \"tokens_per_word_embedkit\": $(per_word "$own")}" | tee -a "$out"
done
