#include "embedkit/table/embedding_bag.h"

#include <fmt/format.h>

#include <algorithm>

#include "coalesce.h"
#include "embedkit/core/error.h"
#include "kernels/kernels.h"
#include "kernels/prefetch.h"

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

void EmbeddingBag::forward_one(std::span<const TokenId> ids, std::span<float> out) const {
  const std::size_t dim = table_.dim();
  EMBEDKIT_CHECK(options_.mode != BagMode::max, ArgumentError, "forward_one: sum and mean bags only");
  EMBEDKIT_CHECK(out.size() == dim, ArgumentError, fmt::format("forward_one: output holds {} floats, dim is {}",
                                                               out.size(), dim));
  const auto largest = std::max_element(ids.begin(), ids.end());
  EMBEDKIT_CHECK(largest == ids.end() || *largest < table_.rows(), ArgumentError,
                 fmt::format("forward_one: id {} is outside the table of {} rows",
                             largest == ids.end() ? 0 : *largest, table_.rows()));
  const TableView view = table_.view();
  if (ids.size() == 1 && ids[0] != options_.padding_idx) {
    // One row: its sum and its mean are the row itself (the trainers' commonest bag: a word
    // without subwords).
    std::copy_n(view.data + static_cast<std::size_t>(ids[0]) * view.stride, dim, out.data());
    return;
  }
  // The batch kernel on a batch of one: the same sums, in the same order, as forward().
  const std::uint64_t first = 0;
  kernels::kernels().bags_sum(view.data, view.stride, ids.data(), &first, 1, ids.size(), nullptr,
                              options_.padding_idx.value_or(UINT32_MAX), options_.mode == BagMode::mean, out.data(),
                              dim);
}

std::vector<float> EmbeddingBag::forward(const BagBatch& batch) const {
  std::vector<float> out(bag_count(batch) * table_.dim());
  run_forward(batch, out, nullptr);
  return out;
}

BagForward EmbeddingBag::forward_for_training(const BagBatch& batch) const {
  BagForward result;
  forward_for_training(batch, result);
  return result;
}

void EmbeddingBag::forward_for_training(const BagBatch& batch, BagForward& result) const {
  const std::size_t bags = bag_count(batch);
  result.output.resize(bags * table_.dim());
  result.argmax.resize(options_.mode == BagMode::max ? bags * table_.dim() : 0);
  run_forward(batch, result.output, result.argmax.empty() ? nullptr : result.argmax.data());
}

SparseGradient EmbeddingBag::backward(const BagBatch& batch, std::span<const float> grad_out,
                                      const BagForward& forward) const {
  SparseGradient grad;
  backward(batch, grad_out, forward, grad);
  return grad;
}

std::size_t EmbeddingBag::check_backward(const BagBatch& batch, std::span<const float> grad_out) const {
  const std::size_t bags = bag_count(batch);
  const std::size_t dim = table_.dim();
  EMBEDKIT_CHECK(grad_out.size() == bags * dim, ArgumentError,
                 fmt::format("grad_out holds {} floats, {} bags x dim {} need {}", grad_out.size(), bags, dim,
                             bags * dim));
  return bags;
}

