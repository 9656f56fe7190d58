// Each sparse optimizer against a dense reference written from the textbook formulas: touched
// rows must match, untouched rows must keep their exact bytes.
#include "embedkit/train/sparse_optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <random>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

constexpr std::size_t kRows = 30, kDim = 5;

struct Step {
  SparseGradient grad;
  std::vector<double> dense;  // kRows x kDim, zeros outside grad's rows
};

std::vector<Step> random_steps(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-1, 1);
  std::vector<Step> steps;
  for (int s = 0; s < count; ++s) {
    std::vector<TokenId> rows;
    for (TokenId r = 0; r < 20; ++r) {  // rows 20..29 are never touched
      if (rng() % 3 == 0) rows.push_back(r);
    }
    Step step{SparseGradient(rows, kDim), std::vector<double>(kRows * kDim, 0.0)};
    for (std::size_t i = 0; i < rows.size(); ++i) {
      for (std::size_t d = 0; d < kDim; ++d) {
        const float g = value(rng);
        step.grad.value(i)[d] = g;
        step.dense[rows[i] * kDim + d] = g;
      }
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

EmbeddingTable initial_table() {
  EmbeddingTable t(kRows, kDim);
  t.fill_uniform(-1, 1, 99);
  return t;
}

// Runs `optimizer` over the steps and a dense reference `update(w, g, state..)` over all rows,
// where the reference only sees rows present in the step (lazy semantics) unless dense_decay.
void check(SparseOptimizer& optimizer,
           const std::function<void(std::vector<double>& w, const Step& step, int t)>& reference,
           int count = 25) {
  EmbeddingTable table = initial_table();
  const EmbeddingTable before = table.clone();
  std::vector<double> w(kRows * kDim);
  for (TokenId r = 0; r < kRows; ++r) {
    for (std::size_t d = 0; d < kDim; ++d) w[r * kDim + d] = table.row(r)[d];
  }
  const auto steps = random_steps(count, 5);
  for (int t = 1; t <= count; ++t) {
    optimizer.step(table, steps[static_cast<std::size_t>(t - 1)].grad);
    reference(w, steps[static_cast<std::size_t>(t - 1)], t);
  }
  for (TokenId r = 0; r < kRows; ++r) {
    if (r >= 20) {
      EXPECT_EQ(std::memcmp(table.row(r).data(), before.row(r).data(), kDim * sizeof(float)), 0)
          << "untouched row " << r << " changed";
      continue;
    }
    for (std::size_t d = 0; d < kDim; ++d) EXPECT_NEAR(table.row(r)[d], w[r * kDim + d], 2e-5) << r << "," << d;
  }
}

bool touched(const Step& step, std::size_t r) {
  for (const TokenId row : step.grad.rows()) {
    if (row == r) return true;
  }
  return false;
}

TEST(SparseSgd, MatchesDenseSgdWithLinearDecay) {
  const LearningRateSchedule schedule{.base = 0.5F, .total_steps = 30};
  SparseSgd sgd({.learning_rate = schedule});
  check(sgd, [&](std::vector<double>& w, const Step& step, int t) {
    const double lr = schedule.at(static_cast<std::uint64_t>(t - 1));
    for (std::size_t i = 0; i < w.size(); ++i) w[i] -= lr * step.dense[i];
  });
  EXPECT_FLOAT_EQ(schedule.at(15), 0.25F);
  EXPECT_FLOAT_EQ(schedule.at(40), 0.5F * 1e-4F);
}

// Dense SGD with L2 decay shrinks every row every step; lazily, the shrink of missed steps
// lands on the next touch, so touched rows agree exactly (constant learning rate).
TEST(SparseSgd, LazyWeightDecayCatchesUpOnTouch) {
  SparseSgd sgd({.learning_rate = {.base = 0.1F}, .weight_decay = 0.3F});
  std::vector<int> last_touch(kRows, 0);
  std::vector<double> dense_w;
  check(sgd, [&](std::vector<double>& w, const Step& step, int t) {
    for (std::size_t r = 0; r < kRows; ++r) {
      if (!touched(step, r)) continue;
      const int missed = t - 1 - last_touch[r];
      last_touch[r] = t;
      const double keep = std::pow(1.0 - 0.1 * 0.3, missed + 1);
      for (std::size_t d = 0; d < kDim; ++d) {
        w[r * kDim + d] = w[r * kDim + d] * keep - 0.1 * step.dense[r * kDim + d];
      }
    }
  });
}

TEST(SparseAdagrad, MatchesDenseAdagradElementwiseAndRowwise) {
  for (const bool rowwise : {false, true}) {
    SparseAdagrad adagrad({.learning_rate = 0.3F, .rowwise = rowwise});
    std::vector<double> sum(rowwise ? kRows : kRows * kDim, 0.0);
    check(adagrad, [&](std::vector<double>& w, const Step& step, int) {
      for (std::size_t r = 0; r < kRows; ++r) {
        if (!touched(step, r)) continue;
        if (rowwise) {
          double ms = 0;
          for (std::size_t d = 0; d < kDim; ++d) ms += step.dense[r * kDim + d] * step.dense[r * kDim + d];
          sum[r] += ms / kDim;
        }
        for (std::size_t d = 0; d < kDim; ++d) {
          const double g = step.dense[r * kDim + d];
          if (!rowwise) sum[r * kDim + d] += g * g;
          const double s = rowwise ? sum[r] : sum[r * kDim + d];
          w[r * kDim + d] -= 0.3 * g / (std::sqrt(s) + 1e-10);
        }
      }
    });
  }
}

TEST(SparseAdam, MatchesLazyAdam) {
  SparseAdam adam({.learning_rate = 0.05F});
  std::vector<double> m(kRows * kDim, 0.0), v(kRows * kDim, 0.0);
  check(adam, [&](std::vector<double>& w, const Step& step, int t) {
    const double step_size = 0.05 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    for (std::size_t r = 0; r < kRows; ++r) {
      if (!touched(step, r)) continue;
      for (std::size_t d = 0; d < kDim; ++d) {
        const std::size_t i = r * kDim + d;
        const double g = step.dense[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        w[i] -= step_size * m[i] / (std::sqrt(v[i]) + 1e-8);
      }
    }
  });
}

TEST(SparseOptimizer, RejectsMismatchedShapes) {
  SparseSgd sgd({.learning_rate = {.base = 0.1F}});
  EmbeddingTable table = initial_table();
  SparseGradient wrong_dim({1}, kDim + 1);
  EXPECT_THROW(sgd.step(table, wrong_dim), ArgumentError);
  SparseGradient out_of_range({static_cast<TokenId>(kRows)}, kDim);
  EXPECT_THROW(sgd.step(table, out_of_range), ArgumentError);
  // Unsorted rows once let a row past the end through (only the last was checked).
  SparseGradient unsorted({static_cast<TokenId>(kRows + 5), 1}, kDim);
  EXPECT_THROW(sgd.step(table, unsorted), ArgumentError);
  SparseGradient repeated({2, 2}, kDim);
  EXPECT_THROW(sgd.step(table, repeated), ArgumentError);
  EXPECT_THROW(SparseSgd({.learning_rate = {.base = 0.0F}}), ArgumentError);
  EXPECT_THROW(SparseAdam({.beta1 = 1.0F}), ArgumentError);
}

}  // namespace
}  // namespace embedkit

#include "embedkit/core/parallel.h"
#include "embedkit/train/fused_bag_sgd.h"

namespace embedkit {
namespace {

// The fused path must equal backward() + SparseSgd::step (up to float summation order).
TEST(FusedBagSgd, EqualsBackwardThenSgdInEveryMode) {
  std::mt19937 rng(21);
  std::vector<TokenId> ids(400);
  for (auto& id : ids) id = rng() % 50;
  std::vector<std::uint64_t> offsets;
  for (std::uint64_t o = 0; o < ids.size(); o += 1 + rng() % 7) offsets.push_back(o);
  std::vector<float> weights(ids.size());
  for (float& w : weights) w = static_cast<float>(rng() % 100) / 50.0F;
  for (const BagMode mode : {BagMode::sum, BagMode::mean, BagMode::max}) {
    SCOPED_TRACE(static_cast<int>(mode));
    EmbeddingTable table(50, 40);
    table.fill_uniform(-1, 1, 3);
    EmbeddingBag fused(table.clone(), {.mode = mode, .padding_idx = 7});
    EmbeddingBag plain(table.clone(), {.mode = mode, .padding_idx = 7});
    const BagBatch batch{ids, offsets, mode == BagMode::sum ? std::span<const float>(weights) : std::span<const float>()};
    const BagForward fwd = plain.forward_for_training(batch);
    std::vector<float> grad_out(fwd.output.size());
    for (std::size_t i = 0; i < grad_out.size(); ++i) grad_out[i] = std::sin(static_cast<float>(i));
    SparseSgd sgd({.learning_rate = {.base = 0.1F}});
    sgd.step(plain.table(), plain.backward(batch, grad_out, fwd));
    fused_bag_sgd_step(fused, batch, grad_out, fwd, 0.1F);
    for (TokenId r = 0; r < 50; ++r) {
      for (std::size_t d = 0; d < 40; ++d) EXPECT_NEAR(fused.table().row(r)[d], plain.table().row(r)[d], 1e-5F);
    }
    EXPECT_EQ(fused.table().row(7)[0], table.row(7)[0]) << "padding row untouched";

    // Threads split dimensions, so any thread count gives the same bytes.
    EmbeddingBag one(table.clone(), {.mode = mode, .padding_idx = 7});
    EmbeddingBag two(table.clone(), {.mode = mode, .padding_idx = 7});
    const int threads = num_threads();
    set_num_threads(1);
    fused_bag_sgd_step(one, batch, grad_out, fwd, 0.1F);
    set_num_threads(2);
    fused_bag_sgd_step(two, batch, grad_out, fwd, 0.1F);
    set_num_threads(threads);
    EXPECT_TRUE(one.table() == two.table());
  }
}

// SparseOptimizer::step(bag, ...) computes each row's gradient exactly as backward() does and
// updates it on the spot: the result must be bit-identical to backward() then step(), in every
// bag mode, for every optimizer, over several steps reusing one scratch, with 1 or 2 threads.
TEST(SparseOptimizer, BagStepIsBitIdenticalToBackwardThenStep) {
  std::mt19937 rng(8);
  const std::size_t rows = 60, dim = 37;
  const std::vector<std::function<std::unique_ptr<SparseOptimizer>()>> makers = {
      [] { return std::make_unique<SparseSgd>(SgdOptions{.learning_rate = {.base = 0.1F}, .weight_decay = 0.01F}); },
      [] { return std::make_unique<SparseAdagrad>(AdagradOptions{.learning_rate = 0.1F}); },
      [] { return std::make_unique<SparseAdagrad>(AdagradOptions{.learning_rate = 0.1F, .rowwise = true}); },
      [] { return std::make_unique<SparseAdam>(AdamOptions{.learning_rate = 0.01F, .weight_decay = 0.1F}); },
  };
  for (const BagMode mode : {BagMode::sum, BagMode::mean, BagMode::max}) {
    for (std::size_t o = 0; o < makers.size(); ++o) {
      SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)) + " optimizer " + std::to_string(o));
      EmbeddingTable table(rows, dim);
      table.fill_uniform(-1, 1, 3);
      EmbeddingBag fused(table.clone(), {.mode = mode, .padding_idx = 7});
      EmbeddingBag plain(table.clone(), {.mode = mode, .padding_idx = 7});
      EmbeddingBag two_threads(table.clone(), {.mode = mode, .padding_idx = 7});
      auto fused_opt = makers[o](), plain_opt = makers[o](), two_opt = makers[o]();
      SparseGradient::Scratch scratch, scratch2;
      SparseGradient grad;
      const int threads = num_threads();
      for (int step = 0; step < 4; ++step) {
        // Batches of different sizes, so the reused scratch shrinks and grows.
        std::vector<TokenId> ids(50 + rng() % 300);
        for (auto& id : ids) id = rng() % 40;  // rows 40.. never touched
        std::vector<std::uint64_t> offsets;
        for (std::uint64_t off = 0; off < ids.size(); off += rng() % 6) offsets.push_back(off);  // some empty bags
        std::vector<float> weights(ids.size());
        for (float& w : weights) w = static_cast<float>(rng() % 100) / 50.0F;
        const BagBatch batch{ids, offsets,
                             mode == BagMode::sum && step % 2 == 1 ? std::span<const float>(weights)
                                                                    : std::span<const float>()};
        const BagForward fwd = plain.forward_for_training(batch);
        std::vector<float> grad_out(fwd.output.size());
        for (std::size_t i = 0; i < grad_out.size(); ++i) grad_out[i] = std::sin(static_cast<float>(i + step));
        plain.backward(batch, grad_out, fwd, grad);
        plain_opt->step(plain.table(), grad);
        set_num_threads(1);
        fused_opt->step(fused, batch, grad_out, fwd, scratch);
        set_num_threads(2);
        two_opt->step(two_threads, batch, grad_out, fwd, scratch2);
        set_num_threads(threads);
      }
      EXPECT_TRUE(fused.table() == plain.table());
      EXPECT_TRUE(two_threads.table() == plain.table());
      EXPECT_FALSE(fused.table() == table) << "the steps changed something";
      for (TokenId r = 40; r < rows; ++r) {
        EXPECT_EQ(std::memcmp(fused.table().row(r).data(), table.row(r).data(), dim * sizeof(float)), 0) << r;
      }
      EXPECT_EQ(std::memcmp(fused.table().row(7).data(), table.row(7).data(), dim * sizeof(float)), 0)
          << "padding row";
      EXPECT_EQ(fused_opt->steps(), 4U);
    }
  }
}

