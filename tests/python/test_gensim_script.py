"""A gensim user's script, run twice: as written for gensim, and with only its import changed to
embedkit. Both must print the same answers (to rounding). Also: the CLI's answers on the same file."""

import json
import subprocess

import numpy as np
import pytest

from conftest import CLI, SOURCE

SCRIPT = '''
def run(KeyedVectors, path, pairs, questions):
    kv = KeyedVectors.load_word2vec_format(path, binary=False)
    out = {}
    out["size"] = (len(kv), kv.vector_size, kv.index_to_key[:5], kv.key_to_index["city"])
    out["contains"] = ("city" in kv, "zzqx" in kv)
    out["vector"] = kv["city"].tolist()
    out["normed"] = kv.get_vector("war", norm=True).tolist()
    out["similar"] = kv.most_similar("music", topn=5)
    out["analogy"] = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=5)
    out["restricted"] = kv.most_similar("river", topn=3, restrict_vocab=5000)
    out["cosmul"] = kv.most_similar_cosmul(positive=["paris", "germany"], negative=["france"], topn=3)
    out["by_vector"] = kv.similar_by_vector(kv["war"] - kv["peace"], topn=3)
    out["similarity"] = kv.similarity("king", "queen")
    out["n_similarity"] = kv.n_similarity(["king", "queen"], ["man", "woman"])
    out["distance"] = kv.distance("city", "town")
    out["distances"] = kv.distances("city", ["town", "war"]).tolist()
    out["odd"] = kv.doesnt_match(["cereal", "dinner", "lunch", "war"])
    out["rank"] = kv.rank("city", "town")
    pearson, spearman, oov = kv.evaluate_word_pairs(pairs)
    out["pairs"] = (pearson[0], spearman[0], oov)
    score, sections = kv.evaluate_word_analogies(questions)
    out["analogies"] = (score, [s["section"] for s in sections])
    return out
'''


def compare(a, b, path=""):
    if isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, abs=2e-5), path
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            compare(a[key], b[key], f"{path}.{key}")
    else:
        assert a == b, path


def test_a_gensim_script_runs_unchanged_but_the_import(vec_file):
    models = pytest.importorskip("gensim.models")
    import embedkit

    namespace = {}
    exec(SCRIPT, namespace)  # noqa: S102 (the script under test, defined above)
    args = (str(vec_file), str(SOURCE / "data" / "wordsim353.tsv"), str(SOURCE / "data" / "questions-words.txt"))
    theirs = namespace["run"](models.KeyedVectors, *args)
    ours = namespace["run"](embedkit.KeyedVectors, *args)
    compare(ours, theirs)


def test_neighbours_equal_the_clis(kv, vec_file):
    words = ["music", "city", "war"]
    printed = subprocess.run([CLI, "neighbors", str(vec_file), "-k", "5", "--json", *words], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    for word, line in zip(words, printed):
        cli = [(n["word"], n["score"]) for n in json.loads(line)["neighbors"]]
        ours = kv.most_similar(word, topn=5)
        assert [w for w, _ in ours] == [w for w, _ in cli]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in cli], atol=1e-6)
