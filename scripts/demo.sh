#!/usr/bin/env bash
# The demo behind `make demo`: the first arrow of the pipeline, text -> tokens -> ids, on the
# bundled Wikipedia slice. Expects the release build (make demo builds it first).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=build/release/tools/embedkit/embedkit
corpus=data/enwiki-5M.txt
out=build/demo
mkdir -p "$out"
text_flags=(--split words --lower)

echo "== 1. Count a vocabulary: $corpus (English Wikipedia, CC BY-SA), lowercased, punctuation split"
"$bin" vocab build --input "$corpus" --output "$out/vocab.tsv" --min-count 5 "${text_flags[@]}"

echo
echo "== 2. What the vocabulary covers"
"$bin" vocab info "$out/vocab.tsv" --top 12

sentence="Anarchism is a political philosophy that advocates self-governed, stateless societies and blockchains."
echo
echo "== 3. Text -> tokens -> ids -> text"
echo "text:    $sentence"
echo "tokens:  $("$bin" tokenize --text "$sentence" "${text_flags[@]}")"
"$bin" tokenize --text "$sentence" "${text_flags[@]}" --vocab "$out/vocab.tsv" > "$out/ids.txt"
echo "ids:     $(cat "$out/ids.txt")    (1 = <unk>)"
echo "decoded: $("$bin" tokenize --vocab "$out/vocab.tsv" --decode "$out/ids.txt")"
echo
echo "Vocabulary written to $out/vocab.tsv. Try: $bin tokenize --help"
