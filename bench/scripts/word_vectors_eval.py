#!/usr/bin/python3
"""Scores word vectors the same way for every trainer in bench/scripts/run_train_bench.sh: analogy
accuracy on questions-words.txt over the 30k most frequent words, and Spearman correlation on
WordSim-353, both with gensim's KeyedVectors (so every model is judged by the same code).

Usage: word_vectors_eval.py VECTORS.vec SHARED_DATA_DIR [CORPUS]
Prints one JSON object.

"The 30k most frequent words" must be the same words for every trainer, or the analogy
questions scored differ (gensim's restrict_vocab takes the first 30k rows of each file, and
fastText's files start with its end-of-line token "</s>" and order words of equal count
arbitrarily: on the enwiki corpus that moved 109 of ~11,900 questions in or out). With CORPUS,
the ranking comes from the corpus itself (count, then the word, cached in CORPUS.ranking), and
every model is scored on the same questions; "</s>" is never a word.
"""
import collections
import json
import logging
import os
import sys

from gensim.models import KeyedVectors

logging.disable(logging.WARNING)


def corpus_ranking(corpus):
    cache = corpus + ".ranking"
    if not os.path.exists(cache) or os.path.getmtime(cache) < os.path.getmtime(corpus):
        counts = collections.Counter()
        with open(corpus, encoding="utf-8", errors="replace") as f:
            for line in f:
                counts.update(line.split())
        with open(cache + ".tmp", "w", encoding="utf-8") as out:
            for word, _ in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0])):
                out.write(word + "\n")
        os.replace(cache + ".tmp", cache)
    with open(cache, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def reorder(kv, ranking):
    """The same vectors, rows in corpus-frequency order (words the model lacks are skipped)."""
    words = [w for w in ranking if w in kv.key_to_index]
    ordered = KeyedVectors(kv.vector_size)
    ordered.add_vectors(words, kv[words])
    return ordered


def main():
    path, data = sys.argv[1], sys.argv[2]
    kv = KeyedVectors.load_word2vec_format(path, binary=False, unicode_errors="replace")
    if len(sys.argv) > 3:
        kv = reorder(kv, corpus_ranking(sys.argv[3]))
    elif "</s>" in kv.key_to_index:
        kv = reorder(kv, [w for w in kv.index_to_key if w != "</s>"])
    accuracy, sections = kv.evaluate_word_analogies(f"{data}/analogy/questions-words.txt", restrict_vocab=30000)
    scored = sum(len(s["correct"]) + len(s["incorrect"]) for s in sections if s["section"] == "Total accuracy")
    pearson, spearman, oov = kv.evaluate_word_pairs(f"{data}/similarity/gensim/wordsim353.tsv")
    print(json.dumps({"vectors": path, "words": len(kv.index_to_key), "analogy_accuracy": accuracy,
                      "analogy_questions": scored, "ws353_spearman": spearman[0], "ws353_pearson": pearson[0],
                      "ws353_oov_percent": oov}))


if __name__ == "__main__":
    main()
