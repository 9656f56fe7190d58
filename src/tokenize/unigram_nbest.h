// The n best segmentations of a Unigram language model, and random ones (subword
// regularization), over the same lattice best_segmentation() walks (unigram_lattice.h: pieces from
// a for_each_prefix callback, shortest first; an unknown node of one character where no
// one-character piece starts).
//
// best_segmentation() keeps only the best path into each position; these need every node, so
// UnigramLattice keeps them, indexed by character position as SentencePiece's Lattice is:
//   - nbest(): SentencePiece's A* (Lattice::NBest). A Viterbi pass from the start gives every node
//     the exact score of the best path into it, the heuristic; hypotheses grow from the end
//     towards the start, popped by (score so far from the end + that heuristic), so complete
//     paths come out best first. Node order, the heap, float sums and the agenda's pruning are
//     SentencePiece's, which makes the list, its order among equal scores and its scores theirs.
//   - sample(): forward filtering, backward sampling: alpha[pos] sums exp(theta * score) over
//     every path into pos, then from the end each step back picks the node that ends there with
//     probability alpha[node's begin] * exp(theta * node score) / alpha[here]. A whole path is
//     drawn with probability exp(theta * its score) / sum over paths (SentencePiece's
//     Lattice::Sample; summed here in double, in log space).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <queue>
#include <string_view>
#include <utility>
#include <vector>

#include "embedkit/core/random.h"
#include "tokenize/unigram_lattice.h"

namespace embedkit::tokenize {

/// One segmentation and its score (the sum of its pieces' scores).
template <typename Score>
struct ScoredPath {
  std::vector<LatticeNode> nodes;
  Score score;
};

/// A uniform double in [0, 1) with 53 random bits.
[[nodiscard]] inline double uniform_double(SplitMix64& rng) noexcept {
  return static_cast<double>(rng.next() >> 11U) * 0x1.0p-53;
}

/// Index drawn from `log_weights` (unnormalised log-probabilities; -inf for impossible ones).
[[nodiscard]] inline std::size_t draw_log_weighted(const std::vector<double>& log_weights, SplitMix64& rng) {
  double hi = -std::numeric_limits<double>::infinity();
  for (double w : log_weights) hi = std::max(hi, w);
  double total = 0;
  for (double w : log_weights) total += std::exp(w - hi);
  double u = uniform_double(rng) * total;
  std::size_t last = 0;
  for (std::size_t i = 0; i < log_weights.size(); ++i) {
    const double p = std::exp(log_weights[i] - hi);
    if (p <= 0) continue;
    last = i;
    if (u < p) return i;
    u -= p;
  }
  return last;  // rounding left u past the end: the last possible one
}

template <typename Score>
class UnigramLattice {
 public:
  struct Node {
    std::size_t begin;  ///< bytes
    std::size_t end;
    std::size_t begin_char;
    std::size_t end_char;
    std::int32_t id;
    Score score;
    Score backtrace = 0;  ///< score of the best path from the start through this node
  };

  /// The lattice of `text` (for_each_prefix as best_segmentation's).
  template <typename ForEachPrefix>
  UnigramLattice(std::string_view text, Score unk_score, ForEachPrefix&& for_each_prefix) {
    const std::size_t n = text.size();
    std::vector<std::size_t> char_of_byte(n + 1, 0);
    for (std::size_t pos = 0; pos < n;) {
      char_starts_.push_back(pos);
      const std::size_t length = utf8_char_length(static_cast<unsigned char>(text[pos]), n - pos);
      for (std::size_t k = 0; k < length; ++k) char_of_byte[pos + k] = char_starts_.size() - 1;
      pos += length;
    }
    char_starts_.push_back(n);
    char_of_byte[n] = char_starts_.size() - 1;
    const std::size_t chars = char_starts_.size() - 1;
    begin_nodes_.resize(chars + 1);
    end_nodes_.resize(chars + 1);
    // Node 0 is the start (BOS), node 1 the end (EOS), both of score 0, as SentencePiece's.
    nodes_.push_back({0, 0, 0, 0, kUnknownNode, Score{0}});
    end_nodes_[0].push_back(0);
    nodes_.push_back({n, n, chars, chars, kUnknownNode, Score{0}});
    begin_nodes_[chars].push_back(1);
    for (std::size_t c = 0; c < chars; ++c) {
      const std::size_t begin = char_starts_[c];
      bool one_char_piece = false;
      for_each_prefix(text, begin, [&](std::int32_t id, std::size_t length, Score score) {
        // A piece that ends inside a character reaches to that character's end (SentencePiece
        // counts the characters it touches); valid UTF-8 never does that.
        std::size_t end_char = char_of_byte[begin + length];
        if (char_starts_[end_char] < begin + length) ++end_char;
        insert(c, end_char, id, score);
        if (end_char == c + 1) one_char_piece = true;
      });
      if (!one_char_piece) insert(c, c + 1, kUnknownNode, unk_score);
    }
  }

