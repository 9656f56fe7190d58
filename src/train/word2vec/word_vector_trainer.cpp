#include "embedkit/train/word_vector_trainer.h"

#include <fmt/format.h>

#include <atomic>
#include <barrier>
#include <functional>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <sstream>
#include <cstring>
#include <filesystem>
#include <thread>

#include "embedkit/core/error.h"
#include "embedkit/core/parallel.h"
#include "embedkit/core/random.h"
#include "embedkit/io/text_settings.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/text/corpus_reader.h"
#include "embedkit/vocab/vocab_builder.h"
#include "vocab/huffman_tree.h"
#include "core/content_hash.h"
#include "kernels/kernels.h"
#include "train/objectives/losses.h"
#include "train/objectives/negative_table.h"

namespace embedkit {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxSentence = 1024;  // tokens; longer lines are cut (as fastText)
constexpr std::uint64_t kReportEvery = 10000;  // tokens between updates of the shared counter

// The corpus as ids, sentence by sentence, each id a LEB128 varint (7 bits a byte, high bit =
// more). Ids follow frequency, so most tokens take one or two bytes instead of four: the 18M-word
// benchmark corpus holds in ~32 MB instead of 73, which is most of the trainer's memory when the
// vocabulary is small.
struct EncodedCorpus {
  std::vector<std::uint8_t> bytes;
  std::vector<std::size_t> starts{0};  // sentence s is bytes[starts[s], starts[s+1])
  std::uint64_t tokens = 0;            // tokens read
  std::uint64_t kept = 0;              // tokens in the vocabulary (encoded)
  detail::ContentHash hash;            // of every token and line end read (resume compares it)
};

// Metadata key that marks a file as a checkpoint (the final model has every other training key).
constexpr const char* kCheckpointKey = "training.checkpoint";

inline TokenId next_id(const std::uint8_t*& p) {
  TokenId id = *p & 0x7FU;
  for (unsigned shift = 7; (*p++ & 0x80U) != 0; shift += 7) id |= static_cast<TokenId>(*p & 0x7FU) << shift;
  return id;
}

class CorpusEncoder final : public CorpusVisitor {
 public:
  CorpusEncoder(const Vocabulary& vocab, EncodedCorpus& corpus) : vocab_(vocab), corpus_(corpus) {}
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
  std::size_t in_sentence_ = 0;
};

// Input rows of each word: its own row, then its n-gram buckets (CSR).
struct InputRows {
  std::vector<std::size_t> starts{0};
  std::vector<std::uint32_t> rows;
  [[nodiscard]] std::span<const std::uint32_t> of(TokenId w) const {
    return {rows.data() + starts[w], starts[w + 1] - starts[w]};
  }
};

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
      checkpoint = load_vectors(o.checkpoint, {.format = VectorFormat::native}).metadata.contains(kCheckpointKey);
    } catch (const Error&) {
      // not our format: not a checkpoint
    }
  }
  EMBEDKIT_CHECK(checkpoint, ArgumentError,
                 fmt::format("{} exists and is not an embedkit checkpoint: it would be overwritten by one; remove it "
                             "or choose another checkpoint file (--checkpoint)",
                             o.checkpoint));
}

// Everything the worker threads share.
struct Shared {
  const WordVectorOptions& options;
  const EncodedCorpus& corpus;
  const InputRows& input_rows;
  std::vector<float> keep_probability;  // per word
  EmbeddingTable& input;
  EmbeddingTable& output;
  std::optional<detail::NegativeTable> negatives;
  std::optional<detail::HuffmanTree> tree;
  std::uint64_t total_work = 0;  // tokens x epochs
  std::size_t start_epoch = 0;   // > 0 when resuming
  std::vector<std::uint64_t> rng_states;  // per worker: where its generator starts (and, at a checkpoint, is)
  std::unique_ptr<std::barrier<std::function<void()>>> epoch_barrier;  // only with checkpoints
  std::atomic<std::uint64_t> words_done{0};
  std::atomic<bool> stop{false};
  std::mutex failure_mutex;
  std::string failure;
  struct alignas(64) ThreadStats {
    std::atomic<std::uint64_t> words{0};
    std::atomic<std::size_t> epoch{0};
    // Per epoch: loss summed over predictions, and their number (written by the worker only).
    std::unique_ptr<std::atomic<double>[]> loss;
    std::unique_ptr<std::atomic<std::uint64_t>[]> predictions;
  };
  std::vector<ThreadStats> stats;

