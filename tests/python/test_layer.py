"""The layer from Python: EmbeddingBag and Embedding against PyTorch's, numpy views, the sparse
optimizers, and the text pieces that feed them."""

import numpy as np
import pytest

import embedkit

torch = pytest.importorskip("torch")
import embedkit.torch as ek_torch  # noqa: E402 (needs torch)


def batch(rows, bags, max_len, seed):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(0, max_len + 1, (bags,), generator=g)
    offsets = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(lengths, 0)[:-1]])
    indices = torch.randint(0, rows, (int(lengths.sum()),), generator=g)
    return indices, offsets


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_torch_module_matches_nn_embedding_bag(mode, padding_idx):
    rows, dim = 50, 12
    ours = ek_torch.EmbeddingBag(rows, dim, mode=mode, padding_idx=padding_idx, seed=7)
    # (PyTorch has no sparse gradient in max mode: compare with its dense one there.)
    theirs = torch.nn.EmbeddingBag(rows, dim, mode=mode, sparse=mode != "max", padding_idx=padding_idx)
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
    indices, offsets = batch(rows, 16, 6, seed=1)
    if padding_idx is not None:
        indices[::4] = padding_idx
    out, ref = ours(indices, offsets), theirs(indices, offsets)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)
    upstream = torch.randn_like(ref)
    (out * upstream).sum().backward()
    (ref * upstream).sum().backward()
    assert ours.weight.grad.is_sparse
    reference = theirs.weight.grad.to_dense() if theirs.weight.grad.is_sparse else theirs.weight.grad
    torch.testing.assert_close(ours.weight.grad.to_dense(), reference, atol=1e-5, rtol=1e-5)


def test_per_sample_weights_last_offset_and_fixed_length_bags():
    rows, dim = 30, 8
    ours = ek_torch.EmbeddingBag(rows, dim, mode="sum", include_last_offset=True, seed=2)
    theirs = torch.nn.EmbeddingBag(rows, dim, mode="sum", sparse=True, include_last_offset=True)
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
    indices, offsets = batch(rows, 10, 5, seed=3)
    offsets = torch.cat([offsets, torch.tensor([len(indices)])])
    weights = torch.rand(len(indices))
    torch.testing.assert_close(ours(indices, offsets, weights), theirs(indices, offsets, weights), atol=1e-5, rtol=1e-5)
    fixed = torch.randint(0, rows, (4, 3))
    plain_ours = ek_torch.EmbeddingBag(rows, dim, mode="mean", seed=2)
    plain = torch.nn.EmbeddingBag(rows, dim, mode="mean", sparse=True)
    with torch.no_grad():
        plain.weight.copy_(plain_ours.weight)
    torch.testing.assert_close(plain_ours(fixed), plain(fixed), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("optimizer", ["SGD", "SparseAdam", "Adagrad"])
def test_pytorch_optimizers_train_the_shared_table(optimizer):
    rows, dim = 40, 6
    ours = ek_torch.EmbeddingBag(rows, dim, mode="mean", seed=5)
    theirs = torch.nn.EmbeddingBag(rows, dim, mode="mean", sparse=True)
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
    make = {"SGD": lambda p: torch.optim.SGD(p, lr=0.1), "SparseAdam": lambda p: torch.optim.SparseAdam(p, lr=0.01),
            "Adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1)}[optimizer]
    opt_ours, opt_theirs = make(list(ours.parameters())), make(list(theirs.parameters()))
    for step in range(5):
        indices, offsets = batch(rows, 8, 4, seed=10 + step)
        target = torch.randn(8, dim)
        for module, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            ((module(indices, offsets) - target) ** 2).mean().backward()
            opt.step()
    torch.testing.assert_close(ours.weight.detach(), theirs.weight.detach(), atol=1e-5, rtol=1e-5)
    # The rows embedkit reads are the ones the optimizer wrote.
    assert np.shares_memory(ours._core.weight, ours.weight.detach().numpy())


def test_moving_the_weight_off_the_table_is_refused():
    bag = ek_torch.EmbeddingBag(10, 4)
    bag.double()
    with pytest.raises(embedkit.ArgumentError, match="float32"):
        bag(torch.tensor([1, 2]), torch.tensor([0]))


def test_numpy_layer_and_embedkit_optimizers_match_torch():
    rows, dim = 20, 5
    bag = embedkit.EmbeddingBag(rows, dim, mode="sum", seed=3)
    assert np.shares_memory(bag.weight, bag.weight)
    ref = torch.nn.EmbeddingBag(rows, dim, mode="sum", sparse=True)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(np.array(bag.weight)))
    adam_ours = embedkit.SparseAdam(lr=0.05)
    adam_ref = torch.optim.SparseAdam(list(ref.parameters()), lr=0.05)
    for step in range(4):
        indices, offsets = batch(rows, 6, 4, seed=20 + step)
        grad_out = np.random.default_rng(step).standard_normal((6, dim)).astype(np.float32)
        out = bag.forward(indices.numpy(), offsets.numpy())
        np.testing.assert_allclose(out, ref(indices, offsets).detach().numpy(), atol=1e-5)
        adam_ours.step_bag(bag, indices.numpy(), offsets.numpy(), grad_out)
        adam_ref.zero_grad()
        (ref(indices, offsets) * torch.from_numpy(grad_out)).sum().backward()
        adam_ref.step()
        np.testing.assert_allclose(bag.weight, ref.weight.detach().numpy(), atol=1e-5)
    assert adam_ours.steps == 4
    rows_, values = bag.backward(indices.numpy(), offsets.numpy(), grad_out)
    assert len(set(rows_.tolist())) == len(rows_)
    with pytest.raises(IndexError):
        bag.forward(np.array([0, rows]), np.array([0]))
    with pytest.raises(ValueError):
        bag.forward(np.array([0, 1]), np.array([1]))  # offsets must start at 0


def test_embedding_matches_torch_and_sgd_moves_rows():
    emb = embedkit.Embedding(10, 4, padding_idx=0, seed=1)
    ref = torch.nn.Embedding(10, 4, padding_idx=0, sparse=True)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(np.array(emb.weight)))
    ids = np.array([[1, 2, 0], [2, 2, 9]])
    np.testing.assert_allclose(emb.forward(ids), ref(torch.from_numpy(ids)).detach().numpy())
    grad = np.ones((2, 3, 4), dtype=np.float32)
    rows, values = emb.backward(ids, grad)
    (ref(torch.from_numpy(ids)).sum()).backward()
    dense = np.zeros((10, 4), dtype=np.float32)
    dense[rows] = values
    np.testing.assert_allclose(dense, ref.weight.grad.to_dense().numpy())
    before = np.array(emb.weight)
    embedkit.SparseSGD(lr=0.5).step(emb, rows, values)
    np.testing.assert_allclose(emb.weight, before - 0.5 * dense, atol=1e-6)


