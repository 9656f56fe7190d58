#include "table/kmeans.h"

#include <algorithm>
#include <limits>

#include "embedkit/core/random.h"

namespace embedkit::detail {

namespace {

float squared_distance(const float* a, const float* b, std::size_t dim) {
  float sum = 0;
  for (std::size_t d = 0; d < dim; ++d) {
    const float diff = a[d] - b[d];
    sum += diff * diff;
  }
  return sum;
}

// Uniform in [0, n) from a 64-bit draw (n is far below 2^32 here, so the bias is negligible).
std::size_t uniform(SplitMix64& rng, std::size_t n) { return static_cast<std::size_t>(rng.next() % n); }

}  // namespace

CentroidIndex::CentroidIndex(std::span<const float> centroids, std::size_t k, std::size_t dim)
    : transposed_(k * dim), k_(k), dim_(dim) {
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t d = 0; d < dim; ++d) transposed_[d * k + c] = centroids[c * dim + d];
  }
}

std::size_t CentroidIndex::nearest(const float* point, float* scratch) const {
  std::fill(scratch, scratch + k_, 0.0F);
  for (std::size_t d = 0; d < dim_; ++d) {
    const float x = point[d];
    const float* column = transposed_.data() + d * k_;
    for (std::size_t c = 0; c < k_; ++c) {
      const float diff = x - column[c];
      scratch[c] += diff * diff;
    }
  }
  return static_cast<std::size_t>(std::min_element(scratch, scratch + k_) - scratch);
}

std::vector<float> kmeans(std::span<const float> points, std::size_t count, std::size_t dim, std::size_t k,
                          std::size_t iterations, std::uint64_t seed) {
  std::vector<float> centroids(k * dim);
  if (count == 0) return centroids;
  SplitMix64 rng(seed);
  auto point = [&](std::size_t i) { return points.data() + i * dim; };

  // k-means++: each next centroid is a point drawn with probability proportional to its squared
  // distance from the nearest centroid so far.
  std::vector<float> nearest(count, std::numeric_limits<float>::infinity());
  std::copy_n(point(uniform(rng, count)), dim, centroids.begin());
  for (std::size_t c = 1; c < k; ++c) {
    double total = 0;
    for (std::size_t i = 0; i < count; ++i) {
      nearest[i] = std::min(nearest[i], squared_distance(point(i), centroids.data() + (c - 1) * dim, dim));
      total += nearest[i];
    }
    std::size_t chosen = uniform(rng, count);
    if (total > 0) {
      double target = static_cast<double>(rng.next() >> 11) * 0x1.0p-53 * total;
      for (std::size_t i = 0; i < count; ++i) {
        target -= nearest[i];
        if (target <= 0 && nearest[i] > 0) {
          chosen = i;
          break;
        }
      }
    }
    std::copy_n(point(chosen), dim, centroids.begin() + static_cast<std::ptrdiff_t>(c * dim));
  }

  std::vector<std::size_t> assignment(count);
  std::vector<double> sums(k * dim);
  std::vector<std::size_t> sizes(k);
  std::vector<float> scratch(k);
  for (std::size_t iteration = 0; iteration < iterations; ++iteration) {
    bool changed = iteration == 0;
    const CentroidIndex index(centroids, k, dim);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t c = index.nearest(point(i), scratch.data());
      changed |= c != assignment[i];
      assignment[i] = c;
    }
    if (!changed) break;
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(sizes.begin(), sizes.end(), 0);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t c = assignment[i];
      ++sizes[c];
      for (std::size_t d = 0; d < dim; ++d) sums[c * dim + d] += point(i)[d];
    }
    for (std::size_t c = 0; c < k; ++c) {
      float* centroid = centroids.data() + c * dim;
      if (sizes[c] > 0) {
        for (std::size_t d = 0; d < dim; ++d) centroid[d] = static_cast<float>(sums[c * dim + d] / static_cast<double>(sizes[c]));
        continue;
      }
      // An empty cluster takes the point worst served by its own centroid.
      std::size_t worst = 0;
      float worst_distance = -1;
      for (std::size_t i = 0; i < count; ++i) {
        const float distance = squared_distance(point(i), centroids.data() + assignment[i] * dim, dim);
        if (distance > worst_distance) {
          worst_distance = distance;
          worst = i;
        }
      }
      std::copy_n(point(worst), dim, centroid);
      assignment[worst] = c;
    }
  }
  return centroids;
}

}  // namespace embedkit::detail
