// One Transformer encoder layer, pre-LayerNorm with GELU, as PyTorch's
// nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, activation="gelu",
// norm_first=True) in eval mode (part of embedkit::nn):
//
//   h = x + out_proj(attention(in_proj(norm1(x))))      in_proj: q, k and v in one product
//   y = h + linear2(gelu(linear1(norm2(h))))
//
// over one sequence of `rows` rows whose last rows past `length` are padding (PyTorch's
// src_key_padding_mask), or over a batch of sequences in one matrix (sequence_batch.h): the
// products run over the whole batch at once, attention sequence by sequence. Forward and backward written out from the components (LayerNorm,
// Linear, SelfAttention, gelu); the parameters' names and layouts are PyTorch's, so a state dict
// copies across. In training (a generator given), dropout acts where PyTorch's does: on the
// attention weights, after out_proj, after the GELU and after linear2; in evaluation it is off.
// With `rotary`, q and k turn by their positions (0, 1, ... within the sequence) before the
// scores; otherwise sinusoidal or learned positions are added to x before the first layer.
// `y` may be `x`; the backward pass needs the forward's `x` and cache.
//
//   embedkit::nn::EncoderLayer layer(64, 4, 256);
//   embedkit::nn::EncoderLayer::Cache cache;
//   layer.forward(x, 10, 7, y, cache);                 // x, y: 10 x 64; rows 7..9 padding
//   embedkit::nn::EncoderLayer::Gradients g = layer.zero_gradients();
//   layer.backward(x, dy, cache, dx, g);               // g accumulates
//   layer.forward(xs, nn::packed_sequences(lengths), ys, cache);  // a batch
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <optional>
#include <vector>

#include "embedkit/core/random.h"
#include "embedkit/nn/dropout.h"
#include "embedkit/nn/layer_norm.h"
#include "embedkit/nn/linear.h"
#include "embedkit/nn/positional_encoding.h"
#include "embedkit/nn/self_attention.h"
#include "embedkit/nn/sequence_batch.h"

namespace embedkit::nn {

struct EncoderLayerOptions {
  float dropout = 0.0F;  ///< PyTorch's default is 0.1
  bool rotary = false;   ///< rotary positions on q and k (RoPE, base 10000)
};

class EncoderLayer {
 public:
  /// Weights drawn as PyTorch's defaults, from `seed` (give each layer of a stack its own).
  EncoderLayer(std::size_t dim, std::size_t heads, std::size_t feedforward, std::uint64_t seed = 1,
               EncoderLayerOptions options = {});

  /// Everything the backward pass needs from the forward one.
  struct Cache {
    std::vector<SequenceRows> batch;
    std::vector<std::uint32_t> positions;      // each row's, for rotary
    LayerNorm::Cache norm1, norm2;
    std::vector<SelfAttention::Cache> attention;  // one per sequence
    std::vector<float> h1, q, k, v, attended, h, h2, f1, g;  // q and k rotated when rotary
    std::vector<float> mask1, mask_ff, mask2;  // dropout's, in training (empty otherwise)
    // Working memory, reused from call to call: a training loop allocates nothing in steady state
    // (buffers of a batch's rows x feed-forward are megabytes: fresh ones cost page faults).
    std::vector<float> qkv, dg, df1, dh2, dh, df2, dattended, dq, dk, dv, dqkv, dh1, dout;
  };
  /// The gradients of the parameters, in the parameters' shapes.
  struct Gradients {
    std::vector<float> norm1_gamma, norm1_beta, in_weight, in_bias, out_weight, out_bias, norm2_gamma, norm2_beta,
        linear1_weight, linear1_bias, linear2_weight, linear2_bias;
  };

  /// y = the layer of x (`rows` x dim() each; rows from `length` on are padding). With `rng`, in
  /// training: dropout draws its masks from it (one generator per thread keeps runs reproducible).
  void forward(std::span<const float> x, std::size_t rows, std::size_t length, std::span<float> y, Cache& cache,
               SplitMix64* rng = nullptr) const;
  /// The same over a batch: x and y hold total_rows(batch) rows.
  void forward(std::span<const float> x, std::span<const SequenceRows> batch, std::span<float> y, Cache& cache,
               SplitMix64* rng = nullptr) const;
  /// dx (overwritten) and the parameters' gradients (accumulated) from dy.
  /// (The cache's working memory is written: one cache per thread.)
  void backward(std::span<const float> x, std::span<const float> dy, Cache& cache, std::span<float> dx,
                Gradients& gradients) const;
  [[nodiscard]] Gradients zero_gradients() const;
  /// The parameters and, in the same order, `gradients`' members, named as PyTorch's
  /// TransformerEncoderLayer names them (norm1.weight, self_attn.in_proj_weight, ...).
  struct NamedParameter {
    std::string_view name;
    std::span<float> value;
  };
  [[nodiscard]] std::vector<NamedParameter> parameters();
  [[nodiscard]] static std::vector<std::span<float>> gradient_spans(Gradients& gradients);

  [[nodiscard]] std::size_t dim() const noexcept { return norm1.dim(); }

  LayerNorm norm1, norm2;
  Linear in_proj;   ///< dim -> 3 dim: q, k, v (PyTorch's self_attn.in_proj_weight / in_proj_bias)
  Linear out_proj;  ///< dim -> dim (self_attn.out_proj)
  Linear linear1;   ///< dim -> feedforward
  Linear linear2;   ///< feedforward -> dim
  SelfAttention attention;
  Dropout dropout;
  std::optional<RotaryPositions> rotary;
};

}  // namespace embedkit::nn
