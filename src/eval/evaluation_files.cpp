#include "evaluation_files.h"

#include <fmt/format.h>


#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

namespace embedkit::detail {

void for_each_text_line(std::string_view text, std::string_view path,
                        FunctionRef<void(std::size_t, std::string_view)> on_line) {
  std::size_t start = 0;
  for (std::size_t number = 1; start < text.size(); ++number) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const auto bad = find_invalid_utf8(line)) {
      throw FormatError(fmt::format("{}:{}: byte {}: invalid UTF-8", path, number, *bad + 1));
    }
    on_line(number, line);
    start = end + 1;
  }
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

KnownWords::KnownWords(const Vocabulary& words, std::size_t restrict, bool case_insensitive)
    : words_(words),
      limit_(restrict > 0 ? std::min(restrict, words.size()) : words.size()),
      case_insensitive_(case_insensitive),
      lower_(NormalizerOptions{.lowercase = true}) {
  if (!case_insensitive_) return;
  for (std::size_t id = 0; id < limit_; ++id) {
    folded_.emplace(key(words_.word(static_cast<TokenId>(id))), static_cast<TokenId>(id));  // first wins
  }
}

std::string KnownWords::key(std::string_view word) const {
  return case_insensitive_ ? lower_.normalize(word) : std::string(word);
}

std::optional<TokenId> KnownWords::find(std::string_view word) const {
  if (case_insensitive_) {
    const auto it = folded_.find(key(word));
    if (it == folded_.end()) return std::nullopt;
    return it->second;
  }
  const auto id = words_.find(word);
  if (!id || *id >= limit_) return std::nullopt;
  return id;
}

}  // namespace embedkit::detail
