#include "embedkit/search/quantized_neighbors.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"
#include "top_k.h"

namespace embedkit {
namespace {

constexpr std::size_t kCodeAlign = 32;   // the int8 kernel's step
constexpr std::size_t kScanBlock = 256;  // rows per int8 kernel call

// Quantizes unit(v) to int8 with the largest |value| at 127; returns the scale (0 for zero v).
float quantize(const float* v, std::size_t dim, std::int8_t* out) {
  double squared = 0;
  float largest = 0;
  for (std::size_t d = 0; d < dim; ++d) {
    squared += static_cast<double>(v[d]) * v[d];
    largest = std::max(largest, std::fabs(v[d]));
  }
  if (squared == 0 || largest == 0) {
    std::fill(out, out + dim, std::int8_t{0});
    return 0;
  }
  const float to_code = 127.0F / largest;
  for (std::size_t d = 0; d < dim; ++d) out[d] = static_cast<std::int8_t>(std::lround(v[d] * to_code));
  return static_cast<float>(largest / 127.0 / std::sqrt(squared));
}

}  // namespace

QuantizedNearestNeighbors::QuantizedNearestNeighbors(TableView table, std::size_t rows)
    : table_(table), rows_(rows), padded_dim_((table.dim + kCodeAlign - 1) / kCodeAlign * kCodeAlign) {
  EMBEDKIT_CHECK(rows <= table.rows, ArgumentError,
                 fmt::format("cannot search {} rows of a table of {}", rows, table.rows));
  codes_.assign(rows * padded_dim_, 0);
  scales_.resize(rows);
  inverse_norms_.resize(rows);
  const kernels::KernelTable& k = kernels::kernels();
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < static_cast<std::int64_t>(rows); ++r) {
    const auto i = static_cast<std::size_t>(r);
    const float* row = table.row_unchecked(static_cast<TokenId>(r));
    scales_[i] = quantize(row, table.dim, codes_.data() + i * padded_dim_);
    const float squared = k.dot(row, row, table.dim);
    inverse_norms_[i] = squared > 0 ? 1.0F / std::sqrt(squared) : 0.0F;
  }
}

std::vector<Neighbor> QuantizedNearestNeighbors::search(std::span<const float> query, std::size_t k,
                                                        const QuantizedSearchOptions& options) const {
  EMBEDKIT_CHECK(query.size() == table_.dim, ArgumentError,
                 fmt::format("the query has {} floats, the table {}", query.size(), table_.dim));
  const std::size_t limit = options.restrict > 0 ? std::min(options.restrict, rows_) : rows_;
  if (k == 0 || limit == 0) return {};
  std::vector<std::int8_t> code(padded_dim_, 0);
  (void)quantize(query.data(), query.size(), code.data());
  std::vector<TokenId> excluded = options.exclude;
  std::sort(excluded.begin(), excluded.end());
  const std::size_t wanted = std::max(k, options.candidates);
  const kernels::KernelTable& kt = kernels::kernels();

  // 1. The int8 scan: approximate scores (the common query scale does not change the order).
  const std::size_t blocks = (limit + kScanBlock - 1) / kScanBlock;
  const int threads = limit > 20000 ? omp_get_max_threads() : 1;
  std::vector<detail::TopK> tops(static_cast<std::size_t>(threads), detail::TopK(wanted));
#pragma omp parallel num_threads(threads)
  {
    detail::TopK& top = tops[static_cast<std::size_t>(omp_get_thread_num())];
    std::int32_t sums[kScanBlock];
#pragma omp for schedule(static)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(blocks); ++b) {
      const std::size_t first = static_cast<std::size_t>(b) * kScanBlock;
      const std::size_t n = std::min(kScanBlock, limit - first);
      kt.dot_i8(codes_.data() + first * padded_dim_, padded_dim_, n, code.data(), padded_dim_, sums);
      for (std::size_t j = 0; j < n; ++j) {
        const Neighbor candidate{static_cast<TokenId>(first + j), static_cast<float>(sums[j]) * scales_[first + j]};
        if (!top.admits(candidate)) continue;
        if (std::binary_search(excluded.begin(), excluded.end(), candidate.id)) continue;
        top.push(candidate);
      }
    }
  }
  std::vector<const detail::TopK*> parts;
  for (const auto& t : tops) parts.push_back(&t);
  const std::vector<Neighbor> candidates = detail::TopK::merge(parts, wanted);

  // 2. Exact cosines of the candidates.
  const float query_squared = kt.dot(query.data(), query.data(), query.size());
  const float query_scale = query_squared > 0 ? 1.0F / std::sqrt(query_squared) : 0.0F;
  detail::TopK best(k);
  for (const Neighbor& c : candidates) {
    const float dot = kt.dot(query.data(), table_.row_unchecked(c.id), table_.dim);
    best.push({c.id, dot * query_scale * inverse_norms_[c.id]});
  }
  return detail::TopK::merge({&best}, k);
}

}  // namespace embedkit
