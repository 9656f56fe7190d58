// Embedding: ids -> rows of a table, and the sparse gradient back. The semantics of PyTorch's
// nn.Embedding, on embedkit's EmbeddingTable.
//
//   embedkit::EmbeddingTable table(vocab.size(), 64);
//   table.fill_normal(0.0F, 1.0F, 7);
//   embedkit::Embedding emb(std::move(table), {.padding_idx = vocab.pad_id()});
//   std::vector<float> x = emb.forward(ids);                     // ids.size() x 64
//   embedkit::SparseGradient g = emb.backward(ids, grad_x);      // only the rows in `ids`
//   sgd.step(emb.table(), g);
//
// - padding_idx: that row is returned like any other but never receives gradient.
// - max_norm: before the lookup, every *distinct* looked-up row whose norm_type-norm exceeds
//   max_norm is rescaled in place to norm max_norm (scale max_norm / (norm + 1e-7), as PyTorch).
//   This writes to the table, so forward() is not const.
// - scale_grad_by_freq: each row's gradient is divided by how often the row occurs in the batch.
// - trainable = false (frozen): backward() returns an empty gradient.
// Ids are checked once per call; an out-of-range id is an ArgumentError naming it and the size.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "embedkit/table/embedding_table.h"
#include "embedkit/table/sparse_gradient.h"

namespace embedkit {

struct EmbeddingOptions {
  std::optional<TokenId> padding_idx;
  std::optional<float> max_norm;
  float norm_type = 2.0F;
  bool scale_grad_by_freq = false;
  bool trainable = true;
};

class Embedding {
 public:
  /// Throws ArgumentError for a padding_idx outside the table or a non-positive max_norm.
  explicit Embedding(EmbeddingTable table, EmbeddingOptions options = {});

  [[nodiscard]] EmbeddingTable& table() noexcept { return table_; }
  [[nodiscard]] const EmbeddingTable& table() const noexcept { return table_; }
  [[nodiscard]] const EmbeddingOptions& options() const noexcept { return options_; }
  [[nodiscard]] std::size_t dim() const noexcept { return table_.dim(); }

  void set_trainable(bool trainable) noexcept { options_.trainable = trainable; }
  [[nodiscard]] bool trainable() const noexcept { return options_.trainable; }

  /// Writes row ids[i] to out[i * dim() ...]; `out` must hold ids.size() * dim() floats.
  /// Multithreaded for large batches.
  void forward(std::span<const TokenId> ids, std::span<float> out);
  [[nodiscard]] std::vector<float> forward(std::span<const TokenId> ids);

  /// The gradient w.r.t. the table given grad_out (ids.size() x dim(), the gradient of forward's
  /// output). Sorted unique rows; padding_idx excluded; empty when frozen.
  [[nodiscard]] SparseGradient backward(std::span<const TokenId> ids, std::span<const float> grad_out) const;
  /// As above, into `grad`, reusing its buffers (no allocation in a steady training loop).
  void backward(std::span<const TokenId> ids, std::span<const float> grad_out, SparseGradient& grad) const;

 private:
  void apply_max_norm(std::span<const TokenId> ids);

  EmbeddingTable table_;
  EmbeddingOptions options_;
};

}  // namespace embedkit
