#include "embedkit/vocab/encoder.h"

#include <gtest/gtest.h>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

Vocabulary vocab_with(std::vector<VocabularyEntry> entries) { return Vocabulary::from_entries(entries); }

TEST(Encoder, EncodesKnownWordsAndUnk) {
  const Vocabulary v = vocab_with({{"<pad>", 0}, {"<unk>", 0}, {"<bos>", 0}, {"<eos>", 0}, {"the", 9}, {"cat", 5}});
  const Tokenizer tok({.normalize = {.lowercase = true}});
  const Encoder enc(v, tok);
  EXPECT_EQ(enc.encode("The cat  DOG"), (std::vector<TokenId>{4, 5, 1}));
  EXPECT_EQ(enc.encode("the", {.add_bos = true, .add_eos = true}), (std::vector<TokenId>{2, 4, 3}));
  EXPECT_TRUE(enc.encode("").empty());
}

TEST(Encoder, DecodeInvertsEncodeOnNormalisedText) {
  const Vocabulary v = vocab_with({{"<pad>", 0}, {"<unk>", 0}, {"<eos>", 0}, {"hello", 1}, {",", 1}, {"world", 1}});
  const Tokenizer tok({.split = Split::words, .normalize = {.lowercase = true}});
  const Encoder enc(v, tok);
  const auto ids = enc.encode("Hello,World", {.add_eos = true});
  EXPECT_EQ(enc.decode(ids), "hello , world");
  EXPECT_EQ(enc.decode(ids, {.skip_special = false}), "hello , world <eos>");
  const std::vector<TokenId> with_unk_and_pad = {0, 3, 1, 0};
  EXPECT_EQ(enc.decode(with_unk_and_pad), "hello <unk>");
}

TEST(Encoder, ErrorsAreClear) {
  const Vocabulary v = vocab_with({{"a", 1}});
  const Tokenizer tok;
  const Encoder enc(v, tok);
  EXPECT_THROW((void)enc.encode("b"), ArgumentError);              // no <unk>
  EXPECT_THROW((void)enc.encode("a", {.add_bos = true}), ArgumentError);
  const std::vector<TokenId> bad = {7};
  EXPECT_THROW((void)enc.decode(bad), ArgumentError);
}

}  // namespace
}  // namespace embedkit
