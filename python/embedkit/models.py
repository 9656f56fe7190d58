"""Word2Vec and FastText with gensim 4's names, trained by embedkit's native trainer.

    model = embedkit.Word2Vec(corpus_file="text.txt", vector_size=100, window=5, sg=1, epochs=5)
    model.wv.most_similar("king")

Training releases the GIL and shows a progress bar on a terminal (``progress=``). Ctrl-C stops
it within a moment: ``KeyboardInterrupt`` is raised with the model reached so far attached as
``exc.model`` (its ``wv`` usable), and ``model.wv`` already holds those vectors.
"""

from __future__ import annotations

import os
import tempfile
from typing import Iterable, List, Optional

from . import _embedkit
from ._progress import progress_callback
from .keyed_vectors import KeyedVectors


def _write_sentences(sentences: Iterable[List[str]]) -> str:
    """An iterable of token lists as a temporary text file, one sentence per line."""
    fd, path = tempfile.mkstemp(prefix="embedkit-corpus-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for sentence in sentences:
                if isinstance(sentence, str):
                    raise _embedkit.ArgumentError("sentences must be lists of tokens, not strings")
                out.write(" ".join(sentence))
                out.write("\n")
    except BaseException:
        os.unlink(path)
        raise
    return path


class Word2Vec:
    """gensim's ``Word2Vec``: skip-gram (``sg=1``) or CBOW (``sg=0``), negative sampling
    (``negative``) or hierarchical softmax (``hs=1``), with gensim's defaults.

    ``sentences`` (an iterable of token lists, as gensim's) or ``corpus_file`` (a text file,
    whitespace-separated tokens, one sentence per line: the fast path). Learning rate decays
    linearly from ``alpha`` to 0 (``min_alpha`` is accepted and not used)."""

    _subwords = False

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5, min_count=5,
                 max_vocab_size=None, sample=1e-3, seed=1, workers=3, min_alpha=0.0001, sg=0, hs=0, negative=5,
                 ns_exponent=0.75, cbow_mean=1, epochs=5, callbacks=(), *, progress=None, lowercase=False,
                 **fasttext):
        if max_vocab_size is not None:
            raise _embedkit.ArgumentError("max_vocab_size is not supported; use min_count")
        if not cbow_mean:
            raise _embedkit.ArgumentError("cbow_mean=0 (sum of context vectors) is not supported")
        if not hs and negative <= 0:
            raise _embedkit.ArgumentError("negative must be > 0 unless hs=1")
        self.vector_size, self.alpha, self.window, self.min_count = vector_size, alpha, window, min_count
        self.sample, self.seed, self.workers, self.min_alpha = sample, seed, workers, min_alpha
        self.sg, self.hs, self.negative, self.ns_exponent = sg, hs, negative, ns_exponent
        self.epochs, self.callbacks, self.progress, self.lowercase = epochs, list(callbacks), progress, lowercase
        self.min_n = fasttext.pop("min_n", 3)
        self.max_n = fasttext.pop("max_n", 6)
        self.bucket = fasttext.pop("bucket", 2000000)
        if fasttext:
            raise TypeError(f"unexpected arguments: {', '.join(sorted(fasttext))}")
        self.wv: Optional[KeyedVectors] = None
        self.corpus_file = corpus_file
        self._sentences = sentences
        if sentences is not None or corpus_file is not None:
            self.train(corpus_iterable=sentences, corpus_file=corpus_file)

    def build_vocab(self, corpus_iterable=None, corpus_file=None, **_ignored) -> None:
        """Remembers the corpus; the vocabulary pass runs as the first step of ``train``."""
        self._sentences, self.corpus_file = corpus_iterable, corpus_file

    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None, epochs=None,
              **_ignored) -> tuple:
        """Trains from scratch on the corpus (given here or to the constructor / build_vocab).
        Returns ``(words trained, words in the corpus)`` as gensim's (effective, raw) counts."""
        corpus_iterable = corpus_iterable if corpus_iterable is not None else self._sentences
        corpus_file = corpus_file or self.corpus_file
        if (corpus_iterable is None) == (corpus_file is None):
            raise _embedkit.ArgumentError("give exactly one of sentences (corpus_iterable) or corpus_file")
        if epochs is not None:
            self.epochs = epochs
        temporary = _write_sentences(corpus_iterable) if corpus_iterable is not None else None
        for cb in self.callbacks:
            getattr(cb, "on_train_begin", lambda m: None)(self)
        bar = progress_callback(self.progress, "training", "words")
        seen = {"epoch": -1, "corpus": 0, "words": 0}

        def report(info):
            if "corpus_tokens" in info:
                seen["corpus"] = info["corpus_tokens"]
                if bar is not None:
                    bar(info)
                return
            seen["words"] = info["words"]
            while seen["epoch"] < info["epoch"] or (info["finished"] and seen["epoch"] < self.epochs):
                if seen["epoch"] >= 0:
                    for cb in self.callbacks:
                        getattr(cb, "on_epoch_end", lambda m: None)(self)
                seen["epoch"] += 1
                if seen["epoch"] < self.epochs:
                    for cb in self.callbacks:
                        getattr(cb, "on_epoch_begin", lambda m: None)(self)
            if bar is not None:
                bar(info)

        try:
            core, interrupted = _embedkit.train_word_vectors(
                temporary or str(corpus_file), skipgram=bool(self.sg), hierarchical_softmax=bool(self.hs),
                dim=self.vector_size, window=self.window, negatives=self.negative if not self.hs else 0,
                negative_power=self.ns_exponent, epochs=self.epochs, min_count=self.min_count, sample=self.sample,
                learning_rate=self.alpha, subwords=self._subwords, min_n=self.min_n, max_n=self.max_n,
                bucket=self.bucket, threads=self.workers or 0, seed=self.seed, lowercase=self.lowercase,
                progress=report)
        finally:
            if temporary is not None:
                os.unlink(temporary)
        self.wv = KeyedVectors._wrap(core)
        if interrupted:
            if bar is not None and hasattr(bar, "close"):
                bar.close()
            exc = KeyboardInterrupt(f"training stopped: {core.metadata.get('training.stopped', '')}; "
                                    "exc.model.wv holds the vectors so far")
            exc.model = self
            raise exc
        for cb in self.callbacks:
            getattr(cb, "on_train_end", lambda m: None)(self)
        return seen["words"], seen["corpus"] * self.epochs

    def save(self, fname: str) -> None:
        """Writes the model (vectors, subword buckets, output layer and settings) in embedkit's
        native format, which ``load`` maps back in milliseconds."""
        self._require_trained().save(fname, format="native")

    @classmethod
    def load(cls, fname: str) -> "Word2Vec":
        model = cls.__new__(cls)
        model.wv = KeyedVectors.load(fname)
        model.corpus_file, model._sentences, model.callbacks, model.progress = None, None, [], None
        model.vector_size = model.wv.vector_size
        return model

    def _require_trained(self) -> KeyedVectors:
        if self.wv is None:
            raise _embedkit.ArgumentError("the model is not trained yet")
        return self.wv

    def __repr__(self) -> str:
        words = len(self.wv) if self.wv is not None else 0
        return f"<{type(self).__name__} vocab={words} vector_size={self.vector_size} sg={self.sg}>"


