#include "embedkit/table/embedding_bag.h"

#include <fmt/format.h>

#include <algorithm>

#include "coalesce.h"
#include "embedkit/core/error.h"
#include "kernels/kernels.h"

namespace embedkit {
namespace {

// Bags per kernel call and parallel task: enough that prefetching runs far across bag ends and
// threads start rarely; a batch with fewer stays on one thread.
constexpr std::int64_t kBagsPerTask = 512;

struct BagRange {
  std::size_t begin;
  std::size_t end;
};

// Bag `bag` of a validated batch (with include_last_offset the extra offset ends the last bag).
BagRange bag_range(const BagBatch& batch, std::size_t bag) {
  const std::size_t begin = batch.offsets[bag];
  const std::size_t end = bag + 1 < batch.offsets.size() ? batch.offsets[bag + 1] : batch.indices.size();
  return {begin, end};
}

}  // namespace

EmbeddingBag::EmbeddingBag(EmbeddingTable table, EmbeddingBagOptions options)
    : table_(std::move(table)), options_(options) {
  EMBEDKIT_CHECK(!options_.padding_idx || *options_.padding_idx < table_.rows(), ArgumentError,
                 fmt::format("padding_idx {} is out of range for a table of {} rows",
                             options_.padding_idx.value_or(0), table_.rows()));
}

std::size_t EmbeddingBag::bag_count(const BagBatch& batch) const {
  const std::size_t n = batch.indices.size();
  const std::size_t bags =
      options_.include_last_offset ? (batch.offsets.empty() ? 0 : batch.offsets.size() - 1) : batch.offsets.size();
  EMBEDKIT_CHECK(!options_.include_last_offset || !batch.offsets.empty(), ArgumentError,
                 "include_last_offset needs at least one offset");
  if (!batch.offsets.empty()) {
    EMBEDKIT_CHECK(batch.offsets[0] == 0, ArgumentError,
                   fmt::format("offsets[0] must be 0, got {}", batch.offsets[0]));
  }
  for (std::size_t b = 0; b < batch.offsets.size(); ++b) {
    EMBEDKIT_CHECK(batch.offsets[b] <= n, ArgumentError,
                   fmt::format("offsets[{}] = {} is past the end of {} indices", b, batch.offsets[b], n));
    if (b > 0) {
      EMBEDKIT_CHECK(batch.offsets[b] >= batch.offsets[b - 1], ArgumentError,
                     fmt::format("offsets must not decrease: offsets[{}] = {} < offsets[{}] = {}", b,
                                 batch.offsets[b], b - 1, batch.offsets[b - 1]));
    }
  }
  if (options_.include_last_offset) {
    EMBEDKIT_CHECK(batch.offsets.back() == n, ArgumentError,
                   fmt::format("with include_last_offset the last offset must equal the {} indices, got {}", n,
                               batch.offsets.back()));
  }
  EMBEDKIT_CHECK(bags > 0 || n == 0, ArgumentError, fmt::format("{} indices but no offsets", n));
  if (!batch.per_sample_weights.empty()) {
    EMBEDKIT_CHECK(options_.mode == BagMode::sum, ArgumentError,
                   "per_sample_weights are only supported in sum mode (as in PyTorch)");
    EMBEDKIT_CHECK(batch.per_sample_weights.size() == n, ArgumentError,
                   fmt::format("{} per_sample_weights for {} indices", batch.per_sample_weights.size(), n));
  }
  table_.view().check_ids(batch.indices);
  return bags;
}

void EmbeddingBag::run_forward(const BagBatch& batch, std::span<float> out, std::uint32_t* argmax) const {
  const std::size_t bags = bag_count(batch);
  const std::size_t dim = table_.dim();
  EMBEDKIT_CHECK(out.size() == bags * dim, ArgumentError,
                 fmt::format("output holds {} floats, {} bags x dim {} need {}", out.size(), bags, dim, bags * dim));
  const TableView view = table_.view();
  const kernels::KernelTable& k = kernels::kernels();
  const float* weights = batch.per_sample_weights.empty() ? nullptr : batch.per_sample_weights.data();
  const bool has_padding = options_.padding_idx.has_value();
  const TokenId padding = options_.padding_idx.value_or(0);
  const auto total = static_cast<std::int64_t>(bags);

  if (options_.mode != BagMode::max) {
    // Sum and mean: contiguous runs of bags per kernel call, so prefetching crosses bag ends.
    const std::uint32_t skip = has_padding ? padding : UINT32_MAX;
    const bool mean = options_.mode == BagMode::mean;
    const std::int64_t chunks = (total + kBagsPerTask - 1) / kBagsPerTask;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (std::int64_t c = 0; c < chunks; ++c) {
      const auto first = static_cast<std::size_t>(c * kBagsPerTask);
      const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(kBagsPerTask), bags - first);
      const std::uint64_t begin = batch.offsets[first];
      const std::uint64_t end = bag_range(batch, first + count - 1).end;
      k.bags_sum(view.data, view.stride, batch.indices.data() + begin, batch.offsets.data() + first, count, end,
                 weights != nullptr ? weights + begin : nullptr, skip, mean, out.data() + first * dim, dim);
    }
    return;
  }

