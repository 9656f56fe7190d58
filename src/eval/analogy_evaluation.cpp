#include "embedkit/eval/analogy_evaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "embedkit/core/error.h"
#include "embedkit/io/word_matrix.h"
#include "core/read_whole_file.h"
#include "evaluation_files.h"

namespace embedkit {
namespace {

// gensim asks most_similar for five answers and takes the first that is no spelling of a, b or c.
constexpr std::size_t kCandidates = 5;

}  // namespace

double AnalogyCounts::accuracy() const {
  return attempted == 0 ? std::numeric_limits<double>::quiet_NaN()
                        : static_cast<double>(correct) / static_cast<double>(attempted);
}

double AnalogyCounts::coverage() const {
  return questions == 0 ? 0.0 : static_cast<double>(attempted) / static_cast<double>(questions);
}

AnalogyCounts& AnalogyCounts::operator+=(const AnalogyCounts& other) {
  questions += other.questions;
  attempted += other.attempted;
  correct += other.correct;
  return *this;
}

std::vector<AnalogySection> read_analogies(const std::string& path) {
  return parse_analogies(detail::read_whole_file(path), path == "-" ? "<stdin>" : path);
}

std::vector<AnalogySection> parse_analogies(std::string_view text, std::string_view path) {
  std::vector<AnalogySection> sections;
  std::size_t count = 0;
  detail::for_each_text_line(text, path, [&](std::size_t number, std::string_view line) {
    if (line.starts_with(':')) {
      const std::vector<std::string_view> name = detail::split_fields(line.substr(1));
      EMBEDKIT_CHECK(!name.empty(), FormatError, fmt::format("{}:{}: a section line without a name", path, number));
      std::string joined(name.front());
      for (std::size_t f = 1; f < name.size(); ++f) joined.append(" ").append(name[f]);
      sections.push_back({std::move(joined), {}});
      return;
    }
    const std::vector<std::string_view> fields = detail::split_fields(line);
    if (fields.empty() || fields[0].front() == '#') return;
    EMBEDKIT_CHECK(fields.size() == 4, FormatError,
                   fmt::format("{}:{}: expected four words 'a b c d', found {}", path, number, fields.size()));
    if (sections.empty()) sections.push_back({"questions", {}});
    sections.back().questions.push_back(
        {std::string(fields[0]), std::string(fields[1]), std::string(fields[2]), std::string(fields[3])});
    ++count;
  });
  EMBEDKIT_CHECK(count > 0, FormatError, fmt::format("{}: no analogy questions in the file", path));
  return sections;
}

AnalogyResult evaluate_analogies(const WordVectors& vectors, const std::vector<AnalogySection>& set,
                                 const AnalogyOptions& options) {
  const detail::KnownWords known(vectors.words(), options.restrict, options.case_insensitive);
  const WordMatrix words(vectors);  // with subwords: each word's composed vector, as gensim
  const TableView table = words.view();
  const AnalogySolver solver(table, words.rows());

  // Every answerable question, then one batch search for all of them.
  struct Asked {
    std::size_t section;
    std::size_t question;
    std::array<TokenId, 4> ids;
  };
  std::vector<Asked> asked;
  AnalogyResult result;
  for (std::size_t s = 0; s < set.size(); ++s) {
    AnalogySectionResult section{set[s].name, set[s].name.starts_with("gram"), {}};
    for (std::size_t i = 0; i < set[s].questions.size(); ++i) {
      const auto& question = set[s].questions[i];
      ++section.counts.questions;
      std::array<TokenId, 4> ids{};
      bool all = true;
      for (std::size_t w = 0; w < 4 && all; ++w) {
        const auto id = known.find(question[w]);
        all = id.has_value();
        if (all) ids[w] = *id;
      }
      if (!all) continue;
      ++section.counts.attempted;
      asked.push_back({s, i, ids});
    }
    result.sections.push_back(std::move(section));
  }
  std::vector<AnalogyQuestion> questions;
  questions.reserve(asked.size());
  for (const Asked& a : asked) {
    auto row = [&](TokenId id) { return std::span<const float>(table.row_unchecked(id), table.dim); };
    questions.push_back({row(a.ids[0]), row(a.ids[1]), row(a.ids[2]), {a.ids[0], a.ids[1], a.ids[2]}});
  }
  const auto answers = solver.solve_batch(questions, kCandidates, options.method, known.limit());
  for (std::size_t q = 0; q < asked.size(); ++q) {
    const auto& ids = asked[q].ids;
    std::array<std::string, 3> ignore;
    for (std::size_t w = 0; w < 3; ++w) ignore[w] = known.key(vectors.words().word(ids[w]));
    std::string predicted;
    for (const Neighbor& n : answers[q]) {
      predicted = known.key(vectors.words().word(n.id));
      if (std::find(ignore.begin(), ignore.end(), predicted) == ignore.end()) break;
    }
    AnalogySectionResult& section = result.sections[asked[q].section];
    if (!predicted.empty() && predicted == known.key(vectors.words().word(ids[3]))) {
      ++section.counts.correct;
      section.correct_questions.push_back(asked[q].question);
    } else {
      section.incorrect_questions.push_back(asked[q].question);
    }
  }
  for (const AnalogySectionResult& s : result.sections) {
    result.total += s.counts;
    (s.syntactic ? result.syntactic : result.semantic) += s.counts;
  }
  return result;
}

}  // namespace embedkit
