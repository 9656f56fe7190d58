#!/usr/bin/python3
"""embedkit from Python against gensim (and PyTorch, fastText's CLI) in one run: the figures of
the Python issue. Prints JSON lines, then a Markdown summary.

usage: PYTHONPATH=build/release/python python_api_bench.py [--rows 100000] [--dim 300]
           [--big-gb 2.0] [--skip-train] [--skip-big]

- search: a 100k x 300 table (rows around 1,000 cluster centres, as bench/src/search_bench.cpp),
  written as a word2vec binary file that both libraries load. One query at a time:
  embedkit exact and fast (int8 scan + exact re-rank), gensim most_similar, PyTorch mv + topk;
  1,000 queries: embedkit's batch against gensim's one-by-one loop. The single-query limit is
  one pass over the table at the read bandwidth embedkit_bench_layer --stream measures.
- loading that word2vec binary file: embedkit against gensim's load_word2vec_format.
- training: the same Word2Vec settings from Python and from the CLI, alternated.
- a --big-gb .ekv file opened from Python: the resident memory it adds (in a fresh process).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(ROOT, "build", "release", "tools", "embedkit", "embedkit")
LAYER_BENCH = os.path.join(ROOT, "build", "release", "bench", "embedkit_bench_layer")
sys.path.insert(0, os.path.join(ROOT, "build", "release", "python"))
import embedkit  # noqa: E402

results = []


def emit(**row):
    results.append(row)
    print(json.dumps(row), flush=True)


def best_of(f, runs=3):
    out, seconds = None, 1e30
    for _ in range(runs):
        start = time.perf_counter()
        out = f()
        seconds = min(seconds, time.perf_counter() - start)
    return seconds, out


def clustered_table(rows, dim, seed=1):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, dim), dtype=np.float32)
    table = rng.standard_normal((rows, dim), dtype=np.float32) * 0.7
    table += centres[rng.integers(0, 1000, rows)]
    return table


def bench_search_and_load(args, work):
    from gensim.models import KeyedVectors as GensimKV
    import torch

    rows, dim = args.rows, args.dim
    words = [f"w{i}" for i in range(rows)]
    path = os.path.join(work, f"table-{rows}x{dim}.bin")
    kv = embedkit.KeyedVectors(dim)
    kv.add_vectors(words, clustered_table(rows, dim))
    kv.save_word2vec_format(path, binary=True)
    del kv

    # Loading the word2vec binary file.
    ek_load, kv = best_of(lambda: embedkit.KeyedVectors.load_word2vec_format(path, binary=True))
    g_load, gkv = best_of(lambda: GensimKV.load_word2vec_format(path, binary=True), runs=2)
    emit(op="load word2vec binary", impl="embedkit", seconds=ek_load, rows=rows, dim=dim)
    emit(op="load word2vec binary", impl="gensim", seconds=g_load, rows=rows, dim=dim)

    stream = json.loads(subprocess.run([LAYER_BENCH, "--stream", "--threads", "2"], check=True,
                                       capture_output=True, text=True).stdout.splitlines()[0])
    table_bytes = rows * dim * 4
    limit_ms = table_bytes / (stream["read_gb_per_s"] * 1e9) * 1000
    emit(op="one pass over the table", impl="bandwidth limit", ms=limit_ms, read_gb_per_s=stream["read_gb_per_s"])

    step = rows // 1000
    queries = [words[q * step] for q in range(1000)]
    single = queries[:200]
    truth = {q: [w for w, _ in kv.most_similar(q, topn=10)] for q in single}
    gkv.fill_norms()
    kv.most_similar(single[0])  # the index's norms, once
    kv.most_similar(single[0], fast=True)  # the int8 copy, once

    def per_query(f, qs):
        seconds, answers = best_of(lambda: [f(q) for q in qs])
        return 1000 * seconds / len(qs), answers

    def recall(answers, qs):
        return sum(len(set(a) & set(truth[q])) for a, q in zip(answers, qs)) / (10 * len(qs))

    ms, answers = per_query(lambda q: [w for w, _ in kv.most_similar(q, topn=10)], single)
    emit(op="most_similar, one query", impl="embedkit exact", ms_per_query=ms, recall_at_10=recall(answers, single))
    ms, answers = per_query(lambda q: [w for w, _ in kv.most_similar(q, topn=10, fast=True)], single)
    emit(op="most_similar, one query", impl="embedkit fast (int8 + re-rank)", ms_per_query=ms,
         recall_at_10=recall(answers, single))
    ms, answers = per_query(lambda q: [w for w, _ in gkv.most_similar(q, topn=10)], single)
    emit(op="most_similar, one query", impl="gensim", ms_per_query=ms, recall_at_10=recall(answers, single))
    unit = torch.from_numpy(gkv.get_normed_vectors())
    torch.set_num_threads(2)

    def torch_query(q):
        i = gkv.key_to_index[q]
        scores = torch.mv(unit, unit[i])
        scores[i] = -2
        return [gkv.index_to_key[j] for j in torch.topk(scores, 10).indices.tolist()]

    ms, answers = per_query(torch_query, single)
    emit(op="most_similar, one query", impl="PyTorch mv + topk", ms_per_query=ms,
         recall_at_10=recall(answers, single))

    seconds, _ = best_of(lambda: kv.most_similar_batch(queries, topn=10))
    emit(op="most_similar, 1000 queries", impl="embedkit batch", seconds=seconds)
    seconds, _ = best_of(lambda: [gkv.most_similar(q, topn=10) for q in queries], runs=1)
    emit(op="most_similar, 1000 queries", impl="gensim loop", seconds=seconds)


def bench_training(args, work):
    """The same run from Python and from the CLI, alternated; wall and CPU time (CPU time is the
    steadier figure on a shared machine)."""
    corpus = args.corpus
    settings = dict(vector_size=100, window=5, min_count=5, sg=1, negative=5, epochs=args.train_epochs, workers=2,
                    alpha=0.05, sample=1e-4, progress=False)
    flags = ["--dim", "100", "--window", "5", "--min-count", "5", "--model", "sg", "--neg", "5",
             "--epochs", str(args.train_epochs), "--threads", "2", "--lr", "0.05", "--sample", "1e-4", "--maxn", "0",
             "-q"]
    op = f"train word2vec ({os.path.basename(corpus)}, {args.train_epochs} epochs, 2 threads)"
    for run in range(args.train_runs):
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        embedkit.Word2Vec(corpus_file=corpus, **settings)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF)
        emit(op=op, impl="embedkit from Python", run=run, seconds=wall,
             cpu_seconds=after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime)
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([CLI, "train", "-i", corpus, "-o", os.path.join(work, "cli.ekv"), *flags], check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        emit(op=op, impl="embedkit CLI", run=run, seconds=wall,
             cpu_seconds=after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime)


def bench_classifier(args, work):
    """train_supervised from Python: embedkit against fastText's own Python module (Debian's
    python3-fasttext), same file, same settings, alternated; SST-2 from the shared data."""
    import fasttext

    source = os.path.join(args.shared, "sentiment", "sst2")
    if not os.path.isdir(source):
        print(f"(no {source}: classifier part skipped)", file=sys.stderr)
        return
    paths = {}
    for split in ("train", "dev"):
        paths[split] = os.path.join(work, f"sst.{split}")
        with open(os.path.join(source, f"stsa.binary.{split}"), encoding="utf-8") as f, \
                open(paths[split], "w", encoding="utf-8") as out:
            for line in f:
                label, text = line.rstrip("\n").split(" ", 1)
                out.write(f"__label__{label} {text}\n")
    dev = [line.split(" ", 1)[1].rstrip("\n") for line in open(paths["dev"], encoding="utf-8")]
    settings = dict(epoch=10, wordNgrams=2, dim=100, lr=0.1, thread=2)
    for run in range(3):
        for impl, train in (("embedkit", lambda: embedkit.train_supervised(input=paths["train"], verbose=0, **settings)),
                            ("fastText (python3-fasttext)",
                             lambda: fasttext.train_supervised(input=paths["train"], verbose=0, **settings))):
            start = time.perf_counter()
            model = train()
            seconds = time.perf_counter() - start
            n, precision, _ = model.test(paths["dev"])
            predict, _ = best_of(lambda: model.predict(dev, k=1))
            emit(op="train_supervised (SST-2, 10 epochs, bigrams)", impl=impl, run=run, seconds=seconds,
                 dev_accuracy=precision, predict_872_ms=1000 * predict)


def bench_big_file(args, work):
    dim = 300
    rows = int(args.big_gb * 1e9 / (dim * 4))
    path = os.path.join(work, "big.ekv")
    kv = embedkit.KeyedVectors(dim)
    table = np.empty((rows, dim), dtype=np.float32)
    rng = np.random.default_rng(5)
    for start in range(0, rows, 100000):
        table[start:start + 100000] = rng.standard_normal((min(100000, rows - start), dim), dtype=np.float32)
    kv.add_vectors([f"w{i}" for i in range(rows)], table)
    del table
    kv.save(path)
    del kv
    probe = (
        "import sys, time; sys.path.insert(0, sys.argv[2]); import embedkit\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * 4096\n"
        "before = rss(); t = time.perf_counter(); kv = embedkit.KeyedVectors.load(sys.argv[1])\n"
        "seconds = time.perf_counter() - t; opened = rss(); kv.most_similar('w5', topn=3) if False else None\n"
        "print(before, opened, seconds, len(kv), kv.vectors.shape[0])\n")
    out = subprocess.run([sys.executable, "-c", probe, path, os.path.join(ROOT, "build", "release", "python")],
                         check=True, capture_output=True, text=True).stdout.split()
    before, opened, seconds = int(out[0]), int(out[1]), float(out[2])
    emit(op="open a .ekv from Python", impl="embedkit", file_gb=os.path.getsize(path) / 1e9, rows=rows,
         added_rss_mb=(opened - before) / 1e6, seconds=seconds)
    os.unlink(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--big-gb", type=float, default=2.0)
    parser.add_argument("--train-runs", type=int, default=3)
    parser.add_argument("--train-epochs", type=int, default=5)
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--corpus", default=os.path.join(ROOT, "data", "enwiki-5M.txt"))
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="embedkit-pybench-", dir=os.path.join(ROOT, "build")) as work:
        if not args.skip_search:
            bench_search_and_load(args, work)
        if not args.skip_train:
            bench_training(args, work)
            bench_classifier(args, work)
        if not args.skip_big:
            bench_big_file(args, work)
    print("\n| op | impl | figure |\n|---|---|---|")
    for r in results:
        figure = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()
                           if k not in ("op", "impl"))
        print(f"| {r['op']} | {r['impl']} | {figure} |")


if __name__ == "__main__":
    main()
