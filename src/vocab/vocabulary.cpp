#include "embedkit/vocab/vocabulary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <limits>
#include <memory>

#include "embedkit/core/atomic_file.h"
#include "core/read_whole_file.h"
#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"
#include "kernels/prefetch.h"

namespace embedkit {

bool is_special_token(std::string_view word) noexcept {
  return word == kPadToken || word == kUnkToken || word == kBosToken || word == kEosToken;
}

void Vocabulary::view_owned() noexcept {
  arena_ = {own_arena_.data(), own_arena_.size()};
  offsets_ = own_offsets_;
  counts_ = own_counts_;
  slots_ = own_slots_;
}

Vocabulary::Vocabulary(const Vocabulary& other)
    : own_arena_(other.own_arena_),
      own_offsets_(other.own_offsets_),
      own_counts_(other.own_counts_),
      own_slots_(other.own_slots_),
      keep_alive_(other.keep_alive_),
      arena_(other.arena_),
      offsets_(other.offsets_),
      counts_(other.counts_),
      slots_(other.slots_),
      total_count_(other.total_count_),
      pad_id_(other.pad_id_),
      unk_id_(other.unk_id_),
      bos_id_(other.bos_id_),
      eos_id_(other.eos_id_) {
  if (!keep_alive_) view_owned();  // borrowed views stay shared with the same storage
}

Vocabulary::Vocabulary(Vocabulary&& other) noexcept
    : own_arena_(std::move(other.own_arena_)),
      own_offsets_(std::move(other.own_offsets_)),
      own_counts_(std::move(other.own_counts_)),
      own_slots_(std::move(other.own_slots_)),
      keep_alive_(std::move(other.keep_alive_)),
      arena_(other.arena_),
      offsets_(other.offsets_),
      counts_(other.counts_),
      slots_(other.slots_),
      total_count_(other.total_count_),
      pad_id_(other.pad_id_),
      unk_id_(other.unk_id_),
      bos_id_(other.bos_id_),
      eos_id_(other.eos_id_) {
  other = Vocabulary();  // leave the source empty, not viewing storage it no longer owns
}

Vocabulary& Vocabulary::operator=(Vocabulary&& other) noexcept {
  if (this == &other) return *this;
  own_arena_ = std::move(other.own_arena_);
  own_offsets_ = std::move(other.own_offsets_);
  own_counts_ = std::move(other.own_counts_);
  own_slots_ = std::move(other.own_slots_);
  keep_alive_ = std::move(other.keep_alive_);
  arena_ = other.arena_;
  offsets_ = other.offsets_;
  counts_ = other.counts_;
  slots_ = other.slots_;
  total_count_ = other.total_count_;
  pad_id_ = other.pad_id_;
  unk_id_ = other.unk_id_;
  bos_id_ = other.bos_id_;
  eos_id_ = other.eos_id_;
  other.own_arena_.clear();
  other.own_offsets_.clear();
  other.own_counts_.clear();
  other.own_slots_.clear();
  other.keep_alive_.reset();
  other.view_owned();
  other.total_count_ = 0;
  other.pad_id_ = other.unk_id_ = other.bos_id_ = other.eos_id_ = std::nullopt;
  return *this;
}

Vocabulary& Vocabulary::operator=(const Vocabulary& other) {
  if (this != &other) {
    Vocabulary copy(other);
    *this = std::move(copy);
  }
  return *this;
}

namespace {

std::size_t slot_count_for(std::size_t words) {
  std::size_t slots = 16;
  while (slots < 2 * words + 1) slots *= 2;  // load factor <= 1/2
  return slots;
}

}  // namespace

// Builds slots_ from the words. Returns the ids of the first duplicate found (earlier, later), or
// nullopt when all words are distinct.
std::optional<std::pair<TokenId, TokenId>> Vocabulary::rebuild_index() {
  own_slots_.assign(slot_count_for(counts_.size()), 0);
  slots_ = own_slots_;
  const std::size_t mask = own_slots_.size() - 1;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    const std::string_view w = word(static_cast<TokenId>(i));
    std::size_t s = word_index_hash(w) & mask;
    while (own_slots_[s] != 0) {
      if (word(own_slots_[s] - 1) == w) return std::pair{own_slots_[s] - 1, static_cast<TokenId>(i)};
      s = (s + 1) & mask;
    }
    own_slots_[s] = static_cast<TokenId>(i + 1);
  }
  return std::nullopt;
}

