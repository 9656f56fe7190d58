// Private to embedkit: the one way its loops prefetch memory they will touch soon (table rows
// read at random, optimizer state, hash slots), and the one rule for how far ahead.
//
//   const std::size_t ahead = kernels::prefetch_distance(row_bytes);
//   for (std::size_t i = 0; i < n; ++i) {
//     if (i + ahead < n) kernels::prefetch(table + ids[i + ahead] * stride, row_bytes);
//     ...use row ids[i]...
//   }
//
// Portable (__builtin_prefetch: prefetcht0/t1/t2/nta on x86, prfm elsewhere), so scalar code and
// every SIMD level share it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace embedkit::kernels {

/// Where a prefetched line should land.
enum class Hint {
  l1,   ///< all levels down to L1 (x86 prefetcht0): for data needed within ~100 ns
  l2,   ///< L2 and below (prefetcht1): the default for rows fetched a distance ahead
  nta,  ///< non-temporal (prefetchnta): read once, keep out of the outer caches
};

/// Whether the lines will be written (hint for exclusive ownership where the target has one).
enum class Access { read, write };

// The default hint for rows fetched a distance ahead. In the bag-sum sweep (bench/src/bag_limit/) on
// the AMD EPYC (Zen 4) dev machine, random 512-byte rows of a 512 MB table, the same loop ran
// 1.2-2x faster with l2 than with l1 at every distance (8-64 rows) and thread count: an L1
// prefetch holds one of the core's few L1 miss buffers until its line arrives, which caps the
// rows in flight; an L2 prefetch draws on the L2's larger pool, and the load a few rows later
// finds the line in L2. (nta behaved like l1 there.)
inline constexpr Hint kRowHint = Hint::l2;

// How far ahead to prefetch, in bytes: enough in flight to cover memory latency, and little
// enough to stay well inside L2 so nothing is evicted before use. With l2 the sweep was flat from
// 16 to 64 rows of 512 bytes and 15-25% slower at 8 rows (4 KiB) with Zipf ids.
inline constexpr std::size_t kPrefetchBytes = 16384;

/// The one distance rule: items to look ahead when each item touches `bytes_per_item` bytes at
/// a random place, clamped to [4, 64] (short rows: enough items to hide the latency of the index
/// loads too; long rows: enough lines per item already).
constexpr std::size_t prefetch_distance(std::size_t bytes_per_item) noexcept {
  return std::clamp<std::size_t>(kPrefetchBytes / std::max<std::size_t>(bytes_per_item, 1), 4, 64);
}

/// Prefetches every 64-byte line that [p, p + bytes) touches (bytes >= 1). Never faults.
template <Hint H = kRowHint, Access A = Access::read>
inline void prefetch(const void* p, std::size_t bytes) noexcept {
  constexpr int rw = A == Access::write ? 1 : 0;
  constexpr int locality = H == Hint::l1 ? 3 : (H == Hint::l2 ? 2 : 0);
  // From p's line to the line of its last byte: a row that is not 64-byte aligned (grad_out
  // rows of dim 100) touches one line more than bytes / 64.
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(p) + bytes;
  for (std::uintptr_t line = reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{63}; line < end; line += 64) {
    __builtin_prefetch(reinterpret_cast<const void*>(line), rw, locality);
  }
}

/// Prefetches the one line holding `*p` (a hash slot, an entry).
template <Hint H = Hint::l1, Access A = Access::read, class T>
inline void prefetch_one(const T* p) noexcept {
  prefetch<H, A>(p, 1);
}

}  // namespace embedkit::kernels
