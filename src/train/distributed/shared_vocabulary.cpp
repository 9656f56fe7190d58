#include "train/distributed/shared_vocabulary.h"

#include <fmt/format.h>

#include <cstring>

#include "embedkit/core/error.h"

namespace embedkit::detail {

namespace {

// A word list as bytes: per word a u32 length, the word, a u64 count (native byte order: every
// process of a job runs on the same kind of machine).
std::string serialize_counts(const Vocabulary& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string_view w = words.word(static_cast<TokenId>(i));
    const auto length = static_cast<std::uint32_t>(w.size());
    const std::uint64_t count = words.count(static_cast<TokenId>(i));
    out.append(reinterpret_cast<const char*>(&length), sizeof length);
    out.append(w);
    out.append(reinterpret_cast<const char*>(&count), sizeof count);
  }
  return out;
}

void add_counts(std::string_view bytes, VocabBuilder& into) {
  while (!bytes.empty()) {
    std::uint32_t length = 0;
    std::uint64_t count = 0;
    EMBEDKIT_CHECK(bytes.size() >= sizeof length, Error, "a process sent a cut word list");
    std::memcpy(&length, bytes.data(), sizeof length);
    EMBEDKIT_CHECK(bytes.size() >= sizeof length + length + sizeof count, Error, "a process sent a cut word list");
    const std::string_view word = bytes.substr(sizeof length, length);
    std::memcpy(&count, bytes.data() + sizeof length + length, sizeof count);
    into.add(word, count);
    bytes.remove_prefix(sizeof length + length + sizeof count);
  }
}

}  // namespace

VocabBuildResult build_shared_vocabulary(const std::string& path, CorpusShare share, const Tokenizer& tokenizer,
                                         const VocabBuildOptions& options, Communicator& communicator,
                                         const std::function<void(const VocabBuildProgress&)>& progress) {
  EMBEDKIT_CHECK(!options.add_pad && !options.add_unk && !options.add_bos && !options.add_eos, ArgumentError,
                 "a vocabulary counted in shares has no special tokens");
  // Every word this share saw (min_count applies to the sums, not to each share's counts).
  VocabBuildOptions all = options;
  all.min_count = 1;
  all.max_size.reset();
  const VocabBuildResult local = build_vocabulary(path, share, tokenizer, all, progress);
  VocabBuilder merged(options.max_entries);
  for (const std::string& list : communicator.gather_all(serialize_counts(local.vocabulary))) add_counts(list, merged);
  EMBEDKIT_CHECK(merged.tokens() > 0, FormatError, fmt::format("{}: no tokens: the input is empty or only whitespace", path));
  VocabBuildResult result = merged.build(options);
  std::uint64_t sums[3] = {local.report.bytes, local.report.lines, local.report.prune_events};
  communicator.sum(sums);
  result.report.bytes = sums[0];
  result.report.lines = sums[1];
  result.report.prune_events += sums[2];
  return result;
}

}  // namespace embedkit::detail
