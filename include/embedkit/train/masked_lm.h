// Pretraining an encoder on raw text with masked-language modelling (BERT, Devlin et al. 2019),
// so that its outputs are contextual vectors and a classifier can start from it (part of
// embedkit::train).
//
//   embedkit::ContextualEncoder model =
//       embedkit::pretrain_encoder("corpus.txt", {.dim = 128, .layers = 2, .epochs = 1});
//   model.save("encoder.ekv");
//
// The corpus is read as word2vec reads it (whitespace tokens, lines as sentences; words seen
// fewer than min_count times are left out) and cut into windows of max_length tokens. In each
// window 15% of the tokens are chosen (at least one); of those, 80% become "<mask>", 10% a random
// word and 10% stay; the encoder's output at each chosen position must tell its word. The
// prediction is a sampled softmax (Jean et al. 2015): the word against `negatives` words drawn
// per thread and batch from the unigram distribution^0.75, with the log of their sampling
// probability subtracted, so that a step costs the same with any vocabulary. The head's rows
// (one per word) are kept in the model, so a run can be resumed.
// Training is the encoder step every encoder trainer takes (AdamW for the encoder, lazy Adam for
// the token rows and the head's rows, warm-up and linear decay, global-norm clipping, a stop with
// a message on NaN), the batch split over threads; one thread: reproducible.
// Resume: a checkpoint (written at the end of every epoch, and kept when a stop comes between
// epochs) continues at the next epoch with the run's recorded vocabulary, shape, schedule and
// seed (the options given with `resume` other than threads are not used), on the same corpus
// (its hash is checked); the optimizers' moments start afresh (they are not saved).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "embedkit/encode/contextual_encoder.h"
#include "embedkit/nn/transformer_encoder.h"

namespace embedkit {

struct PretrainOptions {
  std::size_t dim = 0;           ///< 0 = the pretrained vectors' width, or 128
  std::size_t layers = 2;
  std::size_t heads = 0;         ///< 0: default_heads(dim) (classify/text_classifier.h)
  std::size_t feedforward = 0;   ///< 0 = 4 x dim
  nn::PositionKind positions = nn::PositionKind::rotary;
  std::size_t max_length = 64;   ///< tokens a window holds
  float dropout = 0.1F;
  std::uint64_t min_count = 5;
  std::optional<std::size_t> max_vocab;
  float mask_probability = 0.15F;
  std::size_t negatives = 64;    ///< sampled words each masked token is told apart from
  std::size_t epochs = 1;
  float learning_rate = 1e-3F;   ///< peak
  std::size_t batch_size = 64;   ///< windows per step
  float warmup = 0.05F;          ///< fraction of the steps
  float clip = 1.0F;
  float weight_decay = 0.01F;
  std::string pretrained;        ///< word vectors for the token rows (any format load_vectors reads)
  std::string checkpoint;        ///< written (atomically) at the end of every epoch, when set
  std::string resume;            ///< a checkpoint of this corpus to continue from
  std::size_t threads = 0;       ///< 0 = embedkit::num_threads()
  std::uint64_t seed = 1;
};

struct PretrainProgress {
  double progress = 0;  ///< 0..1
  std::size_t epoch = 0;
  std::size_t epochs = 0;  ///< in the run (a resumed run: as recorded)
  double tokens_per_second = 0;
  float learning_rate = 0;
  double loss = 0;      ///< mean loss per masked token in the current epoch
  double seconds = 0;
  double eta_seconds = 0;
};

struct PretrainCallbacks {
  std::function<void(const std::string&)> on_stage;  ///< "counting words", "reading the corpus", ...
  std::function<void(const PretrainProgress&)> on_progress;
  std::function<bool()> should_stop;  ///< true: stop within a moment, with the model as it is
};

/// Pretrains an encoder on `corpus`. Throws ArgumentError for bad options, FormatError for a
/// corpus with too few words, Error when training diverges.
[[nodiscard]] ContextualEncoder pretrain_encoder(const std::string& corpus, const PretrainOptions& options,
                                                 const PretrainCallbacks& callbacks = {});

}  // namespace embedkit
