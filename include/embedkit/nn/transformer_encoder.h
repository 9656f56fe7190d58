// A stack of Transformer encoder layers over embedding rows: positions, N pre-LayerNorm layers,
// a final LayerNorm (what PyTorch's nn.TransformerEncoder(layer, N, norm=LayerNorm(dim)) computes
// with norm_first layers), forward and backward over a batch of sequences (part of embedkit::nn).
// The token embeddings are the caller's (an Embedding keeps its sparse gradients and optimizer):
// the encoder takes their rows and gives back their gradient.
//
//   embedkit::nn::TransformerEncoder encoder({.dim = 128, .heads = 4, .layers = 2});
//   std::vector<embedkit::nn::SequenceRows> batch = embedkit::nn::packed_sequences(lengths);
//   embedkit::nn::TransformerEncoder::Cache cache;
//   encoder.forward(x, batch, y, cache, &rng);             // x: embedding rows; y: contextual rows
//   auto g = encoder.zero_gradients();
//   encoder.backward(dy, cache, dx, g);                    // dx: the embedding rows' gradient
//
// Positions: sinusoidal and learned ones are added to x before the first layer; rotary ones turn
// q and k inside every layer; `none` gives the model no order at all (attention over a bag).
// One thread per call: a caller with many sequences splits them over threads, each with its own
// cache and gradients (layers and parameters are only read), and sums the gradients.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/random.h"
#include "embedkit/nn/encoder_layer.h"
#include "embedkit/nn/layer_norm.h"
#include "embedkit/nn/positional_encoding.h"
#include "embedkit/nn/sequence_batch.h"

namespace embedkit::nn {

enum class PositionKind { none, sinusoidal, learned, rotary };

/// "none", "sinusoidal", "learned", "rope" (or "rotary") -> PositionKind; ArgumentError otherwise.
[[nodiscard]] PositionKind parse_position_kind(std::string_view name);
[[nodiscard]] std::string_view position_kind_name(PositionKind kind) noexcept;

struct TransformerEncoderOptions {
  std::size_t dim = 128;
  std::size_t heads = 4;
  std::size_t feedforward = 0;  ///< 0 = 4 x dim
  std::size_t layers = 2;
  PositionKind positions = PositionKind::rotary;
  std::size_t max_positions = 512;  ///< rows of a learned table; longest sequence for every kind
  float dropout = 0.1F;
  std::uint64_t seed = 1;
};

class TransformerEncoder {
 public:
  /// Throws ArgumentError for shapes that do not fit (heads not dividing dim, no layers, ...).
  explicit TransformerEncoder(TransformerEncoderOptions options);

  struct Cache {
    std::vector<std::vector<float>> inputs;  // each layer's input (the first: x with positions)
    std::vector<EncoderLayer::Cache> layers;
    std::vector<float> last;                 // the last layer's output, before the final norm
    LayerNorm::Cache norm;
    std::vector<std::uint32_t> positions;
    std::vector<float> upstream, below;  // the backward pass's, reused from call to call
  };
  struct Gradients {
    std::vector<EncoderLayer::Gradients> layers;
    std::vector<float> norm_gamma, norm_beta;
    std::vector<float> positions;  // learned positions: as their table is stored, rows x stride (else empty)
  };

  /// y = the encoder of x (total_rows(batch) x dim each). With `rng`: training (dropout).
  void forward(std::span<const float> x, std::span<const SequenceRows> batch, std::span<float> y, Cache& cache,
               SplitMix64* rng = nullptr) const;
  /// dx (overwritten) and the gradients (accumulated) from dy and the forward pass's cache.
  /// (The cache's working memory is written: one cache per thread.)
  void backward(std::span<const float> dy, Cache& cache, std::span<float> dx, Gradients& gradients) const;
  [[nodiscard]] Gradients zero_gradients() const;

  /// Every parameter, named as PyTorch's nn.TransformerEncoder's state dict names it
  /// (layers.0.self_attn.in_proj_weight, ..., norm.weight), then learned positions'
  /// positions.weight, stored as their table is: max_positions rows padded to its stride.
  struct Parameter {
    std::string name;
    std::span<float> value;
  };
  [[nodiscard]] std::vector<Parameter> parameters();
  /// `gradients`' members in the order of parameters().
  [[nodiscard]] static std::vector<std::span<float>> gradient_spans(Gradients& gradients);
  [[nodiscard]] std::size_t parameter_count();
  /// The values an encoder of these options holds, computed without building it (a file's
  /// settings are checked against its size before anything that size is allocated); double, so
  /// that absurd settings cannot overflow.
  [[nodiscard]] static double parameter_count(const TransformerEncoderOptions& options);
  /// Zeroes the padding after each learned position's row (parameters() exposes the table as
  /// stored, padding included: after loading values into it, padding must be zero again).
  void clear_padding();

  [[nodiscard]] const TransformerEncoderOptions& options() const noexcept { return options_; }
  [[nodiscard]] std::size_t dim() const noexcept { return options_.dim; }

 private:
  TransformerEncoderOptions options_;
  std::vector<EncoderLayer> layers_;
  LayerNorm norm_;
  std::optional<SinusoidalPositions> sinusoidal_;
  std::optional<LearnedPositions> learned_;
};

}  // namespace embedkit::nn
