// Text under normalization that remembers, for every byte, where it came from: the alignment
// Hugging Face's tokenizers keep (its NormalizedString), so that a token found in normalized text
// gets the offsets of the original characters it came from.
//
// Every normalizer is expressed through one primitive, transform(): a stream of (character,
// change) where change 0 means "replaces the next old character", +1 "is inserted after the
// previous one" and -N "replaces the next old character and removes N more". That is the rule the
// library applies, so offsets come out as it computes them, quirks included (an inserted
// character takes the alignment of the character before it; a replacement of several characters
// the alignment of the last one's bytes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embedkit::tokenize {

/// One output character of a transform and how it relates to the old ones (see file comment).
struct CharChange {
  char32_t code_point;
  int change;
  std::size_t skip = 0;  ///< old characters dropped just before this one (a replaced match)
};

/// [begin, end) bytes of the original text.
using Span = std::pair<std::size_t, std::size_t>;

class NormalizedText {
 public:
  NormalizedText() = default;
  /// `text` (valid UTF-8) as found at byte `origin` of the original: each byte aligned to its
  /// character's bytes.
  NormalizedText(std::string_view text, std::size_t origin);

  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] bool empty() const noexcept { return text_.empty(); }
  [[nodiscard]] std::size_t origin() const noexcept { return origin_; }
  [[nodiscard]] const std::vector<Span>& alignments() const noexcept { return alignments_; }

  /// Replaces the text by `changes` (see file comment); `removed_at_start` characters of the old
  /// text are dropped before the first change, and old characters left after the last are dropped.
  void transform(const std::vector<CharChange>& changes, std::size_t removed_at_start = 0);

  /// Replaces the text by `text` of the same byte length where every character has the byte
  /// length of the one it replaces: alignments stay as they are (every byte of a character shares
  /// its alignment, so this is what transform() with changes of 0 would compute, without its cost).
  void replace_same_shape(std::string text);

  /// The original span of normalized bytes [begin, end): the first byte's start to the last
  /// byte's end. An empty range maps to {origin + begin} as the library returns it.
  [[nodiscard]] Span original_span(std::size_t begin, std::size_t end) const;

  /// The part of this text in normalized bytes [begin, end), keeping its alignments.
  [[nodiscard]] NormalizedText slice(std::size_t begin, std::size_t end) const;

 private:
  std::string text_;
  std::vector<Span> alignments_;  ///< one per byte of text_
  std::size_t origin_ = 0;         ///< original offset of this piece's start (for insertions at 0)
};

/// The code points of valid UTF-8 `text`.
[[nodiscard]] std::u32string decode_code_points(std::string_view text);

}  // namespace embedkit::tokenize
