#include "train/word2vec/encoded_corpus.h"

#include <optional>

#include <fmt/format.h>

#include "embedkit/core/error.h"
#include "embedkit/text/corpus_reader.h"

namespace embedkit::detail {
namespace {

class CorpusEncoder final : public CorpusVisitor {
 public:
  CorpusEncoder(const Vocabulary& vocab, EncodedCorpus& corpus, const std::function<bool()>& should_stop)
      : vocab_(vocab), corpus_(corpus), should_stop_(should_stop) {}
  void on_progress(const CorpusProgress& /*progress*/) override {
    if (should_stop_ && should_stop_()) stop_before_training("the encoding pass");
  }
  void on_token(std::string_view token) override {
    ++corpus_.tokens;
    // The token and a 0xFF, a byte UTF-8 never has, so "ab c" and "a bc" differ.
    corpus_.hash.update(token);
    corpus_.hash.update("\xFF");
    const std::optional<TokenId> id = vocab_.find(token);
    if (!id) return;
    if (in_sentence_ == kMaxSentence) {
      corpus_.starts.push_back(corpus_.bytes.size());
      in_sentence_ = 0;
    }
    TokenId v = *id;
    while (v >= 0x80U) {
      corpus_.bytes.push_back(static_cast<std::uint8_t>(v | 0x80U));
      v >>= 7U;
    }
    corpus_.bytes.push_back(static_cast<std::uint8_t>(v));
    ++in_sentence_;
    ++corpus_.kept;
  }
  void on_line_end() override {
    corpus_.hash.update("\xFE");  // lines are sentences: their ends count
    if (corpus_.bytes.size() > corpus_.starts.back()) corpus_.starts.push_back(corpus_.bytes.size());
    in_sentence_ = 0;
  }
  void finish() { on_line_end(); }

 private:
  const Vocabulary& vocab_;
  EncodedCorpus& corpus_;
  const std::function<bool()>& should_stop_;
  std::size_t in_sentence_ = 0;
};

}  // namespace

std::vector<std::size_t> EncodedCorpus::shards(std::size_t threads) const {
  std::vector<std::size_t> result{0};
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t target = bytes.size() * t / threads;
    std::size_t s = result.back();
    while (s < sentences() && starts[s] < target) ++s;
    result.push_back(s);
  }
  result.push_back(sentences());
  return result;
}

void stop_before_training(std::string_view pass) {
  throw Error(fmt::format("training was stopped during {}, before any vector was learned", pass),
              "no stop request");
}

EncodedCorpus encode_corpus(const std::string& input, const Tokenizer& tokenizer, const Vocabulary& vocab,
                            std::uint64_t expected_tokens, const std::function<bool()>& should_stop,
                            CorpusShare share) {
  EncodedCorpus corpus;
  corpus.bytes.reserve(expected_tokens * 2);  // untouched capacity costs address space, not memory
  CorpusEncoder encoder(vocab, corpus, should_stop);
  CorpusReader(input, tokenizer, share).read(encoder);
  encoder.finish();
  return corpus;
}

}  // namespace embedkit::detail
