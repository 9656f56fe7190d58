#!/usr/bin/env bash
# End-to-end tests of the embedkit CLI: exit codes, messages, outputs, atomic writes.
# Usage: cli_test.sh path/to/embedkit path/to/source-root
set -uo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # absolute: some tests run in another directory
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { passes=$((passes + 1)); }

# run NAME EXPECTED_EXIT CMD...: runs CMD, captures stdout/stderr, checks the exit status.
run() {
  local name=$1 expected=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local code=$?
  if [ "$code" -ne "$expected" ]; then
    fail "$name: exit $code, expected $expected; stderr: $(head -c 400 "$tmp/err")"
    return 1
  fi
  pass
}
# expect_in FILE NAME TEXT: FILE contains TEXT (fixed string).
expect_in() {
  if grep -qF -- "$3" "$1"; then pass; else fail "$2: '$3' not in $(basename "$1"): $(head -c 400 "$1")"; fi
}

printf 'The cat sat.\r\nThe cat ran!\n\nA dog sat\n' >"$tmp/corpus.txt"

# --help teaches by example, for every command.
for cmd in "" "vocab" "vocab build" "vocab info" "tokenize" "tokenizer" "tokenizer train" "info" "convert" "vectors" "train" "neighbors" "analogy" "similarity" "eval" "plot" "serve" "classify" "classify train" "classify test" "classify predict" "classify cv" "classify quantize" "compress" "sweep-dim" "pretrain" "encode"; do
  # shellcheck disable=SC2086
  run "help $cmd" 0 "$bin" $cmd --help && expect_in "$tmp/out" "help $cmd" "Examples:"
done

