// The vocabulary pieces that are prefixes of a text at a position: what SentencePiece's
// double-array tries answer for its Unigram lattice and for user-defined pieces, and what
// Hugging Face's Unigram asks its trie.
//
// A byte trie laid out flat: a node's children are consecutive nodes sorted by their byte, so a
// step down reads one run of nodes (each holds its byte, its piece's id and score); nodes with
// many children also get a direct table, as the root does. A lookup walks one node per byte of
// the text with no allocation, and touches about one cache line per byte: the lattice's lookups
// of words not seen before are bound by memory latency, not by arithmetic.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
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
    // The root's children live in root_; node 0 is unused.
    nodes_.push_back({});
    std::vector<std::pair<std::size_t, std::size_t>> runs;  // pieces[lo, hi) under each root child
    for (std::size_t lo = 0; lo < pieces.size();) {
      const auto c = static_cast<unsigned char>(pieces[lo].first[0]);
      std::size_t hi = lo;
      while (hi < pieces.size() && static_cast<unsigned char>(pieces[hi].first[0]) == c) ++hi;
      runs.emplace_back(lo, hi);
      lo = hi;
    }
    const auto first = static_cast<std::uint32_t>(nodes_.size());
    nodes_.resize(nodes_.size() + runs.size());
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const auto c = static_cast<unsigned char>(pieces[runs[k].first].first[0]);
      root_[c] = first + static_cast<std::uint32_t>(k);
      nodes_[root_[c]].label = c;
    }
    for (std::size_t k = 0; k < runs.size(); ++k) {
      build(pieces, first + static_cast<std::uint32_t>(k), runs[k].first, runs[k].second);
    }
  }

  /// Gives every piece the score scores[id] (ids the index has must be < scores.size()), for
  /// for_each_scored_prefix(): read beside the id, with no second lookup.
  void set_scores(std::span<const double> scores) {
    for (Node& n : nodes_) {
      if (n.id >= 0) n.score = scores[static_cast<std::size_t>(n.id)];
    }
  }

  [[nodiscard]] bool empty() const noexcept { return empty_; }
  /// Whether some piece starts with byte `c`.
  [[nodiscard]] bool starts_any(unsigned char c) const noexcept { return root_[c] != kNone; }

  /// Calls emit(id, length) for every piece that is a prefix of text[begin..], shortest first.
  template <typename Emit>
  void for_each_prefix(std::string_view text, std::size_t begin, Emit&& emit) const {
    for_each_scored_prefix(text, begin, [&](std::int32_t id, std::size_t length, double) { emit(id, length); });
  }

  /// As for_each_prefix(), with each piece's score (set_scores()): emit(id, length, score).
  template <typename Emit>
  void for_each_scored_prefix(std::string_view text, std::size_t begin, Emit&& emit) const {
    if (begin >= text.size()) return;
    std::uint32_t node = root_[static_cast<unsigned char>(text[begin])];
    for (std::size_t k = 1; node != kNone; ++k) {
      const Node& n = nodes_[node];
      if (n.id >= 0) emit(n.id, k, n.score);
      if (begin + k >= text.size() || n.child_count == 0) break;
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
  // Nodes with more children than this get a direct table.
  static constexpr std::uint32_t kDenseChildren = 8;
  struct Node {
    double score = 0;              ///< the piece's score (set_scores)
    std::int32_t id = -1;          ///< the piece ending here, or -1
    std::uint32_t first_child = 0; ///< children: nodes_[first_child, + child_count), by byte
    std::uint32_t table = kNone;   ///< with many children: its row of tables_
    std::uint16_t child_count = 0;
    unsigned char label = 0;       ///< the byte that leads here
  };

  std::uint32_t child(const Node& n, unsigned char c) const {
    if (n.table != kNone) return tables_[n.table][c];
    for (std::uint32_t k = 0; k < n.child_count; ++k) {
      const std::uint32_t i = n.first_child + k;
      if (nodes_[i].label == c) return i;
      if (nodes_[i].label > c) break;
    }
    return kNone;
  }

  /// Fills node `top`, which stands for pieces[lo, hi) (sharing their first `depth` bytes, its
  /// label the last of them), and all below it. Iterative: a hostile model's megabyte-long piece
  /// must not exhaust the stack.
  void build(const std::vector<std::pair<std::string, std::int32_t>>& pieces, std::uint32_t top, std::size_t lo,
             std::size_t hi) {
    struct Task {
      std::uint32_t node;
      std::size_t lo, hi, depth;
    };
    std::vector<Task> tasks{{top, lo, hi, 1}};
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    while (!tasks.empty()) {
      Task t = tasks.back();
      tasks.pop_back();
      if (pieces[t.lo].first.size() == t.depth) nodes_[t.node].id = pieces[t.lo++].second;  // sorts first
      // One child per distinct byte at `depth`, allocated together.
      runs.clear();
      for (std::size_t a = t.lo; a < t.hi;) {
        const auto c = static_cast<unsigned char>(pieces[a].first[t.depth]);
        std::size_t b = a;
        while (b < t.hi && static_cast<unsigned char>(pieces[b].first[t.depth]) == c) ++b;
        runs.emplace_back(a, b);
        a = b;
      }
      const auto first = static_cast<std::uint32_t>(nodes_.size());
      nodes_.resize(nodes_.size() + runs.size());
      nodes_[t.node].first_child = first;
      nodes_[t.node].child_count = static_cast<std::uint16_t>(runs.size());
      if (runs.size() > kDenseChildren) {
        nodes_[t.node].table = static_cast<std::uint32_t>(tables_.size());
        tables_.emplace_back();
        tables_.back().fill(kNone);
      }
      for (std::size_t k = 0; k < runs.size(); ++k) {
        const auto child_node = first + static_cast<std::uint32_t>(k);
        const auto c = static_cast<unsigned char>(pieces[runs[k].first].first[t.depth]);
        nodes_[child_node].label = c;
        if (nodes_[t.node].table != kNone) tables_[nodes_[t.node].table][c] = child_node;
        tasks.push_back({child_node, runs[k].first, runs[k].second, t.depth + 1});
      }
    }
  }

  std::array<std::uint32_t, 256> root_{};
  std::vector<Node> nodes_;
  std::vector<std::array<std::uint32_t, 256>> tables_;
  bool empty_ = true;
};

}  // namespace embedkit::tokenize
