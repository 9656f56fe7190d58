#include "hf_pre_tokenizers.h"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "hf_json.h"
#include "hf_normalizers.h"
#include "unicode_classes.h"

namespace embedkit::tokenize {
namespace {

using nlohmann::json;

/// A cover of a piece's bytes by ranges, each a match of the pattern or not.
struct Range {
  std::size_t begin;
  std::size_t end;
  bool match;
};

enum class Behavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

Behavior parse_behavior(const json& spec, const std::string& where) {
  const auto it = spec.find("behavior");
  if (it == spec.end() || it->is_null()) return Behavior::isolated;
  const std::string name = it->is_string() ? it->get<std::string>() : "";
  if (name == "Removed") return Behavior::removed;
  if (name == "Isolated") return Behavior::isolated;
  if (name == "MergedWithPrevious") return Behavior::merged_with_previous;
  if (name == "MergedWithNext") return Behavior::merged_with_next;
  if (name == "Contiguous") return Behavior::contiguous;
  throw FormatError(fmt::format("{}: unknown split behavior \"{}\" (Removed, Isolated, MergedWithPrevious, "
                                "MergedWithNext, Contiguous)",
                                where, name));
}

/// Applies a split behaviour to the cover `ranges` of `piece` (the library's rules, in order).
void split_by(const NormalizedText& piece, const std::vector<Range>& ranges, Behavior behavior,
              std::vector<NormalizedText>& out) {
  std::vector<std::pair<std::size_t, std::size_t>> parts;
  switch (behavior) {
    case Behavior::removed:
      for (const Range& r : ranges) if (!r.match) parts.emplace_back(r.begin, r.end);
      break;
    case Behavior::isolated:
      for (const Range& r : ranges) parts.emplace_back(r.begin, r.end);
      break;
    case Behavior::merged_with_previous: {
      bool previous_match = false;
      for (const Range& r : ranges) {
        if (r.match && !previous_match && !parts.empty()) parts.back().second = r.end;
        else parts.emplace_back(r.begin, r.end);
        previous_match = r.match;
      }
      break;
    }
    case Behavior::merged_with_next: {
      bool previous_match = false;
      for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
        if (it->match && !previous_match && !parts.empty()) parts.back().first = it->begin;
        else parts.emplace_back(it->begin, it->end);
        previous_match = it->match;
      }
      std::reverse(parts.begin(), parts.end());
      break;
    }
    case Behavior::contiguous: {
      bool previous_match = false;
      for (const Range& r : ranges) {
        if (!parts.empty() && r.match == previous_match) parts.back().second = r.end;
        else parts.emplace_back(r.begin, r.end);
        previous_match = r.match;
      }
      break;
    }
  }
  for (auto [begin, end] : parts) {
    if (begin < end) out.push_back(piece.slice(begin, end));
  }
}

/// Every character `is_match` accepts is a match of its own.
template <typename Predicate>
std::vector<Range> char_matches(std::string_view text, Predicate&& is_match) {
  std::vector<Range> ranges;
  std::size_t gap = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const Utf8Decoded d = decode_utf8(text, pos);
    if (is_match(d.code_point)) {
      if (gap < pos) ranges.push_back({gap, pos, false});
      ranges.push_back({pos, pos + d.length, true});
      gap = pos + d.length;
    }
    pos += d.length;
  }
  if (gap < text.size()) ranges.push_back({gap, text.size(), false});
  return ranges;
}

/// Matches of a literal string, leftmost first, not overlapping.
std::vector<Range> literal_matches(std::string_view text, std::string_view pattern) {
  std::vector<Range> ranges;
  if (pattern.empty()) {
    if (!text.empty()) ranges.push_back({0, text.size(), false});
    return ranges;
  }
  std::size_t gap = 0;
  for (std::size_t pos = text.find(pattern); pos != std::string_view::npos; pos = text.find(pattern, gap)) {
    if (gap < pos) ranges.push_back({gap, pos, false});
    ranges.push_back({pos, pos + pattern.size(), true});
    gap = pos + pattern.size();
  }
  if (gap < text.size()) ranges.push_back({gap, text.size(), false});
  return ranges;
}

struct Char {
  char32_t c;
  std::size_t begin;
  std::size_t end;
};

std::vector<Char> chars_of(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const Utf8Decoded d = decode_utf8(text, pos);
    chars.push_back({d.code_point, pos, pos + d.length});
    pos += d.length;
  }
  return chars;
}

/// Matches of `\w+|[^\w\s]+` (the Whitespace pre-tokenizer's expression).
std::vector<Range> word_or_symbol_runs(std::string_view text) {
  const std::vector<Char> chars = chars_of(text);
  std::vector<Range> ranges;
  std::size_t gap = 0;
  for (std::size_t i = 0; i < chars.size();) {
    const char32_t c = chars[i].c;
    if (is_whitespace_char(c)) {
      ++i;
      continue;
    }
    const bool word = is_word_char(c);
    std::size_t j = i + 1;
    while (j < chars.size() && !is_whitespace_char(chars[j].c) && is_word_char(chars[j].c) == word) ++j;
    if (gap < chars[i].begin) ranges.push_back({gap, chars[i].begin, false});
    ranges.push_back({chars[i].begin, chars[j - 1].end, true});
    gap = chars[j - 1].end;
    i = j;
  }
  if (gap < text.size()) ranges.push_back({gap, text.size(), false});
  return ranges;
}

