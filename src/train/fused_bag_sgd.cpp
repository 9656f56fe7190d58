#include "embedkit/train/fused_bag_sgd.h"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>

#include "embedkit/core/error.h"
#include "kernels/kernels.h"
#include "kernels/prefetch.h"

namespace embedkit {

void fused_bag_sgd_step(EmbeddingBag& bag, const BagBatch& batch, std::span<const float> grad_out,
                        const BagForward& forward, float learning_rate) {
  const std::size_t bags = bag.bag_count(batch);
  const std::size_t dim = bag.dim();
  EMBEDKIT_CHECK(grad_out.size() == bags * dim, ArgumentError,
                 fmt::format("grad_out holds {} floats, {} bags x dim {} need {}", grad_out.size(), bags, dim,
                             bags * dim));
  if (!bag.options().trainable) return;
  const BagMode mode = bag.options().mode;
  EMBEDKIT_CHECK(mode != BagMode::max || forward.argmax.size() == bags * dim, ArgumentError,
                 "max-mode step needs the BagForward returned by forward_for_training for this batch");
  EmbeddingTable& table = bag.table();
  float* data = table.data();
  const std::size_t stride = table.stride();
  const std::uint64_t skip = bag.options().padding_idx ? *bag.options().padding_idx : UINT64_MAX;
  const float* weights = batch.per_sample_weights.empty() ? nullptr : batch.per_sample_weights.data();
  const kernels::KernelTable& k = kernels::kernels();
  const auto threads = static_cast<std::uint64_t>(std::max(1, omp_get_max_threads()));

  if (mode != BagMode::max) {
    // Sum and mean: threads split the *rows*: thread t updates only the rows it owns (a hash of
    // the id), walking every bag in order. Each row is written by one thread, in position order,
    // so there are no races or lost updates on frequent rows, and the result is identical for
    // any thread count; each random row is fetched by one core only.
    const std::size_t ahead = kernels::prefetch_distance(dim * sizeof(float));
    const std::size_t n = batch.indices.size();
    const TokenId* ids = batch.indices.data();
    auto owner = [threads](TokenId id) {
      return ((static_cast<std::uint64_t>(id) * 0x9E3779B1U & 0xFFFFFFFFU) * threads) >> 32U;
    };
#pragma omp parallel num_threads(static_cast<int>(threads)) if (bags > 64 && threads > 1)
    {
      const auto self = static_cast<std::uint64_t>(omp_get_thread_num());
      const auto team = static_cast<std::uint64_t>(omp_get_num_threads());
      auto mine = [&](TokenId id) { return team == 1 || owner(id) == self; };
      for (std::size_t bi = 0; bi < bags; ++bi) {
        const std::size_t begin = batch.offsets[bi];
        const std::size_t end = bi + 1 < batch.offsets.size() ? batch.offsets[bi + 1] : n;
        float scale = -learning_rate;
        if (mode == BagMode::mean) {
          std::size_t kept = 0;
          for (std::size_t i = begin; i < end; ++i) kept += ids[i] != skip;
          if (kept == 0) continue;
          scale /= static_cast<float>(kept);
        }
        const float* g = grad_out.data() + bi * dim;
        for (std::size_t i = begin; i < end; ++i) {
          // Rows are read-modify-written at random: prefetch ahead, across bag ends.
          if (i + ahead < n && mine(ids[i + ahead])) {
            kernels::prefetch<kernels::kRowHint, kernels::Access::write>(
                data + static_cast<std::size_t>(ids[i + ahead]) * stride, dim * sizeof(float));
          }
          if (ids[i] == skip || !mine(ids[i])) continue;
          const float s = weights != nullptr ? scale * weights[i] : scale;
          k.axpy(s, g, data + static_cast<std::size_t>(ids[i]) * stride, dim);
        }
      }
    }
    return;
  }

  // Max: each (bag, dimension) goes to its own arg-max row, so threads split the dimensions
  // instead: each walks every bag over its slice of each row.
  const std::size_t slices = std::min<std::size_t>(threads, (dim + 15) / 16);
  const std::size_t slice_width = ((dim + slices - 1) / slices + 15) & ~std::size_t{15};
#pragma omp parallel for schedule(static, 1) num_threads(static_cast<int>(slices)) if (bags > 64 && slices > 1)
  for (std::int64_t slice = 0; slice < static_cast<std::int64_t>(slices); ++slice) {
    const std::size_t d0 = static_cast<std::size_t>(slice) * slice_width;
    if (d0 >= dim) continue;
    const std::size_t width = std::min(slice_width, dim - d0);
    for (std::size_t bi = 0; bi < bags; ++bi) {
      const std::size_t begin = batch.offsets[bi];
      const std::uint32_t* arg = forward.argmax.data() + bi * dim;
      const float* g = grad_out.data() + bi * dim;
      for (std::size_t d = d0; d < d0 + width; ++d) {
        if (arg[d] == UINT32_MAX) continue;  // empty bag
        data[static_cast<std::size_t>(batch.indices[begin + arg[d]]) * stride + d] -= learning_rate * g[d];
      }
    }
  }
}

void apply_bag_step(EmbeddingBag& bag, std::span<const TokenId> ids, std::span<const float> output_step,
                    std::span<float> scratch, BagStepShare share) {
  const std::size_t dim = bag.dim();
  const EmbeddingBagOptions& options = bag.options();
  EMBEDKIT_CHECK(options.mode != BagMode::max, ArgumentError, "apply_bag_step: sum and mean bags only");
  EMBEDKIT_CHECK(output_step.size() == dim && scratch.size() >= dim, ArgumentError,
                 fmt::format("apply_bag_step: the step holds {} floats and the scratch {}, dim is {}",
                             output_step.size(), scratch.size(), dim));
  EmbeddingTable& table = bag.table();
  const auto largest = std::max_element(ids.begin(), ids.end());
  EMBEDKIT_CHECK(largest == ids.end() || *largest < table.rows(), ArgumentError,
                 fmt::format("apply_bag_step: id {} is outside the table of {} rows",
                             largest == ids.end() ? 0 : *largest, table.rows()));
  if (!options.trainable) return;
  const std::uint64_t skip = options.padding_idx ? *options.padding_idx : UINT64_MAX;
  const auto kept = static_cast<std::size_t>(std::count_if(ids.begin(), ids.end(), [&](TokenId id) { return id != skip; }));
  if (kept == 0) return;
  const kernels::KernelTable& k = kernels::kernels();
  const float* step = output_step.data();
  if (options.mode == BagMode::mean && share == BagStepShare::gradient && kept > 1) {
    // d(mean)/d(row) = 1/|bag|: every row takes the same share.
    std::copy_n(output_step.data(), dim, scratch.data());
    k.scale(1.0F / static_cast<float>(kept), scratch.data(), dim);
    step = scratch.data();
  }
  float* data = table.data();
  const std::size_t stride = table.stride();
  for (const TokenId id : ids) {
    if (id != skip) k.axpy(1.0F, step, data + static_cast<std::size_t>(id) * stride, dim);
  }
}

}  // namespace embedkit
