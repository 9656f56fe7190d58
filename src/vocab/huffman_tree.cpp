#include "huffman_tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <queue>

#include "embedkit/core/error.h"

namespace embedkit::detail {

HuffmanTree::HuffmanTree(std::span<const std::uint64_t> counts) : words_(counts.size()) {
  EMBEDKIT_CHECK(words_ >= 2, ArgumentError, "hierarchical softmax needs at least two words");
  // Nodes 0..n-1 are leaves (words), n..2n-2 internal. Merge the two lightest (ties: lower node
  // number first, so the tree does not depend on the queue's internals).
  const std::size_t n = words_;
  std::vector<std::uint64_t> weight(2 * n - 1);
  std::vector<std::size_t> parent(2 * n - 1, 0);
  std::vector<std::uint8_t> branch(2 * n - 1, 0);
  std::copy(counts.begin(), counts.end(), weight.begin());
  using Item = std::pair<std::uint64_t, std::size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  for (std::size_t i = 0; i < n; ++i) queue.emplace(weight[i], i);
  for (std::size_t next = n; next < 2 * n - 1; ++next) {
    const auto [w1, a] = queue.top();
    queue.pop();
    const auto [w2, b] = queue.top();
    queue.pop();
    weight[next] = w1 + w2;
    parent[a] = next;
    parent[b] = next;
    branch[a] = 0;
    branch[b] = 1;
    queue.emplace(weight[next], next);
  }
  const std::size_t root = 2 * n - 2;
  starts_.reserve(n + 1);
  starts_.push_back(0);
  std::vector<std::uint32_t> points;
  std::vector<std::uint8_t> codes;
  for (std::size_t w = 0; w < n; ++w) {
    points.clear();
    codes.clear();
    for (std::size_t node = w; node != root; node = parent[node]) {
      codes.push_back(branch[node]);
      points.push_back(static_cast<std::uint32_t>(parent[node] - n));  // internal node index
    }
    std::reverse(points.begin(), points.end());
    std::reverse(codes.begin(), codes.end());
    points_.insert(points_.end(), points.begin(), points.end());
    codes_.insert(codes_.end(), codes.begin(), codes.end());
    starts_.push_back(points_.size());
  }
}

}  // namespace embedkit::detail
