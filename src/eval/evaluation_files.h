// Private to embedkit eval: what the readers and evaluators of benchmark sets share.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embedkit/core/function_ref.h"
#include "embedkit/text/normalizer.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit::detail {

/// Calls `on_line(number, line)` for each line of `text` (numbered from 1), CR before LF
/// removed, checked to be UTF-8 (FormatError naming source:line otherwise). Keeps nothing per
/// line, so a file of blank lines costs only its own size.
void for_each_text_line(std::string_view text, std::string_view source,
                        FunctionRef<void(std::size_t, std::string_view)> on_line);

/// Splits on spaces and tabs.
std::vector<std::string_view> split_fields(std::string_view line);

/// "Which id does this word have among the N most frequent", as gensim's evaluators look words
/// up: with case folding, each folded spelling maps to its most frequent word.
class KnownWords {
 public:
  KnownWords(const Vocabulary& words, std::size_t restrict, bool case_insensitive);
  [[nodiscard]] std::optional<TokenId> find(std::string_view word) const;
  /// The form words are compared in (lowercased when case-insensitive).
  [[nodiscard]] std::string key(std::string_view word) const;
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

 private:
  const Vocabulary& words_;
  std::size_t limit_;
  bool case_insensitive_;
  Normalizer lower_;
  std::unordered_map<std::string, TokenId> folded_;
};

}  // namespace embedkit::detail