  [[nodiscard]] float learning_rate() const {
    const double progress = static_cast<double>(words_done.load(std::memory_order_relaxed)) / static_cast<double>(total_work);
    return static_cast<float>(options.learning_rate * std::max(0.0, 1.0 - progress));
  }
};

template <class Sigmoid>
class Worker {
 public:
  Worker(Shared& shared, std::size_t index, std::size_t first_sentence, std::size_t end_sentence)
      : s_(shared),
        index_(index),
        first_(first_sentence),
        end_(end_sentence),
        rng_(shared.rng_states[index]),
        dim_(shared.options.dim),
        hidden_(dim_),
        grad_(dim_),
        step_sum_(dim_),
        k_(kernels::kernels()) {}

  void run() {
    try {
      train();
    } catch (const std::exception& e) {
      fail(e.what());
    }
    // A worker that stops early must not leave the others waiting at the epoch barrier.
    if (s_.epoch_barrier && !finished_) s_.epoch_barrier->arrive_and_drop();
  }

 private:
  void train() {
    const WordVectorOptions& o = s_.options;
    std::vector<TokenId> kept;
    std::uint64_t unreported = 0;
    float lr = s_.learning_rate();
    for (std::size_t epoch = s_.start_epoch; epoch < o.epochs && !s_.stop.load(std::memory_order_relaxed); ++epoch) {
      s_.stats[index_].epoch.store(epoch, std::memory_order_relaxed);
      loss_ = 0;
      predictions_ = 0;
      for (std::size_t sentence = first_; sentence < end_; ++sentence) {
        const std::uint8_t* p = s_.corpus.bytes.data() + s_.corpus.starts[sentence];
        const std::uint8_t* const stop = s_.corpus.bytes.data() + s_.corpus.starts[sentence + 1];
        std::size_t read = 0;
        kept.clear();
        while (p < stop) {
          const TokenId w = next_id(p);
          ++read;
          if (s_.keep_probability[w] >= 1.0F || rng_.uniform() < s_.keep_probability[w]) kept.push_back(w);
        }
        if (o.model == WordModel::skipgram) {
          skipgram(kept, lr);
        } else {
          cbow(kept, lr);
        }
        unreported += read;
        if (unreported >= kReportEvery || sentence + 1 == end_) {
          s_.words_done.fetch_add(unreported, std::memory_order_relaxed);
          s_.stats[index_].words.fetch_add(unreported, std::memory_order_relaxed);
          s_.stats[index_].loss[epoch].store(loss_, std::memory_order_relaxed);
          s_.stats[index_].predictions[epoch].store(predictions_, std::memory_order_relaxed);
          unreported = 0;
          lr = s_.learning_rate();
          // Divergence shows as a non-finite loss or hidden vector (the table sigmoid maps NaN
          // to a finite loss, so both are checked).
          if (!std::isfinite(loss_) || !std::isfinite(k_.dot(h_, h_, dim_))) {
            fail(fmt::format("training diverged in epoch {} after {} words (learning rate {:.4g}): the vectors "
                             "are no longer finite; lower the learning rate (--lr)",
                             epoch + 1, s_.words_done.load(), lr));
            return;
          }
          if (s_.stop.load(std::memory_order_relaxed)) return;
        }
      }
      if (s_.epoch_barrier) {
        // Every worker ends the epoch here; the barrier's completion writes the checkpoint.
        s_.rng_states[index_] = rng_.state();
        if (epoch + 1 == o.epochs) finished_ = true;
        s_.epoch_barrier->arrive_and_wait();
      }
    }
  }

  void fail(std::string message) {
    const std::lock_guard lock(s_.failure_mutex);
    if (s_.failure.empty()) s_.failure = std::move(message);
    s_.stop.store(true);
  }

  // h_ = the mean of the input rows. A single row is used where it lies (it does not change
  // until apply_grad, so a copy would only cost time).
  void compute_hidden(std::span<const std::uint32_t> rows) {
    if (rows.size() == 1) {
      h_ = row(rows[0]);
      return;
    }
    h_ = hidden_.data();
    std::fill(hidden_.begin(), hidden_.end(), 0.0F);
    for (const std::uint32_t r : rows) k_.axpy(1.0F, row(r), hidden_.data(), dim_);
    k_.scale(1.0F / static_cast<float>(rows.size()), hidden_.data(), dim_);
  }

