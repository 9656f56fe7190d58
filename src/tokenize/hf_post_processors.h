// Hugging Face tokenizer.json post-processors: TemplateProcessing, BertProcessing,
// RobertaProcessing, ByteLevel (offset trimming) and Sequence. They add the special tokens a
// model expects ([CLS] A [SEP], <s> A </s>) and set type ids.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "embedkit/tokenize/subword_tokenizer.h"

namespace embedkit::tokenize {

class HfPostProcessor {
 public:
  virtual ~HfPostProcessor() = default;
  /// The final encoding of `first` (and `second` for a pair, else nullptr).
  [[nodiscard]] virtual Encoding process(Encoding first, Encoding* second, bool add_special_tokens) const = 0;
  /// For a step of a Sequence: a processor that only adjusts each sequence (ByteLevel's offset
  /// trimming) does so to `e` and returns true; the others return false and run process().
  virtual bool adjust_sequence(Encoding& /*e*/) const { return false; }
  /// The (token, id) pairs it may add, for the tokenizer to check against its vocabulary.
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::int32_t>> special_tokens() const = 0;
};

/// nullptr for JSON null; FormatError naming `where` for an unknown type or bad fields.
[[nodiscard]] std::unique_ptr<HfPostProcessor> make_hf_post_processor(const nlohmann::json& spec,
                                                                      const std::string& where);

/// The two sequences one after the other, the second with type id 1 (no post-processor).
[[nodiscard]] Encoding concatenate_pair(Encoding first, Encoding* second);

}  // namespace embedkit::tokenize
