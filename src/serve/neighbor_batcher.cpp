#include "serve/neighbor_batcher.h"

#include <algorithm>
#include <exception>
#include <map>

namespace embedkit::detail {

struct NeighborBatcher::Pending {
  std::span<const float> query;
  std::size_t k;
  std::vector<TokenId> exclude;
  std::size_t restrict;
  std::vector<Neighbor> result;
  std::exception_ptr error;
  bool done = false;
};

std::vector<Neighbor> NeighborBatcher::search(std::span<const float> query, std::size_t k,
                                              std::vector<TokenId> exclude, std::size_t restrict) {
  Pending mine{query, k, std::move(exclude), restrict, {}, nullptr, false};
  std::unique_lock lock(mutex_);
  waiting_.push_back(&mine);
  while (!mine.done) {
    if (running_) {
      done_.wait(lock);  // a pass is running: the next one takes this query
      continue;
    }
    running_ = true;
    const std::size_t n = std::min(max_batch_, waiting_.size());
    std::vector<Pending*> batch(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n));
    waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    run(batch);
    lock.lock();
    for (Pending* p : batch) p->done = true;
    queries_ += batch.size();
    ++passes_;
    running_ = false;
    done_.notify_all();
  }
  if (mine.error) std::rethrow_exception(mine.error);
  return std::move(mine.result);
}

void NeighborBatcher::run(std::vector<Pending*>& batch) {
  // One pass per `restrict` value (search_batch takes one), at the largest k asked; each answer
  // is then cut to its own k.
  std::map<std::size_t, std::vector<Pending*>> by_restrict;
  for (Pending* p : batch) by_restrict[p->restrict].push_back(p);
  const std::size_t dim = index_.dim();
  for (auto& [restrict, group] : by_restrict) {
    try {
      if (group.size() == 1) {
        Pending& p = *group[0];
        p.result = index_.search(p.query, p.k, {.exclude = p.exclude, .restrict = restrict});
        continue;
      }
      std::vector<float> queries(group.size() * dim);
      std::vector<std::vector<TokenId>> exclude(group.size());
      std::size_t k = 0;
      for (std::size_t i = 0; i < group.size(); ++i) {
        std::copy(group[i]->query.begin(), group[i]->query.end(), queries.begin() + static_cast<std::ptrdiff_t>(i * dim));
        exclude[i] = group[i]->exclude;
        k = std::max(k, group[i]->k);
      }
      auto found = index_.search_batch(queries, k, exclude, restrict);
      for (std::size_t i = 0; i < group.size(); ++i) {
        if (found[i].size() > group[i]->k) found[i].resize(group[i]->k);
        group[i]->result = std::move(found[i]);
      }
    } catch (...) {
      for (Pending* p : group) p->error = std::current_exception();
    }
  }
}

std::uint64_t NeighborBatcher::queries() const {
  const std::lock_guard lock(mutex_);
  return queries_;
}

std::uint64_t NeighborBatcher::passes() const {
  const std::lock_guard lock(mutex_);
  return passes_;
}

}  // namespace embedkit::detail
