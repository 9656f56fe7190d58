// libFuzzer target: arbitrary bytes through UTF-8 checking, normalisation and both splitters.
// Beyond "no crash, no sanitizer report", it checks the tokenizer's contract on every input:
// tokens are non-empty, valid UTF-8, free of whitespace and at most max_token_bytes long.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "embedkit/core/error.h"
#include "embedkit/text/tokenizer.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_token(std::string_view token, std::size_t limit) {
  check(!token.empty());
  check(token.size() <= limit);
  check(!embedkit::find_invalid_utf8(token).has_value());
  for (std::size_t pos = 0; pos < token.size();) {
    const embedkit::Utf8Decoded d = embedkit::decode_utf8(token, pos);
    check(!embedkit::is_unicode_whitespace(d.code_point));
    pos += d.length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the options; the rest is the text.
  const std::uint8_t knobs = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  embedkit::TokenizerOptions options;
  options.split = (knobs & 1U) ? embedkit::Split::words : embedkit::Split::whitespace;
  options.normalize.nfkc = (knobs & 2U) != 0;
  options.normalize.lowercase = (knobs & 4U) != 0;
  options.normalize.strip_accents = (knobs & 8U) != 0;
  options.invalid_utf8 = (knobs & 16U) ? embedkit::InvalidUtf8::replace : embedkit::InvalidUtf8::error;
  options.max_token_bytes = (knobs & 32U) ? 4 : 64;
  const embedkit::Tokenizer tokenizer(options);
  try {
    tokenizer.tokenize(text, [&](std::string_view token) { check_token(token, options.max_token_bytes); });
  } catch (const embedkit::FormatError&) {
    // Expected for invalid UTF-8 under InvalidUtf8::error, and only then.
    check(options.invalid_utf8 == embedkit::InvalidUtf8::error);
    check(embedkit::find_invalid_utf8(text).has_value());
  }
  return 0;
}
