// Hugging Face tokenizer.json decoders: ByteLevel, WordPiece, Metaspace, BPEDecoder,
// ByteFallback, Fuse, Strip, Replace and Sequence: tokens back to text as the library writes it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace embedkit::tokenize {

class HfDecoder {
 public:
  virtual ~HfDecoder() = default;
  /// One step of the chain: tokens in, tokens out (the final text is their concatenation).
  [[nodiscard]] virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

/// nullptr for JSON null; FormatError naming `where` for an unknown type or bad fields.
[[nodiscard]] std::unique_ptr<HfDecoder> make_hf_decoder(const nlohmann::json& spec, const std::string& where);

}  // namespace embedkit::tokenize
