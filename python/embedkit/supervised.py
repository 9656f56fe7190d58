"""Text classification with fastText's Python interface, trained and run by embedkit.

    model = embedkit.train_supervised(input="train.txt", epoch=10, wordNgrams=2)
    model.predict("a gripping , funny film", k=2)     # (('__label__1', '__label__0'), array([...]))
    model.test("valid.txt")                             # (N, precision@1, recall@1)
    model.save_model("sentiment.ekv")

Input files are fastText's: ``__label__X`` tokens and the text, one example per line.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _embedkit
from ._progress import progress_callback
from .keyed_vectors import KeyedVectors

_LOSSES = {"softmax": "softmax", "hs": "hs", "ova": "ova"}


def _labels_wanted(k: int) -> int:
    """fastText's k: -1 = every label (0 for the native call), else at least 1."""
    if k == -1:
        return 0
    if k < 1:
        raise ValueError("k needs to be 1 or higher!")
    return k


class FastTextModel:
    """A trained classifier (fastText's ``_FastText`` for supervised models)."""

    def __init__(self, core, label_prefix: str = "__label__"):
        self._core = core
        self._prefix = label_prefix
        self._words = None  # the learned word rows, copied out once when first asked for

    @property
    def labels(self) -> List[str]:
        return [self._prefix + label for label in self._core.labels()]

    def get_labels(self, include_freq: bool = False):
        if include_freq:
            raise _embedkit.ArgumentError("label frequencies are not kept by the model")
        return self.labels

    @property
    def words(self) -> List[str]:
        return self.get_words()

    def _word_rows(self):
        if self._words is None:
            self._words = self._core.word_vectors()
        return self._words

    def get_words(self, include_freq: bool = False):
        wv = self._word_rows()
        return (wv.words(), wv.counts()) if include_freq else wv.words()

    def get_dimension(self) -> int:
        return self._core.dim

    def get_word_vector(self, word: str) -> np.ndarray:
        """The embedding row the classifier learned for ``word`` (zeros for unknown words)."""
        wv = self._word_rows()
        return wv.vector(word) if wv.find(word) >= 0 else np.zeros(self._core.dim, dtype=np.float32)

    def word_vectors(self) -> KeyedVectors:
        """The learned embedding rows of the words, as KeyedVectors."""
        return KeyedVectors._wrap(self._word_rows())

    def predict(self, text: Union[str, Sequence[str]], k: int = 1, threshold: float = 0.0,
                on_unicode_error: str = "strict"):
        """The ``k`` most probable labels of a text (with probability >= ``threshold``; ``k=-1``:
        all), as fastText's: ``(labels, probabilities)`` for one string, or a list of each for a
        list."""
        single = isinstance(text, str)
        texts = [text] if single else list(text)
        for t in texts:
            if "\n" in t:
                raise ValueError("predict processes one line at a time (remove '\\n')")
        found = self._core.predict(texts, k=_labels_wanted(k), threshold=threshold)
        labels = [[self._prefix + label for label, _ in row] for row in found]
        if single:
            labels = [tuple(labels[0])]
        probs = [np.array([p for _, p in row], dtype=np.float64) for row in found]
        return (labels[0], probs[0]) if single else (labels, probs)

    def test(self, path: str, k: int = 1, threshold: float = 0.0) -> Tuple[int, float, float]:
        """``(examples, precision@k, recall@k)`` on a labelled file, as fastText's (``k=-1``: all
        labels; lines without a label or a word are skipped, as fastText does)."""
        r = self._core.test(str(path), k=_labels_wanted(k), threshold=threshold, label_prefix=self._prefix)
        return r["examples"], r["precision"], r["recall"]

    def quantize(self, input: Optional[str] = None, qout: bool = False, cutoff: int = 0, retrain: bool = False,
                 epoch: Optional[int] = None, lr: Optional[float] = None, thread: Optional[int] = None,
                 verbose: Optional[int] = None, dsub: int = 2, qnorm: bool = False, *, codec: str = "pq",
                 seed: int = 1) -> None:
        """fastText's ``quantize``, in place: keeps the ``cutoff`` rows of largest norm (0: all),
        retrains them on ``input`` when ``retrain`` and rows were dropped (as fastText; with
        ``epoch`` / ``lr``, default the model's),
        and stores the rows as product-quantization codes of ``dsub`` values a byte (``qnorm``:
        norms kept apart). embedkit extras: ``codec`` ("pq", "int8", "int4", "f16") and ``seed``.
        ``qout`` (quantizing the output layer) is not supported: the output layer stays float."""
        if qout:
            raise _embedkit.ArgumentError("qout=True is not supported: the output layer stays float")
        if retrain and not input:
            raise _embedkit.ArgumentError("retrain=True trains again on the training data: pass input=PATH")
        if cutoff < 0 or dsub < 1:
            raise _embedkit.ArgumentError(f"cutoff must be >= 0 and dsub >= 1, not {cutoff} and {dsub}")
        self._core = self._core.quantize(input=str(input) if retrain else "", label_prefix=self._prefix,
                                         cutoff=cutoff, codec=codec, dsub=dsub, qnorm=qnorm, epochs=epoch or 0,
                                         lr=lr or 0.0, threads=thread or 0, seed=seed)
        self._words = None  # the rows changed: the cached word vectors are the old ones

    def is_quantized(self) -> bool:
        """Whether the embedding rows are stored as codes (after ``quantize``), as fastText's."""
        return self._core.quantized

    def save_model(self, path: str) -> None:
        """Writes the model in embedkit's native format (atomically)."""
        self._core.save(str(path))

    def __repr__(self) -> str:
        return f"<FastTextModel labels={len(self._core.labels())} dim={self._core.dim}>"


