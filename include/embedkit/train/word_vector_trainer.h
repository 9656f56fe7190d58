// Learning word vectors from raw text: skip-gram and CBOW (Mikolov et al. 2013) with negative
// sampling or hierarchical softmax, optionally with fastText's character n-gram subwords
// (Bojanowski et al. 2017), so that unseen words get vectors (part of embedkit::train).
//
//   embedkit::WordVectorOptions options;          // fastText's skip-gram defaults
//   options.epochs = 10;
//   embedkit::WordVectors wv = embedkit::train_word_vectors("corpus.txt", options);
//   embedkit::save_vectors(wv, "vectors.ekv", {});
//
// What happens, in order: a vocabulary pass (words seen >= min_count times, most frequent
// first); an encoding pass (the corpus as word ids in memory, a varint of 1-3 bytes per kept
// token; lines are sentences, cut every 1,024 tokens); then `epochs` passes in which `threads`
// threads train lock-free (Hogwild) on contiguous shards of the ids. Each pass drops frequent words at random
// (keep probability sqrt(t/f) + t/f, f = word frequency, t = `sample`), draws a window size in
// 1..window per center word, and updates with a learning rate decaying linearly to 0 over the
// whole run. Initialisation and every random draw come from `seed`; with one thread a run is
// bit-for-bit reproducible.
//
// The result holds the input vectors (plus the n-gram buckets with subwords) and, as `output`,
// the output layer; metadata records the settings in fastText's terms, so that save_vectors(...,
// fasttext) writes a .bin that fastText itself can load. Training stops with an Error when the
// loss becomes NaN or infinite (a learning rate too high for the data).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "embedkit/io/word_vectors.h"
#include "embedkit/text/tokenizer.h"
#include "embedkit/train/communicator.h"
#include "embedkit/vocab/subwords.h"

