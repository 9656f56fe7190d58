#include "embedkit/table/embedding.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "coalesce.h"
#include "embedkit/core/error.h"
#include "kernels/kernels.h"

namespace embedkit {
namespace {

// Below this many rows a batch runs on one thread (thread start-up would cost more than the
// copies); above it, each thread gathers one contiguous part, so prefetching never restarts.
constexpr std::int64_t kMinRowsForThreads = 4096;

}  // namespace

Embedding::Embedding(EmbeddingTable table, EmbeddingOptions options) : table_(std::move(table)), options_(options) {
  EMBEDKIT_CHECK(!options_.padding_idx || *options_.padding_idx < table_.rows(), ArgumentError,
                 fmt::format("padding_idx {} is out of range for a table of {} rows",
                             options_.padding_idx.value_or(0), table_.rows()));
  EMBEDKIT_CHECK(!options_.max_norm || *options_.max_norm > 0, ArgumentError,
                 fmt::format("max_norm must be positive, got {}", options_.max_norm.value_or(0)));
  EMBEDKIT_CHECK(options_.norm_type > 0, ArgumentError,
                 fmt::format("norm_type must be positive, got {}", options_.norm_type));
}

void Embedding::apply_max_norm(std::span<const TokenId> ids) {
  std::vector<TokenId> unique(ids.begin(), ids.end());
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  const float max_norm = *options_.max_norm;
  const float p = options_.norm_type;
  const kernels::KernelTable& k = kernels::kernels();
  for (const TokenId id : unique) {
    float* row = table_.data() + static_cast<std::size_t>(id) * table_.stride();
    double norm = 0;
    if (p == 2.0F) {
      norm = std::sqrt(static_cast<double>(k.dot(row, row, table_.dim())));
    } else {
      for (std::size_t d = 0; d < table_.dim(); ++d) norm += std::pow(std::abs(static_cast<double>(row[d])), p);
      norm = std::pow(norm, 1.0 / p);
    }
    if (norm > max_norm) k.scale(static_cast<float>(max_norm / (norm + 1e-7)), row, table_.dim());
  }
}

void Embedding::forward(std::span<const TokenId> ids, std::span<float> out) {
  const std::size_t dim = table_.dim();
  EMBEDKIT_CHECK(out.size() == ids.size() * dim, ArgumentError,
                 fmt::format("output holds {} floats, {} ids x dim {} need {}", out.size(), ids.size(), dim,
                             ids.size() * dim));
  const TableView view = table_.view();
  view.check_ids(ids);
  if (options_.max_norm) apply_max_norm(ids);
  const kernels::KernelTable& k = kernels::kernels();
  const auto n = static_cast<std::int64_t>(ids.size());
  const std::int64_t parts = n >= kMinRowsForThreads ? omp_get_max_threads() : 1;
#pragma omp parallel for schedule(static, 1) if (parts > 1)
  for (std::int64_t part = 0; part < parts; ++part) {
    const std::int64_t begin = n * part / parts;
    const std::int64_t end = n * (part + 1) / parts;
    k.gather(view.data, view.stride, ids.data() + begin, static_cast<std::size_t>(end - begin),
             out.data() + static_cast<std::size_t>(begin) * dim, dim, dim);
  }
}

std::vector<float> Embedding::forward(std::span<const TokenId> ids) {
  std::vector<float> out(ids.size() * table_.dim());
  forward(ids, out);
  return out;
}

SparseGradient Embedding::backward(std::span<const TokenId> ids, std::span<const float> grad_out) const {
  SparseGradient grad;
  backward(ids, grad_out, grad);
  return grad;
}

void Embedding::backward(std::span<const TokenId> ids, std::span<const float> grad_out, SparseGradient& grad) const {
  const std::size_t dim = table_.dim();
  EMBEDKIT_CHECK(grad_out.size() == ids.size() * dim, ArgumentError,
                 fmt::format("grad_out holds {} floats, {} ids x dim {} need {}", grad_out.size(), ids.size(),
                             dim, ids.size() * dim));
  if (!options_.trainable) {
    grad.assign({}, dim);
    return;
  }
  table_.view().check_ids(ids);
  const std::uint64_t skip = options_.padding_idx ? *options_.padding_idx : UINT64_MAX;
  SparseGradient::Scratch& scratch = grad.scratch();
  detail::sort_and_group(ids, skip, scratch);
  const float* g = grad_out.data();
  auto source = [&](std::uint32_t p) { return g + static_cast<std::size_t>(p) * dim; };
  if (!options_.scale_grad_by_freq) {
    detail::coalesce(dim, source, [](std::uint32_t) { return 1.0F; }, grad);
    return;
  }
  // Frequency of each position's row = the size of its group.
  std::vector<float>& inverse_freq = scratch.position_scale;
  inverse_freq.assign(ids.size(), 0.0F);
  for (std::size_t gi = 0; gi + 1 < scratch.starts.size(); ++gi) {
    const float inv = 1.0F / static_cast<float>(scratch.starts[gi + 1] - scratch.starts[gi]);
    for (std::size_t j = scratch.starts[gi]; j < scratch.starts[gi + 1]; ++j) {
      inverse_freq[static_cast<std::uint32_t>(scratch.keys[j])] = inv;
    }
  }
  const float* inverse = inverse_freq.data();
  detail::coalesce(dim, source, [inverse](std::uint32_t p) { return inverse[p]; }, grad);
}

}  // namespace embedkit
