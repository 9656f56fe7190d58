// Counting a corpus into a Vocabulary, in one streaming pass (part of embedkit::train).
//
//   embedkit::Tokenizer tok({.normalize = {.lowercase = true}});
//   auto result = embedkit::build_vocabulary("corpus.txt", tok, {.min_count = 5});
//   result.vocabulary.save("vocab.tsv");
//
// Order: specials first (<pad> = 0, <unk> = 1, then <bos>, <eos> when enabled), then words by
// count descending, ties by byte order (a total order: the same corpus always yields the same
// ids, whatever the hash table did). Corpus tokens spelled like a special ("<unk>" in PTB-style
// text) count toward that special instead of becoming words. <unk>'s count is the number of
// corpus tokens it stands for (every token of a word dropped by min_count or max_size), so
// 1 - count(<unk>) / tokens is the coverage. <bos>/<eos> count the non-empty lines.
//
// Bounded memory, as in word2vec: when the table exceeds `max_entries` distinct words, every
// word whose count so far is <= t is dropped, with t starting at 1 and rising (and staying
// risen, like word2vec's min_reduce) until at most 3/4 of max_entries remain. Until the first
// prune all counts are exact. After pruning, a kept word's count may be low by at most
// `max_count_error` (the sum of the thresholds used), and every word whose true count exceeds
// max_count_error is guaranteed to be kept. The report says whether this happened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "embedkit/text/corpus_reader.h"
#include "embedkit/text/tokenizer.h"
#include "embedkit/vocab/vocabulary.h"

namespace embedkit {

namespace detail {
class CountTable;
}

struct VocabBuildOptions {
  std::uint64_t min_count = 1;           ///< words seen fewer times map to <unk>
  std::optional<std::size_t> max_size;   ///< keep at most this many words (specials not counted)
  std::size_t max_entries = 20'000'000;  ///< distinct words held while counting (16..2^31); ~60 B + word
  bool add_pad = true;                   ///< include <pad> (id 0)
  bool add_unk = true;                   ///< include <unk>
  bool add_bos = false;                  ///< include <bos>
  bool add_eos = false;                  ///< include <eos>
};

/// What a build saw and did.
struct VocabBuildReport {
  std::uint64_t bytes = 0;             ///< input bytes read
  std::uint64_t lines = 0;             ///< lines (non-empty or not)
  std::uint64_t tokens = 0;            ///< corpus tokens, specials included
  std::uint64_t distinct = 0;          ///< distinct tokens held at the end (all, if never pruned)
  std::uint64_t kept_words = 0;        ///< words in the vocabulary (specials not counted)
  std::uint64_t covered_tokens = 0;    ///< tokens that map to a kept word or a literal special
  std::uint64_t prune_events = 0;      ///< times the table was pruned (0 = counts are exact)
  std::uint64_t max_count_error = 0;   ///< bound on any kept word's undercount (0 = exact)
};

struct VocabBuildResult {
  Vocabulary vocabulary;
  VocabBuildReport report;
};

/// Progress of a file build, for progress bars.
struct VocabBuildProgress {
  CorpusProgress corpus;
  std::uint64_t tokens = 0;
  std::uint64_t distinct = 0;
};

/// Accumulates token counts; then build() sorts and applies the options. Not thread-safe.
class VocabBuilder {
 public:
  /// Throws ArgumentError when max_entries < 16 or > 2^31.
  explicit VocabBuilder(std::size_t max_entries = VocabBuildOptions{}.max_entries);
  ~VocabBuilder();
  VocabBuilder(VocabBuilder&&) noexcept;
  VocabBuilder& operator=(VocabBuilder&&) noexcept;

  /// Counts one token. Amortised O(1); may prune (see file comment).
  void add(std::string_view token);
  /// Counts `count` occurrences of `token` at once: merging counts made elsewhere (another
  /// process's share of a corpus) gives the vocabulary one builder would have made of it all.
  void add(std::string_view token, std::uint64_t count);

  /// Counts each token in order; same result as add() on each, faster on large vocabularies
  /// (the table's cache misses for the batch overlap).
  void add_batch(std::span<const std::string_view> tokens);

  /// Marks the end of a line; `had_tokens` decides whether it counts for <bos>/<eos>.
  void end_line(bool had_tokens);

  /// The count so far, or nullopt if never seen (or pruned).
  [[nodiscard]] std::optional<std::uint64_t> count(std::string_view token) const;

  [[nodiscard]] std::uint64_t tokens() const noexcept { return tokens_; }
  [[nodiscard]] std::size_t distinct() const noexcept;
  [[nodiscard]] std::uint64_t prune_events() const noexcept { return prune_events_; }
  [[nodiscard]] std::uint64_t max_count_error() const noexcept { return max_count_error_; }

  /// The vocabulary under `options` (options.max_entries is ignored here), filling `report`'s
  /// count fields. Throws ArgumentError when min_count is 0.
  [[nodiscard]] VocabBuildResult build(const VocabBuildOptions& options) const;

 private:
  void prune();

  std::unique_ptr<detail::CountTable> counts_;
  std::size_t max_entries_;
  std::uint64_t prune_threshold_ = 0;
  std::uint64_t tokens_ = 0;
  std::uint64_t lines_ = 0;
  std::uint64_t nonempty_lines_ = 0;
  std::uint64_t prune_events_ = 0;
  std::uint64_t max_count_error_ = 0;
};

/// Streams `path` ("-" = stdin) through `tokenizer` and builds its vocabulary. `progress`, when
/// set, is called about once per MiB. Throws IoError/FormatError from reading, and FormatError
/// when the input holds no tokens at all.
[[nodiscard]] VocabBuildResult build_vocabulary(
    const std::string& path, const Tokenizer& tokenizer, const VocabBuildOptions& options,
    const std::function<void(const VocabBuildProgress&)>& progress = {});

/// The same over one share of the file (corpus_reader.h): what one of several processes
/// counts. FormatError only when the share holds no tokens and the file none either.
[[nodiscard]] VocabBuildResult build_vocabulary(
    const std::string& path, CorpusShare share, const Tokenizer& tokenizer, const VocabBuildOptions& options,
    const std::function<void(const VocabBuildProgress&)>& progress = {});

}  // namespace embedkit
