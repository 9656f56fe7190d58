#include "embedkit/table/embedding_bag.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "gradient_check.h"

namespace embedkit {
namespace {

using testing::expect_gradient_matches_finite_differences;
using testing::random_table;
using testing::random_vector;

// The naive definition, bag by bag, element by element.
std::vector<float> reference(const EmbeddingTable& t, BagMode mode, const std::vector<TokenId>& ids,
                             const std::vector<std::uint64_t>& offsets, const std::vector<float>& w,
                             std::optional<TokenId> padding) {
  const std::size_t dim = t.dim();
  std::vector<float> out(offsets.size() * dim, 0.0F);
  for (std::size_t b = 0; b < offsets.size(); ++b) {
    const std::size_t end = b + 1 < offsets.size() ? offsets[b + 1] : ids.size();
    std::size_t n = 0;
    for (std::size_t i = offsets[b]; i < end; ++i) {
      if (padding && ids[i] == *padding) continue;
      for (std::size_t d = 0; d < dim; ++d) {
        const float x = t.row(ids[i])[d];
        float& o = out[b * dim + d];
        if (mode == BagMode::max) {
          o = n == 0 ? x : std::max(o, x);
        } else {
          o += (w.empty() ? 1.0F : w[i]) * x;
        }
      }
      ++n;
    }
    if (mode == BagMode::mean && n > 0) {
      for (std::size_t d = 0; d < dim; ++d) out[b * dim + d] /= static_cast<float>(n);
    }
  }
  return out;
}

const std::vector<TokenId> kIds = {1, 4, 1, 0, 7, 3, 5, 2, 5, 6};
const std::vector<std::uint64_t> kOffsets = {0, 3, 3, 5, 9};  // bags of 3, 0, 2, 4, 1

TEST(EmbeddingBag, ForwardMatchesTheDefinitionInEveryMode) {
  for (const BagMode mode : {BagMode::sum, BagMode::mean, BagMode::max}) {
    for (const std::optional<TokenId> padding : {std::optional<TokenId>{}, std::optional<TokenId>{5}}) {
      EmbeddingBag bag(random_table(8, 19, 1), {.mode = mode, .padding_idx = padding});
      const auto out = bag.forward({kIds, kOffsets});
      const auto expected = reference(bag.table(), mode, kIds, kOffsets, {}, padding);
      ASSERT_EQ(out.size(), expected.size());
      for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], expected[i], 1e-5F) << i;
      // Bag 1 is empty; with padding 5, bag 4 ({6}) is not, but bag 3 loses two entries.
      for (std::size_t d = 0; d < 19; ++d) EXPECT_EQ(out[19 + d], 0.0F);
    }
  }
}

TEST(EmbeddingBag, OneBagOnTheCallingThreadEqualsTheBatchForward) {
  for (const BagMode mode : {BagMode::sum, BagMode::mean}) {
    for (const std::optional<TokenId> padding : {std::optional<TokenId>{}, std::optional<TokenId>{5}}) {
      const EmbeddingBag bag(random_table(8, 37, 2), {.mode = mode, .padding_idx = padding});
      const auto batch = bag.forward({kIds, kOffsets});
      std::vector<float> one(bag.dim());
      for (std::size_t b = 0; b < kOffsets.size(); ++b) {
        const std::size_t end = b + 1 < kOffsets.size() ? kOffsets[b + 1] : kIds.size();
        bag.forward_one(std::span<const TokenId>(kIds).subspan(kOffsets[b], end - kOffsets[b]), one);
        for (std::size_t d = 0; d < bag.dim(); ++d) EXPECT_EQ(one[d], batch[b * bag.dim() + d]) << b << " " << d;
      }
    }
  }
  const EmbeddingBag max_bag(random_table(8, 4, 3), {.mode = BagMode::max});
  std::vector<float> out(4);
  EXPECT_THROW(max_bag.forward_one(kIds, out), ArgumentError);
  const EmbeddingBag bag(random_table(8, 4, 3));
  const std::vector<TokenId> outside = {1, 8};
  EXPECT_THROW(bag.forward_one(outside, out), ArgumentError);
}

