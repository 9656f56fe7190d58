// Private to embedkit's server: nearest-neighbour queries that arrive together are answered
// together. A request that finds no batch running runs one at once, over every query waiting
// (its own included); requests that arrive meanwhile wait and are answered by the next batch.
// So a lone query pays no wait, and under load one pass over the table (blocked matrix
// products, NearestNeighbors::search_batch) answers many queries: throughput grows with load.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "embedkit/search/nearest_neighbors.h"

namespace embedkit::detail {

class NeighborBatcher {
 public:
  /// At most `max_batch` queries per pass. `index` must outlive the batcher.
  NeighborBatcher(const NearestNeighbors& index, std::size_t max_batch = 256)
      : index_(index), max_batch_(max_batch) {}

  /// index.search(query, k, {exclude, restrict}), answered in a batch with concurrent calls.
  /// Thread-safe. Rethrows what the search threw.
  std::vector<Neighbor> search(std::span<const float> query, std::size_t k, std::vector<TokenId> exclude,
                               std::size_t restrict);

  /// Queries answered and passes run so far (queries / passes = the mean batch size).
  [[nodiscard]] std::uint64_t queries() const;
  [[nodiscard]] std::uint64_t passes() const;

 private:
  struct Pending;
  void run(std::vector<Pending*>& batch);

  const NearestNeighbors& index_;
  std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::vector<Pending*> waiting_;
  bool running_ = false;
  std::uint64_t queries_ = 0;
  std::uint64_t passes_ = 0;
};

}  // namespace embedkit::detail
