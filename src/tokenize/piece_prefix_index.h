// The vocabulary pieces that are prefixes of a text at a position: what SentencePiece's
// double-array tries answer for its Unigram lattice and for user-defined pieces.
//
// Pieces are kept sorted (bytewise, as unsigned char), and the range of pieces that share the
// first k bytes of the text is narrowed one byte at a time by binary search: O(L log n) for
// prefixes up to L bytes, with no per-node allocation (a 250 000-piece vocabulary costs its
// strings and one pointer per piece, where a node-per-byte trie would take tens of megabytes).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embedkit::tokenize {

class PiecePrefixIndex {
 public:
  PiecePrefixIndex() = default;
  /// (piece, id) pairs; pieces must be distinct and non-empty.
  explicit PiecePrefixIndex(std::vector<std::pair<std::string, std::int32_t>> pieces) : pieces_(std::move(pieces)) {
    std::sort(pieces_.begin(), pieces_.end());
  }

  [[nodiscard]] bool empty() const noexcept { return pieces_.empty(); }

  /// Calls emit(id, length) for every piece that is a prefix of text[begin..], shortest first.
  template <typename Emit>
  void for_each_prefix(std::string_view text, std::size_t begin, Emit&& emit) const {
    auto lo = pieces_.begin();
    auto hi = pieces_.end();
    for (std::size_t k = 0; begin + k < text.size() && lo != hi; ++k) {
      const auto c = static_cast<unsigned char>(text[begin + k]);
      // Within [lo, hi) every piece starts with the k bytes matched so far; pieces of exactly
      // k bytes sort first, then by byte k.
      lo = std::partition_point(lo, hi, [&](const auto& p) {
        return p.first.size() <= k || static_cast<unsigned char>(p.first[k]) < c;
      });
      hi = std::partition_point(lo, hi, [&](const auto& p) { return static_cast<unsigned char>(p.first[k]) == c; });
      if (lo != hi && lo->first.size() == k + 1) emit(lo->second, k + 1);
    }
  }

  /// Length of the longest piece that is a prefix of `text`, or nullopt.
  [[nodiscard]] std::optional<std::size_t> longest_prefix(std::string_view text) const {
    std::optional<std::size_t> longest;
    for_each_prefix(text, 0, [&](std::int32_t, std::size_t length) { longest = length; });
    return longest;
  }

 private:
  std::vector<std::pair<std::string, std::int32_t>> pieces_;
};

}  // namespace embedkit::tokenize
