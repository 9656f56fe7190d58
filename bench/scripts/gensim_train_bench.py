#!/usr/bin/python3
"""gensim side of bench/scripts/run_train_bench.sh: Word2Vec or FastText with the same settings, timed,
vectors written as word2vec text for the common evaluation.

Usage: gensim_train_bench.py CORPUS OUT.vec word2vec|fasttext THREADS EPOCHS
"""
import json
import logging
import sys
import time

from gensim.models import FastText, Word2Vec
from gensim.models.word2vec import LineSentence

logging.disable(logging.WARNING)


def main():
    corpus, out, kind, threads, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    settings = dict(vector_size=100, window=5, negative=5, sample=1e-4, epochs=epochs, min_count=5, sg=1,
                    workers=threads, alpha=0.05 if kind == "fasttext" else 0.025)
    start = time.perf_counter()
    if kind == "fasttext":
        model = FastText(corpus_file=corpus, min_n=3, max_n=6, bucket=2000000, **settings)
    else:
        model = Word2Vec(corpus_file=corpus, **settings)
    seconds = time.perf_counter() - start
    model.wv.save_word2vec_format(out)
    words = model.corpus_total_words
    print(json.dumps({"impl": f"gensim-{kind}", "seconds": seconds, "words": words,
                      "words_per_second": words * epochs / seconds}))


if __name__ == "__main__":
    main()
