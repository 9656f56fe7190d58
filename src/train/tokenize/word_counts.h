// The distinct words of a corpus and how often each occurs, as a tokenizer's own normalizer and
// pre-tokenizer cut them: what every subword trainer learns from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tokenize/hf_normalizers.h"
#include "tokenize/hf_pre_tokenizers.h"

namespace embedkit::tokenize {

struct WordCount {
  std::string word;
  std::uint64_t count;
};

/// Reads `path` in blocks of lines, normalizes and pre-tokenizes every line on `threads`
/// threads, and returns the words with their counts, most frequent first (ties by word), so the
/// result does not depend on the thread count. Ill-formed UTF-8 becomes U+FFFD. Stops after
/// `max_words` words when non-zero. `on_progress(fraction of the file read)`.
[[nodiscard]] std::vector<WordCount> count_words(const std::string& path, const HfNormalizer* normalizer,
                                                 const HfPreTokenizer* pre_tokenizer, std::size_t threads,
                                                 std::uint64_t max_words,
                                                 const std::function<void(double)>& on_progress);

/// The characters of `words` weighted by their counts, most frequent first (ties by code point),
/// and their total: what a trainer's character coverage is measured on. Only characters
/// `counted` accepts count; words longer than `max_word_bytes` are left out.
struct CharacterFrequencies {
  std::vector<std::pair<char32_t, std::uint64_t>> by_frequency;
  std::uint64_t total = 0;
};
[[nodiscard]] CharacterFrequencies character_frequencies(const std::vector<WordCount>& words,
                                                         const std::function<bool(char32_t)>& counted,
                                                         std::size_t max_word_bytes = SIZE_MAX);

}  // namespace embedkit::tokenize
