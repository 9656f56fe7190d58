#include "embedkit/nn/linear.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "embedkit/core/error.h"
#include "nn/gradient_check.h"

namespace embedkit::nn {
namespace {

using gradient_check::dot;
using gradient_check::numeric_gradient;
using gradient_check::random_values;
using gradient_check::set;

TEST(Linear, ComputesXTimesTheTransposedWeightsPlusTheBiasAsPyTorch) {
  Linear layer(2, 3);
  ASSERT_TRUE(set(layer.weight(), {1, 2, 3, 4, 5, 6}));  // out x in, PyTorch's layout
  ASSERT_TRUE(set(layer.bias(), {0.5F, -1, 0}));
  const std::vector<float> x = {1, 1, 2, -1};
  std::vector<float> y(6);
  layer.forward(x, y);
  EXPECT_EQ(y, (std::vector<float>{3.5F, 6, 11, 0.5F, 1, 4}));
  std::vector<float> wrong(5);
  EXPECT_THROW(layer.forward(x, wrong), ArgumentError);
  EXPECT_THROW(layer.forward(std::span<const float>(x).first(3), std::span<float>(y).first(3)), ArgumentError);
  // PyTorch's initialisation: U(-1/sqrt(in), 1/sqrt(in)).
  const Linear fresh(16, 8, 3);
  for (const float w : fresh.weight()) EXPECT_LE(std::abs(w), 0.25F);
  for (const float b : fresh.bias()) EXPECT_LE(std::abs(b), 0.25F);
  // Neighbouring seeds draw unrelated weights, not one stream shifted.
  const Linear next(16, 8, 4);
  EXPECT_FALSE(std::equal(next.weight().begin(), next.weight().end() - 1, fresh.weight().begin() + 1));
  EXPECT_NE(next.weight()[0], fresh.weight()[0]);
}

TEST(Linear, BackwardIsTheGradientOfTheInputsTheWeightsAndTheBias) {
  const std::size_t rows = 4, in = 5, out = 3;
  Linear layer(in, out, 9);
  std::vector<float> x = random_values(rows * in, 1);
  const std::vector<float> c = random_values(rows * out, 2);  // loss = sum(c * y)
  auto loss = [&] {
    std::vector<float> y(rows * out);
    layer.forward(x, y);
    return dot(c, y);
  };
  std::vector<float> dx(rows * in), dweight(in * out, 0.0F), dbias(out, 0.0F);
  layer.backward(x, c, dx, dweight, dbias);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(dx[i], numeric_gradient(x[i], loss), 1e-3) << "x " << i;
  for (std::size_t i = 0; i < dweight.size(); ++i) {
    EXPECT_NEAR(dweight[i], numeric_gradient(layer.weight()[i], loss), 1e-3) << "weight " << i;
  }
  for (std::size_t j = 0; j < out; ++j) EXPECT_NEAR(dbias[j], numeric_gradient(layer.bias()[j], loss), 1e-3);
  // The parameters' gradients accumulate (a batch in several calls); dx is overwritten, or skipped.
  const std::vector<float> once = dweight;
  layer.backward(x, c, {}, dweight, dbias);
  for (std::size_t i = 0; i < dweight.size(); ++i) EXPECT_FLOAT_EQ(dweight[i], 2 * once[i]);
}

}  // namespace
}  // namespace embedkit::nn
