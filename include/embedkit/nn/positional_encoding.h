// Positions for a sequence model: what tells a Transformer that "dog bites man" is not "man
// bites dog" (part of embedkit::nn, the contextual layer). Three kinds, each a forward and a
// backward pass written out (no autograd), over rows of a row-major matrix: row r of `x` is the
// token at position positions[r] of its sequence, so one call serves a whole padded or packed
// batch.
//
//   embedkit::nn::SinusoidalPositions sinusoidal(64);
//   sinusoidal.add(x, positions);                 // x: positions.size() x 64, in place
//   embedkit::nn::RotaryPositions rope(16);       // heads of 16 columns
//   rope.rotate(queries, 64, positions);          // 4 heads; the same for the keys
//
// - Sinusoidal (Vaswani et al. 2017): x[r] += PE(p), PE(p, 2i) = sin(p w_i), PE(p, 2i+1) =
//   cos(p w_i), w_i = 10000^(-2i/dim), as PyTorch's tutorial builds it. No parameters; the
//   gradient passes through unchanged.
// - Learned (BERT, GPT-2): x[r] += P[p], P a table of max_positions rows trained with the rest;
//   the gradient of P's row p is the sum of the gradients of the rows at position p.
// - Rotary (RoPE, Su et al. 2021, RoFormer's interleaved pairs): in each head, columns (2i, 2i+1)
//   turn by the angle p t_i, t_i = 10000^(-2i/head_dim). Applied to queries and keys, the dot
//   product of a query at p and a key at q then depends on p - q only. A rotation: its backward
//   turns the gradient back by -p t_i.
// Shapes and positions are checked on every call (ArgumentError).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/table/embedding_table.h"

namespace embedkit::nn {

/// Positions whose sinusoidal or rotary values are computed once, when the object is built
/// (trigonometry per row per call was a few percent of a layer's time); later ones on the fly.
inline constexpr std::uint32_t kCachedPositions = 512;

class SinusoidalPositions {
 public:
  /// `dim`: columns of the rows it adds to (any size; an odd last column gets a sine).
  /// The first `cached` positions' values are computed here, once (at most kCachedPositions).
  explicit SinusoidalPositions(std::size_t dim, double base = 10000.0, std::uint32_t cached = kCachedPositions);

  /// x[r] += PE(positions[r]); `x` has positions.size() rows of dim() columns.
  void add(std::span<float> x, std::span<const std::uint32_t> positions) const;
  /// PE(position), dim() values, into `out`.
  void encoding(std::uint32_t position, std::span<float> out) const;
  [[nodiscard]] std::size_t dim() const noexcept { return frequencies_.size() * 2 - (odd_ ? 1 : 0); }

 private:
  std::vector<double> frequencies_;  // w_i, one per pair of columns
  bool odd_ = false;
  std::uint32_t cached_count_ = 0;
  std::vector<float> cached_;        // PE(p) for p < cached_count_, rows of dim()
};

class LearnedPositions {
 public:
  /// A table of `max_positions` x `dim`, drawn from N(0, stddev^2) with `seed` (BERT: 0.02).
  LearnedPositions(std::size_t max_positions, std::size_t dim, std::uint64_t seed = 1, float stddev = 0.02F);
  /// Over an existing table (loaded from a model): its rows are the positions.
  explicit LearnedPositions(EmbeddingTable table);

  /// x[r] += P[positions[r]].
  void add(std::span<float> x, std::span<const std::uint32_t> positions) const;
  /// grad[p] += dy[r] for every row r at position p: `grad` is max_positions() x dim(), row-major
  /// (accumulated into, so a batch's calls add up). The gradient of x is dy itself.
  void backward(std::span<const float> dy, std::span<const std::uint32_t> positions, std::span<float> grad) const;

  [[nodiscard]] std::size_t max_positions() const noexcept { return table_.rows(); }
  [[nodiscard]] std::size_t dim() const noexcept { return table_.dim(); }
  [[nodiscard]] EmbeddingTable& table() noexcept { return table_; }
  [[nodiscard]] const EmbeddingTable& table() const noexcept { return table_; }

 private:
  EmbeddingTable table_;
  void check(std::size_t values, std::span<const std::uint32_t> positions, const char* what) const;
};

class RotaryPositions {
 public:
  /// `head_dim`: columns of one head (even).
  explicit RotaryPositions(std::size_t head_dim, double base = 10000.0);

  /// In place: every head of every row of `x` (positions.size() rows of `width` columns, width a
  /// multiple of head_dim()) turned by its position's angles.
  void rotate(std::span<float> x, std::size_t width, std::span<const std::uint32_t> positions) const;
  /// In place: the gradient with respect to the unrotated rows, from `dy`, the gradient with
  /// respect to the rotated ones (the inverse rotation).
  void backward(std::span<float> dy, std::size_t width, std::span<const std::uint32_t> positions) const;
  [[nodiscard]] std::size_t head_dim() const noexcept { return frequencies_.size() * 2; }

 private:
  std::vector<double> frequencies_;  // t_i, one per pair of a head's columns
  std::vector<float> cached_;        // per position < kCachedPositions: cos(p t_i), then sin(p t_i)
  void turn(std::span<float> x, std::size_t width, std::span<const std::uint32_t> positions, double sign) const;
};

}  // namespace embedkit::nn