  // Max: one bag per kernel call; bags holding padding are filtered into per-thread scratch, and
  // the winners' positions mapped back to positions in the unfiltered bag.
#pragma omp parallel if (total > kBagsPerTask)
  {
    std::vector<TokenId> kept_ids;
    std::vector<std::uint32_t> kept_positions;
    std::vector<std::uint32_t> scratch_arg(argmax == nullptr ? dim : 0);
#pragma omp for schedule(static)
    for (std::int64_t b = 0; b < total; ++b) {
      const auto bag = static_cast<std::size_t>(b);
      const BagRange r = bag_range(batch, bag);
      const TokenId* ids = batch.indices.data() + r.begin;
      std::size_t count = r.end - r.begin;
      const std::uint32_t* positions = nullptr;
      if (has_padding && std::find(ids, ids + count, padding) != ids + count) {
        kept_ids.clear();
        kept_positions.clear();
        for (std::size_t i = 0; i < count; ++i) {
          if (ids[i] == padding) continue;
          kept_ids.push_back(ids[i]);
          kept_positions.push_back(static_cast<std::uint32_t>(i));
        }
        ids = kept_ids.data();
        positions = kept_positions.data();
        count = kept_ids.size();
      }
      float* dst = out.data() + bag * dim;
      std::uint32_t* arg = argmax != nullptr ? argmax + bag * dim : scratch_arg.data();
      if (count == 0) {
        std::fill(dst, dst + dim, 0.0F);
        std::fill(arg, arg + dim, UINT32_MAX);
        continue;
      }
      k.bag_max(view.data, view.stride, ids, count, dst, arg, dim);
      if (positions != nullptr) {
        for (std::size_t d = 0; d < dim; ++d) arg[d] = positions[arg[d]];
      }
    }
  }
}

void EmbeddingBag::forward(const BagBatch& batch, std::span<float> out) const { run_forward(batch, out, nullptr); }

std::vector<float> EmbeddingBag::forward(const BagBatch& batch) const {
  std::vector<float> out(bag_count(batch) * table_.dim());
  run_forward(batch, out, nullptr);
  return out;
}

BagForward EmbeddingBag::forward_for_training(const BagBatch& batch) const {
  BagForward result;
  const std::size_t bags = bag_count(batch);
  result.output.resize(bags * table_.dim());
  if (options_.mode == BagMode::max) result.argmax.resize(bags * table_.dim());
  run_forward(batch, result.output, result.argmax.empty() ? nullptr : result.argmax.data());
  return result;
}

SparseGradient EmbeddingBag::backward(const BagBatch& batch, std::span<const float> grad_out,
                                      const BagForward& forward) const {
  SparseGradient grad;
  backward(batch, grad_out, forward, grad);
  return grad;
}