  float* row(std::uint32_t r) { return s_.input.data() + static_cast<std::size_t>(r) * s_.input.stride(); }

  // Scores `target` from h (h_ unless given), updates the output rows, and accumulates the step
  // for the input rows into grad_h (grad_ unless given).
  // With negative sampling, `negatives` are the ones drawn for this prediction (draw_window_negatives).
  void predict(TokenId target, std::span<const TokenId> negatives, float lr) {
    predict(h_, grad_.data(), target, negatives, lr);
  }

  void predict(const float* h, float* grad_h, TokenId target, std::span<const TokenId> negatives, float lr) {
    float* out = s_.output.data();
    const std::size_t stride = s_.output.stride();
    if (s_.tree) {
      loss_ += detail::hierarchical_softmax<Sigmoid>(h, out, stride, target, *s_.tree, lr, grad_h, dim_, k_);
    } else {
      loss_ += detail::negative_sampling<Sigmoid>(h, out, stride, target, negatives, lr, grad_h, dim_, k_);
    }
    ++predictions_;
  }

  // Negative sampling: draws the negatives of every context word of center i's window at once
  // (in the order the predictions would draw them, so results are the same) and prefetches all
  // their output rows, and the targets', so that ~35 random rows load in parallel.
  // negatives_of(c) then gives those of context position c.
  void draw_window_negatives(const std::vector<TokenId>& words, std::ptrdiff_t first, std::ptrdiff_t last,
                             std::ptrdiff_t center) {
    if (s_.tree) return;
    const std::size_t per = s_.options.negatives;
    drawn_.resize(static_cast<std::size_t>(last - first + 1) * per);
    drawn_count_.resize(static_cast<std::size_t>(last - first + 1));
    first_context_ = first;
    const float* out = s_.output.data();
    const std::size_t stride = s_.output.stride();
    for (std::ptrdiff_t c = first; c <= last; ++c) {
      if (c == center) continue;
      const TokenId target = words[static_cast<std::size_t>(c)];
      const auto slot = static_cast<std::size_t>(c - first);
      TokenId* drawn = drawn_.data() + slot * per;
      drawn_count_[slot] = detail::draw_negatives(*s_.negatives, rng_, target, per, drawn);
      detail::prefetch_row(out + static_cast<std::size_t>(target) * stride, dim_);
      for (std::size_t n = 0; n < drawn_count_[slot]; ++n) {
        detail::prefetch_row(out + static_cast<std::size_t>(drawn[n]) * stride, dim_);
      }
    }
  }

  [[nodiscard]] std::span<const TokenId> negatives_of(std::ptrdiff_t c) const {
    if (s_.tree) return {};
    const auto slot = static_cast<std::size_t>(c - first_context_);
    return {drawn_.data() + slot * s_.options.negatives, drawn_count_[slot]};
  }

  void apply_grad(std::span<const std::uint32_t> rows) {
    for (const std::uint32_t r : rows) k_.axpy(1.0F, grad_.data(), row(r), dim_);
  }

  std::size_t draw_window() {
    return 1 + static_cast<std::size_t>((rng_.next() >> 11U) % s_.options.window);
  }

