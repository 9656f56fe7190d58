"""Training from Python: the same vectors as the CLI's, progress, Ctrl-C, and the GIL released."""

import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import embedkit
from conftest import CLI, CORPUS, ticks_during

SETTINGS = ["--dim", "16", "--window", "5", "--neg", "5", "--epochs", "1", "--min-count", "5", "--lr", "0.05",
            "--sample", "1e-4", "--threads", "1", "--seed", "5", "--model", "sg", "--neg-power", "0.75"]
PYTHON = dict(vector_size=16, window=5, negative=5, epochs=1, min_count=5, alpha=0.05, sample=1e-4, workers=1,
              seed=5, sg=1, ns_exponent=0.75, progress=False)


def cli_vectors(corpus, out, *extra):
    subprocess.run([CLI, "train", "-i", str(corpus), "-o", str(out), *SETTINGS, *extra], check=True,
                   capture_output=True)
    return embedkit.KeyedVectors.load(str(out))


def test_word2vec_equals_the_cli(corpus, tmp_path):
    ours = embedkit.Word2Vec(corpus_file=str(corpus), **PYTHON).wv
    cli = cli_vectors(corpus, tmp_path / "cli.ekv", "--maxn", "0")
    assert ours.index_to_key == cli.index_to_key
    np.testing.assert_array_equal(ours.vectors, cli.vectors)


def test_fasttext_equals_the_cli_for_seen_and_unseen_words(corpus, tmp_path):
    model = embedkit.FastText(corpus_file=str(corpus), min_n=3, max_n=6, bucket=20000, **PYTHON)
    cli = cli_vectors(corpus, tmp_path / "cli.ekv", "--minn", "3", "--maxn", "6", "--bucket", "20000")
    assert isinstance(model.wv, embedkit.FastTextKeyedVectors)
    for word in ["anarchism", "philosophy", "unphilosophically", "zxqvy"]:
        np.testing.assert_array_equal(model.wv[word], cli[word])
    assert model.wv.bucket == 20000


def test_token_lists_train_as_the_same_text_file(corpus):
    sentences = [line.split() for line in corpus.read_text(encoding="utf-8").splitlines()]
    from_lists = embedkit.Word2Vec(sentences, **PYTHON).wv
    from_file = embedkit.Word2Vec(corpus_file=str(corpus), **PYTHON).wv
    np.testing.assert_array_equal(from_lists.vectors, from_file.vectors)
    with pytest.raises(embedkit.ArgumentError):
        embedkit.Word2Vec(["not", "token", "lists"], **PYTHON)


def test_progress_reports_and_gensim_callbacks(corpus):
    reports = []

    class Epochs:
        begun, ended, trained = 0, 0, False

        def on_epoch_begin(self, model):
            Epochs.begun += 1

        def on_epoch_end(self, model):
            Epochs.ended += 1

        def on_train_end(self, model):
            Epochs.trained = model.wv is not None

    args = dict(PYTHON, epochs=3, progress=reports.append)
    model = embedkit.Word2Vec(corpus_file=str(corpus), callbacks=[Epochs()], **args)
    assert reports[0]["vocabulary"] == len(model.wv)
    progress = [r["progress"] for r in reports[1:]]
    assert progress == sorted(progress) and reports[-1]["finished"] and progress[-1] == pytest.approx(1.0)
    assert all(r["loss"] > 0 for r in reports[1:])
    assert (Epochs.begun, Epochs.ended, Epochs.trained) == (3, 3, True)


def test_a_failing_progress_callback_stops_training_with_its_error(corpus):
    def fail(info):
        raise RuntimeError("callback says no")

    with pytest.raises(RuntimeError, match="callback says no"):
        embedkit.Word2Vec(corpus_file=str(corpus), **dict(PYTHON, progress=fail))


def test_ctrl_c_in_a_long_epoch_keeps_the_model(tmp_path):
    # One epoch of several seconds: the signal lands in the progress callback's Python code.
    big = tmp_path / "big.txt"
    text = CORPUS.read_text(encoding="utf-8")
    big.write_text(text * 6, encoding="utf-8")
    main = threading.main_thread().ident
    reports = []
    timer = threading.Timer(1.5, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt) as info:
        embedkit.Word2Vec(corpus_file=str(big), **dict(PYTHON, epochs=1, workers=2, progress=reports.append))
    timer.join()
    assert "in epoch 1 of 1" in info.value.model.wv.metadata["training.stopped"]


