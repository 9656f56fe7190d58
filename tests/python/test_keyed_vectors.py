"""KeyedVectors against gensim's on the same vectors: the same answers, to rounding."""

import threading

import numpy as np
import pytest

import embedkit
from conftest import SOURCE, shared, ticks_during

WORDS = ["king", "city", "war", "music", "river", "university", "american", "french"]


def same_neighbours(ours, theirs, tol=1e-5):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=tol)


def test_vocabulary_matches_gensim(kv, gensim_kv):
    assert len(kv) == len(gensim_kv)
    assert kv.vector_size == gensim_kv.vector_size
    assert kv.index_to_key == gensim_kv.index_to_key
    assert kv.key_to_index == gensim_kv.key_to_index
    assert kv.get_index("city") == gensim_kv.get_index("city")
    assert kv.get_index(7) == 7
    assert "city" in kv and "zzqx" not in kv
    np.testing.assert_array_equal(kv.vectors, gensim_kv.vectors)
    np.testing.assert_allclose(kv.get_vector("city", norm=True), gensim_kv.get_vector("city", norm=True), atol=1e-6)
    np.testing.assert_array_equal(kv[["city", "war"]], gensim_kv[["city", "war"]])
    assert kv.get_vecattr("city", "count") == gensim_kv.get_vecattr("city", "count")


def test_most_similar_matches_gensim(kv, gensim_kv):
    for word in WORDS:
        same_neighbours(kv.most_similar(word, topn=10), gensim_kv.most_similar(word, topn=10))
        same_neighbours(kv.most_similar(word, topn=5, restrict_vocab=2000),
                        gensim_kv.most_similar(word, topn=5, restrict_vocab=2000))
    same_neighbours(kv.most_similar(positive=["king", "woman"], negative=["man"], topn=10),
                    gensim_kv.most_similar(positive=["king", "woman"], negative=["man"], topn=10))
    same_neighbours(kv.most_similar(positive=[("king", 2.0), "woman"], negative=["man"]),
                    gensim_kv.most_similar(positive=[("king", 2.0), "woman"], negative=["man"]))
    v = gensim_kv["music"] + gensim_kv["war"]
    same_neighbours(kv.similar_by_vector(v, topn=7), gensim_kv.similar_by_vector(v, topn=7))
    same_neighbours(kv.similar_by_word("river", topn=3), gensim_kv.similar_by_word("river", topn=3))
    np.testing.assert_allclose(kv.most_similar("city", topn=None), gensim_kv.most_similar("city", topn=None),
                               atol=1e-5)
    assert kv.most_similar("city", topn=0) == []
    with pytest.raises(ValueError):
        kv.most_similar(positive=[])


def test_cosmul_and_pairwise_match_gensim(kv, gensim_kv):
    same_neighbours(kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=10),
                    gensim_kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=10), tol=1e-4)
    for a, b in [("king", "queen"), ("city", "town"), ("war", "music")]:
        assert kv.similarity(a, b) == pytest.approx(gensim_kv.similarity(a, b), abs=1e-6)
        assert kv.distance(a, b) == pytest.approx(gensim_kv.distance(a, b), abs=1e-6)
        assert kv.rank(a, b) == gensim_kv.rank(a, b)
    assert kv.n_similarity(["king", "war"], ["city", "river"]) == pytest.approx(
        gensim_kv.n_similarity(["king", "war"], ["city", "river"]), abs=1e-6)
    np.testing.assert_allclose(kv.distances("city"), gensim_kv.distances("city"), atol=1e-5)
    np.testing.assert_allclose(kv.distances("city", ["war", "town"]), gensim_kv.distances("city", ["war", "town"]),
                               atol=1e-6)
    words = ["cereal", "dinner", "lunch", "war"]
    assert kv.doesnt_match(words) == gensim_kv.doesnt_match(words)
    assert kv.closer_than("king", "queen") == gensim_kv.closer_than("king", "queen")


