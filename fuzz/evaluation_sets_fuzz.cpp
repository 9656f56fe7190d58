// libFuzzer target: the word-similarity and analogy set readers on arbitrary file contents. A
// file either parses into pairs/questions whose fields are non-empty and free of the separators
// (space, TAB, LF), or fails with FormatError; nothing else. The first byte picks the reader.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "embedkit/core/error.h"
#include "embedkit/eval/analogy_evaluation.h"
#include "embedkit/eval/word_similarity.h"

namespace {

void check_field(std::string_view field) {
  if (field.empty() || field.find_first_of(" \t\n") != std::string_view::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if ((data[0] & 1U) == 0) {
      for (const embedkit::WordPair& pair : embedkit::parse_word_pairs(text, "fuzz.tsv")) {
        check_field(pair.first);
        check_field(pair.second);
      }
    } else {
      for (const embedkit::AnalogySection& section : embedkit::parse_analogies(text, "fuzz.txt")) {
        for (const auto& question : section.questions) {
          for (const std::string& word : question) check_field(word);
        }
      }
    }
  } catch (const embedkit::FormatError&) {
  }
  return 0;
}
