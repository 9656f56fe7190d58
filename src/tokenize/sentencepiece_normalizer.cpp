#include "tokenize/sentencepiece_normalizer.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

namespace embedkit::tokenize {
namespace {

// Darts-clone unit fields (see the header).
constexpr bool unit_has_leaf(std::uint32_t u) noexcept { return ((u >> 8U) & 1U) != 0; }
constexpr std::uint32_t unit_value(std::uint32_t u) noexcept { return u & 0x7FFFFFFFU; }
constexpr std::uint32_t unit_label(std::uint32_t u) noexcept { return u & 0x800000FFU; }
constexpr std::size_t unit_offset(std::uint32_t u) noexcept { return (u >> 10U) << ((u & (1U << 9U)) >> 6U); }

// Every ASCII byte, for views of one.
constexpr std::string_view kAsciiBytes{
    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
    "\x1b\x1c\x1d\x1e\x1f !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\x7f",
    128};

// SentencePiece's commonPrefixSearch writes at most this many results.
constexpr std::size_t kMaxCharsMapResults = 32;

}  // namespace

PrecompiledCharsMap PrecompiledCharsMap::parse(std::string_view blob, const std::string& name) {
  PrecompiledCharsMap map;
  if (blob.empty()) return map;
  EMBEDKIT_CHECK(blob.size() > 4, FormatError,
                 fmt::format("{}: precompiled_charsmap of {} bytes is too short for its header", name, blob.size()));
  std::uint32_t trie_size = 0;
  for (int i = 3; i >= 0; --i) trie_size = (trie_size << 8U) | static_cast<unsigned char>(blob[static_cast<std::size_t>(i)]);
  EMBEDKIT_CHECK(trie_size <= blob.size() - 4, FormatError,
                 fmt::format("{}: precompiled_charsmap says its trie has {} bytes but only {} follow", name, trie_size,
                             blob.size() - 4));
  const std::size_t unit_count = trie_size / 4;
  EMBEDKIT_CHECK(unit_count > 0, FormatError, fmt::format("{}: precompiled_charsmap has an empty trie", name));
  map.units_.resize(unit_count);
  for (std::size_t i = 0; i < unit_count; ++i) {
    const std::size_t at = 4 + 4 * i;
    map.units_[i] = static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at])) |
                    static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at + 1])) << 8U |
                    static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at + 2])) << 16U |
                    static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at + 3])) << 24U;
  }
  map.replacements_.assign(blob.substr(4 + std::size_t{trie_size}));

  // Walk every node a lookup can reach (from the root, by any byte) and check what a lookup
  // would read there. A hostile array may point back at visited nodes: each is checked once.
  const std::vector<std::uint32_t>& units = map.units_;
  std::vector<bool> visited(unit_count, false);
  std::vector<std::size_t> stack{0};
  visited[0] = true;
  while (!stack.empty()) {
    const std::size_t node = stack.back();
    stack.pop_back();
    const std::size_t base = node ^ unit_offset(units[node]);
    // The root's own leaf bit is never read by a lookup.
    if (node != 0 && unit_has_leaf(units[node])) {
      EMBEDKIT_CHECK(base < unit_count, FormatError,
                     fmt::format("{}: precompiled_charsmap unit {} points outside the trie ({} of {} units)", name, node,
                                 base, unit_count));
      const std::uint32_t value = unit_value(units[base]);
      EMBEDKIT_CHECK(value <= map.replacements_.size(), FormatError,
                     fmt::format("{}: precompiled_charsmap rule at unit {} points at byte {} of {} bytes of "
                                 "replacements",
                                 name, node, value, map.replacements_.size()));
    }
    for (std::size_t c = 0; c < 256; ++c) {
      const std::size_t child = base ^ c;
      if (child < unit_count && unit_label(units[child]) == c && !visited[child]) {
        visited[child] = true;
        stack.push_back(child);
      }
    }
  }
  return map;
}

std::optional<PrecompiledCharsMap::Match> PrecompiledCharsMap::longest_match(std::string_view input) const noexcept {
  if (units_.empty()) return std::nullopt;
  std::optional<Match> longest;
  std::size_t matches = 0;
  std::size_t pos = unit_offset(units_[0]);
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto c = static_cast<unsigned char>(input[i]);
    pos ^= c;
    if (pos >= units_.size() || unit_label(units_[pos]) != c) break;
    const std::uint32_t unit = units_[pos];
    pos ^= unit_offset(unit);
    if (unit_has_leaf(unit)) {
      // parse() checked every reachable leaf; these guards only keep the lookup total.
      if (pos >= units_.size()) break;
      if (matches++ >= kMaxCharsMapResults) continue;
      const std::size_t value = unit_value(units_[pos]);
      if (value > replacements_.size()) break;
      std::string_view replacement = std::string_view(replacements_).substr(value);
      replacement = replacement.substr(0, replacement.find('\0'));
      longest = Match{replacement, i + 1};
    }
  }
  return longest;
}

