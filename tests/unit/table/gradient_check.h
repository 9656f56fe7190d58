// Finite-difference checks for embedding layers: for the loss L = sum(c * out^2) / 2, the
// gradient w.r.t. the output is c * out; the sparse table gradient must match central
// differences of L taken in double precision, row by row.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "nn/gradient_check.h"
#include "embedkit/table/embedding_table.h"
#include "embedkit/table/sparse_gradient.h"

namespace embedkit::testing {

inline std::vector<float> random_vector(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0F, 1.0F);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

/// A rows x dim table, uniform in [-1, 1).
inline EmbeddingTable random_table(std::size_t rows, std::size_t dim, std::uint64_t seed) {
  EmbeddingTable t(rows, dim);
  t.fill_uniform(-1, 1, seed);
  return t;
}

/// `forward` computes the layer output from the table. Checks every element of every row of the
/// table: rows absent from `grad` must have zero numerical gradient.
inline void expect_gradient_matches_finite_differences(EmbeddingTable& table, const SparseGradient& grad,
                                                       const std::vector<float>& c,
                                                       const std::function<std::vector<float>()>& forward) {
  auto loss = [&] {
    const std::vector<float> out = forward();
    double l = 0;
    for (std::size_t i = 0; i < out.size(); ++i) l += 0.5 * c[i] * static_cast<double>(out[i]) * out[i];
    return l;
  };
  const float h = 1e-3F;
  std::size_t g = 0;
  for (TokenId r = 0; r < table.rows(); ++r) {
    const bool present = g < grad.size() && grad.rows()[g] == r;
    for (std::size_t d = 0; d < table.dim(); ++d) {
      const double numeric = nn::gradient_check::numeric_gradient(table.row(r)[d], loss, h);
      const double analytic = present ? grad.value(g)[d] : 0.0;
      EXPECT_NEAR(analytic, numeric, 2e-3 + 2e-3 * std::abs(numeric)) << "row " << r << " dim " << d;
    }
    if (present) ++g;
  }
  EXPECT_EQ(g, grad.size()) << "gradient rows must be sorted and belong to the table";
}

}  // namespace embedkit::testing
