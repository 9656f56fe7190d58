// Reading and writing word vectors in every common format.
//
//   auto wv = embedkit::load_vectors("glove.6B.300d.txt");             // format detected
//   embedkit::save_vectors(wv, "glove.ekv", {.format = embedkit::VectorFormat::native});
//   auto mapped = embedkit::load_vectors("glove.ekv");                  // milliseconds: mmap
//
// Formats (names as accepted by parse_vector_format and the CLI's --format / --to):
//   word2vec      word2vec text: a header "rows dim", then "word v1 .. vD" per line. fastText's
//                 .vec is this format (with a trailing space, which is accepted).
//   word2vec-bin  word2vec binary: header line, then "word " + dim little-endian float32 per
//                 row, with or without the C tool's "\n" after each row (both are read).
//   glove         GloVe text: "word v1 .. vD" lines with no header.
//   fasttext      fastText .bin model (format 11/12 with magic, and the older one without):
//                 words, counts, and the subword buckets, so unseen words get fastText's vectors.
//                 Supervised models load their word vectors (labels are listed in metadata).
//                 Quantized (.ftz) models are rejected with a clear message.
//   npy           NumPy .npy (float32/float64, C order, 2-D) + a vocabulary file beside it.
//   safetensors   safetensors with one 2-D tensor (F32, F16, BF16 or F64; with several, the one
//                 named "embeddings" or by LoadOptions::tensor); words in its metadata or a
//                 vocabulary file.
//   huggingface   a Hugging Face model folder: a tokenizer (tokenizer.json, or a SentencePiece
//                 tokenizer.model / spiece.model / sentencepiece.bpe.model / spm.model) and
//                 model.safetensors, or shards listed by model.safetensors.index.json. Its token
//                 embedding matrix (found by its usual names, or LoadOptions::tensor) is read as
//                 vectors keyed by the tokenizer's pieces; unseen words get the mean of their
//                 pieces' rows. Rows after the tokenizer's last piece (padding) are left out
//                 (metadata "huggingface.padding_rows"), as are pieces no word can be (control
//                 characters) and repeats ("huggingface.dropped_pieces"); fewer rows than pieces is
//                 a FormatError. A .safetensors file is read as a model when the format says so,
//                 LoadOptions::tokenizer_path is given, or a tokenizer sits beside it and its
//                 metadata holds no words. Not written (save as native or safetensors).
//   native        embedkit's own format (see native_format.h): opened with mmap, not read.
//
// Hostile input: every reader checks sizes against the bytes present before allocating,
// validates UTF-8 (error, or U+FFFD replacement by option), rejects NaN/Inf (unless allowed),
// duplicate words (unless keep_first), wrong per-line dimensions and header counts that
// disagree with the file; each error is a FormatError naming the file, line (text) or byte
// offset (binary) and the problem. Writers are atomic: a temporary file renamed into place.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "embedkit/io/word_vectors.h"
#include "embedkit/table/compressed_table.h"
#include "embedkit/text/utf8.h"

