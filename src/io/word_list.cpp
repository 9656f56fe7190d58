#include "word_list.h"

#include <fmt/format.h>

#include <cstring>
#include <unordered_map>

#include "embedkit/core/error.h"

namespace embedkit::detail {

std::string location(std::string_view source, std::string_view unit, std::uint64_t where) {
  return unit == "line" ? fmt::format("{}:{}", source, where) : fmt::format("{}: {} {}", source, unit, where);
}

void WordList::add(std::string_view word, std::uint64_t count, std::uint64_t where) {
  // Under the error policy the message names the line (or the word's byte offset) and the bad bytes.
  const SourceLocation at = unit_ == "line" ? SourceLocation{source_, where, 0} : SourceLocation{source_, 0, where};
  const std::string_view clean = sanitize_utf8(word, options_.invalid_utf8, scratch_, at);
  if (const auto problem = find_word_problem(clean)) {
    throw FormatError(fmt::format("{}: {}", location(source_, unit_, where), *problem), "a valid word");
  }
  entries_.push_back({std::string(clean), count});
  where_.push_back(where);
  dropped_.push_back(false);
}

void WordList::add_dropped() {
  entries_.push_back({});
  where_.push_back(0);
  dropped_.push_back(true);
  ++dropped_empty_;
}

WordList::Result WordList::finish() {
  Result result;
  std::unordered_map<std::string_view, std::size_t> first_row;
  first_row.reserve(entries_.size());
  bool any_duplicate = dropped_empty_ > 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (dropped_[i]) continue;
    const auto [it, inserted] = first_row.emplace(entries_[i].word, i);
    if (inserted) continue;
    EMBEDKIT_CHECK(options_.duplicates == DuplicateWords::keep_first, FormatError,
                   fmt::format("{}: duplicate word {:?} (first at {} {}); load with duplicates = keep_first "
                               "(CLI: --duplicates keep-first) to drop later copies",
                               location(source_, unit_, where_[i]), entries_[i].word, unit_, where_[it->second]));
    any_duplicate = true;
  }
  if (!any_duplicate) {
    result.vocabulary = Vocabulary::from_entries(entries_, source_);
    return result;
  }
  std::vector<VocabularyEntry> unique;
  unique.reserve(first_row.size());
  result.kept_rows.emplace();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (dropped_[i] || first_row.at(entries_[i].word) != i) continue;
    result.kept_rows->push_back(i);
    unique.push_back(entries_[i]);
  }
  result.vocabulary = Vocabulary::from_entries(unique, source_);
  return result;
}

EmbeddingTable keep_rows(const EmbeddingTable& table, const std::vector<std::size_t>& kept, std::size_t tail_from) {
  const std::size_t tail = table.rows() - tail_from;
  EmbeddingTable out(kept.size() + tail, table.dim());
  const std::size_t row_bytes = table.stride() * sizeof(float);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    std::memcpy(out.data() + i * out.stride(), table.data() + kept[i] * table.stride(), row_bytes);
  }
  if (tail > 0) {
    std::memcpy(out.data() + kept.size() * out.stride(), table.data() + tail_from * table.stride(), tail * row_bytes);
  }
  return out;
}

}  // namespace embedkit::detail
