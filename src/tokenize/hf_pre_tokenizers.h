// Hugging Face tokenizer.json pre-tokenizers: BertPreTokenizer, Whitespace, WhitespaceSplit,
// Punctuation, Digits, ByteLevel (GPT-2's expression and byte-to-character table), Metaspace,
// CharDelimiterSplit, Split (literal patterns) and Sequence. Each cuts a piece of normalized text
// into smaller pieces, keeping alignments, with the library's split behaviours.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "normalized_text.h"

namespace embedkit::tokenize {

class HfPreTokenizer {
 public:
  virtual ~HfPreTokenizer() = default;
  /// Appends the pieces of `piece` to `out` (empty pieces are never appended).
  virtual void split(NormalizedText piece, std::vector<NormalizedText>& out) const = 0;
};

/// The pre-tokenizer a tokenizer.json object describes; nullptr for JSON null; FormatError naming
/// `where` for an unknown type or a bad field.
[[nodiscard]] std::unique_ptr<HfPreTokenizer> make_hf_pre_tokenizer(const nlohmann::json& spec,
                                                                    const std::string& where);

/// GPT-2's byte-to-character table: the character byte b is written as (printable bytes stand for
/// themselves, the others for U+0100 + n).
[[nodiscard]] char32_t byte_to_char(unsigned char b) noexcept;
/// The inverse: the byte a character stands for, or -1 when it stands for none.
[[nodiscard]] int char_to_byte(char32_t c) noexcept;

}  // namespace embedkit::tokenize
