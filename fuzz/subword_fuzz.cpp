// libFuzzer target: subword tokenizers. The first byte picks what the rest is:
//   even: a tokenizer file (tokenizer.json or SentencePiece model) -> load; if it loads, encode
//         and decode a fixed text;
//   odd:  text for one of the shipped test tokenizers (the second byte picks which).
// (Seeds: tiny tokenizer.json files, and SentencePiece models made by spm_train on three lines.)
// Beyond "no crash, no sanitizer report", every encoding must keep the contract: offsets inside
// the text and ordered, every id a piece of the vocabulary, code-point offsets computable. Each
// encoding is repeated as a sampled one (alpha and nbest_size from the text's length) and, for
// Unigram models, as an n-best list, which must be best first (to float rounding).
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "embedkit/tokenize/subword_tokenizer.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_encoding(const embedkit::SubwordTokenizer& tok, std::string_view text, const embedkit::Encoding& e) {
  check(e.pieces.size() == e.size() && e.offsets.size() == e.size() && e.type_ids.size() == e.size() &&
        e.special_mask.size() == e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    check(e.offsets[i].first <= e.offsets[i].second && e.offsets[i].second <= text.size());
    (void)tok.id_to_piece(e.ids[i]);  // throws (and the fuzzer reports) for an id outside the vocabulary
  }
  (void)embedkit::code_point_offsets(text, e.offsets);
  (void)tok.decode(e.ids, false);
}

const std::vector<std::unique_ptr<embedkit::SubwordTokenizer>>& shipped_tokenizers() {
  static const auto tokenizers = [] {
    std::vector<std::unique_ptr<embedkit::SubwordTokenizer>> out;
    for (const char* name : {"hf-wordpiece.json", "hf-bpe.json", "hf-bytelevel-bpe.json", "hf-unigram.json",
                             "spm_unigram_nfkc.model", "spm_bpe_bytes.model", "spm_unigram_suffix.model"}) {
      out.push_back(embedkit::SubwordTokenizer::load(std::string(EMBEDKIT_SOURCE_DIR) + "/tests/unit/tokenize/data/" + name));
    }
    return out;
  }();
  return tokenizers;
}

/// `any_error`: a fuzzed file may declare what its model cannot do (an unknown token missing
/// from its vocabulary), which encode() reports; the shipped tokenizers fail only on ill-formed
/// UTF-8 (tokenizer.json takes only text).
void encode_checked(const embedkit::SubwordTokenizer& tok, std::string_view text, bool any_error) {
  try {
    check_encoding(tok, text, tok.encode(text));
    const std::string_view type = tok.model_type();
    if (type == "BPE" || type == "Unigram") {
      embedkit::SubwordEncodeOptions o;
      const int sizes[] = {-1, 0, 1, 2, 7};
      o.sampling = embedkit::SubwordSampling{type == "BPE" ? static_cast<double>(text.size() % 11) / 10.0
                                                           : static_cast<double>(text.size() % 7) / 4.0,
                                             sizes[text.size() % 5], text.size(), 0};
      check_encoding(tok, text, tok.encode(text, o));
    }
    if (type == "Unigram") {
      const auto nbest = tok.encode_nbest(text, 1 + text.size() % 9);
      check(!nbest.empty());
      for (std::size_t i = 0; i < nbest.size(); ++i) {
        check_encoding(tok, text, nbest[i].encoding);
        // Best first, as SentencePiece orders them: its search sums in float, so neighbours a
        // rounding apart may come out of order (spm 0.1.97 does so too, on the same input).
        check(i == 0 || nbest[i].score <= nbest[i - 1].score + 1e-5 * (1 + std::abs(nbest[i - 1].score)));
      }
    }
  } catch (const embedkit::FormatError&) {
    check(any_error || (tok.format() == embedkit::TokenizerFormat::huggingface_json &&
                        embedkit::find_invalid_utf8(text).has_value()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1U) == 0) {
    std::unique_ptr<embedkit::SubwordTokenizer> tok;
    try {
      tok = embedkit::SubwordTokenizer::from_bytes(rest, "fuzz");
    } catch (const embedkit::FormatError&) {
      return 0;
    }
    encode_checked(*tok, "Héllo, wörld! 😀 [CLS] 12345 don't", true);
    return 0;
  }
  const auto& tokenizers = shipped_tokenizers();
  const auto& tok = *tokenizers[static_cast<std::uint8_t>(rest[0]) % tokenizers.size()];
  encode_checked(tok, rest.substr(1), false);
  return 0;
}
