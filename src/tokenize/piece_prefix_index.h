// The vocabulary pieces that are prefixes of a text at a position: what SentencePiece's
// double-array tries answer for its Unigram lattice and for user-defined pieces, and what
// Hugging Face's Unigram asks its trie.
//
// A byte trie laid out flat: each node's children are a contiguous run of (byte, node) edges
// sorted by byte, and the root's 256 children are a direct table (most texts branch widely
// there). A lookup walks one node per byte of the text with no allocation; the edges cost 5
// bytes each, about the total length of the pieces (a 250 000-piece vocabulary: a few MB).
#pragma once

#include <algorithm>
#include <array>
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
  PiecePrefixIndex() { root_.fill(kNone); }
  /// (piece, id) pairs; pieces must be distinct and non-empty.
  explicit PiecePrefixIndex(std::vector<std::pair<std::string, std::int32_t>> pieces) {
    root_.fill(kNone);
    std::sort(pieces.begin(), pieces.end());
    empty_ = pieces.empty();
    // Node 0 stands for the root (its children live in root_).
    nodes_.push_back({0, 0, -1});
    for (std::size_t lo = 0; lo < pieces.size();) {
      const auto c = static_cast<unsigned char>(pieces[lo].first[0]);
      std::size_t hi = lo;
      while (hi < pieces.size() && static_cast<unsigned char>(pieces[hi].first[0]) == c) ++hi;
      root_[c] = build(pieces, lo, hi, 1);
      lo = hi;
    }
  }

  [[nodiscard]] bool empty() const noexcept { return empty_; }
  /// Whether some piece starts with byte `c`.
  [[nodiscard]] bool starts_any(unsigned char c) const noexcept { return root_[c] != kNone; }

  /// Calls emit(id, length) for every piece that is a prefix of text[begin..], shortest first.
  template <typename Emit>
  void for_each_prefix(std::string_view text, std::size_t begin, Emit&& emit) const {
    if (begin >= text.size()) return;
    std::uint32_t node = root_[static_cast<unsigned char>(text[begin])];
    for (std::size_t k = 1; node != kNone; ++k) {
      const Node& n = nodes_[node];
      if (n.id >= 0) emit(n.id, k);
      if (begin + k >= text.size() || n.edge_count == 0) break;
      node = child(n, static_cast<unsigned char>(text[begin + k]));
    }
  }

  /// Length of the longest piece that is a prefix of `text`, or nullopt.
  [[nodiscard]] std::optional<std::size_t> longest_prefix(std::string_view text) const {
    std::optional<std::size_t> longest;
    for_each_prefix(text, 0, [&](std::int32_t, std::size_t length) { longest = length; });
    return longest;
  }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
  struct Node {
    std::uint32_t first_edge;
    std::uint32_t edge_count;
    std::int32_t id;  ///< the piece ending here, or -1
  };

  std::uint32_t child(const Node& n, unsigned char c) const {
    const unsigned char* labels = labels_.data() + n.first_edge;
    const unsigned char* end = labels + n.edge_count;
    const unsigned char* it = n.edge_count <= 8 ? std::find(labels, end, c) : std::lower_bound(labels, end, c);
    return it != end && *it == c ? targets_[n.first_edge + static_cast<std::size_t>(it - labels)] : kNone;
  }

  /// The node for pieces[lo, hi), which share their first `depth` bytes, and all below it;
  /// returns its index. Iterative: a hostile model's megabyte-long piece must not exhaust the stack.
  std::uint32_t build(const std::vector<std::pair<std::string, std::int32_t>>& pieces, std::size_t lo, std::size_t hi,
                      std::size_t depth) {
    struct Task {
      std::uint32_t node;
      std::size_t lo, hi, depth;
    };
    const auto top = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back({0, 0, -1});
    std::vector<Task> tasks{{top, lo, hi, depth}};
    while (!tasks.empty()) {
      Task t = tasks.back();
      tasks.pop_back();
      if (pieces[t.lo].first.size() == t.depth) nodes_[t.node].id = pieces[t.lo++].second;  // sorts first
      // One child per distinct byte at `depth`, their edges contiguous.
      const auto first_edge = static_cast<std::uint32_t>(labels_.size());
      std::uint32_t count = 0;
      for (std::size_t a = t.lo; a < t.hi; ++count) {
        const auto c = static_cast<unsigned char>(pieces[a].first[t.depth]);
        std::size_t b = a;
        while (b < t.hi && static_cast<unsigned char>(pieces[b].first[t.depth]) == c) ++b;
        const auto child_node = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back({0, 0, -1});
        labels_.push_back(c);
        targets_.push_back(child_node);
        tasks.push_back({child_node, a, b, t.depth + 1});
        a = b;
      }
      nodes_[t.node].first_edge = first_edge;
      nodes_[t.node].edge_count = count;
    }
    return top;
  }

  std::array<std::uint32_t, 256> root_{};
  std::vector<Node> nodes_;
  std::vector<unsigned char> labels_;
  std::vector<std::uint32_t> targets_;
  bool empty_ = true;
};

}  // namespace embedkit::tokenize
