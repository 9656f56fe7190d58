#include "hf_normalizers.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "hf_json.h"
#include "unicode_classes.h"

namespace embedkit::tokenize {
namespace {

using nlohmann::json;

/// Changes that keep every character: change 0 each (a map). When every character keeps its
/// byte length (ASCII lowercasing, whitespace to space), the text is rewritten in place.
template <typename Map>
void map_chars(NormalizedText& text, Map&& map) {
  const std::string& old = text.text();
  std::string mapped;
  mapped.reserve(old.size());
  bool same_shape = true;
  for (std::size_t pos = 0; pos < old.size();) {
    const Utf8Decoded d = decode_utf8(old, pos);
    const std::size_t before = mapped.size();
    append_utf8(mapped, map(d.code_point));
    same_shape &= mapped.size() - before == d.length;
    pos += d.length;
  }
  if (same_shape) {
    if (mapped != old) text.replace_same_shape(std::move(mapped));
    return;
  }
  const std::u32string chars = decode_code_points(old);
  std::vector<CharChange> changes;
  changes.reserve(chars.size());
  for (char32_t c : chars) changes.push_back({map(c), 0});
  text.transform(changes);
}

/// Keeps the characters `keep` accepts; a removed one is folded into the kept one before it.
template <typename Keep>
void filter_chars(NormalizedText& text, Keep&& keep) {
  const std::u32string chars = decode_code_points(text.text());
  if (std::all_of(chars.begin(), chars.end(), [&](char32_t c) { return keep(c); })) return;
  std::vector<CharChange> changes;
  changes.reserve(chars.size());
  std::size_t removed_at_start = 0;
  for (char32_t c : chars) {
    if (keep(c)) {
      changes.push_back({c, 0});
    } else if (changes.empty()) {
      ++removed_at_start;
    } else {
      --changes.back().change;
    }
  }
  text.transform(changes, removed_at_start);
}

std::string utf8_of(const std::u32string& chars) {
  std::string out;
  for (char32_t c : chars) append_utf8(out, c);
  return out;
}

std::string normalize_with(std::string_view text, utf8proc_option_t options) {
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &result, options);
  EMBEDKIT_CHECK(n >= 0, FormatError, fmt::format("Unicode normalization failed: {}", utf8proc_errmsg(n)));
  std::string out(reinterpret_cast<const char*>(result), static_cast<std::size_t>(n));
  std::free(result);
  return out;
}

/// NFC/NFD/NFKC/NFKD. The text is cut before every starter; each piece's n characters become m:
/// the first min(n, m) replace one each, extra ones are inserted, missing ones are removed by the
/// last (so "ﬁ" -> "f" "i" (+1), "e" U+0301 -> "é" (-1)). Where the pieces do not normalize
/// independently (a starter that composes with the one before), the whole text is one piece.
void unicode_normalize(NormalizedText& text, utf8proc_option_t options) {
  const std::string& old = text.text();
  bool ascii = true;
  for (char b : old) ascii &= static_cast<unsigned char>(b) < 0x80;
  if (ascii) return;
  const std::string whole = normalize_with(old, options);
  if (whole == old) return;
  const std::u32string chars = decode_code_points(old);
  std::vector<std::pair<std::size_t, std::size_t>> pieces;  // character ranges
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (i == 0 || combining_class(chars[i]) == 0) pieces.emplace_back(i, i);
    pieces.back().second = i + 1;
  }
  std::vector<CharChange> changes;
  std::string joined;
  std::size_t pending_skip = 0;  // characters of a piece that normalized to nothing
  for (auto [begin, end] : pieces) {
    const std::string out = normalize_with(utf8_of(chars.substr(begin, end - begin)), options);
    joined += out;
    const std::u32string produced = decode_code_points(out);
    const std::size_t n = end - begin;
    if (produced.empty()) {
      pending_skip += n;
      continue;
    }
    for (std::size_t k = 0; k < produced.size(); ++k) {
      changes.push_back({produced[k], k < n ? 0 : 1, k == 0 ? pending_skip : 0});
    }
    pending_skip = 0;
    if (produced.size() < n) changes.back().change -= static_cast<int>(n - produced.size());
  }
  if (joined != whole) {
    const std::u32string produced = decode_code_points(whole);
    changes.clear();
    for (std::size_t k = 0; k < produced.size(); ++k) changes.push_back({produced[k], k < chars.size() ? 0 : 1});
    if (!changes.empty() && produced.size() < chars.size()) {
      changes.back().change -= static_cast<int>(chars.size() - produced.size());
    }
  }
  text.transform(changes);
}

