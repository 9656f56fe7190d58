#include "embedkit/search/compressed_neighbors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"
#include "top_k.h"

namespace embedkit {
namespace {

// The per-row term each similarity needs besides the dot product.
float row_term(Similarity similarity, float squared_norm) {
  if (similarity == Similarity::cosine) return squared_norm > 0 ? 1.0F / std::sqrt(squared_norm) : 0.0F;
  return squared_norm;
}

float score(Similarity similarity, float dot, float term, float query_term) {
  switch (similarity) {
    case Similarity::cosine: return dot * term * query_term;
    case Similarity::dot: return dot;
    case Similarity::l2: return -std::sqrt(std::max(0.0F, query_term - 2 * dot + term));
  }
  return dot;
}

}  // namespace

CompressedNeighbors::CompressedNeighbors(const CompressedTable& codes, std::size_t rows, CompressedSearchSetup setup)
    : codes_(codes), rows_(rows), setup_(std::move(setup)) {
  EMBEDKIT_CHECK(rows <= codes.rows(), ArgumentError,
                 fmt::format("cannot search {} rows of a compressed table of {}", rows, codes.rows()));
  if (setup_.rerank_from) {
    EMBEDKIT_CHECK(setup_.rerank_from->dim == codes.dim() && setup_.rerank_from->rows >= rows, ArgumentError,
                   fmt::format("re-ranking rows of {} values ({} rows) for codes of {} values ({} rows searched)",
                               setup_.rerank_from->dim, setup_.rerank_from->rows, codes.dim(), rows));
  }
  if (setup_.similarity == Similarity::dot) return;
  const kernels::KernelTable& k = kernels::kernels();
  row_terms_.resize(rows);
  if (setup_.rerank_from) exact_terms_.resize(rows);
#pragma omp parallel
  {
    std::vector<float> row(codes.dim());
#pragma omp for schedule(static)
    for (std::int64_t r = 0; r < static_cast<std::int64_t>(rows); ++r) {
      const auto i = static_cast<std::size_t>(r);
      codes.decode_row(static_cast<TokenId>(r), row);
      row_terms_[i] = row_term(setup_.similarity, k.dot(row.data(), row.data(), row.size()));
      if (setup_.rerank_from) {
        const float* exact = setup_.rerank_from->row_unchecked(static_cast<TokenId>(r));
        exact_terms_[i] = row_term(setup_.similarity, k.dot(exact, exact, codes.dim()));
      }
    }
  }
}

std::vector<Neighbor> CompressedNeighbors::search(std::span<const float> query, std::size_t k,
                                                  const SearchOptions& options) const {
  EMBEDKIT_CHECK(query.size() == codes_.dim(), ArgumentError,
                 fmt::format("the query has {} floats, the table {}", query.size(), codes_.dim()));
  const std::size_t limit = options.restrict > 0 ? std::min(options.restrict, rows_) : rows_;
  if (k == 0 || limit == 0) return {};
  std::vector<TokenId> excluded = options.exclude;
  std::sort(excluded.begin(), excluded.end());
  const kernels::KernelTable& kt = kernels::kernels();
  const float query_squared = kt.dot(query.data(), query.data(), query.size());
  const float query_term = setup_.similarity == Similarity::cosine
                               ? (query_squared > 0 ? 1.0F / std::sqrt(query_squared) : 0.0F)
                               : query_squared;

  std::vector<float> dots(limit);
  codes_.dot_all(query, dots);
  const std::size_t wanted = setup_.rerank_from ? std::max(k, setup_.candidates) : k;
  detail::TopK top(wanted);
  for (std::size_t r = 0; r < limit; ++r) {
    const Neighbor candidate{static_cast<TokenId>(r),
                             score(setup_.similarity, dots[r], row_terms_.empty() ? 0.0F : row_terms_[r], query_term)};
    if (!top.admits(candidate)) continue;
    if (std::binary_search(excluded.begin(), excluded.end(), candidate.id)) continue;
    top.push(candidate);
  }
  if (!setup_.rerank_from) return detail::TopK::merge({&top}, k);
  detail::TopK best(k);
  for (const Neighbor& c : top.items()) {
    const float dot = kt.dot(query.data(), setup_.rerank_from->row_unchecked(c.id), codes_.dim());
    best.push({c.id, score(setup_.similarity, dot, exact_terms_.empty() ? 0.0F : exact_terms_[c.id], query_term)});
  }
  return detail::TopK::merge({&best}, k);
}

}  // namespace embedkit
