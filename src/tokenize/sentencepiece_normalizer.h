// SentencePiece's normaliser: the compiled rules of a `.model` (precompiled_charsmap) and the
// walk that applies them, with the byte map back to the original text that offsets need.
//
//   SentencePieceNormalizer n(model.normalizer_spec, model.trainer_spec.treat_whitespace_as_suffix,
//                             user_defined_pieces, "spm.model");
//   SpmNormalizedText t = n.normalize("  Ｈｅｌｌｏ  world ");
//   t.text;          // "▁Hello▁world" (nmt_nfkc)
//   t.norm_to_orig;  // t.text[i] came from the original bytes starting at norm_to_orig[i]
//
// The charsmap blob: uint32 little-endian `trie_size`, then trie_size bytes of Darts-clone
// double-array units (uint32 LE each), then the replacement strings, each ended by a NUL. A key
// (source string) found in the trie has as value the offset of its replacement. A unit `u`:
// has_leaf = bit 8; value = u & 0x7FFFFFFF (of the leaf unit); label = u & 0x800000FF (bit 31
// is set on leaf units so that they never match a byte); offset = (u >> 10) << ((u & 0x200) >> 6).
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenize/piece_prefix_index.h"
#include "tokenize/sentencepiece_model.h"

namespace embedkit::tokenize {

/// U+2581 "▁", which SentencePiece writes for a space.
inline constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81";

/// The compiled normalisation rules: source strings -> replacements, found by longest match.
class PrecompiledCharsMap {
 public:
  /// No rules: every lookup misses (the "identity" rule, an empty blob).
  PrecompiledCharsMap() = default;

  /// Reads and validates `blob`: sizes, then every unit reachable from the root (in bounds, a
  /// leaf's value inside the replacement strings), so that lookups never leave the arrays.
  /// An empty blob gives no rules. Throws FormatError naming `name`.
  [[nodiscard]] static PrecompiledCharsMap parse(std::string_view blob, const std::string& name);

  struct Match {
    std::string_view replacement;  ///< may be empty: the source is deleted
    std::size_t length;            ///< bytes of the input it replaces (>= 1)
  };
  /// The longest rule whose source is a prefix of `input` (SentencePiece considers the first 32
  /// matches, shortest first, as its fixed-size result buffer does). O(length of the match).
  [[nodiscard]] std::optional<Match> longest_match(std::string_view input) const noexcept;

  [[nodiscard]] bool empty() const noexcept { return units_.empty(); }
  /// Whether some rule's source starts with byte `c` (else a text starting with c matches none).
  [[nodiscard]] bool may_match(unsigned char c) const noexcept;
  /// Whether some rule's source starts with `prefix` (is it, or continues it).
  [[nodiscard]] bool starts_a_rule(std::string_view prefix) const noexcept;

 private:
  std::vector<std::uint32_t> units_;
  std::string replacements_;
};

/// Normalised text and, per byte of it, where it came from in the original.
struct SpmNormalizedText {
  std::string text;
  /// size text.size() + 1: a piece covering normalised bytes [b, e) covers original bytes
  /// [norm_to_orig[b], norm_to_orig[e]).
  std::vector<std::size_t> norm_to_orig;
};

/// SentencePiece's Normalizer::Normalize, byte for byte (see file comment).
class SentencePieceNormalizer {
 public:
  // ascii_alone_ holds views into charsmap_'s strings: it stays where it was made.
  SentencePieceNormalizer(const SentencePieceNormalizer&) = delete;
  SentencePieceNormalizer& operator=(const SentencePieceNormalizer&) = delete;
  /// `user_defined` are the model's USER_DEFINED pieces, which the walk copies unchanged (the
  /// longest one that starts at a position wins over the rules). Throws FormatError (charsmap).
  SentencePieceNormalizer(const SentencePieceNormalizerSpec& spec, bool treat_whitespace_as_suffix,
                          const std::vector<std::string>& user_defined, const std::string& name);

  /// Normalises `input` (any bytes: ill-formed UTF-8 becomes U+FFFD, one per byte). Rules apply
  /// by longest match at each position; with remove_extra_whitespaces, leading, trailing and
  /// repeated spaces go; with escape_whitespaces, ' ' becomes U+2581 "▁"; add_dummy_prefix puts
  /// one "▁" in front (or at the end with treat_whitespace_as_suffix). Thread-safe.
  [[nodiscard]] SpmNormalizedText normalize(std::string_view input) const;

 private:
  struct Prefix {
    std::string_view replacement;
    std::size_t consumed;
  };
  [[nodiscard]] Prefix normalize_prefix(std::string_view input) const;

  PrecompiledCharsMap charsmap_;
  PiecePrefixIndex user_defined_;
  /// Whether ASCII byte `c` followed by byte `next` (or by nothing) normalises to itself alone:
  /// no user-defined piece starts with it, no rule maps it, and no longer rule continues it with
  /// `next`. Text is mostly such bytes; normalize() copies their runs at once.
  [[nodiscard]] bool ascii_unchanged(std::string_view input, std::size_t i) const noexcept {
    const auto c = static_cast<unsigned char>(input[i]);
    if (c >= 0x80 || !ascii_kept_[c]) return false;
    return i + 1 == input.size() || !ascii_continued_[c][static_cast<unsigned char>(input[i + 1])];
  }

  /// Whether ASCII byte input[i] followed by input[i + 1] (or by nothing) is replaced by its own
  /// rule alone (ascii_alone_): no user-defined piece starts with it and no longer rule
  /// continues it with the next byte.
  [[nodiscard]] bool ascii_by_itself(std::string_view input, std::size_t i) const noexcept {
    const auto c = static_cast<unsigned char>(input[i]);
    if (c >= 0x80 || user_defined_.starts_any(c)) return false;
    return i + 1 == input.size() || !ascii_continued_[c][static_cast<unsigned char>(input[i + 1])];
  }

  /// See ascii_unchanged(): the ASCII bytes that are themselves when no longer rule applies
  /// (and are not ' ', which the whitespace handling rewrites) ...
  std::array<bool, 128> ascii_kept_{};
  /// ... and, per ASCII byte, the next bytes with which some rule's source begins.
  std::array<std::bitset<256>, 128> ascii_continued_{};
  /// What each ASCII byte becomes by itself (its one-byte rule's replacement, or the byte).
  std::array<std::string_view, 128> ascii_alone_{};
  bool add_dummy_prefix_;
  bool remove_extra_whitespaces_;
  bool escape_whitespaces_;
  bool treat_whitespace_as_suffix_;
};

}  // namespace embedkit::tokenize