// Sorts the batch's (validated) positions by row into `scratch`, then calls body(write_row),
// where write_row(g, out) computes the gradient of the g-th touched row (scratch.rows[g]) into
// out[0, dim).
template <class Body>
void EmbeddingBag::with_row_gradients(const BagBatch& batch, std::size_t bags, std::span<const float> grad_out,
                                      const BagForward& forward, SparseGradient::Scratch& scratch,
                                      Body&& body) const {
  const std::size_t dim = table_.dim();
  const std::size_t n = batch.indices.size();
  EMBEDKIT_CHECK(n <= UINT32_MAX, ArgumentError,
                 fmt::format("a batch of {} ids is larger than the 2^32 - 1 supported", n));
  const std::uint32_t skip = options_.padding_idx ? *options_.padding_idx : UINT32_MAX;
  const bool mean = options_.mode == BagMode::mean;
  const bool max = options_.mode == BagMode::max;
  const bool weighted = !batch.per_sample_weights.empty();
  EMBEDKIT_CHECK(!max || forward.argmax.size() == bags * dim, ArgumentError,
                 "max-mode backward needs the BagForward returned by forward_for_training for this batch");

  // Keys (row << 32 | source) sort contributions by row. Plain sum and mean key by bag: every
  // position of a bag contributes the same grad_out row with the same scale, and bag order is
  // position order, so sums stay in position order and need fewer radix passes. Weighted sum
  // and max key by position, and then look up each key's bag (and weight) once, in key order,
  // so the accumulation loop below reads only sequential arrays.
  const bool by_position = weighted || max;
  std::vector<std::uint64_t>& keys = scratch.keys;
  keys.clear();
  std::vector<float>& bag_scale = scratch.position_scale;  // by bag (mean), or by key (weighted)
  if (mean) bag_scale.assign(bags, 0.0F);
  std::vector<char> won;
  if (max) {
    won.assign(n, 0);
    for (std::size_t b = 0; b < bags; ++b) {
      const BagRange r = bag_range(batch, b);
      for (std::size_t d = 0; d < dim; ++d) {
        const std::uint32_t a = forward.argmax[b * dim + d];
        if (a == UINT32_MAX) continue;
        // (An arg-max from elsewhere than forward_for_training, e.g. a binding's caller, could
        // point anywhere.)
        EMBEDKIT_CHECK(a < r.end - r.begin, ArgumentError,
                       fmt::format("arg-max {} of bag {} is not a position of that bag ({} ids)", a, b,
                                   r.end - r.begin));
        won[r.begin + a] = 1;
      }
    }
  }
  std::vector<std::uint32_t>& position_bag = scratch.position_bag;
  if (by_position) position_bag.resize(n);
  for (std::size_t b = 0; b < bags; ++b) {
    const BagRange r = bag_range(batch, b);
    std::size_t kept = 0;
    for (std::size_t i = r.begin; i < r.end; ++i) {
      const TokenId id = batch.indices[i];
      if (id == skip) continue;
      ++kept;
      if (!by_position) {
        keys.push_back((static_cast<std::uint64_t>(id) << 32U) | b);
      } else {
        position_bag[i] = static_cast<std::uint32_t>(b);
        if (!max || won[i] != 0) keys.push_back((static_cast<std::uint64_t>(id) << 32U) | i);
      }
    }
    if (mean && kept > 0) bag_scale[b] = 1.0F / static_cast<float>(kept);
  }
  detail::radix_sort(keys, scratch.sort_buffer, scratch.histogram);
  detail::group_rows(scratch);
  std::vector<std::uint32_t>& key_bag = scratch.key_bag;
  if (by_position) {
    key_bag.resize(keys.size());
    if (weighted) bag_scale.resize(keys.size());
    for (std::size_t j = 0; j < keys.size(); ++j) {
      const auto p = static_cast<std::uint32_t>(keys[j]);
      key_bag[j] = position_bag[p];
      if (weighted) bag_scale[j] = batch.per_sample_weights[p];
    }
  }

  const float* g = grad_out.data();
  const std::uint64_t* sorted = keys.data();
  const std::uint32_t* bag_of_key = key_bag.data();
  const std::size_t key_count = keys.size();
  const std::size_t* starts = scratch.starts.data();
  const float* scales = bag_scale.data();
  const std::uint64_t* offsets = batch.offsets.data();
  const std::uint32_t* argmax = forward.argmax.data();
  const kernels::KernelTable& k = kernels::kernels();
  const std::size_t row_bytes = dim * sizeof(float);
  const std::size_t ahead = kernels::prefetch_distance(row_bytes);
  auto bag_at = [=](std::size_t j) {
    return by_position ? bag_of_key[j] : static_cast<std::uint32_t>(sorted[j]);
  };
  // Contributions to a row are summed in position order (keys are sorted), so the result does
  // not depend on the thread count.
  auto write_row = [=, &k](std::size_t group, float* out) {
    const std::size_t first = starts[group];
    const std::size_t last = starts[group + 1];
    if (max) {
      std::fill(out, out + dim, 0.0F);
      for (std::size_t j = first; j < last; ++j) {
        const std::uint32_t b = bag_of_key[j];
        const auto relative = static_cast<std::uint32_t>(static_cast<std::uint32_t>(sorted[j]) - offsets[b]);
        const std::uint32_t* arg = argmax + static_cast<std::size_t>(b) * dim;
        const float* gb = g + static_cast<std::size_t>(b) * dim;
        for (std::size_t d = 0; d < dim; ++d) {
          if (arg[d] == relative) out[d] += gb[d];
        }
      }
      return;
    }
    for (std::size_t j = first; j < last; ++j) {
      // The sources are grad_out rows in key order: random, so fetch them early.
      if (j + ahead < key_count) kernels::prefetch(g + static_cast<std::size_t>(bag_at(j + ahead)) * dim, row_bytes);
      const std::uint32_t b = bag_at(j);
      const float scale = weighted ? scales[j] : (mean ? scales[b] : 1.0F);
      const float* source = g + static_cast<std::size_t>(b) * dim;
      if (j == first) {
        for (std::size_t d = 0; d < dim; ++d) out[d] = scale * source[d];
      } else {
        k.axpy(scale, source, out, dim);
      }
    }
  };
  body(write_row);
}

