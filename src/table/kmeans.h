// Private to embedkit's table codecs: k-means (Lloyd's algorithm, k-means++ seeding) of points
// in a low-dimensional space, as product quantization trains one codebook per sub-space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace embedkit::detail {

/// `k` centroids (k x dim floats, row-major) of `count` points (count x dim, row-major).
/// Deterministic for a given seed. With fewer distinct points than k, the extra centroids
/// repeat points (their codes are then never better than an existing one, so never chosen
/// first). A centroid left empty by an iteration moves to the point farthest from its own
/// centroid, so no code is wasted.
[[nodiscard]] std::vector<float> kmeans(std::span<const float> points, std::size_t count, std::size_t dim,
                                        std::size_t k, std::size_t iterations, std::uint64_t seed);

/// Nearest-centroid look-ups against fixed centroids: distances to all k at once, dimension by
/// dimension over a dimension-major copy, which the compiler vectorises.
class CentroidIndex {
 public:
  CentroidIndex(std::span<const float> centroids, std::size_t k, std::size_t dim);
  /// The index of the centroid nearest to `point` (dim floats; squared L2; lowest index on a tie).
  /// `scratch` holds k floats (one per calling thread).
  [[nodiscard]] std::size_t nearest(const float* point, float* scratch) const;

 private:
  std::vector<float> transposed_;  // dim x k
  std::size_t k_, dim_;
};

}  // namespace embedkit::detail
