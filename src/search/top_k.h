// Private to embedkit search: the k best (score, id) pairs seen so far, kept as a heap with the
// worst on top so that most candidates are rejected by one comparison. Higher scores win; equal
// scores go to the lower id, so results never depend on the scan order or thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "embedkit/search/nearest_neighbors.h"

namespace embedkit::detail {

inline bool better(const Neighbor& a, const Neighbor& b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

class TopK {
 public:
  explicit TopK(std::size_t k = 0) : k_(k) {}

  /// Whether `candidate` would enter (cheap; call before looking up exclusions).
  [[nodiscard]] bool admits(const Neighbor& candidate) const {
    return heap_.size() < k_ || better(candidate, heap_.front());
  }
  void push(const Neighbor& candidate) {
    heap_.push_back(candidate);
    std::push_heap(heap_.begin(), heap_.end(), better);
    if (heap_.size() > k_) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.pop_back();
    }
  }
  [[nodiscard]] const std::vector<Neighbor>& items() const { return heap_; }

  /// The union of several partial results (e.g. one per thread), best first, at most k.
  static std::vector<Neighbor> merge(const std::vector<const TopK*>& parts, std::size_t k) {
    std::vector<Neighbor> all;
    for (const TopK* p : parts) all.insert(all.end(), p->heap_.begin(), p->heap_.end());
    std::sort(all.begin(), all.end(), better);
    if (all.size() > k) all.resize(k);
    return all;
  }

 private:
  std::size_t k_;
  std::vector<Neighbor> heap_;
};

}  // namespace embedkit::detail
