// A subword tokenizer as the text layer's TokenSplitter: every reader of text (vocabularies,
// word-vector training, classifiers) then sees its pieces as tokens.
//
//   embedkit::TokenizerOptions text;
//   text.splitter = embedkit::subword_splitter(embedkit::SubwordTokenizer::load("spm.model"));
//   embedkit::Tokenizer(text).tokenize("unbelievable");   // {"▁un", "believ", "able"}
#pragma once

#include <memory>
#include <string>

#include "embedkit/text/tokenizer.h"
#include "embedkit/tokenize/subword_tokenizer.h"

namespace embedkit {

/// Pieces of `tokenizer` without the special tokens its post-processor adds; `name` (the file)
/// is kept for describe().
[[nodiscard]] std::shared_ptr<const TokenSplitter> subword_splitter(std::shared_ptr<const SubwordTokenizer> tokenizer,
                                                                    std::string name = {});

/// "<file name> (<model type>) xxh3:<hash of the file's bytes>": what a model trained on the
/// pieces of the tokenizer at `path` records, so a later run can check it reads text the same way.
[[nodiscard]] std::string subword_tokenizer_record(const std::string& path);

/// The subword tokenizer behind a splitter made by subword_splitter(), else nullptr.
[[nodiscard]] const SubwordTokenizer* subword_tokenizer_of(const TokenSplitter* splitter) noexcept;

}  // namespace embedkit
