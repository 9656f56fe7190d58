#include "embedkit/train/sparse_optimizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"
#include "kernels/prefetch.h"

namespace embedkit {
namespace {

// (1 - lr * weight_decay)^(missed + 1): the decay of this step and of the steps the row missed.
float decay_factor(float lr, float weight_decay, std::uint64_t missed) {
  return static_cast<float>(std::pow(1.0 - static_cast<double>(lr) * weight_decay, static_cast<double>(missed + 1)));
}

}  // namespace

float LearningRateSchedule::at(std::uint64_t step) const noexcept {
  if (total_steps == 0) return base;
  const double progress = static_cast<double>(step) / static_cast<double>(total_steps);
  return base * static_cast<float>(std::max(static_cast<double>(min_ratio), 1.0 - progress));
}

std::uint64_t SparseOptimizer::start_step(const EmbeddingTable& table) {
  if (rows_ == 0 && dim_ == 0) {
    rows_ = table.rows();
    dim_ = table.dim();
    prepare(rows_, dim_);
    if (tracks_missed_steps()) last_step_.assign(rows_, 0);
    ahead_ = kernels::prefetch_distance(dim_ * sizeof(float) + state_bytes_per_row());
  }
  EMBEDKIT_CHECK(table.rows() == rows_ && table.dim() == dim_, ArgumentError,
                 fmt::format("this optimizer was set up for a {} x {} table, got {} x {}", rows_, dim_,
                             table.rows(), table.dim()));
  const std::uint64_t t = steps_ + 1;
  begin_step(t);
  return t;
}

// Rows are read, then written: prefetch them with write intent, into L2 like every row.
void SparseOptimizer::prefetch_table_row(const EmbeddingTable& table, TokenId id) const noexcept {
  kernels::prefetch<kernels::kRowHint, kernels::Access::write>(
      table.data() + static_cast<std::size_t>(id) * table.stride(), dim_ * sizeof(float));
}

void SparseOptimizer::step(EmbeddingTable& table, const SparseGradient& grad) {
  const std::uint64_t t = start_step(table);
  EMBEDKIT_CHECK(grad.empty() || grad.dim() == dim_, ArgumentError,
                 fmt::format("gradient dim {} does not match the table's {}", grad.dim(), dim_));
  const std::span<const TokenId> rows = grad.rows();
  // Ascending and unique (what the layer's backward produces): then the last row bounds them all,
  // and no two threads update one row.
  const auto unsorted = std::adjacent_find(rows.begin(), rows.end(), std::greater_equal<>());
  EMBEDKIT_CHECK(unsorted == rows.end(), ArgumentError,
                 fmt::format("gradient rows must be ascending and unique: row {} follows {}",
                             unsorted == rows.end() ? 0 : *(unsorted + 1), unsorted == rows.end() ? 0 : *unsorted));
  if (!rows.empty()) {
    EMBEDKIT_CHECK(rows.back() < rows_, ArgumentError,
                   fmt::format("gradient row {} is out of range for a table of {} rows", rows.back(), rows_));
  }
  // Threads take blocks of rows: one update_rows call each, the next block's first rows fetched
  // before it.
  constexpr std::size_t kBlock = 256;
  const auto blocks = static_cast<std::int64_t>((rows.size() + kBlock - 1) / kBlock);
  const float* values = grad.values().data();
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::size_t first = static_cast<std::size_t>(b) * kBlock;
    const std::span<const TokenId> block = rows.subspan(first, std::min(kBlock, rows.size() - first));
    prefetch_rows(table, block);
    update_rows(table, block, values + first * dim_, t);
  }
  steps_ = t;
}

// Receives the bag's row gradients block by block and updates those rows on the spot.
class SparseOptimizer::BagSink final : public RowGradientSink {
 public:
  BagSink(SparseOptimizer& optimizer, EmbeddingTable& table, std::uint64_t t)
      : optimizer_(optimizer), table_(table), t_(t) {}
  void prefetch(std::span<const TokenId> rows) const noexcept override { optimizer_.prefetch_rows(table_, rows); }
  void consume(std::span<const TokenId> rows, std::span<const float> gradients) override {
    optimizer_.update_rows(table_, rows, gradients.data(), t_);
  }

 private:
  SparseOptimizer& optimizer_;
  EmbeddingTable& table_;
  std::uint64_t t_;
};

void SparseOptimizer::step(EmbeddingBag& bag, const BagBatch& batch, std::span<const float> grad_out,
                           const BagForward& forward, SparseGradient::Scratch& scratch) {
  const std::uint64_t t = start_step(bag.table());
  BagSink sink(*this, bag.table(), t);
  bag.backward_rows(batch, grad_out, forward, scratch, sink);
  steps_ = t;
}

SparseSgd::SparseSgd(SgdOptions options) : options_(options) {
  EMBEDKIT_CHECK(options_.learning_rate.base > 0, ArgumentError,
                 fmt::format("learning rate must be positive, got {}", options_.learning_rate.base));
  EMBEDKIT_CHECK(options_.weight_decay >= 0, ArgumentError, "weight_decay must be >= 0");
}

