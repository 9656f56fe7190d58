// Contextual vectors: a token table and a Transformer encoder over it, so that a word's vector
// depends on its sentence ("bank" by a river is not "bank" with money). What `embedkit pretrain`
// writes and `embedkit encode` reads (part of embedkit).
//
//   embedkit::ContextualEncoder model = embedkit::ContextualEncoder::load("encoder.ekv");
//   embedkit::ContextualEncoder::Encoded out = model.encode(tokens);   // tokens: split words
//   // out.vectors: tokens.size() x model.dim(), row i the vector of tokens[i] in this sentence
//
// The file is a native vector file (io/native_format.h): its table is the token table, so
// `info`, `neighbors` and `eval` read its static vectors; its output layer holds the encoder's
// parameters (nn/parameter_rows.h), then the masked-language-model head's rows, in the order the
// metadata "embedkit.encoder" (a JSON object: the encoder's shape, the special tokens, the
// parameters' names and sizes) lists them. Files are checked as untrusted input: settings that
// imply more parameters than the file holds are refused before anything is built.
// Unknown words map to "<unk>"; "<mask>" is the masked-language model's mask.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/nn/transformer_encoder.h"
#include "embedkit/table/embedding_table.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

class WordVectors;

inline constexpr std::string_view kUnknownToken = "<unk>";
inline constexpr std::string_view kMaskToken = "<mask>";

class ContextualEncoder {
 public:
  /// A model over `words` (which must hold "<unk>" and "<mask>"), rows `table` and `encoder`
  /// (its width the table's); `mlm_output`: the pretraining head's rows, one per word, if kept.
  ContextualEncoder(Vocabulary words, EmbeddingTable table, nn::TransformerEncoder encoder,
                    std::optional<EmbeddingTable> mlm_output = std::nullopt);
  ContextualEncoder(ContextualEncoder&&) noexcept;
  ContextualEncoder& operator=(ContextualEncoder&&) noexcept;
  ~ContextualEncoder();

  /// Reads a file written by save(); FormatError when it is not one, or is damaged.
  static ContextualEncoder load(const std::string& path);
  /// The encoder held by a loaded native file; `source` names it in errors.
  static ContextualEncoder from_vectors(WordVectors file, std::string_view source);
  /// Whether a loaded vector file holds an encoder (its metadata), without checking it.
  [[nodiscard]] static bool holds_encoder(const WordVectors& file);
  /// Writes atomically in the native format; `metadata` (JSON object text) is kept beside the
  /// encoder's own under "embedkit.pretraining" when given.
  void save(const std::string& path, std::string_view training_metadata = {}) const;

  struct Encoded {
    std::vector<TokenId> ids;    ///< per token (unknown words: <unk>'s id)
    std::vector<float> vectors;  ///< tokens x dim(), row-major
  };
  /// Each token's contextual vector (the encoder's output, in evaluation). A sentence longer
  /// than max_length() is encoded in windows of max_length() tokens, each on its own.
  [[nodiscard]] Encoded encode(std::span<const std::string> tokens) const;
  /// The ids of tokens (unknown: <unk>).
  [[nodiscard]] std::vector<TokenId> ids_of(std::span<const std::string> tokens) const;

  [[nodiscard]] const Vocabulary& words() const noexcept;
  [[nodiscard]] const EmbeddingTable& table() const noexcept;
  [[nodiscard]] EmbeddingTable& table() noexcept;
  [[nodiscard]] const nn::TransformerEncoder& encoder() const noexcept;
  [[nodiscard]] nn::TransformerEncoder& encoder() noexcept;
  [[nodiscard]] std::optional<EmbeddingTable>& mlm_output() noexcept;
  [[nodiscard]] std::size_t dim() const noexcept { return encoder().dim(); }
  [[nodiscard]] std::size_t max_length() const noexcept { return encoder().options().max_positions; }
  [[nodiscard]] TokenId unknown_id() const noexcept;
  [[nodiscard]] TokenId mask_id() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace embedkit
