// PCA reduction of a whole table: every row replaced by its coordinates on the table's first k
// principal axes, so a 300-dimensional table becomes, say, a 100-dimensional one that keeps
// most of its variance (`embedkit compress --dim K`).
//
//   const embedkit::PcaReduction pca = embedkit::fit_pca_reduction(wv.table().view(), wv.size(), 100);
//   embedkit::EmbeddingTable smaller = pca.project(wv.table().view());   // rows x 100
//
// Unlike principal_components() (pca.h), which keeps every row's centred copy to map a few
// thousand words, this fits on the covariance matrix (dim x dim, accumulated in double
// precision a block of rows at a time), so its memory does not grow with the rows: tables of
// millions of rows reduce in one pass to fit and one to project. Rows are centred on the
// fitted rows' mean before projection (measured on 300-d word vectors, centring keeps
// similarity and analogy figures better than projecting the raw rows, by 0.01 Spearman and 1-3
// analogy points once the result is quantized); as projection is affine, a word composed from
// stored subword rows (their mean) projects to the mean of their projections, so reducing a
// table and composing commute. A bucket a sparse table does not store stays a zero row in the
// reduced space too ("never trained", as before), not the projection of zero. Axis signs follow
// pca.h's convention (largest loading positive).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "embedkit/table/embedding_table.h"

namespace embedkit {

struct PcaReduction {
  std::size_t dim = 0;         ///< values per input row
  std::size_t components = 0;  ///< values per output row
  std::vector<double> mean;    ///< dim values: the fitted rows' mean
  std::vector<double> axes;    ///< components x dim, row-major: unit principal axes, largest variance first
  std::vector<double> explained_variance_ratio;  ///< one per component, non-increasing, sum <= 1

  /// `row` (dim floats) as its `components` coordinates.
  void project(std::span<const float> row, std::span<float> out) const;
  /// Every row of `table` projected (threaded): a rows x components table.
  [[nodiscard]] EmbeddingTable project(TableView table) const;
};

/// Fits the axes on rows [0, fit_rows) of `table` (e.g. the words, not the subword buckets).
/// Throws ArgumentError when components is 0 or above dim, fit_rows < 2 or above table.rows, or
/// a fitted value is not finite.
[[nodiscard]] PcaReduction fit_pca_reduction(TableView table, std::size_t fit_rows, std::size_t components);

}  // namespace embedkit
