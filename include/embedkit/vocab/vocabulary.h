// A vocabulary: the bijection between token strings and dense ids, with corpus counts.
//
//   auto vocab = embedkit::Vocabulary::load("vocab.tsv");
//   embedkit::TokenId id = vocab.id_or_unk("cat");     // <unk>'s id when "cat" is unknown
//   std::optional<embedkit::TokenId> maybe = vocab.find("cat");
//   std::string_view word = vocab.word(id);
//
// Ids are positions: 0 .. size()-1. A vocabulary made by VocabBuilder puts the special tokens
// first (<pad> = 0, <unk> = 1, then <bos>, <eos> when requested) and then the words by count,
// descending, ties broken by byte order, so the same corpus always yields the same ids.
//
// File format (save/load): UTF-8 text, one entry per line in id order, `word<TAB>count\n`.
// load() also accepts `word<SPACE>count` (word2vec's -save-vocab) and CRLF line ends. Words may
// not be empty or contain TAB, CR or LF; counts are unsigned 64-bit decimals; duplicate words
// are an error naming both lines.
//
// Thread safety: immutable after construction; all const members may be called concurrently.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embedkit {

/// Dense token id: an index into a Vocabulary and into the rows of an embedding table.
using TokenId = std::uint32_t;

inline constexpr std::string_view kPadToken = "<pad>";
inline constexpr std::string_view kUnkToken = "<unk>";
inline constexpr std::string_view kBosToken = "<bos>";
inline constexpr std::string_view kEosToken = "<eos>";

/// The hash of the vocabulary's word index: 64-bit FNV-1a over the word's bytes. Part of the
/// native vector format, so it must never change.
[[nodiscard]] constexpr std::uint64_t word_index_hash(std::string_view word) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : word) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

/// True for the four special token strings above.
[[nodiscard]] bool is_special_token(std::string_view word) noexcept;

/// Why `word` cannot be a vocabulary word, or nullopt when it can. A word is non-empty, valid
/// UTF-8, and holds no control character: no TAB, CR, LF or NUL (the separators of files), nor
/// any other C0, DEL or C1 character (they drive terminals). Every way into a vocabulary checks
/// this. A space is allowed (the native, npy and safetensors formats hold it; embedkit's
/// tokenizer never makes one): writers of formats that separate words with spaces refuse it.
[[nodiscard]] std::optional<std::string> find_word_problem(std::string_view word);

/// One vocabulary entry, as passed to Vocabulary::from_entries.
struct VocabularyEntry {
  std::string word;
  std::uint64_t count = 0;
};

class Vocabulary {
 public:
  /// An empty vocabulary.
  Vocabulary() = default;
  Vocabulary(const Vocabulary& other);
  Vocabulary& operator=(const Vocabulary& other);
  Vocabulary(Vocabulary&& other) noexcept;
  Vocabulary& operator=(Vocabulary&& other) noexcept;
  ~Vocabulary() = default;

  /// Builds a vocabulary whose ids follow `entries`' order. Throws FormatError (naming
  /// `source` and the entry number) for a word find_word_problem() refuses or a duplicate,
  /// and ArgumentError if there are more than 2^32 - 1 entries.
  static Vocabulary from_entries(std::span<const VocabularyEntry> entries,
                                 std::string_view source = "<entries>");

  /// The parts of a vocabulary as stored by the native vector format (see word_index_hash):
  /// word i is arena[offsets[i], offsets[i+1]); slots is an open-addressing table (power-of-two
  /// size > words, value id + 1, 0 = empty, linear probing from word_index_hash(word)). Checks
  /// bounds and that every word finds itself (never trusts the file). With `keep_alive` (the
  /// owner of the bytes, e.g. a MappedFile) the vocabulary reads the parts in place instead of
  /// copying them, so opening a large vocabulary costs no copy. Empty `slots`: the file left the
  /// index out, and it is built here (the parts are then copied). Throws FormatError naming `source`.
  static Vocabulary from_parts(std::string_view arena, std::span<const std::uint64_t> offsets,
                               std::span<const std::uint64_t> counts, std::span<const TokenId> slots,
                               std::string_view source, std::shared_ptr<const void> keep_alive = nullptr);
  /// The stored form of this vocabulary (see from_parts).
  [[nodiscard]] std::string_view arena() const noexcept { return arena_; }
  [[nodiscard]] std::span<const std::uint64_t> offsets() const noexcept { return offsets_; }
  [[nodiscard]] std::span<const TokenId> index_slots() const noexcept { return slots_; }

