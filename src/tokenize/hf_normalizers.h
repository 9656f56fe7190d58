// Hugging Face tokenizer.json normalizers: BertNormalizer, NFC/NFD/NFKC/NFKD, Lowercase,
// StripAccents, Strip, Replace (literal patterns), Prepend, Nmt and Sequence, each changing a
// NormalizedText as the library does, alignments included. (Precompiled and regular-expression
// patterns are refused with a message naming them.)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "normalized_text.h"

namespace embedkit::tokenize {

class HfNormalizer {
 public:
  virtual ~HfNormalizer() = default;
  virtual void normalize(NormalizedText& text) const = 0;
};

/// The normalizer a tokenizer.json object describes; FormatError "<where>: ..." for an unknown
/// type or a field of the wrong kind. A JSON null gives nullptr (no normalizer).
[[nodiscard]] std::unique_ptr<HfNormalizer> make_hf_normalizer(const nlohmann::json& spec, const std::string& where);

/// Puts `prefix` before a non-empty `text` as the Prepend normalizer does: every prefix character
/// takes the first character's alignment (Metaspace and ByteLevel prepend the same way).
void prepend_text(NormalizedText& text, std::u32string_view prefix);

/// Lowercases `text` as the Lowercase normalizer does (for added tokens' normalized patterns).
void lowercase_text(NormalizedText& text);

}  // namespace embedkit::tokenize
