#!/usr/bin/python3
"""Makes the small Hugging Face model folders of huggingface_vectors_test.cpp, and their known answers.

Run with Debian's python3 (python3-torch): /usr/bin/python3 tests/unit/io/data/make_huggingface_models.py

Each folder holds a tiny WordPiece tokenizer.json and a model.safetensors (or two shards and
model.safetensors.index.json) with several tensors, as the Hub's models do. The safetensors files
are written by hand here (8-byte little-endian header size, JSON header, data) because the
`safetensors` package is not installed; the values come from torch, which also converts them:
reference.json holds each folder's rows as torch reads them in float32 (so F16/BF16 conversions,
subnormals included, are checked against torch's), and the mean of the pieces' rows of a few
words the vocabulary lacks (with the pieces WordPiece splits them into).
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "huggingface")
DIM = 8

# [PAD] .. [MASK] first, as BERT has them; words and continuation pieces after.
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "dog", "play", "##ing", "##ed", "##s",
         "run", "##ner", "walk", "house", "##hold", "a", "b", "c", "##er", "sun", "##ny", "rain", "##y",
         "king", "queen", "man", "woman", ".", ",", "!"]
SPECIAL = VOCAB[:5]
# Words not in the vocabulary, and the pieces WordPiece (greedy longest match) splits them into.
UNSEEN = {"playing": ["play", "##ing"], "walked": ["walk", "##ed"], "households": ["house", "##hold", "##s"],
          "Cats": ["cat", "##s"], "runner": ["run", "##ner"], "sunny": ["sun", "##ny"]}

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def tokenizer_json():
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(SPECIAL)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {t: {"id": t, "ids": [VOCAB.index(t)], "tokens": [t]}
                                              for t in ["[CLS]", "[SEP]"]}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(VOCAB)}},
    }


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: its bits as int16
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors):
    """tensors: list of (name, tensor) in file order."""
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, t in tensors:
        raw = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def embeddings(rows, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(rows, DIM, generator=g) * 0.5).to(dtype)


def reference(table, tensor, padding_rows):
    rows = table.float()
    words = {piece: [float(x) for x in rows[i]] for i, piece in enumerate(VOCAB)}
    unseen = {w: {"pieces": p, "vector": [float(x) for x in torch.stack([rows[VOCAB.index(q)] for q in p]).mean(0)]}
              for w, p in UNSEEN.items()}
    return {"tensor": tensor, "dtype": DTYPES[table.dtype], "tensor_rows": table.shape[0],
            "padding_rows": padding_rows, "rows": words, "unseen": unseen}


def folder(name):
    path = os.path.join(OUT, name)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False, separators=(",", ":"))
    return path


def main():
    v = len(VOCAB)
    refs = {}

    # BERT, F32: the word embeddings among other 2-D tensors (a position table first), 1-D and I64 ones.
    path = folder("bert-f32")
    word = embeddings(v, 1, torch.float32)
    write_safetensors(os.path.join(path, "model.safetensors"), [
        ("bert.embeddings.position_embeddings.weight", embeddings(12, 2, torch.float32)),
        ("bert.embeddings.word_embeddings.weight", word),
        ("bert.embeddings.LayerNorm.weight", torch.ones(DIM)),
        ("bert.embeddings.position_ids", torch.arange(12, dtype=torch.int64).reshape(1, 12)),
        ("bert.pooler.dense.weight", embeddings(DIM, 3, torch.float16)),
    ])
    refs["bert-f32"] = reference(word, "bert.embeddings.word_embeddings.weight", 0)

    # Llama-style, F16, padded to a multiple of 8 rows beyond the vocabulary; values at F16's edges.
    path = folder("llama-f16")
    padded = -(-v // 8) * 8 + 8
    word = embeddings(padded, 4, torch.float32)
    dog = VOCAB.index("dog")
    word[dog, :6] = torch.tensor([2.0 ** -24, 2.0 ** -20 * 3, -(2.0 ** -14), 65504.0, -0.0, 1.0 / 3.0])
    word = word.to(torch.float16)
    write_safetensors(os.path.join(path, "model.safetensors"), [
        ("lm_head.weight", embeddings(padded, 5, torch.float16)),
        ("model.embed_tokens.weight", word),
        ("model.norm.weight", torch.ones(DIM, dtype=torch.float16)),
    ])
    refs["llama-f16"] = reference(word[:v], "model.embed_tokens.weight", padded - v)

    # GPT-2-style, BF16, with bfloat16 subnormals and large values.
    path = folder("gpt2-bf16")
    word = embeddings(v, 6, torch.float32)
    cat = VOCAB.index("cat")
    word[cat, :5] = torch.tensor([1e-39, -3e-40, 3e38, -1.5e-38, 1.0 / 3.0])
    word = word.to(torch.bfloat16)
    write_safetensors(os.path.join(path, "model.safetensors"), [
        ("wpe.weight", embeddings(16, 7, torch.bfloat16)),
        ("wte.weight", word),
        ("h.0.ln_1.weight", torch.ones(DIM, dtype=torch.bfloat16)),
    ])
    refs["gpt2-bf16"] = reference(word, "wte.weight", 0)

    # Sharded: the embeddings in the second of two shards, as the index's weight_map says.
    path = folder("sharded")
    word = embeddings(v, 8, torch.bfloat16)
    shards = {
        "model-00001-of-00002.safetensors": [("model.layers.0.mlp.up_proj.weight", embeddings(16, 9, torch.float32)),
                                             ("model.norm.weight", torch.ones(DIM))],
        "model-00002-of-00002.safetensors": [("lm_head.weight", embeddings(v, 10, torch.bfloat16)),
                                             ("model.embed_tokens.weight", word)],
    }
    weight_map = {}
    for shard, tensors in shards.items():
        write_safetensors(os.path.join(path, shard), tensors)
        weight_map.update({n: shard for n, _ in tensors})
    with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
    refs["sharded"] = reference(word, "model.embed_tokens.weight", 0)

    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(refs, f, indent=1)


if __name__ == "__main__":
    main()