  // Skip-gram: the center word (with its subwords) predicts each context word, in word2vec's
  // and fastText's order: the center's rows take each context word's step before the next is
  // scored (with subwords, by skipgram_center_step's shortcut).
  void skipgram(const std::vector<TokenId>& words, float lr) {
    const auto n = static_cast<std::ptrdiff_t>(words.size());
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const auto b = static_cast<std::ptrdiff_t>(draw_window());
      const auto rows = s_.input_rows.of(words[static_cast<std::size_t>(i)]);
      const std::ptrdiff_t first = std::max<std::ptrdiff_t>(0, i - b);
      const std::ptrdiff_t last = std::min(n - 1, i + b);
      draw_window_negatives(words, first, last, i);
      if (rows.size() == 1) {
        for (std::ptrdiff_t c = first; c <= last; ++c) {
          if (c == i) continue;
          compute_hidden(rows);
          std::fill(grad_.begin(), grad_.end(), 0.0F);
          predict(words[static_cast<std::size_t>(c)], negatives_of(c), lr);
          apply_grad(rows);
        }
        continue;
      }
      // (Sharing one draw of negatives across the window, as pWord2Vec does, was 1.7x faster
      // here but cost 7-16 analogy points on the 3M-word benchmark; see bench/README.md.)
      // Target t is context position first + t, skipping the center.
      const auto before_center = static_cast<std::size_t>(i - first);
      detail::skipgram_center_step(
          s_.input.data(), s_.input.stride(), rows, static_cast<std::size_t>(last - first),
          [&](std::size_t t, const float* h, float* grad_h) {
            const std::ptrdiff_t c = first + static_cast<std::ptrdiff_t>(t < before_center ? t : t + 1);
            predict(h, grad_h, words[static_cast<std::size_t>(c)], negatives_of(c), lr);
          },
          hidden_.data(), grad_.data(), step_sum_.data(), dim_, k_);
      h_ = hidden_.data();  // (the divergence check reads it)
    }
  }

  // CBOW: the mean of the context words' rows predicts the center word.
  void cbow(const std::vector<TokenId>& words, float lr) {
    const auto n = static_cast<std::ptrdiff_t>(words.size());
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const auto b = static_cast<std::ptrdiff_t>(draw_window());
      bag_.clear();
      for (std::ptrdiff_t c = std::max<std::ptrdiff_t>(0, i - b); c <= std::min(n - 1, i + b); ++c) {
        if (c == i) continue;
        const auto rows = s_.input_rows.of(words[static_cast<std::size_t>(c)]);
        bag_.insert(bag_.end(), rows.begin(), rows.end());
      }
      if (bag_.empty()) continue;
      draw_window_negatives(words, i, i, i - 1);  // one prediction: the center word
      compute_hidden(bag_);
      std::fill(grad_.begin(), grad_.end(), 0.0F);
      predict(words[static_cast<std::size_t>(i)], negatives_of(i), lr);
      apply_grad(bag_);
    }
  }

  Shared& s_;
  std::size_t index_;
  std::size_t first_;
  std::size_t end_;
  SplitMix64 rng_;
  std::size_t dim_;
  std::vector<float> hidden_;
  const float* h_ = hidden_.data();  // the hidden vector: hidden_, or the one input row itself
  std::vector<float> grad_;
  std::vector<float> step_sum_;  // skip-gram with subwords: the steps of a center word's context words
  std::vector<std::uint32_t> bag_;
  std::vector<TokenId> drawn_;             // negatives of the current window, `negatives` per context
  std::vector<std::size_t> drawn_count_;   // how many were drawn per context (fewer: one-word vocabulary)
  std::ptrdiff_t first_context_ = 0;
  const kernels::KernelTable& k_;
  double loss_ = 0;
  std::uint64_t predictions_ = 0;
  bool finished_ = false;
};


// What a run starts from: a fresh model, a checkpoint, or a model to train further.
struct Setup {
  Vocabulary vocab;
  EncodedCorpus corpus;
  EmbeddingTable input;
  EmbeddingTable output;
  std::size_t start_epoch = 0;
  std::uint64_t words_done = 0;
  std::vector<std::uint64_t> rng_states;  // empty: fresh generators from the seed
};

