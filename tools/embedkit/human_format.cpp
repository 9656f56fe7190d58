#include "human_format.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "embedkit/text/utf8.h"

namespace embedkit::cli {

std::string group_digits(std::uint64_t n) { return group_digits(static_cast<Uint128>(n)); }

std::string group_digits(Uint128 n) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
    n /= 10;
  } while (n > 0);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string printable(std::string_view text) {
  // Most words need nothing: return them as they are after one look at each byte.
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0x20 && b < 0x7F;
  });
  if (plain) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t pos = 0; pos < text.size();) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      if (byte < 0x20 || byte == 0x7F) {
        out += fmt::format("\\x{:02x}", byte);
      } else {
        out.push_back(static_cast<char>(byte));
      }
      ++pos;
      continue;
    }
    const Utf8Decoded d = decode_utf8(text, pos);
    if (!d.valid) {
      for (std::size_t i = 0; i < d.length; ++i) {
        out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[pos + i]));
      }
    } else {
      const char32_t cp = d.code_point;
      const bool control = (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
                           (cp >= 0x2066 && cp <= 0x2069);
      if (control) {
        out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
      } else {
        out.append(text.substr(pos, d.length));
      }
    }
    pos += d.length;
  }
  return out;
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::string human_bytes(double bytes) {
  constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000.0 && unit < 4) {
    bytes /= 1000.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

std::string human_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<std::uint64_t>(std::llround(seconds));
  const std::uint64_t h = total / 3600;
  const std::uint64_t m = (total / 60) % 60;
  const std::uint64_t s = total % 60;
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, s);
  return fmt::format("{}:{:02}", m, s);
}

}  // namespace embedkit::cli
