#!/usr/bin/env bash
# The demo behind `make demo`, on the bundled Wikipedia slice: text -> tokens -> ids, then word
# vectors learned from it (skip-gram with subwords, about half a minute on two cores), their
# nearest neighbours (unseen words included), analogies, an evaluation on WordSim-353 and the
# Google analogies, and a map. Expects the release build (make demo builds it first).
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
echo "== 4. Learn vectors: skip-gram, 100 dims, character 3..6-grams, 10 epochs"
"$bin" train --input "$corpus" --output "$out/vectors.ekv" "${text_flags[@]}" --epochs 10

echo
echo "== 5. Nearest neighbours by cosine (the last two words are not in the vocabulary:"
echo "      their vectors come from their character n-grams)"
"$bin" neighbors "$out/vectors.ekv" -k 6 france music computer anarchism philosophize anarchisms


echo
echo "== 6. Analogies, a : b :: c : ?"
echo "(Five million words teach word forms well: step 7 finds about six in ten of the Google set's"
echo " syntactic questions answered. Facts such as capitals and family need more text: on the whole 18M-word"
echo " enwiki the same method answers 57% of the questions within its 30k most frequent words, capitals"
echo " included; see README, Performance.)"
"$bin" analogy "$out/vectors.ekv" -k 3 <<'QUESTIONS'
big bigger small
quick quickly slow
france french germany
car cars dog
france paris germany
QUESTIONS

echo
echo "== 7. Evaluate: WordSim-353 (Spearman vs human ratings) and the Google analogy set"
"$bin" eval "$out/vectors.ekv" --similarity data/wordsim353.tsv --analogy data/questions-words.txt --unseen subwords

echo
echo "== 8. A map: PCA of four groups of words"
"$bin" plot "$out/vectors.ekv" -o "$out/map.png" --title "Skip-gram vectors of the bundled enwiki slice" \
  --words france,germany,italy,spain,russia,england --words music,jazz,rock,opera,song,album \
  --words physics,chemistry,biology,mathematics,science --words king,queen,emperor,prince,throne
"$bin" plot "$out/vectors.ekv" -o "$out/map.svg" --words anarchism,music,physics --neighbors 8

echo
echo "== 9. The same vectors from Python (gensim's KeyedVectors interface; build/release/python on the path)"
PYTHONPATH=build/release/python /usr/bin/python3 - "$out/vectors.ekv" <<'PYTHON'
import sys
import embedkit
kv = embedkit.KeyedVectors.load(sys.argv[1])       # memory-mapped: opening reads no rows
print(kv)
print("  most_similar('music'):", ", ".join(f"{w} {s:.2f}" for w, s in kv.most_similar("music", topn=4)))
for word, score in kv.most_similar(positive=["bigger", "small"], negative=["big"], topn=2):
    print(f"  bigger - big + small ~ {word} ({score:.3f})")
print("  odd one out of breakfast, lunch, dinner, physics:", kv.doesnt_match(["breakfast", "lunch", "dinner", "physics"]))
print(f"  'anarchisms' is unseen, its vector comes from n-grams: similarity to 'anarchism' "
      f"{kv.similarity('anarchisms', 'anarchism'):.2f}")
PYTHON

echo
echo "Vocabulary: $out/vocab.tsv; vectors: $out/vectors.ekv; maps: $out/map.png, $out/map.svg. Try:"
echo "  $bin neighbors $out/vectors.ekv        # type words, Ctrl-D ends"
echo "  $bin serve $out/vectors.ekv            # then open http://127.0.0.1:8080/ (the explorer page)"
echo "  $bin --help"
