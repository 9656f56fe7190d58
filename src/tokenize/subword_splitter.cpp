#include "embedkit/tokenize/subword_splitter.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/content_hash.h"
#include "embedkit/core/mapped_file.h"

namespace embedkit {
namespace {

class SubwordSplitter final : public TokenSplitter {
 public:
  SubwordSplitter(std::shared_ptr<const SubwordTokenizer> tokenizer, std::string name)
      : tokenizer_(std::move(tokenizer)), name_(std::move(name)) {}
  void split(std::string_view valid_text, TokenSink sink) const override {
    const Encoding e = tokenizer_->encode(valid_text, {.add_special_tokens = false});
    for (const std::string& piece : e.pieces) sink(piece);
  }
  std::string describe() const override {
    return fmt::format("{} ({})", name_.empty() ? std::string("subword tokenizer") : name_, tokenizer_->model_type());
  }
  const SubwordTokenizer& tokenizer() const noexcept { return *tokenizer_; }

 private:
  std::shared_ptr<const SubwordTokenizer> tokenizer_;
  std::string name_;
};

}  // namespace

std::shared_ptr<const TokenSplitter> subword_splitter(std::shared_ptr<const SubwordTokenizer> tokenizer, std::string name) {
  return std::make_shared<SubwordSplitter>(std::move(tokenizer), std::move(name));
}

std::string subword_tokenizer_record(const std::string& path) {
  const auto file = MappedFile::open(path);
  detail::ContentHash hash;
  hash.update(file->bytes());
  const auto tok = SubwordTokenizer::from_bytes(file->bytes(), path);
  return fmt::format("{} ({}) xxh3:{:016x}", std::filesystem::path(path).filename().string(), tok->model_type(),
                     hash.digest());
}

const SubwordTokenizer* subword_tokenizer_of(const TokenSplitter* splitter) noexcept {
  const auto* s = dynamic_cast<const SubwordSplitter*>(splitter);
  return s ? &s->tokenizer() : nullptr;
}

}  // namespace embedkit
