#include "embedkit/vocab/vocab_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "embedkit/core/error.h"

namespace embedkit {

VocabBuilder::VocabBuilder(std::size_t max_entries) : max_entries_(max_entries) {
  EMBEDKIT_CHECK(max_entries >= 16, ArgumentError,
                 fmt::format("max_entries must be at least 16, got {}", max_entries));
}

void VocabBuilder::add(std::string_view token) {
  ++tokens_;
  const auto it = counts_.find(token);
  if (it != counts_.end()) {
    ++it->second;
    return;
  }
  counts_.emplace(std::string(token), 1);
  if (counts_.size() > max_entries_) prune();
}

void VocabBuilder::end_line(bool had_tokens) {
  ++lines_;
  if (had_tokens) ++nonempty_lines_;
}

void VocabBuilder::prune() {
  const std::size_t target = max_entries_ / 4 * 3;
  std::uint64_t threshold = std::max<std::uint64_t>(prune_threshold_, 1);
  for (;;) {
    std::erase_if(counts_, [&](const auto& entry) { return entry.second <= threshold; });
    if (counts_.size() <= target) break;
    ++threshold;
  }
  prune_threshold_ = threshold;
  max_count_error_ += threshold;
  ++prune_events_;
}

std::optional<std::uint64_t> VocabBuilder::count(std::string_view token) const {
  const auto it = counts_.find(token);
  if (it == counts_.end()) return std::nullopt;
  return it->second;
}

VocabBuildResult VocabBuilder::build(const VocabBuildOptions& options) const {
  EMBEDKIT_CHECK(options.min_count >= 1, ArgumentError, "min_count must be at least 1");
  VocabBuildResult result;
  VocabBuildReport& report = result.report;
  report.lines = lines_;
  report.tokens = tokens_;
  report.distinct = counts_.size();
  report.prune_events = prune_events_;
  report.max_count_error = max_count_error_;

  auto literal = [&](std::string_view special) { return count(special).value_or(0); };

  std::vector<VocabularyEntry> words;
  std::uint64_t dropped_tokens = 0;
  for (const auto& [word, n] : counts_) {
    if (is_special_token(word)) continue;
    if (n >= options.min_count) {
      words.push_back({word, n});
    } else {
      dropped_tokens += n;
    }
  }
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
  struct Counter : CorpusVisitor {
    VocabBuilder builder;
    const std::function<void(const VocabBuildProgress&)>& progress;
    std::uint64_t tokens_at_line_start = 0;
    std::uint64_t bytes = 0;

    Counter(std::size_t max_entries, const std::function<void(const VocabBuildProgress&)>& p)
        : builder(max_entries), progress(p) {}
    void on_token(std::string_view token) override { builder.add(token); }
    void on_line_end() override {
      builder.end_line(builder.tokens() > tokens_at_line_start);
      tokens_at_line_start = builder.tokens();
    }
    void on_progress(const CorpusProgress& corpus) override {
      bytes = corpus.bytes_read;
      if (progress) progress({corpus, builder.tokens(), builder.distinct()});
    }
  } counter(options.max_entries, progress);

  CorpusReader(path, tokenizer).read(counter);
  EMBEDKIT_CHECK(counter.builder.tokens() > 0, FormatError,
                 fmt::format("{}: no tokens: the input is empty or only whitespace",
                             path == "-" ? "<stdin>" : path));
  VocabBuildResult result = counter.builder.build(options);
  result.report.bytes = counter.bytes;
  return result;
}

}  // namespace embedkit
