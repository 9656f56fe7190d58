// SubwordTokenizer::load: a tokenizer file, told apart by content.
#include <fmt/format.h>

#include "embedkit/core/error.h"
#include "embedkit/core/mapped_file.h"
#include "embedkit/tokenize/subword_tokenizer.h"
#include "huggingface_tokenizer.h"
#include "sentencepiece_tokenizer.h"

namespace embedkit {

std::unique_ptr<SubwordTokenizer> SubwordTokenizer::from_bytes(std::string_view bytes, const std::string& name) {
  // A tokenizer.json starts with '{' (after optional whitespace); a SentencePiece model is a
  // protobuf whose first field is a repeated piece (tag 0x0A).
  std::size_t first = 0;
  while (first < bytes.size() && (bytes[first] == ' ' || bytes[first] == '\n' || bytes[first] == '\r' || bytes[first] == '\t')) ++first;
  if (first < bytes.size() && bytes[first] == '{') return tokenize::HuggingFaceTokenizer::from_json(bytes, name);
  if (!bytes.empty() && bytes[0] == 0x0A) return tokenize::SentencePieceTokenizer::from_bytes(bytes, name);
  throw FormatError(fmt::format("{}: not a tokenizer file (neither a Hugging Face tokenizer.json nor a SentencePiece "
                                "model)", name));
}

std::unique_ptr<SubwordTokenizer> SubwordTokenizer::load(const std::string& path) {
  const auto file = MappedFile::open(path);
  return from_bytes(file->bytes(), path);
}

}  // namespace embedkit
