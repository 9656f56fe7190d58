#!/usr/bin/python3
"""Is context real? For each word of data/word_senses.tsv (sentences that use it in one of two
senses), the cosine between its contextual vectors (`embedkit encode --json`) in sentences of the
same sense and in sentences of different senses. A static table gives the word one vector
(cosine 1 everywhere: it cannot tell the senses apart); a contextual encoder should give
same > different.

  /usr/bin/python3 bench/scripts/context_senses.py build/release/tools/embedkit/embedkit encoder.ekv \
      [data/word_senses.tsv] [--json]
Prints a table (per word: same-sense and cross-sense cosines) and the summary, or one JSON line.
"""
import argparse
import itertools
import json
import subprocess
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("embedkit")
    ap.add_argument("encoder")
    ap.add_argument("senses", nargs="?", default="data/word_senses.tsv")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with open(args.senses, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            word, sense, sentence = line.rstrip("\n").split("\t")
            rows.append((word, sense, sentence))
    out = subprocess.run([args.embedkit, "encode", args.encoder, "--json"], input="\n".join(r[2] for r in rows) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    vectors = {}
    for (word, sense, sentence), encoded in zip(rows, out):
        e = json.loads(encoded)
        positions = [i for i, t in enumerate(e["tokens"]) if t == word]
        if not positions:
            sys.exit(f"{word!r} is not a token of {sentence!r}")
        if not e["known"][positions[0]]:
            sys.exit(f"{word!r} is unknown to {args.encoder}")
        v = np.array(e["vectors"][positions[0]], dtype=np.float64)
        vectors.setdefault(word, []).append((sense, v / np.linalg.norm(v)))
    per_word, margins = [], []
    for word, uses in vectors.items():
        same, cross = [], []
        for (s1, v1), (s2, v2) in itertools.combinations(uses, 2):
            (same if s1 == s2 else cross).append(float(v1 @ v2))
        margins.append(np.mean(same) - np.mean(cross))
        per_word.append({"word": word, "same": float(np.mean(same)), "different": float(np.mean(cross))})
    summary = {"encoder": args.encoder, "words": len(per_word),
               "mean_same": float(np.mean([w["same"] for w in per_word])),
               "mean_different": float(np.mean([w["different"] for w in per_word])),
               "mean_margin": float(np.mean(margins)),
               "words_same_above_different": int(sum(m > 0 for m in margins)),
               "static_table_margin": 0.0}
    if args.json:
        print(json.dumps({**summary, "per_word": per_word}))
        return
    print(f"{'word':10} {'same sense':>10} {'different':>10}")
    for w in per_word:
        print(f"{w['word']:10} {w['same']:10.4f} {w['different']:10.4f}")
    print(f"mean cosine within a sense {summary['mean_same']:.4f}, across senses {summary['mean_different']:.4f}; "
          f"margin {summary['mean_margin']:.4f}; {summary['words_same_above_different']} of {summary['words']} words "
          f"closer within a sense (a static table: margin 0, one vector per word)")


if __name__ == "__main__":
    sys.exit(main())