def test_evaluations_match_gensim(kv, gensim_kv):
    pairs = SOURCE / "data" / "wordsim353.tsv"
    ours, theirs = kv.evaluate_word_pairs(str(pairs)), gensim_kv.evaluate_word_pairs(str(pairs))
    assert ours[0][0] == pytest.approx(theirs[0][0], abs=1e-6)
    assert ours[0][1] == pytest.approx(theirs[0][1], rel=1e-4)
    assert ours[1][0] == pytest.approx(theirs[1][0], abs=1e-6)
    assert ours[2] == pytest.approx(theirs[2])
    questions = SOURCE / "data" / "questions-words.txt"
    score, sections = kv.evaluate_word_analogies(str(questions))
    g_score, g_sections = gensim_kv.evaluate_word_analogies(str(questions))
    assert score == pytest.approx(g_score, abs=1e-12)
    assert [s["section"] for s in sections] == [s["section"] for s in g_sections]
    for ours_s, theirs_s in zip(sections, g_sections):
        # (ties between equal cosines may fall either way: allow a question or two to move)
        assert abs(len(ours_s["correct"]) - len(theirs_s["correct"])) <= 1
        assert len(ours_s["correct"]) + len(ours_s["incorrect"]) == \
            len(theirs_s["correct"]) + len(theirs_s["incorrect"])


def test_batched_search_equals_one_by_one(kv):
    batch = kv.most_similar_batch(WORDS, topn=8)
    for word, result in zip(WORDS, batch):
        same_neighbours(result, kv.most_similar(word, topn=8))
    queries = kv[WORDS]
    by_vector = kv.most_similar_batch(queries, topn=3)
    for word, result in zip(WORDS, by_vector):
        assert result[0][0] == word  # vectors exclude nothing: each word finds itself first


def test_fast_mode_finds_the_exact_neighbours(kv):
    hits = 0
    for word in kv.index_to_key[:200]:
        exact = {w for w, _ in kv.most_similar(word, topn=10)}
        fast = kv.most_similar(word, topn=10, fast=True)
        hits += len(exact & {w for w, _ in fast})
        for w, s in fast:  # the scores are the exact cosines
            assert s == pytest.approx(kv.similarity(word, w), abs=1e-5)
    assert hits / 2000 >= 0.97


def test_vectors_are_views_not_copies(model, kv, tmp_path):
    v = kv.vectors
    assert np.shares_memory(v, kv.get_vector("city"))
    assert np.shares_memory(v, kv.vectors)
    assert v.flags.writeable
    path = tmp_path / "model.ekv"
    kv.save(str(path))
    mapped = embedkit.KeyedVectors.load(str(path))
    assert not mapped.vectors.flags.writeable, "a mapped file's rows are read-only"
    np.testing.assert_array_equal(mapped.vectors, kv.vectors)
    with pytest.raises(ValueError):
        mapped.vectors[0, 0] = 1.0
    # An edit through the view reaches searches once the norms are refreshed.
    copy = embedkit.KeyedVectors.load(str(path), format="native")
    w2v = tmp_path / "model.vec"
    kv.save(str(w2v))
    editable = embedkit.KeyedVectors.load(str(w2v))
    editable.vectors[editable.get_index("war")] = editable["music"]
    editable.fill_norms(force=True)
    assert editable.most_similar("music", topn=1)[0][0] == "war"
    assert copy.most_similar("music", topn=1)[0][0] != "war"


def test_formats_round_trip(kv, tmp_path):
    for name, kwargs in [("a.bin", dict(binary=True)), ("a.txt", dict(binary=False))]:
        kv.save_word2vec_format(str(tmp_path / name), **kwargs)
        back = embedkit.KeyedVectors.load_word2vec_format(str(tmp_path / name), **kwargs)
        np.testing.assert_array_equal(back.vectors, kv.vectors)
        assert back.index_to_key == kv.index_to_key
    limited = embedkit.KeyedVectors.load_word2vec_format(str(tmp_path / "a.bin"), binary=True, limit=100)
    assert len(limited) == 100


def test_added_vectors_are_found(kv):
    small = embedkit.KeyedVectors(4)
    small.add_vectors(["a", "b", "c"], np.eye(3, 4, dtype=np.float32))
    small.add_vector("d", np.array([1, 1, 0, 0], dtype=np.float32))
    assert small.index_to_key == ["a", "b", "c", "d"]
    assert small.most_similar("d", topn=2)[0][1] == pytest.approx(np.sqrt(0.5))