WordVectors run_training(Setup setup, const std::string& input, const WordVectorOptions& options,
                         const TrainingCallbacks& callbacks) {
  const Vocabulary& vocab = setup.vocab;
  const EncodedCorpus& corpus = setup.corpus;
  const std::size_t words = vocab.size();
  // Input rows per word: its own, then its n-gram buckets.
  InputRows input_rows;
  std::vector<std::uint32_t> buckets;
  for (std::size_t w = 0; w < words; ++w) {
    input_rows.rows.push_back(static_cast<std::uint32_t>(w));
    if (options.subwords) {
      buckets.clear();
      subword_buckets(vocab.word(static_cast<TokenId>(w)), options.subword, buckets);
      for (const std::uint32_t b : buckets) input_rows.rows.push_back(static_cast<std::uint32_t>(words + b));
    }
    input_rows.starts.push_back(input_rows.rows.size());
  }

  EmbeddingTable& input_table = setup.input;
  EmbeddingTable& output_table = setup.output;
  Shared shared{options, corpus, input_rows, {}, input_table, output_table, {}, {}};
  const std::span<const std::uint64_t> counts = vocab.counts();
  std::uint64_t total_count = 0;
  for (const std::uint64_t c : counts) total_count += c;
  shared.keep_probability.resize(words, 1.0F);
  if (options.sample > 0) {
    for (std::size_t w = 0; w < words; ++w) {
      const double f = static_cast<double>(counts[w]) / static_cast<double>(total_count);
      const double ratio = options.sample / f;
      shared.keep_probability[w] = static_cast<float>(std::sqrt(ratio) + ratio);
    }
  }
  if (options.loss == WordLoss::negative_sampling) {
    shared.negatives.emplace(counts, options.negative_power);
  } else {
    shared.tree.emplace(counts);
  }
  shared.total_work = std::max<std::uint64_t>(1, corpus.kept * options.epochs);

  // Shards: contiguous sentence ranges with about equal bytes (so about equal tokens).
  const std::size_t sentences = corpus.starts.size() - 1;
  const std::size_t threads = job_threads(options.threads, sentences);
  std::vector<std::size_t> shard_starts{0};
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t target = corpus.bytes.size() * t / threads;
    std::size_t s = shard_starts.back();
    while (s < sentences && corpus.starts[s] < target) ++s;
    shard_starts.push_back(s);
  }
  shard_starts.push_back(sentences);
  shared.stats = std::vector<Shared::ThreadStats>(threads);
  shared.start_epoch = setup.start_epoch;
  shared.words_done.store(setup.words_done);
  if (setup.rng_states.empty()) {
    for (std::size_t t = 0; t < threads; ++t) shared.rng_states.push_back(SplitMix64::stream(options.seed, t + 1).state());
  } else {
    EMBEDKIT_CHECK(setup.rng_states.size() == threads, ArgumentError,
                   fmt::format("the checkpoint was written by {} threads; resume with --threads {}",
                               setup.rng_states.size(), setup.rng_states.size()));
    shared.rng_states = setup.rng_states;
  }
  for (auto& st : shared.stats) {
    st.loss = std::make_unique<std::atomic<double>[]>(options.epochs);
    st.predictions = std::make_unique<std::atomic<std::uint64_t>[]>(options.epochs);
  }

  // The vectors as they stand, as a WordVectors that views (does not copy) the live tables.
  auto describe = [&](WordVectors& result, std::size_t epochs_done) {
    auto& m = result.metadata;
    m["format"] = "trained";
    m["trained_by"] = "embedkit 0.1.0";
    m["training.input"] = input;
    record_text_settings(options.tokenizer, m);  // so that queries are read as the text was
    m["training.corpus_tokens"] = std::to_string(corpus.tokens);
    m["training.corpus_hash"] = fmt::format("{:016x}", corpus.hash.digest());
    m["training.model"] = options.model == WordModel::cbow ? "cbow" : "skipgram";
    m["training.loss"] = options.loss == WordLoss::hierarchical_softmax ? "hs" : "ns";
    m["training.dim"] = std::to_string(options.dim);
    m["training.window"] = std::to_string(options.window);
    m["training.negatives"] = std::to_string(options.negatives);
    m["training.negative_power"] = fmt::format("{}", options.negative_power);
    m["training.epochs"] = std::to_string(options.epochs);
    m["training.min_count"] = std::to_string(options.min_count);
    m["training.sample"] = fmt::format("{}", options.sample);
    m["training.learning_rate"] = fmt::format("{}", options.learning_rate);
    m["training.subwords"] = options.subwords ? fmt::format("{} {} {}", options.subword.minn, options.subword.maxn,
                                                            options.subword.bucket)
                                              : "none";
    m["training.seed"] = std::to_string(options.seed);
    m["training.threads"] = std::to_string(threads);
    m["training.epochs_done"] = std::to_string(epochs_done);
    m["training.words_done"] = std::to_string(shared.words_done.load());
    std::string states;
    for (const std::uint64_t st : shared.rng_states) states += (states.empty() ? "" : " ") + std::to_string(st);
    m["training.rng_states"] = states;
    // fastText's names, so that a .bin written from these vectors loads in fastText.
    m["fasttext.dim"] = std::to_string(options.dim);
    m["fasttext.ws"] = std::to_string(options.window);
    m["fasttext.epoch"] = std::to_string(options.epochs);
    m["fasttext.minCount"] = std::to_string(options.min_count);
    m["fasttext.neg"] = std::to_string(options.negatives);
    m["fasttext.wordNgrams"] = "1";
    m["fasttext.loss"] = options.loss == WordLoss::hierarchical_softmax ? "1" : "2";
    m["fasttext.model"] = options.model == WordModel::cbow ? "1" : "2";
    m["fasttext.bucket"] = std::to_string(options.subwords ? options.subword.bucket : 0);
    m["fasttext.minn"] = std::to_string(options.subwords ? options.subword.minn : 0);
    m["fasttext.maxn"] = std::to_string(options.subwords ? options.subword.maxn : 0);
    m["fasttext.lrUpdateRate"] = "100";
    m["fasttext.t"] = fmt::format("{}", options.sample);
    m["fasttext.ntokens"] = std::to_string(corpus.tokens);
  };
  if (options.checkpoint_every > 0) {
    EMBEDKIT_CHECK(!options.checkpoint.empty(), ArgumentError, "checkpoint_every needs a checkpoint path");
    auto keep = std::make_shared<int>(0);  // the views below do not own the live tables
    shared.epoch_barrier = std::make_unique<std::barrier<std::function<void()>>>(
        static_cast<std::ptrdiff_t>(threads), std::function<void()>([&, keep]() noexcept {
          const std::size_t epochs_done = shared.stats[0].epoch.load() + 1;
          if (shared.stop.load() || epochs_done % options.checkpoint_every != 0) return;
          try {
            WordVectors snapshot(setup.vocab,
                                 EmbeddingTable::over_storage(input_table.data(), input_table.rows(), input_table.dim(), keep),
                                 options.subwords ? std::optional<SubwordOptions>(options.subword) : std::nullopt);
            snapshot.output = EmbeddingTable::over_storage(output_table.data(), output_table.rows(), output_table.dim(), keep);
            describe(snapshot, epochs_done);
            snapshot.metadata[kCheckpointKey] = "1";
            save_vectors(snapshot, options.checkpoint, {.format = VectorFormat::native});
            if (callbacks.on_checkpoint) callbacks.on_checkpoint(epochs_done, options.checkpoint);
          } catch (const std::exception& e) {
            const std::lock_guard lock(shared.failure_mutex);
            if (shared.failure.empty()) shared.failure = fmt::format("cannot write the checkpoint: {}", e.what());
            shared.stop.store(true);
          }
        }));
  }

  const auto start = Clock::now();
  auto snapshot = [&](bool finished) {
    TrainingProgress p;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    p.words_done = shared.words_done.load();
    p.progress = std::min(1.0, static_cast<double>(p.words_done) / static_cast<double>(shared.total_work));
    p.elapsed_seconds = elapsed;
    p.words_per_second = elapsed > 0 ? static_cast<double>(p.words_done) / elapsed : 0;
    p.learning_rate = shared.learning_rate();
    for (const auto& st : shared.stats) {
      p.thread_words_per_second.push_back(elapsed > 0 ? static_cast<double>(st.words.load()) / elapsed : 0);
      p.epoch = std::max(p.epoch, st.epoch.load());
    }
    for (std::size_t e = 0; e <= p.epoch && e < options.epochs; ++e) {
      double loss = 0;
      std::uint64_t predictions = 0;
      for (const auto& st : shared.stats) {
        loss += st.loss[e].load();
        predictions += st.predictions[e].load();
      }
      p.epoch_loss.push_back(predictions > 0 ? loss / static_cast<double>(predictions) : 0);
    }
    p.loss = p.epoch_loss.empty() ? 0 : p.epoch_loss.back();
    p.eta_seconds = p.progress > 0 ? elapsed * (1 - p.progress) / p.progress : 0;
    p.finished = finished;
    return p;
  };

  auto run_workers = [&]<class Sigmoid>() {
    // (Should a thread fail to start, none has trained and no one waits at the epoch barrier.)
    ThreadGroup workers(threads, [&](std::size_t t) {
      Worker<Sigmoid>(shared, t, shard_starts[t], shard_starts[t + 1]).run();
    });
    // The calling thread reports progress until the workers are done.
    auto last = Clock::now();
    while (!workers.finished()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (callbacks.on_progress && Clock::now() - last > std::chrono::milliseconds(500)) {
        last = Clock::now();
        callbacks.on_progress(snapshot(false));
      }
    }
    workers.join();
  };
  run_workers.template operator()<detail::TableSigmoid>();
  if (!shared.failure.empty()) throw Error(shared.failure, "a finite loss");
  if (callbacks.on_progress) callbacks.on_progress(snapshot(true));

  const TrainingProgress final_progress = snapshot(true);
  WordVectors result(std::move(setup.vocab), std::move(input_table),
                     options.subwords ? std::optional<SubwordOptions>(options.subword) : std::nullopt);
  result.output = std::move(output_table);
  describe(result, options.epochs);
  result.metadata["training.seconds"] = fmt::format("{:.3f}", final_progress.elapsed_seconds);
  result.metadata["training.final_loss"] = fmt::format("{:.6g}", final_progress.loss);
  return result;
}
// The corpus as ids of `vocab`.
EncodedCorpus encode_corpus(const std::string& input, const Tokenizer& tokenizer, const Vocabulary& vocab,
                            std::uint64_t expected_tokens) {
  EncodedCorpus corpus;
  corpus.bytes.reserve(expected_tokens * 2);  // untouched capacity costs address space, not memory
  CorpusEncoder encoder(vocab, corpus);
  CorpusReader(input, tokenizer).read(encoder);
  encoder.finish();
  return corpus;
}