def test_ctrl_c_stops_training_and_keeps_the_model():
    main = threading.main_thread().ident
    timer = threading.Timer(1.0, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt) as info:
        embedkit.Word2Vec(corpus_file=str(CORPUS), **dict(PYTHON, epochs=1000, workers=2))
    assert time.monotonic() - started < 10
    model = info.value.model
    assert "training.stopped" in model.wv.metadata
    assert len(model.wv.most_similar("the", topn=3)) == 3
    assert np.isfinite(model.wv.vectors).all()


def test_training_releases_the_gil():
    during, seconds = ticks_during(lambda: embedkit.Word2Vec(corpus_file=str(CORPUS), **dict(PYTHON, epochs=2)))
    # A thread locked out by a held GIL would not tick at all; a free one ticks ~1000 times a second.
    assert during > 200 * seconds, (during, seconds)


def test_bad_settings_are_value_errors(corpus):
    with pytest.raises(ValueError):
        embedkit.Word2Vec(corpus_file=str(corpus), **dict(PYTHON, vector_size=0))
    with pytest.raises(OSError):
        embedkit.Word2Vec(corpus_file=os.path.join(str(corpus) + ".missing"), **PYTHON)


def test_saved_model_loads_back(corpus, tmp_path):
    model = embedkit.Word2Vec(corpus_file=str(corpus), **PYTHON)
    model.save(str(tmp_path / "m.ekv"))
    back = embedkit.Word2Vec.load(str(tmp_path / "m.ekv"))
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)


def test_another_signal_handlers_exception_reaches_the_caller(corpus):
    def on_alarm(signum, frame):
        raise TimeoutError("too slow")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(TimeoutError, match="too slow"):
            embedkit.Word2Vec(corpus_file=str(CORPUS), **dict(PYTHON, epochs=1000, workers=2))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_gensim_callbacks_see_each_epochs_vectors(corpus, tmp_path):
    saved = []

    class EpochSaver:  # the gensim documentation's example, nearly verbatim
        def __init__(self):
            self.epoch = 0

        def on_epoch_end(self, model):
            path = tmp_path / f"epoch{self.epoch}.ekv"
            model.save(str(path))
            saved.append((path, model.get_latest_training_loss()))
            self.epoch += 1

    model = embedkit.Word2Vec(corpus_file=str(corpus), callbacks=[EpochSaver()], compute_loss=True, sorted_vocab=1,
                              **dict(PYTHON, epochs=3))
    assert len(saved) == 3 and all(loss > 0 for _, loss in saved)
    first, last = (embedkit.KeyedVectors.load(str(p)) for p, _ in (saved[0], saved[-1]))
    assert not np.array_equal(first.vectors, last.vectors)
    np.testing.assert_array_equal(last.vectors, model.wv.vectors)
    with pytest.raises(embedkit.ArgumentError, match="max_final_vocab"):
        embedkit.Word2Vec(corpus_file=str(corpus), max_final_vocab=100, **PYTHON)
    with pytest.raises(TypeError):
        embedkit.Word2Vec(corpus_file=str(corpus), no_such_argument=1, **PYTHON)
    # Positional arguments mean what they mean in gensim (here: ..., sample, seed, workers).
    positional = embedkit.Word2Vec(None, str(corpus), 16, 0.05, 5, 5, None, 1e-4, 5, 1, progress=False)
    assert (positional.sample, positional.seed, positional.workers) == (1e-4, 5, 1)


def test_loaded_models_know_their_settings(corpus, tmp_path):
    model = embedkit.FastText(corpus_file=str(corpus), min_n=2, max_n=4, bucket=5000, **dict(PYTHON, window=3))
    model.save(str(tmp_path / "m.ekv"))
    back = embedkit.FastText.load(str(tmp_path / "m.ekv"))
    assert (back.sg, back.window, back.min_n, back.max_n, back.bucket, back.vector_size) == (1, 3, 2, 4, 5000, 16)
    assert "vocab=" in repr(back)
    np.testing.assert_array_equal(back.wv["unseenword"], model.wv["unseenword"])


def test_tokens_must_be_whitespace_free_strings():
    with pytest.raises(embedkit.ArgumentError, match="new york"):
        embedkit.Word2Vec([["in", "new york"]], **PYTHON)
    with pytest.raises(embedkit.ArgumentError):
        embedkit.Word2Vec([["in", 5]], **PYTHON)
