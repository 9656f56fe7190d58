#include "hf_decoders.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "hf_json.h"
#include "hf_pre_tokenizers.h"
#include "normalized_text.h"

namespace embedkit::tokenize {
namespace {

using nlohmann::json;

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

/// Bytes as text, each maximal ill-formed part replaced by U+FFFD (Rust's from_utf8_lossy).
std::string lossy_utf8(const std::string& bytes) {
  std::string scratch;
  return std::string(sanitize_utf8(bytes, InvalidUtf8::replace, scratch, {}));
}

class ByteLevelDecoder final : public HfDecoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      const std::u32string chars = decode_code_points(token);
      bool all_mapped = true;
      for (char32_t c : chars) all_mapped &= char_to_byte(c) >= 0;
      if (!all_mapped) {
        bytes += token;
        continue;
      }
      for (char32_t c : chars) bytes.push_back(static_cast<char>(char_to_byte(c)));
    }
    return {lossy_utf8(bytes)};
  }
};

class WordPieceDecoder final : public HfDecoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        if (t.starts_with(prefix_)) {
          const std::size_t at = t.find(prefix_);
          if (at != std::string::npos) t.erase(at, prefix_.size());
        } else {
          t.insert(0, " ");
        }
      }
      if (cleanup_) {
        replace_all(t, " .", ".");
        replace_all(t, " ?", "?");
        replace_all(t, " !", "!");
        replace_all(t, " ,", ",");
        replace_all(t, " ' ", "'");
        replace_all(t, " n't", "n't");
        replace_all(t, " 'm", "'m");
        replace_all(t, " do not", " don't");
        replace_all(t, " 's", "'s");
        replace_all(t, " 've", "'ve");
        replace_all(t, " 're", "'re");
      }
    }
    return tokens;
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class MetaspaceDecoder final : public HfDecoder {
 public:
  MetaspaceDecoder(char32_t replacement, bool prepend) : replacement_(replacement), prepend_(prepend) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      for (char32_t c : decode_code_points(tokens[i])) {
        if (c != replacement_) append_utf8(out, c);
        else if (!(i == 0 && prepend_)) out.push_back(' ');
      }
      tokens[i] = std::move(out);
    }
    return tokens;
  }

 private:
  char32_t replacement_;
  bool prepend_;
};

class BpeDecoder final : public HfDecoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
    return tokens;
  }

 private:
  std::string suffix_;
};

class ByteFallbackDecoder final : public HfDecoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string pending;  // bytes of consecutive <0xHH> tokens
    std::size_t pending_count = 0;
    auto flush = [&] {
      if (pending_count == 0) return;
      std::string scratch;
      if (!find_invalid_utf8(pending)) {
        out.push_back(pending);
      } else {
        for (std::size_t k = 0; k < pending_count; ++k) out.emplace_back(kReplacementCharacter);
      }
      pending.clear();
      pending_count = 0;
    };
    for (std::string& t : tokens) {
      if (t.size() == 6 && t.starts_with("<0x") && t.back() == '>') {
        unsigned value = 0;
        bool hex = true;
        for (std::size_t k = 3; k < 5; ++k) {
          const char c = t[k];
          value <<= 4;
          if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
          else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
          else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
          else hex = false;
        }
        if (hex) {
          pending.push_back(static_cast<char>(value));
          ++pending_count;
          continue;
        }
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    return out;
  }
};

class FuseDecoder final : public HfDecoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    return {all};
  }
};

class StripDecoder final : public HfDecoder {
 public:
  StripDecoder(char32_t content, std::size_t start, std::size_t stop) : content_(content), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& t : tokens) {
      const std::u32string chars = decode_code_points(t);
      std::size_t begin = 0, end = chars.size();
      while (begin < start_ && begin < end && chars[begin] == content_) ++begin;
      while (chars.size() - end < stop_ && end > begin && chars[end - 1] == content_) --end;
      std::string out;
      for (std::size_t k = begin; k < end; ++k) append_utf8(out, chars[k]);
      t = std::move(out);
    }
    return tokens;
  }

 private:
  char32_t content_;
  std::size_t start_, stop_;
};

class ReplaceDecoder final : public HfDecoder {
 public:
  ReplaceDecoder(std::string pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& t : tokens) replace_all(t, pattern_, content_);
    return tokens;
  }

 private:
  std::string pattern_, content_;
};

class SequenceDecoder final : public HfDecoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<HfDecoder>> steps) : steps_(std::move(steps)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& step : steps_) tokens = step->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<HfDecoder>> steps_;
};

char32_t one_char(const std::string& s, const char* what, const std::string& where) {
  const std::u32string chars = decode_code_points(s);
  EMBEDKIT_CHECK(chars.size() == 1, FormatError, fmt::format("{}: \"{}\" must be one character", where, what));
  return chars[0];
}

}  // namespace

std::unique_ptr<HfDecoder> make_hf_decoder(const json& spec, const std::string& where) {
  if (spec.is_null()) return nullptr;
  const std::string type = json_string(spec, "type", where);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "WordPiece") {
    return std::make_unique<WordPieceDecoder>(spec.contains("prefix") ? json_string(spec, "prefix", where) : "##",
                                              json_bool(spec, "cleanup", true, where));
  }
  if (type == "Metaspace") {
    const std::string replacement = spec.contains("replacement") ? json_string(spec, "replacement", where) : "\u2581";
    bool prepend = json_bool(spec, "add_prefix_space", true, where);
    if (spec.contains("prepend_scheme") && !spec["prepend_scheme"].is_null()) {
      prepend = json_string(spec, "prepend_scheme", where) != "never";
      if (!json_bool(spec, "add_prefix_space", true, where)) prepend = false;
    }
    return std::make_unique<MetaspaceDecoder>(one_char(replacement, "replacement", where), prepend);
  }
  if (type == "BPEDecoder") {
    return std::make_unique<BpeDecoder>(spec.contains("suffix") ? json_string(spec, "suffix", where) : "</w>");
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(one_char(json_string(spec, "content", where), "content", where),
                                          json_unsigned(spec, "start", 0, where), json_unsigned(spec, "stop", 0, where));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(json_string_pattern(spec, where), json_string(spec, "content", where));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<HfDecoder>> steps;
    for (const json& step : json_array(spec, "decoders", where)) {
      if (auto d = make_hf_decoder(step, where)) steps.push_back(std::move(d));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  throw FormatError(fmt::format("{}: decoder type \"{}\" is not supported (ByteLevel, WordPiece, Metaspace, BPEDecoder, "
                                "ByteFallback, Fuse, Strip, Replace, Sequence)",
                                where, type));
}

}  // namespace embedkit::tokenize
