#!/bin/sh
# Regenerates the SentencePiece test models and their reference answers in this folder.
# Needs Debian's `sentencepiece` (spm_train 0.1.97) and `python3-sentencepiece` (0.1.97), and the
# shared enwiki corpus. Models are trained on lines 1..20000; the reference lines are held out
# (lines 200000..200199) plus the hand-written hostile lines in make_sentencepiece_reference.py.
#   sh tests/unit/tokenize/data/make_sentencepiece_reference.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${CORPUS:-/work/shared/data/corpus/enwiki/enwiki-17M.txt.xz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

xz -dc "$corpus" | head -n 20000 > "$work/train.txt"
xz -dc "$corpus" | sed -n '200000,200199p' > "$work/heldout.txt"

common="--input=$work/train.txt --num_threads=2 --minloglevel=2"
# Unigram with the default nmt_nfkc normaliser (its precompiled charsmap is most of the file).
spm_train $common --model_prefix="$work/spm_unigram_nfkc" --model_type=unigram --vocab_size=1000
# BPE with byte fallback, user-defined and extra control symbols, no normalisation rule.
spm_train $common --model_prefix="$work/spm_bpe_bytes" --model_type=bpe --vocab_size=1000 \
  --byte_fallback=true --normalization_rule_name=identity \
  --user_defined_symbols='<sep>,@@,http' --control_symbols='<cls>'
# Unigram with the rarer switches: digits split, whitespace as suffix, whitespace kept as is,
# byte fallback and user-defined symbols (which the unigram lattice prefers).
spm_train $common --model_prefix="$work/spm_unigram_suffix" --model_type=unigram --vocab_size=800 \
  --normalization_rule_name=identity --split_digits=true --treat_whitespace_as_suffix=true \
  --remove_extra_whitespaces=false --byte_fallback=true --user_defined_symbols='<sep>,@@'

cp "$work"/spm_unigram_nfkc.model "$work"/spm_bpe_bytes.model "$work"/spm_unigram_suffix.model "$here/"
# The BPE model again with some merged pieces marked UNUSED (SentencePiece then re-splits them).
/usr/bin/python3 "$here/make_sentencepiece_reference.py" unused "$here/spm_bpe_bytes.model" \
  "$here/spm_bpe_unused.model"
/usr/bin/python3 "$here/make_sentencepiece_reference.py" lines "$work/heldout.txt" \
  "$here/sentencepiece_reference_lines.txt"
# WORD and CHAR models (small: answers for every 10th held-out line and the hostile ones).
spm_train $common --model_prefix="$work/spm_word" --model_type=word --vocab_size=400 \
  --normalization_rule_name=identity
spm_train $common --model_prefix="$work/spm_char" --model_type=char --vocab_size=200 \
  --hard_vocab_limit=false --normalization_rule_name=identity --add_dummy_prefix=false
cp "$work"/spm_word.model "$work"/spm_char.model "$here/"
# A plain BPE model (no user-defined or unused pieces): embedkit segments it word by word.
spm_train $common --model_prefix="$work/spm_bpe_plain" --model_type=bpe --vocab_size=1000 \
  --normalization_rule_name=identity
cp "$work"/spm_bpe_plain.model "$here/"
reference() {
  /usr/bin/python3 "$here/make_sentencepiece_reference.py" reference "$here/$1.model" \
    "$here/sentencepiece_reference_lines.txt" "$here/$1.reference.tsv" "$2" "$3"
}
reference spm_unigram_nfkc 1 200
reference spm_bpe_bytes 1 200
reference spm_unigram_suffix 1 200
reference spm_bpe_unused 1 0  # the same pieces as spm_bpe_bytes: no decode cases of its own
reference spm_bpe_plain 1 0
reference spm_word 10 100
reference spm_char 20 60
# n-best segmentations of the Unigram models: the 10 best of every line, the 64 best of every 25th.
nbest() {
  /usr/bin/python3 "$here/make_sentencepiece_reference.py" nbest "$here/$1.model" \
    "$here/sentencepiece_reference_lines.txt" "$here/$1.nbest.tsv" 10 25 64
}
nbest spm_unigram_nfkc
nbest spm_unigram_suffix
