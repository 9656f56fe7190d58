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
#pragma once

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

/// The best segmentation of `text`. `for_each_prefix(text, begin, emit)` must call
/// emit(id, byte_length, score) for every vocabulary piece that is a prefix of text[begin..],
/// in increasing length, with `score` a PieceScore. Consecutive unknown nodes are returned as
/// they are (callers fuse them).
template <typename Score, typename PieceScore = Score, typename ForEachPrefix>
[[nodiscard]] std::vector<LatticeNode> best_segmentation(std::string_view text, Score unk_score,
                                                         ForEachPrefix&& for_each_prefix) {
  struct Best {
    Score score = 0;
    std::size_t begin = 0;
    std::int32_t id = kUnknownNode;
    bool reached = false;
  };
  const std::size_t n = text.size();
  std::vector<Best> best(n + 1);
  best[0].reached = true;
  for (std::size_t begin = 0; begin < n;) {
    const std::size_t char_length = utf8_char_length(static_cast<unsigned char>(text[begin]), n - begin);
    const Score here = best[begin].score;
    bool one_char_piece = false;
    for_each_prefix(text, begin, [&](std::int32_t id, std::size_t length, PieceScore score) {
      Best& target = best[begin + length];
      const auto candidate = here + score;  // in the wider of Score and PieceScore
      if (!target.reached || candidate > target.score) {
        target = {static_cast<Score>(candidate), begin, id, true};
      }
      if (length == char_length) one_char_piece = true;
    });
    if (!one_char_piece) {
      Best& target = best[begin + char_length];
      const Score candidate = static_cast<Score>(here + unk_score);
      if (!target.reached || candidate > target.score) target = {candidate, begin, kUnknownNode, true};
    }
    begin += char_length;
  }
  std::vector<LatticeNode> path;
  for (std::size_t end = n; end > 0;) {
    const Best& b = best[end];
    path.push_back({b.begin, end, b.id});
    end = b.begin;
  }
  return {path.rbegin(), path.rend()};
}

}  // namespace embedkit::tokenize
