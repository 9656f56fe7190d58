// libFuzzer target: Vocabulary::parse on arbitrary file contents. A file either parses into a
// vocabulary that saves and re-parses to the same thing, or fails with FormatError; nothing else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "embedkit/core/error.h"
#include "embedkit/vocab/vocabulary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const embedkit::Vocabulary vocab = embedkit::Vocabulary::parse(text, "fuzz.tsv");
    // Round trip through the canonical form.
    std::string canonical;
    for (std::size_t i = 0; i < vocab.size(); ++i) {
      const auto id = static_cast<embedkit::TokenId>(i);
      canonical.append(vocab.word(id)).append("\t").append(std::to_string(vocab.count(id))).append("\n");
      if (vocab.find(vocab.word(id)) != id) std::abort();
    }
    if (!(embedkit::Vocabulary::parse(canonical, "canonical.tsv") == vocab)) std::abort();
  } catch (const embedkit::FormatError&) {
  }
  return 0;
}
