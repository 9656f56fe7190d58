#!/usr/bin/env python3
"""Throughput of training across machines, on paper, from what run_mpi_bench.sh measured here.

    bench/scripts/mpi_scaling_model.py bench/results/DATE-mpi.jsonl [--json]

Measured (one JSON line per run): the compute rate of one core (1 process x 1 thread), of both
cores (1 x 2: how threads of one process scale), and, for 2 and 4 processes, the bytes each
process sends per word it trains, split into the tiers (rows exchanged as often as they change)
and the rounds (every row). The model: N machines, each one process of C cores at the
measured rate per core (threads scaling linearly unless --thread-scaling says otherwise), each exchange a ring all-reduce
(bandwidth-optimal: each machine sends and receives 2 (N-1)/N times the message, in 2 (N-1)
steps of latency alpha), exchanges blocking (no overlap with training).

  compute per word of a machine      1 / (C r)
  all-reduces per word of a machine  2 / hot_words (a stop flag, then the rows due)
  bytes per word of a machine        tiers(N) + rounds
  tiers(N)                           measured tiers(4) x N / 4
  rounds                             rows of both tables x dim x 4 bytes / words per machine per epoch
  exchange time per word             2 (N-1)/N x bytes / bandwidth + 2 x 2 (N-1) alpha / hot_words
                                     + bytes x packing time per byte (measured here, one thread; / C)
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
parser.add_argument("--thread-scaling", type=float, default=1.0,
                    help="a machine's words/s over cores x one core's (1: linear, the hardest case for the network)")
parser.add_argument("--extra", default="",
                    help="the runs made with these extra flags (EXTRA in run_mpi_bench.sh), e.g. pWord2Vec's averaging: "
                         "\"--sync-combine mean --sync-hot-words 35000 --sync-staleness 350\"")
parser.add_argument("--staleness-grows", action="store_true",
                    help="assume --sync-staleness raised in proportion to the machines (bytes per word flat; the "
                         "quality that costs is not measured)")
parser.add_argument("--json", action="store_true")
args = parser.parse_args()

rows = [json.loads(line) for line in open(args.results) if line.strip()]
runs = [r for r in rows if r.get("bench") == "mpi" and r["model"] == args.model]
plain = {(r["processes"], r["threads"]): r for r in runs if not r.get("extra")}
by = dict(plain)
by.update({(r["processes"], r["threads"]): r for r in runs if args.extra and r.get("extra") == args.extra})
mean = "--sync-combine mean" in args.extra
missing = [k for k in [(1, 1), (1, 2), (2, 1), (4, 1)] if k not in by]
if missing:
    sys.exit(f"{args.results}: no {args.model} run for {missing} (processes, threads)")

core_rate = by[1, 1]["words_per_second"]
measured_thread_scaling = by[1, 2]["words_per_second"] / (2 * core_rate)  # (this 2-core VM: noisy)
thread_scaling = args.thread_scaling
machine_rate = args.cores * core_rate * thread_scaling


def split(run):
    """Bytes per word of a process: tiers, rounds."""
    per_process_words = run["words"] / run["processes"]
    rounds = run["rounds"] * run["bytes_per_round"] / per_process_words
    return run["bytes_per_word"] - rounds, rounds


tiers2, _ = split(by[2, 1])
tiers4, rounds4 = split(by[4, 1])
run2, run4 = by[2, 1], by[4, 1]
hot_words, dim_bytes = run4["hot_words"], 100 * 4
bandwidth = args.gbits * 1e9 / 8
alpha = args.alpha_us * 1e-6
# Packing and unpacking the rows (gathering them from the tables and back), measured: seconds per
# byte exchanged, outside the all-reduces, by one thread (2 processes here); a machine's threads
# share it (as they share the training: linearly, at thread_scaling).
packed = plain[2, 1]  # (the runs with reduce_seconds: the plain ones)
pack = (packed["sync_seconds"] - packed["reduce_seconds"]) / packed["bytes_sent"]
pack /= args.cores * args.thread_scaling

# The check on this machine: an all-reduce's time here (embedkit_bench_allreduce with 2
# processes, fitted as latency + bytes / rate) times the 2-process job's exchanges, against the
# seconds that job spent in them.
check = None
calls = sorted((r["bytes"], r["seconds_per_call"]) for r in rows if r.get("bench") == "allreduce" and r["processes"] == 2)
if len(calls) >= 2:
    # Least squares on relative errors (weights 1/t^2), so that the small messages, which set
    # the latency, count as much as the large ones, which set the rate.
    w = [1 / t ** 2 for _, t in calls]
    sw, sx, sy = sum(w), sum(wi * b for wi, (b, _) in zip(w, calls)), sum(wi * t for wi, (_, t) in zip(w, calls))
    sxx, sxy = sum(wi * b * b for wi, (b, _) in zip(w, calls)), sum(wi * b * t for wi, (b, t) in zip(w, calls))
    slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx)
    if slope <= 0:
        sys.exit(f"{args.results}: all-reduce times do not grow with the bytes: {calls}")
    latency = max((sy - slope * sx) / sw, 0.0)
    # Each exchange: its all-reduces (one per 16 MB batch), against the seconds measured inside them.
    predicted = run2["exchanges"] * latency + run2["bytes_sent"] * slope
    check = {"latency_us": round(latency * 1e6, 1), "gbytes_per_second": round(1 / slope / 1e9, 2),
             "predicted_reduce_seconds": round(predicted, 1), "measured_reduce_seconds": run2.get("reduce_seconds"),
             "measured_sync_seconds": run2["sync_seconds"], "train_seconds": run2["train_seconds"]}

def model(n):
    # A row must go before the job makes `staleness` updates, and N machines make them N times as
    # fast (summing or averaging alike); unless the staleness grows with the machines
    # (--staleness-grows: pWord2Vec's way, with bytes per word flat and quality unmeasured).
    tiers = tiers4 * (1 if args.staleness_grows else n / 4)
    words_per_machine = args.corpus_words / n
    # Tiers: as many as halvings fit in a round (pieces of hot_words words up to sync_words or
    # the share); measured with tiers_measured, each costing about the same bytes.
    round_words = min(run4["sync_words"], words_per_machine)
    tiers *= (math.ceil(math.log2(max(2, round_words / hot_words))) + 1) / (len(run4["tier_rows"]))
    table_rows = 2 * args.vocabulary + (2e6 if args.model == "subwords" else 0)  # input (+ n-gram buckets), output
    rounds = math.ceil(words_per_machine / run4["sync_words"]) * table_rows * dim_bytes / words_per_machine
    bytes_per_word = tiers + rounds if n > 1 else 0.0
    compute = 1 / machine_rate
    # Each piece: two all-reduces (the stop flag, then the rows), each 2 (N-1) steps of latency.
    exchange = (2 * (n - 1) / n * bytes_per_word / bandwidth + 2 * 2 * (n - 1) * alpha / hot_words
                + pack * bytes_per_word) if n > 1 else 0.0
    efficiency = compute / (compute + exchange)
    return {"machines": n, "bytes_per_word": round(bytes_per_word, 1), "efficiency": round(efficiency, 3),
            "words_per_second": round(n * machine_rate * efficiency)}


table = [model(n) for n in (1, 2, 4, 8, 16, 32, 64, 128)]
# Where it stops scaling: the first machine count at which the machines spend more time exchanging than training.
stops = next((row["machines"] for row in table if row["efficiency"] < 0.5), None)
summary = {"model": args.model, "combine": "mean" if mean else "sum", "extra": args.extra,
           "staleness_grows": args.staleness_grows, "core_words_per_second": core_rate, "thread_scaling": thread_scaling,
           "thread_scaling_measured_here": round(measured_thread_scaling, 3),
           "machine_words_per_second": round(machine_rate), "cores": args.cores, "gbits": args.gbits,
           "alpha_us": args.alpha_us, "hot_words": hot_words, "staleness": run4["staleness"],
           "tiers_bytes_per_word": {"2": round(tiers2, 1), "4": round(tiers4, 1),
                                    "2_scaled_to_4": round(tiers2 * 2, 1)},
           "rounds_bytes_per_word_measured_4": round(rounds4, 1), "scaling": table, "below_half_at": stops,
           "check_here": check}
if args.json:
    print(json.dumps(summary))
else:
    print(f"{args.model}: one core {core_rate / 1e3:.0f}k words/s (2 threads here: {measured_thread_scaling:.2f} of "
          f"linear); a machine of {args.cores} cores at {thread_scaling:g} of linear: {machine_rate / 1e6:.2f}M words/s")
    print(f"combine {'mean' if mean else 'sum'}; tiers, bytes per word of a process: {tiers2:.0f} with 2 processes "
          f"(x2 = {2 * tiers2:.0f}), {tiers4:.0f} with 4 (measured); staleness {run4['staleness']:g}, "
          f"exchanges every {hot_words} words; quality with 4 processes: analogies {100 * run4['analogy']:.1f}% "
          f"(one process {100 * by[1, 1]['analogy']:.1f}%), WS-353 {run4['ws353']:.3f} ({by[1, 1]['ws353']:.3f})")
    print(f"network {args.gbits:g} Gb/s, ring all-reduce, {args.alpha_us:g} us a step; "
          f"{args.corpus_words:.0e} words, {args.vocabulary:.0e} rows a table; bytes per word "
          f"{'flat (staleness grows with the machines)' if args.staleness_grows else 'x N/4'}")
    print(f"{'machines':>8} {'bytes/word':>11} {'efficiency':>10} {'words/s':>12}")
    for row in table:
        print(f"{row['machines']:>8} {row['bytes_per_word']:>11.0f} {row['efficiency']:>10.1%} "
              f"{row['words_per_second'] / 1e6:>11.1f}M")
    print(f"efficiency below 50% from {stops} machines" if stops else "efficiency stays above 50% to 128 machines")
    if check:
        print(f"check, 2 processes here: all-reduce {check['latency_us']:.0f} us + bytes at {check['gbytes_per_second']:.1f} GB/s "
              f"predicts {check['predicted_reduce_seconds']:.1f} s in all-reduces; measured {check['measured_reduce_seconds']} s "
              f"(and {check['measured_sync_seconds']:.1f} s in exchanges with the packing, of {check['train_seconds']:.0f} s "
              f"training)")
