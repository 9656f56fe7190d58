"""KeyedVectors: gensim 4's KeyedVectors interface over embedkit's native vectors.

The table lives in C++ (memory-mapped for .ekv files); ``vectors`` is a numpy view of it, not a
copy. Searches run in the library (multithreaded SIMD scans, GIL released); what is left here is
gensim's argument handling, so that answers match gensim's on the same vectors.
"""

from __future__ import annotations

import collections
import math
from numbers import Integral
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _embedkit

Key = Union[str, int, np.integer]
_KEY_TYPES = (str, int, np.integer)

SpearmanrResult = collections.namedtuple("SpearmanrResult", ["correlation", "pvalue"])


def _ensure_list(value):
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return list(value)
    return list(value)


def _is_pickle(fname) -> bool:
    """Whether a file starts as a pickle (protocol 2 or later), as gensim's save() writes: PROTO
    and its version. (A safetensors file can start with those two bytes too, as its header's
    length; its header, a JSON object, then starts at byte 8.)"""
    try:
        with open(fname, "rb") as f:
            head = f.read(9)
    except OSError:
        return False  # the loader reports it
    safetensors = len(head) == 9 and head[8:9] == b"{"
    return len(head) >= 3 and head[0] == 0x80 and 2 <= head[1] <= 5 and not safetensors