namespace embedkit {

enum class WordModel { skipgram, cbow };
enum class WordLoss { negative_sampling, hierarchical_softmax };
enum class SyncCombine { sum, mean };

struct WordVectorOptions {
  WordModel model = WordModel::skipgram;
  WordLoss loss = WordLoss::negative_sampling;
  std::size_t dim = 100;
  std::size_t window = 5;
  std::size_t negatives = 5;
  /// Negatives are drawn with probability proportional to count^negative_power (word2vec and
  /// gensim: 0.75; fastText: 0.5).
  double negative_power = 0.75;
  std::size_t epochs = 5;
  std::uint64_t min_count = 5;
  double sample = 1e-4;          ///< subsampling threshold t (0 = keep every token)
  float learning_rate = 0.05F;   ///< at the start; decays linearly to 0
  bool subwords = true;          ///< fastText-style character n-grams
  SubwordOptions subword{3, 6, 2000000};
  std::size_t threads = 0;       ///< 0 = all (embedkit::num_threads())
  std::uint64_t seed = 1;
  TokenizerOptions tokenizer{};  ///< how the corpus splits into words (default: whitespace)
  /// Every `checkpoint_every` epochs (0 = never), the whole training state (vectors, output
  /// layer, vocabulary, progress, random generators) is written atomically to `checkpoint`
  /// in the native format; resume_word_vectors continues from it.
  std::string checkpoint;
  std::size_t checkpoint_every = 0;
  /// Several processes training one model (communicator.h; null or one process: this one
  /// alone). Each reads its own share of the input (byte ranges cut at word boundaries), the
  /// vocabulary is counted together (the same on every process, and the same one process would
  /// count, unless a share alone holds more than 20M distinct words and counting prunes), and
  /// each trains its replica with `threads` threads. The replicas exchange their updates by
  /// all-reduce, each row taking the shared value plus the sum of the processes' updates, as
  /// often as it changes: a row is exchanged once the job has made `sync_staleness` to twice
  /// that many updates to it, but at most every `sync_hot_words` and at least every `sync_words`
  /// words of a share (4 processes on enwiki: 50 matched one process's quality, 200 ruined the
  /// model)
  /// (train/distributed/replica_sync.h). Every process returns the same model; only process 0
  /// writes checkpoints (with every process's share and generators: a job of as many processes
  /// resumes them, each its own part). An error on any process
  /// ends the whole job (Communicator::abort), since the others would wait for it forever.
  Communicator* communicator = nullptr;
  std::uint64_t sync_words = 100'000'000;  ///< (an epoch's end exchanges every row too)
  std::uint64_t sync_hot_words = 2'000;
  double sync_staleness = 50;
  /// How an exchanged row combines the processes' updates: their sum (as above), or their mean
  /// (pWord2Vec's model averaging: stable at any staleness, so rows can be exchanged far less
  /// often, but every step is divided by the processes).
  SyncCombine sync_combine = SyncCombine::sum;
};

/// A snapshot of a running training, for progress displays.
struct TrainingProgress {
  double progress = 0;                     ///< 0..1 over all epochs
  std::size_t epoch = 0;                   ///< 0-based
  std::uint64_t words_done = 0;            ///< tokens processed so far, all threads
  double words_per_second = 0;             ///< overall, since training began
  std::vector<double> thread_words_per_second;
  float learning_rate = 0;
  double loss = 0;                         ///< mean loss per prediction in the current epoch
  std::vector<double> epoch_loss;          ///< the same for each epoch so far (the last one running)
  double elapsed_seconds = 0;
  double eta_seconds = 0;
  bool finished = false;
};

/// What the passes before training saw (for logs).
struct CorpusSummary {
  std::uint64_t tokens = 0;       ///< all tokens in the corpus
  std::uint64_t kept_tokens = 0;  ///< tokens of vocabulary words
  std::size_t words = 0;          ///< vocabulary size
};

struct TrainingCallbacks {
  std::function<void(const CorpusSummary&)> on_corpus;     ///< after the vocabulary/encoding passes
  std::function<void(const TrainingProgress&)> on_progress; ///< about twice a second, and at the end
  /// After each checkpoint is written (epochs done, its path), on a worker thread while the
  /// others wait: e.g. to copy it elsewhere.
  std::function<void(std::size_t, const std::string&)> on_checkpoint;
  /// After each whole epoch (epochs done so far), on the calling thread while the workers wait:
  /// the vectors as they are, viewing the live tables (valid during the call only; copy to keep).
  std::function<void(std::size_t, const WordVectors&)> on_epoch;
  /// Polled with each progress report: returning true (a user's Ctrl-C) stops the workers within
  /// a moment, and training returns the model as it is then, with metadata "training.stopped"
  /// saying where (it is not written as a checkpoint, and the final progress is not `finished`).
  /// Also polled while the corpus is counted and encoded, where a stop throws Error (no model yet).
  std::function<bool()> should_stop;
};

/// Trains on the text file `input` ("-" = stdin). Throws ArgumentError on bad options (dim 0,
/// window 0, ...), FormatError when the corpus has no word with min_count occurrences, Error
/// when training diverges, IoError when the input cannot be read.
[[nodiscard]] WordVectors train_word_vectors(const std::string& input, const WordVectorOptions& options,
                                             const TrainingCallbacks& callbacks = {});

/// Continues the run that wrote `checkpoint` (same input, same options; ArgumentError names
/// the first difference). With one thread the result is bit-identical to an uninterrupted run.
/// A job's checkpoint resumes in a job (options.communicator) of as many processes with the same
/// sync_* options, every process reading the checkpoint (a shared file system) and continuing
/// its own share with its own generators (one thread each: bit-identical too); the resumed
/// model's training.sync_* figures count the exchanges since the resume.
[[nodiscard]] WordVectors resume_word_vectors(const std::string& input, const std::string& checkpoint,
                                              const WordVectorOptions& options, const TrainingCallbacks& callbacks = {});

/// Trains `model` (from train_word_vectors, or any vectors with an output layer of the same
/// shape, e.g. a fastText .bin) further on `input`: words of `input` with at least min_count
/// occurrences that the model lacks are added (new rows initialised as in a fresh run), every
/// word's count becomes old + new, and the model's subword settings are kept. When nothing is
/// new the vocabulary is unchanged. Runs `options.epochs` epochs with a fresh learning-rate decay.
[[nodiscard]] WordVectors continue_training(const WordVectors& model, const std::string& input,
                                            const WordVectorOptions& options, const TrainingCallbacks& callbacks = {});

}  // namespace embedkit