def test_fasttext_bin_matches_gensim_for_unseen_words():
    path = shared("vectors/gensim-testdata/lee_fasttext_new.bin")
    ft = pytest.importorskip("gensim.models.fasttext")
    theirs = ft.load_facebook_vectors(str(path))
    ours = embedkit.KeyedVectors.load(str(path))
    assert isinstance(ours, embedkit.FastTextKeyedVectors)
    assert "unfathomableness" in ours
    for word in ["night", "unfathomableness", "governmentally", "xyzzy"]:
        np.testing.assert_allclose(ours[word], theirs[word], atol=1e-5)
    # fastText gives its end-of-sentence token "</s>" no n-grams (Dictionary::initNgrams), so its
    # vector is its own row; gensim composes n-grams for it too. embedkit follows fastText.
    eos = ours.get_index("</s>")
    keep = np.arange(len(ours)) != eos
    np.testing.assert_allclose(ours.vectors[keep], theirs.vectors[keep], atol=1e-5)
    np.testing.assert_array_equal(ours["</s>"], ours._core.table()[eos])
    same_neighbours(ours.most_similar("night", topn=5), theirs.most_similar("night", topn=5), tol=1e-4)
    same_neighbours(ours.most_similar("nightlyish", topn=5), theirs.most_similar("nightlyish", topn=5), tol=1e-4)


def test_errors_are_python_exceptions(tmp_path):
    bad = tmp_path / "bad.vec"
    bad.write_text("2 3\na 1 2 3\nb 1 2\n", encoding="utf-8")
    with pytest.raises(embedkit.FormatError) as info:
        embedkit.KeyedVectors.load(str(bad))
    assert isinstance(info.value, ValueError) and isinstance(info.value, embedkit.Error)
    assert "bad.vec:3" in str(info.value)
    with pytest.raises(OSError) as io_info:
        embedkit.KeyedVectors.load(str(tmp_path / "missing.vec"))
    assert isinstance(io_info.value, embedkit.IoError)
    with pytest.raises(embedkit.ArgumentError):
        embedkit.KeyedVectors.load(str(bad), format="nonsense")
    good = embedkit.KeyedVectors(3)
    good.add_vectors(["a"], [[1, 2, 3]])
    with pytest.raises(KeyError, match="not present"):
        good["zz"]
    with pytest.raises(embedkit.ArgumentError):
        good._core.search(np.zeros(5, dtype=np.float32), 3)


def test_threads_querying_at_once_get_correct_answers(kv):
    expected = {w: kv.most_similar(w, topn=5) for w in WORDS}
    errors = []

    def worker():
        try:
            for _ in range(20):
                for w in WORDS:
                    if kv.most_similar(w, topn=5) != expected[w]:
                        errors.append(w)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_loading_and_searching_release_the_gil(tmp_path):
    rng = np.random.default_rng(0)
    big = embedkit.KeyedVectors(100)
    big.add_vectors([f"w{i}" for i in range(200000)], rng.standard_normal((200000, 100), dtype=np.float32))
    path = tmp_path / "big.bin"
    big.save_word2vec_format(str(path), binary=True)
    loaded = []
    during, seconds = ticks_during(lambda: loaded.append(embedkit.KeyedVectors.load_word2vec_format(str(path),
                                                                                                   binary=True)))
    # A thread locked out by a held GIL would not tick at all; a free one ticks ~1000 times a second.
    assert during > 200 * seconds, (during, seconds)
    queries = [f"w{i}" for i in range(0, 200000, 250)]
    during, seconds = ticks_during(lambda: loaded[0].most_similar_batch(queries, topn=10))
    assert during > 200 * seconds, (during, seconds)


def test_thread_count_is_embedkits_own(kv):
    n = embedkit.get_num_threads()
    assert n >= 1
    answers = kv.most_similar_batch(WORDS, topn=5)
    embedkit.set_num_threads(1)
    try:
        assert kv.most_similar_batch(WORDS, topn=5) == answers
    finally:
        embedkit.set_num_threads(n)
    with pytest.raises(ValueError):
        embedkit.set_num_threads(0)


def test_safetensors_that_start_like_a_pickle_still_load(tmp_path):
    # 75 words make a 640-byte header: its length starts 0x80 0x02, as a pickle does.
    small = embedkit.KeyedVectors(4)
    small.add_vectors([f"w{i}" for i in range(75)], np.ones((75, 4), np.float32))
    path = tmp_path / "v.safetensors"
    small.save(str(path))
    assert path.read_bytes()[:2] == b"\x80\x02"
    assert len(embedkit.KeyedVectors.load(str(path))) == 75


