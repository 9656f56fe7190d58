#include "embedkit/viz/pca_reduction.h"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"

namespace embedkit {

PcaReduction fit_pca_reduction(TableView table, std::size_t fit_rows, std::size_t components) {
  const std::size_t dim = table.dim;
  EMBEDKIT_CHECK(components >= 1 && components <= dim, ArgumentError,
                 fmt::format("PCA reduction to {} dimensions of a table of {}: choose 1 to {}", components, dim, dim));
  EMBEDKIT_CHECK(fit_rows >= 2 && fit_rows <= table.rows, ArgumentError,
                 fmt::format("PCA reduction fits on 2 or more of the table's {} rows, not {}", table.rows, fit_rows));
  const auto d = static_cast<Eigen::Index>(dim);
  // Mean first, then the centred scatter matrix block by block (centring first keeps the
  // double-precision sums free of the cancellation that sum(x x^T) - n mu mu^T suffers).
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
  for (std::size_t r = 0; r < fit_rows; ++r) {
    const float* row = table.row_unchecked(static_cast<TokenId>(r));
    for (std::size_t c = 0; c < dim; ++c) {
      EMBEDKIT_CHECK(std::isfinite(row[c]), ArgumentError,
                     fmt::format("PCA reduction: row {} column {} is {} (only finite values can be projected)", r, c,
                                 row[c]));
      mean(static_cast<Eigen::Index>(c)) += row[c];
    }
  }
  mean /= static_cast<double>(fit_rows);
  constexpr std::size_t kBlock = 4096;
  Eigen::MatrixXd scatter = Eigen::MatrixXd::Zero(d, d);
  Eigen::MatrixXd block(static_cast<Eigen::Index>(kBlock), d);
  for (std::size_t first = 0; first < fit_rows; first += kBlock) {
    const std::size_t count = std::min(kBlock, fit_rows - first);
    for (std::size_t i = 0; i < count; ++i) {
      const float* row = table.row_unchecked(static_cast<TokenId>(first + i));
      for (std::size_t c = 0; c < dim; ++c) {
        block(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = row[c] - mean(static_cast<Eigen::Index>(c));
      }
    }
    const auto top = block.topRows(static_cast<Eigen::Index>(count));
    scatter.selfadjointView<Eigen::Lower>().rankUpdate(top.transpose());
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(scatter.selfadjointView<Eigen::Lower>());
  EMBEDKIT_CHECK(solver.info() == Eigen::Success, ArgumentError, "PCA reduction: the eigensolver did not converge");
  const Eigen::VectorXd& values = solver.eigenvalues();  // ascending
  const double total = std::max(0.0, values.sum());

  PcaReduction out;
  out.dim = dim;
  out.components = components;
  out.mean.assign(mean.data(), mean.data() + d);
  out.axes.assign(components * dim, 0.0);
  out.explained_variance_ratio.assign(components, 0.0);
  for (std::size_t a = 0; a < components; ++a) {
    const Eigen::Index column = d - 1 - static_cast<Eigen::Index>(a);
    Eigen::VectorXd axis = solver.eigenvectors().col(column);
    Eigen::Index largest = 0;
    for (Eigen::Index c = 1; c < d; ++c) {
      if (std::abs(axis(c)) > std::abs(axis(largest))) largest = c;  // strict: the lowest index wins ties
    }
    if (axis(largest) < 0) axis = -axis;
    std::copy(axis.data(), axis.data() + d, out.axes.begin() + static_cast<std::ptrdiff_t>(a * dim));
    out.explained_variance_ratio[a] = total > 0 ? std::max(0.0, values(column)) / total : 0.0;
  }
  return out;
}

void PcaReduction::project(std::span<const float> row, std::span<float> out) const {
  EMBEDKIT_CHECK(row.size() == dim && out.size() == components, ArgumentError,
                 fmt::format("PCA reduction from {} to {} values given {} into {}", dim, components, row.size(),
                             out.size()));
  for (std::size_t a = 0; a < components; ++a) {
    const double* axis = axes.data() + a * dim;
    double sum = 0;
    for (std::size_t c = 0; c < dim; ++c) sum += (row[c] - mean[c]) * axis[c];
    out[a] = static_cast<float>(sum);
  }
}

EmbeddingTable PcaReduction::project(TableView table) const {
  EMBEDKIT_CHECK(table.dim == dim, ArgumentError,
                 fmt::format("PCA reduction fitted on {} dimensions applied to a table of {}", dim, table.dim));
  EmbeddingTable out(table.rows, components);
  const auto rows = static_cast<std::int64_t>(table.rows);
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto id = static_cast<TokenId>(r);
    project(std::span<const float>(table.row_unchecked(id), dim), out.row(id));
  }
  return out;
}

}  // namespace embedkit