TEST(EmbeddingBag, PerSampleWeightsScaleRowsInSumMode) {
  EmbeddingBag bag(random_table(8, 5, 2), {.mode = BagMode::sum});
  const std::vector<float> w = random_vector(kIds.size(), 3);
  const auto out = bag.forward({kIds, kOffsets, w});
  const auto expected = reference(bag.table(), BagMode::sum, kIds, kOffsets, w, {});
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], expected[i], 1e-5F);
  EmbeddingBag mean(random_table(8, 5, 2), {.mode = BagMode::mean});
  EXPECT_THROW((void)mean.forward({kIds, kOffsets, w}), ArgumentError);
}

TEST(EmbeddingBag, IncludeLastOffsetGivesTheSameBags) {
  EmbeddingBag plain(random_table(8, 6, 4), {.mode = BagMode::sum});
  EmbeddingBag last(random_table(8, 6, 4), {.mode = BagMode::sum, .include_last_offset = true});
  std::vector<std::uint64_t> with_end = kOffsets;
  with_end.push_back(kIds.size());
  EXPECT_EQ(plain.forward({kIds, kOffsets}), last.forward({kIds, with_end}));
}

TEST(EmbeddingBag, GradientsMatchFiniteDifferencesInEveryMode) {
  for (const BagMode mode : {BagMode::sum, BagMode::mean, BagMode::max}) {
    SCOPED_TRACE(static_cast<int>(mode));
    EmbeddingBag bag(random_table(8, 3, 10 + static_cast<int>(mode)), {.mode = mode, .padding_idx = 5});
    const std::vector<float> w = mode == BagMode::sum ? random_vector(kIds.size(), 5) : std::vector<float>{};
    const BagBatch batch{kIds, kOffsets, w};
    const BagForward fwd = bag.forward_for_training(batch);
    const std::vector<float> c = random_vector(fwd.output.size(), 6);
    std::vector<float> grad_out(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) grad_out[i] = c[i] * fwd.output[i];
    const SparseGradient grad = bag.backward(batch, grad_out, fwd);
    for (const TokenId r : grad.rows()) EXPECT_NE(r, 5U) << "padding receives no gradient";
    expect_gradient_matches_finite_differences(bag.table(), grad, c, [&] { return bag.forward(batch); });
  }
}

TEST(EmbeddingBag, FrozenBagHasNoGradient) {
  EmbeddingBag bag(random_table(8, 3, 7), {.mode = BagMode::sum, .trainable = false});
  const BagBatch batch{kIds, kOffsets};
  const BagForward fwd = bag.forward_for_training(batch);
  EXPECT_TRUE(bag.backward(batch, fwd.output, fwd).empty());
}

TEST(EmbeddingBag, ResultsDoNotDependOnThreadCount) {
  EmbeddingBag bag(random_table(500, 32, 8), {.mode = BagMode::mean});
  std::mt19937 rng(9);
  std::vector<TokenId> ids(20000);
  for (auto& id : ids) id = rng() % 500;
  std::vector<std::uint64_t> offsets;
  for (std::uint64_t o = 0; o < ids.size(); o += 20) offsets.push_back(o);
  const BagBatch batch{ids, offsets};
  const std::vector<float> grad_out = random_vector(offsets.size() * 32, 10);
  const int threads = num_threads();
  set_num_threads(1);
  const BagForward f1 = bag.forward_for_training(batch);
  const SparseGradient g1 = bag.backward(batch, grad_out, f1);
  set_num_threads(2);
  const BagForward f2 = bag.forward_for_training(batch);
  const SparseGradient g2 = bag.backward(batch, grad_out, f2);
  set_num_threads(threads);
  EXPECT_EQ(f1.output, f2.output);
  EXPECT_TRUE(std::equal(g1.values().begin(), g1.values().end(), g2.values().begin(), g2.values().end()));
}