class FastText(Word2Vec):
    """gensim's ``FastText``: Word2Vec plus character n-grams ``min_n``..``max_n`` hashed into
    ``bucket`` rows, so ``model.wv`` gives every word a vector, seen or not."""

    _subwords = True

    def __init__(self, sentences=None, corpus_file=None, sg=0, hs=0, vector_size=100, alpha=0.025, window=5,
                 min_count=5, max_vocab_size=None, word_ngrams=1, sample=1e-3, seed=1, workers=3, min_alpha=0.0001,
                 negative=5, ns_exponent=0.75, cbow_mean=1, epochs=5, min_n=3, max_n=6, bucket=2000000,
                 callbacks=(), *, progress=None, lowercase=False):
        if word_ngrams != 1:
            raise _embedkit.ArgumentError("word_ngrams must be 1 for unsupervised FastText (as gensim's)")
        super().__init__(sentences=sentences, corpus_file=corpus_file, vector_size=vector_size, alpha=alpha,
                         window=window, min_count=min_count, max_vocab_size=max_vocab_size, sample=sample, seed=seed,
                         workers=workers, min_alpha=min_alpha, sg=sg, hs=hs, negative=negative,
                         ns_exponent=ns_exponent, cbow_mean=cbow_mean, epochs=epochs, callbacks=callbacks,
                         progress=progress, lowercase=lowercase, min_n=min_n, max_n=max_n, bucket=bucket)
