// The gradient of an embedding lookup: only the rows that were looked up, each once.
//
// rows() is sorted ascending with no duplicates, and values() holds one dim-float row per
// entry, so optimizers touch exactly these rows and a dense V x D gradient never exists.
// Coalescing is deterministic: contributions to a row are summed in the order of their
// positions in the batch, whatever the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

class SparseGradient {
 public:
  SparseGradient() = default;
  /// An all-zero gradient over `rows` (sorted, unique) for a table of width `dim`.
  SparseGradient(std::vector<TokenId> rows, std::size_t dim)
      : rows_(std::move(rows)), dim_(dim), values_(rows_.size() * dim, 0.0F) {}

  /// Makes this the (uninitialised) gradient over `rows` with width `dim`, reusing the existing
  /// buffers: a training loop that passes the same SparseGradient every step allocates once.
  void assign(std::span<const TokenId> rows, std::size_t dim) {
    rows_.assign(rows.begin(), rows.end());
    dim_ = dim;
    values_.resize(rows_.size() * dim);
  }

  [[nodiscard]] std::size_t dim() const noexcept { return dim_; }
  [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }
  [[nodiscard]] std::span<const TokenId> rows() const noexcept { return rows_; }
  [[nodiscard]] std::span<const float> values() const noexcept { return values_; }

  /// The gradient row of the i-th entry (not of table row i).
  [[nodiscard]] std::span<float> value(std::size_t i) noexcept { return {values_.data() + i * dim_, dim_}; }
  [[nodiscard]] std::span<const float> value(std::size_t i) const noexcept { return {values_.data() + i * dim_, dim_}; }

  /// Working memory that backward passes use to build this gradient (sort keys, group starts,
  /// per-position bag numbers). Kept here so that a reused SparseGradient makes a steady training
  /// loop allocation-free; not part of the gradient's value, and unspecified between calls.
  struct Scratch {
    std::vector<std::uint64_t> keys;
    std::vector<std::uint64_t> sort_buffer;
    std::vector<std::size_t> histogram;
    std::vector<TokenId> rows;
    std::vector<std::size_t> starts;
    std::vector<std::uint32_t> position_bag;
    std::vector<std::uint32_t> key_bag;
    std::vector<float> position_scale;
  };
  [[nodiscard]] Scratch& scratch() noexcept { return scratch_; }

 private:
  std::vector<TokenId> rows_;
  std::size_t dim_ = 0;
  std::vector<float> values_;
  Scratch scratch_;
};

}  // namespace embedkit
