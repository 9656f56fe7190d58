#!/usr/bin/python3
"""Peers of bench/search_bench.cpp on the same table and queries, top-10 cosine:
FAISS IndexFlatIP (on unit rows), PyTorch (torch.mm + topk) and gensim most_similar.

usage: python_search_bench.py TABLE.npy QUERIES THREADS
Prints JSON lines like search_bench; recall_at_10 is against embedkit's exact answers
(search-truth.txt beside the table)."""
import json
import os
import sys
import time

import numpy as np

path, queries, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
table = np.load(path).astype(np.float32)
rows, dim = table.shape
ids = [q * (rows // queries) for q in range(queries)]
truth = [set(map(int, line.split())) for line in open(os.path.join(os.path.dirname(path), "search-truth.txt"))]


def best(f, runs=3):
    out, t = None, 1e30
    for _ in range(runs):
        start = time.perf_counter()
        out = f()
        t = min(t, time.perf_counter() - start)
    return t, out


def report(impl, op, seconds, answers, count=queries, **extra):
    hits = sum(len(set(map(int, a)) & truth[q]) for q, a in enumerate(answers)) if answers is not None else None
    print(json.dumps(dict(impl=impl, op=op, rows=rows, dim=dim, threads=threads, queries_per_s=count / seconds,
                          ms_per_query=1000 * seconds / count,
                          recall_at_10=None if hits is None else hits / (10 * len(answers)), **extra)), flush=True)


unit = table / np.linalg.norm(table, axis=1, keepdims=True)
q = unit[ids]

import faiss  # noqa: E402

faiss.omp_set_num_threads(threads)
index = faiss.IndexFlatIP(dim)
index.add(unit)
t, (_, found) = best(lambda: index.search(q, 10))
report("faiss", "batch", t, found)
t, found = best(lambda: [index.search(q[i:i + 1], 10)[1][0] for i in range(queries)])
report("faiss", "single", t, found)

import torch  # noqa: E402

torch.set_num_threads(threads)
tt = torch.from_numpy(unit)
tq = torch.from_numpy(q)
t, found = best(lambda: torch.topk(torch.mm(tq, tt.T), 10, dim=1).indices.numpy())
report("torch", "batch", t, found)
t, found = best(lambda: [torch.topk(torch.mv(tt, tq[i]), 10).indices.numpy() for i in range(queries)])
report("torch", "single", t, found)

from gensim.models import KeyedVectors  # noqa: E402

kv = KeyedVectors(dim)
kv.add_vectors([f"w{i}" for i in range(rows)], table)
kv.fill_norms()
t, found = best(lambda: [[kv.key_to_index[w] for w, _ in kv.most_similar(positive=[table[i]], topn=10)]
                         for i in ids], runs=2)
report("gensim", "single", t, found)
