// Private to embedkit::train: one word2vec / fastText worker thread's epoch over its sentences.
//
// The input side goes through the layer: a word's input vector is the mean of its rows (the word
// and its n-gram buckets) in an EmbeddingBag, read with forward_one; the step chosen for it by the
// output layer (objectives/losses.h) goes back to the rows with apply_bag_step, each row taking
// the whole step (word2vec's and fastText's rule).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <vector>

#include "embedkit/table/embedding_bag.h"
#include "embedkit/train/fused_bag_sgd.h"
#include "embedkit/train/word_vector_trainer.h"
#include "kernels/kernels.h"
#include "train/hogwild.h"
#include "train/objectives/losses.h"
#include "train/objectives/negative_table.h"
#include "train/word2vec/encoded_corpus.h"
#include "vocab/huffman_tree.h"

namespace embedkit::detail {

/// Input rows of each word: its own row, then its n-gram buckets (CSR).
struct InputRows {
  std::vector<std::size_t> starts{0};
  std::vector<TokenId> rows;
  [[nodiscard]] std::span<const TokenId> of(TokenId w) const {
    return {rows.data() + starts[w], starts[w + 1] - starts[w]};
  }
};

/// What every worker reads (and the tables they all update).
struct Word2VecModel {
  const WordVectorOptions& options;
  const EncodedCorpus& corpus;
  const InputRows& input_rows;
  const std::vector<float>& keep_probability;  // per word: subsampling
  EmbeddingBag& input;                         // mean bags over the input table
  EmbeddingTable& output;
  const NegativeTable* negatives;  // negative sampling, or
  const HuffmanTree* tree;         // hierarchical softmax
};

/// One center word of skip-gram, in word2vec's and fastText's order: target t = 0..targets-1 is
/// scored against the center's vector h, the mean of its `rows` in `input`, and h takes the step
/// for it before target t + 1 is scored. All the rows take the same steps, so their mean moves by
/// exactly those steps: h is read once (forward_one), moved by each step, and the rows are
/// written once, with the difference (apply_bag_step, every row the whole step). That is
/// fastText's result up to rounding (and to a bucket listed twice for one word, which fastText
/// steps twice), with one read and one write of each row instead of one per target.
/// predict(t, h, grad_h) scores target t from h and accumulates its step for h into grad_h.
/// `hidden`, `start` and `grad` hold dim floats each, `scratch` too (apply_bag_step's).
/// Returns the center's vector as it ended (`hidden`), or nullptr when nothing ran.
template <class Predict>
const float* skipgram_center_step(EmbeddingBag& input, std::span<const TokenId> rows, std::size_t targets,
                                  Predict&& predict, std::span<float> hidden, std::span<float> start,
                                  std::span<float> grad, std::span<float> scratch, const kernels::KernelTable& k) {
  const std::size_t dim = input.dim();
  if (rows.empty() || targets == 0) return nullptr;
  input.forward_one(rows, hidden);
  std::copy_n(hidden.data(), dim, start.data());
  for (std::size_t t = 0; t < targets; ++t) {
    std::fill_n(grad.data(), dim, 0.0F);
    predict(t, static_cast<const float*>(hidden.data()), grad.data());
    k.axpy(1.0F, grad.data(), hidden.data(), dim);
  }
  std::copy_n(hidden.data(), dim, grad.data());
  k.axpy(-1.0F, start.data(), grad.data(), dim);  // the steps' sum: where h ended minus where it began
  apply_bag_step(input, rows, grad.first(dim), scratch, BagStepShare::whole);
  return hidden.data();
}

/// A worker's vectors, in one 4 KiB-aligned block with the step for h (grad) 2 KiB away from h
/// itself, modulo 4 KiB. The output layer's kernel stores into grad and then loads h; when their
/// addresses agree in their low 12 bits the load waits for the store (4K aliasing). With h copied
/// in here that never happens; with h a table row trained in place it happens for the rows that
/// land on grad's offset, and that path measured 15-29% slower (bench/README.md).
class StepBuffers {
 public:
  explicit StepBuffers(std::size_t dim)
      : dim_(dim),
        slot_((dim * sizeof(float) + 4095) / 4096 * 4096 + 2048),
        block_(static_cast<float*>(std::aligned_alloc(4096, 4 * slot_))) {
    if (block_ == nullptr) throw std::bad_alloc();
    std::fill_n(block_.get(), 4 * slot_ / sizeof(float), 0.0F);
  }
  [[nodiscard]] std::span<float> hidden() const { return at(0); }
  [[nodiscard]] std::span<float> grad() const { return at(1); }
  [[nodiscard]] std::span<float> start() const { return at(2); }
  [[nodiscard]] std::span<float> scratch() const { return at(3); }

