// Private to embedkit: size arithmetic on counts read from files. A count from a hostile file can
// be anything up to 2^64 - 1, so every sum and product that sizes a copy or an allocation goes
// through these: they report overflow instead of wrapping (a wrapped sum once let a 0-row table
// pass a "words + buckets == rows" check and rows be copied past the mapping).
#pragma once

#include <cstdint>
#include <optional>

namespace embedkit::detail {

/// a + b, or nullopt when it does not fit 64 bits.
[[nodiscard]] constexpr std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

/// a * b, or nullopt when it does not fit 64 bits.
[[nodiscard]] constexpr std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

/// a * b * c, or nullopt when it does not fit 64 bits.
[[nodiscard]] constexpr std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b,
                                                                 std::uint64_t c) noexcept {
  const auto ab = checked_mul(a, b);
  return ab ? checked_mul(*ab, c) : std::nullopt;
}

}  // namespace embedkit::detail