EmbeddingTable fresh_input_table(std::size_t rows, const WordVectorOptions& options) {
  EmbeddingTable table(rows, options.dim);
  table.fill_uniform(-1.0F / static_cast<float>(options.dim), 1.0F / static_cast<float>(options.dim), options.seed);
  return table;
}

}  // namespace

WordVectors train_word_vectors(const std::string& input, const WordVectorOptions& options,
                               const TrainingCallbacks& callbacks) {
  check_options(options);
  check_checkpoint_target(options);
  EMBEDKIT_CHECK(input != "-", ArgumentError,
                 "training reads its input twice (vocabulary, then words), so it needs a file, not stdin");
  const Tokenizer tokenizer(options.tokenizer);
  VocabBuildResult built = build_vocabulary(
      input, tokenizer, {.min_count = options.min_count, .add_pad = false, .add_unk = false});
  EMBEDKIT_CHECK(built.vocabulary.size() >= 2, FormatError,
                 fmt::format("{}: only {} distinct words occur at least {} times (--min-count); training needs 2 or "
                             "more",
                             input, built.vocabulary.size(), options.min_count));
  EncodedCorpus corpus = encode_corpus(input, tokenizer, built.vocabulary, built.report.covered_tokens);
  const std::size_t words = built.vocabulary.size();
  if (callbacks.on_corpus) callbacks.on_corpus({corpus.tokens, corpus.kept, words});
  EmbeddingTable input_table = fresh_input_table(words + (options.subwords ? options.subword.bucket : 0), options);
  EmbeddingTable output_table(words, options.dim);  // zeros, as word2vec and fastText
  return run_training({std::move(built.vocabulary), std::move(corpus), std::move(input_table), std::move(output_table)},
                      input, options, callbacks);
}