def test_tokenizer_vocabulary_and_encoder(tmp_path):
    tok = embedkit.Tokenizer(split="words", lowercase=True)
    assert tok.tokenize("Hello, World!") == ["hello", ",", "world", "!"]
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat\nthe dog sat\nthe end\n", encoding="utf-8")
    vocab = embedkit.Vocabulary.build(str(corpus), embedkit.Tokenizer(), min_count=1)
    assert vocab.word(0) == "<pad>" and vocab.word(1) == "<unk>" and vocab.word(2) == "the"
    assert "cat" in vocab and len(vocab) == 7 and vocab["sat"] == 3 and vocab.count(2) == 3
    enc = embedkit.Encoder(vocab)
    ids, offsets = enc.encode_batch(["the cat", "a dog sat", ""])
    assert ids.dtype == np.int64 and offsets.tolist() == [0, 2, 5]
    assert ids.tolist() == [2, vocab["cat"], 1, vocab["dog"], 3]
    assert enc.decode(enc.encode("the dog")) == "the dog"
    vocab.save(str(tmp_path / "v.tsv"))
    assert embedkit.Vocabulary.load(str(tmp_path / "v.tsv")).words() == vocab.words()
    (tmp_path / "bad.tsv").write_text("the\t3\ncat\tmany\n", encoding="utf-8")
    with pytest.raises(embedkit.FormatError, match="bad.tsv:2"):
        embedkit.Vocabulary.load(str(tmp_path / "bad.tsv"))
    # The ids feed EmbeddingBag as they are.
    bag = embedkit.EmbeddingBag(len(vocab), 4)
    assert bag.forward(ids, offsets).shape == (3, 4)


def test_per_sample_weights_get_pytorchs_gradient():
    rows, dim = 30, 8
    ours = ek_torch.EmbeddingBag(rows, dim, mode="sum", seed=4)
    theirs = torch.nn.EmbeddingBag(rows, dim, mode="sum", sparse=True)
    with torch.no_grad():
        theirs.weight.copy_(ours.weight)
    indices, offsets = batch(rows, 10, 5, seed=6)
    w_ours = torch.rand(len(indices), requires_grad=True)
    w_theirs = w_ours.detach().clone().requires_grad_(True)
    upstream = torch.randn(10, dim)
    (ours(indices, offsets, w_ours) * upstream).sum().backward()
    (theirs(indices, offsets, w_theirs) * upstream).sum().backward()
    torch.testing.assert_close(w_ours.grad, w_theirs.grad, atol=1e-5, rtol=1e-5)


def test_hostile_backward_inputs_are_errors_not_crashes():
    bag = embedkit.EmbeddingBag(10, 4, mode="max")
    with pytest.raises(ValueError, match="arg-max"):
        bag.backward(np.array([1, 2, 3]), np.array([0, 1]), np.ones((2, 4), np.float32), None,
                     np.full(8, 999999, dtype=np.uint32))
    with pytest.raises(ValueError, match="arg-max"):
        embedkit.SparseAdam().step_bag(bag, np.array([1, 2, 3]), np.array([0, 1]), np.ones((2, 4), np.float32),
                                       None, np.full(8, 999999, dtype=np.uint32))
    # Changing the batch between forward and backward: PyTorch's own in-place check refuses it.
    module = ek_torch.EmbeddingBag(1000, 4, mode="max")
    indices, offsets = torch.arange(20) % 1000, torch.tensor([0, 10])
    out = module(indices, offsets)
    offsets[1] = 19
    with pytest.raises(RuntimeError, match="inplace"):
        out.sum().backward()
    weighted = ek_torch.EmbeddingBag(100, 4, mode="sum")
    w = torch.rand(20, requires_grad=True)
    out = weighted(indices % 100, torch.tensor([0, 10]), w)
    with torch.no_grad():
        weighted.weight.add_(1.0)  # the weight the gradient of w needs, changed
    with pytest.raises(RuntimeError, match="inplace"):
        out.sum().backward()


def test_one_optimizer_stepped_from_several_threads():
    import threading

    bag = embedkit.EmbeddingBag(50, 8, mode="sum")
    opt = embedkit.SparseAdam(lr=0.01)
    rows = np.arange(0, 50, 5)
    values = np.ones((len(rows), 8), np.float32)

    def steps():
        for _ in range(25):
            opt.step(bag, rows, values)

    threads = [threading.Thread(target=steps) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert opt.steps == 100
    assert np.isfinite(bag.weight).all()
