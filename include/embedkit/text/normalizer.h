// Unicode text normalisation before tokenisation, backed by utf8proc.
//
//   embedkit::Normalizer norm({.nfkc = true, .lowercase = true});
//   norm.normalize("Ｆｕｌｌ ﬁle Ärger");   // -> "full file ärger"
//
// Steps run in a fixed order: NFKC (compatibility composition: full-width letters, ligatures,
// superscripts fold to plain forms), then accent stripping (drops combining marks, "é" -> "e"),
// then lowercasing (Unicode simple lowercase mapping per code point, "Ä" -> "ä", "Σ" -> "σ").
// ASCII text skips utf8proc entirely, so the common case costs one pass over the bytes.
#pragma once

#include <string>
#include <string_view>

namespace embedkit {

/// Which normalisations to apply. All off by default (text passes through unchanged).
struct NormalizerOptions {
  bool nfkc = false;           ///< Unicode NFKC
  bool strip_accents = false;  ///< remove combining marks (Mn) after canonical decomposition
  bool lowercase = false;      ///< Unicode-aware lowercase
};

/// Applies NormalizerOptions to valid UTF-8 text. Immutable, so safe to share between threads.
class Normalizer {
 public:
  Normalizer() = default;
  explicit Normalizer(NormalizerOptions options) : options_(options) {}

  [[nodiscard]] const NormalizerOptions& options() const noexcept { return options_; }

  /// True when normalize() never changes its input.
  [[nodiscard]] bool is_identity() const noexcept {
    return !options_.nfkc && !options_.strip_accents && !options_.lowercase;
  }

  /// Normalises valid UTF-8 `text`. Returns `text` itself when nothing changes, otherwise a view
  /// of `scratch` (which it overwrites). Throws FormatError if utf8proc rejects the input.
  [[nodiscard]] std::string_view normalize(std::string_view text, std::string& scratch) const;

  /// Convenience overload returning an owned string.
  [[nodiscard]] std::string normalize(std::string_view text) const;

 private:
  NormalizerOptions options_;
};

}  // namespace embedkit