void EmbeddingBag::backward(const BagBatch& batch, std::span<const float> grad_out, const BagForward& forward,
                            SparseGradient& grad) const {
  const std::size_t bags = check_backward(batch, grad_out);
  const std::size_t dim = table_.dim();
  if (!options_.trainable) {
    grad.assign({}, dim);
    return;
  }
  SparseGradient::Scratch& scratch = grad.scratch();
  with_row_gradients(batch, bags, grad_out, forward, scratch, [&](auto& write_row) {
    grad.assign(scratch.rows, dim);
    const auto groups = static_cast<std::int64_t>(scratch.rows.size());
#pragma omp parallel for schedule(dynamic, 256)
    for (std::int64_t gi = 0; gi < groups; ++gi) write_row(static_cast<std::size_t>(gi), grad.value(static_cast<std::size_t>(gi)).data());
  });
}

void EmbeddingBag::backward_rows(const BagBatch& batch, std::span<const float> grad_out, const BagForward& forward,
                                 SparseGradient::Scratch& scratch, RowGradientSink& sink) const {
  const std::size_t bags = check_backward(batch, grad_out);
  if (!options_.trainable) return;
  const std::size_t dim = table_.dim();
  with_row_gradients(batch, bags, grad_out, forward, scratch, [&](auto& write_row) {
    const std::span<const TokenId> rows = scratch.rows;
    // Blocks of rows whose gradients fit in L1 next to their table rows: the sink gets one call
    // per block, and is asked to fetch the next block's rows while this one is computed.
    const std::size_t block = std::clamp<std::size_t>(8192 / (dim * sizeof(float) + 1), 4, 64);
    const auto blocks = static_cast<std::int64_t>((rows.size() + block - 1) / block);
#pragma omp parallel
    {
      std::vector<float> buffer(block * dim);
#pragma omp for schedule(dynamic, 4)
      for (std::int64_t bi = 0; bi < blocks; ++bi) {
        const std::size_t first = static_cast<std::size_t>(bi) * block;
        const std::size_t count = std::min(block, rows.size() - first);
        if (first + block < rows.size()) {
          sink.prefetch(rows.subspan(first + block, std::min(block, rows.size() - first - block)));
        }
        for (std::size_t i = 0; i < count; ++i) write_row(first + i, buffer.data() + i * dim);
        sink.consume(rows.subspan(first, count), std::span<const float>(buffer.data(), count * dim));
      }
    }
  });
}

}  // namespace embedkit