void Vocabulary::find_specials() {
  pad_id_ = find(kPadToken);
  unk_id_ = find(kUnkToken);
  bos_id_ = find(kBosToken);
  eos_id_ = find(kEosToken);
}

namespace {

// The sum of counts, held at 2^64 - 1 rather than wrapping (counts come from files).
std::uint64_t saturating_sum(std::span<const std::uint64_t> counts) {
  std::uint64_t total = 0;
  for (const std::uint64_t c : counts) {
    if (__builtin_add_overflow(total, c, &total)) return UINT64_MAX;
  }
  return total;
}

}  // namespace

std::optional<std::string> find_word_problem(std::string_view word) {
  if (word.empty()) return "empty word";
  if (const auto bad = find_invalid_utf8(word)) {
    return fmt::format("word {:?} is not valid UTF-8 (byte {} of the word)", word, *bad);
  }
  for (std::size_t i = 0; i < word.size(); ++i) {
    const auto c = static_cast<unsigned char>(word[i]);
    // C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8.
    const bool c1 = c == 0xC2U && i + 1 < word.size() && static_cast<unsigned char>(word[i + 1]) <= 0x9FU;
    if (c < 0x20U || c == 0x7FU || c1) {
      const char32_t code = c1 ? static_cast<unsigned char>(word[i + 1]) : c;
      return fmt::format("word {:?} holds {} (U+{:04X}) at byte {}: words hold no control characters", word,
                         code == '\t'   ? "a TAB"
                         : code == '\n' ? "a line feed"
                         : code == '\r' ? "a carriage return"
                         : code == 0    ? "a NUL"
                                        : "a control character",
                         static_cast<std::uint32_t>(code), i);
    }
  }
  return std::nullopt;
}

