#include "embedkit/viz/pca.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>

#include "embedkit/core/error.h"

namespace embedkit {

Pca principal_components(std::span<const float> rows, std::size_t count, std::size_t dim, std::size_t components) {
  EMBEDKIT_CHECK(components >= 1, ArgumentError, "PCA needs at least 1 component, got 0");
  EMBEDKIT_CHECK(count >= 2, ArgumentError, fmt::format("PCA needs at least 2 rows, got {}", count));
  EMBEDKIT_CHECK(dim > 0, ArgumentError, "PCA needs at least 1 dimension, got 0");
  EMBEDKIT_CHECK(count <= std::numeric_limits<std::size_t>::max() / dim && rows.size() == count * dim, ArgumentError,
                 fmt::format("PCA of {} rows x {} dims needs {} values, got {}", count, dim,
                             count <= std::numeric_limits<std::size_t>::max() / dim ? fmt::format("{}", count * dim)
                                                                                     : std::string("too many"),
                             rows.size()));
  const auto n = static_cast<Eigen::Index>(count);
  const auto d = static_cast<Eigen::Index>(dim);

  // Centre in double precision: float sums over thousands of rows would lose the small
  // differences that PCA is about.
  Eigen::MatrixXd centred(n, d);
  for (Eigen::Index r = 0; r < n; ++r) {
    for (Eigen::Index c = 0; c < d; ++c) {
      const float v = rows[static_cast<std::size_t>(r) * dim + static_cast<std::size_t>(c)];
      EMBEDKIT_CHECK(std::isfinite(v), ArgumentError,
                     fmt::format("PCA input row {} column {} is {} (only finite values can be projected)", r, c, v));
      centred(r, c) = v;
    }
  }
  centred.rowwise() -= centred.colwise().mean();

  Pca result;
  result.components = components;
  result.coordinates.assign(count * components, 0.0);
  result.explained_variance_ratio.assign(components, 0.0);
  result.axes.assign(components, std::vector<double>(dim, 0.0));

  // BDCSVD works on the smaller side of the matrix, so few long rows and many short ones are both
  // cheap; only V (the axes) is needed.
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinV);
  const Eigen::VectorXd& singular = svd.singularValues();
  const double total = singular.squaredNorm();
  if (total == 0.0) return result;  // all rows equal: every point at the origin, no variance

  // Directions whose singular value is rounding noise (points exactly on a line, or count == 2)
  // are left out: their axis would be an arbitrary vector and the coordinates ~1e-17 noise that a
  // plot would stretch to fill its height. The usual numerical-rank tolerance.
  const double tolerance = singular(0) * static_cast<double>(std::max(n, d)) * std::numeric_limits<double>::epsilon();
  const Eigen::Index axes = std::min<Eigen::Index>(static_cast<Eigen::Index>(components), singular.size());
  for (Eigen::Index a = 0; a < axes && singular(a) > tolerance; ++a) {
    Eigen::VectorXd axis = svd.matrixV().col(a);
    Eigen::Index largest = 0;
    for (Eigen::Index c = 1; c < d; ++c) {
      if (std::abs(axis(c)) > std::abs(axis(largest))) largest = c;  // strict: the lowest index wins ties
    }
    if (axis(largest) < 0) axis = -axis;
    const Eigen::VectorXd projected = centred * axis;
    const auto i = static_cast<std::size_t>(a);
    for (Eigen::Index r = 0; r < n; ++r) result.coordinates[static_cast<std::size_t>(r) * components + i] = projected(r);
    for (Eigen::Index c = 0; c < d; ++c) result.axes[i][static_cast<std::size_t>(c)] = axis(c);
    result.explained_variance_ratio[i] = singular(a) * singular(a) / total;
  }
  return result;
}

Pca2d pca_2d(std::span<const float> rows, std::size_t count, std::size_t dim) {
  Pca pca = principal_components(rows, count, dim, 2);
  Pca2d result;
  result.coordinates.resize(count);
  for (std::size_t r = 0; r < count; ++r) result.coordinates[r] = {pca.coordinates[2 * r], pca.coordinates[2 * r + 1]};
  result.explained_variance_ratio = {pca.explained_variance_ratio[0], pca.explained_variance_ratio[1]};
  result.axes = {std::move(pca.axes[0]), std::move(pca.axes[1])};
  return result;
}

}  // namespace embedkit
