#include "embedkit/eval/correlation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

// Expected values from scipy.stats.pearsonr / spearmanr (scipy 1.10).
TEST(Correlation, MatchesScipyWithTies) {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6};
  const std::vector<double> y = {2, 4, 5, 4, 5, 9};
  EXPECT_NEAR(pearson(x, y), 0.8537198732636624, 1e-12);
  EXPECT_NEAR(spearman(x, y), 0.8533103351879245, 1e-12);
  const std::vector<double> a = {3.5, 1, 1, 2, 7.25};
  const std::vector<double> b = {0.1, 0.3, 0.3, 0.2, -1};
  EXPECT_NEAR(pearson(a, b), -0.9680440278402902, 1e-12);
  EXPECT_NEAR(spearman(a, b), -1.0, 1e-12);
}

TEST(Correlation, DegenerateInputs) {
  const std::vector<double> one = {1};
  EXPECT_TRUE(std::isnan(pearson(one, one)));
  const std::vector<double> constant = {2, 2, 2};
  const std::vector<double> rising = {1, 2, 3};
  EXPECT_TRUE(std::isnan(spearman(constant, rising)));
  EXPECT_THROW((void)pearson(one, rising), ArgumentError);
}

}  // namespace
}  // namespace embedkit