class UnicodeNormalizer final : public HfNormalizer {
 public:
  explicit UnicodeNormalizer(utf8proc_option_t options) : options_(options) {}
  void normalize(NormalizedText& text) const override { unicode_normalize(text, options_); }

 private:
  utf8proc_option_t options_;
};

constexpr auto kNfd = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
constexpr auto kNfc = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE);
constexpr auto kNfkd = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
constexpr auto kNfkc = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);

class LowercaseNormalizer final : public HfNormalizer {
 public:
  void normalize(NormalizedText& text) const override { lowercase_text(text); }
};

bool is_cjk_ideograph(char32_t c) noexcept {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

class BertNormalizer final : public HfNormalizer {
 public:
  BertNormalizer(bool clean_text, bool chinese, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), chinese_(chinese), strip_accents_(strip_accents), lowercase_(lowercase) {}

  void normalize(NormalizedText& text) const override {
    if (clean_text_) {
      filter_chars(text, [](char32_t c) {
        if (c == 0 || c == 0xFFFD) return false;
        if (c == '\t' || c == '\n' || c == '\r') return true;
        return !is_other(c);
      });
      map_chars(text, [](char32_t c) { return is_whitespace_char(c) ? U' ' : c; });
    }
    if (chinese_) {
      const std::u32string chars = decode_code_points(text.text());
      bool any = false;
      for (char32_t c : chars) any |= is_cjk_ideograph(c);
      if (any) {
        std::vector<CharChange> changes;
        for (char32_t c : chars) {
          if (is_cjk_ideograph(c)) {
            changes.push_back({U' ', 1});
            changes.push_back({c, 0});
            changes.push_back({U' ', 1});
          } else {
            changes.push_back({c, 0});
          }
        }
        text.transform(changes);
      }
    }
    if (strip_accents_) {
      unicode_normalize(text, kNfd);
      filter_chars(text, [](char32_t c) { return !is_nonspacing_mark(c); });
    }
    if (lowercase_) lowercase_text(text);
  }

 private:
  bool clean_text_, chinese_, strip_accents_, lowercase_;
};

class StripAccentsNormalizer final : public HfNormalizer {
 public:
  void normalize(NormalizedText& text) const override {
    filter_chars(text, [](char32_t c) { return !is_mark(c); });
  }
};

class NmtNormalizer final : public HfNormalizer {
 public:
  void normalize(NormalizedText& text) const override {
    filter_chars(text, [](char32_t c) {
      return !((c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || c == 0x8F ||
               c == 0x9F);
    });
    map_chars(text, [](char32_t c) -> char32_t {
      switch (c) {
        case 0x09: case 0x0A: case 0x0C: case 0x0D: case 0x1680: case 0x200B: case 0x200C: case 0x200D:
        case 0x200E: case 0x200F: case 0x2028: case 0x2029: case 0x2581: case 0xFEFF: case 0xFFFD:
          return U' ';
        default:
          return c;
      }
    });
  }
};

class StripNormalizer final : public HfNormalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedText& text) const override {
    const std::u32string chars = decode_code_points(text.text());
    std::size_t begin = 0, end = chars.size();
    if (left_) while (begin < end && is_whitespace_char(chars[begin])) ++begin;
    if (right_) while (end > begin && is_whitespace_char(chars[end - 1])) --end;
    if (begin == 0 && end == chars.size()) return;
    std::vector<CharChange> changes;
    for (std::size_t i = begin; i < end; ++i) changes.push_back({chars[i], 0});
    if (!changes.empty()) changes.back().change -= static_cast<int>(chars.size() - end);
    text.transform(changes, begin);
  }

 private:
  bool left_, right_;
};

