// Strict UTF-8 decoding and validation (Unicode 15, Table 3-7 "well-formed byte sequences").
//
// embedkit treats text as UTF-8 everywhere. Input is either rejected at the first ill-formed
// byte (InvalidUtf8::error, the default) or repaired (InvalidUtf8::replace): each *maximal
// subpart* of an ill-formed sequence becomes one U+FFFD, the substitution the Unicode standard
// recommends and that Python's `bytes.decode(errors="replace")` and ICU also use. Overlong forms,
// surrogates (U+D800..DFFF) and values above U+10FFFF are ill-formed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "embedkit/core/source_location.h"

namespace embedkit {

/// What to do with bytes that are not well-formed UTF-8.
enum class InvalidUtf8 {
  error,    ///< throw FormatError naming the byte offset and the bad bytes
  replace,  ///< substitute U+FFFD for each maximal ill-formed subpart
};

/// The result of decoding one code point at a position.
struct Utf8Decoded {
  char32_t code_point;  ///< the scalar value, or U+FFFD when !valid
  std::size_t length;   ///< bytes consumed (>= 1); for invalid input, the maximal subpart length
  bool valid;
};

/// U+FFFD REPLACEMENT CHARACTER encoded in UTF-8.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

/// Decodes the code point starting at `text[pos]`. Precondition: pos < text.size().
[[nodiscard]] Utf8Decoded decode_utf8(std::string_view text, std::size_t pos) noexcept;

/// Offset of the first ill-formed byte in `text`, or nullopt if `text` is valid UTF-8. O(n),
/// with an 8-bytes-at-a-time fast path for ASCII.
[[nodiscard]] std::optional<std::size_t> find_invalid_utf8(std::string_view text) noexcept;

/// Appends the UTF-8 encoding of `cp` (must be a Unicode scalar value) to `out`.
void append_utf8(std::string& out, char32_t cp);

/// Returns `text` itself when it is valid UTF-8. Otherwise, under InvalidUtf8::error, throws
/// FormatError "<where>: invalid UTF-8 ..." naming the absolute offset and the offending bytes;
/// under InvalidUtf8::replace, writes the repaired text into `scratch` and returns a view of it.
[[nodiscard]] std::string_view sanitize_utf8(std::string_view text, InvalidUtf8 policy,
                                             std::string& scratch, const SourceLocation& where);

/// True for code points that separate words: ASCII whitespace (\t \n \v \f \r space), U+0085,
/// and the Unicode space and line/paragraph separators (general categories Zs, Zl, Zp).
[[nodiscard]] bool is_unicode_whitespace(char32_t cp) noexcept;

}  // namespace embedkit
