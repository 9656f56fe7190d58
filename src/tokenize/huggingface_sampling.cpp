// HuggingFaceTokenizer's sampling and n-best: the pipeline of encode_sequence() with the model's
// tokenize_sampled() or tokenize_nbest() in place of its cached tokenize_word().
#include <fmt/format.h>

#include "embedkit/core/error.h"
#include "embedkit/core/random.h"
#include "tokenize/huggingface_tokenizer.h"
#include "tokenize/subword_sampling.h"
#include "tokenize/unigram_nbest.h"

namespace embedkit::tokenize {

std::vector<ScoredEncoding> HuggingFaceTokenizer::encode_nbest(std::string_view text, std::size_t n,
                                                               const SubwordEncodeOptions& options) const {
  if (model_->type() != "Unigram") return SubwordTokenizer::encode_nbest(text, n, options);  // throws
  check_nbest_size(n);
  EMBEDKIT_CHECK(!options.sampling, ArgumentError, "encode_nbest: options.sampling is set (n-best draws nothing)");
  // Words are segmented independently, so the n best of the text are the n best combinations
  // of each word's n best: collect the lists, then replay the pipeline once per combination.
  std::vector<std::vector<std::pair<std::vector<ModelToken>, double>>> lists;
  auto collect = [&](std::string_view word, std::vector<ModelToken>&) { lists.push_back(model_->tokenize_nbest(word, n)); };
  const WordTokenizer collector(collect);
  (void)encode_sequence(text, &collector);
  std::vector<std::vector<double>> scores(lists.size());
  for (std::size_t w = 0; w < lists.size(); ++w) {
    for (const auto& option : lists[w]) scores[w].push_back(option.second);
  }
  std::vector<ScoredEncoding> out;
  for (const auto& combination : combine_nbest(scores, n)) {
    const auto& choice = combination.first;  // not a structured binding: clang 14 lambdas cannot capture one
    const double score = combination.second;
    std::size_t word = 0;
    auto replay = [&](std::string_view, std::vector<ModelToken>& tokens) {
      const std::vector<ModelToken>& chosen = lists[word][choice[word]].first;
      tokens.insert(tokens.end(), chosen.begin(), chosen.end());
      ++word;
    };
    const WordTokenizer replayer(replay);
    Encoding e = encode_sequence(text, &replayer);
    if (post_processor_) e = post_processor_->process(std::move(e), nullptr, options.add_special_tokens);
    out.push_back({std::move(e), score});
  }
  return out;
}

Encoding HuggingFaceTokenizer::encode_sampled(std::string_view first, const std::string_view* second,
                                              const SubwordEncodeOptions& options) const {
  const SubwordSampling& sampling = *options.sampling;
  check_sampling(sampling, model_->type());
  SplitMix64 rng = sampling_rng(sampling);
  if (model_->type() == "Unigram" && sampling.nbest_size > 1) {
    EMBEDKIT_CHECK(second == nullptr, ArgumentError,
                   "sampling: drawing from the n best (nbest_size > 1) takes one text, not a pair");
    SubwordEncodeOptions plain = options;
    plain.sampling.reset();
    return draw_from_nbest(encode_nbest(first, static_cast<std::size_t>(sampling.nbest_size), plain), sampling.alpha, rng)
        .encoding;
  }
  auto sample = [&](std::string_view word, std::vector<ModelToken>& tokens) {
    model_->tokenize_sampled(word, sampling, rng, tokens);
  };
  const WordTokenizer sampler(sample);
  Encoding a = encode_sequence(first, &sampler);
  if (second == nullptr) {
    if (!post_processor_) return a;
    return post_processor_->process(std::move(a), nullptr, options.add_special_tokens);
  }
  Encoding b = encode_sequence(*second, &sampler);
  if (!post_processor_) return concatenate_pair(std::move(a), &b);
  return post_processor_->process(std::move(a), &b, options.add_special_tokens);
}

}  // namespace embedkit::tokenize
