// The text settings that made a model's words, kept in its metadata, so that queries are read the
// way the training text was: a model trained with --lower answers "Paris" as "paris" instead of
// composing a poor vector for an unseen word from subwords.
//
//   WordVectors wv = embedkit::load_vectors("v.ekv");
//   wv.vector(embedkit::query_form(wv, "Paris"), out);   // "paris" when trained lowercased
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "embedkit/io/word_vectors.h"
#include "embedkit/text/tokenizer.h"

namespace embedkit {

/// Records `options` in `metadata` under "text.split", "text.lowercase", "text.nfkc" and
/// "text.strip_accents" (every native, safetensors and fastText-metadata file keeps them); with a
/// subword splitter, "text.split" = "subword" and "text.tokenizer" says which.
void record_text_settings(const TokenizerOptions& options, std::map<std::string, std::string>& metadata);

/// The normalisation recorded by record_text_settings(), or nullopt when the metadata has none
/// (vectors from elsewhere, or from before the settings were kept).
[[nodiscard]] std::optional<NormalizerOptions> recorded_normalization(
    const std::map<std::string, std::string>& metadata);

/// `word` as the model's words were made: normalised as its training text was (lowercased,
/// NFKC, accents stripped) when the metadata says so, else unchanged. Invalid UTF-8 is left as is.
[[nodiscard]] std::string query_form(const WordVectors& vectors, std::string_view word);

}  // namespace embedkit
