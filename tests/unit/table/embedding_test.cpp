#include "embedkit/table/embedding.h"

#include <gtest/gtest.h>

#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "gradient_check.h"

namespace embedkit {
namespace {

using testing::expect_gradient_matches_finite_differences;
using testing::random_table;
using testing::random_vector;

std::vector<float> times(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] * b[i];
  return out;
}

TEST(Embedding, ForwardCopiesRows) {
  Embedding emb(random_table(6, 5, 1));
  const std::vector<TokenId> ids = {3, 0, 3, 5};
  const std::vector<float> out = emb.forward(ids);
  ASSERT_EQ(out.size(), 20U);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    for (std::size_t d = 0; d < 5; ++d) EXPECT_EQ(out[i * 5 + d], emb.table().row(ids[i])[d]);
  }
}

TEST(Embedding, GradientMatchesFiniteDifferences) {
  for (const bool by_freq : {false, true}) {
    SCOPED_TRACE(by_freq ? "scale_grad_by_freq" : "plain");
    Embedding emb(random_table(7, 4, 2), {.padding_idx = 6, .scale_grad_by_freq = by_freq});
    const std::vector<TokenId> ids = {1, 3, 1, 6, 0, 1, 6};
    const std::vector<float> c = random_vector(ids.size() * 4, 3);
    const SparseGradient grad = emb.backward(ids, times(c, emb.forward(ids)));
    EXPECT_EQ(std::vector<TokenId>(grad.rows().begin(), grad.rows().end()), (std::vector<TokenId>{0, 1, 3}));
    if (by_freq) continue;  // the scaled gradient is not the gradient of the loss by design
    // The padding row's true gradient is non-zero, so check the others only: zero its c entries.
    std::vector<float> c_no_pad = c;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == 6) std::fill(c_no_pad.begin() + i * 4, c_no_pad.begin() + (i + 1) * 4, 0.0F);
    }
    const SparseGradient g2 = emb.backward(ids, times(c_no_pad, emb.forward(ids)));
    expect_gradient_matches_finite_differences(emb.table(), g2, c_no_pad, [&] { return emb.forward(ids); });
  }
}

TEST(Embedding, ScaleGradByFreqDividesByOccurrences) {
  Embedding emb(random_table(4, 2, 3), {.scale_grad_by_freq = true});
  const std::vector<TokenId> ids = {2, 2, 2, 1};
  const std::vector<float> grad_out = {1, 1, 2, 2, 3, 3, 5, 5};
  const SparseGradient g = emb.backward(ids, grad_out);
  ASSERT_EQ(g.size(), 2U);
  EXPECT_FLOAT_EQ(g.value(0)[0], 5.0F);  // row 1 once
  EXPECT_FLOAT_EQ(g.value(1)[0], 2.0F);  // row 2: (1 + 2 + 3) / 3
}

TEST(Embedding, FrozenTableHasNoGradient) {
  Embedding emb(random_table(4, 3, 4), {.trainable = false});
  const std::vector<TokenId> ids = {1, 2};
  EXPECT_TRUE(emb.backward(ids, std::vector<float>(6, 1.0F)).empty());
  emb.set_trainable(true);
  EXPECT_EQ(emb.backward(ids, std::vector<float>(6, 1.0F)).size(), 2U);
}

TEST(Embedding, MaxNormRenormalisesLookedUpRowsOnly) {
  EmbeddingTable t(3, 2);
  t.row(0)[0] = 3;  // norm 5
  t.row(0)[1] = 4;
  t.row(1)[0] = 0.5F;  // norm 0.5
  t.row(2)[0] = 10;    // not looked up
  Embedding emb(std::move(t), {.max_norm = 1.0F});
  const std::vector<TokenId> ids = {0, 1, 0};
  const std::vector<float> out = emb.forward(ids);
  EXPECT_NEAR(std::hypot(out[0], out[1]), 1.0, 1e-6);
  EXPECT_NEAR(out[0] / out[1], 0.75, 1e-6);
  EXPECT_EQ(out[2], 0.5F);
  EXPECT_EQ(emb.table().row(2)[0], 10.0F);
  EXPECT_NEAR(std::hypot(emb.table().row(0)[0], emb.table().row(0)[1]), 1.0, 1e-6);
}

TEST(Embedding, ResultsDoNotDependOnThreadCount) {
  Embedding emb(random_table(1000, 24, 5));
  std::mt19937 rng(6);
  std::vector<TokenId> ids(50000);
  for (auto& id : ids) id = rng() % 1000;
  const std::vector<float> grad_out = random_vector(ids.size() * 24, 7);
  const int threads = num_threads();
  set_num_threads(1);
  const auto out1 = emb.forward(ids);
  const SparseGradient g1 = emb.backward(ids, grad_out);
  set_num_threads(2);
  const auto out2 = emb.forward(ids);
  const SparseGradient g2 = emb.backward(ids, grad_out);
  set_num_threads(threads);
  EXPECT_EQ(out1, out2);
  EXPECT_TRUE(std::equal(g1.values().begin(), g1.values().end(), g2.values().begin(), g2.values().end()));
}

TEST(Embedding, ErrorsNameTheProblem) {
  Embedding emb(random_table(3, 2, 8));
  const std::vector<TokenId> bad = {0, 3};
  try {
    (void)emb.forward(bad);
    FAIL();
  } catch (const ArgumentError& e) {
    EXPECT_STREQ(e.what(), "id 3 at position 1 is out of range for a table of 3 rows");
  }
  const std::vector<TokenId> ids = {0};
  EXPECT_THROW((void)emb.backward(ids, std::vector<float>(3)), ArgumentError);
  EXPECT_THROW(Embedding(random_table(3, 2, 8), {.padding_idx = 3}), ArgumentError);
  EXPECT_THROW(Embedding(random_table(3, 2, 8), {.max_norm = 0.0F}), ArgumentError);
}

}  // namespace
}  // namespace embedkit
