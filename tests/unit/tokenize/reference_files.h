// Reading the reference files in tests/unit/tokenize/data/ (made by the scripts beside them):
// tab- and line-separated fields, the generator's escapes, lists of ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embedkit::tokenize::reference {

/// `text` cut at every `sep` (an empty field where two meet; one field for text without any).
inline std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(sep, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

/// Undoes the generator's escapes: \\ \t \n \r \xHH.
inline std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    const char code = text.at(++i);
    if (code == 'x') {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += code == 't' ? '\t' : code == 'n' ? '\n' : code == 'r' ? '\r' : code;
    }
  }
  return out;
}

/// Space-separated ids ("" is none).
inline std::vector<std::int32_t> parse_ids(std::string_view field) {
  std::vector<std::int32_t> ids;
  if (field.empty()) return ids;
  for (const std::string& s : split(field, ' ')) ids.push_back(std::stoi(s));
  return ids;
}

}  // namespace embedkit::tokenize::reference
