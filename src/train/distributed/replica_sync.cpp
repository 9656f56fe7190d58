#include "train/distributed/replica_sync.h"

#include <algorithm>
#include <chrono>

namespace embedkit::detail {

namespace {

// A table's floats with their padding (zeros everywhere, so they stay zeros): one contiguous span.
std::span<float> values_of(EmbeddingTable& table) { return {table.data(), table.rows() * table.stride()}; }

}  // namespace

ReplicaSync::ReplicaSync(Communicator& communicator, std::uint64_t local_words, std::uint64_t sync_words,
                         std::uint64_t hot_words, std::size_t hot_rows)
    : communicator_(communicator), hot_rows_(hot_rows) {
  // ceil(a / b) without overflow; a round never holds more pieces than the share has words for.
  const auto ceil_div = [](std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0 ? 1 : 0); };
  const std::uint64_t step = std::max<std::uint64_t>(1, sync_words);
  const std::uint64_t hot_step = std::clamp<std::uint64_t>(hot_words, 1, step);
  std::uint64_t counts[2] = {ceil_div(local_words, step), ceil_div(std::min(step, std::max<std::uint64_t>(1, local_words)), hot_step)};
  communicator_.max(counts);
  rounds_ = static_cast<std::size_t>(std::max<std::uint64_t>(1, counts[0]));
  pieces_per_round_ = hot_rows_ > 0 ? static_cast<std::size_t>(std::max<std::uint64_t>(1, counts[1])) : 1;
}

void ReplicaSync::start(std::span<EmbeddingTable* const> tables) {
  tables_.assign(tables.begin(), tables.end());
  shared_.clear();
  totals_.bytes_per_round = totals_.bytes_per_hot_exchange = 0;
  for (EmbeddingTable* table : tables_) {
    shared_.push_back(table->clone());
    totals_.bytes_per_round += values_of(*table).size() * sizeof(float);
    totals_.bytes_per_hot_exchange += std::min(hot_rows_, table->rows()) * table->stride() * sizeof(float);
  }
}

std::pair<std::size_t, std::size_t> ReplicaSync::piece(std::size_t begin, std::size_t end,
                                                       std::size_t p) const noexcept {
  const std::size_t n = end - begin, pieces = pieces_per_epoch();
  return {begin + n * p / pieces, begin + n * (p + 1) / pieces};
}

void ReplicaSync::exchange(std::size_t p, bool all_rows) {
  const auto start = std::chrono::steady_clock::now();
  const bool whole = all_rows || (p + 1) % pieces_per_round_ == 0;
  exchange_rows(whole ? SIZE_MAX : hot_rows_);
  ++(whole ? totals_.rounds : totals_.hot_exchanges);
  totals_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void ReplicaSync::exchange_rows(std::size_t rows) {
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    EmbeddingTable& table = *tables_[t];
    const std::size_t stride = table.stride();
    const std::size_t n_rows = std::min(rows, table.rows());
    float* mine = table.data();
    float* shared = shared_[t].data();
    const auto n = static_cast<std::int64_t>(n_rows);
    // This process's update of each row, and, in an exchange of all rows (where the cold rows'
    // updates are old), whether it made one.
    const bool stale = n_rows > hot_rows_;
    updaters_.assign(stale ? n_rows : 0, 0.0F);
#pragma omp parallel for schedule(static) if (n > 4096)
    for (std::int64_t r = 0; r < n; ++r) {
      float* row = mine + static_cast<std::size_t>(r) * stride;
      const float* before = shared + static_cast<std::size_t>(r) * stride;
      bool moved = false;
      for (std::size_t d = 0; d < stride; ++d) {
        row[d] -= before[d];
        moved |= row[d] != 0.0F;
      }
      if (stale) updaters_[static_cast<std::size_t>(r)] = moved ? 1.0F : 0.0F;
    }
    communicator_.sum(std::span<float>(mine, n_rows * stride));
    if (stale) communicator_.sum(std::span<float>(updaters_));
#pragma omp parallel for schedule(static) if (n > 4096)
    for (std::int64_t r = 0; r < n; ++r) {
      const auto i = static_cast<std::size_t>(r);
      float* row = mine + i * stride;
      float* before = shared + i * stride;
      const float scale = stale && i >= hot_rows_ ? 1.0F / std::max(1.0F, updaters_[i]) : 1.0F;
      for (std::size_t d = 0; d < stride; ++d) {
        row[d] = before[d] + row[d] * scale;
        before[d] = row[d];
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
