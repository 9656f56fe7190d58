"""train_supervised with fastText's Python interface: the CLI's model and predictions."""

import random
import subprocess

import numpy as np
import pytest

import embedkit
from conftest import CLI

POSITIVE = "good great fine lovely superb brilliant warm witty moving gorgeous".split()
NEGATIVE = "bad awful dull boring weak flat tedious clumsy bland ugly".split()
NEUTRAL = "the film a story movie plot actors and of it is this with".split()


def examples(n, seed):
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        positive = rng.random() < 0.5
        words = rng.choices(NEUTRAL, k=6) + rng.choices(POSITIVE if positive else NEGATIVE, k=2)
        rng.shuffle(words)
        lines.append(f"__label__{'pos' if positive else 'neg'} " + " ".join(words))
    return lines


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("classify")
    (d / "train.txt").write_text("\n".join(examples(2000, 1)) + "\n", encoding="utf-8")
    (d / "test.txt").write_text("\n".join(examples(300, 2)) + "\n", encoding="utf-8")
    return d


def test_train_supervised_equals_the_cli(data, tmp_path):
    model = embedkit.train_supervised(input=str(data / "train.txt"), epoch=5, wordNgrams=2, dim=20, thread=1,
                                      bucket=100000, verbose=0)
    subprocess.run([CLI, "classify", "train", "-i", str(data / "train.txt"), "-o", str(tmp_path / "cli.ekv"),
                    "--epochs", "5", "--word-ngrams", "2", "--dim", "20", "--threads", "1", "--bucket", "100000",
                    "-q"], check=True)
    cli = embedkit.load_model(str(tmp_path / "cli.ekv"))
    texts = [line.split(" ", 1)[1] for line in (data / "test.txt").read_text(encoding="utf-8").splitlines()]
    ours_labels, ours_probs = model.predict(texts, k=2)
    cli_labels, cli_probs = cli.predict(texts, k=2)
    assert ours_labels == cli_labels
    np.testing.assert_allclose(np.array(ours_probs), np.array(cli_probs), rtol=1e-6)
    printed = subprocess.run([CLI, "classify", "predict", str(tmp_path / "cli.ekv"), str(data / "test.txt"),
                              "--prob"], check=True, capture_output=True, text=True).stdout.splitlines()
    for line, labels, probs in zip(printed, ours_labels, ours_probs):
        label, prob = line.split()
        assert label == labels[0] and float(prob) == pytest.approx(probs[0], abs=1e-5)


def test_predict_test_and_save_follow_fasttext(data, tmp_path):
    model = embedkit.train_supervised(input=str(data / "train.txt"), epoch=10, lr=0.5, wordNgrams=1, verbose=0)
    labels, probs = model.predict("a witty and gorgeous film", k=2)
    assert labels == ("__label__pos", "__label__neg") and isinstance(probs, np.ndarray)
    assert probs[0] > 0.8 and probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert model.predict("dull and tedious", k=1)[0] == ("__label__neg",)
    assert model.predict(["dull", "witty"])[0] == [["__label__neg"], ["__label__pos"]]  # lists, as fastText's
    n, precision, recall = model.test(str(data / "test.txt"))
    assert n == 300 and precision > 0.95 and recall == pytest.approx(precision)
    assert sorted(model.labels) == ["__label__neg", "__label__pos"]
    assert model.get_dimension() == 100 and "witty" in model.words
    model.save_model(str(tmp_path / "m.ekv"))
    back = embedkit.load_model(str(tmp_path / "m.ekv"))
    assert back.predict("dull and tedious", k=2) [0] == model.predict("dull and tedious", k=2)[0]
    with pytest.raises(ValueError, match="one line"):
        model.predict("two\nlines")


def test_optimizers_and_bad_input(data, tmp_path):
    model = embedkit.train_supervised(input=str(data / "train.txt"), epoch=3, optimizer="adam", verbose=0)
    assert model.test(str(data / "test.txt"))[1] > 0.9
    (tmp_path / "one.txt").write_text("__label__a only one label\n", encoding="utf-8")
    with pytest.raises(embedkit.FormatError):
        embedkit.train_supervised(input=str(tmp_path / "one.txt"), verbose=0)
    with pytest.raises(embedkit.ArgumentError):
        embedkit.train_supervised(input=str(data / "train.txt"), loss="ns", verbose=0)
    with pytest.raises(OSError):
        embedkit.load_model(str(tmp_path / "missing.ekv"))


def test_all_labels_and_unlabelled_lines_as_fasttext(data, tmp_path):
    messy = tmp_path / "messy.txt"
    lines = (data / "train.txt").read_text(encoding="utf-8").splitlines()
    messy.write_text("\n".join(lines[:1000] + ["no label on this line", ""] + lines[1000:]) + "\n\n",
                     encoding="utf-8")
    model = embedkit.train_supervised(input=str(messy), epoch=5, verbose=0)
    labels, probs = model.predict("witty", k=-1)
    assert sorted(labels) == ["__label__neg", "__label__pos"] and probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert model.test(str(messy))[0] == 2000
    assert model.predict(["witty", "dull"], k=-1)[0][0] == list(labels)
    with pytest.raises(embedkit.ArgumentError):
        embedkit.train_supervised(input=str(messy), dim=0, verbose=0)
    with pytest.raises(ValueError, match="k needs to be 1 or higher"):
        model.predict("witty", k=0)


def test_quantize_as_fasttext(data, tmp_path):
    model = embedkit.train_supervised(input=str(data / "train.txt"), epoch=5, wordNgrams=2, dim=20, thread=1,
                                      bucket=100000, verbose=0)
    before = model.test(str(data / "test.txt"))[1]
    model.save_model(str(tmp_path / "full.ekv"))
    rows = len(model.get_words()) + 1
    model.quantize(input=str(data / "train.txt"), cutoff=rows, retrain=True, qnorm=True, dsub=2, thread=1)
    assert model.is_quantized()
    assert model.test(str(data / "test.txt"))[1] >= before - 0.02
    model.save_model(str(tmp_path / "small.ekv"))
    assert (tmp_path / "small.ekv").stat().st_size < (tmp_path / "full.ekv").stat().st_size
    loaded = embedkit.load_model(str(tmp_path / "small.ekv"))
    assert loaded.is_quantized()
    text = "a witty and moving film"
    assert loaded.predict(text) == model.predict(text)
    with pytest.raises(embedkit.ArgumentError):
        model.quantize(qout=True)
    with pytest.raises(embedkit.ArgumentError):
        model.quantize(retrain=True)
    with pytest.raises(embedkit.ArgumentError):
        model.quantize(dsub=7)  # 20 dimensions: 7 does not divide them
