#include "embedkit/viz/pca.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

// Population variance of one coordinate over all points.
double variance(const Pca2d& pca, std::size_t axis) {
  double mean = 0;
  for (const auto& p : pca.coordinates) mean += p[axis];
  mean /= static_cast<double>(pca.coordinates.size());
  double sum = 0;
  for (const auto& p : pca.coordinates) sum += (p[axis] - mean) * (p[axis] - mean);
  return sum / static_cast<double>(pca.coordinates.size());
}

// Points origin + t * direction, all exact in float.
std::vector<float> line(const std::vector<float>& origin, const std::vector<float>& direction,
                        const std::vector<float>& ts) {
  std::vector<float> rows;
  for (const float t : ts) {
    for (std::size_t d = 0; d < origin.size(); ++d) rows.push_back(origin[d] + t * direction[d]);
  }
  return rows;
}

TEST(Pca, PointsOnALineKeepTheirPositionsAlongTheFirstAxis) {
  const std::vector<float> origin = {3, 1, -2, 0.5F, 7};
  const std::vector<float> ts = {-2, -1, 0, 1, 3, 4};
  double t_mean = 0;
  for (const float t : ts) t_mean += t;
  t_mean /= static_cast<double>(ts.size());
  // The largest loading (|4|, dimension 4) decides the sign: the axis points along +direction
  // in the first case and along -direction in the second, so x flips with it.
  for (const float sign : {1.0F, -1.0F}) {
    const std::vector<float> direction = {sign * 1, sign * -2, sign * 0.5F, 0, sign * 4};
    const double length = std::sqrt(1 + 4 + 0.25 + 16);
    const Pca2d pca = pca_2d(line(origin, direction, ts), ts.size(), origin.size());
    ASSERT_EQ(pca.coordinates.size(), ts.size());
    EXPECT_NEAR(pca.explained_variance_ratio[0], 1.0, 1e-12);
    EXPECT_NEAR(pca.explained_variance_ratio[1], 0.0, 1e-12);
    for (std::size_t i = 0; i < ts.size(); ++i) {
      EXPECT_NEAR(pca.coordinates[i][0], sign * (ts[i] - t_mean) * length, 1e-9) << "point " << i;
      EXPECT_NEAR(pca.coordinates[i][1], 0.0, 1e-9) << "point " << i;
    }
    EXPECT_GT(pca.axes[0][4], 0);
    EXPECT_NEAR(pca.axes[0][1], -2 / length, 1e-12);
  }
}

TEST(Pca, KnownVariancesAlongTwoAxes) {
  // a in {-3, -1, 1, 3} along dimension 2 (variance 5), b in {-1, 1} along dimension 0
  // (variance 1), all combinations (uncorrelated), shifted away from the origin.
  const std::vector<float> shift = {10, -4, 7, 2};
  std::vector<float> rows;
  std::vector<std::array<double, 2>> expected;
  for (const float a : {-3.0F, -1.0F, 1.0F, 3.0F}) {
    for (const float b : {-1.0F, 1.0F}) {
      rows.insert(rows.end(), {shift[0] + b, shift[1], shift[2] + a, shift[3]});
      expected.push_back({a, b});
    }
  }
  const Pca2d pca = pca_2d(rows, expected.size(), 4);
  EXPECT_NEAR(pca.explained_variance_ratio[0], 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(pca.explained_variance_ratio[1], 1.0 / 6.0, 1e-12);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(pca.coordinates[i][0], expected[i][0], 1e-9) << "point " << i;
    EXPECT_NEAR(pca.coordinates[i][1], expected[i][1], 1e-9) << "point " << i;
  }
  const std::vector<double> first = {0, 0, 1, 0};
  const std::vector<double> second = {1, 0, 0, 0};
  for (std::size_t d = 0; d < 4; ++d) {
    EXPECT_NEAR(pca.axes[0][d], first[d], 1e-12);
    EXPECT_NEAR(pca.axes[1][d], second[d], 1e-12);
  }
}