Vocabulary Vocabulary::from_parts(std::string_view arena, std::span<const std::uint64_t> offsets,
                                  std::span<const std::uint64_t> counts, std::span<const TokenId> slots,
                                  std::string_view source, std::shared_ptr<const void> keep_alive) {
  const std::size_t n = counts.size();
  EMBEDKIT_CHECK(n < std::numeric_limits<TokenId>::max(), FormatError,
                 fmt::format("{}: {} words do not fit 32-bit token ids", source, n));
  EMBEDKIT_CHECK(offsets.size() == n + 1 && offsets[0] == 0 && offsets[n] == arena.size(), FormatError,
                 fmt::format("{}: word offsets do not describe {} words in {} bytes", source, n, arena.size()));
  EMBEDKIT_CHECK(slots.empty() || (slots.size() >= n + 1 && (slots.size() & (slots.size() - 1)) == 0), FormatError,
                 fmt::format("{}: a word index of {} slots cannot hold {} words", source, slots.size(), n));
  // All checks in one parallel pass each (a mapped multi-million-word vocabulary should open in
  // milliseconds): offsets increase, slots hold ids <= n, n of them are filled, and every word
  // finds itself through the index (so a corrupt index or a duplicate word is an error, never a
  // wrong lookup). The index probes are batched so that their slots are prefetched first.
  const std::uint64_t* off = offsets.data();
  const char* bytes = arena.data();
  const TokenId* slot = slots.data();
  const std::size_t mask = slots.empty() ? 0 : slots.size() - 1;
  const auto words = static_cast<std::int64_t>(n);
  const auto slot_count = static_cast<std::int64_t>(slots.size());
  std::int64_t first_empty = words, first_bad_slot = slot_count, first_unfound = words, first_bad_word = words;
  std::int64_t filled = 0;
#pragma omp parallel
  {
#pragma omp for schedule(static) reduction(min : first_empty) nowait
    for (std::int64_t i = 0; i < words; ++i) {
      if (off[i] >= off[i + 1]) first_empty = std::min(first_empty, i);
    }
#pragma omp for schedule(static) reduction(min : first_bad_slot) reduction(+ : filled)
    for (std::int64_t s = 0; s < slot_count; ++s) {
      if (slot[s] > n) first_bad_slot = std::min(first_bad_slot, s);
      filled += slot[s] != 0;
    }
  }
  EMBEDKIT_CHECK(first_empty == words, FormatError,
                 fmt::format("{}: word {} is empty or its offsets decrease", source, first_empty + 1));
#pragma omp parallel for schedule(static) reduction(min : first_bad_word)
  for (std::int64_t i = 0; i < words; ++i) {
    if (find_word_problem({bytes + off[i], off[i + 1] - off[i]})) first_bad_word = std::min(first_bad_word, i);
  }
  if (first_bad_word < words) {
    const std::string_view w(bytes + off[first_bad_word], off[first_bad_word + 1] - off[first_bad_word]);
    throw FormatError(fmt::format("{}: word {}: {}", source, first_bad_word + 1, *find_word_problem(w)),
                      "a valid word");
  }
  if (slots.empty()) return with_built_index(arena, offsets, counts, source);
  EMBEDKIT_CHECK(first_bad_slot == slot_count, FormatError,
                 fmt::format("{}: word index slot {} holds id {} of {} words", source, first_bad_slot,
                             first_bad_slot < slot_count ? slot[first_bad_slot] : 0, n));
  EMBEDKIT_CHECK(filled == words, FormatError,
                 fmt::format("{}: word index holds {} entries for {} words", source, filled, n));
  constexpr std::int64_t kBatch = 16;
  const std::int64_t batches = (words + kBatch - 1) / kBatch;
#pragma omp parallel for schedule(static) reduction(min : first_unfound)
  for (std::int64_t b = 0; b < batches; ++b) {
    const std::int64_t begin = b * kBatch;
    const std::int64_t end = std::min(words, begin + kBatch);
    std::size_t home[kBatch];
    for (std::int64_t i = begin; i < end; ++i) {
      home[i - begin] = word_index_hash({bytes + off[i], off[i + 1] - off[i]}) & mask;
      kernels::prefetch_one(slot + home[i - begin]);
    }
    for (std::int64_t i = begin; i < end; ++i) {
      const std::string_view w(bytes + off[i], off[i + 1] - off[i]);
      std::size_t s = home[i - begin];
      bool found = false;
      for (std::size_t probes = 0; probes <= mask; ++probes, s = (s + 1) & mask) {
        const TokenId entry = slot[s];
        if (entry == 0) break;
        const std::size_t other = entry - 1;
        if (other == static_cast<std::size_t>(i)) {
          found = true;
          break;
        }
        if (std::string_view(bytes + off[other], off[other + 1] - off[other]) == w) break;  // a duplicate
      }
      if (!found) first_unfound = std::min(first_unfound, i);
    }
  }
  EMBEDKIT_CHECK(first_unfound == words, FormatError,
                 fmt::format("{}: word {} ({:?}) is a duplicate or missing from the word index", source,
                             first_unfound + 1,
                             first_unfound < words ? std::string_view(bytes + off[first_unfound],
                                                                      off[first_unfound + 1] - off[first_unfound])
                                                   : std::string_view()));
  Vocabulary vocab;
  if (keep_alive) {
    vocab.keep_alive_ = std::move(keep_alive);
    vocab.arena_ = arena;
    vocab.offsets_ = offsets;
    vocab.counts_ = counts;
    vocab.slots_ = slots;
  } else {
    vocab.own_arena_.assign(arena.begin(), arena.end());
    vocab.own_offsets_.assign(offsets.begin(), offsets.end());
    vocab.own_counts_.assign(counts.begin(), counts.end());
    vocab.own_slots_.assign(slots.begin(), slots.end());
    vocab.view_owned();
  }
  vocab.total_count_ = saturating_sum(counts);
  vocab.find_specials();
  return vocab;
}

Vocabulary Vocabulary::with_built_index(std::string_view arena, std::span<const std::uint64_t> offsets,
                                        std::span<const std::uint64_t> counts, std::string_view source) {
  Vocabulary vocab;
  vocab.own_arena_.assign(arena.begin(), arena.end());
  vocab.own_offsets_.assign(offsets.begin(), offsets.end());
  vocab.own_counts_.assign(counts.begin(), counts.end());
  vocab.view_owned();
  if (const auto duplicate = vocab.rebuild_index()) {
    throw FormatError(fmt::format("{}: word {} ({:?}) is a duplicate of word {}", source, duplicate->second + 1,
                                  vocab.word(duplicate->second), duplicate->first + 1),
                      "unique words");
  }
  vocab.total_count_ = saturating_sum(counts);
  vocab.find_specials();
  return vocab;
}

