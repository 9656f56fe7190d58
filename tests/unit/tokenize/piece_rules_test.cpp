// The piece rules: SentencePiece's IsValidSentencePiece on known strings, and joining two
// shapes agreeing with the walk over the joined string.
#include "train/tokenize/piece_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "embedkit/text/utf8.h"

namespace embedkit::tokenize {
namespace {

bool valid(const std::string& s, const PieceRules& rules = {}) { return shape_of(s, rules).has_value(); }

/// SentencePiece's walk, written out as its trainer_interface.cc does it: the oracle.
bool reference_valid(const std::string& s, const PieceRules& rules) {
  std::vector<char32_t> chars;
  for (std::size_t pos = 0; pos < s.size(); pos += decode_utf8(s, pos).length) chars.push_back(decode_utf8(s, pos).code_point);
  if (chars.empty() || chars.size() > rules.max_chars) return false;
  Script previous = kAnyScript;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    const char32_t c = chars[i];
    if (rules.boundary_first && c == kWordBoundary) {
      if (i > 0) return false;
      continue;
    }
    Script script = script_of(c);
    if (script == kInherited) script = previous;
    if (!rules.split_by_number && is_decimal_digit(c)) script = kAnyScript;
    if (rules.split_digits && is_decimal_digit(c) && chars.size() > 1) return false;
    if (rules.split_by_script && script != kAnyScript && previous != kAnyScript && script != previous) return false;
    previous = script;
  }
  return true;
}

bool starts_char(const std::string& s, std::size_t i) {
  return i == s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

TEST(PieceRules, SentencePiecesDefaults) {
  EXPECT_TRUE(valid("▁hello"));
  EXPECT_TRUE(valid("▁"));
  EXPECT_TRUE(valid("1,000")) << "digits and punctuation are both Common";
  EXPECT_TRUE(valid("▁2024"));
  EXPECT_TRUE(valid("日本語カタカナひらがな")) << "kana count as Han";
  EXPECT_TRUE(valid("e\u0301t\u00e9")) << "a combining mark takes the script before it";
  EXPECT_FALSE(valid("ing,"));
  EXPECT_FALSE(valid("s1"));
  EXPECT_FALSE(valid("1st"));
  EXPECT_FALSE(valid("αa"));
  EXPECT_FALSE(valid("a▁")) << "▁ only first";
  EXPECT_FALSE(valid("▁a▁b"));
  EXPECT_FALSE(valid(""));
  EXPECT_TRUE(valid(std::string(16, 'a')));
  EXPECT_FALSE(valid(std::string(17, 'a')));
  EXPECT_FALSE(valid("▁" + std::string(16, 'a'))) << "▁ counts toward the length";
}

TEST(PieceRules, SplitDigitsAndNumbers) {
  const PieceRules digits{.split_digits = true};
  EXPECT_TRUE(valid("7", digits));
  EXPECT_FALSE(valid("12", digits));
  EXPECT_FALSE(valid("▁1", digits));
  const PieceRules numbers_free{.split_by_number = false};
  EXPECT_TRUE(valid("s1", numbers_free));
  EXPECT_TRUE(valid("x86", numbers_free));
  EXPECT_FALSE(valid("ing,", numbers_free));
  EXPECT_TRUE(valid("a1β", numbers_free)) << "SentencePiece's walk: a free digit clears the script";
  const PieceRules scripts_free{.split_by_script = false};
  EXPECT_TRUE(valid("ing,", scripts_free));
  EXPECT_TRUE(valid("s1", scripts_free));
  EXPECT_FALSE(valid("a▁", scripts_free));
}

TEST(PieceRules, LengthOnlyIsHuggingFaces) {
  const PieceRules hf = PieceRules::length_only(4);
  for (const char* s : {"ing,", "s1", "a▁b", "αa", "12"}) EXPECT_TRUE(valid(s, hf)) << s;
  EXPECT_FALSE(valid("abcde", hf));
}

TEST(PieceRules, ShapesAndTheirJoinsAreSentencePiecesWalk) {
  // Every substring is judged as the walk judges it, and every split of it joins as the walk
  // judges the whole.
  const std::vector<std::string> texts = {"▁hello,", "▁s1x", "a1β2γ", "▁e\u0301\u0301α", "\u0301a1,", "1\u0301b",
                                          "▁日本カナ1", "x86_64", "▁1,000", "ab▁c", "é\u0301ή"};
  for (const PieceRules& rules : {PieceRules{}, PieceRules{.split_by_number = false},
                                  PieceRules{.split_digits = true}, PieceRules{.max_chars = 4},
                                  PieceRules{.split_by_script = false}, PieceRules::length_only(16)}) {
    for (const std::string& text : texts) {
      for (std::size_t a = 0; a < text.size(); ++a) {
        for (std::size_t b = a + 1; b <= text.size(); ++b) {
          if (!starts_char(text, a) || !starts_char(text, b)) continue;
          const std::string whole = text.substr(a, b - a);
          EXPECT_EQ(valid(whole, rules), reference_valid(whole, rules)) << whole;
          for (std::size_t cut = a + 1; cut < b; ++cut) {
            if (!starts_char(text, cut)) continue;
            const auto l = shape_of(text.substr(a, cut - a), rules), r = shape_of(text.substr(cut, b - cut), rules);
            if (!l || !r) continue;  // joins are only asked of pieces
            PieceShape joined = *l;
            EXPECT_EQ(join_shapes(joined, *r, rules), reference_valid(whole, rules))
                << text.substr(a, cut - a) << " + " << text.substr(cut, b - cut);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace embedkit::tokenize
