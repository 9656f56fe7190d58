// WordVectors: a set of pretrained (or trained) word vectors, as every vector file holds them:
// words, a table with one row per word, and optionally fastText-style subword buckets so that
// unseen words get vectors too.
//
//   embedkit::WordVectors wv = embedkit::load_vectors("cc.en.300.bin");
//   std::vector<float> v(wv.dim());
//   if (wv.vector("unfathomable", v) == embedkit::WordVectors::Source::unknown) { ... }
//
// Rows: row i < words().size() is word i; with subwords, the rows after the words hold the n-gram
// buckets: all of them in order (b = 0 .. bucket-1, fastText's input matrix), or only the
// buckets listed in stored_buckets() (a trained model keeps the buckets its words use: the
// others never trained, and read as zero rows, so a model's size follows its data rather than
// the hash space). vector() composes a word's vector exactly as fastText's getWordVector does:
// the mean of the word's own row (when known) and the rows of its n-gram buckets; without
// subwords it is the word's row. Subword settings with minn = maxn = 0 mean bucket rows without
// character n-grams (a classifier's word n-grams, a fastText supervised model's buckets): words
// compose from their own row only, and an unseen word is unknown.
//
// Pieces instead of n-grams: vectors read from a transformer's input embeddings (a Hugging Face
// model folder) are keyed by its tokenizer's pieces ("play", "##ing", "▁the"), and keep the
// tokenizer (see PieceTokenizer): an unseen word is the mean of the rows of the pieces the
// tokenizer splits it into (special tokens not added). A word the vocabulary holds is its row.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/table/embedding_table.h"
#include "embedkit/vocab/subwords.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

class CompressedTable;
class SubwordTokenizer;

/// The tokenizer whose pieces are the words of a WordVectors, and the bytes of its file
/// (tokenizer.json or a SentencePiece .model), kept so that writers can store it (the native
/// format and safetensors do, so converted vectors still compose unseen words).
struct PieceTokenizer {
  std::shared_ptr<const SubwordTokenizer> tokenizer;
  std::shared_ptr<const std::string> file_bytes;
};

class WordVectors {
 public:
  enum class Source {
    in_vocabulary,  ///< the word has its own row
    from_subwords,  ///< unseen, built from its n-grams (or its tokenizer pieces)
    unknown,        ///< unseen and no subwords: the output is all zeros
  };

  /// Throws ArgumentError when the table's rows do not equal words (+ bucket with subwords).
  WordVectors(Vocabulary words, EmbeddingTable table, std::optional<SubwordOptions> subwords = std::nullopt);
  /// Only the buckets `stored_buckets` (ascending, each < subwords.bucket) have rows, in that
  /// order after the words; the others are zero rows. Throws ArgumentError when the list is not
  /// ascending or out of range, or the table's rows do not equal words + the list's size.
  WordVectors(Vocabulary words, EmbeddingTable table, SubwordOptions subwords,
              std::vector<std::uint32_t> stored_buckets);

  [[nodiscard]] const Vocabulary& words() const noexcept { return words_; }
  [[nodiscard]] const EmbeddingTable& table() const noexcept { return table_; }
  [[nodiscard]] EmbeddingTable& table() noexcept { return table_; }
  [[nodiscard]] std::size_t dim() const noexcept { return table_.dim(); }
  [[nodiscard]] std::size_t size() const noexcept { return words_.size(); }
  [[nodiscard]] const std::optional<SubwordOptions>& subwords() const noexcept { return subwords_; }
  /// With subwords: whether every bucket has a row (else stored_buckets() lists those that do).
  [[nodiscard]] bool stores_every_bucket() const noexcept { return !sparse_buckets_; }
  /// Whether an unseen word may get a vector: the vectors have fastText subwords or pieces.
  [[nodiscard]] bool composes_unseen_words() const noexcept { return subwords_.has_value() || pieces_.has_value(); }
  /// The tokenizer unseen words are split by, when the words are its pieces (else nullopt).
  [[nodiscard]] const std::optional<PieceTokenizer>& piece_tokenizer() const noexcept { return pieces_; }
  /// Composes unseen words from `pieces`' pieces from now on (nullopt: no longer). Throws
  /// ArgumentError when the vectors have fastText subwords (a word composes one way only) or
  /// the tokenizer is null.
  void set_piece_tokenizer(std::optional<PieceTokenizer> pieces);
  /// The buckets with rows when not all have one (ascending); empty when all do.
  [[nodiscard]] std::span<const std::uint32_t> stored_buckets() const noexcept { return stored_buckets_; }
  /// Rows holding buckets: bucket, or stored_buckets().size().
  [[nodiscard]] std::size_t bucket_rows() const noexcept { return table_.rows() - words_.size(); }
  /// The row of bucket b, or nothing when b is not stored (a zero row).
  [[nodiscard]] std::optional<std::size_t> bucket_row(std::uint32_t b) const noexcept;

  /// The vector of `word` into `out` (dim floats), and where it came from. Throws ArgumentError
  /// when out has the wrong size. Without subwords or pieces, an unseen word is unknown (zeros).
  Source vector(std::string_view word, std::span<float> out) const;
  /// The stored vector of word id `id` composed with its subwords (as vector(word(id))).
  void vector(TokenId id, std::span<float> out) const;

  /// The same words, subword settings and stored buckets over another table of the same rows
  /// (any dim): a reduced, decoded or owned copy. Metadata and the piece tokenizer are copied;
  /// the output layer and the codes are not (they belong to this table). Throws ArgumentError
  /// when the rows differ.
  [[nodiscard]] WordVectors with_table(EmbeddingTable table) const;

  /// Free-form provenance and format details ("format", "source", "fasttext.model", ...),
  /// carried through conversions and saved in the native format.
  std::map<std::string, std::string> metadata;

  /// fastText models only: the output matrix (kept so that .bin -> .bin is exact) and the
  /// labels of supervised models.
  std::optional<EmbeddingTable> output;

  /// Read from a compressed native file: the codes `table()` was decoded from (to search on
  /// them, or to save them again: SaveOptions::compressed). Not kept in step with the table:
  /// code that changes the table's rows resets this.
  std::shared_ptr<const CompressedTable> compressed;

 private:
  // Returns how many rows (zero rows of unstored buckets included) the mean is over.
  std::size_t compose(std::optional<TokenId> id, std::string_view word, std::span<float> out) const;
  // The mean of the rows of `word`'s pieces; returns how many rows.
  std::size_t compose_pieces(std::string_view word, std::span<float> out) const;

  Vocabulary words_;
  EmbeddingTable table_;
  std::optional<SubwordOptions> subwords_;
  bool sparse_buckets_ = false;
  std::vector<std::uint32_t> stored_buckets_;
  std::optional<PieceTokenizer> pieces_;
};

}  // namespace embedkit