void EmbeddingBag::backward(const BagBatch& batch, std::span<const float> grad_out, const BagForward& forward,
                            SparseGradient& grad) const {
  const std::size_t bags = bag_count(batch);
  const std::size_t dim = table_.dim();
  EMBEDKIT_CHECK(grad_out.size() == bags * dim, ArgumentError,
                 fmt::format("grad_out holds {} floats, {} bags x dim {} need {}", grad_out.size(), bags, dim,
                             bags * dim));
  if (!options_.trainable) {
    grad.assign({}, dim);
    return;
  }
  const std::size_t n = batch.indices.size();
  const std::uint64_t skip = options_.padding_idx ? *options_.padding_idx : UINT64_MAX;

  // The bag of every index position, and each bag's non-padding count (for mean).
  std::vector<std::uint32_t> bag_of(n);
  std::vector<float> inverse_count(bags, 0.0F);
  for (std::size_t b = 0; b < bags; ++b) {
    const BagRange r = bag_range(batch, b);
    std::size_t kept = 0;
    for (std::size_t i = r.begin; i < r.end; ++i) {
      bag_of[i] = static_cast<std::uint32_t>(b);
      kept += batch.indices[i] != skip;
    }
    if (kept > 0) inverse_count[b] = 1.0F / static_cast<float>(kept);
  }
  const float* g = grad_out.data();
  auto source = [&](std::uint32_t p) { return g + static_cast<std::size_t>(bag_of[p]) * dim; };

  if (options_.mode == BagMode::sum || options_.mode == BagMode::mean) {
    const std::vector<std::uint64_t> keys = detail::row_position_keys(batch.indices, skip);
    const detail::RowGroups groups = detail::group_rows(keys);
    if (options_.mode == BagMode::mean) {
      detail::coalesce(keys, groups, dim, source, [&](std::uint32_t p) { return inverse_count[bag_of[p]]; }, grad);
    } else if (batch.per_sample_weights.empty()) {
      detail::coalesce(keys, groups, dim, source, [](std::uint32_t) { return 1.0F; }, grad);
    } else {
      const float* w = batch.per_sample_weights.data();
      detail::coalesce(keys, groups, dim, source, [&](std::uint32_t p) { return w[p]; }, grad);
    }
    return;
  }

  // Max: each (bag, dimension) sends its gradient to the one position that won it.
  EMBEDKIT_CHECK(forward.argmax.size() == bags * dim, ArgumentError,
                 "max-mode backward needs the BagForward returned by forward_for_training for this batch");
  std::vector<char> winner(n, 0);
  for (std::size_t b = 0; b < bags; ++b) {
    const BagRange r = bag_range(batch, b);
    for (std::size_t d = 0; d < dim; ++d) {
      const std::uint32_t a = forward.argmax[b * dim + d];
      if (a != UINT32_MAX) winner[r.begin + a] = 1;
    }
  }
  std::vector<std::uint64_t> keys;
  for (std::size_t i = 0; i < n; ++i) {
    if (winner[i] != 0) keys.push_back((static_cast<std::uint64_t>(batch.indices[i]) << 32U) | i);
  }
  detail::radix_sort(keys);
  const detail::RowGroups groups = detail::group_rows(keys);
  grad.assign(groups.rows, dim);
  for (std::size_t gi = 0; gi < groups.rows.size(); ++gi) std::ranges::fill(grad.value(gi), 0.0F);
  const auto group_count = static_cast<std::int64_t>(groups.rows.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (std::int64_t gi = 0; gi < group_count; ++gi) {
    float* value = grad.value(static_cast<std::size_t>(gi)).data();
    for (std::size_t j = groups.starts[gi]; j < groups.starts[gi + 1]; ++j) {
      const auto p = static_cast<std::uint32_t>(keys[j]);
      const std::uint32_t b = bag_of[p];
      const std::uint32_t relative = p - static_cast<std::uint32_t>(batch.offsets[b]);
      const std::uint32_t* arg = forward.argmax.data() + static_cast<std::size_t>(b) * dim;
      const float* gb = g + static_cast<std::size_t>(b) * dim;
      for (std::size_t d = 0; d < dim; ++d) {
        if (arg[d] == relative) value[d] += gb[d];
      }
    }
  }
}

}  // namespace embedkit