  /// Reads a `word<TAB>count` file (see file comment). Throws IoError or FormatError naming the
  /// file and line.
  static Vocabulary load(const std::string& path);

  /// Parses the contents of a vocabulary file held in memory; `source` names it in errors.
  static Vocabulary parse(std::string_view data, std::string_view source);

  /// Writes `word<TAB>count` lines atomically (temporary file + rename). Throws IoError.
  void save(const std::string& path) const;

  /// Number of entries, specials included.
  [[nodiscard]] std::size_t size() const noexcept { return counts_.size(); }
  [[nodiscard]] bool empty() const noexcept { return counts_.empty(); }

  /// The id of `word`, or nullopt. O(1) expected.
  [[nodiscard]] std::optional<TokenId> find(std::string_view word) const;

  /// The id of `word`, or the <unk> id. Throws ArgumentError when the word is unknown and the
  /// vocabulary has no <unk>.
  [[nodiscard]] TokenId id_or_unk(std::string_view word) const;

  /// The word with id `id`. Throws ArgumentError naming the id and size when out of range.
  [[nodiscard]] std::string_view word(TokenId id) const;

  /// The corpus count of `id`. Throws ArgumentError when out of range.
  [[nodiscard]] std::uint64_t count(TokenId id) const;

  /// All counts in id order.
  [[nodiscard]] std::span<const std::uint64_t> counts() const noexcept { return counts_; }

  /// Sum of all counts (specials included: <unk>'s count is the tokens it stands for).
  [[nodiscard]] std::uint64_t total_count() const noexcept { return total_count_; }

  [[nodiscard]] std::optional<TokenId> pad_id() const noexcept { return pad_id_; }
  [[nodiscard]] std::optional<TokenId> unk_id() const noexcept { return unk_id_; }
  [[nodiscard]] std::optional<TokenId> bos_id() const noexcept { return bos_id_; }
  [[nodiscard]] std::optional<TokenId> eos_id() const noexcept { return eos_id_; }

  /// True when `id` is one of the special tokens.
  [[nodiscard]] bool is_special(TokenId id) const;

  friend bool operator==(const Vocabulary& a, const Vocabulary& b) {
    // slots_ follow from the words, so they are not compared.
    return a.arena_ == b.arena_ && std::ranges::equal(a.offsets_, b.offsets_) && std::ranges::equal(a.counts_, b.counts_);
  }

 private:
  void check_id(TokenId id) const;
  std::optional<std::pair<TokenId, TokenId>> rebuild_index();
  // from_parts without a stored index: copies the (checked) parts and builds one.
  static Vocabulary with_built_index(std::string_view arena, std::span<const std::uint64_t> offsets,
                                     std::span<const std::uint64_t> counts, std::string_view source);
  void find_specials();

  void view_owned() noexcept;  // points the views at the own_ vectors

  // The storage: vectors this vocabulary owns, or bytes kept alive by keep_alive_ (a mapped
  // native vector file). The views below always point at whichever holds the data.
  std::vector<char> own_arena_;
  std::vector<std::uint64_t> own_offsets_;
  std::vector<std::uint64_t> own_counts_;
  std::vector<TokenId> own_slots_;
  std::shared_ptr<const void> keep_alive_;
  std::string_view arena_;                  // all words, concatenated
  std::span<const std::uint64_t> offsets_;  // word i is arena_[offsets_[i], offsets_[i+1])
  std::span<const std::uint64_t> counts_;
  std::span<const TokenId> slots_;          // open-addressing index: id + 1, 0 = empty
  std::uint64_t total_count_ = 0;
  std::optional<TokenId> pad_id_, unk_id_, bos_id_, eos_id_;
};

}  // namespace embedkit
