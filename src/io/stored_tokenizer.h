// Private to embedkit: the piece tokenizer of vectors read from a transformer model (see
// word_vectors.h), and how vector files that keep it store it: the tokenizer file's bytes,
// base64, under the metadata key "embedkit.tokenizer" (the native format's metadata and
// safetensors' "__metadata__" hold only strings; a SentencePiece model is binary).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "embedkit/io/word_vectors.h"

namespace embedkit::detail {

inline constexpr std::string_view kTokenizerKey = "embedkit.tokenizer";

/// Reads a tokenizer file's bytes (tokenizer.json or a SentencePiece model). Throws FormatError
/// naming `name`.
[[nodiscard]] PieceTokenizer read_piece_tokenizer(std::string_view bytes, const std::string& name);

/// The value stored under kTokenizerKey.
[[nodiscard]] std::string encode_stored_tokenizer(const PieceTokenizer& pieces);

/// When `metadata` holds kTokenizerKey: takes it out and gives `vectors` that tokenizer. Throws
/// FormatError naming `source` when the value is not base64 of a tokenizer, or the vectors also
/// have fastText subwords.
void restore_stored_tokenizer(WordVectors& vectors, std::map<std::string, std::string>& metadata,
                              std::string_view source);

}  // namespace embedkit::detail
