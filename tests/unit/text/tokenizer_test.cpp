#include "embedkit/text/tokenizer.h"

#include <gtest/gtest.h>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

using Tokens = std::vector<std::string>;

TEST(Tokenizer, WhitespaceSplitsOnAsciiAndUnicodeSeparators) {
  const Tokenizer tok;
  EXPECT_EQ(tok.tokenize("  the\tcat\r\nsat  "), (Tokens{"the", "cat", "sat"}));
  EXPECT_EQ(tok.tokenize("no\xC2\xA0" "break\xE3\x80\x80" "ideographic"), (Tokens{"no", "break", "ideographic"}));
  EXPECT_EQ(tok.tokenize("keeps, punctuation!"), (Tokens{"keeps,", "punctuation!"}));
  EXPECT_TRUE(tok.tokenize("").empty());
  EXPECT_TRUE(tok.tokenize(" \n\t\r\n ").empty());
}

TEST(Tokenizer, WordsSplitsPunctuationAndSymbols) {
  const Tokenizer tok({.split = Split::words});
  EXPECT_EQ(tok.tokenize("Hello, world!"), (Tokens{"Hello", ",", "world", "!"}));
  EXPECT_EQ(tok.tokenize("don't"), (Tokens{"don", "'", "t"}));
  EXPECT_EQ(tok.tokenize("$5.00 (approx.)"), (Tokens{"$", "5", ".", "00", "(", "approx", ".", ")"}));
  EXPECT_EQ(tok.tokenize("«Ça» — 10€"), (Tokens{"«", "Ça", "»", "—", "10", "€"}));
  EXPECT_EQ(tok.tokenize("hi\xF0\x9F\x98\x80there"), (Tokens{"hi", "\xF0\x9F\x98\x80", "there"}));
  EXPECT_EQ(tok.tokenize("...!"), (Tokens{".", ".", ".", "!"}));
  EXPECT_EQ(tok.tokenize("naïve café"), (Tokens{"naïve", "café"}));
}

TEST(Tokenizer, CombiningMarkStaysWithPrecedingPunctuation) {
  const Tokenizer tok({.split = Split::words});
  // '!' followed by U+0301 COMBINING ACUTE ACCENT stays one token.
  EXPECT_EQ(tok.tokenize("a!\xCC\x81" "b"), (Tokens{"a", "!\xCC\x81", "b"}));
}

TEST(Tokenizer, NormalisesBeforeSplitting) {
  const Tokenizer tok({.split = Split::words, .normalize = {.nfkc = true, .lowercase = true}});
  EXPECT_EQ(tok.tokenize("Ｈｅｌｌｏ，ＷＯＲＬＤ"), (Tokens{"hello", ",", "world"}));
  // NFKC maps U+00A8 DIAERESIS to SPACE + U+0308, so a new word boundary appears.
  const Tokenizer ws({.normalize = {.nfkc = true}});
  EXPECT_EQ(ws.tokenize("a\xC2\xA8" "b"), (Tokens{"a", "\xCC\x88" "b"}));
}

TEST(Tokenizer, OverlongTokensAreCutAtCodePointBoundaries) {
  const Tokenizer tok({.max_token_bytes = 5});
  EXPECT_EQ(tok.tokenize("abcdefghijkl x"), (Tokens{"abcde", "fghij", "kl", "x"}));
  // "éééé" is 8 bytes: pieces of at most 5 bytes never split a 2-byte é.
  EXPECT_EQ(tok.tokenize("éééé"), (Tokens{"éé", "éé"}));
  EXPECT_THROW(Tokenizer({.max_token_bytes = 3}), ArgumentError);
}

TEST(Tokenizer, InvalidUtf8IsAnErrorOrReplaced) {
  const Tokenizer strict;
  try {
    (void)strict.tokenize("ok zee\xC3n");
    FAIL() << "expected FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("byte 6"), std::string::npos) << e.what();
  }
  const Tokenizer lenient({.invalid_utf8 = InvalidUtf8::replace});
  EXPECT_EQ(lenient.tokenize("ok zee\xC3n"), (Tokens{"ok", "zee\xEF\xBF\xBDn"}));
}

}  // namespace
}  // namespace embedkit
