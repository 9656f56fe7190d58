// fastText's character n-grams: how a word, seen or unseen, maps to rows of hashed buckets.
//
//   embedkit::SubwordOptions sub{.minn = 3, .maxn = 6, .bucket = 2000000};
//   std::vector<std::uint32_t> buckets;
//   embedkit::subword_buckets("where", sub, buckets);   // n-grams of "<where>": "<wh", "whe", ...
//
// Exactly fastText's rules (Bojanowski et al. 2017, and fastText 0.9's Dictionary): the word is
// wrapped in "<" and ">"; n-grams are runs of n = minn..maxn UTF-8 *characters* (a lead byte plus
// its continuation bytes); the single characters "<" and ">" alone are not n-grams; each n-gram is
// hashed with 32-bit FNV-1a over its bytes *sign-extended* (fastText hashes `int8_t` chars, so bytes
// >= 0x80 mix in as 0xFFFFFFxx) and taken modulo `bucket`. Row of bucket b = words + b.
// maxn = 0 (or bucket = 0) disables n-grams.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace embedkit {

struct SubwordOptions {
  std::uint32_t minn = 3;
  std::uint32_t maxn = 6;
  std::uint64_t bucket = 2000000;

  [[nodiscard]] bool enabled() const noexcept { return maxn > 0 && bucket > 0 && minn <= maxn; }
  friend bool operator==(const SubwordOptions&, const SubwordOptions&) = default;
};

/// fastText's string hash (FNV-1a, 32-bit, sign-extended bytes).
[[nodiscard]] constexpr std::uint32_t fasttext_hash(std::string_view text) noexcept {
  std::uint32_t h = 2166136261U;
  for (const char c : text) {
    h ^= static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<signed char>(c)));
    h *= 16777619U;
  }
  return h;
}

/// Appends to `out` the bucket (0 .. bucket-1) of every character n-gram of `word` (given
/// without the "<" ">" markers), in fastText's order. Appends nothing when n-grams are disabled.
void subword_buckets(std::string_view word, const SubwordOptions& options, std::vector<std::uint32_t>& out);

/// The n-gram strings themselves (with markers), in the same order: for display and tests.
[[nodiscard]] std::vector<std::string_view> subword_strings(std::string_view wrapped_word,
                                                            const SubwordOptions& options);

}  // namespace embedkit
