// Private to embedkit: what a TextClassifier holds (its pimpl), shared by the model
// (text_classifier.cpp, in the runtime: prediction and files) and its training
// (train/classify/classifier_training.cpp).
#pragma once

#include <algorithm>
#include <memory>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embedkit/classify/text_classifier.h"
#include "embedkit/table/embedding_bag.h"
#include "embedkit/vocab/subwords.h"
#include "embedkit/vocab/vocabulary.h"
#include "classify/label_probabilities.h"
#include "classify/transformer_head.h"
#include "kernels/kernels.h"
#include "vocab/huffman_tree.h"

namespace embedkit {

namespace classifier_detail {
inline constexpr std::string_view kEndOfSentence = "</s>";
inline constexpr std::uint32_t kNoRow = 0xFFFFFFFFU;
}  // namespace classifier_detail

struct TextClassifier::Impl {
  ClassifierOptions options;
  Vocabulary words;                                     // ids 0 .. words-1 are table rows
  std::vector<std::uint32_t> bucket_of_row;             // row words + r holds hash bucket bucket_of_row[r]
  std::unordered_map<std::uint32_t, std::uint32_t> row_of_bucket;
  std::vector<std::string> labels;
  std::vector<std::uint64_t> label_counts;
  EmbeddingBag input{EmbeddingTable(0, 1), {.mode = BagMode::mean}};
  EmbeddingTable output{0, 1};
  std::optional<detail::HuffmanTree> tree;
  // A quantized model: the codes of `input`'s rows (which hold them decoded), saved in their place.
  std::shared_ptr<const CompressedTable> compressed_input;
  // With ClassifierEncoder::transformer: the encoder and the head over `input`'s rows, and the
  // epochs trained (fewer than options.epochs in a checkpoint).
  std::shared_ptr<detail::TransformerHead> transformer;
  std::size_t epochs_done = 0;
  std::size_t training_examples = 0;  // (a resumed run checks it is given the same data:
  std::string training_hash;          //  the count, and the hash of its encoded examples)
  bool stopped_mid_epoch = false;     // a stop in an epoch: not resumable (its checkpoint is)

  [[nodiscard]] std::size_t dim() const { return input.dim(); }

  // fastText's features of one line (Dictionary::getLine + addWordNgrams): each known word's id,
  // each word's character n-gram buckets, then the word n-gram buckets over all words' hashes
  // (unknown words included), with "</s>" ending the line. `bucket_row` maps a hash bucket to a
  // row, or returns classifier_detail::kNoRow to leave it out.
  template <class BucketRow>
  void features(std::span<const std::string> tokens, std::vector<TokenId>& out, BucketRow&& bucket_row) const {
    std::vector<std::int32_t> hashes;
    hashes.reserve(tokens.size() + 1);
    std::vector<std::uint32_t> subword_scratch;
    const SubwordOptions sub{.minn = options.minn, .maxn = options.maxn, .bucket = options.bucket};
    auto add_word = [&](std::string_view token) {
      const auto id = words.find(token);
      if (id) out.push_back(*id);
      if (sub.enabled() && token != classifier_detail::kEndOfSentence) {
        subword_scratch.clear();
        subword_buckets(token, sub, subword_scratch);
        for (const std::uint32_t b : subword_scratch) {
          const std::uint32_t row = bucket_row(b);
          if (row != classifier_detail::kNoRow) out.push_back(row);
        }
      }
      hashes.push_back(static_cast<std::int32_t>(fasttext_hash(token)));
    };
    for (const auto& t : tokens) add_word(t);
    add_word(classifier_detail::kEndOfSentence);
    if (options.word_ngrams > 1 && options.bucket > 0) {
      for (std::size_t i = 0; i < hashes.size(); ++i) {
        // fastText widens the int32 hashes to uint64 with sign extension, then wraps.
        auto h = static_cast<std::uint64_t>(static_cast<std::int64_t>(hashes[i]));
        for (std::size_t j = i + 1; j < hashes.size() && j < i + options.word_ngrams; ++j) {
          h = h * 116049371ULL + static_cast<std::uint64_t>(static_cast<std::int64_t>(hashes[j]));
          const std::uint32_t row = bucket_row(static_cast<std::uint32_t>(h % options.bucket));
          if (row != classifier_detail::kNoRow) out.push_back(row);
        }
      }
    }
  }

  // Features at prediction time: unseen buckets have no row.
  void known_features(std::span<const std::string> tokens, std::vector<TokenId>& out) const {
    const auto words_count = static_cast<std::uint32_t>(words.size());
    features(tokens, out, [&](std::uint32_t b) {
      const auto it = row_of_bucket.find(b);
      return it == row_of_bucket.end() ? classifier_detail::kNoRow : words_count + it->second;
    });
  }

  // The encoder's ids of a text: its known words, then "</s>" (so never empty), the words cut to
  // fit max_length.
  void encoder_ids(std::span<const std::string> tokens, std::vector<TokenId>& out) const {
    const std::size_t keep = options.transformer.max_length - 1;
    const std::size_t first = out.size();
    for (const auto& t : tokens) {
      if (out.size() - first == keep) break;
      if (const auto id = words.find(t)) out.push_back(*id);
    }
    out.push_back(*words.find(classifier_detail::kEndOfSentence));
  }

  void probabilities(const float* hidden, float* probs) const {
    detail::label_probabilities(options.loss, hidden, output.data(), output.stride(), labels.size(),
                                tree ? &*tree : nullptr, dim(), probs, kernels::kernels());
  }

  [[nodiscard]] std::vector<LabelScore> top_k(std::span<const float> probs, std::size_t k, float threshold) const {
    std::vector<LabelScore> all;
    all.reserve(probs.size());
    for (std::size_t i = 0; i < probs.size(); ++i) {
      if (probs[i] >= threshold) all.push_back({static_cast<std::uint32_t>(i), probs[i]});
    }
    const std::size_t keep = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                      [](const LabelScore& a, const LabelScore& b) {
                        return a.probability > b.probability || (a.probability == b.probability && a.label < b.label);
                      });
    all.resize(keep);
    return all;
  }

  void build_tree() {
    tree.reset();
    if (options.loss == ClassifierLoss::hierarchical_softmax) tree.emplace(label_counts);
  }
  [[nodiscard]] std::size_t output_rows() const { return tree ? tree->internal_nodes() : labels.size(); }
};

namespace detail {
/// Writes a classifier (TextClassifier::save; the trainers' checkpoints).
void save_classifier(const TextClassifier::Impl& model, const std::string& path);
}  // namespace detail

}  // namespace embedkit
