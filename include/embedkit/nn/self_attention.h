// Multi-head scaled dot-product self-attention over one sequence (Vaswani et al. 2017), with the
// padding at its end masked out: each query attends to the sequence's first `length` keys only,
// so a sequence padded into a batch gives its rows the outputs it gets alone. The projections
// (Linear) and positions (RotaryPositions on q and k) are the caller's; this is the part between
// them (part of embedkit::nn). Forward and backward written out over OpenBLAS products.
//
//   embedkit::nn::SelfAttention attention(4, 16);  // 4 heads of 16 columns: rows of 64
//   embedkit::nn::SelfAttention::Cache cache;
//   attention.forward(q, k, v, 10, 7, out, cache); // 10 rows, the last 3 padding
//   attention.backward(q, k, v, dout, cache, dq, dk, dv);
//
// Head h is columns [h head_dim, (h+1) head_dim) of every row (PyTorch's split in
// nn.MultiheadAttention); scores are q.k / sqrt(head_dim), softmax over the valid keys. Padding
// rows (queries past `length`) are computed like the others, as PyTorch does: give them zero
// dout if they should not count (a non-zero one flows into the valid keys and values, as in
// PyTorch), and finite values (the backward multiplies them by zero). Shapes are checked on
// every call (ArgumentError).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "embedkit/nn/dropout.h"

namespace embedkit::nn {

class SelfAttention {
 public:
  SelfAttention(std::size_t heads, std::size_t head_dim);

  /// The attention weights of the forward pass (heads x rows x rows), which the backward needs.
  struct Cache {
    std::vector<float> probabilities;
    std::vector<float> dropped, mask;  // in training with dropout: the weights used, and the mask
    std::size_t rows = 0, length = 0;
  };

  /// q, k, v, out: `rows` x width() each; keys from `length` on (1 <= length <= rows) are padding.
  /// In training, `dropout` (with `rng`) drops attention weights as PyTorch's
  /// nn.MultiheadAttention does; null: evaluation.
  void forward(std::span<const float> q, std::span<const float> k, std::span<const float> v, std::size_t rows,
               std::size_t length, std::span<float> out, Cache& cache, const Dropout* dropout = nullptr,
               SplitMix64* rng = nullptr) const;
  /// dq, dk, dv (overwritten) from dout, the gradient with respect to out; q, k, v and the cache
  /// are the forward pass's.
  void backward(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                std::span<const float> dout, const Cache& cache, std::span<float> dq, std::span<float> dk,
                std::span<float> dv) const;

  [[nodiscard]] std::size_t heads() const noexcept { return heads_; }
  [[nodiscard]] std::size_t head_dim() const noexcept { return head_dim_; }
  [[nodiscard]] std::size_t width() const noexcept { return heads_ * head_dim_; }

 private:
  std::size_t heads_, head_dim_;
  void check(std::size_t values, std::size_t rows, const char* what) const;
};

}  // namespace embedkit::nn
