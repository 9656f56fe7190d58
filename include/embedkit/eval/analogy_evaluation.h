// Analogy evaluation: the share of "a b c d" questions (Athens Greece Baghdad Iraq) where d is
// the best answer to a : b :: c : ?, per section and overall.
//
//   auto set = embedkit::read_analogies("questions-words.txt");
//   auto r = embedkit::evaluate_analogies(wv, set, {.restrict = 30000});
//
// Files: ": section name" lines start sections; other lines hold four words separated by
// whitespace; '#' comments and blank lines are skipped; CRLF and a missing final newline are
// fine. Questions before any section line form a section named "questions".
//
// Defaults follow gensim's KeyedVectors.evaluate_word_analogies, so figures agree with it:
// the 300,000 most frequent words are searched; matching is case-insensitive (the most frequent
// spelling wins); a question with a word outside them is skipped (not counted as wrong); the
// answer is the best 3CosAdd word that is not a, b or c in any spelling. Sections whose names
// start with "gram" are syntactic, the others semantic (the Google set's convention).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/io/word_vectors.h"
#include "embedkit/search/analogy.h"

namespace embedkit {

struct AnalogySection {
  std::string name;
  std::vector<std::array<std::string, 4>> questions;
};

/// Throws IoError when the file cannot be read, FormatError on a malformed line or bad UTF-8.
[[nodiscard]] std::vector<AnalogySection> read_analogies(const std::string& path);
/// The same from the text of such a file; `source` names it in errors.
[[nodiscard]] std::vector<AnalogySection> parse_analogies(std::string_view text, std::string_view source);

struct AnalogyOptions {
  std::size_t restrict = 300000;  ///< search, and accept questions within, the N most frequent words (0 = all)
  bool case_insensitive = true;
  AnalogyMethod method = AnalogyMethod::add;
};

struct AnalogyCounts {
  std::size_t questions = 0;  ///< in the set
  std::size_t attempted = 0;  ///< with all four words known
  std::size_t correct = 0;
  [[nodiscard]] double accuracy() const;  ///< correct / attempted (NaN when none attempted)
  [[nodiscard]] double coverage() const;  ///< attempted / questions
  AnalogyCounts& operator+=(const AnalogyCounts& other);
};

struct AnalogySectionResult {
  std::string name;
  bool syntactic = false;
  AnalogyCounts counts;
  /// The attempted questions (indices into the section's questions, ascending), by outcome.
  std::vector<std::size_t> correct_questions, incorrect_questions;
};

struct AnalogyResult {
  std::vector<AnalogySectionResult> sections;
  AnalogyCounts total, semantic, syntactic;
};

[[nodiscard]] AnalogyResult evaluate_analogies(const WordVectors& vectors, const std::vector<AnalogySection>& set,
                                               const AnalogyOptions& options = {});

}  // namespace embedkit