 private:
  // Slot i starts i * slot_ bytes in: slot_ = 2 KiB mod 4 KiB, so hidden and grad never alias.
  [[nodiscard]] std::span<float> at(std::size_t i) const { return {block_.get() + i * slot_ / sizeof(float), dim_}; }
  struct Free {
    void operator()(float* p) const noexcept { std::free(p); }
  };
  std::size_t dim_;
  std::size_t slot_;
  std::unique_ptr<float[], Free> block_;
};

template <class Sigmoid>
class Word2VecWorker {
 public:
  Word2VecWorker(const Word2VecModel& model, Hogwild::Thread& thread)
      : m_(model),
        thread_(thread),
        rng_(thread.rng()),
        window_(model.options.window),
        dim_(model.options.dim),
        buffers_(dim_),
        hidden_(buffers_.hidden()),
        start_(buffers_.start()),
        grad_(buffers_.grad()),
        scratch_(buffers_.scratch()),
        k_(kernels::kernels()) {}

  /// One epoch over sentences [first, end).
  void train(std::size_t first, std::size_t end) {
    train_sentences(first, end);
    thread_.rng() = rng_;  // where the generator stands: the next epoch (or a checkpoint) goes on from it
  }

 private:
  void train_sentences(std::size_t first, std::size_t end) {
    constexpr std::uint64_t kReportEvery = 10000;  // tokens between reports (and learning-rate updates)
    std::uint64_t unreported = 0;
    for (std::size_t sentence = first; sentence < end; ++sentence) {
      const std::uint8_t* p = m_.corpus.bytes.data() + m_.corpus.starts[sentence];
      const std::uint8_t* const stop = m_.corpus.bytes.data() + m_.corpus.starts[sentence + 1];
      std::size_t read = 0;
      kept_.clear();
      while (p < stop) {
        const TokenId w = next_id(p);
        ++read;
        const float keep = m_.keep_probability[w];
        if (keep >= 1.0F || rng_.uniform() < keep) kept_.push_back(w);
      }
      const float lr = thread_.learning_rate();
      if (m_.options.model == WordModel::skipgram) {
        skipgram(kept_, lr);
      } else {
        cbow(kept_, lr);
      }
      unreported += read;
      if (unreported >= kReportEvery || sentence + 1 == end) {
        // Divergence shows as a non-finite loss or hidden vector (the table sigmoid maps NaN to a
        // finite loss, so both are checked).
        if (!std::isfinite(loss_) || !std::isfinite(k_.dot(last_hidden_, last_hidden_, dim_))) {
          thread_.diverged();
          return;
        }
        const bool go_on = thread_.report(unreported, loss_, predictions_);
        unreported = 0;
        loss_ = 0;
        predictions_ = 0;
        if (!go_on) return;
      }
    }
  }

  // Scores `target` from h, updates the output rows, and accumulates the step for h into grad_h.
  // With negative sampling, `negatives` are those drawn for this prediction.
  void predict(const float* h, float* grad_h, TokenId target, std::span<const TokenId> negatives, float lr) {
    float* out = m_.output.data();
    const std::size_t stride = m_.output.stride();
    if (m_.tree != nullptr) {
      loss_ += hierarchical_softmax<Sigmoid>(h, out, stride, target, *m_.tree, lr, grad_h, dim_, k_);
    } else {
      loss_ += negative_sampling<Sigmoid>(h, out, stride, target, negatives, lr, grad_h, dim_, k_);
    }
    ++predictions_;
  }

  // Negative sampling: draws the negatives of every context word of a window at once (in the
  // order the predictions would draw them, so results are the same) and prefetches all their
  // output rows, and the targets', so that ~35 random rows load in parallel. negatives_of(c)
  // then gives those of context position c.
  void draw_window_negatives(const std::vector<TokenId>& words, std::ptrdiff_t first, std::ptrdiff_t last,
                             std::ptrdiff_t center) {
    if (m_.negatives == nullptr) return;
    const std::size_t per = m_.options.negatives;
    drawn_.resize(static_cast<std::size_t>(last - first + 1) * per);
    drawn_count_.resize(static_cast<std::size_t>(last - first + 1));
    first_context_ = first;
    const float* out = m_.output.data();
    const std::size_t stride = m_.output.stride();
    for (std::ptrdiff_t c = first; c <= last; ++c) {
      if (c == center) continue;
      const TokenId target = words[static_cast<std::size_t>(c)];
      const auto slot = static_cast<std::size_t>(c - first);
      TokenId* drawn = drawn_.data() + slot * per;
      drawn_count_[slot] = draw_negatives(*m_.negatives, rng_, target, per, drawn);
      prefetch_row(out + static_cast<std::size_t>(target) * stride, dim_);
      for (std::size_t n = 0; n < drawn_count_[slot]; ++n) {
        prefetch_row(out + static_cast<std::size_t>(drawn[n]) * stride, dim_);
      }
    }
  }

