#!/usr/bin/env python3
"""Throughput of training across machines, on paper, from what run_mpi_bench.sh measured here.

    bench/scripts/mpi_scaling_model.py bench/results/DATE-mpi.jsonl [--json]

Measured (one JSON line per run): the compute rate of one core (1 process x 1 thread), of both
cores (1 x 2: how threads of one process scale), and, for 2 and 4 processes, the bytes each
process sends per word it trains, split into the tiers (rows exchanged as often as they change)
and the rounds (every row). The model: N machines, each one process of C cores at the
measured rate per core times the measured thread scaling, each exchange a ring all-reduce
(bandwidth-optimal: each machine sends and receives 2 (N-1)/N times the message, in 2 (N-1)
steps of latency alpha), exchanges blocking (no overlap with training).

  compute per word of a machine      1 / (C r)
  exchanges per word of a machine    1 / hot_words
  bytes per word of a machine        tiers(N) + rounds
  tiers(N)                           measured tiers(4) x N / 4
  rounds                             vocabulary rows x dim x 4 bytes x 2 tables / words per machine per round
  exchange time per word             2 (N-1)/N x bytes / bandwidth + 2 (N-1) alpha / hot_words
  efficiency                         compute / (compute + exchange)

Why tiers(N) grows with N: a row must be exchanged before the job makes `staleness` updates
to it, and N machines make them N times as fast, so each machine exchanges a row N times as
often per word it trains (replica_sync.h). The check: tiers(2) x 2 against tiers(4), both
measured. A corpus of 1B words keeps the frequent words' rates (the tiers) and adds rare words
(the rounds, once per epoch here).
"""
import argparse
import json
import math
import sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("results")
parser.add_argument("--model", default="words", help="words or subwords (runs of run_mpi_bench.sh)")
parser.add_argument("--cores", type=int, default=16, help="cores per machine")
parser.add_argument("--gbits", type=float, default=25, help="network bandwidth per machine, Gb/s each way")
parser.add_argument("--alpha-us", type=float, default=10, help="latency of one all-reduce step, microseconds")
parser.add_argument("--corpus-words", type=float, default=1e9)
parser.add_argument("--vocabulary", type=float, default=1e6, help="rows of each table for the 1B-word corpus")
parser.add_argument("--json", action="store_true")
args = parser.parse_args()

rows = [json.loads(line) for line in open(args.results) if line.strip()]
runs = [r for r in rows if r.get("bench") == "mpi" and r["model"] == args.model and not r.get("extra")]
by = {(r["processes"], r["threads"]): r for r in runs}
missing = [k for k in [(1, 1), (1, 2), (2, 1), (4, 1)] if k not in by]
if missing:
    sys.exit(f"{args.results}: no {args.model} run for {missing} (processes, threads)")

core_rate = by[1, 1]["words_per_second"]
thread_scaling = by[1, 2]["words_per_second"] / (2 * core_rate)
machine_rate = args.cores * core_rate * thread_scaling


def split(run):
    """Bytes per word of a process: tiers, rounds."""
    per_process_words = run["words"] / run["processes"]
    rounds = run["rounds"] * run["bytes_per_round"] / per_process_words
    return run["bytes_per_word"] - rounds, rounds


tiers2, _ = split(by[2, 1])
tiers4, rounds4 = split(by[4, 1])
run4 = by[4, 1]
hot_words, dim_bytes = run4["hot_words"], 100 * 4
bandwidth = args.gbits * 1e9 / 8
alpha = args.alpha_us * 1e-6
epochs = 1  # rounds once per epoch in the model (every row), per machine's share


def model(n):
    tiers = tiers4 * n / 4
    words_per_machine = args.corpus_words / n
    rounds = args.vocabulary * dim_bytes * 2 / words_per_machine if n > 1 else 0.0
    bytes_per_word = tiers + rounds if n > 1 else 0.0
    compute = 1 / machine_rate
    exchange = (2 * (n - 1) / n * bytes_per_word / bandwidth + 2 * (n - 1) * alpha / hot_words) if n > 1 else 0.0
    efficiency = compute / (compute + exchange)
    return {"machines": n, "bytes_per_word": round(bytes_per_word, 1), "efficiency": round(efficiency, 3),
            "words_per_second": round(n * machine_rate * efficiency)}


table = [model(n) for n in (1, 2, 4, 8, 16, 32, 64, 128)]
# Where it stops scaling: the first machine count where adding machines adds less than half their worth.
stops = next((row["machines"] for row in table if row["efficiency"] < 0.5), None)
summary = {"model": args.model, "core_words_per_second": core_rate, "thread_scaling": round(thread_scaling, 3),
           "machine_words_per_second": round(machine_rate), "cores": args.cores, "gbits": args.gbits,
           "alpha_us": args.alpha_us, "hot_words": hot_words, "staleness": run4["staleness"],
           "tiers_bytes_per_word": {"2": round(tiers2, 1), "4": round(tiers4, 1),
                                    "2_scaled_to_4": round(tiers2 * 2, 1)},
           "rounds_bytes_per_word_measured_4": round(rounds4, 1), "scaling": table, "below_half_at": stops}
if args.json:
    print(json.dumps(summary))
else:
    print(f"{args.model}: one core {core_rate / 1e3:.0f}k words/s, 2 threads scale {thread_scaling:.2f}; "
          f"a machine of {args.cores} cores {machine_rate / 1e6:.2f}M words/s")
    print(f"tiers, bytes per word of a process: {tiers2:.0f} with 2 processes (x2 = {2 * tiers2:.0f}), "
          f"{tiers4:.0f} with 4 (measured); staleness {run4['staleness']:g}, exchanges every {hot_words} words")
    print(f"network {args.gbits:g} Gb/s, ring all-reduce, {args.alpha_us:g} us a step; "
          f"{args.corpus_words:.0e} words, {args.vocabulary:.0e} rows a table")
    print(f"{'machines':>8} {'bytes/word':>11} {'efficiency':>10} {'words/s':>12}")
    for row in table:
        print(f"{row['machines']:>8} {row['bytes_per_word']:>11.0f} {row['efficiency']:>10.1%} "
              f"{row['words_per_second'] / 1e6:>11.1f}M")
    print(f"efficiency below 50% from {stops} machines" if stops else "efficiency stays above 50% to 128 machines")
