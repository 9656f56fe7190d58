#!/usr/bin/python3
"""PyTorch's side of the encoder bench: the same model as `embedkit classify train --encoder
transformer` (torch_transformer_classifier.py's Classifier) on the same synthetic shapes as
embedkit_bench_encoder: training tokens per second (one epoch, AdamW + SparseAdam, clipping,
the schedule) and the median latency of one sentence in eval mode under no_grad (PyTorch's
fast path where it applies). Prints one JSON line.

  /usr/bin/python3 bench/scripts/torch_encoder_bench.py --dim 128 --layers 2 --heads 4 --length 32 \
      --batch 32 --examples 4096 --threads 2
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_transformer_classifier import Classifier  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in [("dim", 128), ("layers", 2), ("heads", 4), ("length", 32), ("batch", 32),
                          ("examples", 4096), ("vocab", 10000), ("latency-calls", 2000), ("threads", 1)]:
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--positions", default="sinusoidal", choices=["sinusoidal", "learned", "none"])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    length = args.length + 1  # each text's "</s>" too, as embedkit's
    ids = torch.from_numpy(rng.integers(0, args.vocab, (args.examples, length)))
    labels = torch.from_numpy(rng.integers(0, 2, args.examples))
    weights = rng.uniform(-1 / args.dim, 1 / args.dim, (args.vocab + 1, args.dim)).astype(np.float32)
    model = Classifier(weights, 2, args.heads, args.layers, 0.1, args.positions, length)
    dense = [(n, p) for n, p in model.named_parameters() if not n.startswith("embedding")]
    matrices = [p for n, p in dense if n.endswith("weight") and "norm" not in n and n != "position_table"]
    rest = [p for n, p in dense if not (n.endswith("weight") and "norm" not in n and n != "position_table")]
    adamw = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                              lr=1e-3)
    sparse = torch.optim.SparseAdam(list(model.embedding.parameters()), lr=1e-3)
    steps = (args.examples + args.batch - 1) // args.batch
    warmup = round(0.1 * steps)
    loss_fn = nn.CrossEntropyLoss()
    mask = torch.ones(args.batch, length, dtype=torch.bool)
    model.train()
    start = time.perf_counter()
    for step in range(steps):
        rate = (step + 1) / warmup if step < warmup else (steps - step) / (steps - warmup)
        for opt in (adamw, sparse):
            for group in opt.param_groups:
                group["lr"] = 1e-3 * rate
        batch = slice(step * args.batch, min(args.examples, (step + 1) * args.batch))
        adamw.zero_grad()
        sparse.zero_grad()
        loss = loss_fn(model(ids[batch], mask[: ids[batch].shape[0]]), labels[batch])
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        adamw.step()
        sparse.step()
    train_seconds = time.perf_counter() - start

    torch.set_num_threads(1)
    model.eval()
    calls = []
    one_mask = torch.ones(1, length, dtype=torch.bool)
    with torch.no_grad():
        for i in range(args.latency_calls):
            sentence = ids[i % args.examples].unsqueeze(0)
            t0 = time.perf_counter()
            torch.softmax(model(sentence, one_mask), 1)
            calls.append(time.perf_counter() - t0)
    print(json.dumps({"tool": "pytorch", "torch": torch.__version__, "dim": args.dim, "layers": args.layers,
                      "heads": args.heads, "length": args.length, "batch": args.batch, "examples": args.examples,
                      "positions": args.positions, "threads": args.threads, "train_seconds": round(train_seconds, 3),
                      "tokens_per_second": round(args.examples * length / train_seconds),
                      "latency_ms": round(statistics.median(calls) * 1e3, 4)}))


if __name__ == "__main__":
    sys.exit(main())
