// TextClassifier::quantize: fastText's `quantize` (cutoff by norm, optional retraining, product
// quantization of the embedding rows) on embedkit's layer and codecs.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "classify/classifier_model.h"
#include "embedkit/core/error.h"
#include "kernels/kernels.h"
#include "train/classify/classifier_step.h"

namespace embedkit {

using classifier_detail::kEndOfSentence;

namespace {

// The rows the cutoff keeps, ascending: the end-of-sentence row and the largest norms (ties to
// the lower row, so the choice is reproducible), as fastText's selectEmbeddings.
std::vector<std::size_t> rows_to_keep(const TextClassifier::Impl& m, std::size_t cutoff) {
  const EmbeddingTable& table = m.input.table();
  std::vector<std::size_t> rows(table.rows());
  std::iota(rows.begin(), rows.end(), 0);
  if (cutoff == 0 || cutoff >= rows.size()) return rows;
  const kernels::KernelTable& k = kernels::kernels();
  std::vector<float> norms(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const float* row = table.data() + r * table.stride();
    norms[r] = std::sqrt(k.dot(row, row, table.dim()));
  }
  if (const auto eos = m.words.find(kEndOfSentence)) norms[*eos] = std::numeric_limits<float>::infinity();
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(cutoff), rows.end(),
                    [&](std::size_t a, std::size_t b) { return norms[a] > norms[b] || (norms[a] == norms[b] && a < b); });
  rows.resize(cutoff);
  std::sort(rows.begin(), rows.end());
  return rows;
}

}  // namespace

TextClassifier TextClassifier::quantize(const ClassifierQuantization& q, const LabeledData* retrain,
                                        const ClassifierCallbacks& callbacks) const {
  const Impl& m = *impl_;
  const std::size_t dim = m.dim();
  EMBEDKIT_CHECK(!m.transformer, ArgumentError,
                 "quantize compresses a bag classifier's rows; a Transformer classifier cannot be quantized yet");
  EMBEDKIT_CHECK(q.codec != Codec::pq || (q.dsub >= 1 && dim % q.dsub == 0), ArgumentError,
                 fmt::format("dsub {} (values per code) does not divide the model's {} dimensions", q.dsub, dim));
  EMBEDKIT_CHECK(q.retrain_learning_rate >= 0 && std::isfinite(q.retrain_learning_rate), ArgumentError,
                 fmt::format("the retraining learning rate {} must be 0 (the model's) or more", q.retrain_learning_rate));
  auto out = std::make_unique<Impl>();
  out->options = m.options;
  out->labels = m.labels;
  out->label_counts = m.label_counts;
  out->build_tree();
  out->output = m.output.clone();

  // 1. The cutoff: a model over the kept rows only.
  std::vector<std::size_t> kept = rows_to_keep(m, q.cutoff);
  // Words first (as they were), then the n-gram rows by bucket: the order the file stores them in.
  const auto first_bucket_row = std::partition_point(kept.begin(), kept.end(), [&](std::size_t r) { return r < m.words.size(); });
  std::sort(first_bucket_row, kept.end(), [&](std::size_t a, std::size_t b) {
    return m.bucket_of_row[a - m.words.size()] < m.bucket_of_row[b - m.words.size()];
  });
  std::vector<VocabularyEntry> entries;
  EmbeddingTable input(kept.size(), dim);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const std::size_t r = kept[i];
    if (r < m.words.size()) {
      entries.push_back({std::string(m.words.word(static_cast<TokenId>(r))), m.words.count(static_cast<TokenId>(r))});
    } else {
      const std::uint32_t b = m.bucket_of_row[r - m.words.size()];
      out->row_of_bucket[b] = static_cast<std::uint32_t>(out->bucket_of_row.size());
      out->bucket_of_row.push_back(b);
    }
    std::copy_n(m.input.table().data() + r * m.input.table().stride(), dim, input.data() + i * input.stride());
  }
  out->words = Vocabulary::from_entries(entries, "the quantized model");
  out->input = EmbeddingBag(std::move(input), {.mode = BagMode::mean});

  // 2. Retraining: the kept rows and the output layer learn to do without the others. As in
  // fastText, only when the cutoff dropped rows: more epochs of a model that lost nothing would
  // only train it longer.
  if (retrain != nullptr && kept.size() < m.input.table().rows()) {
    EMBEDKIT_CHECK(!retrain->examples.empty(), FormatError, fmt::format("{}: no examples", retrain->source));
    if (q.retrain_epochs > 0) out->options.epochs = q.retrain_epochs;
    if (q.retrain_learning_rate > 0) out->options.learning_rate = q.retrain_learning_rate;
    if (q.threads > 0) out->options.threads = q.threads;
    out->options.freeze = FreezeSchedule::fine_tune();
    const detail::EncodedExamples enc =
        detail::encode_examples(*out, *retrain, [&](std::span<const std::string> tokens, std::vector<TokenId>& features) {
          out->known_features(tokens, features);
        });
    detail::fit_classifier(*out, enc, callbacks);
  }

  // 3. The codes; the model predicts with what they decode to, as its file will.
  auto codes = std::make_shared<const CompressedTable>(CompressedTable::encode(
      out->input.table().view(), {.codec = q.codec,
                                  .pq_subvectors = q.codec == Codec::pq ? dim / q.dsub : 0,
                                  .bits = 8,
                                  .separate_norms = q.separate_norms,
                                  .seed = q.seed,
                                  .threads = q.threads}));
  out->input = EmbeddingBag(codes->decode_all(), {.mode = BagMode::mean});
  out->compressed_input = std::move(codes);
  return TextClassifier(std::move(out));
}

}  // namespace embedkit
