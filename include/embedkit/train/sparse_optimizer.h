// Optimizers that update only the rows present in a SparseGradient (part of embedkit::train).
//
//   embedkit::SparseSgd sgd({.learning_rate = 0.1F});
//   embedkit::SparseAdam adam({.learning_rate = 1e-3F});
//   adam.step(embedding.table(), embedding.backward(ids, grad_out));
//
// Rows absent from a gradient are not read or written: their bytes stay identical, so a step
// costs O(rows in the batch x dim), not O(V x D). State (Adagrad sums, Adam moments) lives in
// the optimizer, sized to the table on the first step; one optimizer serves one table.
//
// Lazy semantics (documented differences from dense optimizers):
// - Weight decay is applied when a row is touched, with the decay of the steps it missed
//   folded in: factor (1 - lr * weight_decay)^(missed + 1). With a constant learning rate this
//   equals dense SGD with L2 decay exactly; under a schedule the missed steps use the current rate.
// - SparseAdam is "lazy Adam", as PyTorch's SparseAdam: a row's moments decay only on the steps
//   that touch it, while bias correction uses the global step count. Dense Adam would keep
//   moving rows with non-zero moments after their last gradient; lazy Adam does not.
// Thread safety: step() may use several threads internally (rows are independent); do not call
// it concurrently on one optimizer.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "embedkit/table/embedding_bag.h"
#include "embedkit/table/embedding_table.h"
#include "embedkit/table/sparse_gradient.h"

namespace embedkit {

/// lr(step) = base * max(min_ratio, 1 - step / total_steps) when total_steps > 0, else base.
struct LearningRateSchedule {
  float base = 0.01F;
  std::uint64_t total_steps = 0;  ///< 0 = constant
  float min_ratio = 1e-4F;        ///< floor of the linear decay, as word2vec's 0.0001

  [[nodiscard]] float at(std::uint64_t step) const noexcept;
};

class SparseOptimizer {
 public:
  virtual ~SparseOptimizer() = default;
  /// Applies one update. Throws ArgumentError when the gradient's dim or rows do not fit the table.
  void step(EmbeddingTable& table, const SparseGradient& grad);

  /// Fused backward + update for an EmbeddingBag: the same result as
  /// step(bag.table(), bag.backward(batch, grad_out, forward)), but each row's gradient goes
  /// straight into its update and is never stored (faster: no rows x dim gradient written and
  /// read back). `scratch` is working memory to reuse between steps. A frozen bag is not updated,
  /// but the step still counts.
  void step(EmbeddingBag& bag, const BagBatch& batch, std::span<const float> grad_out, const BagForward& forward,
            SparseGradient::Scratch& scratch);
  [[nodiscard]] std::uint64_t steps() const noexcept { return steps_; }

 protected:
  /// Updates table row `row` given gradient `g`; `missed` = steps since this row's last update
  /// (0 when touched last step; all steps so far when never touched).
  virtual void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed) = 0;
  /// Called once before the first update with the table's shape, to size the state.
  virtual void prepare(std::size_t rows, std::size_t dim) = 0;
  /// Called before the rows of step `t` (1-based) are updated: per-step constants go here.
  virtual void begin_step(std::uint64_t /*t*/) {}
  /// Hints that row `id` will be updated soon (rows are visited in increasing order, at random
  /// gaps): implementations prefetch their state for it.
  virtual void prefetch_state(TokenId /*id*/) const noexcept {}
  /// Bytes of state that prefetch_state() fetches per row (spaces the prefetches).
  [[nodiscard]] virtual std::size_t state_bytes_per_row() const noexcept { return 0; }
  /// Whether update_row needs `missed` (costs 8 bytes per table row).
  [[nodiscard]] virtual bool tracks_missed_steps() const noexcept { return false; }

  std::uint64_t steps_ = 0;  // completed steps; the running step is steps_ + 1

 private:
  class BagSink;
  // Sets up state on first use, checks the table's shape, starts step steps_ + 1.
  std::uint64_t start_step(const EmbeddingTable& table);
  // Updates row `id` of `table` with gradient `g` in step `t` (safe in parallel for distinct rows).
  void apply(EmbeddingTable& table, TokenId id, const float* g, std::uint64_t t);
  void prefetch_row(const EmbeddingTable& table, TokenId id) const noexcept;
  // What prefetch_row fetches: the table row and the state row.
  [[nodiscard]] std::size_t prefetch_bytes() const noexcept { return dim_ * sizeof(float) + state_bytes_per_row(); }

  std::size_t rows_ = 0, dim_ = 0;
  std::vector<std::uint64_t> last_step_;
};

struct SgdOptions {
  LearningRateSchedule learning_rate{};
  float weight_decay = 0.0F;
};

/// w -= lr * (g + weight_decay * w)
class SparseSgd final : public SparseOptimizer {
 public:
  explicit SparseSgd(SgdOptions options);
  [[nodiscard]] float current_learning_rate() const noexcept { return options_.learning_rate.at(steps_); }

 private:
  void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed) override;
  void prepare(std::size_t, std::size_t) override {}
  void begin_step(std::uint64_t t) override { lr_ = options_.learning_rate.at(t - 1); }
  [[nodiscard]] bool tracks_missed_steps() const noexcept override { return options_.weight_decay != 0.0F; }
  SgdOptions options_;
  float lr_ = 0.0F;
};

struct AdagradOptions {
  float learning_rate = 0.01F;
  float epsilon = 1e-10F;
  float weight_decay = 0.0F;
  bool rowwise = false;  ///< one accumulator per row (mean of g^2): V floats of state, not V x D
};

/// sum += g^2; w -= lr * g / (sqrt(sum) + eps), per element or (rowwise) per row.
class SparseAdagrad final : public SparseOptimizer {
 public:
  explicit SparseAdagrad(AdagradOptions options);

 private:
  void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed) override;
  void prepare(std::size_t rows, std::size_t dim) override;
  [[nodiscard]] bool tracks_missed_steps() const noexcept override { return options_.weight_decay != 0.0F; }
  void prefetch_state(TokenId id) const noexcept override;
  [[nodiscard]] std::size_t state_bytes_per_row() const noexcept override;
  AdagradOptions options_;
  std::optional<EmbeddingTable> sum_;  // rows x dim (or rows x 1 rowwise): aligned, huge pages
};

struct AdamOptions {
  float learning_rate = 1e-3F;
  float beta1 = 0.9F;
  float beta2 = 0.999F;
  float epsilon = 1e-8F;
  float weight_decay = 0.0F;  ///< decoupled (AdamW-style), applied lazily
};

/// Lazy Adam (PyTorch SparseAdam semantics; see the file comment).
class SparseAdam final : public SparseOptimizer {
 public:
  explicit SparseAdam(AdamOptions options);

 private:
  void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed) override;
  void prepare(std::size_t rows, std::size_t dim) override;
  void begin_step(std::uint64_t t) override;
  [[nodiscard]] bool tracks_missed_steps() const noexcept override { return options_.weight_decay != 0.0F; }
  void prefetch_state(TokenId id) const noexcept override;
  [[nodiscard]] std::size_t state_bytes_per_row() const noexcept override { return 2 * dim_ * sizeof(float); }
  AdamOptions options_;
  float step_size_ = 0.0F;
  // Row r holds m (dim floats) then v (dim floats): one random access per updated row, not two.
  std::optional<EmbeddingTable> moments_;
  std::size_t dim_ = 0;
};

}  // namespace embedkit
