#include "embedkit/text/normalizer.h"

#include <fmt/format.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

namespace embedkit {
namespace {

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80U) return false;
  }
  return true;
}

bool has_ascii_upper(std::string_view text) {
  for (const char c : text) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// Runs utf8proc_map with `flags` and stores the result in `out`.
void utf8proc_transform(std::string_view text, int flags, std::string& out) {
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                   static_cast<utf8proc_option_t>(flags));
  const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  EMBEDKIT_CHECK(n >= 0, FormatError,
                 fmt::format("cannot normalise text: {}", utf8proc_errmsg(n)));
  out.assign(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n));
}

void lowercase_into(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80U) {
      out.push_back(static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + ('a' - 'A') : byte));
      ++pos;
      continue;
    }
    const Utf8Decoded d = decode_utf8(text, pos);
    const auto lower = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(d.code_point)));
    append_utf8(out, lower);
    pos += d.length;
  }
}

}  // namespace

std::string_view Normalizer::normalize(std::string_view text, std::string& scratch) const {
  if (is_identity()) return text;
  if (is_ascii(text)) {
    // NFKC and accent stripping are the identity on ASCII; only case can change.
    if (!options_.lowercase || !has_ascii_upper(text)) return text;
    lowercase_into(text, scratch);
    return scratch;
  }

  std::string_view current = text;
  std::string mapped;
  if (options_.nfkc || options_.strip_accents) {
    int flags = UTF8PROC_STABLE;
    flags |= options_.nfkc ? (UTF8PROC_COMPOSE | UTF8PROC_COMPAT) : UTF8PROC_COMPOSE;
    if (options_.strip_accents) flags |= UTF8PROC_STRIPMARK;
    utf8proc_transform(current, flags, mapped);
    current = mapped;
  }
  if (options_.lowercase) {
    lowercase_into(current, scratch);
    return scratch;
  }
  scratch = std::move(mapped);
  return scratch;
}

std::string Normalizer::normalize(std::string_view text) const {
  std::string scratch;
  return std::string(normalize(text, scratch));
}

}  // namespace embedkit
