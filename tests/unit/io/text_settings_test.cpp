#include "embedkit/io/text_settings.h"

#include <gtest/gtest.h>

#include "embedkit/io/vector_io.h"
#include "test_files.h"

namespace embedkit {
namespace {

TEST(TextSettings, TravelWithTheVectorsAndShapeQueries) {
  testing::ScratchDir dir;
  WordVectors wv(Vocabulary::from_entries(std::vector<VocabularyEntry>{{"paris", 3}, {"ecole", 1}}),
                 EmbeddingTable(2, 4));
  EXPECT_EQ(query_form(wv, "Paris"), "Paris") << "no settings recorded: the query is left alone";
  record_text_settings({.split = Split::words, .normalize = {.strip_accents = true, .lowercase = true}}, wv.metadata);
  const std::string path = (dir.path() / "v.ekv").string();
  save_vectors(wv, path, {.format = VectorFormat::native});
  const WordVectors loaded = load_vectors(path);
  const auto normalization = recorded_normalization(loaded.metadata);
  ASSERT_TRUE(normalization.has_value());
  EXPECT_TRUE(normalization->lowercase);
  EXPECT_TRUE(normalization->strip_accents);
  EXPECT_FALSE(normalization->nfkc);
  EXPECT_EQ(loaded.metadata.at("text.split"), "words");
  EXPECT_EQ(query_form(loaded, "Paris"), "paris");
  EXPECT_EQ(query_form(loaded, "École"), "ecole");
  EXPECT_EQ(*loaded.words().find(query_form(loaded, "PARIS")), 0U);
  EXPECT_EQ(query_form(loaded, "bad\xC3"), "bad\xC3") << "invalid UTF-8 is left for the lookup to miss";
}

}  // namespace
}  // namespace embedkit
