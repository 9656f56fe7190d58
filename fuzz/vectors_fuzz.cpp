// libFuzzer target for the vector file readers: one binary, the format named by the environment
// variable EMBEDKIT_FUZZ_FORMAT (word2vec_text, word2vec_binary, glove, fasttext_bin, npy,
// safetensors, native or huggingface), read once at start. For huggingface the input is a model's
// .safetensors file (several tensors, F32/F16/BF16), read with a fixed tokenizer (the test
// models' tokenizer.json, 32 WordPiece pieces): the tensor's choice, conversion and keying by
// pieces are fuzzed here; tokenizer files have their own target (subword_fuzz).
// A file either loads into consistent WordVectors or fails with FormatError; anything else (a
// crash, a sanitizer report, another exception, an allocation the file cannot justify) is a bug.
// The first input byte picks the options (strict/lossy UTF-8, duplicates, non-finite values);
// for npy the words follow the array after a "\n--words--\n" separator. A native file that holds
// an encoder (embedkit pretrain) goes on into ContextualEncoder, which loads it and encodes a
// sentence, or fails with FormatError.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/encode/contextual_encoder.h"
#include "embedkit/core/mapped_file.h"
#include "embedkit/io/vector_io.h"
#include "io/formats.h"
#include "io/stored_tokenizer.h"

namespace {

embedkit::VectorFormat format_to_fuzz = embedkit::VectorFormat::native;
std::optional<embedkit::PieceTokenizer> model_tokenizer;  // huggingface only
constexpr const char* kModelTokenizer = EMBEDKIT_SOURCE_DIR "/tests/unit/io/data/huggingface/bert-f32/tokenizer.json";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  const char* name = std::getenv("EMBEDKIT_FUZZ_FORMAT");
  const std::string_view format = name == nullptr ? "" : name;
  using F = embedkit::VectorFormat;
  if (format == "word2vec_text") format_to_fuzz = F::word2vec_text;
  else if (format == "word2vec_binary") format_to_fuzz = F::word2vec_binary;
  else if (format == "glove") format_to_fuzz = F::glove;
  else if (format == "fasttext_bin") format_to_fuzz = F::fasttext_bin;
  else if (format == "npy") format_to_fuzz = F::npy;
  else if (format == "safetensors") format_to_fuzz = F::safetensors;
  else if (format == "native") format_to_fuzz = F::native;
  else if (format == "huggingface") {
    format_to_fuzz = F::huggingface;
    const auto file = embedkit::MappedFile::open(kModelTokenizer);
    model_tokenizer = embedkit::detail::read_piece_tokenizer(file->bytes(), kModelTokenizer);
  } else {
    std::fprintf(stderr, "vectors_fuzz: set EMBEDKIT_FUZZ_FORMAT to a format (word2vec_text, ..., native)\n");
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto flags = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const embedkit::VectorFormat kFormat = format_to_fuzz;
  const embedkit::LoadOptions options{
      .format = kFormat,
      .invalid_utf8 = (flags & 1U) != 0 ? embedkit::InvalidUtf8::replace : embedkit::InvalidUtf8::error,
      .duplicates = (flags & 2U) != 0 ? embedkit::DuplicateWords::keep_first : embedkit::DuplicateWords::error,
      .allow_non_finite = (flags & 4U) != 0,
      .limit = (flags & 8U) != 0 && kFormat != embedkit::VectorFormat::native ? 3U : 0U,
  };
  try {
    embedkit::WordVectors wv = [&] {
      if (kFormat == embedkit::VectorFormat::npy) {
        const std::size_t split = bytes.find("\n--words--\n");
        const std::string_view array = bytes.substr(0, split);
        const std::string_view words = split == std::string_view::npos ? std::string_view() : bytes.substr(split + 11);
        return embedkit::detail::parse_npy(array, "fuzz.npy", words, "fuzz.vocab", options);
      }
      if (kFormat == embedkit::VectorFormat::huggingface) {
        return embedkit::detail::parse_huggingface(bytes, "fuzz.safetensors", *model_tokenizer, kModelTokenizer,
                                                   options);
      }
      return embedkit::parse_vectors(bytes, "fuzz", options);
    }();
    // Consistency: every word finds itself, and vectors compose without reading out of bounds.
    // (bucket rows: every bucket, or the listed ones of a version-2 native file)
    const std::size_t buckets =
        !wv.subwords() ? 0 : wv.stores_every_bucket() ? wv.subwords()->bucket : wv.stored_buckets().size();
    if (wv.table().rows() != wv.size() + buckets) std::abort();
    std::vector<float> v(wv.dim());
    for (std::size_t i = 0; i < wv.size() && i < 64; ++i) {
      const auto id = static_cast<embedkit::TokenId>(i);
      if (wv.words().find(wv.words().word(id)) != id) std::abort();
      wv.vector(id, v);
    }
    // With pieces: "fuzzing" composes from the tokenizer's pieces that have rows.
    if (wv.vector("fuzzing", v) == embedkit::WordVectors::Source::from_subwords && !wv.composes_unseen_words()) {
      std::abort();
    }
    if (embedkit::ContextualEncoder::holds_encoder(wv)) {
      const embedkit::ContextualEncoder model = embedkit::ContextualEncoder::from_vectors(std::move(wv), "fuzz");
      const std::vector<std::string> sentence = {"the", "fuzzing", "the"};
      const embedkit::ContextualEncoder::Encoded out = model.encode(sentence);
      if (out.vectors.size() != sentence.size() * model.dim() || out.ids.size() != sentence.size()) std::abort();
    }
  } catch (const embedkit::FormatError&) {
  }
  return 0;
}
