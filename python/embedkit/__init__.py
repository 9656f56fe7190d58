"""embedkit: the embedding layer for NLP, from Python, at native speed.

Drop-in for the parts of gensim and fastText people use most::

    import embedkit
    kv = embedkit.KeyedVectors.load("vectors.ekv")          # any format; .ekv is memory-mapped
    kv.most_similar("king", topn=5)
    model = embedkit.Word2Vec(corpus_file="corpus.txt", vector_size=100, sg=1, epochs=5)
    model.wv.evaluate_word_analogies("questions-words.txt")
    clf = embedkit.train_supervised(input="train.txt", epoch=10, wordNgrams=2)
    clf.predict("a gripping , funny film")

and the layer underneath (``Tokenizer``, ``Vocabulary``, ``Encoder``, ``Embedding``,
``EmbeddingBag``, the sparse optimizers; ``embedkit.torch.EmbeddingBag`` for PyTorch).

Errors are ``embedkit.Error`` subclasses that are also the built-in kind that fits:
``FormatError`` and ``ArgumentError`` are ``ValueError``s, ``IoError`` is an ``OSError``; an
unknown word raises ``KeyError`` as gensim does. Long calls (loading, searching, training)
release the GIL, so other Python threads keep running. ``set_num_threads(n)`` sets the threads of
embedkit's parallel loops (default: OMP_NUM_THREADS, else every core), whatever other modules
(PyTorch) set for their own.
"""

from ._embedkit import (
    ArgumentError,
    Embedding,
    EmbeddingBag,
    Encoder,
    Error,
    FormatError,
    IoError,
    SparseAdagrad,
    SparseAdam,
    SparseOptimizer,
    SparseSGD,
    Tokenizer,
    Vocabulary,
    get_num_threads,
    set_num_threads,
)
from .keyed_vectors import FastTextKeyedVectors, KeyedVectors
from .models import FastText, Word2Vec
from .supervised import FastTextModel, load_model, train_supervised

__all__ = [
    "ArgumentError", "Embedding", "EmbeddingBag", "Encoder", "Error", "FastText", "FastTextKeyedVectors",
    "FastTextModel", "FormatError", "IoError", "KeyedVectors", "SparseAdagrad", "SparseAdam", "SparseOptimizer",
    "SparseSGD", "Tokenizer", "Vocabulary", "Word2Vec", "get_num_threads", "load_model", "set_num_threads",
    "train_supervised",
]
__version__ = "0.1.0"
