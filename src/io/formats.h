// Private to embedkit: one parser and one writer per vector format (dispatched by vector_io.cpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "embedkit/core/atomic_file.h"
#include "embedkit/core/mapped_file.h"
#include "embedkit/io/vector_io.h"

namespace embedkit::detail {

/// word2vec text (has_header) or GloVe (no header).
WordVectors parse_text_vectors(std::string_view data, std::string_view source, bool has_header,
                               const LoadOptions& options);
void write_text_vectors(const WordVectors& vectors, AtomicFileWriter& out, bool header, std::size_t limit);

WordVectors parse_word2vec_binary(std::string_view data, std::string_view source, const LoadOptions& options);
void write_word2vec_binary(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit);

WordVectors parse_fasttext_bin(std::string_view data, std::string_view source, const LoadOptions& options);
void write_fasttext_bin(const WordVectors& vectors, AtomicFileWriter& out);

/// `words`: the contents of the vocabulary file (one word, or word<TAB>count, per line) and its name.
WordVectors parse_npy(std::string_view data, std::string_view source, std::string_view words,
                      std::string_view words_source, const LoadOptions& options);
void write_npy(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit);

/// `words` may be empty when the file's metadata holds them.
WordVectors parse_safetensors(std::string_view data, std::string_view source, std::string_view words,
                              std::string_view words_source, const LoadOptions& options);
void write_safetensors(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit);

/// A Hugging Face model: `path` is its folder, or one of its .safetensors files (the tokenizer
/// then in the same folder, or named by options.tokenizer_path).
WordVectors load_huggingface(const std::string& path, const LoadOptions& options);
/// Whether the safetensors file `path` (its bytes) is a model's rather than embedkit's table: a
/// tokenizer sits beside it and its metadata holds no words.
bool is_model_safetensors(const std::string& path, std::string_view bytes);
/// One model .safetensors file in memory (`source` names it), keyed by `pieces`' pieces.
WordVectors parse_huggingface(std::string_view safetensors, std::string_view source, const PieceTokenizer& pieces,
                              const std::string& tokenizer_source, const LoadOptions& options);

/// Native: over a copy-on-write mapping (nothing read but the header and vocabulary), or copied
/// from bytes in memory.
WordVectors open_native(std::shared_ptr<MappedFile> file, const LoadOptions& options);
WordVectors parse_native(std::string_view data, std::string_view source, const LoadOptions& options);
void write_native(const WordVectors& vectors, AtomicFileWriter& out, std::size_t limit,
                  const CompressedTable* compressed = nullptr);

/// The words of a vocabulary file for npy/safetensors: one per line, optionally `word<TAB>count`.
struct WordsFile {
  std::vector<std::string_view> words;
  std::vector<std::uint64_t> counts;
};
/// Throws FormatError when the file has more than `expected` lines (checked before any line is
/// indexed, so a file of newlines cannot make the index outgrow the table it names).
WordsFile parse_words_file(std::string_view data, std::string_view source, std::uint64_t expected);

/// The vector written for word `id` by formats without subwords: composed when the vectors have
/// subwords (as fastText's .vec), else the row itself.
void output_vector(const WordVectors& vectors, TokenId id, std::span<float> out);

}  // namespace embedkit::detail
