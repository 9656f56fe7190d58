"""Shared fixtures: small models trained once per session from the bundled corpus, and paths to
the CLI and the data beside the project."""

import os
import pathlib
import threading
import time

import pytest

import embedkit

SOURCE = pathlib.Path(os.environ.get("EMBEDKIT_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
SHARED = pathlib.Path(os.environ.get("EMBEDKIT_SHARED_DATA_DIR", SOURCE.parent / "shared" / "data"))
CLI = os.environ.get("EMBEDKIT_CLI", str(SOURCE / "build" / "release" / "tools" / "embedkit" / "embedkit"))


def shared(relative: str) -> pathlib.Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared data {relative} is not available")
    return path


CORPUS = SOURCE / "data" / "enwiki-5M.txt"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> pathlib.Path:
    """The first 1.5 MB of the bundled Wikipedia text (whole lines), for quick runs."""
    text = (SOURCE / "data" / "enwiki-5M.txt").read_text(encoding="utf-8")[:1_500_000]
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text(text[: text.rfind("\n") + 1], encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def model() -> embedkit.Word2Vec:
    """Skip-gram vectors of the whole bundled corpus (5 MB, lowercased): about a second."""
    return embedkit.Word2Vec(corpus_file=str(CORPUS), vector_size=32, window=5, min_count=5, sg=1, negative=5,
                             epochs=3, workers=2, seed=3, alpha=0.05, sample=1e-4, lowercase=True, progress=False)


@pytest.fixture(scope="session")
def vec_file(model, tmp_path_factory) -> pathlib.Path:
    """The session model's vectors in word2vec text format (exact: shortest round-trip floats)."""
    path = tmp_path_factory.mktemp("vectors") / "model.vec"
    model.wv.save_word2vec_format(str(path))
    return path


@pytest.fixture(scope="session")
def kv(vec_file) -> embedkit.KeyedVectors:
    return embedkit.KeyedVectors.load_word2vec_format(str(vec_file))


@pytest.fixture(scope="session")
def gensim_kv(vec_file):
    models = pytest.importorskip("gensim.models")
    return models.KeyedVectors.load_word2vec_format(str(vec_file))


def ticks_during(call):
    """How often another Python thread ran (about every millisecond) while `call` ran."""
    ticks, done = [0], threading.Event()

    def count():
        while not done.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.01)
    start_ticks, start = ticks[0], time.monotonic()
    call()
    seconds = time.monotonic() - start
    during = ticks[0] - start_ticks
    done.set()
    counter.join()
    return during, seconds
