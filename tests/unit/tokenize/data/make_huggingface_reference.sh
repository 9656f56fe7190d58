#!/usr/bin/env bash
# Remakes hf-*.json and hf-reference.jsonl (see make_huggingface_reference.js), and
# hf-rules-reference.jsonl (make_huggingface_rules.js, the variants in hf-rules.json), with the npm package
# `tokenizers` (Hugging Face's Rust library for Node; 0.23.2 made the files here):
#   tests/unit/tokenize/data/make_huggingface_reference.sh
# Training text: the first 5,000 lines of the shared enwiki corpus. Held-out text: 100 lines from
# far into it (the tokenizers never saw them) and the hand-written lines of hostile_lines.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/../../../../../shared/data/corpus/enwiki/enwiki-17M.txt.xz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent tokenizers@0.23.2 >/dev/null)
set +o pipefail  # head closes the pipe early
xz -dc "$corpus" | head -n 5000 >"$work/train.txt"
{ xz -dc "$corpus" | sed -n '300000,300400p' | grep -v '^$' | head -n 100; cat "$here/hostile_lines.txt"; } >"$work/heldout.txt"
set -o pipefail
NODE_PATH=$work/node_modules node "$here/make_huggingface_reference.js" "$work/train.txt" "$work/heldout.txt" "$here"
# The rules: variants of those files (hf-rules.json) on 6 held-out lines and the hand-written ones.
{ head -n 6 "$work/heldout.txt"; cat "$here/hostile_lines.txt"; } >"$work/rules.txt"
NODE_PATH=$work/node_modules node "$here/make_huggingface_rules.js" "$work/rules.txt" "$here"
