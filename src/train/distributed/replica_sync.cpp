#include "train/distributed/replica_sync.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <numeric>

#include "embedkit/core/error.h"

namespace embedkit::detail {

ReplicaSync::ReplicaSync(Communicator& communicator, std::uint64_t local_words, std::uint64_t sync_words,
                         std::uint64_t hot_words)
    : communicator_(communicator) {
  // ceil(a / b) without overflow; a round never holds more pieces than the share has words for.
  const auto ceil_div = [](std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0 ? 1 : 0); };
  const std::uint64_t step = std::max<std::uint64_t>(1, sync_words);
  const std::uint64_t hot_step = std::clamp<std::uint64_t>(hot_words, 1, step);
  std::uint64_t counts[2] = {ceil_div(local_words, step),
                             ceil_div(std::min(step, std::max<std::uint64_t>(1, local_words)), hot_step)};
  communicator_.max(counts);
  std::uint64_t most_words[1] = {local_words};
  communicator_.max(most_words);
  rounds_ = static_cast<std::size_t>(std::max<std::uint64_t>(1, counts[0]));
  pieces_per_round_ = static_cast<std::size_t>(std::max<std::uint64_t>(1, counts[1]));
  piece_words_ = std::max(1.0, static_cast<double>(most_words[0]) / static_cast<double>(pieces_per_epoch()));
}

void ReplicaSync::start(std::span<EmbeddingTable* const> tables, std::span<const std::vector<double>> rates,
                        double staleness) {
  EMBEDKIT_CHECK(rates.size() == tables.size(), ArgumentError, "one list of row rates per table");
  EMBEDKIT_CHECK(staleness > 0, ArgumentError, "the staleness of a row must be > 0");
  // Tiers below the round: tier k is due after piece p when 2^k divides (p mod round) + 1.
  const auto tiers = static_cast<std::size_t>(std::bit_width(pieces_per_round_ - 1));
  const double processes = static_cast<double>(communicator_.size());
  // The updates a row of rate r gets between exchanges `pieces` apart.
  const auto updates = [&](double rate, double pieces) { return rate * pieces * piece_words_ * processes; };
  replicas_.clear();
  tier_rows_.assign(tiers + 1, 0);
  totals_ = {};
  for (std::size_t t = 0; t < tables.size(); ++t) {
    EmbeddingTable& table = *tables[t];
    const std::vector<double>& rate = rates[t];
    EMBEDKIT_CHECK(rate.size() == table.rows(), ArgumentError, "one rate per row");
    Replica replica{&table, table.clone(), std::vector<std::uint32_t>(table.rows()), {}};
    std::iota(replica.order.begin(), replica.order.end(), 0U);
    std::stable_sort(replica.order.begin(), replica.order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return rate[a] > rate[b]; });
    for (std::size_t k = 0; k < tiers; ++k) {
      const double pieces = static_cast<double>(std::uint64_t{1} << std::min<std::size_t>(k, 62));
      const auto end = std::partition_point(replica.order.begin(), replica.order.end(),
                                            [&](std::uint32_t r) { return updates(rate[r], pieces) >= staleness; });
      replica.tier_end.push_back(static_cast<std::size_t>(end - replica.order.begin()));
    }
    replica.tier_end.push_back(table.rows());
    for (std::size_t k = 0; k <= tiers; ++k) tier_rows_[k] += replica.tier_end[k];
    totals_.bytes_per_round += table.rows() * table.dim() * sizeof(float);
    replicas_.push_back(std::move(replica));
  }
}

std::pair<std::size_t, std::size_t> ReplicaSync::piece(std::size_t begin, std::size_t end,
                                                       std::size_t p) const noexcept {
  const std::size_t n = end - begin, pieces = pieces_per_epoch();
  return {begin + n * p / pieces, begin + n * (p + 1) / pieces};
}

void ReplicaSync::exchange(std::size_t p, bool all_rows) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t in_round = p % pieces_per_round_ + 1;
  const std::size_t last = tier_rows_.size() - 1;
  const std::size_t tier = all_rows || in_round == pieces_per_round_
                               ? last
                               : std::min<std::size_t>(static_cast<std::size_t>(std::countr_zero(in_round)), last);
  exchange_tier(tier);
  ++totals_.exchanges;
  if (tier == last) ++totals_.rounds;
  totals_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void ReplicaSync::exchange_tier(std::size_t tier) {
  std::size_t floats = 0;
  for (const Replica& replica : replicas_) floats += replica.tier_end[tier] * replica.table->dim();
  if (floats == 0) return;
  buffer_.resize(floats);
  // Pack this process's update of each row due, sum them all, unpack: row = shared + sum.
  std::size_t offset = 0;
  for (Replica& replica : replicas_) {
    const std::size_t dim = replica.table->dim(), stride = replica.table->stride();
    const auto n = static_cast<std::int64_t>(replica.tier_end[tier]);
    float* packed = buffer_.data() + offset;
#pragma omp parallel for schedule(static) if (n > 4096)
    for (std::int64_t i = 0; i < n; ++i) {
      const std::uint32_t r = replica.order[static_cast<std::size_t>(i)];
      const float* mine = replica.table->data() + r * stride;
      const float* before = replica.shared.data() + r * stride;
      float* out = packed + static_cast<std::size_t>(i) * dim;
      for (std::size_t d = 0; d < dim; ++d) out[d] = mine[d] - before[d];
    }
    offset += static_cast<std::size_t>(n) * dim;
  }
  communicator_.sum(std::span<float>(buffer_));
  totals_.bytes += floats * sizeof(float);
  offset = 0;
  for (Replica& replica : replicas_) {
    const std::size_t dim = replica.table->dim(), stride = replica.table->stride();
    const auto n = static_cast<std::int64_t>(replica.tier_end[tier]);
    const float* summed = buffer_.data() + offset;
#pragma omp parallel for schedule(static) if (n > 4096)
    for (std::int64_t i = 0; i < n; ++i) {
      const std::uint32_t r = replica.order[static_cast<std::size_t>(i)];
      float* mine = replica.table->data() + r * stride;
      float* before = replica.shared.data() + r * stride;
      const float* update = summed + static_cast<std::size_t>(i) * dim;
      for (std::size_t d = 0; d < dim; ++d) mine[d] = before[d] = before[d] + update[d];
    }
    offset += static_cast<std::size_t>(n) * dim;
  }
}

bool ReplicaSync::any(bool mine) {
  std::uint64_t flag[1] = {mine ? 1U : 0U};
  communicator_.max(flag);
  return flag[0] != 0;
}

}  // namespace embedkit::detail