def load_model(path: str, label: str = "__label__") -> FastTextModel:
    """Reads a classifier written by ``save_model`` (or ``embedkit classify train``)."""
    return FastTextModel(_embedkit.Classifier.load(str(path)), label)


def train_supervised(input: str, lr: Optional[float] = None, dim: int = 100, ws: int = 5, epoch: int = 5,
                     minCount: int = 1, minCountLabel: int = 0, minn: int = 0, maxn: int = 0, neg: int = 5,
                     wordNgrams: int = 1, loss: str = "softmax", bucket: int = 2000000, thread: int = 0,
                     lrUpdateRate: int = 100, t: float = 1e-4, label: str = "__label__", verbose: int = 2,
                     pretrainedVectors: str = "", *, optimizer: str = "sgd", batch_size: int = 32,
                     dropout: float = 0.0, seed: int = 1, progress=None) -> FastTextModel:
    """fastText's ``train_supervised``, same names and defaults (``lr`` 0.1 for SGD). embedkit
    extras: ``optimizer`` ("sgd", fastText's Hogwild SGD; "adagrad" or "adam" in mini-batches of
    ``batch_size``), ``dropout`` of features, ``seed``. Lines without a label or a word are
    skipped, as fastText does. Accepted and without effect: ``ws``, ``neg``, ``lrUpdateRate`` and
    ``t`` (fastText's unsupervised and negative-sampling settings); ``minCountLabel`` must be 0
    or 1 (every label is kept). Ctrl-C stops training with ``KeyboardInterrupt`` carrying the
    model so far as ``exc.model``."""
    if dim < 1:
        raise _embedkit.ArgumentError(f"dim must be at least 1, not {dim}")
    if lr is not None and lr <= 0:
        raise _embedkit.ArgumentError(f"lr must be positive, not {lr}")
    if minCountLabel > 1:
        raise _embedkit.ArgumentError("minCountLabel > 1 is not supported: every label is kept")
    if loss not in _LOSSES:
        raise _embedkit.ArgumentError(f"loss must be one of {', '.join(_LOSSES)} for classification, not {loss!r}")
    bar = progress_callback(progress if progress is not None else (None if verbose >= 2 else False),
                            "training", "examples")
    core, interrupted = _embedkit.Classifier.train(
        str(input), label_prefix=label, dim=dim, epochs=epoch, lr=lr if lr is not None else 0.0,
        optimizer=optimizer, batch_size=batch_size, word_ngrams=wordNgrams, minn=minn, maxn=maxn, bucket=bucket,
        min_count=minCount, loss=_LOSSES[loss], dropout=dropout, threads=thread, seed=seed,
        pretrained=pretrainedVectors, progress=bar)
    model = FastTextModel(core, label)
    if interrupted:
        exc = KeyboardInterrupt("training stopped; exc.model holds the classifier so far")
        exc.model = model
        raise exc
    return model