Vocabulary Vocabulary::from_entries(std::span<const VocabularyEntry> entries, std::string_view source) {
  EMBEDKIT_CHECK(entries.size() < std::numeric_limits<TokenId>::max(), ArgumentError,
                 fmt::format("{}: {} entries do not fit 32-bit token ids", source, entries.size()));
  Vocabulary vocab;
  std::size_t arena_bytes = 0;
  for (const VocabularyEntry& e : entries) arena_bytes += e.word.size();
  vocab.own_arena_.reserve(arena_bytes);
  vocab.own_offsets_.reserve(entries.size() + 1);
  vocab.own_counts_.reserve(entries.size());
  vocab.own_offsets_.push_back(0);

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& w = entries[i].word;
    const std::size_t number = i + 1;
    if (const auto problem = find_word_problem(w)) {
      throw FormatError(fmt::format("{}:{}: {}", source, number, *problem), "a valid word");
    }
    vocab.own_arena_.insert(vocab.own_arena_.end(), w.begin(), w.end());
    vocab.own_offsets_.push_back(vocab.own_arena_.size());
    vocab.own_counts_.push_back(entries[i].count);
  }
  vocab.total_count_ = saturating_sum(vocab.own_counts_);
  vocab.view_owned();
  if (const auto duplicate = vocab.rebuild_index()) {
    const auto [first, second] = *duplicate;
    throw FormatError(fmt::format("{}:{}: duplicate word {:?} (first seen at {}:{})", source, second + 1,
                                  entries[second].word, source, first + 1),
                      "unique words");
  }
  vocab.find_specials();
  return vocab;
}

Vocabulary Vocabulary::load(const std::string& path) { return parse(detail::read_whole_file(path), path); }

Vocabulary Vocabulary::parse(std::string_view data, std::string_view path) {
  std::vector<VocabularyEntry> entries;
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < data.size()) {
    ++line;
    std::size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    std::string_view text(data.data() + pos, end - pos);
    pos = end + 1;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    EMBEDKIT_CHECK(!text.empty(), FormatError,
                   fmt::format("{}:{}: empty line (expected word<TAB>count)", path, line));
    std::size_t sep = text.rfind('\t');
    if (sep == std::string_view::npos) sep = text.rfind(' ');
    EMBEDKIT_CHECK(sep != std::string_view::npos && sep > 0, FormatError,
                   fmt::format("{}:{}: expected word<TAB>count, got {:?}", path, line, text));
    const std::string_view count_text = text.substr(sep + 1);
    std::uint64_t count = 0;
    const auto [end_ptr, ec] =
        std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    EMBEDKIT_CHECK(ec == std::errc() && end_ptr == count_text.data() + count_text.size() &&
                       !count_text.empty(),
                   FormatError,
                   fmt::format("{}:{}: count {:?} is not an unsigned 64-bit integer", path, line,
                               count_text));
    entries.push_back({std::string(text.substr(0, sep)), count});
  }
  return from_entries(entries, path);
}

void Vocabulary::save(const std::string& path) const {
  AtomicFileWriter out(path);
  std::string block;
  for (std::size_t i = 0; i < size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    block.append(word(id));
    block.push_back('\t');
    block.append(std::to_string(counts_[i]));
    block.push_back('\n');
    if (block.size() > (1U << 20U)) {
      out.write(block);
      block.clear();
    }
  }
  out.write(block);
  out.commit();
}

std::optional<TokenId> Vocabulary::find(std::string_view word) const {
  if (slots_.empty()) return std::nullopt;
  const std::size_t mask = slots_.size() - 1;
  std::size_t s = word_index_hash(word) & mask;
  // At most one lap: an index read from a file might have no empty slot.
  for (std::size_t probes = 0; probes < slots_.size(); ++probes, s = (s + 1) & mask) {
    const TokenId entry = slots_[s];
    if (entry == 0) return std::nullopt;
    const std::size_t id = entry - 1;
    if (std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]) == word) {
      return static_cast<TokenId>(id);
    }
  }
  return std::nullopt;
}

TokenId Vocabulary::id_or_unk(std::string_view word) const {
  if (const auto id = find(word)) return *id;
  EMBEDKIT_CHECK(unk_id_.has_value(), ArgumentError,
                 fmt::format("word {:?} is not in the vocabulary, which has no {} entry", word, kUnkToken));
  return *unk_id_;
}

void Vocabulary::check_id(TokenId id) const {
  EMBEDKIT_CHECK(id < size(), ArgumentError,
                 fmt::format("token id {} is out of range for a vocabulary of {} entries", id, size()));
}

std::string_view Vocabulary::word(TokenId id) const {
  check_id(id);
  return {arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]};
}

std::uint64_t Vocabulary::count(TokenId id) const {
  check_id(id);
  return counts_[id];
}

bool Vocabulary::is_special(TokenId id) const { return is_special_token(word(id)); }

}  // namespace embedkit
