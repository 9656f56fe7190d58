#include "normalized_text.h"

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

namespace embedkit::tokenize {

NormalizedText::NormalizedText(std::string_view text, std::size_t origin)
    : text_(text), origin_(origin) {
  alignments_.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = decode_utf8(text, pos).length;
    for (std::size_t k = 0; k < length; ++k) alignments_.emplace_back(origin + pos, origin + pos + length);
    pos += length;
  }
}

void NormalizedText::transform(const std::vector<CharChange>& changes, std::size_t removed_at_start) {
  std::string text;
  std::vector<Span> alignments;
  text.reserve(text_.size());
  alignments.reserve(alignments_.size());
  std::size_t offset = 0;  // bytes of the old text consumed
  auto skip_char = [&] {
    EMBEDKIT_CHECK(offset < text_.size(), Error, "normalizer removed more characters than the text has");
    offset += decode_utf8(text_, offset).length;
  };
  for (std::size_t k = 0; k < removed_at_start; ++k) skip_char();
  for (const CharChange& c : changes) {
    for (std::size_t k = 0; k < c.skip; ++k) skip_char();
    Span alignment;
    if (c.change > 0) {
      alignment = offset == 0 ? Span{origin_, origin_} : alignments_[offset - 1];
    } else {
      EMBEDKIT_CHECK(offset < text_.size(), Error, "normalizer replaced more characters than the text has");
      alignment = alignments_[offset];
      skip_char();
      for (int k = 0; k < -c.change; ++k) skip_char();
    }
    const std::size_t before = text.size();
    append_utf8(text, c.code_point);
    alignments.insert(alignments.end(), text.size() - before, alignment);
  }
  text_ = std::move(text);
  alignments_ = std::move(alignments);
}

void NormalizedText::replace_same_shape(std::string text) {
  EMBEDKIT_CHECK(text.size() == text_.size(), Error, "replace_same_shape: the byte lengths differ");
  text_ = std::move(text);
}

Span NormalizedText::original_span(std::size_t begin, std::size_t end) const {
  if (begin == end) return {origin_ + begin, origin_ + begin};
  return {alignments_[begin].first, alignments_[end - 1].second};
}

NormalizedText NormalizedText::slice(std::size_t begin, std::size_t end) const {
  EMBEDKIT_CHECK(begin <= end && end <= text_.size(), Error, "NormalizedText::slice: the range is outside the text");
  NormalizedText part;
  part.text_ = text_.substr(begin, end - begin);
  part.alignments_.assign(alignments_.begin() + static_cast<std::ptrdiff_t>(begin),
                          alignments_.begin() + static_cast<std::ptrdiff_t>(end));
  part.origin_ = begin < alignments_.size() ? alignments_[begin].first : origin_;
  return part;
}

std::u32string decode_code_points(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const Utf8Decoded d = decode_utf8(text, pos);
    out.push_back(d.code_point);
    pos += d.length;
  }
  return out;
}

}  // namespace embedkit::tokenize
