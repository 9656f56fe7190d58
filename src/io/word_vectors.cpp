#include "embedkit/io/word_vectors.h"

#include <fmt/format.h>

#include <algorithm>

#include "embedkit/core/error.h"

namespace embedkit {

WordVectors::WordVectors(Vocabulary words, EmbeddingTable table, std::optional<SubwordOptions> subwords)
    : words_(std::move(words)), table_(std::move(table)), subwords_(subwords) {
  if (subwords_ && !subwords_->enabled()) subwords_.reset();
  const std::size_t expected = words_.size() + (subwords_ ? subwords_->bucket : 0);
  EMBEDKIT_CHECK(table_.rows() == expected, ArgumentError,
                 fmt::format("a table of {} rows does not fit {} words{}", table_.rows(), words_.size(),
                             subwords_ ? fmt::format(" + {} subword buckets", subwords_->bucket) : ""));
}

void WordVectors::compose(std::optional<TokenId> id, std::string_view word, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0F);
  std::size_t parts = 0;
  auto add = [&](std::size_t row) {
    const float* r = table_.data() + row * table_.stride();
    for (std::size_t d = 0; d < out.size(); ++d) out[d] += r[d];
    ++parts;
  };
  if (id) add(*id);
  // fastText gives its end-of-sentence token "</s>" no n-grams.
  if (subwords_ && word != "</s>") {
    std::vector<std::uint32_t> buckets;
    subword_buckets(word, *subwords_, buckets);
    for (const std::uint32_t b : buckets) add(words_.size() + b);
  }
  if (parts > 1) {
    const float inverse = 1.0F / static_cast<float>(parts);
    for (float& x : out) x *= inverse;
  }
}

WordVectors::Source WordVectors::vector(std::string_view word, std::span<float> out) const {
  EMBEDKIT_CHECK(out.size() == dim(), ArgumentError,
                 fmt::format("output holds {} floats, the vectors have {}", out.size(), dim()));
  const std::optional<TokenId> id = words_.find(word);
  if (!id && !subwords_) {
    std::fill(out.begin(), out.end(), 0.0F);
    return Source::unknown;
  }
  compose(id, word, out);
  return id ? Source::in_vocabulary : Source::from_subwords;
}

void WordVectors::vector(TokenId id, std::span<float> out) const {
  EMBEDKIT_CHECK(out.size() == dim(), ArgumentError,
                 fmt::format("output holds {} floats, the vectors have {}", out.size(), dim()));
  compose(id, words_.word(id), out);
}

}  // namespace embedkit
