// EmbeddingBag: the sum, mean or max of the rows in each bag, without materialising the rows.
// The semantics of PyTorch's nn.EmbeddingBag (CSR input), on embedkit's EmbeddingTable.
//
//   // two bags: {4, 9, 4} and {7}
//   std::vector<embedkit::TokenId> indices = {4, 9, 4, 7};
//   std::vector<std::uint64_t> offsets = {0, 3};
//   embedkit::EmbeddingBag bag(std::move(table), {.mode = embedkit::BagMode::mean});
//   std::vector<float> out = bag.forward({indices, offsets});            // 2 x dim
//   auto state = bag.forward_for_training({indices, offsets});          // also keeps arg-max
//   embedkit::SparseGradient g = bag.backward({indices, offsets}, grad_out, state);
//
// Input: `indices` holds all bags back to back; bag b is indices[offsets[b], offsets[b+1]) and
// the last bag runs to the end, or, with include_last_offset, offsets has one more entry that
// must equal indices.size(). offsets[0] must be 0 and offsets must not decrease; violations are
// ArgumentErrors naming the position and values. Ids equal to padding_idx are skipped (they
// neither count toward a mean nor receive gradient). Empty bags produce zeros.
// per_sample_weights (sum mode only, one per index) scale each row: sum_i w_i * row_i.
// Sums accumulate in float32, in index order. Unlike nn.EmbeddingBag there is no max_norm here
// (renormalise through Embedding, or the table, if needed).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "embedkit/table/embedding_table.h"
#include "embedkit/table/row_gradient_sink.h"
#include "embedkit/table/sparse_gradient.h"

namespace embedkit {

enum class BagMode { sum, mean, max };

struct EmbeddingBagOptions {
  BagMode mode = BagMode::mean;
  std::optional<TokenId> padding_idx;
  bool include_last_offset = false;
  bool trainable = true;
};

/// A batch of bags in CSR form (views; nothing is copied).
struct BagBatch {
  std::span<const TokenId> indices;
  std::span<const std::uint64_t> offsets;
  std::span<const float> per_sample_weights = {};
};

/// What backward needs from the forward pass: the output, and in max mode, for each bag and
/// dimension, the position (within the bag) of the row that won.
struct BagForward {
  std::vector<float> output;           ///< bags x dim
  std::vector<std::uint32_t> argmax;   ///< bags x dim (max mode only)
};

class EmbeddingBag {
 public:
  explicit EmbeddingBag(EmbeddingTable table, EmbeddingBagOptions options = {});

  [[nodiscard]] EmbeddingTable& table() noexcept { return table_; }
  [[nodiscard]] const EmbeddingTable& table() const noexcept { return table_; }
  [[nodiscard]] const EmbeddingBagOptions& options() const noexcept { return options_; }
  [[nodiscard]] std::size_t dim() const noexcept { return table_.dim(); }
  void set_trainable(bool trainable) noexcept { options_.trainable = trainable; }

  /// Number of bags in `batch` (after validating it). Throws ArgumentError on malformed input.
  [[nodiscard]] std::size_t bag_count(const BagBatch& batch) const;

  /// Inference fast path: writes bags x dim floats into `out`. Thread-parallel over bags.
  void forward(const BagBatch& batch, std::span<float> out) const;
  [[nodiscard]] std::vector<float> forward(const BagBatch& batch) const;

  /// One bag, on the calling thread, for trainers whose workers each own their examples
  /// (Hogwild): the sum or mean of the rows `ids` (padding skipped; none left: zeros) into `out`
  /// (dim floats); the same values as forward() gives that bag. Sum and mean modes; throws
  /// ArgumentError for max mode, an id outside the table or a wrong `out` size.
  void forward_one(std::span<const TokenId> ids, std::span<float> out) const;

  /// Forward that keeps what backward needs (max mode's arg-max positions).
  [[nodiscard]] BagForward forward_for_training(const BagBatch& batch) const;
  /// As above, into `result`, reusing its buffers.
  void forward_for_training(const BagBatch& batch, BagForward& result) const;

  /// Gradient w.r.t. the table given grad_out (bags x dim). Empty when frozen.
  [[nodiscard]] SparseGradient backward(const BagBatch& batch, std::span<const float> grad_out,
                                        const BagForward& forward) const;
  /// As above, into `grad`, reusing its buffers (no allocation in a steady training loop).
  void backward(const BagBatch& batch, std::span<const float> grad_out, const BagForward& forward,
                SparseGradient& grad) const;
  /// Fused backward: the same row gradients as backward(), handed to `sink` one row at a time
  /// (in parallel, each touched row once) instead of being stored. `scratch` is working memory
  /// to reuse between steps. Does nothing when frozen. SparseOptimizer::step(bag, ...) uses it.
  void backward_rows(const BagBatch& batch, std::span<const float> grad_out, const BagForward& forward,
                     SparseGradient::Scratch& scratch, RowGradientSink& sink) const;

 private:
  void run_forward(const BagBatch& batch, std::span<float> out, std::uint32_t* argmax) const;
  std::size_t check_backward(const BagBatch& batch, std::span<const float> grad_out) const;
  template <class Body>
  void with_row_gradients(const BagBatch& batch, std::size_t bags, std::span<const float> grad_out,
                          const BagForward& forward, SparseGradient::Scratch& scratch, Body&& body) const;

  EmbeddingTable table_;
  EmbeddingBagOptions options_;
};

}  // namespace embedkit
