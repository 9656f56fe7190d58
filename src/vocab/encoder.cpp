#include "embedkit/vocab/encoder.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

TokenId required_special(const std::optional<TokenId>& id, std::string_view name) {
  EMBEDKIT_CHECK(id.has_value(), ArgumentError,
                 fmt::format("the vocabulary has no {} entry to add", name));
  return *id;
}

}  // namespace

std::vector<TokenId> Encoder::encode(std::string_view text, EncodeOptions options) const {
  std::vector<TokenId> ids;
  if (options.add_bos) ids.push_back(required_special(vocab_.bos_id(), kBosToken));
  tokenizer_.tokenize(text, [&](std::string_view token) { ids.push_back(vocab_.id_or_unk(token)); });
  if (options.add_eos) ids.push_back(required_special(vocab_.eos_id(), kEosToken));
  return ids;
}

std::string Encoder::decode(std::span<const TokenId> ids, DecodeOptions options) const {
  std::string text;
  for (const TokenId id : ids) {
    const std::string_view word = vocab_.word(id);
    if (options.skip_special && word != kUnkToken && is_special_token(word)) continue;
    if (!text.empty()) text.push_back(' ');
    text.append(word);
  }
  return text;
}

}  // namespace embedkit
