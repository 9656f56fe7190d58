#include "piece_rules.h"

#include <algorithm>
#include <iterator>

#include "embedkit/text/utf8.h"

namespace embedkit::tokenize {
namespace {

struct ScriptRange {
  char32_t first;
  char32_t last;
  Script script;
};

// Sorted, disjoint; a code point in none of them is Common.
constexpr ScriptRange kScriptRanges[] = {
    {0x0041, 0x005A, kLatin}, {0x0061, 0x007A, kLatin}, {0x00AA, 0x00AA, kLatin}, {0x00BA, 0x00BA, kLatin},
    {0x00C0, 0x00D6, kLatin}, {0x00D8, 0x00F6, kLatin}, {0x00F8, 0x02B8, kLatin}, {0x02E0, 0x02E4, kLatin},
    {0x0300, 0x036F, kInherited}, {0x0370, 0x0373, kGreek}, {0x0375, 0x037D, kGreek}, {0x037F, 0x0383, kGreek},
    {0x0384, 0x0386, kGreek}, {0x0388, 0x03E1, kGreek}, {0x03F0, 0x03FF, kGreek}, {0x0400, 0x0484, kCyrillic},
    {0x0485, 0x0486, kInherited}, {0x0487, 0x052F, kCyrillic}, {0x0531, 0x0588, kArmenian},
    {0x058A, 0x058F, kArmenian}, {0x0591, 0x05FF, kHebrew}, {0x0600, 0x060B, kArabic}, {0x060D, 0x061A, kArabic},
    {0x061C, 0x061E, kArabic}, {0x0620, 0x063F, kArabic}, {0x0641, 0x064A, kArabic}, {0x064B, 0x0655, kInherited},
    {0x0656, 0x066F, kArabic}, {0x0670, 0x0670, kInherited}, {0x0671, 0x06DC, kArabic}, {0x06DE, 0x06FF, kArabic},
    {0x0700, 0x08FF, kOtherScript}, {0x0900, 0x0950, kIndic}, {0x0951, 0x0954, kInherited},
    {0x0955, 0x0963, kIndic}, {0x0966, 0x0DFF, kIndic}, {0x0E01, 0x0E3A, kThai}, {0x0E40, 0x0E5B, kThai},
    {0x0E80, 0x0EFF, kLao}, {0x0F00, 0x0FD4, kTibetan}, {0x0FD9, 0x0FFF, kTibetan}, {0x1000, 0x109F, kMyanmar},
    {0x10A0, 0x10FA, kGeorgian}, {0x10FC, 0x10FF, kGeorgian}, {0x1100, 0x11FF, kHangul},
    {0x1200, 0x139F, kEthiopic}, {0x13A0, 0x167F, kOtherScript}, {0x1680, 0x169F, kOtherScript},
    {0x16A0, 0x16EA, kOtherScript}, {0x1780, 0x17FF, kKhmer}, {0x1800, 0x1801, kMongolian},
    {0x1804, 0x1804, kMongolian}, {0x1806, 0x18AF, kMongolian}, {0x1AB0, 0x1AFF, kInherited},
    {0x1C80, 0x1C8F, kCyrillic}, {0x1D00, 0x1D25, kLatin}, {0x1D26, 0x1D2A, kGreek}, {0x1D2C, 0x1D5C, kLatin},
    {0x1D62, 0x1D65, kLatin}, {0x1D6B, 0x1D77, kLatin}, {0x1D79, 0x1DBE, kLatin}, {0x1DC0, 0x1DFF, kInherited},
    {0x1E00, 0x1EFF, kLatin}, {0x1F00, 0x1FFE, kGreek}, {0x200C, 0x200D, kInherited}, {0x2071, 0x2071, kLatin},
    {0x207F, 0x207F, kLatin}, {0x2090, 0x209C, kLatin}, {0x20D0, 0x20F0, kInherited}, {0x212A, 0x212B, kLatin},
    {0x2132, 0x2132, kLatin}, {0x214E, 0x214E, kLatin}, {0x2160, 0x2188, kLatin}, {0x2C60, 0x2C7F, kLatin},
    {0x2C80, 0x2CFF, kOtherScript}, {0x2D00, 0x2D2D, kGeorgian}, {0x2DE0, 0x2DFF, kCyrillic},
    {0x2E80, 0x2FDF, kHan}, {0x3005, 0x3005, kHan}, {0x3007, 0x3007, kHan}, {0x3021, 0x3029, kHan},
    {0x302A, 0x302D, kInherited}, {0x3038, 0x303B, kHan}, {0x3041, 0x3096, kHan}, {0x3099, 0x309A, kInherited},
    {0x309D, 0x309F, kHan}, {0x30A1, 0x30FA, kHan}, {0x30FC, 0x30FF, kHan}, {0x3105, 0x312F, kOtherScript},
    {0x3131, 0x318E, kHangul}, {0x31F0, 0x31FF, kHan}, {0x3400, 0x4DBF, kHan}, {0x4E00, 0x9FFF, kHan},
    {0xA000, 0xA4CF, kOtherScript}, {0xA640, 0xA69F, kCyrillic}, {0xA722, 0xA787, kLatin},
    {0xA78B, 0xA7FF, kLatin}, {0xAB30, 0xAB5A, kLatin}, {0xAB5C, 0xAB64, kLatin}, {0xAC00, 0xD7FF, kHangul},
    {0xF900, 0xFAFF, kHan}, {0xFB00, 0xFB06, kLatin}, {0xFB13, 0xFB17, kArmenian}, {0xFB1D, 0xFB4F, kHebrew},
    {0xFB50, 0xFD3D, kArabic}, {0xFD50, 0xFDFF, kArabic}, {0xFE00, 0xFE0F, kInherited},
    {0xFE20, 0xFE2D, kInherited}, {0xFE70, 0xFEFC, kArabic}, {0xFF21, 0xFF3A, kLatin}, {0xFF41, 0xFF5A, kLatin},
    {0xFF66, 0xFF6F, kHan}, {0xFF71, 0xFF9D, kHan}, {0xFFA0, 0xFFDC, kHangul}, {0x20000, 0x3FFFF, kHan},
};

}  // namespace

Script script_of(char32_t c) {
  const auto* end = std::end(kScriptRanges);
  const auto* it = std::upper_bound(std::begin(kScriptRanges), end, c,
                                    [](char32_t v, const ScriptRange& r) { return v < r.first; });
  if (it == std::begin(kScriptRanges)) return kCommon;
  --it;
  return c <= it->last ? it->script : kCommon;
}

bool is_decimal_digit(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= 0x0660 && c <= 0x0669) || (c >= 0x06F0 && c <= 0x06F9) ||
         (c >= 0x0966 && c <= 0x096F) || (c >= 0xFF10 && c <= 0xFF19);
}

