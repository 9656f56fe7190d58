// Principal component analysis down to a few dimensions: the projection behind `embedkit plot`'s
// word maps (two) and the server's 2-D and 3-D maps.
//
//   std::vector<float> rows = ...;                       // count x dim, row-major
//   const embedkit::Pca2d pca = embedkit::pca_2d(rows, count, dim);
//   for (const auto& [x, y] : pca.coordinates) ...       // one point per row
//   fmt::print("{:.0%} of the variance\n", pca.explained_variance_ratio[0] + pca.explained_variance_ratio[1]);
//   const embedkit::Pca p3 = embedkit::principal_components(rows, count, dim, 3);  // x, y, z per row
//
// The rows are centred (in double precision) and the thin SVD of the centred matrix gives the
// principal axes: the right singular vectors of the two largest singular values. Each row's
// coordinates are its centred vector's dot products with those axes, so the first coordinate
// carries the most variance.
//
// An axis is only defined up to its sign, and SVD libraries pick signs arbitrarily (they may
// change between versions or with the input's order), which would mirror maps from one run to
// the next. So the sign is fixed here: each axis is flipped so that its largest-magnitude loading
// (its component along one input dimension; on a tie the lowest dimension) is positive. The same
// data in the same dimension order therefore always gives the same picture.
//
// Cost: O(count * dim * min(count, dim)) time and count * dim doubles of scratch memory; meant for
// maps of up to some tens of thousands of rows. Thread-safe (no shared state). Part of the runtime
// library (Eigen is header-only): the server projects without linking the plotting library.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace embedkit {

struct Pca2d {
  /// One (x, y) per input row, in input order: the centred row projected on the first and the
  /// second principal axis. y is exactly 0 for every row when the data has no second direction
  /// (dim == 1, count == 2, or all rows on one line up to rounding).
  std::vector<std::array<double, 2>> coordinates;
  /// The share of the total variance along each axis, in [0, 1], first >= second, the sum <= 1.
  /// Both are 0 when every row is the same (no variance at all).
  std::array<double, 2> explained_variance_ratio{};
  /// The two axes as unit vectors of `dim` values each, with the sign convention above; an axis
  /// the data does not have (see coordinates) is all zeros.
  std::array<std::vector<double>, 2> axes;
};

/// The first `components` principal components, as Pca2d below but for any number of them.
struct Pca {
  std::size_t components = 0;
  /// count x components, row-major: row r's coordinate on axis a is coordinates[r * components + a].
  /// An axis the data does not have (fewer independent directions than components) gives 0s.
  std::vector<double> coordinates;
  std::vector<double> explained_variance_ratio;  ///< one per component, non-increasing, sum <= 1
  std::vector<std::vector<double>> axes;         ///< one unit vector (or zeros) of `dim` per component
};

/// Projects `count` rows of `dim` floats (row-major) onto their first `components` principal
/// components. Throws ArgumentError as pca_2d, and when components == 0.
[[nodiscard]] Pca principal_components(std::span<const float> rows, std::size_t count, std::size_t dim,
                                       std::size_t components);

/// Projects `count` rows of `dim` floats (`rows`, row-major, count * dim values) onto their first
/// two principal components. Throws ArgumentError when count < 2, dim == 0, rows.size() !=
/// count * dim, or a value is NaN or infinite (naming its row and column).
[[nodiscard]] Pca2d pca_2d(std::span<const float> rows, std::size_t count, std::size_t dim);

}  // namespace embedkit
