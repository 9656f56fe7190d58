// The merge loop of byte-pair encoding, shared by Hugging Face's BPE (a pair merges by its rank in
// the merges list) and SentencePiece's (a pair merges when the two pieces joined are a piece, by
// that piece's score): repeatedly join the adjacent pair with the best priority, the left-most
// one on ties, until no adjacent pair may merge.
//
// Like both libraries it keeps a heap of candidate pairs and drops a popped pair whose symbols
// changed since it was pushed (a symbol only ever grows, so a changed length means changed
// content): O(n log n) for a word of n symbols instead of a rescan after every merge.
//
// BPE-dropout (MergeDropout) skips merges at random, each library its own way (see there).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

#include "embedkit/core/random.h"

namespace embedkit::tokenize {

/// One symbol of a word being merged: bytes [begin, begin + length) of the word, and its id.
struct MergeSymbol {
  std::size_t begin;
  std::size_t length;
  std::int32_t id;
  bool frozen = false;  ///< never merged (SentencePiece's user-defined pieces)
};

/// What may become of an adjacent pair: the merged symbol's id, and a priority (lower merges first).
template <typename Priority>
struct MergeCandidate {
  Priority priority;
  std::int32_t id;
};

/// BPE-dropout (Provilkov et al. 2020): each merge is skipped with probability `probability`.
struct MergeDropout {
  double probability;
  SplitMix64* rng;
  /// false, SentencePiece's: a valid pair is skipped after it is popped, and is gone (a
  /// neighbour's merge may offer its symbols again as a new pair). true, Hugging Face's
  /// (word.rs merge_all): every popped pair draws, stale or not; a skipped one waits aside and
  /// returns to the agenda at the next pop that does not skip.
  bool retry_skipped = false;

  [[nodiscard]] bool skip() const noexcept {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return static_cast<double>(rng->next() >> 11U) * 0x1.0p-53 < probability;
  }
};

namespace detail {

// Words this short merge without a heap or any allocation: each adjacent pair's candidate is kept
// beside it and the best is found by a scan, which picks the same pair as the heap does (the best
// priority, then the left-most) in fewer steps than the heap costs at these sizes.
inline constexpr std::size_t kShortWord = 32;

template <typename Priority, typename CandidateOf>
void merge_short_word(std::vector<MergeSymbol>& symbols, CandidateOf&& candidate) {
  const std::size_t n = symbols.size();
  constexpr std::uint8_t kNone = 0xFF;
  std::array<std::uint8_t, kShortWord> next{};
  std::array<std::uint8_t, kShortWord> prev{};
  std::array<std::optional<MergeCandidate<Priority>>, kShortWord> pair{};  // symbol i with next[i]
  auto rate = [&](std::size_t left) {
    const std::uint8_t right = next[left];
    pair[left].reset();
    if (right == kNone || symbols[left].frozen || symbols[right].frozen) return;
    pair[left] = candidate(symbols[left], symbols[right]);
  };
  for (std::size_t i = 0; i < n; ++i) {
    prev[i] = i == 0 ? kNone : static_cast<std::uint8_t>(i - 1);
    next[i] = i + 1 == n ? kNone : static_cast<std::uint8_t>(i + 1);
  }
  for (std::size_t i = 0; i + 1 < n; ++i) rate(i);
  for (;;) {
    std::size_t best = kNone;
    for (std::size_t i = 0; i < n; ++i) {
      if (pair[i] && (best == kNone || pair[i]->priority < pair[best]->priority)) best = i;
    }
    if (best == kNone) break;
    const std::uint8_t right = next[best];
    symbols[best].length += symbols[right].length;
    symbols[best].id = pair[best]->id;
    symbols[right].length = 0;
    pair[right].reset();
    next[best] = next[right];
    if (next[right] != kNone) prev[next[right]] = static_cast<std::uint8_t>(best);
    // In the heap's order of offering (SentencePiece's unused pieces remember the last offer).
    if (prev[best] != kNone) rate(prev[best]);
    rate(best);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (symbols[i].length != 0) symbols[kept++] = symbols[i];
  }
  symbols.resize(kept);
}

}  // namespace detail

/// Merges `symbols` in place (see file comment). `candidate(left, right)` returns the merge of two
/// adjacent symbols, or nullopt when they may not merge. Frozen symbols are never offered.
/// `dropout`, when given, skips merges at random.
template <typename Priority, typename CandidateOf>
void merge_symbols(std::vector<MergeSymbol>& symbols, CandidateOf&& candidate, const MergeDropout* dropout = nullptr) {
  const std::size_t n = symbols.size();
  if (n < 2) return;
  if (dropout == nullptr && n <= detail::kShortWord) {
    detail::merge_short_word<Priority>(symbols, candidate);
    return;
  }
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> prev(n), next(n);
  for (std::size_t i = 0; i < n; ++i) {
    prev[i] = i == 0 ? kNone : i - 1;
    next[i] = i + 1 == n ? kNone : i + 1;
  }
  struct Entry {
    Priority priority;
    std::size_t left;
    std::size_t right;
    std::size_t left_length;
    std::size_t right_length;
    std::int32_t id;
  };
  // std::priority_queue pops the greatest: "greater" = worse priority, then the right-most pair.
  auto worse = [](const Entry& a, const Entry& b) {
    if (a.priority != b.priority) return b.priority < a.priority;
    return b.left < a.left;
  };
  std::priority_queue<Entry, std::vector<Entry>, decltype(worse)> agenda(worse);
  auto offer = [&](std::size_t left, std::size_t right) {
    if (left == kNone || right == kNone) return;
    const MergeSymbol& l = symbols[left];
    const MergeSymbol& r = symbols[right];
    if (l.frozen || r.frozen) return;
    if (std::optional<MergeCandidate<Priority>> c = candidate(l, r)) {
      agenda.push({c->priority, left, right, l.length, r.length, c->id});
    }
  };
  for (std::size_t i = 0; i + 1 < n; ++i) offer(i, i + 1);
  std::vector<Entry> aside;  // pairs Hugging Face's dropout skipped, until the next pop it keeps
  while (!agenda.empty()) {
    const Entry top = agenda.top();
    agenda.pop();
    if (dropout && dropout->retry_skipped) {
      if (dropout->skip()) {
        aside.push_back(top);
        continue;
      }
      for (const Entry& e : aside) agenda.push(e);
      aside.clear();
    }
    MergeSymbol& left = symbols[top.left];
    MergeSymbol& right = symbols[top.right];
    if (left.length != top.left_length || right.length != top.right_length || next[top.left] != top.right) {
      continue;  // stale: one side merged since the pair was offered
    }
    if (dropout && !dropout->retry_skipped && dropout->skip()) continue;
    left.length += right.length;
    left.id = top.id;
    right.length = 0;
    next[top.left] = next[top.right];
    if (next[top.right] != kNone) prev[next[top.right]] = top.left;
    offer(prev[top.left], top.left);
    offer(top.left, next[top.left]);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (symbols[i].length != 0) symbols[kept++] = symbols[i];
  }
  symbols.resize(kept);
}

}  // namespace embedkit::tokenize
