#!/usr/bin/env python3
"""Unigram tokenizer training: embedkit against SentencePiece's spm_train, same corpus, same settings.

    python3 bench/scripts/unigram_quality.py [--build build/wip] [--train-words 2000000]
        [--heldout-words 200000] [--vocab 8000 32000] [--threads 2] [--out bench/results/...jsonl]

The first --train-words words of the shared enwiki corpus (lines as sentences) are the training
text, the next --heldout-words the held-out text; both are NFKC-normalized with whitespace runs
collapsed first (what spm's nmt_nfkc and remove_extra_whitespaces do to these lines), so both
trainers see the same text; spm_train then runs with the identity rule. Each trainer runs with
the same threads, vocabulary size (3 special tokens included), max piece length 16 and
character coverage 0.9995, timed end to end (wall clock, reading the file included). Both
vocabularies are then written as a tokenizer.json (NFKC + Metaspace + Unigram) and the held-out
text is encoded by embedkit's own Unigram encoder: tokens per word and the log-likelihood (sum
of the Viterbi pieces' scores). One JSON line per (trainer, vocab) goes to --out.
"""
import argparse, json, lzma, os, re, subprocess, sys, time, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def prepare(corpus, work, n_train, n_held):
    train, held = os.path.join(work, 'train.txt'), os.path.join(work, 'heldout.txt')
    stamp = os.path.join(work, f'prepared-{n_train}-{n_held}')
    if os.path.exists(stamp):
        return train, held
    ws = re.compile(r'\s+')
    words = 0
    with lzma.open(corpus, 'rt', encoding='utf-8') as f, open(train, 'w') as out_t, open(held, 'w') as out_h:
        for line in f:
            line = ws.sub(' ', unicodedata.normalize('NFKC', line)).strip()
            if not line:
                continue
            if words < n_train:
                out_t.write(line + '\n')
            elif words < n_train + n_held:
                out_h.write(line + '\n')
            else:
                break
            words += len(line.split(' '))
    open(stamp, 'w').close()
    return train, held


def spm_vocab_to_json(vocab_path, json_path):
    vocab = []
    with open(vocab_path, encoding='utf-8') as f:
        for line in f:
            piece, score = line.rstrip('\n').split('\t')
            vocab.append([piece, float(score)])
    tok = {"normalizer": {"type": "NFKC"},
           "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
           "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab}}
    with open(json_path, 'w', encoding='utf-8') as f:
        json.dump(tok, f, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.path.join(ROOT, 'build', 'wip'))
    ap.add_argument('--corpus', default=os.path.join(ROOT, '..', 'shared', 'data', 'corpus', 'enwiki', 'enwiki-17M.txt.xz'))
    ap.add_argument('--train-words', type=int, default=2_000_000)
    ap.add_argument('--heldout-words', type=int, default=200_000)
    ap.add_argument('--vocab', type=int, nargs='+', default=[8000, 32000])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--max-piece-length', type=int, default=16)
    ap.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results', '2026-11-30-tokenizer-training.jsonl'))
    args = ap.parse_args()

    bench = os.path.join(args.build, 'bench', 'embedkit_bench_unigram')
    work = os.path.join(ROOT, 'build', 'bench-data', 'unigram')
    os.makedirs(work, exist_ok=True)
    train, held = prepare(args.corpus, work, args.train_words, args.heldout_words)
    spm_version = subprocess.run(['spm_train', '--version'], capture_output=True, text=True).stdout.strip() or \
        subprocess.run(['spm_train', '--version'], capture_output=True, text=True).stderr.strip()

    def evaluate(tokenizer):
        out = subprocess.run([bench, 'eval', tokenizer, held], check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    records = []
    for vocab in args.vocab:
        prefix = os.path.join(work, f'spm{vocab}')
        load = os.getloadavg()[0]
        start = time.perf_counter()
        subprocess.run(['spm_train', f'--input={train}', f'--model_prefix={prefix}', f'--vocab_size={vocab}',
                        '--model_type=unigram', '--character_coverage=0.9995', f'--num_threads={args.threads}',
                        f'--max_sentencepiece_length={args.max_piece_length}', '--max_sentence_length=1000000',
                        '--normalization_rule_name=identity'], check=True, capture_output=True)
        spm_seconds = time.perf_counter() - start
        spm_vocab_to_json(prefix + '.vocab', prefix + '.json')
        spm = dict(trainer='spm_train', version=spm_version, vocab_size=vocab, threads=args.threads,
                   seconds=spm_seconds, load_before=load, **evaluate(prefix + '.json'))

        ek_json = os.path.join(work, f'embedkit{vocab}.json')
        load = os.getloadavg()[0]
        start = time.perf_counter()
        out = subprocess.run([bench, 'train', train, str(vocab), str(args.threads), str(args.max_piece_length), ek_json],
                             check=True, capture_output=True, text=True).stdout
        ek_seconds = time.perf_counter() - start
        ek = dict(trainer='embedkit', seconds=ek_seconds, load_before=load,
                  **json.loads(out), **evaluate(ek_json))
        for r in (spm, ek):
            r.update(train_words=args.train_words, heldout_words=args.heldout_words,
                     max_piece_length=args.max_piece_length, character_coverage=0.9995,
                     date=time.strftime('%Y-%m-%dT%H:%M:%S'))
            records.append(r)
        print(f"vocab {vocab}: tokens/word embedkit {ek['tokens_per_word']:.4f} spm {spm['tokens_per_word']:.4f} "
              f"({100 * (ek['tokens_per_word'] / spm['tokens_per_word'] - 1):+.2f}%); log-likelihood embedkit "
              f"{ek['log_likelihood']:.0f} spm {spm['log_likelihood']:.0f} "
              f"({100 * (ek['log_likelihood'] / spm['log_likelihood'] - 1):+.2f}%); seconds embedkit {ek_seconds:.2f} "
              f"spm {spm_seconds:.2f} (ratio {ek_seconds / spm_seconds:.2f})", flush=True)
    with open(args.out, 'a') as f:
        for r in records:
            f.write(json.dumps(r) + '\n')


if __name__ == '__main__':
    sys.exit(main())
