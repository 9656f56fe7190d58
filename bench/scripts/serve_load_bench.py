#!/usr/bin/python3
"""Load test of `embedkit serve` against gensim's most_similar behind Python's threaded HTTP
server (bench/scripts/gensim_server.py), in the same run, on the same table and queries.

  bench/scripts/serve_load_bench.py [--cli PATH] [--rows 100000] [--dim 300] [--duration 15]
                                    [--connections 1,8,64] [--json-out FILE]

The table is random (normal) rows with made-up words, written once as word2vec binary, which both
servers load; search cost does not depend on the values. wrk (Debian) sends nearest-neighbour
queries (k = 10) for words drawn at random from the vocabulary, on loopback, for --duration
seconds per level after a short warm-up. For each server and level: requests/s, p50/p99 latency,
errors (anything but 200, and socket errors), and the server's resident memory (now and peak).
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_table(path, rows, dim, seed=1):
    rng = np.random.default_rng(seed)
    words = [f"w{i:06d}" for i in range(rows)]
    table = rng.standard_normal((rows, dim), dtype=np.float32)
    with open(path, "wb") as f:
        f.write(f"{rows} {dim}\n".encode())
        for word, row in zip(words, table):
            f.write(word.encode() + b" " + row.tobytes())
    return words


def write_wrk_script(path, words, model):
    with open(path, "w") as f:
        f.write("local words = {" + ",".join(f'"{w}"' for w in words) + "}\n")
        f.write("local thread_count = 0\n")
        f.write("function setup(thread) thread_count = thread_count + 1; thread:set('seed', thread_count) end\n")
        f.write("function init(args) math.randomseed(seed * 7919) end\n")
        f.write("request = function()\n"
                f"  return wrk.format('GET', '/api/models/{model}/neighbors?word=' .. words[math.random(#words)] .. '&k=10')\n"
                "end\n")


def memory_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields


def parse_latency(text):
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def run_wrk(url, script, connections, duration):
    threads = min(2, connections)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
                          "--timeout", "30s", "-s", script, url], capture_output=True, text=True, check=True).stdout
    result = {"connections": connections, "seconds": duration}
    result["requests_per_s"] = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    result["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    for p in ("50", "99"):
        result[f"p{p}_ms"] = parse_latency(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["errors"] = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(x) for x in socket_errors.groups()) if socket_errors else 0)
    return result


def wait_ready(process, url, timeout=600):
    end = time.time() + timeout
    while time.time() < end:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=30).read()
            return
        except Exception:
            time.sleep(0.5)
    sys.exit("the server did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default="build/release/tools/embedkit/embedkit")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", default="1,8,64")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    levels = [int(c) for c in args.connections.split(",")]

    work = tempfile.mkdtemp(prefix="serve_bench_")
    table = os.path.join(work, "table.bin")
    words = write_table(table, args.rows, args.dim)
    script = os.path.join(work, "queries.lua")
    write_wrk_script(script, words[:: max(1, len(words) // 20000)], "table")
    servers = {
        "embedkit": lambda port: [args.cli, "serve", f"table={table}", "--port", str(port),
                                  "--connections", str(max(64, max(levels)))],
        "gensim": lambda port: ["/usr/bin/python3", os.path.join(HERE, "gensim_server.py"), table, str(port)],
    }
    results = []
    for name, command in servers.items():
        port = free_port()
        started = time.time()
        process = subprocess.Popen(command(port), stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(process, url + "/api/models/table/neighbors?word=w000001&k=10")
            load_seconds = time.time() - started
            run_wrk(url, script, 8, 3)  # warm-up: pages of the table, threads, caches
            for connections in levels:
                r = run_wrk(url, script, connections, args.duration)
                r.update(server=name, rows=args.rows, dim=args.dim, load_seconds=round(load_seconds, 2),
                         **{k.lower() + "_kib": v for k, v in memory_kib(process.pid).items()})
                results.append(r)
                print(f"{name:9s} {connections:3d} connections: {r['requests_per_s']:9.1f} req/s, "
                      f"p50 {r['p50_ms']:8.2f} ms, p99 {r['p99_ms']:8.2f} ms, errors {r['errors']}, "
                      f"RSS {r['vmrss_kib'] / 1024:.0f} MiB (peak {r['vmhwm_kib'] / 1024:.0f})", flush=True)
        finally:
            process.terminate()
            process.wait()
    by = {(r["server"], r["connections"]): r for r in results}
    print("\nembedkit / gensim:")
    for c in levels:
        e, g = by[("embedkit", c)], by[("gensim", c)]
        print(f"  {c:3d} connections: throughput {e['requests_per_s'] / g['requests_per_s']:.1f}x, "
              f"p99 {e['p99_ms']:.1f} ms vs {g['p99_ms']:.1f} ms")
    if args.json_out:
        with open(args.json_out, "a") as f:
            for r in results:
                f.write(json.dumps({"bench": "serve_load", "date": time.strftime("%Y-%m-%d"), **r}) + "\n")


if __name__ == "__main__":
    main()
