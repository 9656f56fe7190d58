#include "embedkit/vocab/vocabulary.h"

#include <fmt/format.h>

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
      total_count_(other.total_count_),
      pad_id_(other.pad_id_),
      unk_id_(other.unk_id_),
      bos_id_(other.bos_id_),
      eos_id_(other.eos_id_) {
  rebuild_index();  // the copied index would point into other.arena_
}

Vocabulary& Vocabulary::operator=(const Vocabulary& other) {
  if (this != &other) {
    Vocabulary copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void Vocabulary::rebuild_index() {
  index_.clear();
  index_.reserve(counts_.size());
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    index_.emplace(word(static_cast<TokenId>(i)), static_cast<TokenId>(i));
  }
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
  vocab.index_.reserve(entries.size());
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
  // Index after the arena is complete: views into it stay valid from here on.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    const auto [it, inserted] = vocab.index_.emplace(vocab.word(id), id);
    EMBEDKIT_CHECK(inserted, FormatError,
                   fmt::format("{}:{}: duplicate word {:?} (first seen at {}:{})", source, i + 1,
                               entries[i].word, source, it->second + 1));
  }
  vocab.pad_id_ = vocab.find(kPadToken);
  vocab.unk_id_ = vocab.find(kUnkToken);
  vocab.bos_id_ = vocab.find(kBosToken);
  vocab.eos_id_ = vocab.find(kEosToken);
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
  const auto it = index_.find(word);
  if (it == index_.end()) return std::nullopt;
  return it->second;
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