WordVectors resume_word_vectors(const std::string& input, const std::string& checkpoint,
                                const WordVectorOptions& options, const TrainingCallbacks& callbacks) {
  check_options(options);
  check_checkpoint_target(options, checkpoint);
  const WordVectors saved = load_vectors(checkpoint);
  auto value = [&](const char* key) -> std::string {
    const auto it = saved.metadata.find(key);
    EMBEDKIT_CHECK(it != saved.metadata.end(), FormatError,
                   fmt::format("{}: not a training checkpoint (no {:?} in its metadata)", checkpoint, key));
    return it->second;
  };
  // The run must be the same one: compare every setting that shapes it.
  const std::pair<const char*, std::string> expected[] = {
      {"training.model", options.model == WordModel::cbow ? "cbow" : "skipgram"},
      {"training.loss", options.loss == WordLoss::hierarchical_softmax ? "hs" : "ns"},
      {"training.dim", std::to_string(options.dim)},
      {"training.window", std::to_string(options.window)},
      {"training.negatives", std::to_string(options.negatives)},
      {"training.negative_power", fmt::format("{}", options.negative_power)},
      {"training.epochs", std::to_string(options.epochs)},
      {"training.min_count", std::to_string(options.min_count)},
      {"training.sample", fmt::format("{}", options.sample)},
      {"training.learning_rate", fmt::format("{}", options.learning_rate)},
      {"training.subwords", options.subwords ? fmt::format("{} {} {}", options.subword.minn, options.subword.maxn,
                                                           options.subword.bucket)
                                             : "none"},
      {"training.seed", std::to_string(options.seed)},
  };
  for (const auto& [key, want] : expected) {
    // (Checkpoints from before the power was an option drew with 0.75.)
    const bool predates = std::string_view(key) == "training.negative_power" && !saved.metadata.contains(key);
    const std::string have = predates ? std::string("0.75") : value(key);
    EMBEDKIT_CHECK(have == want, ArgumentError,
                   fmt::format("{}: the checkpoint was made with {} = {}, not {}: resume with the same options",
                               checkpoint, std::string_view(key).substr(9), have, want));
  }
  EMBEDKIT_CHECK(saved.output.has_value(), FormatError, fmt::format("{}: the checkpoint has no output layer", checkpoint));
  const Tokenizer tokenizer(options.tokenizer);
  EncodedCorpus corpus = encode_corpus(input, tokenizer, saved.words(), 0);
  EMBEDKIT_CHECK(std::to_string(corpus.tokens) == value("training.corpus_tokens"), ArgumentError,
                 fmt::format("{} has {} tokens, but the checkpointed run read {}: resume on the same input", input,
                             corpus.tokens, value("training.corpus_tokens")));
  // (Checkpoints from before the hash was kept have only the count to go by.)
  if (const auto hash = saved.metadata.find("training.corpus_hash"); hash != saved.metadata.end()) {
    const std::string have = fmt::format("{:016x}", corpus.hash.digest());
    EMBEDKIT_CHECK(have == hash->second, ArgumentError,
                   fmt::format("{} is not the text the checkpointed run read: the same number of tokens ({}), but "
                               "other ones (content hash {}, the checkpoint's {}): resume on the same input",
                               input, corpus.tokens, have, hash->second));
  }
  if (callbacks.on_corpus) callbacks.on_corpus({corpus.tokens, corpus.kept, saved.size()});
  Setup setup{saved.words(), std::move(corpus), saved.table().clone(), saved.output->clone()};
  setup.start_epoch = std::stoull(value("training.epochs_done"));
  setup.words_done = std::stoull(value("training.words_done"));
  std::istringstream states(value("training.rng_states"));
  for (std::uint64_t st = 0; states >> st;) setup.rng_states.push_back(st);
  WordVectorOptions resumed = options;
  if (resumed.threads == 0) resumed.threads = setup.rng_states.size();
  return run_training(std::move(setup), input, resumed, callbacks);
}

