#!/usr/bin/python3
"""embedkit eval must give gensim's figures on the same vectors (to 1e-3).

Trains small vectors with embedkit on the bundled corpus (mixed case, so case folding matters),
then scores them with `embedkit eval --json` and with gensim's KeyedVectors.evaluate_word_pairs /
evaluate_word_analogies on the shared similarity and analogy sets.

usage: gensim_agreement.py EMBEDKIT_BINARY SOURCE_DIR SHARED_DATA_DIR WORK_DIR
Exit 77 (skipped) when gensim or the shared data is missing.
"""
import json
import logging
import os
import subprocess
import sys

SKIP = 77
binary, source, data, work = sys.argv[1:5]
try:
    from gensim.models import KeyedVectors
except ImportError:
    print("gensim is not installed (python3-gensim): skipped")
    sys.exit(SKIP)
similarity_sets = [os.path.join(data, p) for p in (
    "similarity/gensim/wordsim353.tsv",            # '#' comments
    "similarity/wordvectors-org/EN-WS-353-ALL.txt",  # CRLF
    "similarity/wordvectors-org/EN-RG-65.txt")]
analogy_set = os.path.join(data, "analogy/questions-words.txt")
if not all(os.path.exists(p) for p in similarity_sets + [analogy_set]):
    print(f"shared data not found under {data}: skipped")
    sys.exit(SKIP)

os.makedirs(work, exist_ok=True)
corpus = os.path.join(work, "corpus.txt")
with open(os.path.join(source, "data/enwiki-5M.txt"), "rb") as f:
    text = f.read()
with open(corpus, "wb") as f:
    f.write(text[: text.rfind(b"\n") + 1])
vectors = os.path.join(work, "vectors.vec")
subprocess.run([binary, "train", "-i", corpus, "-o", vectors, "--save-format", "word2vec", "--split", "words",
                "--dim", "50", "--epochs", "5", "--maxn", "0", "--threads", "2", "--min-count", "3", "-q"],
               check=True)

# The same with fastText-style subwords: word vectors are composed from n-grams on both sides.
subword_model = os.path.join(work, "subwords.bin")
subprocess.run([binary, "train", "-i", corpus, "-o", subword_model, "--save-format", "fasttext", "--split", "words",
                "--dim", "30", "--epochs", "2", "--bucket", "200000", "--threads", "2", "--min-count", "3", "-q"],
               check=True)
failures = []


def check(what, ours, theirs, tolerance=1e-3):
    ok = abs(ours - theirs) <= tolerance
    print(f"{'ok  ' if ok else 'FAIL'} {what}: embedkit {ours:.6f}, gensim {theirs:.6f}")
    if not ok:
        failures.append(what)


from gensim.models.fasttext import load_facebook_vectors  # noqa: E402

for model, restrict in ((vectors, 300000), (vectors, 2000), (subword_model, 300000)):
    args = [binary, "eval", model, "--json", "--restrict", str(restrict), "--analogy", analogy_set]
    for s in similarity_sets:
        args += ["--similarity", s]
    ours = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    logging.disable(logging.WARNING)
    kv = load_facebook_vectors(model) if model.endswith(".bin") else KeyedVectors.load_word2vec_format(model)
    restrict_name = f"restrict {restrict}" + (" subwords" if model.endswith(".bin") else "")
    for s, got in zip(similarity_sets, ours["similarity"]):
        name = f"{os.path.basename(s)} {restrict_name}"
        try:
            pearson, spearman, oov = kv.evaluate_word_pairs(s, restrict_vocab=restrict)
        except ValueError:  # gensim refuses a set with no known pair
            check(f"{name}: no pair scored, as gensim", got["scored"], 0, 0)
            continue
        check(f"{name} Spearman", got["spearman"], spearman[0])
        check(f"{name} Pearson", got["pearson"], pearson[0])
        check(f"{name} unseen %", 100 * got["unseen"] / got["pairs"], oov)
    score, sections = kv.evaluate_word_analogies(analogy_set, restrict_vocab=restrict)
    got = ours["analogy"][0]
    check(f"analogies {restrict_name}: accuracy", got["total"]["accuracy"], score)
    check(f"analogies {restrict_name}: attempted", got["total"]["attempted"],
          len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]), 0)
    for g, s in zip(got["sections"], sections[:-1]):
        attempted = len(s["correct"]) + len(s["incorrect"])
        if attempted:
            check(f"  {s['section']} accuracy", g["accuracy"], len(s["correct"]) / attempted)

if failures:
    print(f"{len(failures)} figures differ from gensim's")
    sys.exit(1)
print("all figures agree with gensim's")