  [[nodiscard]] std::size_t chars() const noexcept { return char_starts_.size() - 1; }

  /// SentencePiece's NBest: the `n` best paths (n >= 1), best first, each with its score summed
  /// from the end in Score arithmetic. Hypotheses are pruned as SentencePiece prunes them (when
  /// the agenda reaches 10000, it keeps its best min(512, 10 n)), so very long texts with many
  /// near-equal paths may return fewer than n or miss some, as there.
  [[nodiscard]] std::vector<ScoredPath<Score>> nbest(std::size_t n) {
    std::vector<ScoredPath<Score>> out;
    if (n == 0) return out;
    viterbi();
    struct Hypothesis {
      std::size_t node;
      std::size_t next;  // towards the end; kNone for the end node's hypothesis
      Score fx;          // priority: gx + the best score from the start to this node's begin
      Score gx;          // score of the nodes from this one to the end
    };
    constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::vector<Hypothesis> hyps;
    struct Less {
      const std::vector<Hypothesis>* hyps;
      bool operator()(std::size_t a, std::size_t b) const { return (*hyps)[a].fx < (*hyps)[b].fx; }
    };
    using Agenda = std::priority_queue<std::size_t, std::vector<std::size_t>, Less>;
    Agenda agenda(Less{&hyps});
    hyps.push_back({1, kNone, nodes_[1].backtrace, Score{0}});
    agenda.push(0);
    constexpr std::size_t kMaxAgenda = 10000;
    constexpr std::size_t kKeptAgenda = 512;
    while (!agenda.empty()) {
      const std::size_t top = agenda.top();
      agenda.pop();
      const std::size_t node = hyps[top].node;
      if (node == 0) {
        ScoredPath<Score> path{{}, hyps[top].fx};
        for (std::size_t h = hyps[top].next; hyps[h].next != kNone; h = hyps[h].next) {
          const Node& x = nodes_[hyps[h].node];
          path.nodes.push_back({x.begin, x.end, x.id});
        }
        out.push_back(std::move(path));
        if (out.size() == n) break;
        continue;
      }
      for (const std::size_t left : end_nodes_[nodes_[node].begin_char]) {
        const Score gx = hyps[top].gx;
        hyps.push_back({left, top, nodes_[left].backtrace + gx, nodes_[left].score + gx});
        agenda.push(hyps.size() - 1);
      }
      if (agenda.size() >= kMaxAgenda) {
        // Keep the best in pop order (their pushes rebuild SentencePiece's heap exactly), and
        // only the hypotheses they lead to, so memory stays bounded.
        const std::size_t keep = std::min(kKeptAgenda, n * 10);
        std::vector<Hypothesis> kept_hyps;
        std::vector<std::size_t> renamed(hyps.size(), kNone);
        std::vector<std::size_t> order;
        for (std::size_t i = 0; i < keep && !agenda.empty(); ++i) {
          order.push_back(agenda.top());
          agenda.pop();
        }
        auto rename = [&](std::size_t h) {
          // Copy the chain from h towards the end until a hypothesis already copied.
          std::vector<std::size_t> chain;
          for (std::size_t x = h; x != kNone && renamed[x] == kNone; x = hyps[x].next) chain.push_back(x);
          for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            Hypothesis copy = hyps[*it];
            if (copy.next != kNone) copy.next = renamed[copy.next];
            renamed[*it] = kept_hyps.size();
            kept_hyps.push_back(copy);
          }
          return renamed[h];
        };
        for (std::size_t& h : order) h = rename(h);
        hyps = std::move(kept_hyps);
        agenda = Agenda(Less{&hyps});
        for (const std::size_t h : order) agenda.push(h);
      }
    }
    return out;
  }