void SparseSgd::update_row(float* row, const float* g, std::size_t dim, TokenId, std::uint64_t missed) {
  const float lr = lr_;
  if (options_.weight_decay != 0.0F) {
    const float keep = decay_factor(lr, options_.weight_decay, missed);
    for (std::size_t d = 0; d < dim; ++d) row[d] = row[d] * keep - lr * g[d];
    return;
  }
  kernels::kernels().axpy(-lr, g, row, dim);
}

SparseAdagrad::SparseAdagrad(AdagradOptions options) : options_(options) {
  EMBEDKIT_CHECK(options_.learning_rate > 0, ArgumentError, "learning rate must be positive");
  EMBEDKIT_CHECK(options_.weight_decay >= 0 && options_.epsilon >= 0, ArgumentError,
                 "weight_decay and epsilon must be >= 0");
}

void SparseAdagrad::prepare(std::size_t rows, std::size_t dim) {
  sum_.emplace(rows, options_.rowwise ? 1 : dim);
}

void SparseAdagrad::prefetch_state(TokenId id) const noexcept {
  kernels::prefetch<kernels::kRowHint, kernels::Access::write>(
      sum_->data() + static_cast<std::size_t>(id) * sum_->stride(), state_bytes_per_row());
}

std::size_t SparseAdagrad::state_bytes_per_row() const noexcept { return sum_ ? sum_->dim() * sizeof(float) : 0; }

void SparseAdagrad::update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed) {
  const float lr = options_.learning_rate;
  if (options_.weight_decay != 0.0F) {
    const float keep = decay_factor(lr, options_.weight_decay, missed);
    for (std::size_t d = 0; d < dim; ++d) row[d] *= keep;
  }
  if (options_.rowwise) {
    float mean_square = 0.0F;
    for (std::size_t d = 0; d < dim; ++d) mean_square += g[d] * g[d];
    float& sum = sum_->data()[static_cast<std::size_t>(id) * sum_->stride()];
    sum += mean_square / static_cast<float>(dim);
    const float step = lr / (std::sqrt(sum) + options_.epsilon);
    for (std::size_t d = 0; d < dim; ++d) row[d] -= step * g[d];
    return;
  }
  float* sum = sum_->data() + static_cast<std::size_t>(id) * sum_->stride();
  for (std::size_t d = 0; d < dim; ++d) {
    sum[d] += g[d] * g[d];
    row[d] -= lr * g[d] / (std::sqrt(sum[d]) + options_.epsilon);
  }
}

SparseAdam::SparseAdam(AdamOptions options) : options_(options) {
  EMBEDKIT_CHECK(options_.learning_rate > 0, ArgumentError, "learning rate must be positive");
  EMBEDKIT_CHECK(options_.beta1 >= 0 && options_.beta1 < 1 && options_.beta2 >= 0 && options_.beta2 < 1,
                 ArgumentError, fmt::format("betas must be in [0, 1), got {} and {}", options_.beta1, options_.beta2));
  EMBEDKIT_CHECK(options_.weight_decay >= 0 && options_.epsilon >= 0, ArgumentError,
                 "weight_decay and epsilon must be >= 0");
}

void SparseAdam::set_learning_rate(float learning_rate) {
  EMBEDKIT_CHECK(std::isfinite(learning_rate) && learning_rate > 0, ArgumentError,
                 fmt::format("learning rate {} must be positive", learning_rate));
  options_.learning_rate = learning_rate;
}

void SparseAdam::prepare(std::size_t rows, std::size_t dim) {
  dim_ = dim;
  moments_.emplace(rows, 2 * dim);
}

void SparseAdam::prefetch_state(TokenId id) const noexcept {
  kernels::prefetch<kernels::kRowHint, kernels::Access::write>(
      moments_->data() + static_cast<std::size_t>(id) * moments_->stride(), state_bytes_per_row());
}

void SparseAdam::begin_step(std::uint64_t t) {
  const double bias1 = 1.0 - std::pow(static_cast<double>(options_.beta1), static_cast<double>(t));
  const double bias2 = 1.0 - std::pow(static_cast<double>(options_.beta2), static_cast<double>(t));
  step_size_ = static_cast<float>(options_.learning_rate * std::sqrt(bias2) / bias1);
}

void SparseAdam::update_row(float* row, const float* g, std::size_t dim, TokenId id, std::uint64_t missed) {
  if (options_.weight_decay != 0.0F) {
    const float keep = decay_factor(options_.learning_rate, options_.weight_decay, missed);
    for (std::size_t d = 0; d < dim; ++d) row[d] *= keep;
  }
  float* m = moments_->data() + static_cast<std::size_t>(id) * moments_->stride();
  kernels::kernels().adam_row(row, m, m + dim_, g, dim, options_.beta1, options_.beta2, step_size_,
                              options_.epsilon);
}

}  // namespace embedkit
