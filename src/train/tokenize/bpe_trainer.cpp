#include "bpe_trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <queue>
#include <unordered_map>

#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

namespace embedkit::tokenize {
namespace {

using Pair = std::uint64_t;
constexpr std::int32_t kBarrier = -1;  // a character left out by the coverage: never in a pair

Pair pair_of(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
}
std::int32_t left_of(Pair p) { return static_cast<std::int32_t>(p >> 32); }
std::int32_t right_of(Pair p) { return static_cast<std::int32_t>(p & 0xFFFFFFFFu); }

/// A candidate merge on the heap: the most frequent first, then the smaller pair.
struct Candidate {
  std::int64_t count;
  Pair pair;
  bool operator<(const Candidate& o) const { return count != o.count ? count < o.count : pair > o.pair; }
};

}  // namespace

BpeVocabulary train_bpe(const std::vector<WordCount>& words, const BpeTrainerOptions& options,
                        const std::function<void(std::size_t)>& on_progress) {
  // The alphabet: the most frequent characters covering `character_coverage` of all.
  const CharacterFrequencies chars = character_frequencies(words, [](char32_t) { return true; });
  const auto& by_freq = chars.by_frequency;
  const std::uint64_t total_chars = chars.total;
  std::vector<char32_t> alphabet;
  std::uint64_t covered = 0;
  for (const auto& [c, f] : by_freq) {
    if (!alphabet.empty() && static_cast<double>(covered) >= options.character_coverage * static_cast<double>(total_chars)) break;
    alphabet.push_back(c);
    covered += f;
  }
  std::sort(alphabet.begin(), alphabet.end());

  BpeVocabulary out;
  std::unordered_map<std::string, std::int32_t> ids;
  // Each token's shape as the left and as the right of a merge (the right one without the
  // continuing prefix the merge drops); nullopt: never merged (a special token the rules refuse).
  std::vector<std::optional<PieceShape>> left_shape, right_shape;
  auto add_token = [&](const std::string& t) {
    const auto [it, inserted] = ids.emplace(t, static_cast<std::int32_t>(out.tokens.size()));
    if (!inserted) return it->second;
    out.tokens.push_back(t);
    left_shape.push_back(shape_of(t, options.rules));
    const std::size_t prefix = t.starts_with(options.continuing_prefix) ? options.continuing_prefix.size() : 0;
    right_shape.push_back(prefix == 0 ? left_shape.back() : shape_of(std::string_view(t).substr(prefix), options.rules));
    return it->second;
  };
  // Whether the pair is counted: both symbols kept by the coverage, their merge a valid piece.
  auto mergeable = [&](std::int32_t a, std::int32_t b) {
    if (a == kBarrier || b == kBarrier) return false;
    const auto& left = left_shape[static_cast<std::size_t>(a)];
    const auto& right = right_shape[static_cast<std::size_t>(b)];
    if (!left || !right) return false;
    PieceShape joined = *left;
    return join_shapes(joined, *right, options.rules);
  };
  for (const std::string& s : options.special_tokens) add_token(s);
  for (const std::string& s : options.initial_alphabet) add_token(s);
  for (char32_t c : alphabet) {
    std::string s;
    append_utf8(s, c);
    add_token(s);
  }
  if (!options.continuing_prefix.empty()) {
    for (char32_t c : alphabet) {
      std::string s = options.continuing_prefix;
      append_utf8(s, c);
      add_token(s);
    }
  }
  EMBEDKIT_CHECK(out.tokens.size() <= options.vocab_size, ArgumentError,
                 fmt::format("a vocabulary of {} cannot hold the {} special tokens and characters the corpus needs; "
                             "raise --vocab-size or lower --character-coverage",
                             options.vocab_size, out.tokens.size()));

  // Each word as symbol ids.
  std::vector<std::vector<std::int32_t>> symbols(words.size());
  for (std::size_t w = 0; w < words.size(); ++w) {
    const std::string& word = words[w].word;
    for (std::size_t pos = 0; pos < word.size();) {
      const Utf8Decoded d = decode_utf8(word, pos);
      std::string s = pos > 0 ? options.continuing_prefix : std::string();
      s.append(word, pos, d.length);
      const auto it = ids.find(s);  // absent: a character the coverage left out
      symbols[w].push_back(it == ids.end() ? kBarrier : it->second);
      pos += d.length;
    }
  }

  // Pair counts and where each pair occurs.
  std::unordered_map<Pair, std::int64_t> pair_counts;
  std::unordered_map<Pair, std::vector<std::uint32_t>> where;
  for (std::size_t w = 0; w < words.size(); ++w) {
    const auto& s = symbols[w];
    const auto n = static_cast<std::int64_t>(words[w].count);
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      if (!mergeable(s[i], s[i + 1])) continue;
      const Pair p = pair_of(s[i], s[i + 1]);
      pair_counts[p] += n;
      auto& list = where[p];
      if (list.empty() || list.back() != w) list.push_back(static_cast<std::uint32_t>(w));
    }
  }
  std::priority_queue<Candidate> heap;
  for (const auto& [p, c] : pair_counts) heap.push({c, p});

