#include "embedkit/vocab/vocabulary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <limits>
#include <memory>

#include "embedkit/core/atomic_file.h"
#include "embedkit/core/error.h"
#include "embedkit/text/utf8.h"

namespace embedkit {
namespace {

std::string read_whole_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", path), errno));
  std::string data;
  char chunk[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, file.get());
    data.append(chunk, got);
    if (got < sizeof chunk) break;
  }
  if (std::ferror(file.get())) {
    throw IoError(detail::with_errno(fmt::format("cannot read '{}'", path), errno));
  }
  return data;
}

}  // namespace

bool is_special_token(std::string_view word) noexcept {
  return word == kPadToken || word == kUnkToken || word == kBosToken || word == kEosToken;
}

Vocabulary::Vocabulary(const Vocabulary& other)
    : arena_(other.arena_),
      offsets_(other.offsets_),
      counts_(other.counts_),
      slots_(other.slots_),
      total_count_(other.total_count_),
      pad_id_(other.pad_id_),
      unk_id_(other.unk_id_),
      bos_id_(other.bos_id_),
      eos_id_(other.eos_id_) {
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
  slots_.assign(slot_count_for(counts_.size()), 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    const std::string_view w = word(static_cast<TokenId>(i));
    std::size_t s = word_index_hash(w) & mask;
    while (slots_[s] != 0) {
      if (word(slots_[s] - 1) == w) return std::pair{slots_[s] - 1, static_cast<TokenId>(i)};
      s = (s + 1) & mask;
    }
    slots_[s] = static_cast<TokenId>(i + 1);
  }
  return std::nullopt;
}

void Vocabulary::find_specials() {
  pad_id_ = find(kPadToken);
  unk_id_ = find(kUnkToken);
  bos_id_ = find(kBosToken);
  eos_id_ = find(kEosToken);
}

Vocabulary Vocabulary::from_parts(std::string_view arena, std::span<const std::uint64_t> offsets,
                                  std::span<const std::uint64_t> counts, std::span<const TokenId> slots,
                                  std::string_view source) {
  const std::size_t n = counts.size();
  EMBEDKIT_CHECK(n < std::numeric_limits<TokenId>::max(), FormatError,
                 fmt::format("{}: {} words do not fit 32-bit token ids", source, n));
  EMBEDKIT_CHECK(offsets.size() == n + 1 && offsets[0] == 0 && offsets[n] == arena.size(), FormatError,
                 fmt::format("{}: word offsets do not describe {} words in {} bytes", source, n, arena.size()));
  for (std::size_t i = 0; i < n; ++i) {
    EMBEDKIT_CHECK(offsets[i] < offsets[i + 1], FormatError,
                   fmt::format("{}: word {} is empty or its offsets decrease", source, i + 1));
  }
  EMBEDKIT_CHECK(slots.size() >= n + 1 && (slots.size() & (slots.size() - 1)) == 0, FormatError,
                 fmt::format("{}: a word index of {} slots cannot hold {} words", source, slots.size(), n));
  std::size_t filled = 0;
  for (const TokenId s : slots) {
    EMBEDKIT_CHECK(s <= n, FormatError, fmt::format("{}: word index slot holds id {} of {} words", source, s, n));
    filled += s != 0;
  }
  EMBEDKIT_CHECK(filled == n, FormatError,
                 fmt::format("{}: word index holds {} entries for {} words", source, filled, n));
  Vocabulary vocab;
  vocab.arena_.assign(arena.begin(), arena.end());
  vocab.offsets_.assign(offsets.begin(), offsets.end());
  vocab.counts_.assign(counts.begin(), counts.end());
  vocab.slots_.assign(slots.begin(), slots.end());
  for (const std::uint64_t c : counts) vocab.total_count_ += c;
  // Every word must find itself: a corrupt index or a duplicate word would otherwise give wrong
  // lookups. One hash and probe per word, in parallel.
  const auto words = static_cast<std::int64_t>(n);
  std::int64_t first_bad = words;
#pragma omp parallel for schedule(static) reduction(min : first_bad)
  for (std::int64_t i = 0; i < words; ++i) {
    const auto id = static_cast<TokenId>(i);
    if (vocab.find(vocab.word(id)) != id) first_bad = std::min(first_bad, i);
  }
  EMBEDKIT_CHECK(first_bad == words, FormatError,
                 fmt::format("{}: word {} ({:?}) is a duplicate or missing from the word index", source,
                             first_bad + 1, first_bad < words ? vocab.word(static_cast<TokenId>(first_bad)) : ""));
  vocab.find_specials();
  return vocab;
}

Vocabulary Vocabulary::from_entries(std::span<const VocabularyEntry> entries, std::string_view source) {
  EMBEDKIT_CHECK(entries.size() < std::numeric_limits<TokenId>::max(), ArgumentError,
                 fmt::format("{}: {} entries do not fit 32-bit token ids", source, entries.size()));
  Vocabulary vocab;
  std::size_t arena_bytes = 0;
  for (const VocabularyEntry& e : entries) arena_bytes += e.word.size();
  vocab.arena_.reserve(arena_bytes);
  vocab.offsets_.reserve(entries.size() + 1);
  vocab.counts_.reserve(entries.size());
  vocab.offsets_.push_back(0);

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& w = entries[i].word;
    const std::size_t number = i + 1;
    EMBEDKIT_CHECK(!w.empty(), FormatError, fmt::format("{}:{}: empty word", source, number));
    EMBEDKIT_CHECK(w.find_first_of("\t\r\n") == std::string::npos, FormatError,
                   fmt::format("{}:{}: word {:?} contains a TAB, CR or LF", source, number, w));
    if (const auto bad = find_invalid_utf8(w)) {
      throw FormatError(fmt::format("{}:{}: word {:?} is not valid UTF-8 (byte {} of the word)",
                                    source, number, w, *bad),
                        "valid UTF-8");
    }
    vocab.arena_.insert(vocab.arena_.end(), w.begin(), w.end());
    vocab.offsets_.push_back(vocab.arena_.size());
    vocab.counts_.push_back(entries[i].count);
    vocab.total_count_ += entries[i].count;
  }
  if (const auto duplicate = vocab.rebuild_index()) {
    const auto [first, second] = *duplicate;
    throw FormatError(fmt::format("{}:{}: duplicate word {:?} (first seen at {}:{})", source, second + 1,
                                  entries[second].word, source, first + 1),
                      "unique words");
  }
  vocab.find_specials();
  return vocab;
}

Vocabulary Vocabulary::load(const std::string& path) { return parse(read_whole_file(path), path); }

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