TEST(Pca, FirstAxisHasMoreVarianceThanAnyOtherDirection) {
  // Correlated random data: the first axis must beat every random direction (the definition of
  // PCA), the two axes must be orthonormal, and the ratios must equal the coordinates' variances
  // over the total variance.
  constexpr std::size_t count = 60;
  constexpr std::size_t dim = 12;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> rows(count * dim);
  for (std::size_t r = 0; r < count; ++r) {
    const float shared = normal(rng);
    for (std::size_t d = 0; d < dim; ++d) rows[r * dim + d] = normal(rng) * 0.5F + shared * static_cast<float>(d % 3);
  }
  const Pca2d pca = pca_2d(rows, count, dim);

  std::vector<double> mean(dim, 0.0);
  for (std::size_t r = 0; r < count; ++r) {
    for (std::size_t d = 0; d < dim; ++d) mean[d] += rows[r * dim + d] / double(count);
  }
  auto variance_along = [&](const std::vector<double>& direction) {
    double sum = 0;
    for (std::size_t r = 0; r < count; ++r) {
      double p = 0;
      for (std::size_t d = 0; d < dim; ++d) p += (rows[r * dim + d] - mean[d]) * direction[d];
      sum += p * p;
    }
    return sum / count;
  };
  double total = 0;
  for (std::size_t d = 0; d < dim; ++d) {
    std::vector<double> unit(dim, 0.0);
    unit[d] = 1;
    total += variance_along(unit);
  }
  EXPECT_NEAR(variance(pca, 0), variance_along(pca.axes[0]), 1e-6);
  EXPECT_NEAR(pca.explained_variance_ratio[0], variance(pca, 0) / total, 1e-9);
  EXPECT_NEAR(pca.explained_variance_ratio[1], variance(pca, 1) / total, 1e-9);
  EXPECT_GE(pca.explained_variance_ratio[0], pca.explained_variance_ratio[1]);

  double norm0 = 0, norm1 = 0, dot = 0;
  for (std::size_t d = 0; d < dim; ++d) {
    norm0 += pca.axes[0][d] * pca.axes[0][d];
    norm1 += pca.axes[1][d] * pca.axes[1][d];
    dot += pca.axes[0][d] * pca.axes[1][d];
  }
  EXPECT_NEAR(norm0, 1, 1e-12);
  EXPECT_NEAR(norm1, 1, 1e-12);
  EXPECT_NEAR(dot, 0, 1e-12);

  const double best = variance_along(pca.axes[0]);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> direction(dim);
    double length = 0;
    for (double& v : direction) {
      v = normal(rng);
      length += v * v;
    }
    for (double& v : direction) v /= std::sqrt(length);
    EXPECT_LE(variance_along(direction), best + 1e-9) << "trial " << trial;
  }
}

TEST(Pca, SignConventionDoesNotDependOnRowOrder) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  constexpr std::size_t count = 20;
  constexpr std::size_t dim = 6;
  std::vector<float> rows(count * dim);
  for (float& v : rows) v = normal(rng);
  std::vector<float> reversed(count * dim);
  for (std::size_t r = 0; r < count; ++r) {
    std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(r * dim), dim,
                reversed.begin() + static_cast<std::ptrdiff_t>((count - 1 - r) * dim));
  }
  const Pca2d a = pca_2d(rows, count, dim);
  const Pca2d b = pca_2d(reversed, count, dim);
  for (std::size_t r = 0; r < count; ++r) {
    EXPECT_NEAR(a.coordinates[r][0], b.coordinates[count - 1 - r][0], 1e-9);
    EXPECT_NEAR(a.coordinates[r][1], b.coordinates[count - 1 - r][1], 1e-9);
  }
  for (const auto& axis : a.axes) {
    const auto largest = std::max_element(axis.begin(), axis.end(),
                                          [](double x, double y) { return std::abs(x) < std::abs(y); });
    EXPECT_GT(*largest, 0);
  }
}

TEST(Pca, DegenerateInputs) {
  // One dimension: there is no second axis.
  const Pca2d one_dim = pca_2d(std::vector<float>{1, 4, -2}, 3, 1);
  EXPECT_DOUBLE_EQ(one_dim.explained_variance_ratio[0], 1.0);
  EXPECT_EQ(one_dim.explained_variance_ratio[1], 0.0);
  EXPECT_NEAR(one_dim.coordinates[1][0], 3.0, 1e-12);
  for (const auto& p : one_dim.coordinates) EXPECT_EQ(p[1], 0.0);

  // Identical rows: no variance, every point at the origin.
  const Pca2d same = pca_2d(std::vector<float>{1, 2, 3, 1, 2, 3}, 2, 3);
  EXPECT_EQ(same.explained_variance_ratio[0], 0.0);
  EXPECT_EQ(same.explained_variance_ratio[1], 0.0);
  for (const auto& p : same.coordinates) {
    EXPECT_EQ(p[0], 0.0);
    EXPECT_EQ(p[1], 0.0);
  }

  // Two rows: one direction, the second coordinate exactly 0 (not rounding noise).
  const Pca2d two = pca_2d(std::vector<float>{0, 0, 3, 4}, 2, 2);
  EXPECT_NEAR(two.coordinates[0][0], -2.5, 1e-12);
  EXPECT_NEAR(two.coordinates[1][0], 2.5, 1e-12);
  EXPECT_EQ(two.coordinates[0][1], 0.0);
  EXPECT_EQ(two.explained_variance_ratio[1], 0.0);
}

