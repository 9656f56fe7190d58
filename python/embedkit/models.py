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

# gensim arguments embedkit accepts at the value it implements (any other value is an error);
# the others it accepts without effect (hashing, batching and loss tracking are the trainer's own).
_FIXED = {"sorted_vocab": 1, "max_final_vocab": None, "trim_rule": None, "null_word": 0, "shrink_windows": True,
          "max_vocab_size": None, "cbow_mean": 1}


def _check_fixed(**given) -> None:
    for name, value in given.items():
        if value != _FIXED[name] and not (name == "sorted_vocab" and value is True):
            raise _embedkit.ArgumentError(f"{name}={value!r} is not supported (only {_FIXED[name]!r})")


def _write_sentences(sentences: Iterable[List[str]]) -> str:
    """An iterable of token lists as a temporary text file, one sentence per line."""
    fd, path = tempfile.mkstemp(prefix="embedkit-corpus-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for number, sentence in enumerate(sentences, 1):
                if isinstance(sentence, str):
                    raise _embedkit.ArgumentError("sentences must be lists of tokens, not strings")
                line = " ".join(sentence)
                if len(line.split()) != len(sentence):
                    bad = next((t for t in sentence if not isinstance(t, str) or not t or len(t.split()) != 1), None)
                    raise _embedkit.ArgumentError(
                        f"sentence {number}: token {bad!r} is not a non-empty string without whitespace (the "
                        "trainer reads whitespace-separated text)")
                out.write(line)
                out.write("\n")
    except TypeError as e:  # a token that is not a string
        os.unlink(path)
        raise _embedkit.ArgumentError(f"tokens must be strings: {e}") from None
    except BaseException:
        os.unlink(path)
        raise
    return path


def _call(callbacks, hook: str, model) -> None:
    for cb in callbacks:
        method = getattr(cb, hook, None)
        if method is not None:
            method(model)


class Word2Vec:
    """gensim's ``Word2Vec``: skip-gram (``sg=1``) or CBOW (``sg=0``), negative sampling
    (``negative``) or hierarchical softmax (``hs=1``), with gensim's defaults.

    ``sentences`` (an iterable of token lists, as gensim's) or ``corpus_file`` (a text file,
    whitespace-separated tokens, one sentence per line: the fast path). The learning rate decays
    linearly from ``alpha`` to 0. gensim's ``callbacks`` get ``on_train_begin``,
    ``on_epoch_begin``, ``on_epoch_end`` (with ``model.wv`` holding a copy of the vectors after
    that epoch) and ``on_train_end``."""

    _subwords = False

    # gensim 4's parameters, in gensim's order (positional calls mean the same), then embedkit's.
    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5, min_count=5,
                 max_vocab_size=None, sample=1e-3, seed=1, workers=3, min_alpha=0.0001, sg=0, hs=0, negative=5,
                 ns_exponent=0.75, cbow_mean=1, hashfxn=hash, epochs=5, null_word=0, trim_rule=None, sorted_vocab=1,
                 batch_words=10000, compute_loss=False, callbacks=(), comment=None, max_final_vocab=None,
                 shrink_windows=True, *, progress=None, lowercase=False, min_n=3, max_n=6, bucket=2000000):
        _check_fixed(max_vocab_size=max_vocab_size, cbow_mean=cbow_mean, null_word=null_word, trim_rule=trim_rule,
                     sorted_vocab=sorted_vocab, max_final_vocab=max_final_vocab, shrink_windows=shrink_windows)
        self.min_alpha, self.compute_loss, self.comment = min_alpha, compute_loss, comment
        if not hs and negative <= 0:
            raise _embedkit.ArgumentError("negative must be > 0 unless hs=1")
        self.vector_size, self.alpha, self.window, self.min_count = vector_size, alpha, window, min_count
        self.sample, self.seed, self.workers = sample, seed, workers
        self.sg, self.hs, self.negative, self.ns_exponent = sg, hs, negative, ns_exponent
        self.epochs, self.callbacks, self.progress, self.lowercase = epochs, list(callbacks), progress, lowercase
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket
        self.wv: Optional[KeyedVectors] = None
        self.corpus_total_words: Optional[int] = None
        self._latest_loss = 0.0
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
        Returns ``(words trained on, words in the corpus)``, both over all epochs; embedkit counts
        the words it trained on before frequent words are subsampled (gensim after)."""
        corpus_iterable = corpus_iterable if corpus_iterable is not None else self._sentences
        corpus_file = corpus_file or self.corpus_file
        if (corpus_iterable is None) == (corpus_file is None):
            raise _embedkit.ArgumentError("give exactly one of sentences (corpus_iterable) or corpus_file")
        if epochs is not None:
            self.epochs = epochs
        temporary = _write_sentences(corpus_iterable) if corpus_iterable is not None else None
        _call(self.callbacks, "on_train_begin", self)
        bar = progress_callback(self.progress, "training", "words")
        seen = {"epoch": -1, "corpus": 0, "words": 0}

        def report(info):
            if "corpus_tokens" in info:
                seen["corpus"] = info["corpus_tokens"]
                self.corpus_total_words = info["corpus_tokens"]
            else:
                seen["words"] = info["words"]
                self._latest_loss = info["loss"]
                if seen["epoch"] < info["epoch"] and not info["finished"]:
                    seen["epoch"] = info["epoch"]
                    _call(self.callbacks, "on_epoch_begin", self)
            if bar is not None:
                bar(info)

        def epoch_end(info):
            if seen["epoch"] < info["epochs_done"] - 1:  # an epoch too short to report
                seen["epoch"] = info["epochs_done"] - 1
                _call(self.callbacks, "on_epoch_begin", self)
            self.wv = KeyedVectors._wrap(info["vectors"])
            _call(self.callbacks, "on_epoch_end", self)

        try:
            core, interrupted = _embedkit.train_word_vectors(
                temporary or str(corpus_file), skipgram=bool(self.sg), hierarchical_softmax=bool(self.hs),
                dim=self.vector_size, window=self.window, negatives=self.negative if not self.hs else 0,
                negative_power=self.ns_exponent, epochs=self.epochs, min_count=self.min_count, sample=self.sample,
                learning_rate=self.alpha, subwords=self._subwords, min_n=self.min_n, max_n=self.max_n,
                bucket=self.bucket, threads=self.workers or 0, seed=self.seed, lowercase=self.lowercase,
                progress=report, epoch_end=epoch_end if self.callbacks else None)
        finally:
            if temporary is not None:
                os.unlink(temporary)
        self.wv = KeyedVectors._wrap(core)
        if interrupted:
            if bar is not None and hasattr(bar, "close"):
                bar.close()
            exc = KeyboardInterrupt(f"training stopped {core.metadata.get('training.stopped', '')}; "
                                    "exc.model.wv holds the vectors so far")
            exc.model = self
            raise exc
        _call(self.callbacks, "on_train_end", self)
        return seen["words"], seen["corpus"] * self.epochs

    def get_latest_training_loss(self) -> float:
        """The mean loss per prediction of the latest epoch (gensim reports a running sum instead,
        and only with compute_loss=True; embedkit always measures it)."""
        return self._latest_loss

    def save(self, fname: str) -> None:
        """Writes the model (vectors, subword buckets, output layer and settings) in embedkit's
        native format, which ``load`` maps back in milliseconds."""
        self._require_trained().save(fname, format="native")

    @classmethod
    def load(cls, fname: str, format: str = "detect") -> "Word2Vec":
        """A model ``save`` wrote (or, with ``format="gensim"``, one gensim's ``save`` wrote: its
        vectors, through gensim's unpickler, for trusted files only). The settings come from the
        file where it records them (embedkit's own), else are gensim's defaults."""
        wv = KeyedVectors.load(fname, format=format)
        meta = wv.metadata
        model = cls.__new__(cls)
        Word2Vec.__init__(model, vector_size=wv.vector_size, progress=False)
        model.lowercase = meta.get("text.lowercase") == "yes"
        # (fastText's codes: model 1 = cbow, 2 = skip-gram; loss 1 = hierarchical softmax)
        for attr, key, convert in (("window", "fasttext.ws", int), ("epochs", "fasttext.epoch", int),
                                   ("min_count", "fasttext.minCount", int), ("negative", "fasttext.neg", int),
                                   ("sample", "fasttext.t", float), ("sg", "fasttext.model", lambda v: int(v == "2")),
                                   ("hs", "fasttext.loss", lambda v: int(v == "1")),
                                   ("alpha", "training.learning_rate", float),
                                   ("ns_exponent", "training.negative_power", float), ("seed", "training.seed", int)):
            if key in meta:
                setattr(model, attr, convert(meta[key]))
        subwords = wv._core.subwords
        if subwords is not None:
            model.min_n, model.max_n, model.bucket = subwords["min_n"], subwords["max_n"], subwords["bucket"]
        model.wv = wv
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

    # gensim 4's parameters, in gensim's order, then embedkit's.
    def __init__(self, sentences=None, corpus_file=None, sg=0, hs=0, vector_size=100, alpha=0.025, window=5,
                 min_count=5, max_vocab_size=None, word_ngrams=1, sample=1e-3, seed=1, workers=3, min_alpha=0.0001,
                 negative=5, ns_exponent=0.75, cbow_mean=1, hashfxn=hash, epochs=5, null_word=0, min_n=3, max_n=6,
                 sorted_vocab=1, bucket=2000000, trim_rule=None, batch_words=10000, callbacks=(),
                 max_final_vocab=None, shrink_windows=True, *, progress=None, lowercase=False):
        if word_ngrams != 1:
            raise _embedkit.ArgumentError("word_ngrams must be 1 for unsupervised FastText (as gensim's)")
        super().__init__(sentences=sentences, corpus_file=corpus_file, vector_size=vector_size, alpha=alpha,
                         window=window, min_count=min_count, max_vocab_size=max_vocab_size, sample=sample, seed=seed,
                         workers=workers, min_alpha=min_alpha, sg=sg, hs=hs, negative=negative,
                         ns_exponent=ns_exponent, cbow_mean=cbow_mean, hashfxn=hashfxn, epochs=epochs,
                         null_word=null_word, trim_rule=trim_rule, sorted_vocab=sorted_vocab,
                         batch_words=batch_words, callbacks=callbacks, max_final_vocab=max_final_vocab,
                         shrink_windows=shrink_windows, progress=progress, lowercase=lowercase, min_n=min_n,
                         max_n=max_n, bucket=bucket)