PieceShape shape_of_char(char32_t c, const PieceRules& rules) {
  PieceShape s;
  s.chars = 1;
  if (rules.boundary_first && c == kWordBoundary) {
    s.boundary = true;  // takes no part in the script rule
    return s;
  }
  s.digit = is_decimal_digit(c);
  if (!rules.split_by_script) return s;
  if (s.digit && !rules.split_by_number) {
    s.open_lead = true;  // SentencePiece gives it no script: the next character starts afresh
    return s;
  }
  const Script script = script_of(c);
  if (script != kInherited) s.lead = s.last = script;  // a combining mark agrees with what it follows
  return s;
}

std::optional<PieceShape> shape_of(std::string_view piece, const PieceRules& rules) {
  if (piece.empty()) return std::nullopt;
  PieceShape shape;
  for (std::size_t pos = 0; pos < piece.size();) {
    const Utf8Decoded d = decode_utf8(piece, pos);
    const PieceShape c = shape_of_char(d.code_point, rules);
    if (pos == 0) {
      if (c.chars > rules.max_chars) return std::nullopt;
      shape = c;
    } else if (!join_shapes(shape, c, rules)) {
      return std::nullopt;
    }
    pos += d.length;
  }
  return shape;
}

}  // namespace embedkit::tokenize