WordVectors continue_training(const WordVectors& model, const std::string& input, const WordVectorOptions& options,
                              const TrainingCallbacks& callbacks) {
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
  const std::size_t bucket = o.subwords ? o.subword.bucket : 0;
  // New rows as a fresh run would start them; old rows and the buckets as the model has them.
  EmbeddingTable input_table = fresh_input_table(words + bucket, o);
  const std::size_t stride_bytes = input_table.stride() * sizeof(float);
  std::memcpy(input_table.data(), model.table().data(), old_count * stride_bytes);
  if (bucket > 0) {
    std::memcpy(input_table.data() + words * input_table.stride(), model.table().data() + old_count * model.table().stride(),
                bucket * stride_bytes);
  }
  EmbeddingTable output_table(words, o.dim);
  std::memcpy(output_table.data(), model.output->data(), old_count * stride_bytes);
  EncodedCorpus corpus = encode_corpus(input, tokenizer, vocab, built.report.tokens);
  if (callbacks.on_corpus) callbacks.on_corpus({corpus.tokens, corpus.kept, words});
  WordVectors result =
      run_training({std::move(vocab), std::move(corpus), std::move(input_table), std::move(output_table)}, input, o,
                   callbacks);
  result.metadata["training.continued_from_words"] = std::to_string(old_count);
  result.metadata["training.added_words"] = std::to_string(words - old_count);
  return result;
}

}  // namespace embedkit
