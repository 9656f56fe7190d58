// A consumer of per-row gradients: what a fused "backward + optimizer step" hands each touched
// row to, instead of storing a SparseGradient first (EmbeddingBag::backward_rows,
// SparseOptimizer::step on a bag). Saves writing and re-reading rows x dim floats per step.
#pragma once

#include <cstddef>
#include <span>

#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

class RowGradientSink {
 public:
  virtual ~RowGradientSink() = default;

  /// Rows `rows` will be consumed next by this thread (in increasing order): fetch what
  /// consume() will touch. Called once per block, a block ahead.
  virtual void prefetch(std::span<const TokenId> /*rows*/) const noexcept {}

  /// The complete gradients of a block of table rows: row rows[i]'s is gradients[i * dim,
  /// (i + 1) * dim). Every touched row comes exactly once, in blocks of a few dozen computed in
  /// cache; several threads call at once with different blocks. One call per block, not per
  /// row: the sink's loop over the block is its own, compiled around its update. The spans are
  /// valid only during the call.
  virtual void consume(std::span<const TokenId> rows, std::span<const float> gradients) = 0;

 protected:
  RowGradientSink() = default;
  RowGradientSink(const RowGradientSink&) = default;
  RowGradientSink& operator=(const RowGradientSink&) = default;
};

}  // namespace embedkit
