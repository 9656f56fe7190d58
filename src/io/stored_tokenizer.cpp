#include "stored_tokenizer.h"

#include <fmt/format.h>

#include <array>

#include "embedkit/core/error.h"
#include "embedkit/tokenize/subword_tokenizer.h"

namespace embedkit::detail {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group = (group << 8U) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0U);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kAlphabet[(group >> (18U - 6U * k)) & 63U] : '=');
    }
  }
  return out;
}

// Strict: whole groups of four, padding only at the end. nullopt for anything else.
std::optional<std::string> unbase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    value[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t pad = last ? (text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0) : 0;
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int v = k < 4 - pad ? value[static_cast<unsigned char>(text[i + k])] : 0;
      if (v < 0) return std::nullopt;
      group = (group << 6U) | static_cast<std::uint32_t>(v);
    }
    for (std::size_t k = 0; k < 3 - pad; ++k) out.push_back(static_cast<char>((group >> (16U - 8U * k)) & 0xFFU));
  }
  return out;
}

}  // namespace

PieceTokenizer read_piece_tokenizer(std::string_view bytes, const std::string& name) {
  auto file = std::make_shared<const std::string>(bytes);
  std::shared_ptr<const SubwordTokenizer> tokenizer = SubwordTokenizer::from_bytes(*file, name);
  return {std::move(tokenizer), std::move(file)};
}

std::string encode_stored_tokenizer(const PieceTokenizer& pieces) {
  return pieces.file_bytes ? base64(*pieces.file_bytes) : std::string();
}

void restore_stored_tokenizer(WordVectors& vectors, std::map<std::string, std::string>& metadata,
                              std::string_view source) {
  const auto it = metadata.find(std::string(kTokenizerKey));
  if (it == metadata.end()) return;
  const std::optional<std::string> bytes = unbase64(it->second);
  EMBEDKIT_CHECK(bytes.has_value(), FormatError,
                 fmt::format("{}: metadata {}: not base64 (it holds the tokenizer whose pieces are the words)", source,
                             kTokenizerKey));
  EMBEDKIT_CHECK(!vectors.subwords(), FormatError,
                 fmt::format("{}: metadata {}: a tokenizer for vectors that have fastText subword buckets", source,
                             kTokenizerKey));
  vectors.set_piece_tokenizer(read_piece_tokenizer(*bytes, fmt::format("{} (its stored tokenizer)", source)));
  metadata.erase(it);
}

}  // namespace embedkit::detail
