#include "embedkit/nn/positional_encoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "embedkit/core/error.h"
#include "nn/gradient_check.h"

namespace embedkit::nn {
namespace {

using gradient_check::dot;
using gradient_check::random_values;

TEST(SinusoidalPositions, AreThoseOfTheTransformerPaperAsPyTorchBuildsThem) {
  // PyTorch's tutorial: pe[p, 0::2] = sin(p * div), pe[p, 1::2] = cos(p * div),
  // div = exp(arange(0, d, 2) * -ln(10000) / d), here with d = 4: div = (1, 0.01).
  const SinusoidalPositions positions(4);
  std::vector<float> pe(4);
  positions.encoding(0, pe);
  EXPECT_EQ(pe, (std::vector<float>{0, 1, 0, 1}));
  positions.encoding(1, pe);
  EXPECT_FLOAT_EQ(pe[0], std::sin(1.0F));
  EXPECT_FLOAT_EQ(pe[1], std::cos(1.0F));
  EXPECT_FLOAT_EQ(pe[2], std::sin(0.01F));
  EXPECT_FLOAT_EQ(pe[3], std::cos(0.01F));
  positions.encoding(5000, pe);  // large positions keep their accuracy (angles in double)
  EXPECT_NEAR(pe[0], std::sin(5000.0), 1e-6);
  EXPECT_NEAR(pe[3], std::cos(50.0), 1e-6);
  // An odd width ends with a sine: w_2 = 10000^(-4/5).
  const SinusoidalPositions odd(5);
  std::vector<float> five(5);
  odd.encoding(3, five);
  EXPECT_NEAR(five[4], std::sin(3 * std::pow(10000.0, -0.8)), 1e-7);
  EXPECT_EQ(odd.dim(), 5U);
}

TEST(SinusoidalPositions, AddToEachRowItsOwnPosition) {
  const SinusoidalPositions positions(6);
  const std::vector<std::uint32_t> at = {3, 0, 7, 3};
  std::vector<float> x = random_values(at.size() * 6, 1);
  const std::vector<float> before = x;
  positions.add(x, at);
  std::vector<float> pe(6);
  for (std::size_t r = 0; r < at.size(); ++r) {
    positions.encoding(at[r], pe);
    for (std::size_t j = 0; j < 6; ++j) EXPECT_FLOAT_EQ(x[r * 6 + j], before[r * 6 + j] + pe[j]);
  }
  EXPECT_THROW(positions.add(std::span<float>(x).first(5), at), ArgumentError);
}

TEST(LearnedPositions, AddTheirRowsAndGatherTheGradientOfEachPosition) {
  LearnedPositions positions(8, 3, 7);
  const std::vector<std::uint32_t> at = {2, 5, 2};
  std::vector<float> x(9, 0.0F);
  positions.add(x, at);
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(x[r * 3 + j], positions.table().row(at[r])[j]);
  }
  // Loss sum(c * (x + P[at])): its gradient in P[p] is the sum of c's rows at p, checked by
  // moving each value of P and measuring the loss.
  const std::vector<float> c = random_values(9, 3);
  std::vector<float> grad(8 * 3, 0.0F);
  positions.backward(c, at, grad);
  auto loss = [&] {
    std::vector<float> y(9, 0.0F);
    positions.add(y, at);
    return dot(c, y);
  };
  for (std::size_t p = 0; p < 8; ++p) {
    for (std::size_t j = 0; j < 3; ++j) {
      float& value = positions.table().row(static_cast<TokenId>(p))[j];
      const double before = loss();
      value += 0.25F;
      const double numeric = (loss() - before) / 0.25;
      value -= 0.25F;
      EXPECT_NEAR(grad[p * 3 + j], numeric, 1e-4) << "position " << p << ", column " << j;
    }
  }
  EXPECT_EQ(grad[2 * 3], c[0] + c[6]);  // position 2 twice: its gradients add up
  const std::vector<std::uint32_t> too_far = {8};
  std::vector<float> row(3);
  EXPECT_THROW(positions.add(row, too_far), ArgumentError);
}

TEST(RotaryPositions, DotProductsDependOnTheDistanceBetweenPositionsOnly) {
  const RotaryPositions rope(8);
  const std::vector<float> q = random_values(16, 4), k = random_values(16, 5);  // 2 heads of 8
  auto rotated = [&](std::vector<float> v, std::uint32_t p) {
    const std::uint32_t at[] = {p};
    rope.rotate(v, 16, at);
    return v;
  };
  // Position 0 turns nothing; any position keeps every pair's length.
  EXPECT_EQ(rotated(q, 0), q);
  const std::vector<float> turned = rotated(q, 37);
  for (std::size_t i = 0; i < 16; i += 2) {
    EXPECT_NEAR(std::hypot(turned[i], turned[i + 1]), std::hypot(q[i], q[i + 1]), 1e-5);
  }
  // <R(m) q, R(n) k> is a function of m - n, head by head.
  for (std::size_t h = 0; h < 2; ++h) {
    auto head_dot = [&](std::uint32_t m, std::uint32_t n) {
      const std::vector<float> a = rotated(q, m), b = rotated(k, n);
      return dot(std::span<const float>(a).subspan(h * 8, 8), std::span<const float>(b).subspan(h * 8, 8));
    };
    EXPECT_NEAR(head_dot(5, 2), head_dot(105, 102), 1e-4);
    EXPECT_NEAR(head_dot(2, 5), head_dot(1000, 1003), 1e-3);
    EXPECT_GT(std::abs(head_dot(5, 2) - head_dot(5, 9)), 1e-3);  // and it does depend on it
  }
}

TEST(RotaryPositions, BackwardIsTheGradientOfTheRotation) {
  const RotaryPositions rope(4);
  const std::vector<std::uint32_t> at = {0, 3, 11};
  const std::vector<float> x = random_values(3 * 8, 6);  // 3 rows, 2 heads of 4
  const std::vector<float> c = random_values(x.size(), 7);
  // Loss sum(c * R(x)); its gradient in x is backward(c), checked value by value.
  std::vector<float> grad = c;
  rope.backward(grad, 8, at);
  auto loss = [&](const std::vector<float>& in) {
    std::vector<float> y = in;
    rope.rotate(y, 8, at);
    return dot(c, y);
  };
  for (std::size_t i = 0; i < x.size(); ++i) {
    std::vector<float> moved = x;
    moved[i] += 0.5F;
    EXPECT_NEAR(grad[i], (loss(moved) - loss(x)) / 0.5, 1e-4) << "value " << i;
  }
  // Rotating back what was rotated gives the rows again.
  std::vector<float> there = x;
  rope.rotate(there, 8, at);
  rope.backward(there, 8, at);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(there[i], x[i], 1e-5);
}

TEST(RotaryPositions, RefuseShapesThatAreNotHeadsOfPairs) {
  EXPECT_THROW(RotaryPositions(7), ArgumentError);
  EXPECT_THROW(RotaryPositions(0), ArgumentError);
  const RotaryPositions rope(4);
  std::vector<float> x(6);
  const std::vector<std::uint32_t> one = {0};
  EXPECT_THROW(rope.rotate(x, 6, one), ArgumentError);  // 6 columns are not heads of 4
  const std::vector<std::uint32_t> two = {0, 1};
  std::vector<float> row(4);
  EXPECT_THROW(rope.rotate(row, 4, two), ArgumentError);  // 2 positions, 1 row
}

}  // namespace
}  // namespace embedkit::nn
