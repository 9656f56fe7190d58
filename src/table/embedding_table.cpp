#include "embedkit/table/embedding_table.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"

namespace embedkit {
namespace {

constexpr std::size_t kAlignFloats = 16;  // 64 bytes
constexpr std::size_t kHugePageBytes = std::size_t{2} << 20U;

std::size_t padded(std::size_t dim) { return (dim + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

}  // namespace

void TableView::check_ids(std::span<const TokenId> ids) const {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= rows) [[unlikely]] {
      throw ArgumentError(fmt::format("id {} at position {} is out of range for a table of {} rows", ids[i], i, rows),
                          "id < rows");
    }
  }
}

void EmbeddingTable::AlignedFree::operator()(float* p) const noexcept {
  if (!owner) std::free(p);  // external storage goes when its owner does
}

EmbeddingTable::EmbeddingTable(std::size_t rows, std::size_t dim, float* data, std::shared_ptr<void> owner)
    : rows_(rows), dim_(dim), stride_(padded(dim)), data_(data, AlignedFree{std::move(owner)}) {}

EmbeddingTable EmbeddingTable::over_storage(float* data, std::size_t rows, std::size_t dim,
                                            std::shared_ptr<void> owner) {
  EMBEDKIT_CHECK(dim > 0, ArgumentError, "an embedding table needs dim >= 1");
  EMBEDKIT_CHECK(rows <= std::numeric_limits<TokenId>::max(), ArgumentError,
                 fmt::format("{} rows do not fit 32-bit token ids", rows));
  EMBEDKIT_CHECK(data != nullptr && owner != nullptr && reinterpret_cast<std::uintptr_t>(data) % 64 == 0,
                 ArgumentError, "external table storage must be non-null, owned and 64-byte aligned");
  return EmbeddingTable(rows, dim, data, std::move(owner));
}

EmbeddingTable::EmbeddingTable(std::size_t rows, std::size_t dim)
    : rows_(rows), dim_(dim), stride_(padded(dim)) {
  EMBEDKIT_CHECK(dim > 0, ArgumentError, "an embedding table needs dim >= 1");
  EMBEDKIT_CHECK(rows <= std::numeric_limits<TokenId>::max(), ArgumentError,
                 fmt::format("{} rows do not fit 32-bit token ids", rows));
  EMBEDKIT_CHECK(rows == 0 || stride_ <= std::numeric_limits<std::size_t>::max() / sizeof(float) / rows,
                 ArgumentError, fmt::format("a {} x {} table does not fit in memory", rows, dim));
  // Large tables are 2 MiB aligned and asked to live on transparent huge pages: random row
  // lookups then miss the TLB far less (a 512 MB table spans 131,072 4-KiB pages but only 256
  // huge ones). Where THP is off, madvise is a harmless no-op.
  std::size_t bytes = std::max<std::size_t>(rows * stride_ * sizeof(float), 64);
  const bool huge = bytes >= kHugePageBytes * 2;
  const std::size_t alignment = huge ? kHugePageBytes : 64;
  bytes = (bytes + alignment - 1) / alignment * alignment;
  data_.reset(static_cast<float*>(std::aligned_alloc(alignment, bytes)));
  if (!data_) throw ArgumentError(fmt::format("cannot allocate a {} x {} table ({} bytes)", rows, dim, bytes));
  if (huge) ::madvise(data_.get(), bytes, MADV_HUGEPAGE);
  std::memset(data_.get(), 0, bytes);
}

EmbeddingTable EmbeddingTable::clone() const {
  EmbeddingTable copy(rows_, dim_);
  std::memcpy(copy.data_.get(), data_.get(), rows_ * stride_ * sizeof(float));
  return copy;
}

bool operator==(const EmbeddingTable& a, const EmbeddingTable& b) {
  return a.rows_ == b.rows_ && a.dim_ == b.dim_ &&
         std::memcmp(a.data_.get(), b.data_.get(), a.rows_ * a.stride_ * sizeof(float)) == 0;
}

std::span<float> EmbeddingTable::row(TokenId id) {
  EMBEDKIT_CHECK(id < rows_, ArgumentError,
                 fmt::format("id {} is out of range for a table of {} rows", id, rows_));
  return {data_.get() + static_cast<std::size_t>(id) * stride_, dim_};
}

std::span<const float> EmbeddingTable::row(TokenId id) const {
  return const_cast<EmbeddingTable*>(this)->row(id);
}

template <class Draw>
void EmbeddingTable::fill_rows(std::uint64_t seed, Draw draw) {
  const auto n = static_cast<std::int64_t>(rows_);
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 0; r < n; ++r) {
    SplitMix64 rng = SplitMix64::stream(seed, static_cast<std::uint64_t>(r));
    float* row = data_.get() + static_cast<std::size_t>(r) * stride_;
    for (std::size_t d = 0; d < dim_; ++d) row[d] = draw(rng);
  }
}

void EmbeddingTable::fill_uniform(float low, float high, std::uint64_t seed) {
  EMBEDKIT_CHECK(low <= high && std::isfinite(low) && std::isfinite(high), ArgumentError,
                 fmt::format("uniform bounds must be finite with low <= high, got [{}, {})", low, high));
  const float width = high - low;
  fill_rows(seed, [&](SplitMix64& rng) { return low + width * rng.uniform(); });
}

void EmbeddingTable::fill_normal(float mean, float stddev, std::uint64_t seed) {
  EMBEDKIT_CHECK(stddev >= 0 && std::isfinite(mean) && std::isfinite(stddev), ArgumentError,
                 fmt::format("normal parameters must be finite with stddev >= 0, got ({}, {})", mean, stddev));
  fill_rows(seed, [&](SplitMix64& rng) { return mean + stddev * rng.normal(); });
}

void EmbeddingTable::fill_xavier_uniform(std::uint64_t seed) {
  const auto bound = static_cast<float>(std::sqrt(6.0 / static_cast<double>(rows_ + dim_)));
  fill_uniform(-bound, bound, seed);
}

void EmbeddingTable::fill_zeros() { std::memset(data_.get(), 0, rows_ * stride_ * sizeof(float)); }

}  // namespace embedkit