namespace embedkit {

enum class VectorFormat {
  detect,
  word2vec_text,
  word2vec_binary,
  glove,
  fasttext_bin,
  npy,
  safetensors,
  native,
  huggingface,
};

/// The canonical name of a format ("word2vec", "word2vec-bin", ...).
[[nodiscard]] std::string_view vector_format_name(VectorFormat format) noexcept;
/// Parses a name or alias ("vec", "w2v", "bin" = fasttext, "ekv", ...). Throws ArgumentError
/// listing the accepted names.
[[nodiscard]] VectorFormat parse_vector_format(std::string_view name);
/// Guesses the format of a file from its first bytes (magic numbers, header shape), falling back
/// on the file name's extension. Throws FormatError when nothing fits. (A folder is a Hugging
/// Face model: load_vectors() tells that before reading any bytes.)
[[nodiscard]] VectorFormat detect_vector_format(std::string_view head, std::string_view path);

enum class DuplicateWords {
  error,       ///< FormatError naming both lines
  keep_first,  ///< later rows of a word are dropped (counted in metadata "dropped_duplicates")
};

struct LoadOptions {
  VectorFormat format = VectorFormat::detect;
  InvalidUtf8 invalid_utf8 = InvalidUtf8::error;
  DuplicateWords duplicates = DuplicateWords::error;
  bool allow_non_finite = false;  ///< accept NaN / Inf values
  std::size_t limit = 0;          ///< read only the first `limit` words (0 = all)
  /// npy / safetensors: the words, one per line (or `word<TAB>count`). Empty: the data file's
  /// name with its extension replaced by ".vocab".
  std::string vocabulary_path;
  /// safetensors / huggingface: the name of the tensor to read (default: "embeddings" or the
  /// only tensor; for a model, the usual names of token embedding matrices).
  std::string tensor;
  /// huggingface: the tokenizer file whose pieces key the rows (default: the one in the model's
  /// folder). Given with a .safetensors file, that file is read as a Hugging Face model.
  std::string tokenizer_path;
};

/// Reads a vector file, or a Hugging Face model folder. Throws IoError (cannot open/read), FormatError (bad content) or
/// ArgumentError (bad options).
[[nodiscard]] WordVectors load_vectors(const std::string& path, const LoadOptions& options = {});

/// Parses vectors from bytes in memory; `source` names them in errors. For fuzzing and for data
/// that is not in a file. npy and safetensors need their words in options.vocabulary_path or (safetensors) metadata;
/// huggingface reads `bytes` as one .safetensors file and needs options.tokenizer_path.
[[nodiscard]] WordVectors parse_vectors(std::string_view bytes, std::string_view source, const LoadOptions& options);

/// Reads every byte of a vector file and checks all that can be checked: for a native (.ekv)
/// file, its checksums and that its values are finite (opening a mapped file skips both, as it
/// reads no row); other formats are loaded in full, which checks everything they hold (of a
/// Hugging Face model folder, the embedding tensor and the tokenizer). Throws FormatError
/// naming the first problem, or IoError. Returns whether the file carried checksums (native
/// files written since they were added; no other format has them).
bool verify_vectors(const std::string& path, const LoadOptions& options = {});

/// The format an output's extension names: .ekv native, .vec/.txt word2vec, .npy, .safetensors
/// (.bin could be fastText or word2vec binary, so it names none).
[[nodiscard]] std::optional<VectorFormat> format_named_by(std::string_view path) noexcept;

/// The format save_vectors() writes `path` in: `requested`, or for VectorFormat::detect the one
/// its extension names. Throws ArgumentError when it names none, so a command can check before
/// any work.
[[nodiscard]] VectorFormat output_format(const std::string& path, VectorFormat requested);

/// Whether files of `format` hold fastText subword buckets (fasttext, safetensors, native); the
/// others get each word's composed vector and lose the buckets, so unseen words get no vector.
[[nodiscard]] bool keeps_subwords(VectorFormat format) noexcept;

/// Whether files of `format` keep the tokenizer of vectors read from a Hugging Face model
/// (safetensors, native: stored in their metadata), so unseen words still compose from pieces.
[[nodiscard]] bool keeps_piece_tokenizer(VectorFormat format) noexcept;

struct SaveOptions {
  VectorFormat format = VectorFormat::native;
  std::size_t limit = 0;  ///< write only the first `limit` words (0 = all)
  /// npy: where to write the words (default: the output name with ".vocab").
  std::string vocabulary_path;
  /// native only: store this compressed form of the table (its rows: the words written + the
  /// bucket rows) in place of the float rows (an output layer stays float). Loading decodes it.
  const CompressedTable* compressed = nullptr;
};

/// Writes `vectors` atomically. Text formats write the shortest decimal that reads back as the
/// same float, so text round trips are exact. Formats without subwords (word2vec, glove, npy)
/// get each word's composed vector (as fastText's .vec); fasttext, safetensors and native keep
/// the subword buckets. Throws IoError or ArgumentError.
void save_vectors(const WordVectors& vectors, const std::string& path, const SaveOptions& options);

/// A float32 matrix (rows x cols, row-major) as a NumPy .npy file, written atomically: for
/// arrays that are not a vocabulary's rows (a sentence's contextual vectors).
void save_npy_matrix(const std::string& path, std::span<const float> values, std::size_t rows, std::size_t cols);

}  // namespace embedkit
