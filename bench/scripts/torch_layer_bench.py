#!/usr/bin/python3
"""PyTorch side of bench/scripts/run_layer_bench.sh: the same shapes and measurements as
bench/layer_bench.cpp, printed as the same JSON lines (impl "torch").

Usage: torch_layer_bench.py ROWS DIM DIST THREADS [ONLY]
(ONLY: run just the ops whose name starts so, e.g. "bag", as layer_bench --only.)
"""
import json
import sys
import time

import numpy as np
import torch


def best_seconds(run):
    best, total, rep = 1e30, 0.0, 0
    while rep < 5 or total < 1.0:
        start = time.perf_counter()
        run()
        s = time.perf_counter() - start
        best, total, rep = min(best, s), total + s, rep + 1
        if rep > 20:
            break
    return best


def make_ids(count, rows, dist, seed):
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        return rng.integers(0, rows, size=count, dtype=np.int64)
    cdf = np.cumsum(np.arange(1, rows + 1, dtype=np.float64) ** -1.05)
    return np.searchsorted(cdf, rng.uniform(0, cdf[-1], size=count)).astype(np.int64)


def available_bytes():
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    rows, dim, dist, threads = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    only = sys.argv[5] if len(sys.argv) > 5 else ""
    torch.set_num_threads(threads)
    bags, bag_size = 50000, 20
    lookups = bags * bag_size
    ids = torch.from_numpy(make_ids(lookups, rows, dist, 1))
    offsets = torch.arange(0, lookups, bag_size, dtype=torch.int64)

    def emit(op, seconds):
        print(json.dumps({"impl": "torch", "op": op, "rows": rows, "dim": dim, "dist": dist, "threads": threads,
                          "seconds": seconds, "lookups_per_s": lookups / seconds,
                          "gb_per_s": lookups * dim * 4 / seconds / 1e9}), flush=True)

    with torch.no_grad():
        weight = torch.empty(rows, dim).uniform_(-0.1, 0.1)
        if "embedding_forward".startswith(only):
            emb = torch.nn.Embedding(rows, dim, _weight=weight)
            emit("embedding_forward", best_seconds(lambda: emb(ids)))
            del emb
        for mode in ("sum", "mean"):
            if f"bag_{mode}_forward".startswith(only):
                bag = torch.nn.EmbeddingBag(rows, dim, mode=mode, _weight=weight)
                emit(f"bag_{mode}_forward", best_seconds(lambda: bag(ids, offsets)))
                del bag

    grad_out = torch.full((bags, dim), 1e-3)
    table_bytes = rows * dim * 4
    available = available_bytes()
    for name, make_opt in (("sgd", lambda p: torch.optim.SGD(p, lr=0.01)),
                           ("adam", lambda p: torch.optim.SparseAdam(p, lr=1e-3))):
        if not f"train_step_{name}".startswith(only):
            continue
        # SparseAdam keeps two table-sized moment tensors, and a step makes several copies of
        # the sparse gradient; where that cannot fit, say so instead of being OOM-killed.
        need = table_bytes * (3 if name == "adam" else 1) + 8 * lookups * dim * 4
        if need > available:
            print(json.dumps({"impl": "torch", "op": f"train_step_{name}", "rows": rows, "dim": dim, "dist": dist,
                              "threads": threads, "skipped": f"needs ~{need / 1e9:.0f} GB, {available / 1e9:.0f} GB available"}),
                  flush=True)
            continue
        bag = torch.nn.EmbeddingBag(rows, dim, mode="sum", sparse=True, _weight=weight)
        opt = make_opt(list(bag.parameters()))

        def step():
            out = bag(ids, offsets)
            out.backward(grad_out)
            opt.step()
            opt.zero_grad(set_to_none=True)

        step()  # allocate optimizer state outside the timing
        emit(f"train_step_{name}", best_seconds(step))
        del bag, opt


if __name__ == "__main__":
    main()
