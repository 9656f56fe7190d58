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

#include <algorithm>
#include <cstdint>
#include <span>
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
  /// Updates rows `rows` of `table` in step `t` (1-based), row rows[i] with the gradient at
  /// gradients + i * dim. Callers prefetch_rows() the next block before computing this one's
  /// gradients. Called once per block of rows, never per row:
  /// RowwiseOptimizer<Derived> implements it as a loop around Derived's inline update_row.
  /// Safe in parallel for disjoint rows.
  virtual void update_rows(EmbeddingTable& table, std::span<const TokenId> rows, const float* gradients,
                           std::uint64_t t) = 0;
  /// Hints that `rows` will be updated soon: fetch their table rows and state.
  virtual void prefetch_rows(const EmbeddingTable& table, std::span<const TokenId> rows) const noexcept = 0;
  /// Called once before the first update with the table's shape, to size the state.
  virtual void prepare(std::size_t rows, std::size_t dim) = 0;
  /// Called before the rows of step `t` (1-based) are updated: per-step constants go here.
  virtual void begin_step(std::uint64_t /*t*/) {}
  /// Bytes of state the optimizer keeps per table row (0 for plain SGD): its prefetches cover
  /// them, and the prefetch distance counts them.
  [[nodiscard]] virtual std::size_t state_bytes_per_row() const noexcept { return 0; }
  /// Whether updates need `missed` steps per row (costs 8 bytes per table row).
  [[nodiscard]] virtual bool tracks_missed_steps() const noexcept { return false; }

  std::uint64_t steps_ = 0;  // completed steps; the running step is steps_ + 1
  std::size_t rows_ = 0, dim_ = 0;
  std::vector<std::uint64_t> last_step_;  // per row, with tracks_missed_steps()

  std::size_t ahead_ = 8;  // rows fetched ahead of their update (kernels::prefetch_distance), set per step

  /// Fetches table row `id` (write intent, into L2: kernels/prefetch.h).
  void prefetch_table_row(const EmbeddingTable& table, TokenId id) const noexcept;

 private:
  class BagSink;
  // Sets up state on first use, checks the table's shape, sets ahead_, starts step steps_ + 1.
  std::uint64_t start_step(const EmbeddingTable& table);
};

/// The row loop of an optimizer whose update is row by row: Derived provides
///   void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed);
/// (`missed` = steps since this row's last update: 0 when touched last step, all steps so far
/// when never touched; tracked only with tracks_missed_steps()) and, when it keeps state per row,
///   void prefetch_state(TokenId id) const noexcept;
/// The loop calls them directly (inlined): the optimizer is chosen once per batch, not per row.
template <class Derived>
class RowwiseOptimizer : public SparseOptimizer {
 protected:
  void update_rows(EmbeddingTable& table, std::span<const TokenId> rows, const float* gradients,
                   std::uint64_t t) final {
    Derived& self = static_cast<Derived&>(*this);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i + ahead_ < rows.size()) prefetch_row(table, rows[i + ahead_]);
      const TokenId id = rows[i];
      std::uint64_t missed = 0;
      if (!last_step_.empty()) {
        missed = t - 1 - last_step_[id];
        last_step_[id] = t;
      }
      self.update_row(table.data() + static_cast<std::size_t>(id) * table.stride(), gradients + i * dim_, dim_, id,
                      missed);
    }
  }
  // The first ahead_ rows: update_rows fetches each later row ahead_ rows before its use, a
  // steady stream (fetching a whole block at once asks more of memory than it has buffers for:
  // Adam's 15-row blocks ran 15-20% slower that way).
  void prefetch_rows(const EmbeddingTable& table, std::span<const TokenId> rows) const noexcept final {
    for (const TokenId id : rows.first(std::min(ahead_, rows.size()))) prefetch_row(table, id);
  }
  void prefetch_state(TokenId /*id*/) const noexcept {}  // (for Derived without per-row state)

 private:
  void prefetch_row(const EmbeddingTable& table, TokenId id) const noexcept {
    prefetch_table_row(table, id);
    static_cast<const Derived&>(*this).prefetch_state(id);
  }
};

struct SgdOptions {
  LearningRateSchedule learning_rate{};
  float weight_decay = 0.0F;
};

/// w -= lr * (g + weight_decay * w)
class SparseSgd final : public RowwiseOptimizer<SparseSgd> {
 public:
  explicit SparseSgd(SgdOptions options);
  [[nodiscard]] float current_learning_rate() const noexcept { return options_.learning_rate.at(steps_); }

 private:
  friend class RowwiseOptimizer<SparseSgd>;
  void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed);
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
class SparseAdagrad final : public RowwiseOptimizer<SparseAdagrad> {
 public:
  explicit SparseAdagrad(AdagradOptions options);

 private:
  friend class RowwiseOptimizer<SparseAdagrad>;
  void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed);
  void prepare(std::size_t rows, std::size_t dim) override;
  [[nodiscard]] bool tracks_missed_steps() const noexcept override { return options_.weight_decay != 0.0F; }
  void prefetch_state(TokenId id) const noexcept;
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
class SparseAdam final : public RowwiseOptimizer<SparseAdam> {
 public:
  explicit SparseAdam(AdamOptions options);
  /// For a schedule: the rate of the steps from the next one on (> 0).
  void set_learning_rate(float learning_rate);

 private:
  friend class RowwiseOptimizer<SparseAdam>;
  void update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed);
  void prepare(std::size_t rows, std::size_t dim) override;
  void begin_step(std::uint64_t t) override;
  [[nodiscard]] bool tracks_missed_steps() const noexcept override { return options_.weight_decay != 0.0F; }
  void prefetch_state(TokenId id) const noexcept;
  [[nodiscard]] std::size_t state_bytes_per_row() const noexcept override { return 2 * dim_ * sizeof(float); }
  AdamOptions options_;
  float step_size_ = 0.0F;
  // Row r holds m (dim floats) then v (dim floats): one random access per updated row, not two.
  std::optional<EmbeddingTable> moments_;
};

}  // namespace embedkit
