// Which strings may be pieces: SentencePiece's rules for what a trainer may learn
// (TrainerInterface::IsValidSentencePiece), shared by the BPE and Unigram trainers. A piece is
// at most max_chars characters, holds "▁" only as its first character, mixes no Unicode
// scripts (digits, punctuation and symbols are one script of their own, Common), and with
// split_digits holds a digit only alone.
//
// The rules walk a piece left to right and never accept a string whose prefix they refuse,
// so a piece's PieceShape (a few bytes) is all they need to judge it joined to another:
//
//   PieceShape s = shape_of_char(U'a', rules);
//   bool ok = join_shapes(s, shape_of_char(U'1', rules), rules);  // false: Latin then Common
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace embedkit::tokenize {

/// Unicode scripts, coarsely: the scripts a corpus is likely to hold; any other letter counts
/// as one "other" script, everything unlisted as Common. As SentencePiece: Hiragana, Katakana
/// and "ー" count as Han; combining marks (Inherited) take the script of the character before.
enum Script : std::uint8_t {
  kAnyScript, kCommon, kInherited, kLatin, kGreek, kCyrillic, kArmenian, kHebrew, kArabic, kIndic,
  kThai, kLao, kTibetan, kMyanmar, kGeorgian, kHangul, kEthiopic, kKhmer, kMongolian, kHan, kOtherScript
};

[[nodiscard]] Script script_of(char32_t c);
[[nodiscard]] bool is_decimal_digit(char32_t c);

inline constexpr char32_t kWordBoundary = 0x2581;  // "▁", SentencePiece's word start

struct PieceRules {
  std::size_t max_chars = 16;
  /// No piece mixes scripts (SentencePiece's split_by_unicode_script, default on).
  bool split_by_script = true;
  /// Digits keep their script, Common, so they never join letters (SentencePiece's
  /// split_by_number, default on); off, a digit joins anything.
  bool split_by_number = true;
  bool split_digits = false;    ///< a digit only ever a piece alone
  bool boundary_first = true;   ///< "▁" only first (SentencePiece's split_by_whitespace); off: a plain character

  /// Only the length limit: Hugging Face's trainers (WordPiece, byte-level BPE).
  [[nodiscard]] static PieceRules length_only(std::size_t max_chars) { return {max_chars, false, false, false, false}; }
};

/// What the rules need to know of a valid piece to judge it joined to another.
struct PieceShape {
  std::uint32_t chars = 0;
  Script lead = kAnyScript;  ///< the first script that must agree with what comes before
  Script last = kAnyScript;  ///< the script the next character must agree with
  bool open_lead = false;    ///< a digit joining anything comes before `lead`: it agrees with anything
  bool boundary = false;     ///< holds "▁"
  bool digit = false;        ///< holds a digit
};

/// The shape of the one-character piece `c` (every single character is a valid piece).
[[nodiscard]] PieceShape shape_of_char(char32_t c, const PieceRules& rules);

/// Extends `left` by `right` (both valid pieces) when the joined string is a valid piece;
/// returns false and leaves `left` as it was otherwise. O(1); inline, as the trainers call it
/// for every substring or pair they count.
inline bool join_shapes(PieceShape& left, const PieceShape& right, const PieceRules& rules) {
  // SentencePiece's walk keeps the script of the last character that had one and refuses a
  // character of another. Before `right.lead` come only combining marks (which keep the walk's
  // script) and free digits (which clear it), and from `right.lead` on the walk over the joined
  // string is the walk over `right` alone; so `right` needs checking at its lead only.
  if (left.chars + right.chars > rules.max_chars) return false;
  if (rules.boundary_first && right.boundary) return false;
  if (rules.split_digits && (left.digit || right.digit)) return false;
  if (right.lead != kAnyScript && !right.open_lead && left.last != kAnyScript && left.last != right.lead) return false;
  const Script last = right.lead != kAnyScript ? right.last : right.open_lead ? kAnyScript : left.last;
  if (left.lead == kAnyScript) {
    left.lead = right.lead;
    left.open_lead = left.open_lead || right.open_lead;
  }
  left.last = last;
  left.chars += right.chars;
  left.boundary = left.boundary || right.boundary;
  left.digit = left.digit || right.digit;
  return true;
}

/// The shape of `piece` (UTF-8), or nullopt when it is not a valid piece (or is empty).
[[nodiscard]] std::optional<PieceShape> shape_of(std::string_view piece, const PieceRules& rules);

}  // namespace embedkit::tokenize