TEST(SparseOptimizer, BagStepOnAFrozenBagCountsButChangesNothing) {
  EmbeddingTable table(10, 8);
  table.fill_uniform(-1, 1, 3);
  EmbeddingBag bag(table.clone(), {.mode = BagMode::sum, .trainable = false});
  const std::vector<TokenId> ids = {1, 2, 3};
  const std::vector<std::uint64_t> offsets = {0};
  const BagForward fwd = bag.forward_for_training({ids, offsets});
  const std::vector<float> grad_out(8, 1.0F);
  SparseAdam adam({});
  SparseGradient::Scratch scratch;
  adam.step(bag, {ids, offsets}, grad_out, fwd, scratch);
  EXPECT_TRUE(bag.table() == table);
  EXPECT_EQ(adam.steps(), 1U);
  // Malformed input is still rejected.
  const std::vector<float> short_grad(3, 1.0F);
  EXPECT_THROW(adam.step(bag, {ids, offsets}, short_grad, fwd, scratch), ArgumentError);
}

TEST(FusedBagSgd, OneBagStepEqualsTheBatchStep) {
  // apply_bag_step moves rows by shares of an output step; the batch SGD step with grad_out = g
  // and rate lr is the output step -lr * g.
  const std::vector<TokenId> ids = {3, 7, 3, 1, 7, 9};
  const std::vector<std::uint64_t> offsets = {0};
  for (const BagMode mode : {BagMode::sum, BagMode::mean}) {
    SCOPED_TRACE(static_cast<int>(mode));
    EmbeddingTable table(12, 20);
    table.fill_uniform(-1, 1, 5);
    EmbeddingBag batch_bag(table.clone(), {.mode = mode, .padding_idx = 9});
    EmbeddingBag one_bag(table.clone(), {.mode = mode, .padding_idx = 9});
    const BagBatch batch{ids, offsets};
    const BagForward fwd = batch_bag.forward_for_training(batch);
    std::vector<float> grad_out(20), step(20), scratch(20);
    for (std::size_t d = 0; d < 20; ++d) {
      grad_out[d] = std::cos(static_cast<float>(d));
      step[d] = -0.1F * grad_out[d];
    }
    fused_bag_sgd_step(batch_bag, batch, grad_out, fwd, 0.1F);
    apply_bag_step(one_bag, ids, step, scratch);
    for (TokenId r = 0; r < 12; ++r) {
      for (std::size_t d = 0; d < 20; ++d) EXPECT_NEAR(one_bag.table().row(r)[d], batch_bag.table().row(r)[d], 1e-6F);
    }
    EXPECT_EQ(one_bag.table().row(9)[0], table.row(9)[0]) << "padding row untouched";
    one_bag.set_trainable(false);
    const EmbeddingTable before = one_bag.table().clone();
    apply_bag_step(one_bag, ids, step, scratch);
    EXPECT_TRUE(one_bag.table() == before) << "a frozen bag does not move";
  }
}

}  // namespace
}  // namespace embedkit
