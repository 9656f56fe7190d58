#include <gtest/gtest.h>

#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/nn/dropout.h"
#include "embedkit/nn/pooling.h"
#include "nn/gradient_check.h"

namespace embedkit::nn {
namespace {

using gradient_check::dot;
using gradient_check::numeric_gradient;
using gradient_check::random_values;

TEST(Pooling, MeanOfTheValidRowsOrTheFirstAndTheirGradients) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 100, 100};  // 4 rows of 2, the last padding
  std::vector<float> out(2);
  pool(Pooling::mean, x, 4, 3, out);
  EXPECT_EQ(out, (std::vector<float>{3, 4}));
  pool(Pooling::first, x, 4, 3, out);
  EXPECT_EQ(out, (std::vector<float>{1, 2}));
  EXPECT_THROW(pool(Pooling::mean, x, 4, 0, out), ArgumentError);
  EXPECT_THROW(pool(Pooling::mean, x, 3, 3, out), ArgumentError);
  for (const Pooling pooling : {Pooling::mean, Pooling::first}) {
    std::vector<float> in = random_values(5 * 3, 1);
    const std::vector<float> c = random_values(3, 2);
    auto loss = [&] {
      std::vector<float> o(3);
      pool(pooling, in, 5, 4, o);
      return dot(c, o);
    };
    std::vector<float> dx(5 * 3);
    pool_backward(pooling, c, 5, 4, dx);
    for (std::size_t i = 0; i < in.size(); ++i) EXPECT_NEAR(dx[i], numeric_gradient(in[i], loss), 1e-4) << i;
  }
}

TEST(Dropout, DropsAboutPAndScalesTheRestAndItsBackwardUsesTheSameMask) {
  const Dropout dropout(0.25F);
  std::vector<float> x(20000, 1.0F);
  SplitMix64 rng(3);
  std::vector<float> mask;
  dropout.forward(x, rng, mask);
  std::size_t dropped = 0;
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    dropped += x[i] == 0.0F ? 1 : 0;
    sum += x[i];
    EXPECT_TRUE(x[i] == 0.0F || x[i] == 1.0F / 0.75F);
  }
  EXPECT_NEAR(static_cast<double>(dropped) / 20000.0, 0.25, 0.015);
  EXPECT_NEAR(sum / 20000.0, 1.0, 0.03);  // the expectation is kept
  std::vector<float> dy(20000, 2.0F);
  dropout.backward(dy, mask);
  for (std::size_t i = 0; i < dy.size(); ++i) EXPECT_EQ(dy[i], 2.0F * mask[i]);
  // The same generator state draws the same mask; p = 0 changes nothing.
  SplitMix64 again(3);
  std::vector<float> y(20000, 1.0F), second;
  dropout.forward(y, again, second);
  EXPECT_EQ(second, mask);
  const Dropout none(0.0F);
  std::vector<float> kept = {1, 2, 3}, empty;
  none.forward(kept, rng, empty);
  EXPECT_EQ(kept, (std::vector<float>{1, 2, 3}));
  EXPECT_TRUE(empty.empty());
  EXPECT_THROW(Dropout(1.0F), ArgumentError);
  EXPECT_THROW(Dropout(-0.1F), ArgumentError);
}

}  // namespace
}  // namespace embedkit::nn