  [[nodiscard]] std::span<const TokenId> negatives_of(std::ptrdiff_t c) const {
    if (m_.negatives == nullptr) return {};
    const auto slot = static_cast<std::size_t>(c - first_context_);
    return {drawn_.data() + slot * m_.options.negatives, drawn_count_[slot]};
  }

  std::size_t draw_window() { return 1 + static_cast<std::size_t>((rng_.next() >> 11U) % window_); }

  // Skip-gram: the center word (with its subwords) predicts each context word
  // (skipgram_center_step).
  void skipgram(const std::vector<TokenId>& words, float lr) {
    const auto n = static_cast<std::ptrdiff_t>(words.size());
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const auto b = static_cast<std::ptrdiff_t>(draw_window());
      const std::span<const TokenId> rows = m_.input_rows.of(words[static_cast<std::size_t>(i)]);
      const std::ptrdiff_t first = std::max<std::ptrdiff_t>(0, i - b);
      const std::ptrdiff_t last = std::min(n - 1, i + b);
      // (Sharing one draw of negatives across the window, as pWord2Vec does, was 1.7x faster
      // here but cost 7-16 analogy points on the 3M-word benchmark; see bench/README.md.)
      draw_window_negatives(words, first, last, i);
      // Target t is context position first + t, skipping the center.
      const auto before_center = static_cast<std::size_t>(i - first);
      last_hidden_ = skipgram_center_step(
          m_.input, rows, static_cast<std::size_t>(last - first),
          [&](std::size_t t, const float* h, float* grad_h) {
            const std::ptrdiff_t c = first + static_cast<std::ptrdiff_t>(t < before_center ? t : t + 1);
            predict(h, grad_h, words[static_cast<std::size_t>(c)], negatives_of(c), lr);
          },
          hidden_, start_, grad_, scratch_, k_);
      if (last_hidden_ == nullptr) last_hidden_ = hidden_.data();
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
        const std::span<const TokenId> rows = m_.input_rows.of(words[static_cast<std::size_t>(c)]);
        bag_.insert(bag_.end(), rows.begin(), rows.end());
      }
      if (bag_.empty()) continue;
      draw_window_negatives(words, i, i, i - 1);  // one prediction: the center word
      m_.input.forward_one(bag_, hidden_);
      last_hidden_ = hidden_.data();
      std::fill(grad_.begin(), grad_.end(), 0.0F);
      predict(hidden_.data(), grad_.data(), words[static_cast<std::size_t>(i)], negatives_of(i), lr);
      apply_bag_step(m_.input, bag_, grad_, scratch_, BagStepShare::whole);
    }
  }

  const Word2VecModel& m_;
  Hogwild::Thread& thread_;
  SplitMix64 rng_;  // the thread's generator, worked on here and handed back (the hot loop's own copy)
  std::size_t window_;
  std::size_t dim_;
  StepBuffers buffers_;
  std::span<float> hidden_;   // the input vector being trained: the mean of its rows
  std::span<float> start_;    // skip-gram: hidden_ before the window's steps
  std::span<float> grad_;     // the step for hidden_
  std::span<float> scratch_;  // apply_bag_step's
  const float* last_hidden_ = hidden_.data();  // the last one trained: the divergence check reads it
  std::vector<TokenId> kept_;   // the sentence after subsampling
  std::vector<TokenId> bag_;    // CBOW: the context's rows
  std::vector<TokenId> drawn_;            // negatives of the current window, `negatives` per context
  std::vector<std::size_t> drawn_count_;  // how many were drawn per context (fewer: one-word vocabulary)
  std::ptrdiff_t first_context_ = 0;
  const kernels::KernelTable& k_;
  double loss_ = 0;  // since the last report
  std::uint64_t predictions_ = 0;
};

}  // namespace embedkit::detail
