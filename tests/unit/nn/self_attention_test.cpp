#include "embedkit/nn/self_attention.h"

#include <gtest/gtest.h>

#include <vector>

#include "embedkit/core/error.h"
#include "nn/gradient_check.h"

namespace embedkit::nn {
namespace {

using gradient_check::dot;
using gradient_check::numeric_gradient;
using gradient_check::random_values;

TEST(SelfAttention, QueriesOfZeroAverageTheValidValues) {
  // Scores all equal: each query's output is the mean of the values of the valid keys, and the
  // padding key (row 2) counts for nothing.
  const SelfAttention attention(1, 2);
  const std::vector<float> q(6, 0.0F), k = random_values(6, 1);
  const std::vector<float> v = {1, 2, 3, 4, 100, 100};
  std::vector<float> out(6);
  SelfAttention::Cache cache;
  attention.forward(q, k, v, 3, 2, out, cache);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(out[i * 2], 2.0F);
    EXPECT_FLOAT_EQ(out[i * 2 + 1], 3.0F);
  }
  EXPECT_THROW(attention.forward(q, k, v, 3, 0, out, cache), ArgumentError);
  EXPECT_THROW(attention.forward(q, k, v, 3, 4, out, cache), ArgumentError);
  EXPECT_THROW(attention.forward(std::span<const float>(q).first(4), k, v, 3, 2, out, cache), ArgumentError);
}

TEST(SelfAttention, ASequencePaddedIntoABatchGetsTheOutputsItGetsAlone) {
  const SelfAttention attention(2, 3);  // rows of 6
  const std::size_t length = 4, padded = 7;
  std::vector<float> q = random_values(padded * 6, 2), k = random_values(padded * 6, 3), v = random_values(padded * 6, 4);
  std::vector<float> alone(length * 6), batched(padded * 6);
  SelfAttention::Cache cache;
  attention.forward(std::span<const float>(q).first(length * 6), std::span<const float>(k).first(length * 6),
                    std::span<const float>(v).first(length * 6), length, length, alone, cache);
  attention.forward(q, k, v, padded, length, batched, cache);
  for (std::size_t i = 0; i < length * 6; ++i) EXPECT_NEAR(batched[i], alone[i], 1e-6) << i;
}

TEST(SelfAttention, BackwardIsTheGradientOfQueriesKeysAndValuesPaddingQueriesIncluded) {
  const SelfAttention attention(2, 3);
  const std::size_t rows = 5, length = 4;
  std::vector<float> q = random_values(rows * 6, 5), k = random_values(rows * 6, 6), v = random_values(rows * 6, 7);
  // loss = sum(c * out), the padding query's output included (as PyTorch counts it).
  const std::vector<float> c = random_values(rows * 6, 8);
  auto loss = [&] {
    std::vector<float> out(rows * 6);
    SelfAttention::Cache cache;
    attention.forward(q, k, v, rows, length, out, cache);
    return dot(c, out);
  };
  std::vector<float> out(rows * 6), dq(rows * 6), dk(rows * 6), dv(rows * 6);
  SelfAttention::Cache cache;
  attention.forward(q, k, v, rows, length, out, cache);
  attention.backward(q, k, v, c, cache, dq, dk, dv);
  for (std::size_t i = 0; i < q.size(); ++i) {
    EXPECT_NEAR(dq[i], numeric_gradient(q[i], loss), 2e-3) << "q " << i;
    EXPECT_NEAR(dk[i], numeric_gradient(k[i], loss), 2e-3) << "k " << i;
    EXPECT_NEAR(dv[i], numeric_gradient(v[i], loss), 2e-3) << "v " << i;
  }
  for (std::size_t i = length * 6; i < rows * 6; ++i) {  // the padding key and value: no gradient
    EXPECT_EQ(dk[i], 0.0F);
    EXPECT_EQ(dv[i], 0.0F);
  }
}

}  // namespace
}  // namespace embedkit::nn
