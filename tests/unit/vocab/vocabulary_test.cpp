#include "embedkit/vocab/vocabulary.h"

#include <gtest/gtest.h>

#include "embedkit/core/error.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::error_of;

using testing::read_file;
using testing::ScratchDir;

Vocabulary small() {
  const std::vector<VocabularyEntry> entries = {
      {"<pad>", 0}, {"<unk>", 3}, {"the", 10}, {"cat", 4}, {"café", 2}, {"паровоз", 1}};
  return Vocabulary::from_entries(entries);
}

TEST(Vocabulary, LooksUpBothWays) {
  const Vocabulary v = small();
  EXPECT_EQ(v.size(), 6U);
  EXPECT_EQ(v.find("the"), TokenId{2});
  EXPECT_EQ(v.find("dog"), std::nullopt);
  EXPECT_EQ(v.id_or_unk("dog"), TokenId{1});
  EXPECT_EQ(v.word(5), "паровоз");
  EXPECT_EQ(v.count(2), 10U);
  EXPECT_EQ(v.total_count(), 20U);
  EXPECT_EQ(v.pad_id(), TokenId{0});
  EXPECT_EQ(v.unk_id(), TokenId{1});
  EXPECT_EQ(v.bos_id(), std::nullopt);
  EXPECT_TRUE(v.is_special(1));
  EXPECT_FALSE(v.is_special(2));
}

TEST(Vocabulary, OutOfRangeIdNamesIdAndSize) {
  const Vocabulary v = small();
  EXPECT_EQ(error_of([&] { (void)v.word(6); }), "token id 6 is out of range for a vocabulary of 6 entries");
  EXPECT_THROW((void)v.count(1000), ArgumentError);
}

TEST(Vocabulary, UnknownWordWithoutUnkEntryIsAnError) {
  const std::vector<VocabularyEntry> entries = {{"a", 1}};
  const Vocabulary v = Vocabulary::from_entries(entries);
  EXPECT_THROW((void)v.id_or_unk("b"), ArgumentError);
}

TEST(Vocabulary, CopiesAndMovesKeepWorkingAfterTheOriginalDies) {
  std::optional<Vocabulary> original = small();
  Vocabulary copy = *original;
  Vocabulary assigned;
  assigned = *original;
  original.reset();
  EXPECT_EQ(copy.find("café"), TokenId{4});
  EXPECT_EQ(assigned.find("паровоз"), TokenId{5});
  Vocabulary moved = std::move(copy);
  EXPECT_EQ(moved.find("the"), TokenId{2});
  EXPECT_EQ(moved, assigned);
}

TEST(Vocabulary, SaveLoadRoundTripsExactly) {
  ScratchDir dir;
  const std::string path = (dir.path() / "v.tsv").string();
  const Vocabulary v = small();
  v.save(path);
  EXPECT_EQ(read_file(path), "<pad>\t0\n<unk>\t3\nthe\t10\ncat\t4\ncafé\t2\nпаровоз\t1\n");
  const Vocabulary loaded = Vocabulary::load(path);
  EXPECT_EQ(loaded, v);
  EXPECT_EQ(loaded.unk_id(), TokenId{1});
}

TEST(Vocabulary, LoadAcceptsWord2vecSpaceFormatAndCrlf) {
  ScratchDir dir;
  const Vocabulary v = Vocabulary::load(dir.write("w2v.vocab", "</s> 5\r\nthe 4\r\nof 2"));
  EXPECT_EQ(v.size(), 3U);
  EXPECT_EQ(v.word(0), "</s>");
  EXPECT_EQ(v.count(2), 2U);
}

TEST(Vocabulary, LoadRejectsMalformedFilesNamingFileAndLine) {
  ScratchDir dir;
  const std::string no_count = dir.write("a", "the\t1\ncat\n");
  EXPECT_EQ(error_of([&] { (void)Vocabulary::load(no_count); }),
            no_count + ":2: expected word<TAB>count, got \"cat\"");
  const std::string bad_count = dir.write("b", "the\t1\ncat\t-4\n");
  EXPECT_EQ(error_of([&] { (void)Vocabulary::load(bad_count); }),
            bad_count + ":2: count \"-4\" is not an unsigned 64-bit integer");
  const std::string overflow = dir.write("c", "the\t99999999999999999999\n");
  EXPECT_NE(error_of([&] { (void)Vocabulary::load(overflow); }).find(":1: count"), std::string::npos);
  const std::string duplicate = dir.write("d", "the\t3\ncat\t2\nthe\t1\n");
  EXPECT_EQ(error_of([&] { (void)Vocabulary::load(duplicate); }),
            duplicate + ":3: duplicate word \"the\" (first seen at " + duplicate + ":1)");
  const std::string blank = dir.write("e", "the\t3\n\ncat\t2\n");
  EXPECT_EQ(error_of([&] { (void)Vocabulary::load(blank); }), blank + ":2: empty line (expected word<TAB>count)");
  const std::string latin1 = dir.write("f", "caf\xE9\t3\n");
  EXPECT_NE(error_of([&] { (void)Vocabulary::load(latin1); }).find(":1: word \"caf\\xe9\" is not valid UTF-8"),
            std::string::npos)
      << error_of([&] { (void)Vocabulary::load(latin1); });
  EXPECT_THROW((void)Vocabulary::load((dir.path() / "missing").string()), IoError);
}

TEST(Vocabulary, EntriesMayNotHoldSeparators) {
  const std::vector<VocabularyEntry> tab = {{"a\tb", 1}};
  EXPECT_THROW((void)Vocabulary::from_entries(tab), FormatError);
  const std::vector<VocabularyEntry> empty = {{"", 1}};
  EXPECT_THROW((void)Vocabulary::from_entries(empty), FormatError);
}

}  // namespace
}  // namespace embedkit
