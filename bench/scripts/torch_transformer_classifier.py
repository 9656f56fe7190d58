#!/usr/bin/python3
"""PyTorch's version of `embedkit classify train --encoder transformer`, the same model trained
the same way, to compare accuracy (several seeds) and training throughput side by side.

Model: an embedding (the training words by count, "</s>", then the pretrained file's other words;
pretrained rows copied, the others U(-1/dim, 1/dim) as embedkit's), positions added (sinusoidal
or learned; PyTorch's encoder has no rotary ones), nn.TransformerEncoder of norm_first GELU
layers with a final LayerNorm, the mean of the valid outputs, a linear layer, softmax.
Training: AdamW (weight decay on the matrices) for the dense parameters and SparseAdam for the
embedding (its own peak rate with --embedding-lr, as embedkit's), one warm-up (10%) and linear-decay schedule, clipping at global norm 1, batches
bucketed by length (windows of 32 batches sorted by length, then shuffled).

  /usr/bin/python3 bench/scripts/torch_transformer_classifier.py --train TRAIN.tsv \
      --test stsa.binary.dev --vectors enwiki-sg100.ekv --seeds 1 2 3 --threads 2 --json
Needs embedkit's Python module on PYTHONPATH (build/release/python) to read the vectors.
"""
import argparse
import json
import math
import random
import sys
import time

import numpy as np
import torch
from torch import nn


def read_examples(path):
    """(tokens, label) pairs: GLUE tsv ('sentence<TAB>label' with a header) or label-first."""
    out = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            if "\t" in line:
                text, label = line.rsplit("\t", 1)
                if i == 0 and label == "label":
                    continue
            else:
                label, text = line.split(" ", 1)
            out.append((text.split(), label))
    return out


class Classifier(nn.Module):
    def __init__(self, weights, labels, heads, layers, dropout, positions, max_length):
        super().__init__()
        vocab, dim = weights.shape
        self.embedding = nn.Embedding(vocab, dim, sparse=True)
        self.embedding.weight.data.copy_(torch.from_numpy(weights))
        self.positions = positions
        if positions == "learned":
            self.position_table = nn.Parameter(torch.randn(max_length, dim) * 0.02)
        elif positions == "sinusoidal":
            pe = torch.zeros(max_length, dim)
            position = torch.arange(max_length).unsqueeze(1).float()
            div = torch.exp(torch.arange(0, dim, 2).float() * (-math.log(10000.0) / dim))
            pe[:, 0::2] = torch.sin(position * div)
            pe[:, 1::2] = torch.cos(position * div)
            self.register_buffer("position_table", pe)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout, activation="gelu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(dim), enable_nested_tensor=False)
        self.classifier = nn.Linear(dim, labels)

    def forward(self, ids, mask):
        x = self.embedding(ids)
        if self.positions != "none":
            x = x + self.position_table[: ids.shape[1]]
        y = self.encoder(x, src_key_padding_mask=~mask)
        valid = mask.unsqueeze(-1).float()
        pooled = (y * valid).sum(1) / valid.sum(1)
        return self.classifier(pooled)


def batches_for_epoch(lengths, batch_size, rng):
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * 32
    for first in range(0, len(order), window):
        order[first:first + window] = sorted(order[first:first + window], key=lambda e: lengths[e])
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def pad(seqs):
    width = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), width, dtype=torch.long)
    mask = torch.zeros(len(seqs), width, dtype=torch.bool)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = True
    return ids, mask


def run(args, seed, train, test, words, weights, labels):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    index = {w: i for i, w in enumerate(words)}
    label_index = {l: i for i, l in enumerate(labels)}
    eos = index["</s>"]

    def encode(tokens):
        ids = [index[t] for t in tokens if t in index][: args.max_length - 1]
        return ids + [eos]

    xs = [encode(t) for t, _ in train]
    ys = [label_index[l] for _, l in train]
    model = Classifier(weights.copy(), len(labels), args.heads, args.layers, args.dropout, args.positions,
                       args.max_length)
    dense = [(n, p) for n, p in model.named_parameters() if not n.startswith("embedding")]
    decay = [p for n, p in dense if n.endswith("weight") and "norm" not in n and n != "position_table"]
    rest = [p for n, p in dense if not (n.endswith("weight") and "norm" not in n and n != "position_table")]
    adamw = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                              lr=args.lr)
    embedding_lr = args.embedding_lr or args.lr
    sparse = torch.optim.SparseAdam(list(model.embedding.parameters()), lr=embedding_lr)
    steps_per_epoch = (len(xs) + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    warmup = round(0.1 * total)

    def rate(step):
        if step < warmup:
            return (step + 1) / warmup
        return (total - step) / (total - warmup)

    loss_fn = nn.CrossEntropyLoss()
    step, tokens, started = 0, 0, time.perf_counter()
    lengths = [len(x) for x in xs]
    for epoch in range(args.epochs):
        model.train()
        for batch in batches_for_epoch(lengths, args.batch_size, rng):
            ids, mask = pad([xs[e] for e in batch])
            target = torch.tensor([ys[e] for e in batch])
            for group in adamw.param_groups:
                group["lr"] = args.lr * rate(step)
            for group in sparse.param_groups:
                group["lr"] = embedding_lr * rate(step)
            adamw.zero_grad()
            sparse.zero_grad()
            loss = loss_fn(model(ids, mask), target)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            adamw.step()
            sparse.step()
            step += 1
            tokens += int(mask.sum())
    seconds = time.perf_counter() - started
    model.eval()
    correct = 0
    with torch.no_grad():
        for first in range(0, len(test), 256):
            chunk = test[first:first + 256]
            ids, mask = pad([encode(t) for t, _ in chunk])
            predicted = model(ids, mask).argmax(1)
            correct += sum(int(p) == label_index.get(l, -1) for p, (_, l) in zip(predicted.tolist(), chunk))
    return {"seed": seed, "accuracy": correct / len(test), "train_seconds": seconds, "tokens_per_second": tokens / seconds}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--embedding-lr", type=float, default=0.0, help="the embedding's peak rate (0: --lr)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=5)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--positions", choices=["sinusoidal", "learned", "none"], default="sinusoidal")
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import embedkit
    vectors = embedkit.KeyedVectors.load(args.vectors)
    train, test = read_examples(args.train), read_examples(args.test)
    counts, label_counts = {}, {}
    for tokens, label in train:
        label_counts[label] = label_counts.get(label, 0) + 1
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w]) + ["</s>"]
    known = set(words)
    words += [w for w in vectors.index_to_key if w not in known]
    labels = sorted(label_counts, key=lambda l: -label_counts[l])
    dim = vectors.vector_size
    weights = np.random.default_rng(0).uniform(-1 / dim, 1 / dim, (len(words), dim)).astype(np.float32)
    for i, w in enumerate(words):
        if w in vectors.key_to_index:
            weights[i] = vectors[w]
    for seed in args.seeds:
        result = run(args, seed, train, test, words, weights, labels)
        result.update({"peer": "pytorch", "torch": torch.__version__, "threads": args.threads,
                       "epochs": args.epochs, "embedding_lr": args.embedding_lr, "positions": args.positions, "layers": args.layers, "heads": args.heads})
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
