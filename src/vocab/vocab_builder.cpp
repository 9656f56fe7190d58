#include "embedkit/vocab/vocab_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "count_table.h"
#include "embedkit/core/error.h"

namespace embedkit {

VocabBuilder::VocabBuilder(std::size_t max_entries)
    : counts_(std::make_unique<detail::CountTable>()), max_entries_(max_entries) {
  EMBEDKIT_CHECK(max_entries >= 16 && max_entries <= (std::size_t{1} << 31U), ArgumentError,
                 fmt::format("max_entries must be between 16 and 2^31, got {}", max_entries));
}

VocabBuilder::~VocabBuilder() = default;
VocabBuilder::VocabBuilder(VocabBuilder&&) noexcept = default;
VocabBuilder& VocabBuilder::operator=(VocabBuilder&&) noexcept = default;

std::size_t VocabBuilder::distinct() const noexcept { return counts_->size(); }

void VocabBuilder::add(std::string_view token) { add(token, 1); }

void VocabBuilder::add(std::string_view token, std::uint64_t count) {
  EMBEDKIT_CHECK(token.size() < (std::size_t{1} << 31U), ArgumentError,
                 fmt::format("token of {} bytes is too long to count", token.size()));
  if (count == 0) return;
  tokens_ += count;
  counts_->increment_hashed(token, detail::CountTable::hash(token), count);
  if (counts_->size() > max_entries_) prune();
}

void VocabBuilder::add_batch(std::span<const std::string_view> tokens) {
  // Keep pruning exact: never let one batch overshoot max_entries by more than its size.
  constexpr std::size_t kStep = 256;
  while (!tokens.empty()) {
    const std::size_t n = std::min(tokens.size(), kStep);
    for (std::size_t i = 0; i < n; ++i) {
      EMBEDKIT_CHECK(tokens[i].size() < (std::size_t{1} << 31U), ArgumentError,
                     fmt::format("token of {} bytes is too long to count", tokens[i].size()));
    }
    if (counts_->size() + n > max_entries_) {
      for (std::size_t i = 0; i < n; ++i) add(tokens[i]);  // may prune between tokens
    } else {
      counts_->increment_batch(tokens.first(n));
      tokens_ += n;
    }
    tokens = tokens.subspan(n);
  }
}

void VocabBuilder::end_line(bool had_tokens) {
  ++lines_;
  if (had_tokens) ++nonempty_lines_;
}

void VocabBuilder::prune() {
  const std::size_t target = max_entries_ / 4 * 3;
  std::uint64_t threshold = std::max<std::uint64_t>(prune_threshold_, 1);
  for (;;) {
    counts_->remove_at_most(threshold);
    if (counts_->size() <= target) break;
    ++threshold;
  }
  prune_threshold_ = threshold;
  max_count_error_ += threshold;
  ++prune_events_;
}

std::optional<std::uint64_t> VocabBuilder::count(std::string_view token) const {
  return counts_->count(token);
}

VocabBuildResult VocabBuilder::build(const VocabBuildOptions& options) const {
  EMBEDKIT_CHECK(options.min_count >= 1, ArgumentError, "min_count must be at least 1");
  VocabBuildResult result;
  VocabBuildReport& report = result.report;
  report.lines = lines_;
  report.tokens = tokens_;
  report.distinct = counts_->size();
  report.prune_events = prune_events_;
  report.max_count_error = max_count_error_;

  auto literal = [&](std::string_view special) { return count(special).value_or(0); };

  std::vector<VocabularyEntry> words;
  std::uint64_t dropped_tokens = 0;
  counts_->for_each([&](std::string_view word, std::uint64_t n) {
    if (is_special_token(word)) return;
    if (n >= options.min_count) {
      words.push_back({std::string(word), n});
    } else {
      dropped_tokens += n;
    }
  });
  // Total order: count descending, then bytes ascending (std::string compares as unsigned bytes).
  std::sort(words.begin(), words.end(), [](const VocabularyEntry& a, const VocabularyEntry& b) {
    return a.count != b.count ? a.count > b.count : a.word < b.word;
  });
  if (options.max_size && words.size() > *options.max_size) {
    for (std::size_t i = *options.max_size; i < words.size(); ++i) dropped_tokens += words[i].count;
    words.resize(*options.max_size);
  }

  std::vector<VocabularyEntry> entries;
  entries.reserve(words.size() + 4);
  if (options.add_pad) entries.push_back({std::string(kPadToken), literal(kPadToken)});
  if (options.add_unk) entries.push_back({std::string(kUnkToken), literal(kUnkToken) + dropped_tokens});
  if (options.add_bos) entries.push_back({std::string(kBosToken), literal(kBosToken) + nonempty_lines_});
  if (options.add_eos) entries.push_back({std::string(kEosToken), literal(kEosToken) + nonempty_lines_});
  report.kept_words = words.size();
  std::uint64_t covered = 0;
  for (const VocabularyEntry& e : words) covered += e.count;
  for (const std::string_view special : {kPadToken, kUnkToken, kBosToken, kEosToken}) {
    covered += literal(special);
  }
  report.covered_tokens = covered;
  entries.insert(entries.end(), std::make_move_iterator(words.begin()), std::make_move_iterator(words.end()));
  result.vocabulary = Vocabulary::from_entries(entries, "<vocabulary build>");
  return result;
}

VocabBuildResult build_vocabulary(const std::string& path, const Tokenizer& tokenizer,
                                  const VocabBuildOptions& options,
                                  const std::function<void(const VocabBuildProgress&)>& progress) {
  return build_vocabulary(path, CorpusShare{}, tokenizer, options, progress);
}

VocabBuildResult build_vocabulary(const std::string& path, CorpusShare share, const Tokenizer& tokenizer,
                                  const VocabBuildOptions& options,
                                  const std::function<void(const VocabBuildProgress&)>& progress) {
  // Tokens are copied into a small batch so the count table can prefetch for all of them.
  struct Counter : CorpusVisitor {
    VocabBuilder builder;
    const std::function<void(const VocabBuildProgress&)>& progress;
    std::string batch_text;
    std::vector<std::size_t> batch_ends;
    std::vector<std::string_view> batch_views;
    std::uint64_t tokens = 0;
    std::uint64_t tokens_at_line_start = 0;
    std::uint64_t bytes = 0;

    Counter(std::size_t max_entries, const std::function<void(const VocabBuildProgress&)>& p)
        : builder(max_entries), progress(p) {}
    void flush() {
      batch_views.clear();
      std::size_t start = 0;
      for (const std::size_t end : batch_ends) {
        batch_views.emplace_back(batch_text.data() + start, end - start);
        start = end;
      }
      builder.add_batch(batch_views);
      batch_text.clear();
      batch_ends.clear();
    }
    void on_token(std::string_view token) override {
      batch_text.append(token);
      batch_ends.push_back(batch_text.size());
      ++tokens;
      if (batch_ends.size() == 256) flush();
    }
    void on_line_end() override {
      builder.end_line(tokens > tokens_at_line_start);
      tokens_at_line_start = tokens;
    }
    void on_progress(const CorpusProgress& corpus) override {
      bytes = corpus.bytes_read;
      if (progress) progress({corpus, tokens, builder.distinct()});
    }
  } counter(options.max_entries, progress);

  CorpusReader(path, tokenizer, share).read(counter);
  counter.flush();
  // (A share may hold nothing: a small file split many ways. The shares' merge checks the whole.)
  EMBEDKIT_CHECK(counter.builder.tokens() > 0 || !share.whole(), FormatError,
                 fmt::format("{}: no tokens: the input is empty or only whitespace",
                             path == "-" ? "<stdin>" : path));
  VocabBuildResult result = counter.builder.build(options);
  result.report.bytes = counter.bytes;
  return result;
}

}  // namespace embedkit
