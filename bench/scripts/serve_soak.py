#!/usr/bin/python3
"""Soak test of `embedkit serve`: mixed good and bad requests from several clients for a long
time, every answer's status checked against the one expected, the server's memory sampled.

  bench/scripts/serve_soak.py [--cli PATH] [--minutes 10] [--clients 4] [--json-out FILE]

Serves a random 50,000 x 100 table twice (as two models, for comparisons) and a small classifier.
Each client keeps one connection and cycles through the requests below in random order; bad
requests (unknown words and paths, malformed numbers and JSON, wrong methods, bodies over the
limit, invalid UTF-8, a JSON array nested a million deep, a broken request line) must get their
4xx, good ones 200. Memory: resident set sampled every 5 s. It swings by a third from one sample
to the next (1 MB bodies, 1,000-neighbour answers, PCA buffers, freed into per-thread malloc
arenas), so growth compares windows, not two samples: the median (and the peak) over the last two
minutes against minutes 1 to 3, after the allocator has settled. A leak shows as a trend.
"""
import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

GOOD = [
    ("GET", "/api/models/a/neighbors?word=w000042&k=10", None),
    ("GET", "/api/models/a/neighbors?word=w000042&k=1000", None),
    ("POST", "/api/models/a/neighbors", {"positive": ["w000001", "w000002"], "negative": ["w000003"], "k": 5}),
    ("POST", "/api/models/b/neighbors", {"vector": [0.1] * 100, "k": 3}),
    ("GET", "/api/models/a/analogy?a=w000001&b=w000002&c=w000003&k=5", None),
    ("GET", "/api/models/a/analogy?a=w000001&b=w000002&c=w000003&method=mul", None),
    ("GET", "/api/models/b/similarity?a=w000010&b=w000020", None),
    ("GET", "/api/models/a/vector?word=w000007", None),
    ("GET", "/api/models/a/prefix?q=w0001&limit=20", None),
    ("GET", "/api/models/a/projection?word=w000100&k=30&dims=3", None),
    ("GET", "/api/models/b/projection?top=500", None),
    ("POST", "/api/models/a/projection", {"words": [f"w{i:06d}" for i in range(0, 400, 7)], "dims": 2}),
    ("GET", "/api/compare?a=a&b=b&word=w000005&k=10", None),
    ("GET", "/api/compare?a=a&b=b&top=200&k=10&limit=20", None),
    ("GET", "/api/classifiers/sentiment/predict?text=a+great+film&k=2", None),
    ("POST", "/api/classifiers/sentiment/predict", {"texts": ["good fun", "awful mess", ""], "k": 2}),
    ("GET", "/api/models", None),
    ("GET", "/api/models/a", None),
    ("GET", "/api/health", None),
    ("GET", "/", None),
    ("GET", "/explorer.js", None),
]
BAD = [  # (method, path, body, expected status)
    ("GET", "/api/models/a/neighbors?word=nope", None, 404),
    ("GET", "/api/models/zzz/neighbors?word=w000001", None, 404),
    ("GET", "/api/nothing/here", None, 404),
    ("GET", "/etc/passwd", None, 404),
    ("GET", "/api/models/a/neighbors?word=w000001&k=0", None, 400),
    ("GET", "/api/models/a/neighbors?word=w000001&k=99999999999999999999999", None, 400),
    ("GET", "/api/models/a/neighbors", None, 400),
    ("GET", "/api/models/a/neighbors?word=%ff%fe%80", None, 404),
    ("POST", "/api/models/a/neighbors", "{not json", 400),
    ("POST", "/api/models/a/neighbors", "[" * 1_000_000, 400),
    ("POST", "/api/models/a/neighbors", {"vector": [1, 2]}, 400),
    ("POST", "/api/models/a/neighbors", "x" * 1_100_000, 413),
    ("DELETE", "/api/models/a/neighbors", None, 405),
    ("PUT", "/api/models", None, 405),
    ("GET", "/api/models/a/projection?words=w000001", None, 400),
    ("GET", "/api/models/a/projection?top=999999", None, 400),
    ("GET", "/api/compare?a=a&b=missing", None, 404),
    ("GET", "/api/classifiers/sentiment/predict", None, 400),
    ("GET", "/api/classifiers/sentiment/predict?text=x&threshold=nan", None, 400),
    ("POST", "/api/classifiers/sentiment/predict", {"texts": [1, 2]}, 400),
]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def broken_request(port):
    """A request line that is not HTTP: the server must answer 400 (or close) and stay up."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GARBAGE \x00\x01 nonsense\r\n\r\n")
        answer = s.recv(100)
        return 400 if answer.startswith(b"HTTP/1.1 400") or answer == b"" else -1


class Client(threading.Thread):
    def __init__(self, port, end, seed, counts, lock):
        super().__init__(daemon=True)
        self.port, self.end, self.rng, self.counts, self.lock = port, end, random.Random(seed), counts, lock
        self.connection = None

    def ask(self, method, path, body):
        payload = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
        for attempt in range(2):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.connection.request(method, path, body=payload)
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status, data
            except (ConnectionError, http.client.HTTPException, socket.timeout):
                if self.connection is not None:
                    self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def run(self):
        requests = [(m, p, b, 200) for m, p, b in GOOD] + BAD
        while time.time() < self.end:
            self.rng.shuffle(requests)
            for method, path, body, expected in requests + [("RAW", "", None, 400)]:
                try:
                    if method == "RAW":
                        status, data = broken_request(self.port), b""
                    else:
                        status, data = self.ask(method, path, body)
                    ok = status == expected and (status != 200 or len(data) > 0)
                except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                    status, ok = repr(error), False
                with self.lock:
                    self.counts["requests"] += 1
                    self.counts["good" if expected == 200 else "bad"] += 1
                    if not ok:
                        self.counts["unexpected"] += 1
                        if len(self.counts["examples"]) < 10:
                            self.counts["examples"].append(f"{method} {path[:80]} -> {status}, expected {expected}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default="build/release/tools/embedkit/embedkit")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--json-out")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="serve_soak_")
    rng = np.random.default_rng(3)
    table = os.path.join(work, "table.txt")
    with open(table, "w") as f:
        f.write("50000 100\n")
        for i, row in enumerate(rng.standard_normal((50000, 100), dtype=np.float32)):
            f.write(f"w{i:06d} " + " ".join(f"{x:.4f}" for x in row) + "\n")
    train = os.path.join(work, "train.txt")
    with open(train, "w") as f:
        f.write("__label__pos a great good film\n__label__neg a bad awful film\n" * 20)
    subprocess.run([args.cli, "classify", "train", "-i", train, "-o", os.path.join(work, "sentiment.ekv"), "-q"],
                   check=True)
    server = subprocess.Popen([args.cli, "serve", f"a={table}", f"b={table}",
                               f"sentiment={os.path.join(work, 'sentiment.ekv')}", "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    port = int(re.search(r"127\.0\.0\.1:(\d+)/", server.stdout.readline()).group(1))
    counts = {"requests": 0, "good": 0, "bad": 0, "unexpected": 0, "examples": []}
    lock = threading.Lock()
    start = time.time()
    end = start + args.minutes * 60
    clients = [Client(port, end, seed, counts, lock) for seed in range(args.clients)]
    for c in clients:
        c.start()
    samples = []
    while time.time() < end:
        time.sleep(5)
        if server.poll() is not None:
            sys.exit(f"the server died with {server.returncode}")
        samples.append((time.time() - start, rss_kib(server.pid)))
        with lock:
            print(f"\r{samples[-1][0]:6.0f} s  {counts['requests']:8d} requests  "
                  f"{counts['unexpected']} unexpected  RSS {samples[-1][1] / 1024:.0f} MiB", end="", flush=True)
    for c in clients:
        c.join()
    print()
    server.terminate()
    clean_exit = server.wait(timeout=30) == 0
    def window(first, last):
        values = sorted(kib for t, kib in samples if first <= t < last)
        return values[len(values) // 2] / 1024, values[-1] / 1024

    total = samples[-1][0]
    early_median, early_peak = window(min(60, total / 4), min(180, total / 2))
    late_median, late_peak = window(total - min(120, total / 4), total + 1)
    result = {
        "bench": "serve_soak", "date": time.strftime("%Y-%m-%d"), "minutes": args.minutes, "clients": args.clients,
        "requests": counts["requests"], "good": counts["good"], "bad": counts["bad"],
        "unexpected": counts["unexpected"], "examples": counts["examples"],
        "rss_first_mib": samples[0][1] / 1024, "rss_last_mib": samples[-1][1] / 1024,
        "rss_early_median_mib": early_median, "rss_late_median_mib": late_median,
        "rss_early_peak_mib": early_peak, "rss_late_peak_mib": late_peak,
        "growth_median": late_median / early_median - 1, "growth_peak": late_peak / early_peak - 1,
        "clean_exit": clean_exit,
    }
    print(json.dumps(result, indent=1))
    if args.json_out:
        with open(args.json_out, "a") as f:
            f.write(json.dumps(result) + "\n")
    ok = result["unexpected"] == 0 and result["growth_median"] <= 0.10 and result["growth_peak"] <= 0.10 and clean_exit
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
