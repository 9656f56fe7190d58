#include "embedkit/search/nearest_neighbors.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <queue>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"

namespace embedkit {
namespace {

// "a is a better result than b": higher score, then lower id.
bool better(const Neighbor& a, const Neighbor& b) { return a.score > b.score || (a.score == b.score && a.id < b.id); }

struct WorseOnTop {
  bool operator()(const Neighbor& a, const Neighbor& b) const { return better(a, b); }
};

}  // namespace

NearestNeighbors::NearestNeighbors(TableView table, std::size_t rows, Similarity similarity)
    : table_(table), rows_(rows), similarity_(similarity) {
  EMBEDKIT_CHECK(rows <= table.rows, ArgumentError,
                 fmt::format("cannot search {} rows of a table of {}", rows, table.rows));
  if (similarity == Similarity::dot) return;
  inverse_norms_.resize(rows);
  const kernels::KernelTable& k = kernels::kernels();
  const auto n = static_cast<std::int64_t>(rows);
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < n; ++r) {
    const float* row = table.row_unchecked(static_cast<TokenId>(r));
    const float squared = k.dot(row, row, table.dim);
    inverse_norms_[static_cast<std::size_t>(r)] =
        similarity == Similarity::l2 ? squared : (squared > 0 ? 1.0F / std::sqrt(squared) : 0.0F);
  }
}

std::vector<Neighbor> NearestNeighbors::search(std::span<const float> query, std::size_t k,
                                               const SearchOptions& options) const {
  EMBEDKIT_CHECK(query.size() == table_.dim, ArgumentError,
                 fmt::format("the query has {} floats, the table {}", query.size(), table_.dim));
  const std::size_t limit = options.restrict > 0 ? std::min(options.restrict, rows_) : rows_;
  if (k == 0 || limit == 0) return {};
  const kernels::KernelTable& kt = kernels::kernels();
  const float query_squared = kt.dot(query.data(), query.data(), query.size());
  const float query_scale = similarity_ == Similarity::cosine && query_squared > 0 ? 1.0F / std::sqrt(query_squared) : 1.0F;
  std::vector<TokenId> excluded = options.exclude;
  std::sort(excluded.begin(), excluded.end());

  const int threads = limit > 20000 ? omp_get_max_threads() : 1;
  std::vector<std::vector<Neighbor>> partial(static_cast<std::size_t>(threads));
  const auto n = static_cast<std::int64_t>(limit);
#pragma omp parallel num_threads(threads)
  {
    std::priority_queue<Neighbor, std::vector<Neighbor>, WorseOnTop> best;
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < n; ++r) {
      const auto id = static_cast<TokenId>(r);
      const float dot = kt.dot(query.data(), table_.row_unchecked(id), table_.dim);
      float score = dot;
      if (similarity_ == Similarity::cosine) score = dot * query_scale * inverse_norms_[static_cast<std::size_t>(r)];
      if (similarity_ == Similarity::l2) {
        score = -std::sqrt(std::max(0.0F, query_squared - 2 * dot + inverse_norms_[static_cast<std::size_t>(r)]));
      }
      const Neighbor candidate{id, score};
      if (best.size() == k && !better(candidate, best.top())) continue;
      if (std::binary_search(excluded.begin(), excluded.end(), id)) continue;
      best.push(candidate);
      if (best.size() > k) best.pop();
    }
    auto& mine = partial[static_cast<std::size_t>(omp_get_thread_num())];
    while (!best.empty()) {
      mine.push_back(best.top());
      best.pop();
    }
  }
  std::vector<Neighbor> merged;
  for (const auto& p : partial) merged.insert(merged.end(), p.begin(), p.end());
  std::sort(merged.begin(), merged.end(), better);
  if (merged.size() > k) merged.resize(k);
  return merged;
}

}  // namespace embedkit
