#include "embedkit/eval/analogy_evaluation.h"

#include <gtest/gtest.h>

#include <cmath>

#include "embedkit/core/error.h"
#include "embedkit/io/vector_io.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::ScratchDir;

TEST(AnalogyFile, ReadsSectionsCommentsCrlfAndNoFinalNewline) {
  const ScratchDir dir;
  const auto path = dir.write("q.txt", "a b c d\r\n: capital-common-countries\r\nAthens Greece Baghdad Iraq\r\n"
                                       "# comment\n\n: gram1-adjective-to-adverb\nquick\tquickly  calm calmly");
  const auto set = read_analogies(path);
  ASSERT_EQ(set.size(), 3U);
  EXPECT_EQ(set[0].name, "questions");
  EXPECT_EQ(set[1].name, "capital-common-countries");
  ASSERT_EQ(set[2].questions.size(), 1U);
  EXPECT_EQ(set[2].questions[0][3], "calmly");
  try {
    (void)read_analogies(dir.write("bad.txt", ": s\na b c\n"));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.txt:2: expected four words 'a b c d', found 3"), std::string::npos);
  }
  EXPECT_THROW((void)read_analogies(dir.write("empty.txt", ": s\n")), FormatError);
}

TEST(AnalogyEvaluation, CountsPerSectionWithPlantedAnswers) {
  // Countries on axes e0..e3, each capital = its country + e7: b - a + c (on unit vectors)
  // points nearest to c's capital under both objectives. The other words are orthogonal noise;
  // "Paris" is a rarer spelling of "paris".
  std::vector<VocabularyEntry> entries;
  EmbeddingTable table(11, 8);
  const std::vector<std::string> words = {"france", "paris", "germany", "berlin", "italy", "rome",
                                          "spain", "madrid", "Paris", "noise", "rare"};
  for (std::size_t i = 0; i < words.size(); ++i) entries.push_back({words[i], 1000 - i});
  for (TokenId country = 0; country < 4; ++country) {
    table.row(2 * country)[country] = 1;
    table.row(2 * country + 1)[country] = 1;
    table.row(2 * country + 1)[7] = 1;
  }
  table.row(8)[5] = 1;
  table.row(9)[6] = 1;
  table.row(10)[4] = 1;
  const WordVectors wv(Vocabulary::from_entries(entries), std::move(table));
  const std::vector<AnalogySection> set = {
      {"capitals", {{"France", "Paris", "Germany", "Berlin"}, {"germany", "berlin", "italy", "rome"},
                    {"italy", "rome", "spain", "madrid"}, {"france", "paris", "spain", "unknownword"}}},
      {"gram-wrong", {{"france", "paris", "germany", "rome"}}}};
  const AnalogyResult r = evaluate_analogies(wv, set);
  ASSERT_EQ(r.sections.size(), 2U);
  EXPECT_EQ(r.sections[0].counts.questions, 4U);
  EXPECT_EQ(r.sections[0].counts.attempted, 3U);
  EXPECT_EQ(r.sections[0].counts.correct, 3U);
  EXPECT_FALSE(r.sections[0].syntactic);
  EXPECT_TRUE(r.sections[1].syntactic);
  EXPECT_EQ(r.sections[0].correct_questions, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_TRUE(r.sections[0].incorrect_questions.empty()) << "the unanswerable question is in neither list";
  EXPECT_EQ(r.sections[1].incorrect_questions, (std::vector<std::size_t>{0}));
  EXPECT_EQ(r.syntactic.correct, 0U);
  EXPECT_EQ(r.total.attempted, 4U);
  EXPECT_EQ(r.total.correct, 3U);
  EXPECT_DOUBLE_EQ(r.total.accuracy(), 0.75);
  EXPECT_DOUBLE_EQ(r.total.coverage(), 0.8);
  // Restricted to the 4 most frequent words, only the first question is answerable.
  const AnalogyResult small = evaluate_analogies(wv, set, {.restrict = 4});
  EXPECT_EQ(small.total.attempted, 1U);
  // Case-sensitive: "France" is unknown.
  EXPECT_EQ(evaluate_analogies(wv, set, {.case_insensitive = false}).total.attempted, 3U);
  EXPECT_EQ(evaluate_analogies(wv, set, {.method = AnalogyMethod::mul}).total.correct, 3U);
}

TEST(AnalogyEvaluation, SharedGoogleSetLoads) {
  const auto path = testing::shared_data("analogy/questions-words.txt");
  if (path.empty()) GTEST_SKIP() << "shared data not present";
  const auto set = read_analogies(path.string());
  ASSERT_EQ(set.size(), 14U);
  std::size_t semantic = 0, syntactic = 0;
  for (const auto& s : set) (s.name.starts_with("gram") ? syntactic : semantic) += s.questions.size();
  EXPECT_EQ(semantic, 8869U);  // SOURCES.md: 8,869 semantic + 10,675 syntactic
  EXPECT_EQ(syntactic, 10675U);
}

}  // namespace
}  // namespace embedkit
