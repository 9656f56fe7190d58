// WordVectors: a set of pretrained (or trained) word vectors, as every vector file holds them:
// words, a table with one row per word, and optionally fastText-style subword buckets so that
// unseen words get vectors too.
//
//   embedkit::WordVectors wv = embedkit::load_vectors("cc.en.300.bin");
//   std::vector<float> v(wv.dim());
//   if (wv.vector("unfathomable", v) == embedkit::WordVectors::Source::unknown) { ... }
//
// Rows: row i < words().size() is word i; with subwords, rows words().size() + b hold the
// n-gram buckets b = 0 .. bucket-1 (fastText's input matrix). vector() composes a word's vector
// exactly as fastText's getWordVector does: the mean of the word's own row (when known) and the
// rows of its n-gram buckets; without subwords it is the word's row.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/table/embedding_table.h"
#include "embedkit/vocab/subwords.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

class WordVectors {
 public:
  enum class Source {
    in_vocabulary,  ///< the word has its own row
    from_subwords,  ///< unseen, built from its n-grams
    unknown,        ///< unseen and no subwords: the output is all zeros
  };

  /// Throws ArgumentError when the table's rows do not equal words (+ bucket with subwords).
  WordVectors(Vocabulary words, EmbeddingTable table, std::optional<SubwordOptions> subwords = std::nullopt);

  [[nodiscard]] const Vocabulary& words() const noexcept { return words_; }
  [[nodiscard]] const EmbeddingTable& table() const noexcept { return table_; }
  [[nodiscard]] EmbeddingTable& table() noexcept { return table_; }
  [[nodiscard]] std::size_t dim() const noexcept { return table_.dim(); }
  [[nodiscard]] std::size_t size() const noexcept { return words_.size(); }
  [[nodiscard]] const std::optional<SubwordOptions>& subwords() const noexcept { return subwords_; }

  /// The vector of `word` into `out` (dim floats), and where it came from. Throws ArgumentError
  /// when out has the wrong size.
  Source vector(std::string_view word, std::span<float> out) const;
  /// The stored vector of word id `id` composed with its subwords (as vector(word(id))).
  void vector(TokenId id, std::span<float> out) const;

  /// Free-form provenance and format details ("format", "source", "fasttext.model", ...),
  /// carried through conversions and saved in the native format.
  std::map<std::string, std::string> metadata;

  /// fastText models only: the output matrix (kept so that .bin -> .bin is exact) and the
  /// labels of supervised models.
  std::optional<EmbeddingTable> output;

 private:
  void compose(std::optional<TokenId> id, std::string_view word, std::span<float> out) const;

  Vocabulary words_;
  EmbeddingTable table_;
  std::optional<SubwordOptions> subwords_;
};

}  // namespace embedkit
