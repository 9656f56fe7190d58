#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/nn/gelu.h"
#include "embedkit/nn/layer_norm.h"
#include "nn/gradient_check.h"

namespace embedkit::nn {
namespace {

using gradient_check::dot;
using gradient_check::random_values;
using gradient_check::numeric_gradient;
using gradient_check::set;

TEST(LayerNorm, NormalisesEachRowAsPyTorch) {
  // torch.nn.LayerNorm(4)(torch.tensor([[1., 2., 3., 4.]])): mean 2.5, biased variance 1.25.
  const LayerNorm norm(4);
  const std::vector<float> x = {1, 2, 3, 4, 10, 10, 10, 10};
  std::vector<float> y(8);
  LayerNorm::Cache cache;
  norm.forward(x, y, cache);
  const float s = 1.0F / std::sqrt(1.25F + 1e-5F);
  EXPECT_FLOAT_EQ(y[0], -1.5F * s);
  EXPECT_FLOAT_EQ(y[1], -0.5F * s);
  EXPECT_FLOAT_EQ(y[3], 1.5F * s);
  for (std::size_t j = 4; j < 8; ++j) EXPECT_EQ(y[j], 0.0F);  // a constant row: all zero (eps keeps it finite)
  EXPECT_EQ(cache.mean[0], 2.5);
  EXPECT_THROW(norm.forward(std::span<const float>(x).first(6), std::span<float>(y).first(6), cache), ArgumentError);
}

TEST(LayerNorm, BackwardIsTheGradientOfEveryInputAndParameter) {
  const std::size_t rows = 3, dim = 5;
  LayerNorm norm(dim);
  ASSERT_TRUE(set(norm.gamma(), random_values(dim, 1)));
  ASSERT_TRUE(set(norm.beta(), random_values(dim, 2)));
  std::vector<float> x = random_values(rows * dim, 3, 2.0F);
  const std::vector<float> c = random_values(rows * dim, 4);  // loss = sum(c * y)
  auto loss = [&] {
    std::vector<float> y(rows * dim);
    LayerNorm::Cache cache;
    norm.forward(x, y, cache);
    return dot(c, y);
  };
  std::vector<float> y(rows * dim), dx(rows * dim), dgamma(dim, 0.0F), dbeta(dim, 0.0F);
  LayerNorm::Cache cache;
  norm.forward(x, y, cache);
  norm.backward(x, c, cache, dx, dgamma, dbeta);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(dx[i], numeric_gradient(x[i], loss), 2e-3) << "x " << i;
  for (std::size_t j = 0; j < dim; ++j) {
    EXPECT_NEAR(dgamma[j], numeric_gradient(norm.gamma()[j], loss), 2e-3) << "gamma " << j;
    EXPECT_NEAR(dbeta[j], numeric_gradient(norm.beta()[j], loss), 2e-3) << "beta " << j;
  }
}

TEST(Gelu, IsExactAsPyTorchsDefaultAndItsBackwardIsItsDerivative) {
  // torch.nn.functional.gelu(torch.tensor([-1., 0., 1., 3.])) = x * Phi(x).
  const std::vector<float> x = {-1.0F, 0.0F, 1.0F, 3.0F};
  std::vector<float> y(4);
  gelu(x, y);
  EXPECT_NEAR(y[0], -0.15865525F, 1e-6);
  EXPECT_EQ(y[1], 0.0F);
  EXPECT_NEAR(y[2], 0.84134475F, 1e-6);
  EXPECT_NEAR(y[3], 2.99595031F, 1e-6);
  std::vector<float> in = random_values(50, 5, 2.0F);
  const std::vector<float> c = random_values(50, 6);
  std::vector<float> dx(50);
  gelu_backward(in, c, dx);
  auto loss = [&] {
    std::vector<float> out(in.size());
    gelu(in, out);
    return dot(c, out);
  };
  for (std::size_t i = 0; i < in.size(); ++i) EXPECT_NEAR(dx[i], numeric_gradient(in[i], loss, 1e-3F), 2e-3) << i;
  std::vector<float> short_output(3);
  EXPECT_THROW(gelu(x, short_output), ArgumentError);
}

}  // namespace
}  // namespace embedkit::nn