def test_models_gensim_saved_load_with_their_subwords(corpus, tmp_path):
    models = pytest.importorskip("gensim.models")
    sentences = [line.split() for line in corpus.read_text(encoding="utf-8").splitlines()[:400]]
    w2v = models.Word2Vec(sentences, vector_size=16, min_count=3, epochs=1, workers=1, seed=1)
    ft = models.FastText(sentences, vector_size=16, min_count=3, epochs=1, workers=1, seed=1, bucket=5000)
    w2v.save(str(tmp_path / "w2v.model"))
    ft.wv.save(str(tmp_path / "ft.kv"))
    with pytest.raises(embedkit.FormatError, match="format='gensim'"):
        embedkit.KeyedVectors.load(str(tmp_path / "w2v.model"))  # a pickle is never unpickled unasked
    ours = embedkit.Word2Vec.load(str(tmp_path / "w2v.model"), format="gensim").wv
    assert ours.index_to_key == w2v.wv.index_to_key
    np.testing.assert_array_equal(ours.vectors, w2v.wv.vectors)
    assert ours.get_vecattr("the", "count") == w2v.wv.get_vecattr("the", "count")
    same_neighbours(ours.most_similar("the", topn=5), w2v.wv.most_similar("the", topn=5))
    ours_ft = embedkit.KeyedVectors.load(str(tmp_path / "ft.kv"), format="gensim")
    assert isinstance(ours_ft, embedkit.FastTextKeyedVectors)
    for word in ["the", "anarchism", "unanarchistically"]:  # seen and unseen
        np.testing.assert_allclose(ours_ft[word], ft.wv[word], atol=1e-6)


def test_editing_like_gensim(kv):
    small = embedkit.KeyedVectors(3)
    small["a"] = [1, 0, 0]
    small[["b", "c", "b"]] = [[0, 1, 0], [0, 0, 1], [0, 2, 0]]  # a key given twice keeps its last vector
    assert small.index_to_key == ["a", "b", "c"]
    np.testing.assert_array_equal(small["b"], [0, 2, 0])
    small["a"] = [5, 5, 5]
    np.testing.assert_array_equal(small["a"], [5, 5, 5])
    small.add_vectors([], np.zeros((0, 3)))
    assert len(small) == 3
    # Counts of a file without them stay gensim's stand-ins after an addition.
    before = kv.get_vecattr("the", "count")
    grown = embedkit.KeyedVectors(kv.vector_size)
    grown.add_vectors(kv.index_to_key, kv.vectors)
    grown.add_vector("zzqx", np.ones(kv.vector_size, np.float32))
    assert grown.get_vecattr("the", "count") == before  # gensim's stand-in, fixed when it was made
    assert grown.get_vecattr("zzqx", "count") == 0


def test_unknown_analogies_and_other_delimiters_as_gensim(kv, gensim_kv, tmp_path):
    questions = str(SOURCE / "data" / "questions-words.txt")
    ours, _ = kv.evaluate_word_analogies(questions, dummy4unknown=True)
    theirs, _ = gensim_kv.evaluate_word_analogies(questions, dummy4unknown=True)
    assert ours == pytest.approx(theirs, abs=2e-4)
    csv = tmp_path / "pairs.csv"
    csv.write_text("".join(line.replace("\t", ",") + "\n" for line in
                           (SOURCE / "data" / "wordsim353.tsv").read_text(encoding="utf-8").splitlines()
                           if not line.startswith("#")), encoding="utf-8")
    ours = kv.evaluate_word_pairs(str(csv), delimiter=",")
    theirs = gensim_kv.evaluate_word_pairs(str(csv), delimiter=",")
    assert ours[1][0] == pytest.approx(theirs[1][0], abs=1e-6)


def test_a_hugging_face_model_folder_loads_as_its_token_embeddings():
    folder = SOURCE / "tests/unit/io/data/huggingface/llama-f16"
    kv = embedkit.KeyedVectors.load(str(folder))
    assert len(kv) == 32 and kv.vector_size == 8
    assert kv.index_to_key[:6] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the"]
    head = embedkit.KeyedVectors.load(str(folder), tensor="lm_head.weight")
    assert not np.array_equal(head.vectors, kv.vectors)
    with pytest.raises(embedkit.FormatError, match="no tensor"):
        embedkit.KeyedVectors.load(str(folder), tensor="nope")