/// Matches of GPT-2's expression, alternatives tried in order at each position:
/// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::vector<Range> gpt2_matches(std::string_view text) {
  const std::vector<Char> chars = chars_of(text);
  const std::size_t n = chars.size();
  auto other = [](char32_t c) { return !is_whitespace_char(c) && !is_letter(c) && !is_numeric_char(c); };
  std::vector<Range> ranges;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;  // end of the match (exclusive), in characters
    if (chars[i].c == '\'' && i + 1 < n) {
      const char32_t a = chars[i + 1].c;
      const char32_t b = i + 2 < n ? chars[i + 2].c : 0;
      if (a == 's' || a == 't' || a == 'm' || a == 'd') j = i + 2;
      else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) j = i + 3;
    }
    if (j == i) {
      const std::size_t start = chars[i].c == ' ' && i + 1 < n ? i + 1 : i;
      for (auto cls : {+[](char32_t c) { return is_letter(c); }, +[](char32_t c) { return is_numeric_char(c); }}) {
        if (j == i && start < n && cls(chars[start].c)) {
          j = start + 1;
          while (j < n && cls(chars[j].c)) ++j;
        }
      }
      if (j == i && start < n && other(chars[start].c)) {
        j = start + 1;
        while (j < n && other(chars[j].c)) ++j;
      }
    }
    if (j == i) {
      // Whitespace (every other alternative failed, so chars[i] is whitespace).
      std::size_t run = i;
      while (run < n && is_whitespace_char(chars[run].c)) ++run;
      if (run == n) j = n;                  // \s+ to the end
      else if (run - i >= 2) j = run - 1;   // \s+(?!\S): leave the last one for the next word
      else j = i + 1;                       // \s+
    }
    ranges.push_back({chars[i].begin, chars[j - 1].end, true});
    i = j;
  }
  return ranges;
}

std::array<char32_t, 256> make_byte_table() {
  std::array<char32_t, 256> table{};
  char32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    table[static_cast<std::size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

const std::array<char32_t, 256>& byte_table() {
  static const std::array<char32_t, 256> table = make_byte_table();
  return table;
}

class CharSplitPreTokenizer final : public HfPreTokenizer {
 public:
  using Predicate = bool (*)(char32_t);
  CharSplitPreTokenizer(Predicate predicate, Behavior behavior) : predicate_(predicate), behavior_(behavior) {}
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    split_by(piece, char_matches(piece.text(), predicate_), behavior_, out);
  }

 private:
  Predicate predicate_;
  Behavior behavior_;
};

class BertPreTokenizer final : public HfPreTokenizer {
 public:
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    std::vector<NormalizedText> words;
    split_by(piece, char_matches(piece.text(), is_whitespace_char), Behavior::removed, words);
    for (const NormalizedText& word : words) {
      split_by(word, char_matches(word.text(), is_bert_punctuation), Behavior::isolated, out);
    }
  }
};

class WhitespacePreTokenizer final : public HfPreTokenizer {
 public:
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    // The expression's matches are kept and the gaps between them (whitespace) removed.
    std::vector<Range> ranges = word_or_symbol_runs(piece.text());
    for (Range& r : ranges) r.match = !r.match;
    split_by(piece, ranges, Behavior::removed, out);
  }
};

class DigitsPreTokenizer final : public HfPreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    split_by(piece, char_matches(piece.text(), is_numeric_char),
             individual_ ? Behavior::isolated : Behavior::contiguous, out);
  }

 private:
  bool individual_;
};

class LiteralSplitPreTokenizer final : public HfPreTokenizer {
 public:
  LiteralSplitPreTokenizer(std::string pattern, Behavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    std::vector<Range> ranges = literal_matches(piece.text(), pattern_);
    if (invert_) for (Range& r : ranges) r.match = !r.match;
    split_by(piece, ranges, behavior_, out);
  }

 private:
  std::string pattern_;
  Behavior behavior_;
  bool invert_;
};

class ByteLevelPreTokenizer final : public HfPreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    if (add_prefix_space_ && !piece.empty() && piece.text()[0] != ' ') prepend_text(piece, U" ");
    std::vector<NormalizedText> parts;
    if (use_regex_) split_by(piece, gpt2_matches(piece.text()), Behavior::isolated, parts);
    else if (!piece.empty()) parts.push_back(std::move(piece));
    const auto& table = byte_table();
    for (NormalizedText& part : parts) {
      // Every byte becomes a character; the bytes of one character share its alignment.
      const std::string& text = part.text();
      std::vector<CharChange> changes;
      changes.reserve(text.size());
      for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t length = decode_utf8(text, pos).length;
        for (std::size_t k = 0; k < length; ++k) {
          changes.push_back({table[static_cast<unsigned char>(text[pos + k])], k == 0 ? 0 : 1});
        }
        pos += length;
      }
      part.transform(changes);
      out.push_back(std::move(part));
    }
  }

 private:
  bool add_prefix_space_, use_regex_;
};