SentencePieceNormalizer::SentencePieceNormalizer(const SentencePieceNormalizerSpec& spec,
                                                 bool treat_whitespace_as_suffix,
                                                 const std::vector<std::string>& user_defined,
                                                 const std::string& name)
    : charsmap_(PrecompiledCharsMap::parse(spec.precompiled_charsmap, name)),
      add_dummy_prefix_(spec.add_dummy_prefix),
      remove_extra_whitespaces_(spec.remove_extra_whitespaces),
      escape_whitespaces_(spec.escape_whitespaces),
      treat_whitespace_as_suffix_(treat_whitespace_as_suffix) {
  std::vector<std::pair<std::string, std::int32_t>> pieces;
  pieces.reserve(user_defined.size());
  for (const std::string& p : user_defined) pieces.emplace_back(p, 0);
  user_defined_ = PiecePrefixIndex(std::move(pieces));
  for (unsigned c = 0; c < 128; ++c) {
    const std::string alone(1, static_cast<char>(c));
    const std::optional<PrecompiledCharsMap::Match> rule = charsmap_.longest_match(alone);
    ascii_alone_[c] = rule ? rule->replacement : kAsciiBytes.substr(c, 1);
    ascii_kept_[c] = c != ' ' && !user_defined_.starts_any(static_cast<unsigned char>(c)) &&
                     (!rule || rule->replacement == alone);
    if (!charsmap_.may_match(static_cast<unsigned char>(c))) continue;
    for (unsigned next = 0; next < 256; ++next) {
      ascii_continued_[c][next] = charsmap_.starts_a_rule(alone + static_cast<char>(next));
    }
  }
}

bool PrecompiledCharsMap::starts_a_rule(std::string_view prefix) const noexcept {
  if (units_.empty()) return false;
  std::size_t pos = unit_offset(units_[0]);
  for (const char byte : prefix) {
    const auto c = static_cast<unsigned char>(byte);
    pos ^= c;
    if (pos >= units_.size() || unit_label(units_[pos]) != c) return false;
    pos ^= unit_offset(units_[pos]);
  }
  return true;
}

bool PrecompiledCharsMap::may_match(unsigned char c) const noexcept {
  if (units_.empty()) return false;
  const std::size_t pos = unit_offset(units_[0]) ^ c;
  return pos < units_.size() && unit_label(units_[pos]) == c;
}

SentencePieceNormalizer::Prefix SentencePieceNormalizer::normalize_prefix(std::string_view input) const {
  // Most text is ASCII that only a rule of its own byte could touch.
  if (ascii_by_itself(input, 0)) return {ascii_alone_[static_cast<unsigned char>(input[0])], 1};
  if (const std::optional<std::size_t> length = user_defined_.longest_prefix(input)) {
    return {input.substr(0, *length), *length};
  }
  if (const std::optional<PrecompiledCharsMap::Match> m = charsmap_.longest_match(input)) {
    return {m->replacement, m->length};
  }
  const Utf8Decoded d = decode_utf8(input, 0);
  // SentencePiece replaces an ill-formed byte with U+FFFD and moves on by one byte only.
  if (!d.valid) return {kReplacementCharacter, 1};
  return {input.substr(0, d.length), d.length};
}

SpmNormalizedText SentencePieceNormalizer::normalize(std::string_view input) const {
  SpmNormalizedText out;
  std::size_t consumed = 0;
  if (remove_extra_whitespaces_) {
    while (!input.empty()) {
      const Prefix p = normalize_prefix(input);
      if (p.replacement != " ") break;
      input.remove_prefix(p.consumed);
      consumed += p.consumed;
    }
  }
  if (input.empty()) {
    out.norm_to_orig.push_back(consumed);
    return out;
  }
  out.text.reserve(input.size() * 3);
  out.norm_to_orig.reserve(input.size() * 3 + 1);
  auto append = [&](std::string_view bytes) {
    out.text.append(bytes);
    out.norm_to_orig.insert(out.norm_to_orig.end(), bytes.size(), consumed);
  };
  const std::string_view space = escape_whitespaces_ ? kSentencePieceSpace : std::string_view(" ");
  if (!treat_whitespace_as_suffix_ && add_dummy_prefix_) append(space);

  bool is_prev_space = remove_extra_whitespaces_;
  while (!input.empty()) {
    std::size_t run = 0;
    while (run < input.size() && ascii_unchanged(input, run)) ++run;
    if (run > 0) {
      out.text.append(input.substr(0, run));
      for (std::size_t k = 0; k < run; ++k) out.norm_to_orig.push_back(consumed + k);
      consumed += run;
      input.remove_prefix(run);
      is_prev_space = false;
      continue;
    }
    const Prefix p = normalize_prefix(input);
    std::string_view piece = p.replacement;
    if (is_prev_space) {
      while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    }
    if (!piece.empty()) {
      for (const char c : piece) append(c == ' ' ? space : std::string_view(&c, 1));
      is_prev_space = piece.back() == ' ';
    }
    consumed += p.consumed;
    input.remove_prefix(p.consumed);
    if (!remove_extra_whitespaces_) is_prev_space = false;
  }
  if (remove_extra_whitespaces_) {
    // Trailing spaces go; the end then maps to where the first of them came from.
    while (out.text.ends_with(space)) {
      const std::size_t length = out.text.size() - space.size();
      consumed = out.norm_to_orig[length];
      out.text.resize(length);
      out.norm_to_orig.resize(length);
    }
  }
  if (treat_whitespace_as_suffix_ && add_dummy_prefix_) append(space);
  out.norm_to_orig.push_back(consumed);
  return out;
}

}  // namespace embedkit::tokenize
