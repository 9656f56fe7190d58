#include "embedkit/io/word_vectors.h"

#include <fmt/format.h>

#include <algorithm>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "embedkit/tokenize/subword_tokenizer.h"

namespace embedkit {
namespace {

// Settings under which rows after the words are hash buckets: fastText's character n-grams, or
// (maxn 0) buckets with no character n-grams, such as a classifier's word n-grams.
bool holds_bucket_rows(const SubwordOptions& s) { return s.bucket > 0 && (s.enabled() || (s.minn == 0 && s.maxn == 0)); }

}  // namespace

WordVectors::WordVectors(Vocabulary words, EmbeddingTable table, std::optional<SubwordOptions> subwords)
    : words_(std::move(words)), table_(std::move(table)), subwords_(subwords) {
  if (subwords_ && !holds_bucket_rows(*subwords_)) subwords_.reset();
  const std::size_t expected = words_.size() + (subwords_ ? subwords_->bucket : 0);
  EMBEDKIT_CHECK(table_.rows() == expected, ArgumentError,
                 fmt::format("a table of {} rows does not fit {} words{}", table_.rows(), words_.size(),
                             subwords_ ? fmt::format(" + {} subword buckets", subwords_->bucket) : ""));
}

WordVectors::WordVectors(Vocabulary words, EmbeddingTable table, SubwordOptions subwords,
                         std::vector<std::uint32_t> stored_buckets)
    : words_(std::move(words)),
      table_(std::move(table)),
      subwords_(subwords),
      sparse_buckets_(true),
      stored_buckets_(std::move(stored_buckets)) {
  EMBEDKIT_CHECK(holds_bucket_rows(subwords), ArgumentError, "stored buckets need subword settings");
  for (std::size_t i = 0; i < stored_buckets_.size(); ++i) {
    EMBEDKIT_CHECK(stored_buckets_[i] < subwords.bucket && (i == 0 || stored_buckets_[i - 1] < stored_buckets_[i]),
                   ArgumentError,
                   fmt::format("stored bucket {} (entry {}) is out of order or not below {}", stored_buckets_[i], i,
                               subwords.bucket));
  }
  EMBEDKIT_CHECK(table_.rows() == words_.size() + stored_buckets_.size(), ArgumentError,
                 fmt::format("a table of {} rows does not fit {} words + {} stored subword buckets", table_.rows(),
                             words_.size(), stored_buckets_.size()));
}

std::optional<std::size_t> WordVectors::bucket_row(std::uint32_t b) const noexcept {
  if (!subwords_ || b >= subwords_->bucket) return std::nullopt;
  if (!sparse_buckets_) return words_.size() + b;
  const auto it = std::lower_bound(stored_buckets_.begin(), stored_buckets_.end(), b);
  if (it == stored_buckets_.end() || *it != b) return std::nullopt;
  return words_.size() + static_cast<std::size_t>(it - stored_buckets_.begin());
}

std::size_t WordVectors::compose(std::optional<TokenId> id, std::string_view word, std::span<float> out) const {
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
    for (const std::uint32_t b : buckets) {
      if (const std::optional<std::size_t> row = bucket_row(b)) {
        add(*row);
      } else {
        ++parts;  // a bucket no word trained: a zero row, counted as fastText counts it
      }
    }
  }
  if (parts > 1) {
    const float inverse = 1.0F / static_cast<float>(parts);
    for (float& x : out) x *= inverse;
  }
  return parts;
}

void WordVectors::set_piece_tokenizer(std::optional<PieceTokenizer> pieces) {
  EMBEDKIT_CHECK(!pieces || pieces->tokenizer != nullptr, ArgumentError, "a piece tokenizer needs a tokenizer");
  EMBEDKIT_CHECK(!pieces || !subwords_, ArgumentError,
                 "vectors with fastText subword buckets cannot also compose words from tokenizer pieces");
  pieces_ = std::move(pieces);
}

std::size_t WordVectors::compose_pieces(std::string_view word, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0F);
  // A tokenizer.json tokenizer refuses ill-formed UTF-8 (as its library does); such a word has
  // no pieces, and is no word of the vocabulary either.
  if (word.empty() || find_invalid_utf8(word)) return 0;
  const Encoding encoding = pieces_->tokenizer->encode(word, {.add_special_tokens = false});
  std::size_t parts = 0;
  for (const std::int32_t piece_id : encoding.ids) {
    // Rows follow the vocabulary, not the tokenizer's ids: pieces a vocabulary word cannot be
    // (control characters) or that a limit left out have no row and are skipped.
    const std::optional<TokenId> row = words_.find(pieces_->tokenizer->id_to_piece(piece_id));
    if (!row) continue;
    const float* r = table_.data() + static_cast<std::size_t>(*row) * table_.stride();
    for (std::size_t d = 0; d < out.size(); ++d) out[d] += r[d];
    ++parts;
  }
  if (parts > 1) {
    const float inverse = 1.0F / static_cast<float>(parts);
    for (float& x : out) x *= inverse;
  }
  return parts;
}

WordVectors::Source WordVectors::vector(std::string_view word, std::span<float> out) const {
  EMBEDKIT_CHECK(out.size() == dim(), ArgumentError,
                 fmt::format("output holds {} floats, the vectors have {}", out.size(), dim()));
  const std::optional<TokenId> id = words_.find(word);
  if (!id && pieces_) return compose_pieces(word, out) > 0 ? Source::from_subwords : Source::unknown;
  if (!id && !subwords_) {
    std::fill(out.begin(), out.end(), 0.0F);
    return Source::unknown;
  }
  const std::size_t parts = compose(id, word, out);
  if (id) return Source::in_vocabulary;
  return parts > 0 ? Source::from_subwords : Source::unknown;  // no n-grams (maxn 0): nothing to compose
}

WordVectors WordVectors::with_table(EmbeddingTable table) const {
  WordVectors out = sparse_buckets_ ? WordVectors(words_, std::move(table), *subwords_, stored_buckets_)
                                    : WordVectors(words_, std::move(table), subwords_);
  out.metadata = metadata;
  out.pieces_ = pieces_;
  return out;
}

void WordVectors::vector(TokenId id, std::span<float> out) const {
  EMBEDKIT_CHECK(out.size() == dim(), ArgumentError,
                 fmt::format("output holds {} floats, the vectors have {}", out.size(), dim()));
  compose(id, words_.word(id), out);
}

}  // namespace embedkit
