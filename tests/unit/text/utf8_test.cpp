#include "embedkit/text/utf8.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <random>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_FALSE(find_invalid_utf8(""));
  EXPECT_FALSE(find_invalid_utf8("plain ascii, long enough for the 8-byte path"));
  EXPECT_FALSE(find_invalid_utf8("k\xC3\xBD" "ho\xC5\x99" " \xE2\x82\xAC \xF0\x9F\x98\x80"));  // ý ř € 😀
  EXPECT_FALSE(find_invalid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the largest scalar value
}

struct BadCase {
  const char* name;
  std::string bytes;
  std::size_t first_bad;
};

TEST(Utf8, RejectsEachIllFormedClassAtTheRightOffset) {
  const BadCase cases[] = {
      {"lone continuation", "ab\x80", 2},
      {"overlong slash C0 AF", "x\xC0\xAF", 1},
      {"overlong E0 80 80", "\xE0\x80\x80", 0},
      {"surrogate ED A0 80", "12345678\xED\xA0\x80", 8},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 0},
      {"F5 lead byte", "\xF5\x80\x80\x80", 0},
      {"truncated at end", "abc\xE2\x82", 3},
      {"missing continuation", "zee\xC3n", 3},
      {"FF", "\xFF", 0},
  };
  for (const BadCase& c : cases) {
    const auto bad = find_invalid_utf8(c.bytes);
    ASSERT_TRUE(bad.has_value()) << c.name;
    EXPECT_EQ(*bad, c.first_bad) << c.name;
  }
}

TEST(Utf8, DecodeReportsMaximalSubpartLengths) {
  EXPECT_EQ(decode_utf8("\xE2\x82", 0).length, 2U);          // valid prefix of a 3-byte form
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98", 0).length, 3U);
  EXPECT_EQ(decode_utf8("\xED\xA0\x80", 0).length, 1U);      // A0 can never follow ED
  EXPECT_EQ(decode_utf8("\xC0\xAF", 0).length, 1U);
  const Utf8Decoded euro = decode_utf8("\xE2\x82\xAC", 0);
  EXPECT_TRUE(euro.valid);
  EXPECT_EQ(euro.code_point, U'\u20AC');
  EXPECT_EQ(euro.length, 3U);
}

// Expected strings are Python's bytes.decode(errors="replace") results.
TEST(Utf8, ReplaceMatchesPythonsSubstitution) {
  const std::string fffd(kReplacementCharacter);
  const std::pair<std::string, std::string> cases[] = {
      {"a\xE2\x82" "b", "a" + fffd + "b"},
      {"\xF0\x80\x80", fffd + fffd + fffd},
      {"\xED\xA0\x80x", fffd + fffd + fffd + "x"},
      {"\xF0\x9F\x98", fffd},
      {"zee\xC3n", "zee" + fffd + "n"},
      {"clean", "clean"},
  };
  for (const auto& [input, expected] : cases) {
    std::string scratch;
    EXPECT_EQ(sanitize_utf8(input, InvalidUtf8::replace, scratch, {}), expected);
  }
}

TEST(Utf8, StrictModeNamesSourceLineOffsetAndBytes) {
  std::string scratch;
  const SourceLocation where{"corpus.txt", 7, 1000};
  try {
    (void)sanitize_utf8("zee\xC3n", InvalidUtf8::error, scratch, where);
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, 60),
              "corpus.txt:7: byte 1003: invalid UTF-8 (bytes 0xC3 0x6E); pa");
  }
}

TEST(Utf8, ValidTextIsReturnedWithoutCopy) {
  std::string scratch;
  const std::string_view text = "d\xC3\xA9j\xC3\xA0 vu";
  EXPECT_EQ(sanitize_utf8(text, InvalidUtf8::error, scratch, {}).data(), text.data());
}

TEST(Utf8, AppendEncodesEveryLength) {
  std::string out;
  for (const char32_t cp : {U'A', U'\u00E9', U'\u20AC', U'\U0001F600'}) append_utf8(out, cp);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(Utf8, WhitespaceIncludesUnicodeSeparatorsOnly) {
  for (const char32_t cp : {U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\u0085', U'\u00A0', U'\u2009', U'\u3000', U'\u2028'}) {
    EXPECT_TRUE(is_unicode_whitespace(cp)) << static_cast<std::uint32_t>(cp);
  }
  for (const char32_t cp : {U'a', U'\0', U'\u200B', U'\u00E9', U'_'}) {
    EXPECT_FALSE(is_unicode_whitespace(cp)) << static_cast<std::uint32_t>(cp);
  }
}

// An independent oracle: utf8proc's own decoder must agree on validity of random byte strings
// biased toward the tricky lead/continuation bytes.
TEST(Utf8, AgreesWithUtf8procOnRandomBytes) {
  std::mt19937 rng(12345);
  const unsigned char interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
                                       0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF};
  for (int trial = 0; trial < 20000; ++trial) {
    std::string s(1 + rng() % 6, '\0');
    for (char& c : s) c = static_cast<char>(interesting[rng() % sizeof interesting]);
    bool utf8proc_valid = true;
    for (std::size_t pos = 0; pos < s.size();) {
      utf8proc_int32_t cp = 0;
      const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()) + pos,
                                      static_cast<utf8proc_ssize_t>(s.size() - pos), &cp);
      if (n <= 0) {
        utf8proc_valid = false;
        break;
      }
      pos += static_cast<std::size_t>(n);
    }
    ASSERT_EQ(!find_invalid_utf8(s).has_value(), utf8proc_valid) << ::testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace embedkit
