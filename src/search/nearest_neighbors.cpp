#include "embedkit/search/nearest_neighbors.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "top_k.h"

namespace embedkit {

namespace {

// Rows per block of batch scoring: with 300 dims a block is 1.2 MB, so it stays in the cache
// while every query of a chunk is scored against it.
constexpr std::size_t kBlockRows = 1024;
// Queries scored per pass over the table: bounds the per-thread score buffer (1 MB).
constexpr std::size_t kQueryChunk = 256;
// Up to this many queries, a block is scored by SIMD dot products, row by row (each row read from
// memory once, then from L1 for every query), not by sgemm: OpenBLAS packs the table block for
// every call, which costs more than the products when there are few queries. 100k x 300 on 2
// threads (bench/src/search_bench.cpp, batch_of_N): a pass for 2 queries took 9.5 ms with sgemm
// and 2.7 ms with dot products; for 8, 12.2 and 8.6 ms; for 16, sgemm wins.
constexpr std::size_t kDotQueries = 8;

}  // namespace

double cosine_similarity(std::span<const float> a, std::span<const float> b) {
  EMBEDKIT_CHECK(a.size() == b.size(), ArgumentError,
                 fmt::format("vectors of {} and {} values have no cosine", a.size(), b.size()));
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

int NearestNeighbors::max_threads() { return omp_get_max_threads(); }

void NearestNeighbors::score_blocks(std::span<const float> queries, std::size_t limit,
                                    const BlockVisitor& visit) const {
  const std::size_t dim = table_.dim;
  EMBEDKIT_CHECK(dim > 0 && queries.size() % dim == 0, ArgumentError,
                 fmt::format("{} query floats are not a whole number of {}-float vectors", queries.size(), dim));
  const std::size_t count = queries.size() / dim;
  limit = std::min(limit, rows_);
  if (count == 0 || limit == 0) return;

  // Cosine scores unit queries against rows scaled by their inverse norms; L2 expands
  // |q - r|^2 = |q|^2 - 2 q.r + |r|^2.
  const kernels::KernelTable& kt = kernels::kernels();
  std::vector<float> unit(queries.begin(), queries.end());
  std::vector<float> query_squared(count);
  for (std::size_t q = 0; q < count; ++q) {
    float* v = unit.data() + q * dim;
    query_squared[q] = kt.dot(v, v, dim);
    if (similarity_ == Similarity::cosine && query_squared[q] > 0) kt.scale(1.0F / std::sqrt(query_squared[q]), v, dim);
  }
  const std::size_t blocks = (limit + kBlockRows - 1) / kBlockRows;
  const int threads = blocks > 1 ? omp_get_max_threads() : 1;
#pragma omp parallel num_threads(threads)
  {
    std::vector<float> scores(count * std::min(kBlockRows, limit));
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks); ++b) {
      const std::size_t first = static_cast<std::size_t>(b) * kBlockRows;
      const std::size_t n = std::min(kBlockRows, limit - first);
      if (count <= kDotQueries) {
        for (std::size_t j = 0; j < n; ++j) {
          const float* row = table_.row_unchecked(static_cast<TokenId>(first + j));
          for (std::size_t q = 0; q < count; ++q) scores[q * n + j] = kt.dot(unit.data() + q * dim, row, dim);
        }
      } else {
        kernels::gemm(kernels::Transpose::no, kernels::Transpose::yes, count, n, dim, 1.0F, unit.data(), dim,
                      table_.row_unchecked(static_cast<TokenId>(first)), table_.stride, 0.0F, scores.data(), n);
      }
      if (similarity_ != Similarity::dot) {
        const float* norms = inverse_norms_.data() + first;
        for (std::size_t q = 0; q < count; ++q) {
          float* row_scores = scores.data() + q * n;
          if (similarity_ == Similarity::cosine) {
            for (std::size_t j = 0; j < n; ++j) row_scores[j] *= norms[j];
          } else {
            for (std::size_t j = 0; j < n; ++j) {
              row_scores[j] = -std::sqrt(std::max(0.0F, query_squared[q] - 2 * row_scores[j] + norms[j]));
            }
          }
        }
      }
      visit(omp_get_thread_num(), first, n, scores.data());
    }
  }
}

std::vector<std::vector<Neighbor>> NearestNeighbors::search_batch(std::span<const float> queries, std::size_t k,
                                                                  std::span<const std::vector<TokenId>> exclude,
                                                                  std::size_t restrict) const {
  const std::size_t dim = table_.dim;
  EMBEDKIT_CHECK(dim > 0 && queries.size() % dim == 0, ArgumentError,
                 fmt::format("{} query floats are not a whole number of {}-float vectors", queries.size(), dim));
  const std::size_t count = queries.size() / dim;
  EMBEDKIT_CHECK(exclude.empty() || exclude.size() == count, ArgumentError,
                 fmt::format("{} exclude lists for {} queries", exclude.size(), count));
  const std::size_t limit = restrict > 0 ? std::min(restrict, rows_) : rows_;
  std::vector<std::vector<Neighbor>> results(count);
  if (k == 0 || limit == 0) return results;
  std::vector<std::vector<TokenId>> sorted_exclude(exclude.begin(), exclude.end());
  for (auto& e : sorted_exclude) std::sort(e.begin(), e.end());

  const auto threads = static_cast<std::size_t>(max_threads());
  for (std::size_t chunk = 0; chunk < count; chunk += kQueryChunk) {
    const std::size_t m = std::min(kQueryChunk, count - chunk);
    // tops[thread * m + q]: that thread's best k for query chunk + q.
    std::vector<detail::TopK> tops(threads * m, detail::TopK(k));
    score_blocks(queries.subspan(chunk * dim, m * dim), limit,
                 [&](int thread, std::size_t first, std::size_t n, const float* scores) {
                   for (std::size_t q = 0; q < m; ++q) {
                     detail::TopK& top = tops[static_cast<std::size_t>(thread) * m + q];
                     const std::vector<TokenId>* skip = sorted_exclude.empty() ? nullptr : &sorted_exclude[chunk + q];
                     const float* row_scores = scores + q * n;
                     for (std::size_t j = 0; j < n; ++j) {
                       const Neighbor candidate{static_cast<TokenId>(first + j), row_scores[j]};
                       if (!top.admits(candidate)) continue;
                       if (skip != nullptr && std::binary_search(skip->begin(), skip->end(), candidate.id)) continue;
                       top.push(candidate);
                     }
                   }
                 });
    for (std::size_t q = 0; q < m; ++q) {
      std::vector<const detail::TopK*> parts;
      for (std::size_t t = 0; t < threads; ++t) parts.push_back(&tops[t * m + q]);
      results[chunk + q] = detail::TopK::merge(parts, k);
    }
  }
  return results;
}

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
  std::vector<detail::TopK> tops(static_cast<std::size_t>(threads), detail::TopK(k));
  const auto n = static_cast<std::int64_t>(limit);
#pragma omp parallel num_threads(threads)
  {
    detail::TopK& top = tops[static_cast<std::size_t>(omp_get_thread_num())];
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
      if (!top.admits(candidate)) continue;
      if (std::binary_search(excluded.begin(), excluded.end(), id)) continue;
      top.push(candidate);
    }
  }
  std::vector<const detail::TopK*> parts;
  for (const auto& t : tops) parts.push_back(&t);
  return detail::TopK::merge(parts, k);
}

}  // namespace embedkit
