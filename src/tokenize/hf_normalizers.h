// Hugging Face tokenizer.json normalizers: BertNormalizer, NFC/NFD/NFKC/NFKD, Lowercase,
// StripAccents, Strip, Replace (literal patterns), Prepend, Nmt and Sequence, each changing a
// NormalizedText as the library does, alignments included. (Precompiled and regular-expression
// patterns are refused with a message naming them.)
#pragma once

#include <memory>
#include <string>

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

/// Lowercases `text` as the Lowercase normalizer does (for added tokens' normalized patterns).
void lowercase_text(NormalizedText& text);

}  // namespace embedkit::tokenize
