// The Viterbi segmentation of a Unigram language model, shared by SentencePiece's Unigram and
// Hugging Face's: the best path through every way of cutting `text` into vocabulary pieces.
//
// Both libraries walk byte positions in order, try every piece that starts at a character
// boundary (shortest first), and keep a candidate only when it is *strictly* better, so the first
// of equal paths wins; where no one-character piece starts at a position, an unknown node of one
// character with score `unk_score` keeps the lattice connected. They differ only in the type of
// the running score (SentencePiece float, Hugging Face double), hence the template, and in one
// detail of SentencePiece's arithmetic: a piece's score reaches the sum as a double (its
// user-defined bonus is a double expression), so the candidate path is compared unrounded and
// only stored as float; PieceScore = double reproduces that (the unknown node's sum stays float).
//
// lattice_marginals() walks the same lattice (same pieces, same unknown nodes) forward and
// backward: the probability of every node over all segmentations, what EM training needs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

namespace embedkit::tokenize {

/// One piece of the best path: [begin, end) bytes of the text and its id (kUnknownNode: unknown).
struct LatticeNode {
  std::size_t begin;
  std::size_t end;
  std::int32_t id;
};

inline constexpr std::int32_t kUnknownNode = -1;

/// Length of the UTF-8 character whose lead byte is `lead`, clipped to `remaining` (SentencePiece's
/// OneCharLen: a stray continuation byte counts as one).
[[nodiscard]] inline std::size_t utf8_char_length(unsigned char lead, std::size_t remaining) noexcept {
  std::size_t n = 1;
  if (lead >= 0xF0) n = 4;
  else if (lead >= 0xE0) n = 3;
  else if (lead >= 0xC0) n = 2;
  return n < remaining ? n : remaining;
}

/// How close the best path came to a tie, from best_segmentation(): what tells whether the same
/// path is still the best when the text is walked from another starting score. The walk keeps
/// its running score in a float type, so adding a constant to every path changes the rounding
/// and can flip a choice between two paths whose scores differ by less than the rounding error.
struct PathMargin {
  /// The smallest gap, over the nodes of the best path, between the score that won at the node's
  /// end and the best other candidate there (infinity with no other candidate; 0 for a tie).
  double smallest_gap = std::numeric_limits<double>::infinity();
  double largest_magnitude = 0;  ///< the largest |running score| at any byte of the walk
  double end_score = 0;          ///< the best path's score
  std::size_t characters = 0;    ///< characters walked (the most roundings on any path)
};

/// The best segmentation of `text`. `for_each_prefix(text, begin, emit)` must call
/// emit(id, byte_length, score) for every vocabulary piece that is a prefix of text[begin..],
/// in increasing length, with `score` a PieceScore. Consecutive unknown nodes are returned as
/// they are (callers fuse them). With `margin`, also reports how near the path came to a tie.
template <typename Score, typename PieceScore = Score, typename ForEachPrefix>
[[nodiscard]] std::vector<LatticeNode> best_segmentation(std::string_view text, Score unk_score,
                                                         ForEachPrefix&& for_each_prefix,
                                                         PathMargin* margin = nullptr) {
  struct Best {
    Score score = 0;
    std::size_t begin = 0;
    std::int32_t id = kUnknownNode;
    bool reached = false;
    double runner_up = -std::numeric_limits<double>::infinity();  // the best candidate that lost
  };
  const std::size_t n = text.size();
  if (n == 0) return {};
  // The start is reached with score 0 (its entry's defaults but `reached`). The array is the
  // thread's, reused: most texts are words, walked by the million.
  thread_local std::vector<Best> best;
  best.assign(n + 1, Best{});
  best.front().reached = true;
  auto offer = [&](Best& target, auto candidate, std::size_t begin, std::int32_t id) {
    if (!target.reached || candidate > target.score) {
      if (target.reached) target.runner_up = std::max(target.runner_up, static_cast<double>(target.score));
      target.score = static_cast<Score>(candidate);
      target.begin = begin;
      target.id = id;
      target.reached = true;
    } else {
      target.runner_up = std::max(target.runner_up, static_cast<double>(candidate));
    }
  };
  std::size_t characters = 0;
  for (std::size_t begin = 0; begin < n; ++characters) {
    const std::size_t char_length = utf8_char_length(static_cast<unsigned char>(text[begin]), n - begin);
    const Score here = best[begin].score;
    bool one_char_piece = false;
    for_each_prefix(text, begin, [&](std::int32_t id, std::size_t length, PieceScore score) {
      offer(best[begin + length], here + score, begin, id);  // the sum in the wider of the two types
      if (length == char_length) one_char_piece = true;
    });
    if (!one_char_piece) offer(best[begin + char_length], static_cast<Score>(here + unk_score), begin, kUnknownNode);
    begin += char_length;
  }
  std::vector<LatticeNode> path;
  for (std::size_t end = n; end > 0;) {
    const Best& b = best[end];
    path.push_back({b.begin, end, b.id});
    if (margin != nullptr) margin->smallest_gap = std::min(margin->smallest_gap, static_cast<double>(b.score) - b.runner_up);
    end = b.begin;
  }
  std::reverse(path.begin(), path.end());
  if (margin != nullptr) {
    for (const Best& b : best) {
      if (b.reached) margin->largest_magnitude = std::max(margin->largest_magnitude, std::abs(static_cast<double>(b.score)));
    }
    margin->end_score = static_cast<double>(best[n].score);
    margin->characters = characters;
  }
  if (best.capacity() > (std::size_t{1} << 16)) best = {};  // a long text's array is not kept
  return path;
}

/// Reusable buffers of lattice_marginals (one per thread, so that a call allocates nothing).
struct LatticeScratch {
  struct Node {
    std::size_t begin;
    std::size_t end;
    std::int32_t id;
    double score;
  };
  std::vector<Node> nodes;   ///< the lattice, in order of begin (then length)
  std::vector<double> alpha;  ///< summed probability of the paths ending at a byte (or its log)
  std::vector<double> beta;   ///< summed probability of the paths starting at a byte (or its log)
};

/// log(exp(a) + exp(b)), with -infinity as the empty sum.
[[nodiscard]] inline double lattice_log_add(double a, double b) noexcept {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(-std::abs(a - b)));
}

