// libFuzzer target: arbitrary bytes through the classifier's labeled-data reader, in every format
// and encoding. Beyond "no crash, no sanitizer report", it checks the reader's contract: every
// example has text, every token and label is non-empty, whitespace-free valid UTF-8, and (unless
// optional) every example has a label.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "embedkit/classify/labeled_data.h"
#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_piece(std::string_view piece) {
  check(!embedkit::find_invalid_utf8(piece).has_value());
  for (const char c : piece) check(c != ' ' && c != '\t' && c != '\n' && c != '\r');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks format, encoding and whether labels are optional.
  const auto mode = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  embedkit::LabeledDataOptions options;
  options.format = static_cast<embedkit::LabeledFormat>(mode % 4);
  options.encoding = static_cast<embedkit::TextEncoding>((mode / 4) % 3);
  options.labels_optional = (mode / 12) % 2 == 1;
  try {
    const auto parsed = embedkit::parse_labeled_text(text, "fuzz", options);
    check(!parsed.examples.empty());
    for (const auto& ex : parsed.examples) {
      check(!ex.tokens.empty());
      check(options.labels_optional || !ex.labels.empty());
      for (const auto& t : ex.tokens) {
        check(!t.empty());
        check_piece(t);
      }
      for (const auto& l : ex.labels) {
        check(!l.empty());
        check(!embedkit::find_invalid_utf8(l).has_value());
      }
    }
  } catch (const embedkit::Error&) {
    // Rejected input is fine; only crashes, sanitizer reports and broken contracts are bugs.
  }
  return 0;
}