  /// One path drawn with probability proportional to exp(theta * its score) (see file comment).
  [[nodiscard]] std::vector<LatticeNode> sample(double theta, SplitMix64& rng) const {
    constexpr double kNone = -std::numeric_limits<double>::infinity();
    const std::size_t len = chars();
    if (len == 0) return {};
    // alpha[c]: log of the summed weight of all paths from the start to character position c.
    std::vector<double> alpha(len + 1, kNone);
    alpha[0] = 0;
    for (std::size_t c = 1; c <= len; ++c) {
      for (const std::size_t i : end_nodes_[c]) {
        const Node& x = nodes_[i];
        alpha[c] = lattice_log_add(alpha[c], alpha[x.begin_char] + theta * static_cast<double>(x.score));
      }
    }
    std::vector<LatticeNode> path;
    std::vector<double> weights;
    for (std::size_t c = len; c > 0;) {
      const std::vector<std::size_t>& ending = end_nodes_[c];
      weights.clear();
      for (const std::size_t i : ending) {
        weights.push_back(alpha[nodes_[i].begin_char] + theta * static_cast<double>(nodes_[i].score));
      }
      const Node& x = nodes_[ending[draw_log_weighted(weights, rng)]];
      path.push_back({x.begin, x.end, x.id});
      c = x.begin_char;
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

 private:
  void insert(std::size_t begin_char, std::size_t end_char, std::int32_t id, Score score) {
    nodes_.push_back({char_starts_[begin_char], char_starts_[end_char], begin_char, end_char, id, score});
    begin_nodes_[begin_char].push_back(nodes_.size() - 1);
    end_nodes_[end_char].push_back(nodes_.size() - 1);
  }

  // SentencePiece's Lattice::Viterbi, for the backtrace scores: every node gets the best of
  // (the nodes ending where it begins) + its score, the first of equals.
  void viterbi() {
    for (std::size_t c = 0; c <= chars(); ++c) {
      for (const std::size_t r : begin_nodes_[c]) {
        Score best = 0;
        bool found = false;
        for (const std::size_t l : end_nodes_[c]) {
          const Score score = nodes_[l].backtrace + nodes_[r].score;
          if (!found || score > best) {
            best = score;
            found = true;
          }
        }
        nodes_[r].backtrace = best;  // every position is reached: unknown nodes connect it
      }
    }
  }

  std::vector<std::size_t> char_starts_;  ///< byte offset of each character, then the text's size
  std::vector<Node> nodes_;
  std::vector<std::vector<std::size_t>> begin_nodes_;  ///< per character position, in insertion order
  std::vector<std::vector<std::size_t>> end_nodes_;
};

/// The `n` best of all combinations of independent segmentations (the words of a pre-tokenized
/// text, each with its n-best list of scores, best first): per combination, the index chosen in
/// each list, and the summed score; best first, ties in the order of the lists (earlier words'
/// better options first). O(words n log n): both the combinations so far and each list are sorted
/// best first, so the n best sums are found by a frontier of one candidate per combination.
template <typename Score>
[[nodiscard]] std::vector<std::pair<std::vector<std::size_t>, Score>> combine_nbest(
    const std::vector<std::vector<Score>>& lists, std::size_t n) {
  struct Entry {
    std::size_t parent;  // index into the previous layer
    std::size_t choice;  // index into this layer's list
    Score score;
  };
  std::vector<std::vector<Entry>> layers;
  std::vector<Entry> best{{0, 0, Score{0}}};
  for (const std::vector<Score>& list : lists) {
    std::vector<Entry> next;
    // Every (combination p, option k) in the order a stable sort by score of the p-major list of
    // all of them gives: the best score first, then the smaller p, then the smaller k.
    auto later = [](const Entry& a, const Entry& b) {
      if (a.score != b.score) return a.score < b.score;
      if (a.parent != b.parent) return a.parent > b.parent;
      return a.choice > b.choice;
    };
    std::vector<Entry> frontier;  // a heap: each combination's best option not yet taken
    if (!list.empty()) {
      for (std::size_t p = 0; p < best.size(); ++p) frontier.push_back({p, 0, best[p].score + list[0]});
    }
    std::make_heap(frontier.begin(), frontier.end(), later);
    while (!frontier.empty() && next.size() < n) {
      std::pop_heap(frontier.begin(), frontier.end(), later);
      const Entry e = frontier.back();
      frontier.pop_back();
      next.push_back(e);
      if (e.choice + 1 < list.size()) {
        frontier.push_back({e.parent, e.choice + 1, best[e.parent].score + list[e.choice + 1]});
        std::push_heap(frontier.begin(), frontier.end(), later);
      }
    }
    layers.push_back(next);
    best = std::move(next);
  }
  std::vector<std::pair<std::vector<std::size_t>, Score>> out;
  for (std::size_t i = 0; i < best.size(); ++i) {
    std::vector<std::size_t> choice(layers.size());
    std::size_t at = i;
    for (std::size_t layer = layers.size(); layer-- > 0;) {
      choice[layer] = layers[layer][at].choice;
      at = layers[layer][at].parent;
    }
    out.emplace_back(std::move(choice), best[i].score);
  }
  return out;
}

}  // namespace embedkit::tokenize
