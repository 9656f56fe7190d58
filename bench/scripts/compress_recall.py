"""Neighbour recall@10 of compressed tables, embedkit's and FAISS's, by one piece of code.

    compress_recall.py ORIGINAL.npy [NAME=DECODED.npy ...] [--faiss-pq M ...] [--rows 30000] [--queries 500]

Queries are `queries` rows spread evenly over the first `rows` words; the truth is each query's
10 nearest rows by exact cosine among those words (itself left out). Each compressed table is
searched with the original query vector against its decoded rows (asymmetric search, as a
server answers a query), by cosine. --faiss-pq M trains faiss.ProductQuantizer(dim, M, 8) on the
unit rows (the usual set-up for cosine search) and searches the same way. One JSON line each,
with bytes per row (codes only, as FAISS stores them).
"""
import argparse
import json
import sys
import time

import numpy as np


def unit(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1
    return x / n


def top10(queries, base, ids):
    scores = queries @ base.T
    scores[np.arange(len(ids)), ids] = -np.inf  # the query itself
    return np.argsort(-scores, axis=1)[:, :10]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("original")
    p.add_argument("decoded", nargs="*")
    p.add_argument("--faiss-pq", type=int, nargs="*", default=[])
    p.add_argument("--rows", type=int, default=30000)
    p.add_argument("--queries", type=int, default=500)
    a = p.parse_args()
    x = np.load(a.original).astype(np.float32)
    rows = min(a.rows, len(x))
    ids = np.array([i * rows // a.queries for i in range(a.queries)])
    xu = unit(x[:rows])
    truth = top10(xu[ids], xu, ids)

    def recall(found):
        return float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found)]))

    for item in a.decoded:
        name, path = item.split("=", 1)
        y = unit(np.load(path).astype(np.float32)[:rows])
        if y.shape[1] != x.shape[1]:  # a reduced table: queries are its own rows
            found = top10(y[ids], y, ids)
        else:
            found = top10(xu[ids], y, ids)
        print(json.dumps({"impl": "embedkit", "name": name, "recall_at_10": recall(found)}), flush=True)
    if a.faiss_pq:
        import faiss
        faiss.omp_set_num_threads(2)
        everything = unit(x)
        for m in a.faiss_pq:
            start = time.time()
            pq = faiss.ProductQuantizer(x.shape[1], m, 8)
            pq.train(everything[: min(len(x), 65536)] if len(x) > 65536 else everything)
            decoded = unit(pq.decode(pq.compute_codes(everything))[:rows])
            found = top10(xu[ids], decoded, ids)
            print(json.dumps({"impl": "faiss", "name": f"faiss-pq{m}x8", "bytes_per_row": m, "ratio": 4 * x.shape[1] / m,
                              "recall_at_10": recall(found), "seconds": time.time() - start}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
