// EmbeddingTable: a V x D float32 matrix, one row per token id, the storage under every
// embedding layer and trainer in embedkit.
//
//   embedkit::EmbeddingTable table(vocab.size(), 100);
//   table.fill_uniform(-0.05F, 0.05F, /*seed=*/42);
//   std::span<const float> v = table.row(vocab.id_or_unk("cat"));
//
// Layout: row-major, each row starts on a 64-byte boundary (stride() = dim rounded up to 16
// floats), so a row never straddles more cache lines than it must and SIMD loads are aligned.
// The padding floats are kept at zero. Tables of 4 MiB and more are 2 MiB aligned and advised
// onto transparent huge pages (fewer TLB misses for random rows). Tables are move-only: a
// multi-GB copy should be visible in the code, so it is spelled clone(). Initialisers are deterministic for a given seed and
// independent of thread count: each row draws from its own counter-based generator.
// Out-of-range ids are an ArgumentError naming the id and the table size.
//
// Thread safety: const members may run concurrently; writers need exclusive access (the sparse
// optimizers' Hogwild mode, where documented, is the deliberate exception).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

/// A read-only view of a row-major float table: what lookups and searches need, whether the
/// rows live in an EmbeddingTable, a memory-mapped file or elsewhere.
struct TableView {
  const float* data = nullptr;
  std::size_t rows = 0;
  std::size_t dim = 0;
  std::size_t stride = 0;  ///< floats from one row to the next (>= dim)

  /// Row `id` without a range check (callers check once per batch).
  [[nodiscard]] const float* row_unchecked(TokenId id) const noexcept { return data + static_cast<std::size_t>(id) * stride; }
  /// Throws ArgumentError when any id is >= rows, naming the first such id and its position.
  void check_ids(std::span<const TokenId> ids) const;
};

class EmbeddingTable {
 public:
  /// A rows x dim table of zeros. Throws ArgumentError when dim is 0 or the size overflows.
  EmbeddingTable(std::size_t rows, std::size_t dim);
  EmbeddingTable(const EmbeddingTable&) = delete;
  EmbeddingTable& operator=(const EmbeddingTable&) = delete;
  EmbeddingTable(EmbeddingTable&&) noexcept = default;
  EmbeddingTable& operator=(EmbeddingTable&&) noexcept = default;
  ~EmbeddingTable() = default;

  /// A table whose rows live in memory owned by `owner` (e.g. a copy-on-write MappedFile of a
  /// native vector file): `data` must be 64-byte aligned, hold rows x padded_stride(dim) floats
  /// with zero padding, and stay valid while `owner` lives. Nothing is copied or touched.
  static EmbeddingTable over_storage(float* data, std::size_t rows, std::size_t dim, std::shared_ptr<void> owner);
  /// The row stride (in floats) of a table of width `dim`: dim rounded up to 16.
  [[nodiscard]] static std::size_t padded_stride(std::size_t dim) noexcept { return (dim + 15) / 16 * 16; }

  /// A deep copy (same shape, same bytes).
  [[nodiscard]] EmbeddingTable clone() const;

  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
  [[nodiscard]] std::size_t dim() const noexcept { return dim_; }
  [[nodiscard]] std::size_t stride() const noexcept { return stride_; }
  [[nodiscard]] float* data() noexcept { return data_.get(); }
  [[nodiscard]] const float* data() const noexcept { return data_.get(); }
  [[nodiscard]] TableView view() const noexcept { return {data_.get(), rows_, dim_, stride_}; }

  /// Row `id` (dim floats). Throws ArgumentError when id >= rows().
  [[nodiscard]] std::span<float> row(TokenId id);
  [[nodiscard]] std::span<const float> row(TokenId id) const;

  /// Every element uniform in [low, high).
  void fill_uniform(float low, float high, std::uint64_t seed);
  /// Every element normal with the given mean and standard deviation.
  void fill_normal(float mean, float stddev, std::uint64_t seed);
  /// Xavier/Glorot uniform: U(-a, a) with a = sqrt(6 / (rows + dim)), as torch.nn.init.xavier_uniform_.
  void fill_xavier_uniform(std::uint64_t seed);
  /// All zeros.
  void fill_zeros();

  friend bool operator==(const EmbeddingTable& a, const EmbeddingTable& b);

 private:
  // Frees aligned_alloc'ed rows, or releases the owner of external storage.
  struct AlignedFree {
    std::shared_ptr<void> owner;
    void operator()(float* p) const noexcept;
  };
  EmbeddingTable(std::size_t rows, std::size_t dim, float* data, std::shared_ptr<void> owner);
  template <class Draw>
  void fill_rows(std::uint64_t seed, Draw draw);

  std::size_t rows_;
  std::size_t dim_;
  std::size_t stride_;
  std::unique_ptr<float[], AlignedFree> data_;
};

}  // namespace embedkit
