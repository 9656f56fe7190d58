#include "embedkit/io/text_settings.h"

#include "embedkit/text/normalizer.h"
#include "embedkit/text/utf8.h"

namespace embedkit {
namespace {

constexpr std::string_view kSplit = "text.split";
constexpr std::string_view kLowercase = "text.lowercase";
constexpr std::string_view kNfkc = "text.nfkc";
constexpr std::string_view kStripAccents = "text.strip_accents";

std::string yes_no(bool value) { return value ? "yes" : "no"; }

}  // namespace

void record_text_settings(const TokenizerOptions& options, std::map<std::string, std::string>& metadata) {
  if (options.splitter) {
    // The pieces of a subword tokenizer: queries are pieces as they are (no normalization here).
    metadata[std::string(kSplit)] = "subword";
    metadata["text.tokenizer"] = options.splitter->describe();
    return;
  }
  metadata[std::string(kSplit)] = options.split == Split::words ? "words" : "whitespace";
  metadata[std::string(kLowercase)] = yes_no(options.normalize.lowercase);
  metadata[std::string(kNfkc)] = yes_no(options.normalize.nfkc);
  metadata[std::string(kStripAccents)] = yes_no(options.normalize.strip_accents);
}

std::optional<NormalizerOptions> recorded_normalization(const std::map<std::string, std::string>& metadata) {
  const auto lowercase = metadata.find(std::string(kLowercase));
  if (lowercase == metadata.end()) return std::nullopt;
  auto flag = [&](std::string_view key) {
    const auto it = metadata.find(std::string(key));
    return it != metadata.end() && it->second == "yes";
  };
  return NormalizerOptions{.nfkc = flag(kNfkc), .strip_accents = flag(kStripAccents), .lowercase = flag(kLowercase)};
}

std::string query_form(const WordVectors& vectors, std::string_view word) {
  const std::optional<NormalizerOptions> normalization = recorded_normalization(vectors.metadata);
  if (!normalization || find_invalid_utf8(word)) return std::string(word);
  return Normalizer(*normalization).normalize(word);
}

}  // namespace embedkit
