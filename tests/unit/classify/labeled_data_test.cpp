// Reading labeled text: the three formats, encodings, and the errors that must never become a
// silent "0 labels" run.
#include "embedkit/classify/labeled_data.h"

#include <gtest/gtest.h>

#include "embedkit/core/error.h"
#include "test_files.h"

namespace embedkit {
namespace {

LabeledData parse(std::string_view text, LabeledDataOptions options = {}) {
  return parse_labeled_text(text, "data.txt", options);
}

std::string error_of(std::string_view text, LabeledDataOptions options = {}) {
  try {
    (void)parse(text, options);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LabeledData, FastTextFormatTakesLabelsAnywhere) {
  const auto d = parse("__label__pos a fine film\r\nit is __label__neg __label__dull bad .\n__label__pos __label__pos ok");
  EXPECT_EQ(d.format, LabeledFormat::fasttext);
  ASSERT_EQ(d.examples.size(), 3U);
  EXPECT_EQ(d.examples[0].labels, std::vector<std::string>{"pos"});
  EXPECT_EQ(d.examples[0].tokens, (std::vector<std::string>{"a", "fine", "film"}));
  EXPECT_EQ(d.examples[1].labels, (std::vector<std::string>{"neg", "dull"}));
  EXPECT_EQ(d.examples[1].tokens, (std::vector<std::string>{"it", "is", "bad", "."}));
  EXPECT_EQ(d.examples[2].labels, std::vector<std::string>{"pos"}) << "duplicates collapse";
  EXPECT_EQ(d.examples[2].line, 3U);
}

TEST(LabeledData, IncompleteLinesAreSkippedOnRequestAsFastTextDoes) {
  const std::string text = "__label__pos a fine film\n__label__neg\nno label here\n\n__label__neg dull .\n";
  EXPECT_EQ(error_of(text), "data.txt:2: a label but no text");
  const auto d = parse(text, {.format = LabeledFormat::fasttext, .skip_incomplete = true});
  ASSERT_EQ(d.examples.size(), 3U);
  EXPECT_TRUE(d.examples[1].tokens.empty()) << "labels alone are an example with no words";
  EXPECT_EQ(d.examples[2].line, 5U);
  EXPECT_EQ(d.skipped, 2U) << "the unlabelled line and the blank one";
}

TEST(LabeledData, TsvWithGlueHeaderAndLabelFirst) {
  const auto tsv = parse("sentence\tlabel\nhide new secretions \t0\nthe greatest musicians\t1\n");
  EXPECT_EQ(tsv.format, LabeledFormat::tsv);
  ASSERT_EQ(tsv.examples.size(), 2U);
  EXPECT_EQ(tsv.examples[0].labels, std::vector<std::string>{"0"});
  EXPECT_EQ(tsv.examples[0].tokens, (std::vector<std::string>{"hide", "new", "secretions"}));
  EXPECT_EQ(tsv.examples[1].line, 3U);
  const auto first = parse("1 a stirring , funny film\n0 apparently reassembled\n", {.format = LabeledFormat::label_first});
  ASSERT_EQ(first.examples.size(), 2U);
  EXPECT_EQ(first.examples[1].labels, std::vector<std::string>{"0"});
  EXPECT_EQ(first.examples[1].tokens, (std::vector<std::string>{"apparently", "reassembled"}));
}

TEST(LabeledData, ErrorsNameTheLine) {
  EXPECT_NE(error_of("__label__a x\n\n__label__b y\n").find("data.txt:2: empty line"), std::string::npos);
  EXPECT_NE(error_of("__label__a x\nno label here\n").find("data.txt:2: no label"), std::string::npos);
  EXPECT_NE(error_of("__label__a x\n__label__b\n").find("data.txt:2: a label but no text"), std::string::npos);
  EXPECT_NE(error_of("just words\n").find("cannot tell the format"), std::string::npos);
  EXPECT_NE(error_of("a\t\n", {.format = LabeledFormat::tsv}).find("label field"), std::string::npos);
  EXPECT_NE(error_of("").find("no examples"), std::string::npos);
  const std::string bad = error_of("__label__a ok\n__label__b caf\xE9 au lait\n");
  EXPECT_NE(bad.find("data.txt:2: invalid UTF-8 at byte 28"), std::string::npos) << bad;
  EXPECT_NE(bad.find("--encoding cp1252"), std::string::npos) << bad;
  // Optional labels (prediction input): a line without one is fine.
  EXPECT_TRUE(parse("just words\n", {.format = LabeledFormat::fasttext, .labels_optional = true}).examples[0].labels.empty());
}

TEST(LabeledData, Cp1252AndLatin1AreTranscoded) {
  const auto cp = parse("__label__a caf\xE9 \x93quoted\x94 \x85\n", {.encoding = TextEncoding::cp1252});
  EXPECT_EQ(cp.examples[0].tokens, (std::vector<std::string>{"caf\xC3\xA9", "\xE2\x80\x9Cquoted\xE2\x80\x9D", "\xE2\x80\xA6"}));
  const auto latin = parse("__label__a \x93\n", {.encoding = TextEncoding::latin1});
  EXPECT_EQ(latin.examples[0].tokens, std::vector<std::string>{"\xC2\x93"});
}

TEST(LabeledData, ReadsTheRtPolarityFilesAsCp1252) {
  const auto path = testing::shared_data("sentiment/rt-polarity/rt-polarity.pos");
  if (path.empty()) GTEST_SKIP() << "shared data not present";
  EXPECT_THROW((void)read_labeled_file(path.string(), {.format = LabeledFormat::fasttext, .labels_optional = true}),
               FormatError);
  const auto cp = read_labeled_file(path.string(), {.format = LabeledFormat::fasttext,
                                                    .encoding = TextEncoding::cp1252,
                                                    .labels_optional = true});
  const auto utf8 = read_labeled_file(testing::shared_data("sentiment/rt-polarity/rt-polarity.utf8.pos").string(),
                                      {.format = LabeledFormat::fasttext, .labels_optional = true});
  ASSERT_EQ(cp.examples.size(), 5331U);
  ASSERT_EQ(utf8.examples.size(), cp.examples.size());
  for (std::size_t i = 0; i < cp.examples.size(); ++i) ASSERT_EQ(cp.examples[i].tokens, utf8.examples[i].tokens) << i;
}

}  // namespace
}  // namespace embedkit
