#!/usr/bin/python3
"""Scores word vectors the same way for every trainer in bench/run_train_bench.sh: analogy
accuracy on questions-words.txt over the 30k most frequent words, and Spearman correlation on
WordSim-353, both with gensim's KeyedVectors (so every model is judged by the same code).

Usage: word_vectors_eval.py VECTORS.vec SHARED_DATA_DIR
Prints one JSON object.
"""
import json
import logging
import sys

from gensim.models import KeyedVectors

logging.disable(logging.WARNING)


def main():
    path, data = sys.argv[1], sys.argv[2]
    kv = KeyedVectors.load_word2vec_format(path, binary=False, unicode_errors="replace")
    accuracy, _ = kv.evaluate_word_analogies(f"{data}/analogy/questions-words.txt", restrict_vocab=30000)
    pearson, spearman, oov = kv.evaluate_word_pairs(f"{data}/similarity/gensim/wordsim353.tsv")
    print(json.dumps({"vectors": path, "words": len(kv.index_to_key), "analogy_accuracy": accuracy,
                      "ws353_spearman": spearman[0], "ws353_pearson": pearson[0], "ws353_oov_percent": oov}))


if __name__ == "__main__":
    main()