def _unitvec(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def _correlation_pvalue(r: float, n: int) -> float:
    """Two-sided p-value of a correlation r over n pairs (Student's t, as scipy's)."""
    if n < 3 or not math.isfinite(r):
        return float("nan")
    if abs(r) >= 1.0:
        return 0.0
    try:
        from scipy import stats
    except ImportError:  # p-values need scipy; the correlations themselves do not
        return float("nan")
    t = r * math.sqrt((n - 2) / (1.0 - r * r))
    return float(2 * stats.t.sf(abs(t), n - 2))


class KeyedVectors:
    """Words and their vectors, with gensim 4's ``KeyedVectors`` methods.

    Load with ``KeyedVectors.load(path)`` (every format embedkit reads, detected) or
    ``KeyedVectors.load_word2vec_format(path, binary=...)``; build with ``KeyedVectors(dim)`` and
    ``add_vectors``.
    """

    def __init__(self, vector_size: Optional[int] = None, count: int = 0, dtype=np.float32, *, _core=None):
        if _core is None:
            if vector_size is None or vector_size < 1:
                raise _embedkit.ArgumentError("KeyedVectors(vector_size): give the vectors' size (>= 1)")
            _core = _embedkit.Vectors.from_arrays([], [], np.zeros((0, int(vector_size)), dtype=np.float32))
        self._core = _core
        self._index_to_key: Optional[List[str]] = None
        self._key_to_index: Optional[dict] = None
        self._vectors: Optional[np.ndarray] = None
        self._norms: Optional[np.ndarray] = None

    # ---- loading and saving -------------------------------------------------------------
    @classmethod
    def load(cls, fname: str, format: str = "detect", *, limit: Optional[int] = None, mmap=None,
             unicode_errors: str = "strict", tensor: str = "", tokenizer: str = "") -> "KeyedVectors":
        """Reads vectors in any format embedkit knows (word2vec text/binary, GloVe, fastText .bin,
        .npy, safetensors, .ekv, a Hugging Face model folder). Native .ekv files are memory-mapped:
        opening takes milliseconds and the table is read-only. ``mmap`` is accepted for gensim
        compatibility. A model folder's token embeddings are keyed by its tokenizer's pieces;
        ``tensor`` names another tensor, ``tokenizer`` another tokenizer file.
        ``unicode_errors="replace"`` reads words that are not UTF-8 (U+FFFD for each bad byte
        sequence) instead of refusing the file.

        Files gensim's own ``save()`` wrote are pickles: ``format="gensim"`` loads them through
        gensim's unpickler (which can run code: only for files you trust) and copies the vectors
        (with a FastText model's n-gram buckets); save them as .ekv once to map them from then on."""
        if format == "gensim" or (format == "detect" and _is_pickle(fname)):
            if format != "gensim":
                raise _embedkit.FormatError(
                    f"{fname}: a Python pickle (gensim's save()): load it with format='gensim', which runs "
                    "gensim's unpickler (only for files you trust), or convert it once with gensim's "
                    "save_word2vec_format")
            return cls._from_gensim(str(fname))
        return cls._wrap(_embedkit.Vectors.load(str(fname), format=format, limit=limit or 0,
                                                replace_invalid_utf8=unicode_errors == "replace",
                                                tensor=str(tensor), tokenizer=str(tokenizer)))

    @classmethod
    def _from_gensim(cls, fname: str) -> "KeyedVectors":
        """A model gensim saved (KeyedVectors, FastTextKeyedVectors, or a Word2Vec/FastText
        model's .wv), unpickled by gensim and copied into embedkit's table."""
        from gensim import utils

        obj = utils.SaveLoad.load(fname)
        kv = getattr(obj, "wv", obj)
        words = list(kv.index_to_key)
        counts = [int(kv.get_vecattr(w, "count")) if "count" in kv.expandos else 0 for w in words]
        if getattr(kv, "vectors_ngrams", None) is not None and getattr(kv, "bucket", 0):
            core = _embedkit.Vectors.from_arrays(words, counts, np.asarray(kv.vectors_vocab, dtype=np.float32),
                                                 ngrams=(kv.min_n, kv.max_n),
                                                 buckets=np.asarray(kv.vectors_ngrams, dtype=np.float32))
        else:
            core = _embedkit.Vectors.from_arrays(words, counts, np.asarray(kv.vectors, dtype=np.float32))
        return cls._wrap(core)

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8", unicode_errors="strict",
                             limit=None, datatype=np.float32, no_header=False) -> "KeyedVectors":
        """gensim's loader: word2vec text (``binary=False``), binary (``binary=True``) or, with
        ``no_header=True``, GloVe text."""
        if fvocab is not None:
            raise _embedkit.ArgumentError("fvocab (a separate counts file) is not supported; counts come from the file")
        if encoding.lower().replace("-", "") not in ("utf8",):
            raise _embedkit.ArgumentError("only UTF-8 vector files are supported")
        fmt = "glove" if no_header else ("word2vec-bin" if binary else "word2vec")
        core = _embedkit.Vectors.load(str(fname), format=fmt, limit=limit or 0,
                                      replace_invalid_utf8=unicode_errors == "replace")
        return cls._wrap(core)

    @classmethod
    def _wrap(cls, core) -> "KeyedVectors":
        target = FastTextKeyedVectors if core.subwords is not None and cls is KeyedVectors else cls
        kv = target.__new__(target)
        KeyedVectors.__init__(kv, _core=core)
        return kv

    def save(self, fname: str, format: str = "detect", *, limit: int = 0) -> None:
        """Writes the vectors atomically; the format follows the extension (.ekv native, .vec/.txt
        word2vec, .npy, .safetensors) unless given ("word2vec-bin", "glove", "fasttext", ...)."""
        if format == "detect" and not str(fname).endswith((".ekv", ".vec", ".txt", ".npy", ".safetensors")):
            format = "native"
        self._core.save(str(fname), format=format, limit=limit)

    def save_word2vec_format(self, fname, fvocab=None, binary=False, total_vec=None, write_header=True,
                             prefix="", append=False, sort_attr="count") -> None:
        """gensim's writer: word2vec text or binary (or GloVe text without a header)."""
        if fvocab is not None or prefix or append:
            raise _embedkit.ArgumentError("fvocab, prefix and append are not supported")
        fmt = ("word2vec-bin" if binary else "word2vec") if write_header else "glove"
        self._core.save(str(fname), format=fmt, limit=total_vec or 0)

    # ---- the vocabulary -----------------------------------------------------------------
    @property
    def vector_size(self) -> int:
        return self._core.dim

    @property
    def index_to_key(self) -> List[str]:
        if self._index_to_key is None:
            self._index_to_key = self._core.words()
        return self._index_to_key

    @property
    def key_to_index(self) -> dict:
        if self._key_to_index is None:
            self._key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        return self._key_to_index

    def get_index(self, key: Key, default=None) -> int:
        if isinstance(key, str):
            i = self._core.find(key)
            if i >= 0:
                return i
        elif isinstance(key, (int, np.integer)) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key '{key}' not present")

    def has_index_for(self, key: Key) -> bool:
        return self.get_index(key, -1) >= 0

    def __contains__(self, key: Key) -> bool:
        return self.has_index_for(key)

    def __len__(self) -> int:
        return len(self._core)

    def get_vecattr(self, key: Key, attr: str):
        """A word's "count": from the file when it has counts, else (word2vec and GloVe files)
        gensim's stand-in, len - index, so that frequency order is kept."""
        if attr != "count":
            raise KeyError(f"attribute '{attr}' not present (embedkit keeps counts only)")
        index = self.get_index(key)
        counts = self._core.counts()
        return int(counts[index]) if counts.any() else len(self) - index

    @property
    def metadata(self) -> dict:
        """Where the vectors came from: format, training settings, ..."""
        return self._core.metadata

    # ---- vectors ------------------------------------------------------------------------
    @property
    def vectors(self) -> np.ndarray:
        """Every word's vector (rows in index_to_key order), viewing embedkit's table in place:
        ``np.shares_memory`` holds, edits reach the model (call ``fill_norms(force=True)`` after),
        and mapped .ekv files give a read-only view."""
        if self._vectors is None:
            self._vectors = self._core.table()
        return self._vectors

    @vectors.setter
    def vectors(self, value) -> None:
        value = np.asarray(value, dtype=np.float32)
        if value.shape != (len(self), self.vector_size):
            raise _embedkit.ArgumentError(f"vectors must have shape {(len(self), self.vector_size)}")
        self.vectors[...] = value
        self.fill_norms(force=True)

    def fill_norms(self, force: bool = False) -> None:
        if self._norms is None or force:
            self._norms = np.linalg.norm(self.vectors, axis=1)
            if force:
                self._core.refresh()

    @property
    def norms(self) -> np.ndarray:
        self.fill_norms()
        return self._norms

    def get_normed_vectors(self) -> np.ndarray:
        self.fill_norms()
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.vectors / self._norms[..., np.newaxis]

    def unit_normalize_all(self) -> None:
        """Scales every vector to length 1, in place (the model changes)."""
        self.fill_norms()
        norms = np.where(self._norms > 0, self._norms, 1.0).astype(np.float32)
        self.vectors[...] = self.vectors / norms[:, np.newaxis]
        self.fill_norms(force=True)

    def get_vector(self, key: Key, norm: bool = False) -> np.ndarray:
        if isinstance(key, str):
            i = self._core.find(key)
            v = self.vectors[i] if i >= 0 else self._vector_of_unseen(key)
        else:
            v = self.vectors[self.get_index(key)]
        if norm:
            n = np.linalg.norm(v)
            return v / n if n > 0 else v.copy()
        return v

    word_vec = get_vector

    def _vector_of_unseen(self, key: str) -> np.ndarray:
        raise KeyError(f"Key '{key}' not present")

    def __getitem__(self, key_or_keys):
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(k) for k in key_or_keys]) if len(key_or_keys) else \
            np.zeros((0, self.vector_size), dtype=np.float32)

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False, ignore_missing=True):
        if len(keys) == 0:
            raise ValueError("cannot compute mean with no input")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=np.float64)
        if len(weights) != len(keys):
            raise ValueError("keys and weights have different lengths")
        total, used = np.zeros(self.vector_size, dtype=np.float64), 0
        for key, weight in zip(keys, weights):
            if isinstance(key, np.ndarray):
                total += weight * key
                used += 1
            elif key in self:
                total += weight * self.get_vector(key, norm=pre_normalize)
                used += 1
            elif not ignore_missing:
                raise KeyError(f"Key '{key}' not present in vocabulary")
        if used == 0:
            raise ValueError("none of the keys is present in the vocabulary")
        mean = (total / used).astype(np.float32)
        return _unitvec(mean) if post_normalize else mean

    def add_vectors(self, keys, weights, extras=None, replace: bool = False) -> None:
        """Adds (or with ``replace``, overwrites) vectors, as gensim's; a key given twice keeps its
        last vector. The table is rebuilt (a copy): add in batches, not one word at a time."""
        if self._core.subwords is not None:
            raise _embedkit.ArgumentError("adding words to a model with subwords is not supported")
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not keys:
            return
        weights = np.asarray(weights, dtype=np.float32).reshape(len(keys), self.vector_size)
        words, table = list(self.index_to_key), np.array(self.vectors, dtype=np.float32)
        counts = [int(c) for c in self._core.counts()]
        if not any(counts):  # a file without counts: keep gensim's stand-ins as they were
            counts = [len(words) - i for i in range(len(words))]
        new_rows = {}
        for key, row in zip(keys, weights):
            i = self._core.find(key)
            if i < 0:
                new_rows[key] = row
            elif replace:
                table[i] = row
        new_words = list(new_rows)
        if new_words:
            table = np.vstack([table, np.asarray([new_rows[w] for w in new_words], dtype=np.float32)])
        core = _embedkit.Vectors.from_arrays(words + new_words, counts + [0] * len(new_words), table)
        KeyedVectors.__init__(self, _core=core)

    def __setitem__(self, keys, weights) -> None:
        """``kv["word"] = vector`` (or lists of each): adds the words, or replaces their vectors."""
        if isinstance(keys, str):
            keys, weights = [keys], [weights]
        self.add_vectors(keys, weights, replace=True)

    def add_vector(self, key, vector) -> int:
        self.add_vectors([key], [vector])
        return self.get_index(key)

    # ---- similarity ---------------------------------------------------------------------
    def _mean_query(self, positive, negative):
        """gensim's query: the weighted mean of the unit vectors of words (and of raw vectors), and
        the ids of the words, which answers leave out. (Not scaled to unit length: the cosine
        search ignores the query's length.)"""
        exclude, parts = set(), []
        for items, sign in ((_ensure_list(positive), 1.0), (_ensure_list(negative), -1.0)):
            for item in items:
                key, weight = (item, sign) if isinstance(item, _KEY_TYPES + (np.ndarray,)) else item
                if isinstance(key, np.ndarray):
                    parts.append(weight * np.asarray(key, dtype=np.float32))
                    continue
                i = self._core.find(key) if isinstance(key, str) else self.get_index(key)
                v = self.vectors[i] if i >= 0 else self._vector_of_unseen(key)
                norm = math.sqrt(float(np.dot(v, v)))
                parts.append(v * np.float32(weight / norm) if norm > 0 else v * np.float32(0))
                if i >= 0:
                    exclude.add(i)
        if not parts:
            raise ValueError("cannot compute similarity with no input")
        return (parts[0] if len(parts) == 1 else np.add.reduce(parts) / len(parts)), exclude

    def _result(self, ids, scores):
        keys = self.index_to_key if self._index_to_key is not None or len(ids) > 64 else None
        if keys is None:
            return [(self._core.word(int(i)), float(s)) for i, s in zip(ids, scores)]
        return [(keys[int(i)], float(s)) for i, s in zip(ids, scores)]

    def most_similar(self, positive=None, negative=None, topn=10, clip_start=0, clip_end=None,
                     restrict_vocab=None, indexer=None, *, fast: bool = False, candidates: int = 100):
        """The ``topn`` words most cosine-similar to the mean of ``positive`` minus ``negative``
        (words or vectors), as gensim's: the query words themselves are left out, and
        ``restrict_vocab`` searches only the N most frequent words. ``topn=None`` returns every
        word's similarity as an array.

        ``fast=True`` scans an int8 copy of the table (a quarter of the bytes) and re-ranks the
        best ``candidates`` exactly: several times faster on large tables, with recall@10
        near 1 (see bench/README.md); scores are the exact cosines."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        if indexer is not None:
            raise _embedkit.ArgumentError("indexer is not supported; use fast=True for the approximate scan")
        mean, exclude = self._mean_query(positive, negative)
        end = restrict_vocab if restrict_vocab else (clip_end or len(self))
        start = 0 if restrict_vocab else clip_start
        if not topn or start:
            scores = self._core.cosines(mean, restrict=end)[0]
            if not topn:
                return scores[start:]
            order = np.argsort(-scores[start:], kind="stable")[: topn + len(exclude)] + start
            return [r for r in self._result(order, scores[order]) if self.get_index(r[0]) not in exclude][:topn]
        ids, scores = self._core.search(mean, int(topn), [sorted(exclude)], restrict=end, fast=fast,
                                        candidates=candidates)[0]
        return self._result(ids, scores)

    def most_similar_batch(self, queries, topn: int = 10, restrict_vocab=None, *, fast: bool = False):
        """``most_similar`` for many queries at once (words, or rows of a 2-D array): one pass over
        the table for the whole batch (blocked matrix products), not one per query."""
        if isinstance(queries, np.ndarray) and queries.ndim == 2:
            matrix, exclude = np.asarray(queries, dtype=np.float32), []
        else:
            rows, exclude = [], []
            for q in queries:
                mean, ex = self._mean_query([q], None)
                rows.append(mean)
                exclude.append(sorted(ex))
            matrix = np.vstack(rows) if rows else np.zeros((0, self.vector_size), dtype=np.float32)
        if len(matrix) == 0:
            return []
        found = self._core.search(matrix, int(topn), exclude, restrict=restrict_vocab or 0, fast=fast)
        return [self._result(ids, scores) for ids, scores in found]

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """3CosMul (Levy and Goldberg 2014), as gensim's: the product of the positive words'
        similarities over the negative ones', each shifted to [0, 1]. (``restrict_vocab`` searches
        the N most frequent words; gensim 4.2 accepts it and searches all.)"""
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _ensure_list(positive), _ensure_list(negative)
        exclude = {self.get_index(k) for k in positive + negative
                   if not isinstance(k, np.ndarray) and self.has_index_for(k)}
        terms = [self.get_vector(k, norm=True) if not isinstance(k, np.ndarray) else np.asarray(k, np.float32)
                 for k in positive + negative]
        if not positive:
            raise ValueError("cannot compute similarity with no input")
        scale = np.array([np.linalg.norm(t) for t in terms], dtype=np.float32)
        cos = self._core.cosines(np.vstack(terms), restrict=restrict_vocab or 0) * scale[:, np.newaxis]
        shifted = (1 + cos) / 2
        dists = np.prod(shifted[: len(positive)], axis=0) / (np.prod(shifted[len(positive):], axis=0) + 0.000001)
        if not topn:
            return dists
        order = np.argsort(-dists, kind="stable")[: topn + len(exclude)]
        return [(self._core.word(int(i)), float(dists[i])) for i in order if i not in exclude][:topn]

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        return self.similar_by_word(key, topn, restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        return self.most_similar(positive=[np.asarray(vector, dtype=np.float32)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def similarity(self, w1: Key, w2: Key) -> float:
        return float(np.dot(_unitvec(self[w1]), _unitvec(self[w2])))

    def n_similarity(self, ws1: Sequence[Key], ws2: Sequence[Key]) -> float:
        if not len(ws1) or not len(ws2):
            raise ZeroDivisionError("At least one of the passed list is empty.")
        v1 = np.array([self[k] for k in ws1]).mean(axis=0)
        v2 = np.array([self[k] for k in ws2]).mean(axis=0)
        return float(np.dot(_unitvec(v1), _unitvec(v2)))

    def distance(self, w1: Key, w2: Key) -> float:
        return 1 - self.similarity(w1, w2)

    @staticmethod
    def cosine_similarities(vector_1, vectors_all) -> np.ndarray:
        norm = np.linalg.norm(vector_1)
        all_norms = np.linalg.norm(vectors_all, axis=1)
        return np.dot(vectors_all, vector_1) / (norm * all_norms)

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        v = self.get_vector(word_or_vector) if isinstance(word_or_vector, _KEY_TYPES) else np.asarray(word_or_vector)
        if not other_words:
            n = np.linalg.norm(v)
            cos = self._core.cosines(v.astype(np.float32))[0]
            if n == 0:
                cos = np.full_like(cos, np.nan)
            return 1 - cos
        others = np.vstack([self.get_vector(w) for w in other_words])
        return 1 - self.cosine_similarities(v, others)

    def closer_than(self, key1: Key, key2: Key) -> List[str]:
        all_distances = self.distances(key1)
        e1, e2 = self.get_index(key1), self.get_index(key2)
        closer = np.where(all_distances < all_distances[e2])[0]
        return [self.index_to_key[i] for i in closer if i != e1]

    words_closer_than = closer_than

    def rank(self, key1: Key, key2: Key) -> int:
        return len(self.closer_than(key1, key2)) + 1

    def doesnt_match(self, words: Iterable[str]) -> str:
        words = [w for w in words if w in self]
        if not words:
            raise ValueError("Cannot select a word from an empty list.")
        vectors = np.vstack([self.get_vector(w, norm=True) for w in words]).astype(np.float32)
        mean = _unitvec(vectors.mean(axis=0))
        dists = np.dot(vectors, mean)
        return sorted(zip(dists, words))[0][1]

    # ---- evaluation ---------------------------------------------------------------------
    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000,
                            case_insensitive=True, dummy4unknown=False):
        """Spearman and Pearson correlation of the vectors' cosines with human ratings, as
        gensim's: returns ``((pearson, p), SpearmanrResult(correlation, pvalue), oov_percent)``.
        Files hold ``word1 word2 score`` per line (tabs or spaces, or ``delimiter``), '#' comments
        allowed."""
        text = None
        if delimiter not in ("\t", " ") or encoding.lower().replace("-", "") != "utf8":
            with open(pairs, encoding=encoding) as f:
                text = f.read() if delimiter in ("\t", " ") else f.read().replace(delimiter, "\t")
        r = self._core.evaluate_pairs(str(pairs), restrict=restrict_vocab or 0, case_insensitive=case_insensitive,
                                      dummy4unknown=dummy4unknown, text=text)
        n = r["scored"]
        oov = 100.0 * r["unseen"] / r["pairs"] if r["pairs"] else 0.0
        pearson = (r["pearson"], _correlation_pvalue(r["pearson"], n))
        spearman = SpearmanrResult(r["spearman"], _correlation_pvalue(r["spearman"], n))
        return pearson, spearman, oov

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False, similarity_function="most_similar"):
        """Accuracy on ``a b c d`` analogy questions (3CosAdd, or 3CosMul with
        ``similarity_function="most_similar_cosmul"``), as gensim's: returns ``(score, sections)``,
        each section ``{"section", "correct", "incorrect"}`` with the questions as tuples, and a
        last "Total accuracy" section. Questions with unknown words are skipped, or with
        ``dummy4unknown`` counted as wrong. (gensim 4.2 ignores ``similarity_function`` and always
        uses 3CosAdd; embedkit does what it says.)"""
        if similarity_function not in ("most_similar", "most_similar_cosmul"):
            raise _embedkit.ArgumentError("similarity_function must be most_similar or most_similar_cosmul")
        raw = self._core.evaluate_analogies(str(analogies), restrict=restrict_vocab or 0,
                                            case_insensitive=case_insensitive,
                                            cosmul=similarity_function == "most_similar_cosmul")
        case = (lambda q: tuple(w.upper() for w in q)) if case_insensitive else tuple
        # dummy4unknown: questions with an unknown word count as wrong (else they are skipped).
        sections = [{"section": s["section"], "correct": [case(q) for q in s["correct"]],
                     "incorrect": [case(q) for q in s["incorrect_or_skipped" if dummy4unknown else "incorrect"]]}
                    for s in raw]
        total = {"section": "Total accuracy",
                 "correct": [q for s in sections for q in s["correct"]],
                 "incorrect": [q for s in sections for q in s["incorrect"]]}
        answered = len(total["correct"]) + len(total["incorrect"])
        score = len(total["correct"]) / answered if answered else 0.0
        sections.append(total)
        return score, sections

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self)} words x {self.vector_size} dims>"


class FastTextKeyedVectors(KeyedVectors):
    """Vectors with fastText character n-gram buckets: every word has a vector, unseen ones
    composed from their n-grams (as fastText's getWordVector and gensim's FastTextKeyedVectors).
    ``vectors`` holds each known word's composed vector (read-only: a copy made once)."""

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = self._core.word_matrix()
        return self._vectors

    @property
    def min_n(self) -> int:
        return self._core.subwords["min_n"]

    @property
    def max_n(self) -> int:
        return self._core.subwords["max_n"]

    @property
    def bucket(self) -> int:
        return self._core.subwords["bucket"]

    def __contains__(self, key) -> bool:
        return True if isinstance(key, str) else self.has_index_for(key)

    def _vector_of_unseen(self, key: str) -> np.ndarray:
        return self._core.vector(key)