enum class PrependScheme { always, first, never };

class MetaspacePreTokenizer final : public HfPreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {
    append_utf8(replacement_utf8_, replacement);
  }
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    const std::u32string chars = decode_code_points(piece.text());
    std::vector<CharChange> changes;
    changes.reserve(chars.size());
    for (char32_t c : chars) changes.push_back({c == U' ' ? replacement_ : c, 0});
    piece.transform(changes);
    const bool prepend = scheme_ == PrependScheme::always ||
                         (scheme_ == PrependScheme::first && piece.original_span(0, piece.text().size()).first == 0);
    if (prepend && !piece.empty() && !piece.text().starts_with(replacement_utf8_)) {
      prepend_text(piece, std::u32string_view(&replacement_, 1));
    }
    if (split_) {
      split_by(piece, literal_matches(piece.text(), replacement_utf8_), Behavior::merged_with_next, out);
    } else if (!piece.empty()) {
      out.push_back(std::move(piece));
    }
  }

 private:
  char32_t replacement_;
  std::string replacement_utf8_;
  PrependScheme scheme_;
  bool split_;
};

class SequencePreTokenizer final : public HfPreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<HfPreTokenizer>> steps) : steps_(std::move(steps)) {}
  void split(NormalizedText piece, std::vector<NormalizedText>& out) const override {
    std::vector<NormalizedText> pieces;
    pieces.push_back(std::move(piece));
    for (const auto& step : steps_) {
      std::vector<NormalizedText> next;
      for (NormalizedText& p : pieces) step->split(std::move(p), next);
      pieces = std::move(next);
    }
    for (NormalizedText& p : pieces) out.push_back(std::move(p));
  }

 private:
  std::vector<std::unique_ptr<HfPreTokenizer>> steps_;
};

char32_t single_char(const std::string& s, const char* what, const std::string& where) {
  const std::u32string chars = decode_code_points(s);
  EMBEDKIT_CHECK(chars.size() == 1, FormatError, fmt::format("{}: \"{}\" must be one character", where, what));
  return chars[0];
}

}  // namespace

char32_t byte_to_char(unsigned char b) noexcept { return byte_table()[b]; }

int char_to_byte(char32_t c) noexcept {
  static const std::array<int, 0x200> inverse = [] {
    std::array<int, 0x200> table{};
    table.fill(-1);
    for (int b = 0; b < 256; ++b) table[byte_table()[static_cast<std::size_t>(b)]] = b;
    return table;
  }();
  return c < inverse.size() ? inverse[c] : -1;
}

std::unique_ptr<HfPreTokenizer> make_hf_pre_tokenizer(const json& spec, const std::string& where) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_string(spec, "type", where);
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "Whitespace") return std::make_unique<WhitespacePreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_unique<CharSplitPreTokenizer>(is_whitespace_char, Behavior::removed);
  if (type == "Punctuation") {
    return std::make_unique<CharSplitPreTokenizer>(is_bert_punctuation, parse_behavior(spec, where));
  }
  if (type == "Digits") return std::make_unique<DigitsPreTokenizer>(json_bool(spec, "individual_digits", false, where));
  if (type == "CharDelimiterSplit") {
    return std::make_unique<LiteralSplitPreTokenizer>(json_string(spec, "delimiter", where), Behavior::removed, false);
  }
  if (type == "Split") {
    return std::make_unique<LiteralSplitPreTokenizer>(json_string_pattern(spec, where), parse_behavior(spec, where),
                                                      json_bool(spec, "invert", false, where));
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(json_bool(spec, "add_prefix_space", true, where),
                                                   json_bool(spec, "use_regex", true, where));
  }
  if (type == "Metaspace") {
    const std::string replacement = spec.contains("replacement") ? json_string(spec, "replacement", where) : "\u2581";
    PrependScheme scheme = PrependScheme::always;
    if (spec.contains("prepend_scheme") && !spec["prepend_scheme"].is_null()) {
      const std::string name = json_string(spec, "prepend_scheme", where);
      if (name == "always") scheme = PrependScheme::always;
      else if (name == "first") scheme = PrependScheme::first;
      else if (name == "never") scheme = PrependScheme::never;
      else throw FormatError(fmt::format("{}: unknown prepend_scheme \"{}\" (always, first, never)", where, name));
    }
    if (!json_bool(spec, "add_prefix_space", true, where)) scheme = PrependScheme::never;
    return std::make_unique<MetaspacePreTokenizer>(single_char(replacement, "replacement", where), scheme,
                                                   json_bool(spec, "split", true, where));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<HfPreTokenizer>> steps;
    for (const json& step : json_array(spec, "pretokenizers", where)) {
      if (auto p = make_hf_pre_tokenizer(step, where)) steps.push_back(std::move(p));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  throw FormatError(fmt::format("{}: pre-tokenizer type \"{}\" is not supported (supported: BertPreTokenizer, "
                                "Whitespace, WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, Split, "
                                "ByteLevel, Metaspace, Sequence)",
                                where, type));
}

}  // namespace embedkit::tokenize