// A SparseGradient and BagForward reused across batches of other sizes and modes must give what
// fresh ones give (their scratch shrinks and grows between calls).
TEST(EmbeddingBag, ReusedBuffersGiveTheSameResultsAsFreshOnes) {
  std::mt19937 rng(12);
  SparseGradient reused;
  BagForward reused_forward;
  for (int round = 0; round < 6; ++round) {
    const BagMode mode = std::array{BagMode::sum, BagMode::mean, BagMode::max}[round % 3];
    EmbeddingBag bag(random_table(40, 9, 13), {.mode = mode, .padding_idx = 2});
    std::vector<TokenId> ids(5 + rng() % 200);
    for (auto& id : ids) id = rng() % 40;
    std::vector<std::uint64_t> offsets;
    for (std::uint64_t o = 0; o < ids.size(); o += rng() % 5) offsets.push_back(o);
    const std::vector<float> weights = random_vector(ids.size(), 14);
    const BagBatch batch{ids, offsets, mode == BagMode::sum && round > 2 ? std::span<const float>(weights)
                                                                         : std::span<const float>()};
    const std::vector<float> grad_out = random_vector(offsets.size() * 9, 15);
    const BagForward fresh_forward = bag.forward_for_training(batch);
    bag.forward_for_training(batch, reused_forward);
    EXPECT_EQ(fresh_forward.output, reused_forward.output);
    EXPECT_EQ(fresh_forward.argmax, reused_forward.argmax);
    const SparseGradient fresh = bag.backward(batch, grad_out, fresh_forward);
    bag.backward(batch, grad_out, reused_forward, reused);
    EXPECT_TRUE(std::ranges::equal(fresh.rows(), reused.rows())) << "round " << round;
    EXPECT_TRUE(std::ranges::equal(fresh.values(), reused.values())) << "round " << round;
    EXPECT_TRUE(std::ranges::find(reused.rows(), TokenId{2}) == reused.rows().end()) << "padding row";
  }
}

std::string error_of(const EmbeddingBag& bag, const BagBatch& batch) {
  try {
    (void)bag.forward(batch);
  } catch (const ArgumentError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EmbeddingBag, MalformedInputIsAClearError) {
  EmbeddingBag bag(random_table(8, 3, 11), {.mode = BagMode::sum});
  const std::vector<TokenId> ids = {1, 2, 3};
  const std::vector<std::uint64_t> not_zero = {1, 2};
  EXPECT_EQ(error_of(bag, {ids, not_zero}), "offsets[0] must be 0, got 1");
  const std::vector<std::uint64_t> decreasing = {0, 2, 1};
  EXPECT_EQ(error_of(bag, {ids, decreasing}), "offsets must not decrease: offsets[2] = 1 < offsets[1] = 2");
  const std::vector<std::uint64_t> past_end = {0, 4};
  EXPECT_EQ(error_of(bag, {ids, past_end}), "offsets[1] = 4 is past the end of 3 indices");
  const std::vector<TokenId> bad_id = {1, 8};
  const std::vector<std::uint64_t> one = {0};
  EXPECT_EQ(error_of(bag, {bad_id, one}), "id 8 at position 1 is out of range for a table of 8 rows");
  const std::vector<float> short_weights = {1.0F};
  EXPECT_EQ(error_of(bag, {ids, one, short_weights}), "1 per_sample_weights for 3 indices");
  EmbeddingBag last(random_table(8, 3, 11), {.mode = BagMode::sum, .include_last_offset = true});
  const std::vector<std::uint64_t> wrong_end = {0, 2};
  EXPECT_EQ(error_of(last, {ids, wrong_end}), "with include_last_offset the last offset must equal the 3 indices, got 2");
  // A max-mode backward given an arg-max that does not come from this batch's forward.
  EmbeddingBag max(random_table(8, 3, 11), {.mode = BagMode::max});
  const std::vector<std::uint64_t> two = {0, 1};
  BagForward forward = max.forward_for_training({ids, two});
  forward.argmax[4] = 999999;
  const std::vector<float> grad(6, 1.0F);
  try {
    (void)max.backward({ids, two}, grad, forward);
    ADD_FAILURE() << "no error";
  } catch (const ArgumentError& e) {
    EXPECT_STREQ(e.what(), "arg-max 999999 of bag 1 is not a position of that bag (2 ids)");
  }
}

}  // namespace
}  // namespace embedkit
