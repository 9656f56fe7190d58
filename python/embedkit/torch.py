"""``embedkit.torch.EmbeddingBag``: a drop-in ``torch.nn.EmbeddingBag(sparse=True)`` whose forward
and backward run embedkit's kernels.

    bag = embedkit.torch.EmbeddingBag(50000, 128, mode="mean")
    out = bag(ids, offsets)                   # ids, offsets: int64 tensors, as PyTorch's
    out.sum().backward()                      # bag.weight.grad is a sparse COO tensor
    torch.optim.SparseAdam(list(bag.parameters())).step()

The weight is a ``torch.nn.Parameter`` over embedkit's own table (shared memory, no copies), so
PyTorch's optimizers and ``load_state_dict`` update the rows embedkit reads. CPU and float32
only: moving the module to another device or dtype is refused.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from . import _embedkit


class _BagFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, weight, core, indices, offsets, per_sample_weights):
        idx = indices.numpy()
        off = None if offsets is None else offsets.numpy()
        psw = None if per_sample_weights is None else per_sample_weights.detach().numpy()
        if core.mode == "max":
            out, argmax = core.forward(idx, off, psw, want_argmax=True)
        else:
            out, argmax = core.forward(idx, off, psw), None
        # Saved as tensors, so that PyTorch refuses a backward after they were changed in place.
        ctx.save_for_backward(weight, *(t for t in (indices, offsets, per_sample_weights) if t is not None))
        ctx.has_offsets, ctx.has_weights = offsets is not None, per_sample_weights is not None
        ctx.core, ctx.argmax, ctx.rows = core, argmax, weight.shape[0]
        return torch.from_numpy(out)

    @staticmethod
    def backward(ctx, grad_out):
        saved = list(ctx.saved_tensors)
        weight = saved.pop(0)
        indices = saved.pop(0)
        offsets = saved.pop(0) if ctx.has_offsets else None
        psw = saved.pop(0) if ctx.has_weights else None
        grad_out = grad_out.contiguous()
        rows, values = ctx.core.backward(indices.numpy(), None if offsets is None else offsets.numpy(),
                                         grad_out.numpy(), None if psw is None else psw.detach().numpy(), ctx.argmax)
        grad = torch.sparse_coo_tensor(torch.from_numpy(rows).unsqueeze(0), torch.from_numpy(values),
                                       (ctx.rows, values.shape[1]))
        grad_psw = None
        if psw is not None and ctx.needs_input_grad[4]:
            # d out[b] / d w_i = weight[indices[i]] for each position i of bag b (mode "sum").
            flat = indices.reshape(-1)
            if offsets is None:
                bag_of = torch.arange(indices.shape[0]).repeat_interleave(indices.shape[1])
            else:
                starts = offsets[:-1] if ctx.core.include_last_offset else offsets
                lengths = torch.diff(starts, append=torch.tensor([flat.numel()]))
                bag_of = torch.arange(len(starts)).repeat_interleave(lengths)
            grad_psw = (grad_out[bag_of] * weight.detach()[flat]).sum(dim=1)
            if ctx.core.padding_idx is not None:
                grad_psw = grad_psw.masked_fill(flat == ctx.core.padding_idx, 0.0)
            grad_psw = grad_psw.reshape(psw.shape)
        return grad, None, None, None, grad_psw


class EmbeddingBag(torch.nn.Module):
    """``torch.nn.EmbeddingBag`` with ``sparse=True`` semantics (mode "sum", "mean" or "max",
    ``padding_idx``, ``include_last_offset``, ``per_sample_weights`` with "sum"), computed by
    embedkit. Initialised N(0, 1) as PyTorch's, or from ``_weight``."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm=None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = True,
                 _weight: Optional[torch.Tensor] = None, include_last_offset: bool = False,
                 padding_idx: Optional[int] = None, seed: Optional[int] = None):
        super().__init__()
        if max_norm is not None or scale_grad_by_freq:
            raise _embedkit.ArgumentError("max_norm and scale_grad_by_freq are not supported by EmbeddingBag")
        if not sparse:
            raise _embedkit.ArgumentError("embedkit's EmbeddingBag has sparse gradients only (sparse=True)")
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
        weight = None if _weight is None else _weight.detach().cpu().float().numpy()
        self._core = _embedkit.EmbeddingBag(num_embeddings, embedding_dim, mode=mode, padding_idx=padding_idx,
                                            include_last_offset=include_last_offset, _weight=weight, seed=seed)
        if padding_idx is not None and _weight is None:
            self._core.weight[padding_idx] = 0  # as PyTorch: the padding row starts at zero
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.mode, self.padding_idx, self.include_last_offset = mode, padding_idx, include_last_offset
        self.sparse = True
        self.weight = torch.nn.Parameter(torch.from_numpy(self._core.weight))

    def forward(self, input: torch.Tensor, offsets: Optional[torch.Tensor] = None,
                per_sample_weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        table = self._core.weight
        if (self.weight.device.type != "cpu" or self.weight.dtype != torch.float32
                or self.weight.data_ptr() != table.ctypes.data):
            raise _embedkit.ArgumentError("the weight no longer shares embedkit's table (moved to another device or "
                                          "dtype, or replaced): embedkit's EmbeddingBag runs on the CPU in float32")
        if per_sample_weights is not None and self.mode != "sum":
            raise _embedkit.ArgumentError("per_sample_weights needs mode='sum' (as PyTorch)")
        input = input.to(torch.int64)
        if input.dim() == 2:
            if offsets is not None:
                raise ValueError("if input is 2D, then offsets has to be None")
        elif offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        else:
            offsets = offsets.to(torch.int64).contiguous()
        return _BagFunction.apply(self.weight, self._core, input.contiguous(), offsets,
                                  None if per_sample_weights is None else per_sample_weights.contiguous().float())

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