# One file per subcommand: each tools/embedkit/*_command.cpp registers one command (a group's
# file registers only the group), so no file grows into a second god object.
for src in "$root"/tools/embedkit/*_command.cpp; do
  n=$(grep -c 'add_subcommand(' "$src")
  [ "$n" -eq 1 ] && pass || fail "$(basename "$src") registers $n subcommands, not one"
done

# vocab build + info
run "build" 0 "$bin" vocab build -i "$tmp/corpus.txt" -o "$tmp/v.tsv" --min-count 1 --split words --lower
expect_in "$tmp/out" "build summary" "11 tokens on 4 lines"
expect_in "$tmp/v.tsv" "build file" "$(printf 'the\t2')"
[ "$(head -2 "$tmp/v.tsv" | cut -f1 | tr '\n' ' ')" = "<pad> <unk> " ] && pass || fail "specials first"
run "build json" 0 "$bin" vocab build -i "$tmp/corpus.txt" -o "$tmp/v2.tsv" --min-count 2 --json
expect_in "$tmp/out" "build json" '"kept_words": 2'
run "info" 0 "$bin" vocab info "$tmp/v.tsv"
expect_in "$tmp/out" "info" "tokens counted: 11"
run "info json" 0 "$bin" vocab info "$tmp/v.tsv" --json
expect_in "$tmp/out" "info json" '"entries": 10'
run "build from stdin" 0 bash -c "cat '$tmp/corpus.txt' | '$bin' vocab build -i - -o '$tmp/v3.tsv' --min-count 1 -q"
[ "$(awk -F'\t' '{s += $2} END {print s}' "$tmp/v3.tsv")" = 9 ] && pass || fail "stdin counts"

# tokenize: tokens, ids, json, decode
run "tokenize text" 0 "$bin" tokenize --text "Hello, World!" --split words --lower
[ "$(cat "$tmp/out")" = "hello , world !" ] && pass || fail "tokenize text: $(cat "$tmp/out")"
run "tokenize ids" 0 "$bin" tokenize "$tmp/corpus.txt" --vocab "$tmp/v.tsv" --split words --lower
[ "$(wc -l <"$tmp/out")" -eq 4 ] && pass || fail "one output line per input line"
cp "$tmp/out" "$tmp/ids.txt"
run "decode" 0 "$bin" tokenize --vocab "$tmp/v.tsv" --decode "$tmp/ids.txt"
[ "$(head -1 "$tmp/out")" = "the cat sat ." ] && pass || fail "decode: $(head -1 "$tmp/out")"
run "tokenize json" 0 "$bin" tokenize --text "the zebra" --vocab "$tmp/v.tsv" --json
expect_in "$tmp/out" "json ids" '{"ids":[4,1],"tokens":["the","zebra"]}'

# tokenize --tokenizer: subword ids, pieces, offsets, pairs, batches over threads, decode, errors.
tokdata=$root/tests/unit/tokenize/data
run "subword pieces" 0 "$bin" tokenize --tokenizer "$tokdata/hf-wordpiece.json" --text "Héllo, World" --pieces
[ "$(cat "$tmp/out")" = "[CLS] hel ##lo , world [SEP]" ] && pass || fail "subword pieces: $(cat "$tmp/out")"
run "subword json" 0 "$bin" tokenize --tokenizer "$tokdata/hf-wordpiece.json" --text "Héllo" --json --no-special
expect_in "$tmp/out" "subword json" '"char_offsets":[[0,3],[3,5]],"ids":[1449,1604],"offsets":[[0,4],[4,6]]'
run "subword pair" 0 "$bin" tokenize --tokenizer "$tokdata/hf-wordpiece.json" --text "a" --pair "b" --json
expect_in "$tmp/out" "subword pair" '"type_ids":[0,0,0,1,1]'
printf 'the cat sat\n\nanother line here\n' >"$tmp/sub.txt"
run "subword file" 0 "$bin" tokenize --tokenizer "$tokdata/hf-bytelevel-bpe.json" "$tmp/sub.txt" --threads 2
[ "$(wc -l <"$tmp/out")" -eq 3 ] && pass || fail "subword: one output line per input line"
cp "$tmp/out" "$tmp/sub_ids.txt"
run "subword decode" 0 "$bin" tokenize --tokenizer "$tokdata/hf-bytelevel-bpe.json" --decode "$tmp/sub_ids.txt"
[ "$(head -1 "$tmp/out")" = " the cat sat" ] && pass || fail "subword decode: $(head -1 "$tmp/out")"
printf '5 99999999\n' >"$tmp/bad_sub_ids.txt"
run "subword bad id" 1 "$bin" tokenize --tokenizer "$tokdata/hf-bpe.json" --decode "$tmp/bad_sub_ids.txt"
expect_in "$tmp/err" "subword bad id" "bad_sub_ids.txt:1: id 99999999 is not in the tokenizer's vocabulary"
printf 'fine\nbroken caf\xe9 here\n' >"$tmp/sub_latin1.txt"
run "subword invalid utf8" 1 "$bin" tokenize --tokenizer "$tokdata/hf-bpe.json" "$tmp/sub_latin1.txt"
expect_in "$tmp/err" "subword invalid utf8" "sub_latin1.txt:2: text is not valid UTF-8 at byte 10"
run "subword with word flags" 2 "$bin" tokenize --tokenizer "$tokdata/hf-bpe.json" --text a --lower
expect_in "$tmp/err" "subword with word flags" "--lower excludes --tokenizer"
run "pieces without tokenizer" 2 "$bin" tokenize --text a --pieces
printf '{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}' >"$tmp/bad_tok.json"
run "subword bad file" 1 "$bin" tokenize --tokenizer "$tmp/bad_tok.json" --text a
expect_in "$tmp/err" "subword bad file" 'merge 0 ("a" "b") uses a token missing from the vocabulary'
run "subword missing file" 1 "$bin" tokenize --tokenizer "$tmp/none.json" --text a
for i in 1 2 3 4 5; do printf 'the cat sat on the mat\\nthe dog sat on the log, %s times\\n' $i; done >"$tmp/sub_corpus_train.txt"
# tokenize --nbest / --sample: n-best lists (Unigram), subword regularization, their errors.
run "subword nbest" 0 "$bin" tokenize --tokenizer "$tokdata/spm_unigram_nfkc.model" --text "Hello world" --nbest 3 --pieces
expect_in "$tmp/out" "subword nbest" "▁H ell o ▁world	▁He l lo ▁world	▁H el lo ▁world"
run "subword nbest json" 0 "$bin" tokenize --tokenizer "$tokdata/hf-unigram.json" --text "hello world" --nbest 2 --json
expect_in "$tmp/out" "subword nbest json" '{"nbest":[{"char_offsets"'
expect_in "$tmp/out" "subword nbest json" '"score":'
printf 'Hello world\nsampling text\n' >"$tmp/sample.txt"
run "subword sample" 0 "$bin" tokenize --tokenizer "$tokdata/spm_unigram_nfkc.model" "$tmp/sample.txt" --sample 0.1 --seed 7 --threads 2
cp "$tmp/out" "$tmp/sample_a.txt"
run "subword sample again" 0 "$bin" tokenize --tokenizer "$tokdata/spm_unigram_nfkc.model" "$tmp/sample.txt" --sample 0.1 --seed 7 --threads 1
cmp -s "$tmp/out" "$tmp/sample_a.txt" || fail "subword sample: the same seed gave another result"
run "subword sample nbest-size" 0 "$bin" tokenize --tokenizer "$tokdata/spm_unigram_nfkc.model" --text "Hello" --sample 0.5 --nbest-size 4 --json
expect_in "$tmp/out" "subword sample nbest-size" '"ids":'
run "subword bpe dropout" 0 "$bin" tokenize --tokenizer "$tokdata/hf-bpe.json" --text "hello" --sample 1 --pieces
expect_in "$tmp/out" "subword bpe dropout" "h e l l o"
run "subword nbest on bpe" 2 "$bin" tokenize --tokenizer "$tokdata/hf-bpe.json" --text "hello" --nbest 2
expect_in "$tmp/err" "subword nbest on bpe" "n-best needs Unigram"
run "subword sample on wordpiece" 2 "$bin" tokenize --tokenizer "$tokdata/hf-wordpiece.json" --text "hello" --sample 0.1
expect_in "$tmp/err" "subword sample on wordpiece" "single segmentation"
run "subword nbest and sample" 2 "$bin" tokenize --tokenizer "$tokdata/spm_unigram_nfkc.model" --text "a" --nbest 2 --sample 0.1
run "subword seed without sample" 2 "$bin" tokenize --tokenizer "$tokdata/spm_unigram_nfkc.model" --text "a" --seed 3
run "subword bad dropout" 2 "$bin" tokenize --tokenizer "$tokdata/hf-bpe.json" --text "a" --sample 1.5
# tokenizer train: every model writes a tokenizer.json that tokenize reads back.
for model_size in bpe:40 wordpiece:80 byte-level-bpe:300 unigram:30; do
  model=${model_size%:*}
  run "tokenizer train $model" 0 "$bin" tokenizer train -i "$tmp/sub_corpus_train.txt" -o "$tmp/tok_$model.json" --model $model --vocab-size ${model_size#*:} --min-frequency 1 --json
  expect_in "$tmp/out" "tokenizer train $model summary" '"model":"'$model'"'
  run "tokenize with trained $model" 0 "$bin" tokenize --tokenizer "$tmp/tok_$model.json" --text "the cat sat" --pieces
done
run "tokenizer train too small" 2 "$bin" tokenizer train -i "$tmp/sub_corpus_train.txt" -o "$tmp/tok_small.json" --vocab-size 5
expect_in "$tmp/err" "tokenizer train too small" "raise --vocab-size"
[ ! -e "$tmp/tok_small.json" ] && pass || fail "a failed training left a file"
run "tokenizer train vocabulary beyond the corpus" 2 "$bin" tokenizer train -i "$tmp/sub_corpus_train.txt" -o "$tmp/tok_big.json" --model unigram --vocab-size 400
expect_in "$tmp/err" "tokenizer train vocabulary beyond the corpus" "lower the vocabulary size"
run "tokenizer train bad model" 2 "$bin" tokenizer train -i "$tmp/sub_corpus_train.txt" -o "$tmp/tok_x.json" --model bpee
# bpe keeps SentencePiece's piece rules (no letters with digits or punctuation) unless told not to.
for i in 1 2 3 4 5 6; do echo "x1, x1, x1, x1"; done >"$tmp/mixed_corpus.txt"
run "tokenizer train bpe scripts apart" 0 "$bin" tokenizer train -i "$tmp/mixed_corpus.txt" -o "$tmp/tok_mixed.json" --model bpe --vocab-size 12 -q
run "tokenize scripts apart" 0 "$bin" tokenize --tokenizer "$tmp/tok_mixed.json" --text "x1," --pieces
expect_in "$tmp/out" "tokenize scripts apart" "▁x 1,"
run "tokenizer train bpe scripts mixed" 0 "$bin" tokenizer train -i "$tmp/mixed_corpus.txt" -o "$tmp/tok_mixed.json" --model bpe --vocab-size 12 -q --no-split-by-script
run "tokenize scripts mixed" 0 "$bin" tokenize --tokenizer "$tmp/tok_mixed.json" --text "x1," --pieces
expect_in "$tmp/out" "tokenize scripts mixed" "▁x1,"
# Vocabularies, word vectors and classifiers over subword pieces (--tokenizer on every text reader).
printf 'the cat sat on the mat\nthe dog sat on the log\nunbelievable tokenizers\n' >"$tmp/sub_corpus.txt"
run "vocab over pieces" 0 "$bin" vocab build -i "$tmp/sub_corpus.txt" -o "$tmp/sub_vocab.tsv" --tokenizer "$tokdata/hf-wordpiece.json" --min-count 1
expect_in "$tmp/sub_vocab.tsv" "vocab over pieces" "##"
run "vectors over pieces" 0 "$bin" train -i "$tmp/sub_corpus.txt" -o "$tmp/sub_vectors.ekv" --tokenizer "$tokdata/spm_unigram_nfkc.model" --dim 8 --epochs 1 --min-count 1 -q
run "vectors record the tokenizer" 0 "$bin" info "$tmp/sub_vectors.ekv"
expect_in "$tmp/out" "vectors record the tokenizer" "text.split = subword"
run "pieces exclude word flags" 2 "$bin" vocab build -i "$tmp/sub_corpus.txt" -o "$tmp/x.tsv" --tokenizer "$tokdata/hf-bpe.json" --lower
printf '1 a good film\n0 a bad film\n1 good good\n0 bad bad\n' >"$tmp/sub_labeled.txt"
run "classifier over pieces" 0 "$bin" classify train -i "$tmp/sub_labeled.txt" --format label-first -o "$tmp/sub_cls.ekv" --tokenizer "$tokdata/hf-wordpiece.json" --epochs 5 -q
run "classifier test with its tokenizer" 0 "$bin" classify test "$tmp/sub_cls.ekv" "$tmp/sub_labeled.txt" --format label-first --tokenizer "$tokdata/hf-wordpiece.json"
run "classifier test without its tokenizer" 2 "$bin" classify test "$tmp/sub_cls.ekv" "$tmp/sub_labeled.txt" --format label-first
expect_in "$tmp/err" "classifier test without its tokenizer" "the model was trained on the pieces of hf-wordpiece.json (WordPiece)"
run "classifier test with another tokenizer" 2 "$bin" classify test "$tmp/sub_cls.ekv" "$tmp/sub_labeled.txt" --format label-first --tokenizer "$tokdata/hf-bpe.json"
expect_in "$tmp/err" "classifier test with another tokenizer" "is not the tokenizer the model was trained with"

# Errors: one line naming file/line/offset, non-zero exit, nothing half-written.
run "missing input" 1 "$bin" vocab build -i "$tmp/nope.txt" -o "$tmp/x.tsv"
expect_in "$tmp/err" "missing input" "embedkit: error: cannot open '$tmp/nope.txt': No such file or directory"
printf 'fine\nbroken caf\xe9 here\n' >"$tmp/latin1.txt"
run "invalid utf8" 1 "$bin" vocab build -i "$tmp/latin1.txt" -o "$tmp/x.tsv"
expect_in "$tmp/err" "invalid utf8" "$tmp/latin1.txt:2: byte 15: invalid UTF-8 (bytes 0xE9 0x20 0x68 0x65)"
expect_in "$tmp/err" "invalid utf8 names the flag" "$tmp/latin1.txt:2: byte 15: invalid UTF-8 (bytes 0xE9 0x20 0x68 0x65); pass --invalid-utf8 replace to read them as U+FFFD"
[ ! -e "$tmp/x.tsv" ] && pass || fail "failed build left an output file"
[ -z "$(ls "$tmp" | grep '\.tmp\.')" ] && pass || fail "temporary file left behind"
run "invalid utf8 replaced" 0 "$bin" vocab build -i "$tmp/latin1.txt" -o "$tmp/x.tsv" --invalid-utf8 replace --min-count 1
# One spelling for invalid UTF-8 in every command that reads words, text or vectors.
printf 'the 0.5 -1.25 0.03\ncat 1 2 3\n\xfcber -0.5 0.25 7\n' >"$tmp/bad_utf8.txt"
run "vectors invalid utf8" 1 "$bin" info "$tmp/bad_utf8.txt"
expect_in "$tmp/err" "vectors invalid utf8 names the flag" "$tmp/bad_utf8.txt:3: byte 0: invalid UTF-8 (bytes 0xFC 0x62 0x65 0x72); pass --invalid-utf8 replace to read them as U+FFFD"
if grep -q "'replace' option" "$tmp/err"; then fail "the library's advice left beside the flag's"; else pass; fi
run "vectors invalid utf8 replaced" 0 "$bin" info "$tmp/bad_utf8.txt" --invalid-utf8 replace
expect_in "$tmp/out" "vectors invalid utf8 replaced" "glove, 3 words x 3 dims"
run "old spelling still works" 0 "$bin" neighbors "$tmp/bad_utf8.txt" cat -k 1 --lossy-utf8
for cmd in "vocab build" "tokenize" "train" "info" "convert" "vectors" "neighbors" "analogy" "similarity" "eval" "plot"; do
  # shellcheck disable=SC2086
  help=$("$bin" $cmd --help)
  grep -qF -- "--invalid-utf8 error|replace" <<<"$help" && pass || fail "$cmd: no --invalid-utf8 in --help"
  if grep -q -- "--lossy" <<<"$help"; then fail "$cmd: --help shows the old --lossy-utf8"; else pass; fi
done
run "empty corpus" 1 "$bin" vocab build -i /dev/null -o "$tmp/x.tsv"
expect_in "$tmp/err" "empty corpus" "no tokens"
printf 'the\t3\ncat\n' >"$tmp/bad.tsv"
run "bad vocab" 1 "$bin" vocab info "$tmp/bad.tsv"
expect_in "$tmp/err" "bad vocab" "$tmp/bad.tsv:2: expected word<TAB>count"
echo "2 999" >"$tmp/bad_ids.txt"
run "out of range id" 1 "$bin" tokenize --vocab "$tmp/v.tsv" --decode "$tmp/bad_ids.txt"
expect_in "$tmp/err" "out of range id" "token id 999 is out of range for a vocabulary of 10 entries"
run "bad flag" 2 "$bin" vocab build -i "$tmp/corpus.txt" -o "$tmp/x.tsv" --min-count zero
run "no subcommand" 2 "$bin"
[ "$(wc -l <"$tmp/err")" -le 3 ] && pass || fail "usage errors stay short"

# Vector files: info, convert between every format, vectors (seen and unseen words).
printf 'the 0.5 -1.25 0.03\ncat 1 2 3\n\xc3\xbcber -0.5 0.25 7\n' >"$tmp/g.txt"
run "info glove" 0 "$bin" info "$tmp/g.txt"
expect_in "$tmp/out" "info glove" "glove, 3 words x 3 dims"
run "info json" 0 "$bin" info "$tmp/g.txt" --json
expect_in "$tmp/out" "info json format" '"format": "glove"'
expect_in "$tmp/out" "info json rows" '"rows": 3'
expect_in "$tmp/out" "info json dim" '"dim": 3'
prev="$tmp/g.txt"
for to in word2vec word2vec-bin fasttext npy safetensors native glove; do
  run "convert to $to" 0 "$bin" convert "$prev" "$tmp/c.$to" --to "$to" -q
  prev="$tmp/c.$to"
done
cmp -s "$tmp/g.txt" "$prev" && pass || fail "a chain of conversions through every format changed the GloVe file"
run "vectors" 0 "$bin" vectors "$tmp/c.native" cat dog
expect_in "$tmp/out" "vectors seen" "cat 1 2 3"
expect_in "$tmp/out" "vectors unseen zeros" "dog 0 0 0"
expect_in "$tmp/err" "vectors unseen named" "not in the vocabulary and the model has no subwords (printed as zeros): dog"
run "vectors stdin json" 0 bash -c "echo 'the cat' | '$bin' vectors '$tmp/c.fasttext' --json"
expect_in "$tmp/out" "vectors json" '{"source":"in_vocabulary","vector":[1.0,2.0,3.0],"word":"cat"}'
printf '3 3\nthe 1 2 3\n' >"$tmp/short.vec"
run "short vec" 1 "$bin" info "$tmp/short.vec"
expect_in "$tmp/err" "short vec" "$tmp/short.vec:1: the header says 3 rows but the file has 1 lines of vectors"
run "convert failure" 1 "$bin" convert "$tmp/short.vec" "$tmp/never.ekv"
[ ! -e "$tmp/never.ekv" ] && pass || fail "failed convert left an output file"
run "bad format name" 2 "$bin" convert "$tmp/g.txt" "$tmp/x.out" --to parquet
expect_in "$tmp/err" "bad format name" 'unknown vector format "parquet"'

# A Hugging Face model folder (tests/unit/io/data/huggingface, made by its script): the token
# embeddings keyed by the tokenizer's pieces; unseen words the mean of their pieces' rows.
hf="$root/tests/unit/io/data/huggingface"
run "hf info" 0 "$bin" info "$hf/bert-f32"
expect_in "$tmp/out" "hf info" "huggingface, 32 words x 8 dims"
expect_in "$tmp/out" "hf info pieces" "subwords: the pieces of its WordPiece tokenizer (32 pieces)"
expect_in "$tmp/out" "hf info tensor" "huggingface.tensor = bert.embeddings.word_embeddings.weight"
run "hf info tensor" 0 "$bin" info "$hf/llama-f16" --tensor lm_head.weight --json
expect_in "$tmp/out" "hf info tensor json" '"huggingface.tensor": "lm_head.weight"'
expect_in "$tmp/out" "hf info padding" '"huggingface.padding_rows": "8"'
run "hf missing tensor" 1 "$bin" info "$hf/llama-f16" --tensor nope
expect_in "$tmp/err" "hf missing tensor" 'no tensor "nope"; the 2-D tensors: lm_head.weight [40, 8] F16, model.embed_tokens.weight [40, 8] F16'
run "hf not a model" 1 "$bin" info "$tmp"
expect_in "$tmp/err" "hf not a model" "$tmp: not a Hugging Face model folder"
run "hf folder as glove" 2 "$bin" info "$hf/bert-f32" --format glove
run "hf neighbors" 0 "$bin" neighbors "$hf/sharded" cat households -k 2
expect_in "$tmp/out" "hf neighbors unseen" "households (unseen: the mean of its pieces):  house"
run "hf similarity" 0 "$bin" similarity "$hf/gpt2-bf16" walked playing
expect_in "$tmp/out" "hf similarity unseen" "(unseen words from subwords)"
printf 'cat\tdog\t8\nking queen 6\nplaying walked 3\nman sunny 1\n' >"$tmp/hfpairs.txt"
run "hf eval" 0 "$bin" eval "$hf/bert-f32" --similarity "$tmp/hfpairs.txt" --unseen subwords --json
expect_in "$tmp/out" "hf eval composes" '"from_subwords": 2'
run "hf plot" 0 "$bin" plot "$hf/llama-f16" --words cat,dog,playing,walked -o "$tmp/hf.svg"
expect_in "$tmp/out" "hf plot unseen" "(unseen, from subwords: playing, walked)"
run "hf convert ekv" 0 "$bin" convert "$hf/sharded" "$tmp/hf.ekv"
expect_in "$tmp/err" "hf convert ekv" "32 words x 8 + the tokenizer (unseen words compose from its pieces)"
run "hf converted composes" 0 "$bin" neighbors "$tmp/hf.ekv" households -k 1
expect_in "$tmp/out" "hf converted composes" "households (unseen: the mean of its pieces):  house"
run "hf convert vec" 0 "$bin" convert "$hf/sharded" "$tmp/hf.vec"
expect_in "$tmp/err" "hf convert vec" "the tokenizer is not written"

# train: a tiny run on the bundled corpus slice, fastText .bin output, checkpoint and resume.
head -c 200000 "$root/data/enwiki-5M.txt" >"$tmp/small.txt"
run "train" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/m.bin" --save-format fasttext --dim 8 --epochs 2 \
  --min-count 10 --bucket 1000 --threads 1 --checkpoint-every 1 --json
expect_in "$tmp/err" "train json corpus" '"event":"corpus"'
expect_in "$tmp/err" "train json checkpoint" '"event":"checkpoint"'
run "train model loads" 0 "$bin" info "$tmp/m.bin" --json
expect_in "$tmp/out" "train model format" '"format": "fasttext"'
expect_in "$tmp/out" "train model dim" '"dim": 8'
run "resume" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/m2.bin" --save-format fasttext --dim 8 --epochs 2 \
  --min-count 10 --bucket 1000 --threads 1 --resume "$tmp/m.bin.checkpoint" -q
cmp -s "$tmp/m.bin" "$tmp/m2.bin" && pass || fail "resuming a finished run changed the model"
run "train neg-power" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/np.ekv" --dim 8 --epochs 1 --min-count 10 \
  --bucket 1000 --threads 1 --neg-power 0.5 -q
run "train neg-power recorded" 0 "$bin" info "$tmp/np.ekv" --json
expect_in "$tmp/out" "train neg-power recorded" '"training.negative_power": "0.5"'
run "train bad neg-power" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --neg-power 2
expect_in "$tmp/err" "train bad neg-power" "neg-power: must be a number from 0 (all words alike) to 1 (in proportion to counts), not 2"
run "train bad lr" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --lr -1
expect_in "$tmp/err" "train bad lr" "--lr: must be a number above 0 and at most 10, not -1"
[ ! -e "$tmp/never.ekv" ] && pass || fail "failed training left an output file"

# neighbors: exact cosine/L2 on a known table, queries from arguments and from stdin.
printf 'cat 1 0 0\nkitten 0.9 0.1 0\ndog 0.5 0.5 0\ncar 0 0 1\n' >"$tmp/n.txt"
run "neighbors" 0 "$bin" neighbors "$tmp/n.txt" cat -k 2
expect_in "$tmp/out" "neighbors cosine" "cat:  kitten 0.994  dog 0.707"
# A word the model lacks fails the command, as in analogy and similarity (the others are answered).
run "neighbors unknown word" 1 "$bin" neighbors "$tmp/n.txt" zebra cat -k 1
expect_in "$tmp/err" "neighbors unknown word" "not in vocabulary (and the model has no subwords): zebra"
expect_in "$tmp/out" "neighbors answers the known words" "cat:  kitten"
run "neighbors l2" 0 "$bin" neighbors "$tmp/n.txt" cat -k 1 --similarity l2
expect_in "$tmp/out" "neighbors l2 distance" "cat:  kitten 0.141"
run "neighbors stdin" 0 bash -c "printf 'dog\n\nzebra car' | '$bin' neighbors '$tmp/n.txt' -k 1 --restrict 1 --json"
expect_in "$tmp/out" "neighbors stdin restrict" '{"neighbors":[{"score":0.7071067690849304,"word":"cat"}],"source":"in_vocabulary","word":"dog"}'
expect_in "$tmp/out" "neighbors unseen" '{"error":"not in vocabulary","word":"zebra"}'
expect_in "$tmp/out" "neighbors last line without newline" '"word":"car"'
run "neighbors bad similarity" 2 "$bin" neighbors "$tmp/n.txt" cat --similarity jaccard
expect_in "$tmp/err" "neighbors bad similarity" "--similarity: must be one of: cosine, dot, l2 (got jaccard)"

# serve: the HTTP API on a free port answers as neighbors does, refuses bad requests with JSON
# errors, and stops cleanly on SIGTERM.
"$bin" serve "toy=$tmp/n.txt" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
for _ in $(seq 50); do grep -q "http://" "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$tmp/serve.out" | cut -d: -f2)
fetch() {  # fetch URL [BODY]: prints "STATUS BODY"
  python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
data = sys.argv[2].encode() if len(sys.argv) > 2 else None
try:
    with urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=data), timeout=10) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}
api="http://127.0.0.1:$port/api/models/toy"
run "neighbors json for serve" 0 "$bin" neighbors "$tmp/n.txt" dog -k 2 --json
if [ "$(fetch "$api/neighbors?word=dog&k=2")" = "200 $(cat "$tmp/out")" ]; then pass; else fail "serve neighbors: $(fetch "$api/neighbors?word=dog&k=2") vs $(cat "$tmp/out")"; fi
fetch "$api/neighbors?word=zebra" >"$tmp/fetched"
expect_in "$tmp/fetched" "serve unknown word" "404 {\"error\":\"'zebra' is not in the vocabulary"
fetch "$api/neighbors?word=cat&k=x" >"$tmp/fetched"
expect_in "$tmp/fetched" "serve bad k" "400 {\"error\":\"'k' must be a whole number"
fetch "$api/neighbors" '{"positive": ["cat"], "k": 1}' >"$tmp/fetched"
expect_in "$tmp/fetched" "serve post" '200 {"neighbors":[{"score":0.9938837289810181,"word":"kitten"}]}'
fetch "http://127.0.0.1:$port/api/models/none/vector?word=cat" >"$tmp/fetched"
expect_in "$tmp/fetched" "serve unknown model" "404 {\"error\":\"no model named 'none'\"}"
kill -TERM "$serve_pid"
wait "$serve_pid" && pass || fail "serve did not exit cleanly on SIGTERM"

# plot: PCA maps as PNG (size in the IHDR) and SVG (one <text class="label"> per point).
printf 'king 1 0.9 0 0.1\nqueen 0.9 1 0.1 0\nman 1 0.2 0 0.3\nwoman 0.8 0.3 0.2 0\nparis 0 0.1 1 0.9\nberlin 0.1 0 0.9 1\nfrance 0 0.2 1 0.7\n' >"$tmp/p.txt"
run "plot png" 0 "$bin" plot "$tmp/p.txt" --words king,queen,man,woman --words paris,berlin,king -o "$tmp/map.png" \
  --width 640 --height 480
expect_in "$tmp/out" "plot summary" "wrote $tmp/map.png: 6 points in 2 groups, PCA explains"
[ "$(head -c 8 "$tmp/map.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && pass || fail "plot png signature"
[ "$(od -An -tx1 -j16 -N8 "$tmp/map.png" | tr -d ' \n')" = 00000280000001e0 ] && pass || fail "plot png size"
run "plot svg neighbors" 0 "$bin" plot "$tmp/p.txt" --words king --words paris --neighbors 2 -o "$tmp/map.svg" --json
expect_in "$tmp/out" "plot json points" '"points":6'
expect_in "$tmp/out" "plot json groups" '"groups":2'
[ "$(grep -o 'class="label"' "$tmp/map.svg" | wc -l)" -eq 6 ] && pass || fail "plot svg: not one label per point"
expect_in "$tmp/map.svg" "plot svg neighbour" '>queen</text>'
expect_in "$tmp/map.svg" "plot svg legend" '<text class="legend"'
run "plot unknown word" 1 "$bin" plot "$tmp/p.txt" --words king,zebra,yak -o "$tmp/never.png"
expect_in "$tmp/err" "plot unknown word" "(and the model has no subwords): zebra, yak"
[ ! -e "$tmp/never.png" ] && pass || fail "a failed plot left an output file"
run "plot bad extension" 2 "$bin" plot "$tmp/p.txt" --words king,queen -o "$tmp/map.jpg"
expect_in "$tmp/err" "plot bad extension" "'$tmp/map.jpg': the name must end in .png or .svg"
[ -z "$(ls "$tmp" | grep '\.tmp\.')" ] && pass || fail "plot left a temporary file"

# analogy, similarity, eval on a table where every answer is known.
printf 'man 1 0 0\nking 1 0 1\nwoman 0 1 0\nqueen 0 1 1\napple 0.7 0.7 -1\n' >"$tmp/a.txt"
run "analogy" 0 "$bin" analogy "$tmp/a.txt" man king woman -k 1
expect_in "$tmp/out" "analogy answer" "man : king :: woman : ?  queen 0.959"
run "analogy mul json" 0 bash -c "printf 'man king woman\nman king\n' | '$bin' analogy '$tmp/a.txt' --method mul -k 1 --json"
expect_in "$tmp/out" "analogy json" '"answers":[{"score":'
expect_in "$tmp/out" "analogy bad stdin line" "expected three words 'a b c', got \"man king\""
run "analogy unseen" 1 "$bin" analogy "$tmp/a.txt" man king zebra
expect_in "$tmp/err" "analogy unseen" "not in vocabulary (and the model has no subwords): zebra"
run "similarity" 0 "$bin" similarity "$tmp/a.txt" man king
expect_in "$tmp/out" "similarity" "man king 0.7071"
printf '# pairs\r\nman\tking\t8\r\nman woman 5\r\nking queen 6\r\nman zebra 1' >"$tmp/pairs.txt"
printf ': royals\nman king woman queen\nwoman queen man king\nman king zebra queen\n: gram-x\nman woman king apple\n' >"$tmp/q.txt"
run "eval" 0 "$bin" eval "$tmp/a.txt" --similarity "$tmp/pairs.txt" --analogy "$tmp/q.txt"
expect_in "$tmp/out" "eval similarity row" "pairs.txt                         4       3       1    1.0000    0.9111"
expect_in "$tmp/out" "eval analogy total" "total                                  4         3        2    66.67%"
run "eval json" 0 "$bin" eval "$tmp/a.txt" --analogy "$tmp/q.txt" --json
expect_in "$tmp/out" "eval json accuracy" '"accuracy": 0.6666666666666666'
run "eval nothing" 2 "$bin" eval "$tmp/a.txt"
expect_in "$tmp/err" "eval nothing" "nothing to evaluate"
printf 'man king\n' >"$tmp/badpairs.txt"
run "eval bad file" 1 "$bin" eval "$tmp/a.txt" --similarity "$tmp/badpairs.txt"
expect_in "$tmp/err" "eval bad file" "badpairs.txt:1: expected 'word1 word2 score', found 2 fields"

# compress: codecs, PCA, the report, and what the output can be.
run "compress int8" 0 "$bin" compress "$tmp/a.txt" "$tmp/a8.ekv" --codec int8 --similarity "$tmp/pairs.txt" --analogy "$tmp/q.txt" --neighbor-rows 0 --json
expect_in "$tmp/out" "compress json ratio" '"ratio":'
expect_in "$tmp/out" "compress json similarity" '"spearman_before": 1.0'
expect_in "$tmp/out" "compress json analogy" '"accuracy_before": 0.6666666666666666'
run "compress output reads back" 0 "$bin" info "$tmp/a8.ekv"
expect_in "$tmp/out" "compress info" "compression = int8 (per-row scale)"
run "compress output answers" 0 "$bin" analogy "$tmp/a8.ekv" man king woman -k 1
expect_in "$tmp/out" "compress analogy" "man : king :: woman : ?  queen"
run "compress report" 0 "$bin" compress "$tmp/a.txt" "$tmp/a16.ekv" --codec f16 --similarity "$tmp/pairs.txt" --neighbor-rows 0
expect_in "$tmp/out" "compress report size" "table  60 B -> 30 B  (2.0x smaller)"
expect_in "$tmp/out" "compress report similarity" "Spearman 1.0000 -> 1.0000 (+0.0000)"
run "compress pq subwords" 0 "$bin" compress "$tmp/m.bin" "$tmp/mpq.ekv" --codec pq --pq-m 4 --bits 4 --norms -q
run "compress pq unseen word" 0 "$bin" vectors "$tmp/mpq.ekv" zzzqqqx
expect_in "$tmp/err" "compress pq unseen word from subwords" "unseen, built from subwords: zzzqqqx"
[ "$(wc -w <"$tmp/out")" -eq 9 ] && pass || fail "compress pq: an unseen word's vector: $(cat "$tmp/out")"
run "compress pca only" 0 "$bin" compress "$tmp/a.txt" "$tmp/a2.vec" --codec f32 --dim 2 -q
[ "$(head -1 "$tmp/a2.vec")" = "5 2" ] && pass || fail "compress --dim 2: $(head -1 "$tmp/a2.vec")"
run "compress codes need .ekv" 2 "$bin" compress "$tmp/a.txt" "$tmp/a8.vec" --codec int8
expect_in "$tmp/err" "compress codes need .ekv" "name the output .ekv"
run "compress pq m must divide" 2 "$bin" compress "$tmp/a.txt" "$tmp/x.ekv" --codec pq --pq-m 2
expect_in "$tmp/err" "compress pq m must divide" "2 sub-vectors do not divide 3 dimensions"
run "compress dim too big" 2 "$bin" compress "$tmp/a.txt" "$tmp/x.ekv" --dim 4
expect_in "$tmp/err" "compress dim too big" "--dim 4: the vectors have 3 dimensions"
[ ! -e "$tmp/x.ekv" ] && pass || fail "compress wrote an output after an error"

# classify: train, test (table and JSON), predict (file and stdin), cv, errors.
for i in 1 2 3 4 5 6 7 8; do
  printf '__label__pos a great fun film\n__label__neg a dull boring mess\n__label__pos wonderful and great\n__label__neg boring , dull , bad\n'
done >"$tmp/cls.txt"
run "classify train" 0 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/cls.ekv" --epochs 20 --lr 0.5 --word-ngrams 2 --threads 1
expect_in "$tmp/err" "classify train summary" "wrote $tmp/cls.ekv: 2 labels"
run "classify test" 0 "$bin" classify test "$tmp/cls.ekv" "$tmp/cls.txt"
expect_in "$tmp/out" "classify test accuracy" "accuracy     1.0000"
expect_in "$tmp/out" "classify test confusion" "confusion (rows: gold, columns: predicted)"
run "classify test json" 0 "$bin" classify test "$tmp/cls.ekv" "$tmp/cls.txt" --json
expect_in "$tmp/out" "classify test json" '"accuracy": 1.0'
run "classify quantize" 0 "$bin" classify quantize "$tmp/cls.ekv" -o "$tmp/clsq.ekv" --cutoff 12 --retrain -i "$tmp/cls.txt" --qnorm --test "$tmp/cls.txt" --threads 1
expect_in "$tmp/out" "classify quantize summary" "wrote $tmp/clsq.ekv: 12 rows of"
expect_in "$tmp/out" "classify quantize accuracy" "-> 1.0000"
run "classify quantize test" 0 "$bin" classify test "$tmp/clsq.ekv" "$tmp/cls.txt" --json
expect_in "$tmp/out" "classify quantize keeps accuracy" '"accuracy": 1.0'
run "classify quantize json" 0 "$bin" classify quantize "$tmp/cls.ekv" -o "$tmp/clsq8.ekv" --codec int8 --json
expect_in "$tmp/out" "classify quantize json" '"codec": "int8 (per-row scale)"'
run "classify quantize retrain needs data" 2 "$bin" classify quantize "$tmp/cls.ekv" -o "$tmp/never.ekv" --retrain
expect_in "$tmp/err" "classify quantize retrain needs data" "give it with --input FILE"
run "classify quantize dsub" 2 "$bin" classify quantize "$tmp/cls.ekv" -o "$tmp/never.ekv" --dsub 3
expect_in "$tmp/err" "classify quantize dsub" "dsub 3 (values per code) does not divide the model's 100 dimensions"
run "classify predict stdin" 0 bash -c "printf 'great fun\n\nboring mess\n' | '$bin' classify predict '$tmp/cls.ekv' --prob -k 2"
expect_in "$tmp/out" "classify predict pos" "__label__pos 0."
[ "$(sed -n 2p "$tmp/out")" = "" ] && [ "$(wc -l <"$tmp/out")" -eq 3 ] && pass ||
  fail "classify predict: an empty line must get an empty answer, got: $(head -3 "$tmp/out")"
printf 'great fun\n\nboring mess\n' >"$tmp/predict.txt"
run "classify predict file" 0 "$bin" classify predict "$tmp/cls.ekv" "$tmp/predict.txt"
[ "$(sed -n 2p "$tmp/out")" = "" ] && [ "$(wc -l <"$tmp/out")" -eq 3 ] && pass ||
  fail "classify predict file: an empty line must get an empty answer, got: $(head -3 "$tmp/out")"
# SST-2's stsa files put the gold label first: predict refuses to read it as a word, as train does.
printf '1 great fun\n0 boring mess\n' >"$tmp/label_first.txt"
run "classify predict label-first guess" 1 "$bin" classify predict "$tmp/cls.ekv" "$tmp/label_first.txt"
expect_in "$tmp/err" "classify predict label-first guess" 'cannot tell whether the leading "1" is a label'
run "classify predict label-first" 0 "$bin" classify predict "$tmp/cls.ekv" "$tmp/label_first.txt" --format label-first
[ "$(cat "$tmp/out")" = "$(printf '__label__pos\n__label__neg')" ] && pass || fail "classify predict label-first: $(cat "$tmp/out")"
# serve again, with a classifier: analogies, similarities and predictions equal the CLI's; the
# explorer page is served; a map has a point per word.
"$bin" serve "toy=$tmp/a.txt" "sentiment=$tmp/cls.ekv" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
for _ in $(seq 50); do grep -q "http://" "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o '127.0.0.1:[0-9]*' "$tmp/serve.out" | cut -d: -f2)
same_answers() {  # same_answers NAME URL CLI-COMMAND...: the API's JSON equals the CLI's on the fields they share
  local name=$1 url=$2
  shift 2
  "$@" >"$tmp/cli.json" 2>"$tmp/err" || { fail "$name: the CLI failed: $(cat "$tmp/err")"; return; }
  if python3 - "$url" "$tmp/cli.json" <<'PY'; then pass; else fail "$name"; fi
import json, sys, urllib.request
api = json.load(urllib.request.urlopen(sys.argv[1], timeout=10))
cli = json.load(open(sys.argv[2]))
shared = {"answers": "answers", "cosine": "similarity"}
checked = 0
for c, a in shared.items():
    if c in cli:
        checked += 1
        if cli[c] != api[a]:
            sys.exit(f"CLI {c}={cli[c]} but API {a}={api[a]}")
sys.exit(0 if checked else "nothing to compare")
PY
}
same_answers "serve analogy = analogy" "http://127.0.0.1:$port/api/models/toy/analogy?a=man&b=king&c=woman&k=2" \
  "$bin" analogy "$tmp/a.txt" man king woman -k 2 --json
same_answers "serve analogy mul = analogy" "http://127.0.0.1:$port/api/models/toy/analogy?a=man&b=king&c=woman&k=3&method=mul" \
  "$bin" analogy "$tmp/a.txt" man king woman -k 3 --method mul --json
same_answers "serve similarity = similarity" "http://127.0.0.1:$port/api/models/toy/similarity?a=man&b=king" \
  "$bin" similarity "$tmp/a.txt" man king --json
run "classify predict for serve" 0 bash -c "printf 'great fun\nboring , dull\n' | '$bin' classify predict '$tmp/cls.ekv' --prob -k 2"
python3 - "http://127.0.0.1:$port/api/classifiers/sentiment/predict" "$tmp/out" <<'PY' && pass || fail "serve predict = classify predict"
import json, sys, urllib.request
lines = open(sys.argv[2]).read().split("\n")[:2]
body = json.dumps({"texts": ["great fun", "boring , dull"], "k": 2}).encode()
api = json.load(urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=body), timeout=10))["predictions"]
assert len(api) == 2 and all(lines), (lines, api)
for line, labels in zip(lines, api):
    fields = line.split()
    cli = [(fields[i].removeprefix("__label__"), float(fields[i + 1])) for i in range(0, len(fields), 2)]
    got = [(l["label"], round(l["probability"], 6)) for l in labels]
    assert cli == got, (cli, got)
PY
fetch "http://127.0.0.1:$port/api/models/toy/projection?words=man,king,woman,queen&dims=3" >"$tmp/fetched"
python3 -c "import json,sys; s,b=open(sys.argv[1]).read().split(' ',1); j=json.loads(b); assert s=='200' and len(j['points'])==4 and len(j['points'][0]['coordinates'])==3, b" \
  "$tmp/fetched" && pass || fail "serve projection: $(cat "$tmp/fetched")"
fetch "http://127.0.0.1:$port/" >"$tmp/fetched"
expect_in "$tmp/fetched" "serve page" '<title>embedkit explorer</title>'
python3 - "http://127.0.0.1:$port/api/health" <<'PY' && pass || fail "serve: a foreign Host header must get 403, HEAD a 200"
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers={"Host": "attacker.example:80"}), timeout=10)
    sys.exit("a foreign Host was answered")
except urllib.error.HTTPError as e:
    assert e.code == 403 and b"not this server" in e.read(), e.code
assert urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="HEAD"), timeout=10).status == 200
assert urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers={"Host": "localhost:1"}), timeout=10).status == 200
PY
fetch "http://127.0.0.1:$port/api/classifiers/sentiment/predict" '{"texts": "x"}' >"$tmp/fetched"
expect_in "$tmp/fetched" "serve predict bad body" "400 {\"error\":\"'texts' must be a list of strings\"}"
kill -INT "$serve_pid"
wait "$serve_pid" && pass || fail "serve did not exit cleanly on SIGINT"

# The mini-batch optimizers, through the layer; their default learning rates.
run "classify train adam" 0 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/cls_adam.ekv" --optimizer adam --batch-size 4 --epochs 20 --word-ngrams 2 --json
expect_in "$tmp/err" "classify train adam default lr" '"optimizer":"adam"'
expect_in "$tmp/err" "classify train adam lr" '"lr":0.01'
run "classify test adam" 0 "$bin" classify test "$tmp/cls_adam.ekv" "$tmp/cls.txt"
expect_in "$tmp/out" "classify test adam accuracy" "accuracy     1.0000"
run "classify train transformer" 0 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/cls_tr.ekv" --encoder transformer --dim 16 --layers 1 --epochs 20 --lr 0.003 --batch-size 4 --threads 1 --json
expect_in "$tmp/err" "classify train transformer json" '"encoder":"transformer"'
run "classify test transformer" 0 "$bin" classify test "$tmp/cls_tr.ekv" "$tmp/cls.txt"
expect_in "$tmp/out" "classify test transformer accuracy" "accuracy     1.0000"
run "classify predict transformer" 0 bash -c "printf 'great fun\nboring mess\n' | '$bin' classify predict '$tmp/cls_tr.ekv'"
expect_in "$tmp/out" "classify predict transformer" "__label__neg"
run "classify transformer summary" 0 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/cls_tr2.ekv" --encoder transformer --dim 20 --epochs 1 --threads 1
expect_in "$tmp/err" "classify transformer summary" "(transformer: 2 layers of 5 heads, rope positions; AdamW + lazy Adam, lr 0.001)"
run "classify transformer checkpoint" 0 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/cls_tr3.ekv" --encoder transformer --dim 16 --layers 1 --epochs 2 --threads 1 --checkpoint "$tmp/cls_ckpt.ekv" -q
[ -s "$tmp/cls_ckpt.ekv" ] && pass || fail "classify transformer wrote no checkpoint"
run "classify transformer resume" 0 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/cls_tr4.ekv" --resume "$tmp/cls_ckpt.ekv" -q
printf '__label__pos great fun\n__label__neg dull\n' >"$tmp/cls_other.txt"
run "classify resume other data" 2 "$bin" classify train -i "$tmp/cls_other.txt" -o "$tmp/never.ekv" --resume "$tmp/cls_ckpt.ekv"
expect_in "$tmp/err" "classify resume other data" "resume on the same data"
run "classify bag checkpoint" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/never.ekv" --checkpoint "$tmp/x_ckpt.ekv"
expect_in "$tmp/err" "classify bag checkpoint" "--checkpoint is the Transformer's"
cp "$tmp/cls.txt" "$tmp/cls.txt.copy"
run "classify checkpoint over a foreign file" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/never.ekv" --encoder transformer --checkpoint "$tmp/cls.txt.copy" --epochs 1
expect_in "$tmp/err" "classify checkpoint over a foreign file" "exists and is not such a checkpoint"
run "classify transformer bigrams" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/never.ekv" --encoder transformer --word-ngrams 2
expect_in "$tmp/err" "classify transformer bigrams" "n-gram features (--word-ngrams, --maxn) are the bag's"
run "classify transformer heads" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/never.ekv" --encoder transformer --dim 16 --heads 3
expect_in "$tmp/err" "classify transformer heads" "3 heads do not divide the width 16"
run "classify transformer quantize" 2 "$bin" classify quantize "$tmp/cls_tr.ekv" -o "$tmp/never.ekv"
expect_in "$tmp/err" "classify transformer quantize" "a Transformer classifier cannot be quantized yet"
# pretrain and encode: a small encoder, each token's vector in its sentence, files refused.
for i in $(seq 1 30); do echo "the river bank was full of water and fish"; echo "the bank gave her a loan of money"; done >"$tmp/mlm.txt"
run "pretrain" 0 "$bin" pretrain -i "$tmp/mlm.txt" -o "$tmp/enc.ekv" --dim 16 --layers 1 --min-count 1 --max-length 8 --epochs 2 --threads 1 --checkpoint "$tmp/enc_ckpt.ekv"
expect_in "$tmp/err" "pretrain summary" "wrote $tmp/enc.ekv: 16 words x 16, 1 layers of 4 heads, rope positions, windows of 8"
[ -s "$tmp/enc_ckpt.ekv" ] && pass || fail "pretrain wrote no checkpoint"
run "pretrain resume" 0 "$bin" pretrain -i "$tmp/mlm.txt" -o "$tmp/enc2.ekv" --resume "$tmp/enc_ckpt.ekv" --json
expect_in "$tmp/err" "pretrain resume settings" "resuming $tmp/enc_ckpt.ekv after epoch 2 of 2"
run "pretrain checkpoint = input" 2 "$bin" pretrain -i "$tmp/mlm.txt" -o "$tmp/never.ekv" --checkpoint "$tmp/mlm.txt"
run "encode" 0 "$bin" encode "$tmp/enc.ekv" the river bank zebra --precision 2
[ "$(wc -l <"$tmp/out")" -eq 4 ] && pass || fail "encode: one line a token"
expect_in "$tmp/out" "encode unknown" "zebra (unknown)"
run "encode json" 0 bash -c "printf 'the bank\nriver water\n' | '$bin' encode '$tmp/enc.ekv' --json"
expect_in "$tmp/out" "encode json" '{"known":[true,true],"tokens":["the","bank"],"vectors":[['
run "encode npy" 0 "$bin" encode "$tmp/enc.ekv" "the bank" --npy "$tmp/bank.npy"
expect_in "$tmp/err" "encode npy" "wrote $tmp/bank.npy: 2 tokens x 16"
run "encode npy needs text" 2 "$bin" encode "$tmp/enc.ekv" --npy "$tmp/never.npy"
run "encode not an encoder" 1 "$bin" encode "$tmp/cls.ekv" "the bank"
expect_in "$tmp/err" "encode not an encoder" "not an embedkit encoder"
run "classify from encoder" 0 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/cls_enc.ekv" --encoder transformer --pretrained "$tmp/enc.ekv" --epochs 2 --threads 1
expect_in "$tmp/err" "classify from encoder" "the encoder starts from $tmp/enc.ekv's"
run "classify bad optimizer" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/x.ekv" --optimizer adamw
expect_in "$tmp/err" "classify bad optimizer" "--optimizer: must be one of: sgd, adagrad, adam (got adamw; did you mean adam?)"
run "classify cv" 0 "$bin" classify cv -i "$tmp/cls.txt" --folds 4 --epochs 20 --lr 0.5 --json
expect_in "$tmp/out" "classify cv json" '"fold_accuracy":[1.0,1.0,1.0,1.0]'
printf '__label__pos fine\nno label\n' >"$tmp/cls_bad.txt"
run "classify no label" 1 "$bin" classify train -i "$tmp/cls_bad.txt" -o "$tmp/cls_bad.ekv"
expect_in "$tmp/err" "classify no label" "cls_bad.txt:2: no label (no token starts with '__label__')"
[ ! -e "$tmp/cls_bad.ekv" ] || { echo "FAIL: a model was written after an error"; failures=$((failures + 1)); }
printf '__label__pos caf\xe9\n__label__neg bad\n' >"$tmp/cls_latin.txt"
run "classify bad encoding" 1 "$bin" classify train -i "$tmp/cls_latin.txt" -o "$tmp/x.ekv"
expect_in "$tmp/err" "classify bad encoding" "pass --encoding cp1252"
run "classify cp1252" 0 "$bin" classify train -i "$tmp/cls_latin.txt" -o "$tmp/x.ekv" --encoding cp1252 -q
run "classify not a model" 1 "$bin" classify test "$tmp/a.txt" "$tmp/cls.txt"
expect_in "$tmp/err" "classify not a model" "not an embedkit classifier"
run "classify freeze without vectors" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/x.ekv" --freeze
expect_in "$tmp/err" "classify freeze" "need --pretrained"

# Usage errors a person can act on (exit status 2): an unknown option or command names the closest
# real one, a value outside a list names the choices; the typo is reported before what it caused.
run "unknown option" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --treads 2
expect_in "$tmp/err" "unknown option" "embedkit: error: unknown option --treads; did you mean --threads?"
expect_in "$tmp/err" "unknown option names the help to read" "Run 'embedkit train --help' for its options and examples."
run "unknown option=value" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --treads=2
expect_in "$tmp/err" "unknown option=value" "unknown option --treads; did you mean --threads?"
run "mistyped required option" 2 "$bin" classify train --inptu "$tmp/cls.txt" -o "$tmp/never.ekv"
expect_in "$tmp/err" "mistyped required option" "unknown option --inptu; did you mean --input?"
run "unknown option, nothing close" 2 "$bin" neighbors "$tmp/n.txt" cat --frobnicate
expect_in "$tmp/err" "unknown option, nothing close" "embedkit: error: unknown option --frobnicate"
if grep -q "did you mean" "$tmp/err"; then fail "a suggestion for a name close to nothing"; else pass; fi
run "unknown command" 2 "$bin" trian -i "$tmp/small.txt"
expect_in "$tmp/err" "unknown command" "embedkit: error: unknown command 'trian'; did you mean 'train'?"
run "unknown subcommand" 2 "$bin" classify tset "$tmp/cls.ekv" "$tmp/cls.txt"
expect_in "$tmp/err" "unknown subcommand" "unknown command 'classify tset'; did you mean 'classify test'?"
run "unknown command, nothing close" 2 "$bin" frobnicate
expect_in "$tmp/err" "unknown command, nothing close" "commands: vocab, tokenize, tokenizer, info, convert"
run "group without a command" 2 "$bin" vocab
expect_in "$tmp/err" "group without a command" "'embedkit vocab' needs a command: build or info"
run "bad choice" 2 "$bin" tokenize --text "a b" --split wrds
expect_in "$tmp/err" "bad choice" "embedkit: error: --split: must be one of: whitespace, words (got wrds; did you mean words?)"
run "bad choice, nothing close" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --model glove
expect_in "$tmp/err" "bad choice, nothing close" "--model: must be one of: skipgram, cbow (got glove)"
run "choice alias" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/sg.ekv" --model SG --dim 8 --epochs 1 --min-count 10 --bucket 1000 --threads 1 -q
run "choices in help" 0 "$bin" eval --help
expect_in "$tmp/out" "choices in help" "--unseen skip|subwords|zero=skip"

# Careless users and hostile input.
# Every numeric option of every command has a range, shown in --help, and refuses -1 (unsigned
# options used to read it as 2^64 - 1: --epochs -1 trained forever) with exit status 2.
checked=0
for cmd in "vocab build" "vocab info" "tokenize" "info" "convert" "vectors" "train" "neighbors" "analogy" "similarity" "eval" "plot" "classify train" "classify test" "classify predict" "classify cv"; do
  # shellcheck disable=SC2086
  help=$("$bin" $cmd --help)
  if grep -qE '^ +-[^ ]+ (UINT|INT|FLOAT|N)(=| |$)' <<<"$help"; then fail "$cmd: a numeric option without a range in --help"; fi
  for opt in $(grep -oE '^ +-[^ ,]+(,--[^ ]+)? (UINT|INT|FLOAT|N):' <<<"$help" | awk '{print $1}' | sed 's/.*,//'); do
    # shellcheck disable=SC2086
    run "$cmd $opt -1" 2 "$bin" $cmd "$opt" -1 && expect_in "$tmp/err" "$cmd $opt -1" "$opt: must be a"
    checked=$((checked + 1))
  done
done
[ "$checked" -ge 60 ] && pass || fail "only $checked numeric options found in --help"
run "classify epochs -1" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/x.ekv" --epochs -1
expect_in "$tmp/err" "classify epochs -1" "--epochs: must be a whole number from 1 to 100000, not -1"
run "train threads 1000" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --threads 1000
expect_in "$tmp/err" "train threads 1000" "--threads: must be a whole number from 0 to 256, not 1000"
run "octal-looking number" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --dim 010
expect_in "$tmp/err" "octal-looking number" "not 010 (write it without leading zeros)"
expect_in <("$bin" train --help) "threads cap in help" "Worker threads (0 = all cores; at most 256)"
# Errors in values found after parsing are usage errors too (2); a word the model lacks is not.
run "tokenize bos without entry" 2 "$bin" tokenize --text "a b" --vocab "$tmp/v2.tsv" --bos
run "analogy unseen is 1" 1 "$bin" analogy "$tmp/a.txt" man king zebra

# Threads the system refuses: an error naming --threads, not std::terminate (exit 134). Under an
# address-space limit, 256 thread stacks of 8 MB cannot all be mapped. (Not with ASan, whose
# shadow memory needs more address space than any limit that bites.)
if ! grep -qa __asan_init "$bin"; then
  run "train threads refused" 1 bash -c "ulimit -v 500000; exec '$bin' train -i '$tmp/small.txt' -o '$tmp/never.ekv' --dim 8 --epochs 1 --min-count 10 --bucket 1000 --threads 256 -q"
  expect_in "$tmp/err" "train threads refused" "cannot start 256 threads: "
  expect_in "$tmp/err" "train threads refused" "; use --threads with a smaller number"
  for i in $(seq 80); do cat "$tmp/cls.txt"; done >"$tmp/cls_big.txt"
  run "classify threads refused" 1 bash -c "ulimit -v 500000; exec '$bin' classify train -i '$tmp/cls_big.txt' -o '$tmp/never.ekv' --threads 256 -q"
  expect_in "$tmp/err" "classify threads refused" "cannot start 256 threads: "
  [ ! -e "$tmp/never.ekv" ] && pass || fail "a failed thread start left an output file"
fi

# An output that is an input is refused (by device and inode: other spellings and hard links too).
cp "$tmp/small.txt" "$tmp/corpus2.txt"
ln "$tmp/corpus2.txt" "$tmp/corpus2-link.txt"
quick_train=(--dim 8 --epochs 1 --min-count 10 --bucket 1000 --threads 1 -q)
# The output format follows the extension, as in convert: native bytes never land in a .vec.
run "train to .vec" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/ext.vec" --dim 8 --epochs 1 --min-count 10 --bucket 1000 --threads 1
head -c 20 "$tmp/ext.vec" | grep -qE '^[0-9]+ 8' && pass || fail "train -o x.vec did not write word2vec text: $(head -c 20 "$tmp/ext.vec" | od -c | head -2)"
expect_in "$tmp/err" "train to .vec names what it dropped" "the buckets are not written"
run "train .vec with native" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.vec" --save-format native "${quick_train[@]}"
expect_in "$tmp/err" "train .vec with native" "names the word2vec format but --save-format is native"
# The text settings travel with the vectors: a lowercased model reads "THE" as "the".
run "train lowercased" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/lower.ekv" --lower --maxn 0 --dim 8 --epochs 1 --min-count 10 --threads 1 -q
run "lowercased model: query lowercased" 0 "$bin" neighbors "$tmp/lower.ekv" THE -k 2
expect_in "$tmp/out" "lowercased model: query lowercased" "THE:"
run "lowercased model: similarity" 0 "$bin" similarity "$tmp/lower.ekv" THE Of
run "train as is" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/asis.ekv" --maxn 0 --dim 8 --epochs 1 --min-count 10 --threads 1 -q
run "model as is: no lowercasing" 1 "$bin" neighbors "$tmp/asis.ekv" THE -k 2
run "train glove to .txt" 0 "$bin" train -i "$tmp/small.txt" -o "$tmp/glove.txt" --save-format glove "${quick_train[@]}"
run "train unknown extension" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.model" "${quick_train[@]}"
expect_in "$tmp/err" "train unknown extension" "cannot tell which format to write"
run "convert subwords to .vec" 0 "$bin" convert "$tmp/m.bin" "$tmp/m.vec"
expect_in "$tmp/err" "convert to .vec says the buckets are not written" "the buckets are not written"
run "train output = input" 2 "$bin" train -i "$tmp/corpus2.txt" -o "$tmp/corpus2-link.txt" "${quick_train[@]}"
expect_in "$tmp/err" "train output = input" "is the same file as --input"
run "vocab build output = input" 2 bash -c "cd '$tmp' && '$bin' vocab build -i corpus2.txt -o ./corpus2.txt -q"
run "classify output = input" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/./cls.txt" -q
run "checkpoint = input" 2 "$bin" train -i "$tmp/corpus2.txt" -o "$tmp/never.ekv" --checkpoint-every 1 --checkpoint "$tmp/corpus2.txt" "${quick_train[@]}"
cmp -s "$tmp/small.txt" "$tmp/corpus2.txt" && pass || fail "the corpus was overwritten"
[ "$(head -1 "$tmp/cls.txt")" = "__label__pos a great fun film" ] && pass || fail "the training data was overwritten"
run "checkpoint = output" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/new.ekv" --checkpoint-every 1 --checkpoint "$tmp/./new.ekv" "${quick_train[@]}"
expect_in "$tmp/err" "checkpoint = output" "is the same file as --output"
echo "my notes" >"$tmp/notes.txt"
run "checkpoint over a foreign file" 2 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --checkpoint-every 1 --checkpoint "$tmp/notes.txt" "${quick_train[@]}"
expect_in "$tmp/err" "checkpoint over a foreign file" "notes.txt exists and is not an embedkit checkpoint"
[ "$(cat "$tmp/notes.txt")" = "my notes" ] && pass || fail "a checkpoint replaced a file that was not one"
cp "$tmp/g.txt" "$tmp/same.txt"
run "convert onto itself" 0 "$bin" convert "$tmp/same.txt" "$tmp/same.txt" --to glove -q
cmp -s "$tmp/g.txt" "$tmp/same.txt" && pass || fail "converting a file onto itself changed it"

# --resume checks the text, not only its length: two letters swapped keep every token count.
tr 'ae' 'ea' <"$tmp/small.txt" >"$tmp/swapped.txt"
run "resume other text" 2 "$bin" train -i "$tmp/swapped.txt" -o "$tmp/never.bin" --save-format fasttext --dim 8 --epochs 2 \
  --min-count 10 --bucket 1000 --threads 1 --resume "$tmp/m.bin.checkpoint" -q
expect_in "$tmp/err" "resume other text" "swapped.txt is not the text the checkpointed run read"

# --min-count above every count: an error, not a one-word model.
run "classify min-count too high" 2 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp/never.ekv" --min-count 1000
expect_in "$tmp/err" "classify min-count too high" "no word occurs at least 1000 times (--min-count); the most frequent, "

# Sums of counts near 2^64 do not wrap.
printf 'a\t18446744073709551615\nb\t18446744073709551615\nc\t5\n' >"$tmp/huge.tsv"
run "vocab info huge counts" 0 "$bin" vocab info "$tmp/huge.tsv"
expect_in "$tmp/out" "vocab info huge counts" "tokens counted: 36,893,488,147,419,103,235; 100.00% map to a word"

# Words cannot drive the terminal: control characters are shown escaped in human-readable output;
# pipes of tokens get the bytes unchanged, a terminal gets them escaped.
esc=$(printf 'zz\033[2J')
run "neighbors escapes" 1 "$bin" neighbors "$tmp/n.txt" "$esc"
expect_in "$tmp/err" "neighbors escapes" 'not in vocabulary (and the model has no subwords): zz\x1b[2J'
if grep -q $'\033' "$tmp/out"; then fail "neighbors printed a raw ESC"; else pass; fi
# Labels may not hold control characters (a model could not hold them); bidirectional controls,
# which reorder what a terminal shows after them, are escaped.
printf '__label__pos\033]0;pwned\007 a great fun film\n__label__neg a dull boring mess\n' >"$tmp/cls_esc.txt"
run "classify control label" 1 "$bin" classify train -i "$tmp/cls_esc.txt" -o "$tmp/never.ekv" -q
expect_in "$tmp/err" "classify control label" 'cls_esc.txt:1: label "pos\x1b]0;pwned\x07": word'
printf '__label__pos\342\200\256evil a great fun film\n__label__neg a dull boring mess\n' >"$tmp/cls_bidi.txt"
run "classify bidi label" 0 "$bin" classify train -i "$tmp/cls_bidi.txt" -o "$tmp/cls_bidi.ekv" -q
run "classify test escapes" 0 "$bin" classify test "$tmp/cls_bidi.ekv" "$tmp/cls_bidi.txt"
expect_in "$tmp/out" "classify test escapes" 'pos\u202eevil'
printf '\342\200\256evil\t3\nc\t2\n' >"$tmp/bidi.tsv"
run "vocab info escapes" 0 "$bin" vocab info "$tmp/bidi.tsv"
expect_in "$tmp/out" "vocab info escapes" '\u202eevil'
bidi=$(printf 'a\342\200\256b')
run "tokenize pipe raw" 0 "$bin" tokenize --text "$bidi"
[ "$(cat "$tmp/out")" = "$bidi" ] && pass || fail "tokenize into a pipe changed the bytes"
if command -v script >/dev/null; then
  run "tokenize terminal escapes" 0 script -qec "'$bin' tokenize --text '$bidi'" /dev/null
  expect_in "$tmp/out" "tokenize terminal escapes" 'a\u202eb'
fi

# info --verify reads every byte: a changed value in a mapped .ekv is found there (opening reads no row).
printf 'x 1 2\n' >"$tmp/one.txt"
run "verify: write" 0 "$bin" convert "$tmp/one.txt" "$tmp/one.ekv" -q
run "verify: intact" 0 "$bin" info "$tmp/one.ekv" --verify
expect_in "$tmp/out" "verify: intact" "verified: every byte read: checksums match, all values finite"
tensor_at=$(od -An -t u8 -j 128 -N 8 "$tmp/one.ekv" | tr -d ' ')
printf '\x7f' | dd of="$tmp/one.ekv" bs=1 seek="$((tensor_at + 3))" conv=notrunc status=none
run "verify: opening does not read rows" 0 "$bin" info "$tmp/one.ekv"
run "verify: a changed value" 1 "$bin" info "$tmp/one.ekv" --verify
expect_in "$tmp/err" "verify: a changed value" "the vectors do not match their checksum: the file is corrupt"

# '-' is standard output where the output can be streamed, refused elsewhere; never a file named '-'.
run "convert to -" 0 bash -c "cd '$tmp' && '$bin' convert g.txt - --to glove -q | cat"
cmp -s "$tmp/g.txt" "$tmp/out" && pass || fail "convert to - did not print the vectors"
printf 'kept\n' >"$tmp/appended.txt"
(cd "$tmp" && "$bin" convert g.txt - --to glove -q >>appended.txt)
{ printf 'kept\n'; cat "$tmp/g.txt"; } | cmp -s - "$tmp/appended.txt" && pass || fail "convert to - >> file did not append"
run "convert to /dev/stdout through a pipe" 0 bash -c "cd '$tmp' && '$bin' convert one.txt /dev/stdout --to glove -q | cat"
cmp -s "$tmp/one.txt" "$tmp/out" && pass || fail "convert to /dev/stdout through a pipe"
run "convert to /dev/null" 0 "$bin" convert "$tmp/one.txt" /dev/null --to glove -q
[ -c /dev/null ] && pass || fail "/dev/null is no longer a character device"
run "convert to /dev/full" 1 "$bin" convert "$tmp/one.txt" /dev/full --to glove -q
expect_in "$tmp/err" "convert to /dev/full" "No space left on device"
run "convert to - needs --to" 2 bash -c "cd '$tmp' && '$bin' convert g.txt -"
expect_in "$tmp/err" "convert to - needs --to" "pass --to"
run "vocab build to -" 0 bash -c "cd '$tmp' && '$bin' vocab build -i corpus.txt -o - --min-count 1 --split words --lower | cat"
cmp -s "$tmp/v.tsv" "$tmp/out" && pass || fail "vocab build -o - did not print the vocabulary"
expect_in "$tmp/err" "vocab build to - summary on stderr" "wrote standard output (10 entries)"
run "train to -" 2 bash -c "cd '$tmp' && '$bin' train -i small.txt -o - ${quick_train[*]}"
expect_in "$tmp/err" "train to -" "give a file name"
[ ! -e "$tmp/-" ] && pass || fail "a file named '-' was written"

# sweep-dim: one line per size, a plot whose points say their size.
printf 'the of 9\nthe and 7\nof in 5\nand a 3\nin to 2\n' >"$tmp/frequent_pairs.txt"
run "sweep-dim" 0 "$bin" sweep-dim -i "$tmp/small.txt" --dims 4,8 --analogy "$tmp/q.txt" --similarity "$tmp/frequent_pairs.txt" --plot "$tmp/sweep.svg" --json --epochs 1 --min-count 10 --maxn 0 --threads 1
[ "$(grep -c '"dim":' "$tmp/out")" -eq 2 ] && pass || fail "sweep-dim json lines: $(cat "$tmp/out")"
expect_in "$tmp/sweep.svg" "sweep-dim plot labels" '>d=8 ('
run "sweep-dim needs a measure" 2 "$bin" sweep-dim -i "$tmp/small.txt" --dims 4
expect_in "$tmp/err" "sweep-dim needs a measure" "nothing to measure"

# An unwritable output fails before any work, naming the path.
run "train unwritable" 1 "$bin" train -i "$tmp/small.txt" -o "$tmp/no-such-dir/v.ekv" --json "${quick_train[@]}"
expect_in "$tmp/err" "train unwritable" "cannot write --output '$tmp/no-such-dir/v.ekv': there is no directory"
if grep -q '"event":"corpus"' "$tmp/err"; then fail "train read the corpus before finding the output unwritable"; else pass; fi
run "classify output is a directory" 1 "$bin" classify train -i "$tmp/cls.txt" -o "$tmp" -q
expect_in "$tmp/err" "classify output is a directory" "it is a directory"
run "checkpoint unwritable" 1 "$bin" train -i "$tmp/small.txt" -o "$tmp/never.ekv" --checkpoint-every 1 --checkpoint "$tmp/corpus.txt/ckpt" "${quick_train[@]}"
expect_in "$tmp/err" "checkpoint unwritable" "is not a directory"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
