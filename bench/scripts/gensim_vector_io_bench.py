#!/usr/bin/python3
"""gensim side of bench/scripts/run_vector_io_bench.sh: KeyedVectors.load_word2vec_format on the same
files, best of 3, printed as the same JSON lines (impl "gensim").

Usage: gensim_vector_io_bench.py TEXT_FILE BINARY_FILE
"""
import json
import os
import sys
import time

from gensim.models import KeyedVectors


def main():
    for path, binary, name in ((sys.argv[1], False, "word2vec_text"), (sys.argv[2], True, "word2vec_binary")):
        best, rows = 1e30, 0
        for _ in range(3):
            start = time.perf_counter()
            kv = KeyedVectors.load_word2vec_format(path, binary=binary)
            best = min(best, time.perf_counter() - start)
            rows, dim = kv.vectors.shape
        size = os.path.getsize(path)
        print(json.dumps({"impl": "gensim", "op": f"parse_{name}", "rows": rows, "dim": dim, "bytes": size,
                          "seconds": best, "mb_per_s": size / best / 1e6}), flush=True)


if __name__ == "__main__":
    main()
