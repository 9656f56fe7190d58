// Private to embedkit: the Huffman tree over word counts that hierarchical softmax walks
// (Mikolov et al. 2013; word2vec's CreateBinaryTree). Frequent words get short codes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace embedkit::detail {

class HuffmanTree {
 public:
  /// `counts` per word id (at least 2 words). Internal nodes are numbered 0 .. words-2; the root
  /// is words-2.
  explicit HuffmanTree(std::span<const std::uint64_t> counts);

  /// The internal nodes on the path from the root to word `w`, root first.
  [[nodiscard]] std::span<const std::uint32_t> path(std::size_t w) const noexcept {
    return {points_.data() + starts_[w], starts_[w + 1] - starts_[w]};
  }
  /// The branch taken at each of those nodes (0 = left/first child, 1 = right), root first.
  [[nodiscard]] std::span<const std::uint8_t> code(std::size_t w) const noexcept {
    return {codes_.data() + starts_[w], starts_[w + 1] - starts_[w]};
  }
  [[nodiscard]] std::size_t internal_nodes() const noexcept { return words_ - 1; }

 private:
  std::size_t words_;
  std::vector<std::size_t> starts_;  // per word, into points_/codes_ (+ end)
  std::vector<std::uint32_t> points_;
  std::vector<std::uint8_t> codes_;
};

}  // namespace embedkit::detail
