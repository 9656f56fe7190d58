#include "embedkit/text/utf8.h"

#include <fmt/format.h>
#include <utf8proc.h>

#include <cstdint>
#include <cstring>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

constexpr bool is_continuation(unsigned char byte) { return (byte & 0xC0U) == 0x80U; }

}  // namespace

Utf8Decoded decode_utf8(std::string_view text, std::size_t pos) noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  const std::size_t left = text.size() - pos;
  const unsigned char b0 = s[0];
  if (b0 < 0x80U) return {b0, 1, true};

  // Table 3-7: the lead byte fixes the length and the allowed range of the *second* byte;
  // every later byte is a plain continuation (80..BF).
  std::size_t need = 0;
  unsigned char lo = 0x80U;
  unsigned char hi = 0xBFU;
  char32_t cp = 0;
  if (b0 >= 0xC2U && b0 <= 0xDFU) {
    need = 2;
    cp = b0 & 0x1FU;
  } else if (b0 >= 0xE0U && b0 <= 0xEFU) {
    need = 3;
    cp = b0 & 0x0FU;
    if (b0 == 0xE0U) lo = 0xA0U;  // no overlongs
    if (b0 == 0xEDU) hi = 0x9FU;  // no surrogates
  } else if (b0 >= 0xF0U && b0 <= 0xF4U) {
    need = 4;
    cp = b0 & 0x07U;
    if (b0 == 0xF0U) lo = 0x90U;  // no overlongs
    if (b0 == 0xF4U) hi = 0x8FU;  // nothing above U+10FFFF
  } else {
    return {0xFFFD, 1, false};  // 80..C1 and F5..FF never start a sequence
  }

  for (std::size_t i = 1; i < need; ++i) {
    if (i >= left) return {0xFFFD, i, false};  // truncated: the valid prefix is one subpart
    const unsigned char b = s[i];
    const bool ok = (i == 1) ? (b >= lo && b <= hi) : is_continuation(b);
    if (!ok) return {0xFFFD, i, false};
    cp = (cp << 6U) | (b & 0x3FU);
  }
  return {cp, need, true};
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) noexcept {
  std::size_t pos = 0;
  const std::size_t n = text.size();
  while (pos < n) {
    // ASCII fast path: skip 8 bytes at a time while no byte has its top bit set.
    while (pos + 8 <= n) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + pos, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      pos += 8;
    }
    if (pos >= n) break;
    if (static_cast<unsigned char>(text[pos]) < 0x80U) {
      ++pos;
      continue;
    }
    const Utf8Decoded d = decode_utf8(text, pos);
    if (!d.valid) return pos;
    pos += d.length;
  }
  return std::nullopt;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string_view sanitize_utf8(std::string_view text, InvalidUtf8 policy, std::string& scratch,
                               const SourceLocation& where) {
  const std::optional<std::size_t> first_bad = find_invalid_utf8(text);
  if (!first_bad) return text;

  if (policy == InvalidUtf8::error) {
    const std::size_t at = *first_bad;
    const std::size_t shown = std::min<std::size_t>(4, text.size() - at);
    std::string bytes;
    for (std::size_t i = 0; i < shown; ++i) {
      bytes += fmt::format("{}0x{:02X}", i == 0 ? "" : " ", static_cast<unsigned char>(text[at + i]));
    }
    throw FormatError(fmt::format("{}: invalid UTF-8 (bytes {}); pass the 'replace' option to "
                                  "substitute U+FFFD",
                                  where.describe(at), bytes),
                      "valid UTF-8");
  }

  scratch.assign(text.substr(0, *first_bad));
  std::size_t pos = *first_bad;
  while (pos < text.size()) {
    const Utf8Decoded d = decode_utf8(text, pos);
    if (d.valid) {
      scratch.append(text.substr(pos, d.length));
    } else {
      scratch.append(kReplacementCharacter);
    }
    pos += d.length;
  }
  return scratch;
}

bool is_unicode_whitespace(char32_t cp) noexcept {
  if (cp < 0x80) return cp == ' ' || (cp >= '\t' && cp <= '\r');
  if (cp == 0x85) return true;
  const utf8proc_category_t cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

}  // namespace embedkit
