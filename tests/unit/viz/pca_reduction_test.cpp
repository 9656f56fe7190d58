// PCA reduction of whole tables: agreement with the SVD-based projection, and lossless
// reduction of data that lies in a subspace.
#include "embedkit/viz/pca_reduction.h"

#include <gtest/gtest.h>

#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "embedkit/viz/pca.h"

namespace embedkit {
namespace {

// 500 rows of 12 values spanning only 3 directions (plus an offset), with distinct variances.
EmbeddingTable rows_in_a_subspace() {
  SplitMix64 rng(7);
  auto uniform = [&] { return static_cast<float>(rng.next() % 20001) / 10000.0F - 1.0F; };
  std::vector<std::vector<float>> basis(3, std::vector<float>(12));
  for (auto& b : basis) {
    for (float& v : b) v = uniform();
  }
  EmbeddingTable table(500, 12);
  for (TokenId r = 0; r < 500; ++r) {
    const float a = 3 * uniform(), b = 2 * uniform(), c = uniform();
    for (std::size_t d = 0; d < 12; ++d) table.row(r)[d] = 0.5F + a * basis[0][d] + b * basis[1][d] + c * basis[2][d];
  }
  return table;
}

TEST(PcaReduction, EqualsTheSvdProjectionAndKeepsDistancesOfSubspaceData) {
  const EmbeddingTable table = rows_in_a_subspace();
  const PcaReduction pca = fit_pca_reduction(table.view(), table.rows(), 3);
  EXPECT_NEAR(pca.explained_variance_ratio[0] + pca.explained_variance_ratio[1] + pca.explained_variance_ratio[2], 1.0,
              1e-9);
  EXPECT_GE(pca.explained_variance_ratio[0], pca.explained_variance_ratio[1]);
  const EmbeddingTable reduced = pca.project(table.view());
  ASSERT_EQ(reduced.rows(), 500U);
  ASSERT_EQ(reduced.dim(), 3U);
  std::vector<float> flat;
  for (TokenId r = 0; r < 500; ++r) flat.insert(flat.end(), table.row(r).begin(), table.row(r).end());
  const Pca svd = principal_components(flat, 500, 12, 3);
  for (TokenId r = 0; r < 500; ++r) {
    for (std::size_t a = 0; a < 3; ++a) EXPECT_NEAR(reduced.row(r)[a], svd.coordinates[r * 3 + a], 1e-4);
  }
  // In-subspace data loses nothing: distances between rows are kept.
  for (TokenId r = 1; r < 500; r += 37) {
    double before = 0, after = 0;
    for (std::size_t d = 0; d < 12; ++d) before += std::pow(table.row(r)[d] - table.row(0)[d], 2);
    for (std::size_t d = 0; d < 3; ++d) after += std::pow(reduced.row(r)[d] - reduced.row(0)[d], 2);
    EXPECT_NEAR(std::sqrt(after), std::sqrt(before), 1e-4 * (1 + std::sqrt(before)));
  }
  // Fitting on a prefix applies to every row; projection is linear, so the mean of rows
  // projects to the mean of their projections.
  const PcaReduction prefix = fit_pca_reduction(table.view(), 100, 2);
  std::vector<float> mean(12, 0.0F), mean_out(2), a(2), b(2);
  for (std::size_t d = 0; d < 12; ++d) mean[d] = (table.row(10)[d] + table.row(20)[d]) / 2;
  prefix.project(mean, mean_out);
  prefix.project(table.row(10), a);
  prefix.project(table.row(20), b);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_NEAR(mean_out[i], (a[i] + b[i]) / 2, 1e-5);
}

TEST(PcaReduction, RefusesImpossibleShapesAndNonFiniteValues) {
  EmbeddingTable table = rows_in_a_subspace();
  EXPECT_THROW((void)fit_pca_reduction(table.view(), 500, 0), ArgumentError);
  EXPECT_THROW((void)fit_pca_reduction(table.view(), 500, 13), ArgumentError);
  EXPECT_THROW((void)fit_pca_reduction(table.view(), 1, 2), ArgumentError);
  EXPECT_THROW((void)fit_pca_reduction(table.view(), 501, 2), ArgumentError);
  table.row(3)[4] = std::nanf("");
  EXPECT_THROW((void)fit_pca_reduction(table.view(), 500, 2), ArgumentError);
}

}  // namespace
}  // namespace embedkit