  std::vector<std::uint32_t> last_merge(words.size(), UINT32_MAX);  // words already rewritten this merge
  std::unordered_map<Pair, std::int64_t> changed;
  std::size_t reported = 0;
  while (out.tokens.size() < options.vocab_size && !heap.empty()) {
    Candidate top = heap.top();
    heap.pop();
    const std::int64_t current = pair_counts[top.pair];
    if (top.count != current) {
      if (current > 0) heap.push({current, top.pair});
      continue;
    }
    if (top.count < static_cast<std::int64_t>(std::max<std::size_t>(options.min_frequency, 1))) break;
    const std::int32_t a = left_of(top.pair), b = right_of(top.pair);
    const std::string right = out.tokens[static_cast<std::size_t>(b)];  // a copy: tokens may grow below
    std::string merged = out.tokens[static_cast<std::size_t>(a)];
    merged.append(right, right.starts_with(options.continuing_prefix) ? options.continuing_prefix.size() : 0);
    const std::int32_t c = add_token(merged);
    out.merges.emplace_back(out.tokens[static_cast<std::size_t>(a)], right);

    const auto merge_index = static_cast<std::uint32_t>(out.merges.size());
    changed.clear();
    std::vector<std::uint32_t> occurrences = std::move(where[top.pair]);
    where.erase(top.pair);
    for (std::uint32_t w : occurrences) {
      if (last_merge[w] == merge_index) continue;
      last_merge[w] = merge_index;
      auto& s = symbols[w];
      const auto n = static_cast<std::int64_t>(words[w].count);
      bool touched = false;
      for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] != a || s[i + 1] != b) continue;
        touched = true;
        if (i > 0) {
          if (mergeable(s[i - 1], a)) changed[pair_of(s[i - 1], a)] -= n;
          if (mergeable(s[i - 1], c)) changed[pair_of(s[i - 1], c)] += n;
        }
        if (i + 2 < s.size()) {
          if (mergeable(b, s[i + 2])) changed[pair_of(b, s[i + 2])] -= n;
          if (mergeable(c, s[i + 2])) changed[pair_of(c, s[i + 2])] += n;
        }
        changed[top.pair] -= n;
        s[i] = c;
        s.erase(s.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      }
      if (!touched) continue;
      for (std::size_t i = 0; i + 1 < s.size(); ++i) {
        if ((s[i] == c || s[i + 1] == c) && mergeable(s[i], s[i + 1])) {
          auto& list = where[pair_of(s[i], s[i + 1])];
          if (list.empty() || list.back() != w) list.push_back(w);
        }
      }
    }
    for (const auto& [p, delta] : changed) {
      if (delta == 0) continue;
      std::int64_t& count = pair_counts[p];
      count += delta;
      if (delta > 0 && count > 0) heap.push({count, p});
    }
    if (on_progress && out.tokens.size() >= reported + 256) {
      reported = out.tokens.size();
      on_progress(reported);
    }
  }
  if (on_progress) on_progress(out.tokens.size());
  return out;
}

}  // namespace embedkit::tokenize
