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

  /// Row `row` will be consumed soon (rows arrive in increasing order within a thread): fetch
  /// what consume() will touch. Called a few rows ahead, as many as keep about 16 KiB of
  /// prefetch_bytes() in flight.
  virtual void prefetch(TokenId /*row*/) const noexcept {}

  /// Bytes that prefetch() fetches for one row (0 when it fetches nothing): spaces the calls.
  [[nodiscard]] virtual std::size_t prefetch_bytes() const noexcept { return 0; }

  /// The complete gradient of table row `row`. Called exactly once per touched row, from several
  /// threads at once for different rows; `gradient` is valid only during the call.
  virtual void consume(TokenId row, std::span<const float> gradient) = 0;

 protected:
  RowGradientSink() = default;
  RowGradientSink(const RowGradientSink&) = default;
  RowGradientSink& operator=(const RowGradientSink&) = default;
};

}  // namespace embedkit
