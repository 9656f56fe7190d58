#include "embedkit/train/word_vector_trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/table/embedding_bag.h"
#include "embedkit/vocab/vocab_builder.h"
#include "train/distributed/replica_sync.h"
#include "train/distributed/shared_vocabulary.h"
#include "train/hogwild.h"
#include "train/objectives/losses.h"
#include "train/objectives/negative_table.h"
#include "train/word2vec/encoded_corpus.h"
#include "train/word2vec/training_record.h"
#include "train/word2vec/word2vec_worker.h"
#include "vocab/huffman_tree.h"

namespace embedkit {

namespace {

void check_options(const WordVectorOptions& o) {
  EMBEDKIT_CHECK(o.dim > 0 && o.dim <= 10000, ArgumentError, fmt::format("dim must be in 1..10000, got {}", o.dim));
  EMBEDKIT_CHECK(o.window > 0, ArgumentError, "window must be >= 1");
  EMBEDKIT_CHECK(o.epochs > 0, ArgumentError, "epochs must be >= 1");
  EMBEDKIT_CHECK(o.learning_rate > 0 && std::isfinite(o.learning_rate), ArgumentError,
                 fmt::format("the learning rate must be positive, got {}", o.learning_rate));
  EMBEDKIT_CHECK(o.sample >= 0, ArgumentError, "sample must be >= 0");
  EMBEDKIT_CHECK(o.loss != WordLoss::negative_sampling || o.negatives > 0, ArgumentError,
                 "negative sampling needs negatives >= 1");
  EMBEDKIT_CHECK(o.negative_power >= 0 && o.negative_power <= 1, ArgumentError,
                 fmt::format("the negative-sampling power must be in [0, 1], got {}", o.negative_power));
  EMBEDKIT_CHECK(!o.subwords || (o.subword.enabled() && o.subword.bucket < UINT32_MAX), ArgumentError,
                 fmt::format("subwords need 1 <= minn <= maxn and bucket >= 1 (got minn {}, maxn {}, bucket {})",
                             o.subword.minn, o.subword.maxn, o.subword.bucket));
  EMBEDKIT_CHECK(o.threads <= kMaxThreads, ArgumentError,
                 fmt::format("--threads {}: at most {} threads", o.threads, kMaxThreads));
  EMBEDKIT_CHECK(o.checkpoint_every == 0 || !o.checkpoint.empty(), ArgumentError,
                 "checkpoint_every needs a checkpoint path");
  EMBEDKIT_CHECK(o.sync_words > 0, ArgumentError, "sync_words (words between exchanges of every row) must be >= 1");
  EMBEDKIT_CHECK(o.sync_hot_words > 0, ArgumentError, "sync_hot_words (words between exchanges) must be >= 1");
  EMBEDKIT_CHECK(o.sync_staleness > 0 && std::isfinite(o.sync_staleness), ArgumentError,
                 "sync_staleness (updates a row gets between its exchanges) must be a number > 0");
}

// The job this run is part of, or null when it runs alone.
Communicator* job_of(const WordVectorOptions& o) {
  return o.communicator != nullptr && o.communicator->size() > 1 ? o.communicator : nullptr;
}

// Runs `body` as one process of `job`: an error here ends every process (they would otherwise
// wait for this one in their next collective forever), with this process's message.
template <class Body>
WordVectors as_part_of(Communicator* job, Body&& body) {
  if (job == nullptr) return body();
  try {
    return body();
  } catch (const std::exception& e) {
    job->abort(e.what());
    throw;  // (abort does not return)
  }
}

// How a job's replicas exchange their updates: recorded in its model and checkpoints, and the
// same on resume (a resumed job repeats the run it continues, exchange for exchange).
std::map<std::string, std::string> sync_settings(const WordVectorOptions& o) {
  return {{"training.sync_words", std::to_string(o.sync_words)},
          {"training.sync_hot_words", std::to_string(o.sync_hot_words)},
          {"training.sync_staleness", fmt::format("{}", o.sync_staleness)},
          {"training.sync_combine", o.sync_combine == SyncCombine::mean ? "mean" : "sum"}};
}

// In a job, this process's share of the file (the last one to the end, wherever that is); alone, all of it.
CorpusShare share_of(const std::string& input, Communicator* job) {
  if (job == nullptr) return {};
  std::error_code error;
  const std::uintmax_t bytes = std::filesystem::file_size(input, error);
  if (error) throw IoError(fmt::format("cannot read the size of '{}': {}", input, error.message()));
  // The shares cut one file: every process must see the same one (the maxima of the size and of
  // its complement are this process's own only if all agree). Collective.
  std::uint64_t sizes[2] = {bytes, ~std::uint64_t{bytes}};
  job->max(sizes);
  EMBEDKIT_CHECK(sizes[0] == bytes && sizes[1] == ~std::uint64_t{bytes}, ArgumentError,
                 fmt::format("'{}' is {} bytes here but {} bytes on another process: every process must read the "
                             "same file",
                             input, bytes, sizes[0] != bytes ? sizes[0] : ~sizes[1]));
  return CorpusShare::of(bytes, job->rank(), job->size());
}

// A checkpoint may replace only an earlier checkpoint (or `resuming_from`, the one being resumed):
// never a corpus, a model or any other file that happens to have its name.
void check_checkpoint_target(const WordVectorOptions& o, const std::string& resuming_from = {}) {
  if (o.checkpoint_every == 0 || o.checkpoint.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(o.checkpoint, ec);
  if (!fs::exists(status)) return;  // (other errors show when the checkpoint is written)
  if (!resuming_from.empty() && fs::equivalent(o.checkpoint, resuming_from, ec)) return;
  bool checkpoint = false;
  if (fs::is_regular_file(status)) {
    try {
      checkpoint = load_vectors(o.checkpoint, {.format = VectorFormat::native}).metadata.contains(detail::kCheckpointKey);
    } catch (const Error&) {
      // not our format: not a checkpoint
    }
  }
  EMBEDKIT_CHECK(checkpoint, ArgumentError,
                 fmt::format("{} exists and is not an embedkit checkpoint: it would be overwritten by one; remove it "
                             "or choose another checkpoint file (--checkpoint)",
                             o.checkpoint));
}

// The n-gram buckets of the vocabulary's words (ascending, each once): the only bucket rows a run
// reads or writes, so the only ones it allocates and stores. The others would never train:
// allocating all 2M made a 13k-word run take 900 MB, and storing them a 908 MB model.
std::vector<std::uint32_t> buckets_of(const Vocabulary& vocab, const WordVectorOptions& options) {
  if (!options.subwords) return {};
  std::vector<std::uint32_t> all, buckets;
  for (std::size_t w = 0; w < vocab.size(); ++w) {
    buckets.clear();  // (subword_buckets appends)
    subword_buckets(vocab.word(static_cast<TokenId>(w)), options.subword, buckets);
    all.insert(all.end(), buckets.begin(), buckets.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

// Input rows as a fresh run starts them: words, then the buckets `buckets` (in that order).
EmbeddingTable fresh_input_table(std::size_t words, std::size_t buckets, const WordVectorOptions& options) {
  EmbeddingTable table(words + buckets, options.dim);
  table.fill_uniform(-1.0F / static_cast<float>(options.dim), 1.0F / static_cast<float>(options.dim), options.seed);
  return table;
}

// The input rows for training the words of `vocab` (the model's words first, with the same ids)
// and `buckets`: the model's rows where it has them, every other row as a fresh run starts it.
EmbeddingTable input_for_training(const WordVectors& model, const Vocabulary& vocab,
                                  std::span<const std::uint32_t> buckets, const WordVectorOptions& options) {
  EmbeddingTable table = fresh_input_table(vocab.size(), buckets.size(), options);
  const EmbeddingTable& from = model.table();
  const std::size_t row_bytes = table.stride() * sizeof(float);
  std::memcpy(table.data(), from.data(), model.size() * row_bytes);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (const std::optional<std::size_t> row = model.bucket_row(buckets[i])) {
      std::memcpy(table.data() + (vocab.size() + i) * table.stride(), from.data() + *row * from.stride(), row_bytes);
    }
  }
  return table;
}

// What a run starts from: a fresh model, a checkpoint, or a model to train further.
// The tokens read and kept of a whole run: this process's, or in a job the sum over every
// process's share (a collective).
struct CorpusTotals {
  std::uint64_t tokens = 0, kept = 0;
};

CorpusTotals totals_of(const detail::EncodedCorpus& corpus, Communicator* job) {
  std::uint64_t whole[2] = {corpus.tokens, corpus.kept};
  if (job != nullptr) job->sum(whole);
  return {whole[0], whole[1]};
}

struct Setup {
  Vocabulary vocab;
  detail::EncodedCorpus corpus;
  std::vector<std::uint32_t> buckets;  // buckets_of(vocab): their rows follow the words' in `input`
  EmbeddingTable input;
  EmbeddingTable output;
  CorpusTotals totals;                 // of the whole run: in a job, every process's share
  detail::TrainingPosition position;  // a fresh run: epoch 0, fresh generators from the seed
};

// The vectors of a run (a view of its live input table, which must outlive them: a checkpoint
// copies it into its file).
WordVectors view_vectors(const Vocabulary& vocab, const EmbeddingTable& input, const std::vector<std::uint32_t>& buckets,
                         const WordVectorOptions& options) {
  EmbeddingTable view =
      EmbeddingTable::over_storage(const_cast<float*>(input.data()), input.rows(), input.dim(), std::make_shared<int>(0));
  if (!options.subwords) return WordVectors(vocab, std::move(view));
  return WordVectors(vocab, std::move(view), options.subword, buckets);
}

// How often training updates each row, in updates per word of the corpus. A kept word makes
// about window + 1 pairs with its neighbours (a window drawn in 1..window on each side): in
// skip-gram, each pair updates the word's input rows (its own and its n-grams'), the neighbour's
// output row, and `negatives` output rows drawn at random (or, in a hierarchical softmax, the
// nodes on the neighbour's path); in CBOW, each neighbour's input rows change once per word
// whose window holds it, and the word's output row (with the negatives or its path) once.
struct RowRates {
  std::vector<double> tables[2];  // input, output
};

RowRates row_rates(std::span<const std::uint64_t> counts, const std::vector<float>& keep_probability,
                   const detail::InputRows& input_rows, std::size_t input_rows_count, std::size_t output_rows,
                   const detail::NegativeTable* negatives, const detail::HuffmanTree* tree,
                   const WordVectorOptions& options) {
  double total = 0;
  for (const std::uint64_t c : counts) total += static_cast<double>(c);
  std::vector<double> kept(counts.size());  // kept occurrences per word of the corpus
  double kept_total = 0;
  for (std::size_t w = 0; w < counts.size(); ++w) {
    kept[w] = static_cast<double>(counts[w]) * std::min(1.0, static_cast<double>(keep_probability[w])) / total;
    kept_total += kept[w];
  }
  const double pairs = static_cast<double>(options.window) + 1;  // per kept word
  const double predictions = options.model == WordModel::skipgram ? pairs : 1;
  RowRates rates;
  std::vector<double>& in = rates.tables[0];
  std::vector<double>& out = rates.tables[1];
  in.assign(input_rows_count, 0.0);
  out.assign(output_rows, 0.0);
  for (std::size_t w = 0; w < counts.size(); ++w) {
    for (const TokenId row : input_rows.of(static_cast<TokenId>(w))) in[row] += pairs * kept[w];
    if (negatives != nullptr) {
      out[w] += predictions * (kept[w] + static_cast<double>(options.negatives) *
                                             negatives->probability(static_cast<TokenId>(w)) * kept_total);
    } else {
      for (const std::uint32_t node : tree->path(w)) out[node] += predictions * kept[w];
    }
  }
  return rates;
}

WordVectors run_training(Setup setup, const std::string& input, const WordVectorOptions& options,
                         const TrainingCallbacks& callbacks, detail::ReplicaSync* replicas = nullptr) {
  const Vocabulary& vocab = setup.vocab;
  const detail::EncodedCorpus& corpus = setup.corpus;
  const std::size_t words = vocab.size();
  // Input rows per word: its own, then its n-gram buckets' (bucket buckets[i] is row words + i).
  detail::InputRows input_rows;
  std::vector<std::uint32_t> word_buckets;
  for (std::size_t w = 0; w < words; ++w) {
    input_rows.rows.push_back(static_cast<TokenId>(w));
    if (options.subwords) {
      word_buckets.clear();
      subword_buckets(vocab.word(static_cast<TokenId>(w)), options.subword, word_buckets);
      for (const std::uint32_t b : word_buckets) {
        const auto at = std::lower_bound(setup.buckets.begin(), setup.buckets.end(), b);
        input_rows.rows.push_back(static_cast<TokenId>(words + static_cast<std::size_t>(at - setup.buckets.begin())));
      }
    }
    input_rows.starts.push_back(input_rows.rows.size());
  }
  // Subsampling: word w is kept with probability sqrt(t / f) + t / f (word2vec's formula).
  const std::span<const std::uint64_t> counts = vocab.counts();
  std::uint64_t total_count = 0;
  for (const std::uint64_t c : counts) total_count += c;
  std::vector<float> keep_probability(words, 1.0F);
  if (options.sample > 0) {
    for (std::size_t w = 0; w < words; ++w) {
      const double ratio = options.sample / (static_cast<double>(counts[w]) / static_cast<double>(total_count));
      keep_probability[w] = static_cast<float>(std::sqrt(ratio) + ratio);
    }
  }
  std::optional<detail::NegativeTable> negatives;
  std::optional<detail::HuffmanTree> tree;
  if (options.loss == WordLoss::negative_sampling) {
    negatives.emplace(counts, options.negative_power);
  } else {
    tree.emplace(counts);
  }
  EmbeddingBag input_bag(std::move(setup.input), {.mode = BagMode::mean});
  EmbeddingTable& output_table = setup.output;
  const detail::Word2VecModel model{options,           corpus,       input_rows, keep_probability, input_bag,
                                    output_table,      negatives ? &*negatives : nullptr, tree ? &*tree : nullptr};

  const std::size_t threads = job_threads(options.threads, corpus.sentences());
  const std::vector<std::size_t> shards = corpus.shards(threads);
  // Each process of a job draws its own random numbers (process 0 those of a run alone); the
  // learning rate decays over its own share, so all decay together.
  const std::size_t rank = replicas != nullptr ? replicas->communicator().rank() : 0;
  const std::size_t processes = replicas != nullptr ? replicas->communicator().size() : 1;
  detail::Hogwild run({.threads = threads,
                       .epochs = options.epochs,
                       .work_per_epoch = corpus.kept,
                       .learning_rate = options.learning_rate,
                       .seed = options.seed ^ (rank * 0x9E3779B97F4A7C15ULL),
                       .work_unit = "words",
                       .report_every = std::chrono::milliseconds(500),
                       .should_stop = callbacks.should_stop},
                      setup.position.words_done, setup.position.rng_states);

  // The record of the run as it stands, on a WordVectors that views (does not copy) the live tables.
  auto record = [&](WordVectors& result, std::size_t epochs_done) {
    detail::write_training_record(options, input, corpus, {epochs_done, run.work_done(), run.rng_states()},
                                  result.metadata);
  };
  const CorpusTotals totals = setup.totals;
  auto mark_as_job = [&](std::map<std::string, std::string>& metadata) {
    metadata["training.corpus_tokens"] = std::to_string(totals.tokens);
    metadata["fasttext.ntokens"] = std::to_string(totals.tokens);
    metadata["training.corpus_hash"] = "shares";  // no one process read the whole text
    metadata["training.processes"] = std::to_string(processes);
    for (const auto& [key, value] : sync_settings(options)) metadata[key] = value;
  };
  // `process_records`: in a job, every process's own share and position (so that each can resume its own).
  auto write_checkpoint = [&](std::size_t epochs_done, const std::vector<std::string>& process_records) {
    auto keep = std::make_shared<int>(0);  // the view below does not own the live output layer
    try {
      WordVectors snapshot = view_vectors(vocab, input_bag.table(), setup.buckets, options);
      snapshot.output = EmbeddingTable::over_storage(output_table.data(), output_table.rows(), output_table.dim(), keep);
      record(snapshot, epochs_done);
      snapshot.metadata[detail::kCheckpointKey] = "1";
      if (replicas != nullptr) {
        detail::write_process_records(process_records, snapshot.metadata);
        mark_as_job(snapshot.metadata);
      }
      save_vectors(snapshot, options.checkpoint, {.format = VectorFormat::native});
    } catch (const std::exception& e) {
      throw Error(fmt::format("cannot write the checkpoint: {}", e.what()), "a written checkpoint");
    }
    if (callbacks.on_checkpoint) callbacks.on_checkpoint(epochs_done, options.checkpoint);
  };
  auto on_progress = [&](const detail::HogwildProgress& h) {
    if (!callbacks.on_progress) return;
    TrainingProgress p;
    p.progress = h.fraction;
    p.epoch = h.epoch;
    // In a job: this process's counts times the processes (their shares are about equal).
    p.words_done = h.work_done * processes;
    p.words_per_second = h.work_per_second * static_cast<double>(processes);
    p.thread_words_per_second = h.thread_work_per_second;
    p.learning_rate = h.learning_rate;
    p.epoch_loss = h.epoch_loss;
    p.loss = h.epoch_loss.empty() ? 0 : h.epoch_loss.back();
    p.elapsed_seconds = h.seconds;
    p.eta_seconds = h.eta_seconds;
    p.finished = h.finished;
    callbacks.on_progress(p);
  };
  // Alone: one piece per epoch. In a job: pieces of about sync_hot_words words each, after each of
  // which the replicas exchange their updates (and a stop on any process stops them all).
  const std::size_t pieces = replicas != nullptr ? replicas->pieces_per_epoch() : 1;
  if (replicas != nullptr) {
    EmbeddingTable* const tables[] = {&input_bag.table(), &output_table};
    const RowRates rates = row_rates(counts, keep_probability, input_rows, input_bag.table().rows(), output_table.rows(),
                                     negatives ? &*negatives : nullptr, tree ? &*tree : nullptr, options);
    replicas->start(tables, rates.tables, options.sync_staleness, options.sync_combine == SyncCombine::mean);
  }
  bool stopped = false, stopped_mid_epoch = false;
  std::size_t epochs_done = setup.position.epochs_done;
  for (std::size_t epoch = setup.position.epochs_done; epoch < options.epochs && !stopped; ++epoch) {
    for (std::size_t piece = 0; piece < pieces && !stopped; ++piece) {
      const bool last_piece = piece + 1 == pieces;
      run.run_epoch(
          epoch,
          [&](detail::Hogwild::Thread& thread) {
            const std::size_t t = thread.index();
            const auto [begin, end] = replicas != nullptr ? replicas->piece(shards[t], shards[t + 1], piece)
                                                          : std::pair{shards[t], shards[t + 1]};
            detail::Word2VecWorker<detail::TableSigmoid>(model, thread).train(begin, end);
          },
          on_progress, last_piece);
      stopped = run.stopped();
      if (replicas != nullptr) {
        // A stop on any process stops all, after an exchange of every row: all hold one model.
        stopped = replicas->any(stopped);
        replicas->exchange(piece, stopped);
      }
      if (stopped) {
        stopped_mid_epoch = !last_piece || run.stopped_mid_epoch();
        // (All processes agree, so that they all record the same epochs.)
        if (replicas != nullptr) stopped_mid_epoch = replicas->any(stopped_mid_epoch);
      }
    }
    if (stopped_mid_epoch) break;
    epochs_done = epoch + 1;
    if (callbacks.on_epoch) callbacks.on_epoch(epochs_done, view_vectors(vocab, input_bag.table(), setup.buckets, options));
    if (stopped) break;
    if (options.checkpoint_every > 0 && epochs_done % options.checkpoint_every == 0) {
      std::vector<std::string> process_records;
      if (replicas != nullptr) {  // (collective: every process sends its part to the one that writes)
        std::map<std::string, std::string> mine;
        detail::write_training_record(options, input, corpus, {epochs_done, run.work_done(), run.rng_states()}, mine);
        process_records = replicas->communicator().gather_all(detail::process_record(mine));
      }
      if (rank == 0) write_checkpoint(epochs_done, process_records);
    }
  }

  const detail::HogwildProgress final_progress = run.progress(!stopped);
  WordVectors result = options.subwords ? WordVectors(std::move(setup.vocab), std::move(input_bag.table()),
                                                      options.subword, std::move(setup.buckets))
                                        : WordVectors(std::move(setup.vocab), std::move(input_bag.table()));
  result.output = std::move(output_table);
  record(result, epochs_done);
  if (stopped) {
    result.metadata["training.stopped"] =
        stopped_mid_epoch
            ? fmt::format("in epoch {} of {}, after {} of {} words ({:.1f}%)", epochs_done + 1, options.epochs,
                          final_progress.work_done * processes, totals.kept * options.epochs,
                          100 * final_progress.fraction)
            : fmt::format("after epoch {} of {}", epochs_done, options.epochs);
  }
  if (replicas != nullptr) {
    // The record above describes this process's share; the job's corpus is all of them.
    mark_as_job(result.metadata);
    const detail::SyncTotals& sync = replicas->totals();
    result.metadata["training.sync_rounds"] = std::to_string(sync.rounds);
    result.metadata["training.sync_exchanges"] = std::to_string(sync.exchanges);
    result.metadata["training.sync_bytes_per_round"] = std::to_string(sync.bytes_per_round);
    result.metadata["training.sync_bytes"] = std::to_string(sync.bytes);
    std::string tiers;
    for (const std::size_t rows : replicas->tier_rows()) tiers += (tiers.empty() ? "" : ",") + std::to_string(rows);
    result.metadata["training.sync_tier_rows"] = tiers;
    result.metadata["training.sync_seconds"] = fmt::format("{:.3f}", sync.seconds);
    result.metadata["training.sync_reduce_seconds"] = fmt::format("{:.3f}", sync.reduce_seconds);
  }
  result.metadata["training.seconds"] = fmt::format("{:.3f}", final_progress.seconds);
  result.metadata["training.final_loss"] =
      fmt::format("{:.6g}", final_progress.epoch_loss.empty() ? 0.0 : final_progress.epoch_loss.back());
  return result;
}


}  // namespace

WordVectors train_word_vectors(const std::string& input, const WordVectorOptions& options,
                               const TrainingCallbacks& callbacks) {
  check_options(options);
  Communicator* job = job_of(options);
  return as_part_of(job, [&] {
    check_checkpoint_target(options);
    EMBEDKIT_CHECK(input != "-", ArgumentError,
                   "training reads its input twice (vocabulary, then words), so it needs a file, not stdin");
    const Tokenizer tokenizer(options.tokenizer);
    const CorpusShare share = share_of(input, job);
    const VocabBuildOptions vocab_options{.min_count = options.min_count, .add_pad = false, .add_unk = false};
    auto on_counting = [&](const VocabBuildProgress&) {
      // (No model exists yet to return: a stop here ends the call.)
      if (callbacks.should_stop && callbacks.should_stop()) detail::stop_before_training("the vocabulary pass");
    };
    VocabBuildResult built = job == nullptr
                                 ? build_vocabulary(input, tokenizer, vocab_options, on_counting)
                                 : detail::build_shared_vocabulary(input, share, tokenizer, vocab_options, *job, on_counting);
    EMBEDKIT_CHECK(built.vocabulary.size() >= 2, FormatError,
                   fmt::format("{}: only {} distinct words occur at least {} times (--min-count); training needs 2 or "
                               "more",
                               input, built.vocabulary.size(), options.min_count));
    detail::EncodedCorpus corpus = detail::encode_corpus(
        input, tokenizer, built.vocabulary, job == nullptr ? built.report.covered_tokens : 0, callbacks.should_stop, share);
    const std::size_t words = built.vocabulary.size();
    const CorpusTotals totals = totals_of(corpus, job);  // (on every process, whatever its callbacks: a collective)
    if (callbacks.on_corpus) callbacks.on_corpus({totals.tokens, totals.kept, words});
    std::vector<std::uint32_t> buckets = buckets_of(built.vocabulary, options);
    EmbeddingTable input_table = fresh_input_table(words, buckets.size(), options);
    EmbeddingTable output_table(words, options.dim);  // zeros, as word2vec and fastText
    std::optional<detail::ReplicaSync> replicas;
    if (job != nullptr) {
      replicas.emplace(*job, corpus.kept, options.sync_words, options.sync_hot_words);
    }
    return run_training({std::move(built.vocabulary), std::move(corpus), std::move(buckets), std::move(input_table),
                         std::move(output_table), totals},
                        input, options, callbacks, replicas ? &*replicas : nullptr);
  });
}

WordVectors resume_word_vectors(const std::string& input, const std::string& checkpoint,
                                const WordVectorOptions& options, const TrainingCallbacks& callbacks) {
  check_options(options);
  Communicator* job = job_of(options);
  return as_part_of(job, [&] {
    check_checkpoint_target(options, checkpoint);
    const WordVectors saved = load_vectors(checkpoint);
    // A job resumes as the job that wrote the checkpoint: each process its own share and generators.
    const auto written_by = saved.metadata.find("training.processes");
    const std::string processes = job != nullptr ? std::to_string(job->size()) : "1";
    const std::string wrote = written_by != saved.metadata.end() ? written_by->second : "1";
    EMBEDKIT_CHECK(wrote == processes, ArgumentError,
                   wrote == "1" ? fmt::format("{} was written by one process; resume it in one process, not a job of {}",
                                              checkpoint, processes)
                                : fmt::format("{} was written by a job of {} processes; resume it with as many (mpirun -np "
                                              "{} embedkit train ... --resume), not {}",
                                              checkpoint, wrote, wrote, processes == "1" ? "one process" : processes));
    EMBEDKIT_CHECK(saved.output.has_value(), FormatError, fmt::format("{}: the checkpoint has no output layer", checkpoint));
    if (job != nullptr) {
      EMBEDKIT_CHECK(saved.metadata.contains("training.process.0.words_done"), ArgumentError,
                     fmt::format("{} was written before jobs could resume (it has no record of each process); its "
                                 "vectors load as any model",
                                 checkpoint));
      for (const auto& [key, value] : sync_settings(options)) {
        const auto it = saved.metadata.find(key);
        std::string flag = key.substr(std::string_view("training.").size());  // sync_words -> --sync-words
        std::replace(flag.begin(), flag.end(), '_', '-');
        EMBEDKIT_CHECK(it != saved.metadata.end() && it->second == value, ArgumentError,
                       fmt::format("{}: the job was run with --{} {}, not {}: resume with the same setting", checkpoint,
                                   flag, it != saved.metadata.end() ? it->second : "(none)", value));
      }
    }
    const Tokenizer tokenizer(options.tokenizer);
    detail::EncodedCorpus corpus =
        detail::encode_corpus(input, tokenizer, saved.words(), 0, callbacks.should_stop, share_of(input, job));
    detail::TrainingPosition position = detail::read_checkpoint_record(
        job != nullptr ? detail::process_view(saved.metadata, job->rank(), checkpoint) : saved.metadata, checkpoint,
        options, input, corpus);
    const CorpusTotals totals = totals_of(corpus, job);
    if (callbacks.on_corpus) callbacks.on_corpus({totals.tokens, totals.kept, saved.size()});
    WordVectorOptions resumed = options;
    if (resumed.threads == 0) resumed.threads = position.rng_states.size();
    std::vector<std::uint32_t> buckets = buckets_of(saved.words(), options);
    EmbeddingTable input_table = input_for_training(saved, saved.words(), buckets, options);
    std::optional<detail::ReplicaSync> replicas;
    if (job != nullptr) replicas.emplace(*job, corpus.kept, options.sync_words, options.sync_hot_words);
    Setup setup{saved.words(), std::move(corpus),          std::move(buckets), std::move(input_table),
                saved.output->clone(), totals, std::move(position)};
    return run_training(std::move(setup), input, resumed, callbacks, replicas ? &*replicas : nullptr);
  });
}

WordVectors continue_training(const WordVectors& model, const std::string& input, const WordVectorOptions& options,
                              const TrainingCallbacks& callbacks) {
  EMBEDKIT_CHECK(job_of(options) == nullptr, ArgumentError,
                 "continued training runs in one process (a job of several processes starts or resumes runs only)");
  WordVectorOptions o = options;
  o.dim = model.dim();
  o.subwords = model.subwords().has_value();
  if (model.subwords()) o.subword = *model.subwords();
  check_options(o);
  check_checkpoint_target(o);
  EMBEDKIT_CHECK(model.output.has_value() && model.output->rows() == model.size() && model.output->dim() == model.dim(),
                 ArgumentError,
                 "continued training needs the model's output layer (save trained models in the native or fastText "
                 "format, which keep it)");
  const Tokenizer tokenizer(o.tokenizer);
  // Count everything in the new text; old words keep their ids, new frequent words follow.
  VocabBuildResult built = build_vocabulary(input, tokenizer, {.min_count = 1, .add_pad = false, .add_unk = false});
  const Vocabulary& old_words = model.words();
  std::vector<VocabularyEntry> entries;
  entries.reserve(old_words.size());
  for (std::size_t i = 0; i < old_words.size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    const std::optional<TokenId> seen = built.vocabulary.find(old_words.word(id));
    entries.push_back({std::string(old_words.word(id)), old_words.count(id) + (seen ? built.vocabulary.count(*seen) : 0)});
  }
  for (std::size_t i = 0; i < built.vocabulary.size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    if (built.vocabulary.count(id) < o.min_count || old_words.find(built.vocabulary.word(id))) continue;
    entries.push_back({std::string(built.vocabulary.word(id)), built.vocabulary.count(id)});
  }
  Vocabulary vocab = Vocabulary::from_entries(entries, input);
  const std::size_t old_count = old_words.size();
  const std::size_t words = vocab.size();
  // New rows as a fresh run would start them; old rows and the buckets as the model has them.
  std::vector<std::uint32_t> buckets = buckets_of(vocab, o);
  EmbeddingTable input_table = input_for_training(model, vocab, buckets, o);
  const std::size_t stride_bytes = input_table.stride() * sizeof(float);
  EmbeddingTable output_table(words, o.dim);
  std::memcpy(output_table.data(), model.output->data(), old_count * stride_bytes);
  detail::EncodedCorpus corpus = detail::encode_corpus(input, tokenizer, vocab, built.report.tokens, callbacks.should_stop);
  const CorpusTotals totals = totals_of(corpus, nullptr);
  if (callbacks.on_corpus) callbacks.on_corpus({totals.tokens, totals.kept, words});
  WordVectors result = run_training({std::move(vocab), std::move(corpus), std::move(buckets), std::move(input_table),
                                     std::move(output_table), totals},
                                    input, o, callbacks);
  result.metadata["training.continued_from_words"] = std::to_string(old_count);
  result.metadata["training.added_words"] = std::to_string(words - old_count);
  return result;
}

}  // namespace embedkit