/// Forward-backward over `scratch.nodes` of a text of `n` bytes in probabilities: one exp per
/// node. Only for lattices whose every path scores above exp(-700) (no underflow).
template <typename OnNode>
double lattice_marginals_linear(std::size_t n, OnNode&& on_node, LatticeScratch& scratch) {
  auto& nodes = scratch.nodes;
  auto& alpha = scratch.alpha;
  auto& beta = scratch.beta;
  alpha.assign(n + 1, 0.0);
  beta.assign(n + 1, 0.0);
  alpha[0] = 1;
  for (LatticeScratch::Node& node : nodes) {
    node.score = std::exp(node.score);  // from here on, the node's probability
    alpha[node.end] += alpha[node.begin] * node.score;
  }
  // Nodes are in order of their begin, so in reverse every node's end is final before it is read.
  beta[n] = 1;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) beta[it->begin] += it->score * beta[it->end];
  const double inverse_z = 1 / alpha[n];
  for (const LatticeScratch::Node& node : nodes)
    if (node.id != kUnknownNode) on_node(node.id, alpha[node.begin] * node.score * beta[node.end] * inverse_z);
  return std::log(alpha[n]);
}

/// The same in log space, for any scores (three exp/log per node).
template <typename OnNode>
double lattice_marginals_log(std::size_t n, OnNode&& on_node, LatticeScratch& scratch) {
  constexpr double kNone = -std::numeric_limits<double>::infinity();
  auto& nodes = scratch.nodes;
  auto& alpha = scratch.alpha;
  auto& beta = scratch.beta;
  alpha.assign(n + 1, kNone);
  beta.assign(n + 1, kNone);
  alpha[0] = 0;
  for (const LatticeScratch::Node& node : nodes)
    alpha[node.end] = lattice_log_add(alpha[node.end], alpha[node.begin] + node.score);
  // Nodes are in order of their begin, so in reverse every node's end is final before it is read.
  beta[n] = 0;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
    beta[it->begin] = lattice_log_add(beta[it->begin], it->score + beta[it->end]);
  const double log_z = alpha[n];
  for (const LatticeScratch::Node& node : nodes)
    if (node.id != kUnknownNode) on_node(node.id, std::exp(alpha[node.begin] + node.score + beta[node.end] - log_z));
  return log_z;
}

/// Forward-backward over the lattice best_segmentation() walks (`for_each_prefix` as there; the
/// scores are log-probabilities): calls on_node(id, probability) for every piece node (not the
/// unknown ones) with the probability that a segmentation drawn from the model passes through
/// it, and returns the log of the summed probability of all segmentations (the text's
/// log-likelihood). O(nodes) time, no allocation once `scratch` has grown. Lattices whose paths
/// cannot underflow a double (characters x lowest score > -700) are summed in probabilities
/// (one exp per node), the others in log space.
template <typename ForEachPrefix, typename OnNode>
double lattice_marginals(std::string_view text, double unk_score, ForEachPrefix&& for_each_prefix, OnNode&& on_node,
                         LatticeScratch& scratch) {
  const std::size_t n = text.size();
  auto& nodes = scratch.nodes;
  nodes.clear();
  double lowest = 0;
  std::size_t chars = 0;
  for (std::size_t begin = 0; begin < n; ++chars) {
    const std::size_t char_length = utf8_char_length(static_cast<unsigned char>(text[begin]), n - begin);
    bool one_char_piece = false;
    for_each_prefix(text, begin, [&](std::int32_t id, std::size_t length, double score) {
      nodes.push_back({begin, begin + length, id, score});
      lowest = std::min(lowest, score);
      if (length == char_length) one_char_piece = true;
    });
    if (!one_char_piece) {
      nodes.push_back({begin, begin + char_length, kUnknownNode, unk_score});
      lowest = std::min(lowest, unk_score);
    }
    begin += char_length;
  }
  // A path has at most one node per character, so it scores at least chars x lowest.
  if (static_cast<double>(chars) * lowest > -700.0) return lattice_marginals_linear(n, on_node, scratch);
  return lattice_marginals_log(n, on_node, scratch);
}

}  // namespace embedkit::tokenize