// Three components of data spread along three known orthogonal directions (variances 16, 4 and 1,
// plus a fourth dimension that is constant): the axes come out in that order, orthonormal, with
// the variance shares 16/21, 4/21 and 1/21, and the first two equal pca_2d's.
TEST(Pca, ThreeComponentsFindThreeKnownDirections) {
  constexpr std::size_t count = 4000;
  // Exactly centred and uncorrelated: each direction's scores are +-s, in a balanced pattern.
  std::vector<float> rows;
  for (std::size_t r = 0; r < count; ++r) {
    const double a = (r % 2 ? 4.0 : -4.0), b = ((r / 2) % 2 ? 2.0 : -2.0), c = ((r / 4) % 2 ? 1.0 : -1.0);
    // Directions (1,1,0,0)/sqrt2, (1,-1,0,0)/sqrt2, (0,0,1,0), dimension 4 constant.
    rows.push_back(static_cast<float>((a + b) / std::sqrt(2.0)));
    rows.push_back(static_cast<float>((a - b) / std::sqrt(2.0)));
    rows.push_back(static_cast<float>(c));
    rows.push_back(3.0F);
  }
  const Pca pca = principal_components(rows, count, 4, 3);
  ASSERT_EQ(pca.components, 3U);
  ASSERT_EQ(pca.coordinates.size(), count * 3);
  EXPECT_NEAR(pca.explained_variance_ratio[0], 16.0 / 21, 1e-5);
  EXPECT_NEAR(pca.explained_variance_ratio[1], 4.0 / 21, 1e-5);
  EXPECT_NEAR(pca.explained_variance_ratio[2], 1.0 / 21, 1e-5);
  for (std::size_t r = 0; r < 8; ++r) {
    EXPECT_NEAR(std::abs(pca.coordinates[r * 3 + 0]), 4.0, 1e-5);
    EXPECT_NEAR(std::abs(pca.coordinates[r * 3 + 1]), 2.0, 1e-5);
    EXPECT_NEAR(std::abs(pca.coordinates[r * 3 + 2]), 1.0, 1e-5);
  }
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      double dot = 0;
      for (std::size_t d = 0; d < 4; ++d) dot += pca.axes[i][d] * pca.axes[j][d];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-9);
    }
  }
  const Pca2d two = pca_2d(rows, count, 4);
  for (std::size_t r = 0; r < count; r += 97) {
    EXPECT_DOUBLE_EQ(two.coordinates[r][0], pca.coordinates[r * 3 + 0]);
    EXPECT_DOUBLE_EQ(two.coordinates[r][1], pca.coordinates[r * 3 + 1]);
  }
  EXPECT_THROW((void)principal_components(rows, count, 4, 0), ArgumentError);
  // More components than the data has directions: the extra ones are zeros.
  const Pca five = principal_components(rows, count, 4, 5);
  EXPECT_EQ(five.explained_variance_ratio[3], 0.0);
  EXPECT_EQ(five.explained_variance_ratio[4], 0.0);
  for (std::size_t r = 0; r < count; ++r) {
    EXPECT_EQ(five.coordinates[r * 5 + 3], 0.0);
    EXPECT_EQ(five.coordinates[r * 5 + 4], 0.0);
  }
}

TEST(Pca, RejectsBadInput) {
  const std::vector<float> rows(12, 1.0F);
  EXPECT_THROW((void)pca_2d(std::span(rows).first(4), 1, 4), ArgumentError);
  EXPECT_THROW((void)pca_2d({}, 0, 4), ArgumentError);
  EXPECT_THROW((void)pca_2d(rows, 3, 0), ArgumentError);
  EXPECT_THROW((void)pca_2d(rows, 4, 4), ArgumentError);  // 12 values for 16
  EXPECT_THROW((void)pca_2d(rows, std::numeric_limits<std::size_t>::max() / 2, 4), ArgumentError);  // overflow
  try {
    std::vector<float> bad = rows;
    bad[6] = std::numeric_limits<float>::quiet_NaN();
    (void)pca_2d(bad, 3, 4);
    FAIL() << "NaN accepted";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("row 1 column 2"), std::string::npos) << e.what();
  }
  try {
    (void)pca_2d(rows, 1, 12);
    FAIL() << "one row accepted";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 rows"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace embedkit
