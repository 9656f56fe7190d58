"""Writes encoder_layer_reference.json: one PyTorch TransformerEncoderLayer (norm_first, GELU,
eval mode), its weights, an input with padding, the output and the gradients of
loss = sum(c * y), for tests/unit/nn/encoder_layer_test.cpp.

    /usr/bin/python3 tests/unit/nn/data/make_encoder_layer_reference.py   (PyTorch 1.13, CPU)
"""
import json
import os

import torch

torch.manual_seed(21)
dim, heads, feedforward, rows, length = 8, 2, 16, 5, 3
layer = torch.nn.TransformerEncoderLayer(dim, heads, feedforward, dropout=0.0, activation="gelu",
                                         batch_first=True, norm_first=True)
layer.eval()
with torch.no_grad():  # norms other than the identity, so that their parameters show
    for norm in (layer.norm1, layer.norm2):
        norm.weight.normal_(1.0, 0.2)
        norm.bias.normal_(0.0, 0.2)
x = torch.randn(1, rows, dim, requires_grad=True)
c = torch.randn(1, rows, dim)
padding = torch.tensor([[False] * length + [True] * (rows - length)])
# (Gradients on: PyTorch's fused inference path, which skips padded rows, stays off.)
y = layer(x, src_key_padding_mask=padding)
(c * y).sum().backward()

def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]

named = dict(layer.named_parameters())
out = {
    "torch": torch.__version__, "dim": dim, "heads": heads, "feedforward": feedforward, "rows": rows,
    "length": length, "x": flat(x), "c": flat(c), "y": flat(y), "dx": flat(x.grad),
    "parameters": {name: flat(p) for name, p in named.items()},
    "gradients": {name: flat(p.grad) for name, p in named.items()},
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "encoder_layer_reference.json")
with open(path, "w") as f:
    json.dump(out, f)
print(path, {name: tuple(p.shape) for name, p in named.items()})
