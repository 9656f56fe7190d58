#include "train/distributed/replica_sync.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <numeric>

#include "embedkit/core/error.h"

namespace embedkit::detail {

ReplicaSync::ReplicaSync(Communicator& communicator, std::uint64_t local_words, std::uint64_t sync_words,
                         std::uint64_t hot_words, std::size_t batch_floats)
    : communicator_(communicator), batch_floats_(std::max<std::size_t>(1, batch_floats)) {
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
                        double staleness, bool mean) {
  EMBEDKIT_CHECK(rates.size() == tables.size(), ArgumentError, "one list of row rates per table");
  EMBEDKIT_CHECK(staleness > 0, ArgumentError, "the staleness of a row must be > 0");
  // Tiers below the round: tier k is due after piece p when 2^k divides (p mod round) + 1.
  const auto tiers = static_cast<std::size_t>(std::bit_width(pieces_per_round_ - 1));
  const double processes = static_cast<double>(communicator_.size());
  scale_ = mean ? static_cast<float>(1.0 / processes) : 1.0F;
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
  // Every process must pack the same rows in the same order (the rates come from the shared
  // vocabulary, but a build or CPU that rounds differently could order two rows otherwise):
  // the maxima of a hash and of its complement equal this process's own only if all agree.
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a over the order and the tiers
  const auto mix = [&](std::uint64_t v) { hash = (hash ^ v) * 1099511628211ULL; };
  for (const Replica& replica : replicas_) {
    for (const std::uint32_t r : replica.order) mix(r);
    for (const std::size_t end : replica.tier_end) mix(end);
  }
  std::uint64_t agreed[2] = {hash, ~hash};
  communicator_.max(agreed);
  EMBEDKIT_CHECK(agreed[0] == hash && agreed[1] == ~hash, Error,
                 "the processes ordered the rows to exchange differently (their word counts or arithmetic differ)");
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
  // Pack this process's update of each row due (both tables' rows in one message), sum them all,
  // unpack: row = shared + sum. In batches of at most batch_floats_, since a round would otherwise
  // need a third copy of the model; every process cuts the same batches (the tiers agree).
  struct Segment {
    Replica* replica;
    std::size_t first, rows, offset;  // rows [first, first + rows) of its order, at buffer_[offset]
  };
  std::vector<Segment> batch;
  std::size_t t = 0, next = 0;  // the next row to pack: replicas_[t].order[next]
  while (true) {
    batch.clear();
    std::size_t floats = 0;
    for (; t < replicas_.size(); ++t, next = 0) {
      Replica& replica = replicas_[t];
      const std::size_t dim = replica.table->dim();
      // (At least one row in a batch, however long.)
      const std::size_t room = floats == 0 ? std::max<std::size_t>(1, batch_floats_ / std::max<std::size_t>(1, dim))
                                           : (batch_floats_ - std::min(floats, batch_floats_)) / std::max<std::size_t>(1, dim);
      const std::size_t rows = std::min(replica.tier_end[tier] - next, room);
      if (rows > 0) {
        batch.push_back({&replica, next, rows, floats});
        floats += rows * dim;
        next += rows;
      }
      if (next < replica.tier_end[tier]) break;  // the batch is full
    }
    if (floats == 0) return;
    buffer_.resize(floats);
    for (const Segment& segment : batch) {
      const Replica& replica = *segment.replica;
      const std::size_t dim = replica.table->dim(), stride = replica.table->stride();
      const std::uint32_t* order = replica.order.data() + segment.first;
      float* packed = buffer_.data() + segment.offset;
      const auto n = static_cast<std::int64_t>(segment.rows);
#pragma omp parallel for schedule(static) if (n > 4096)
      for (std::int64_t i = 0; i < n; ++i) {
        const std::size_t r = order[i];
        const float* mine = replica.table->data() + r * stride;
        const float* before = replica.shared.data() + r * stride;
        float* out = packed + static_cast<std::size_t>(i) * dim;
        for (std::size_t d = 0; d < dim; ++d) out[d] = mine[d] - before[d];
      }
    }
    const auto reduce_start = std::chrono::steady_clock::now();
    communicator_.sum(std::span<float>(buffer_));
    totals_.reduce_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - reduce_start).count();
    totals_.bytes += floats * sizeof(float);
    for (const Segment& segment : batch) {
      Replica& replica = *segment.replica;
      const std::size_t dim = replica.table->dim(), stride = replica.table->stride();
      const std::uint32_t* order = replica.order.data() + segment.first;
      const float* summed = buffer_.data() + segment.offset;
      const auto n = static_cast<std::int64_t>(segment.rows);
#pragma omp parallel for schedule(static) if (n > 4096)
      for (std::int64_t i = 0; i < n; ++i) {
        const std::size_t r = order[i];
        float* mine = replica.table->data() + r * stride;
        float* before = replica.shared.data() + r * stride;
        const float* update = summed + static_cast<std::size_t>(i) * dim;
        for (std::size_t d = 0; d < dim; ++d) mine[d] = before[d] = before[d] + scale_ * update[d];
      }
    }
  }
}

bool ReplicaSync::any(bool mine) {
  std::uint64_t flag[1] = {mine ? 1U : 0U};
  communicator_.max(flag);
  return flag[0] != 0;
}

}  // namespace embedkit::detail
