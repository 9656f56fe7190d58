// Vocabulary building on real text, checked against an independent, deliberately naive count.
#include <gtest/gtest.h>

#include <map>

#include "embedkit/core/error.h"
#include "embedkit/vocab/vocab_builder.h"
#include "test_files.h"

namespace embedkit {
namespace {

using testing::read_file;
using testing::shared_data;
using testing::source_file;

// Byte length of a whitespace character starting at s[i], or 0. Spelled out byte by byte
// (ASCII + the UTF-8 forms of Unicode Zs/Zl/Zp and U+0085) so it shares no code with embedkit.
std::size_t whitespace_at(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  if (b(0) == ' ' || (b(0) >= 9 && b(0) <= 13)) return 1;
  if (b(0) == 0xC2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
  if (b(0) == 0xE1 && b(1) == 0x9A && b(2) == 0x80) return 3;                    // U+1680
  if (b(0) == 0xE2 && b(1) == 0x80 && (b(2) <= 0x8A || b(2) == 0xA8 || b(2) == 0xA9 || b(2) == 0xAF)) {
    return 3;                                                                       // U+2000..200A, 2028, 2029, 202F
  }
  if (b(0) == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;                    // U+205F
  if (b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;                    // U+3000
  return 0;
}

std::map<std::string, std::uint64_t> naive_count(std::string_view text) {
  std::map<std::string, std::uint64_t> counts;
  std::string word;
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t ws = whitespace_at(text, i)) {
      if (!word.empty()) ++counts[word];
      word.clear();
      i += ws;
    } else {
      word.push_back(text[i++]);
    }
  }
  if (!word.empty()) ++counts[word];
  return counts;
}

void expect_counts_match(const std::filesystem::path& path) {
  const auto truth = naive_count(read_file(path));
  const Tokenizer tok({.max_token_bytes = 1 << 16});
  const auto result = build_vocabulary(path.string(), tok, {.min_count = 1, .add_pad = false, .add_unk = false});
  const Vocabulary& v = result.vocabulary;
  ASSERT_EQ(v.size(), truth.size()) << path;
  std::uint64_t total = 0;
  for (const auto& [word, n] : truth) {
    const auto id = v.find(word);
    ASSERT_TRUE(id.has_value()) << word;
    EXPECT_EQ(v.count(*id), n) << word;
    total += n;
  }
  EXPECT_EQ(result.report.tokens, total);
  EXPECT_EQ(result.report.prune_events, 0U);
  for (std::size_t i = 1; i < v.size(); ++i) {
    const auto a = static_cast<TokenId>(i - 1);
    const auto b = static_cast<TokenId>(i);
    ASSERT_TRUE(v.count(a) > v.count(b) || (v.count(a) == v.count(b) && v.word(a) < v.word(b)))
        << "order broken at id " << i;
  }
}

TEST(RealText, BundledWikipediaSliceMatchesNaiveCount) {
  expect_counts_match(source_file("data/enwiki-5M.txt"));
}

TEST(RealText, SharedCorporaMatchNaiveCount) {
  for (const char* name : {"corpus/lee_background.cor", "sentiment/rt-polarity/rt-polarity.utf8.pos",
                           "sentiment/sst2/stsa.binary.train"}) {
    const auto path = shared_data(name);
    if (path.empty()) GTEST_SKIP() << "../shared/data/" << name << " is not available";
    SCOPED_TRACE(name);
    expect_counts_match(path);
  }
}

TEST(RealText, Cp1252FileIsRejectedWithLocationOrRepaired) {
  const auto path = shared_data("sentiment/rt-polarity/rt-polarity.pos");
  if (path.empty()) GTEST_SKIP() << "rt-polarity.pos is not available";
  try {
    (void)build_vocabulary(path.string(), Tokenizer{}, {});
    FAIL() << "cp1252 text must not pass as UTF-8";
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path.string() + ":", 0), 0U) << message;
    EXPECT_NE(message.find("invalid UTF-8"), std::string::npos) << message;
  }
  const auto repaired = build_vocabulary(path.string(), Tokenizer({.invalid_utf8 = InvalidUtf8::replace}), {});
  EXPECT_EQ(repaired.report.lines, 5331U);
}

}  // namespace
}  // namespace embedkit