class ReplaceNormalizer final : public HfNormalizer {
 public:
  ReplaceNormalizer(std::string pattern, std::string content)
      : pattern_(decode_code_points(pattern)), content_(decode_code_points(content)) {}
  void normalize(NormalizedText& text) const override {
    if (pattern_.empty()) return;
    const std::u32string chars = decode_code_points(text.text());
    std::vector<CharChange> changes;
    std::size_t pending_skip = 0;  // a match replaced by nothing: its characters are dropped
    for (std::size_t i = 0; i < chars.size();) {
      if (chars.compare(i, pattern_.size(), pattern_) == 0) {
        // The match is consumed, then the content inserted: it takes the match's last alignment.
        std::size_t skip = pending_skip + pattern_.size();
        pending_skip = 0;
        if (content_.empty()) {
          pending_skip = skip;
        } else {
          for (std::size_t k = 0; k < content_.size(); ++k) changes.push_back({content_[k], 1, k == 0 ? skip : 0});
        }
        i += pattern_.size();
      } else {
        changes.push_back({chars[i], 0, pending_skip});
        pending_skip = 0;
        ++i;
      }
    }
    text.transform(changes);
  }

 private:
  std::u32string pattern_, content_;
};

class PrependNormalizer final : public HfNormalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(decode_code_points(prefix)) {}
  void normalize(NormalizedText& text) const override { prepend_text(text, prefix_); }

 private:
  std::u32string prefix_;
};

class SequenceNormalizer final : public HfNormalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<HfNormalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(NormalizedText& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<HfNormalizer>> steps_;
};

}  // namespace

void prepend_text(NormalizedText& text, std::u32string_view prefix) {
  if (text.empty() || prefix.empty()) return;
  const std::u32string chars = decode_code_points(text.text());
  std::vector<CharChange> changes;
  changes.reserve(chars.size() + prefix.size());
  // The first character is "replaced" by the prefix's first, the rest of the prefix and the old
  // first character are inserted after it, and the others follow one to one.
  changes.push_back({prefix[0], 0});
  for (std::size_t k = 1; k < prefix.size(); ++k) changes.push_back({prefix[k], 1});
  changes.push_back({chars[0], 1});
  for (std::size_t i = 1; i < chars.size(); ++i) changes.push_back({chars[i], 0});
  text.transform(changes);
}

void lowercase_text(NormalizedText& text) {
  const std::u32string chars = decode_code_points(text.text());
  std::u32string lower;
  bool one_to_one = true;
  for (char32_t c : chars) {
    lower.clear();
    append_lowercase(lower, c);
    one_to_one &= lower.size() == 1;
  }
  if (one_to_one) {
    // Every character has a one-character lowercase: a map (in place when the lengths agree).
    map_chars(text, [](char32_t c) {
      std::u32string l;
      append_lowercase(l, c);
      return l[0];
    });
    return;
  }
  std::vector<CharChange> changes;
  changes.reserve(chars.size());
  for (char32_t c : chars) {
    lower.clear();
    append_lowercase(lower, c);
    for (std::size_t k = 0; k < lower.size(); ++k) changes.push_back({lower[k], k == 0 ? 0 : 1});
  }
  text.transform(changes);
}

std::unique_ptr<HfNormalizer> make_hf_normalizer(const json& spec, const std::string& where) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_string(spec, "type", where);
  if (type == "BertNormalizer") {
    const bool lowercase = json_bool(spec, "lowercase", true, where);
    const json& strip = spec.contains("strip_accents") ? spec["strip_accents"] : json();
    const bool strip_accents = strip.is_null() ? lowercase : json_bool(spec, "strip_accents", lowercase, where);
    return std::make_unique<BertNormalizer>(json_bool(spec, "clean_text", true, where),
                                            json_bool(spec, "handle_chinese_chars", true, where), strip_accents,
                                            lowercase);
  }
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(kNfc);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(kNfd);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(kNfkc);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(kNfkd);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Nmt") return std::make_unique<NmtNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(json_bool(spec, "strip_left", true, where),
                                             json_bool(spec, "strip_right", true, where));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(json_string_pattern(spec, where), json_string(spec, "content", where));
  }
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(json_string(spec, "prepend", where));
  if (type == "Sequence") {
    std::vector<std::unique_ptr<HfNormalizer>> steps;
    for (const json& step : json_array(spec, "normalizers", where)) {
      if (auto n = make_hf_normalizer(step, where)) steps.push_back(std::move(n));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  throw FormatError(fmt::format("{}: normalizer type \"{}\" is not supported (supported: BertNormalizer, NFC, NFD, "
                                "NFKC, NFKD, Lowercase, StripAccents, Nmt, Strip, Replace, Prepend, Sequence)",
                                where, type));
}

}  // namespace embedkit::tokenize
