// The character classes Hugging Face's tokenizers test (Rust's char methods and regex classes),
// from utf8proc's Unicode tables.
#pragma once

#include <string>

namespace embedkit::tokenize {

/// Rust char::is_whitespace: the White_Space property.
[[nodiscard]] bool is_whitespace_char(char32_t c) noexcept;
/// General category L*.
[[nodiscard]] bool is_letter(char32_t c) noexcept;
/// General category N* (Rust char::is_numeric).
[[nodiscard]] bool is_numeric_char(char32_t c) noexcept;
/// General category M* (combining marks).
[[nodiscard]] bool is_mark(char32_t c) noexcept;
/// General category Mn.
[[nodiscard]] bool is_nonspacing_mark(char32_t c) noexcept;
/// General category P*, or ASCII punctuation (BERT's rule: $ + < = > ^ ` | ~ count too).
[[nodiscard]] bool is_bert_punctuation(char32_t c) noexcept;
/// General category C* (Cc Cf Cs Co Cn).
[[nodiscard]] bool is_other(char32_t c) noexcept;
/// The regex class \w (Unicode): letters, marks, decimal and letter numbers, connector punctuation.
[[nodiscard]] bool is_word_char(char32_t c) noexcept;
/// Canonical combining class (0 for starters).
[[nodiscard]] int combining_class(char32_t c) noexcept;
/// Rust char::to_lowercase (full mapping: U+0130 becomes two characters).
void append_lowercase(std::u32string& out, char32_t c);

}  // namespace embedkit::tokenize
