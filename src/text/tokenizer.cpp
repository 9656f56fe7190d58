#include "embedkit/text/tokenizer.h"

#include <fmt/format.h>
#include <utf8proc.h>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

// ASCII punctuation and symbols: exactly the ASCII code points in Unicode categories P* and S*.
constexpr bool is_ascii_punct(unsigned char c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

bool is_punct_or_symbol(char32_t cp) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK: case UTF8PROC_CATEGORY_SO:
      return true;
    default:
      return false;
  }
}

bool is_combining_mark(char32_t cp) {
  const utf8proc_category_t cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME;
}

// Whether the character at text[pos] passes a test, and its length in bytes. ASCII bytes take
// the cheap `ascii` test; other characters are decoded for the Unicode one.
struct CharTest {
  bool matches;
  std::size_t length;
};
template <class AsciiTest, class UnicodeTest>
CharTest test_char(std::string_view text, std::size_t pos, AsciiTest ascii, UnicodeTest unicode) {
  const auto byte = static_cast<unsigned char>(text[pos]);
  if (byte < 0x80U) return {ascii(byte), 1};
  const Utf8Decoded d = decode_utf8(text, pos);
  return {unicode(d.code_point), d.length};
}

// Control characters (NUL, ESC, DEL, C1) separate tokens as whitespace does: no word may hold
// one (see find_word_problem), and in text they are noise, not letters.
bool is_space_char(unsigned char c) { return c <= 0x20U || c == 0x7FU; }
bool is_space_cp(char32_t cp) { return (cp >= 0x80 && cp <= 0x9F) || is_unicode_whitespace(cp); }
bool is_punct_char(unsigned char c) { return is_ascii_punct(c); }

// Calls `on_piece` for each maximal run of non-whitespace in valid UTF-8 `text`.
template <class OnPiece>
void for_each_piece(std::string_view text, OnPiece&& on_piece) {
  const std::size_t n = text.size();
  std::size_t pos = 0;
  std::size_t start = std::string_view::npos;
  while (pos < n) {
    const auto [space, len] = test_char(text, pos, is_space_char, is_space_cp);
    if (space) {
      if (start != std::string_view::npos) {
        on_piece(text.substr(start, pos - start));
        start = std::string_view::npos;
      }
    } else if (start == std::string_view::npos) {
      start = pos;
    }
    pos += len;
  }
  if (start != std::string_view::npos) on_piece(text.substr(start));
}

}  // namespace

Tokenizer::Tokenizer(TokenizerOptions options) : options_(options), normalizer_(options.normalize) {
  EMBEDKIT_CHECK(options_.max_token_bytes >= 4, ArgumentError,
                 fmt::format("max_token_bytes must be at least 4 (one UTF-8 code point), got {}",
                             options_.max_token_bytes));
}

void Tokenizer::tokenize(std::string_view text, TokenSink sink, const SourceLocation& where) const {
  std::string repaired;
  tokenize_valid(sanitize_utf8(text, options_.invalid_utf8, repaired, where), sink);
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  tokenize(text, [&](std::string_view token) { tokens.emplace_back(token); });
  return tokens;
}

void Tokenizer::tokenize_valid(std::string_view valid_text, TokenSink sink) const {
  if (options_.splitter) {
    options_.splitter->split(valid_text, sink);
    return;
  }
  std::string scratch;
  for_each_piece(valid_text, [&](std::string_view piece) {
    const std::string_view normalized = normalizer_.normalize(piece, scratch);
    if (normalized.data() == piece.data()) {
      emit_piece(piece, sink);
    } else {
      // Normalisation may introduce whitespace (NFKC: U+00A8 -> U+0020 U+0308).
      for_each_piece(normalized, [&](std::string_view sub) { emit_piece(sub, sink); });
    }
  });
}

void Tokenizer::emit_piece(std::string_view piece, TokenSink sink) const {
  if (options_.split == Split::whitespace) {
    emit_bounded(piece, sink);
    return;
  }
  std::size_t pos = 0;
  std::size_t word_start = 0;
  while (pos < piece.size()) {
    const auto [punct, len] = test_char(piece, pos, is_punct_char, is_punct_or_symbol);
    if (!punct) {
      pos += len;
      continue;
    }
    if (pos > word_start) emit_bounded(piece.substr(word_start, pos - word_start), sink);
    // The punctuation character keeps any combining marks that follow it.
    std::size_t end = pos + len;
    while (end < piece.size() && static_cast<unsigned char>(piece[end]) >= 0x80U) {
      const Utf8Decoded mark = decode_utf8(piece, end);
      if (!is_combining_mark(mark.code_point)) break;
      end += mark.length;
    }
    emit_bounded(piece.substr(pos, end - pos), sink);
    pos = end;
    word_start = end;
  }
  if (pos > word_start) emit_bounded(piece.substr(word_start, pos - word_start), sink);
}

void Tokenizer::emit_bounded(std::string_view token, TokenSink sink) const {
  const std::size_t limit = options_.max_token_bytes;
  while (token.size() > limit) {
    std::size_t cut = limit;
    // Never split inside a code point: back up over continuation bytes (at most 3).
    while (cut > 0 && (static_cast<unsigned char>(token[cut]) & 0xC0U) == 0x80U) --cut;
    sink(token.substr(0, cut));
    token.remove_prefix(cut);
  }
  if (!token.empty()) sink(token);
}

}  // namespace embedkit
