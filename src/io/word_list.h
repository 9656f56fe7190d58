// Private to embedkit: the words of a vector file, checked as they are read (UTF-8 policy, no
// whitespace or control characters, duplicates by policy), then turned into a Vocabulary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/io/vector_io.h"
#include "embedkit/table/embedding_table.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit::detail {

class WordList {
 public:
  /// `unit` says what locations count: "line" (text files) or "byte" (binary files).
  WordList(std::string_view source, std::string_view unit, const LoadOptions& options)
      : source_(source), unit_(unit), options_(options) {}

  void reserve(std::size_t n) {
    entries_.reserve(n);
    where_.reserve(n);
  }
  /// Adds the word of the next row, read at `where` (a line number or byte offset). Throws
  /// FormatError for invalid UTF-8 under the error policy, or a word find_word_problem() refuses.
  void add(std::string_view word, std::uint64_t count, std::uint64_t where);

  /// Adds a row that has no usable word (fastText dictionaries can hold an empty word): the row
  /// is dropped from the result and counted in dropped_empty().
  void add_dropped();

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t dropped_empty() const noexcept { return dropped_empty_; }

  struct Result {
    Vocabulary vocabulary;
    /// Rows to keep, in order; nullopt = all of them. (Empty means none: every word was dropped.)
    std::optional<std::vector<std::size_t>> kept_rows;
  };
  /// The vocabulary, after the duplicate policy. Throws FormatError naming both places of a
  /// duplicate under DuplicateWords::error.
  Result finish();

 private:
  std::string source_;
  std::string unit_;
  const LoadOptions& options_;
  std::vector<VocabularyEntry> entries_;
  std::vector<std::uint64_t> where_;
  std::vector<bool> dropped_;
  std::size_t dropped_empty_ = 0;
  std::string scratch_;
};

/// The rows `kept` of `table` (in order), followed by its rows from `tail_from` on (subword
/// buckets), as a new table.
EmbeddingTable keep_rows(const EmbeddingTable& table, const std::vector<std::size_t>& kept, std::size_t tail_from);

/// "source:line 12" or "source: byte 3456" style location prefixes.
std::string location(std::string_view source, std::string_view unit, std::uint64_t where);

}  // namespace embedkit::detail
