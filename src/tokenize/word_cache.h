// A thread's memory of the words it segmented recently, so that a frequent word is segmented
// once rather than at each occurrence (text is Zipfian: 65,000 distinct words are ~95% of the
// words of 9 MB of Wikipedia).
//
// A flat, direct-mapped table: a word's slot is fixed by its hash and holds the word's bytes and
// its value inline, so a lookup touches one slot, and a sentence's lookups can be prefetched
// together (memory latency, not hashing, is what a large cache costs). A new word takes the slot
// from whatever word had it; frequent words come back often enough to stay. Words longer than
// kMaxWordBytes are not kept.
//
//   thread_local WordCache<Tokens, 46> cache;
//   cache.use_for(serial_);  // a thread may switch tokenizers: their words must not mix
//   const std::uint64_t h = word_hash(word);
//   if (const Tokens* t = cache.find(word, h)) ... else cache.insert(word, h, segment(word));
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <type_traits>

#include "core/content_hash.h"

namespace embedkit::tokenize {

/// The hash WordCache files a word under.
[[nodiscard]] inline std::uint64_t word_hash(std::string_view word) noexcept { return ::embedkit::detail::content_hash(word); }

template <typename Value, std::size_t kMaxWordBytes>
class WordCache {
  static_assert(std::is_trivially_copyable_v<Value>, "values are stored inline, by copy");
  static_assert(kMaxWordBytes > 0 && kMaxWordBytes < 256, "a word's length is stored in a byte");

 public:
  /// 2^slots_log2 slots, allocated on first use.
  explicit WordCache(unsigned slots_log2 = 16) : mask_((std::size_t{1} << slots_log2) - 1) {}

  /// Forgets everything when `owner` (a tokenizer's serial number) is not the one it holds words of.
  void use_for(std::uint64_t owner) {
    if (!slots_) slots_ = std::make_unique<Slot[]>(mask_ + 1);  // zeroed: every slot empty
    if (owner == owner_) return;
    for (std::size_t i = 0; i <= mask_; ++i) slots_[i].length = 0;
    owner_ = owner;
  }

  /// Starts loading the slot of `hash` into the cache, for a find() soon after.
  void prefetch(std::uint64_t hash) const noexcept {
    const char* slot = reinterpret_cast<const char*>(&slots_[hash & mask_]);
    for (std::size_t line = 0; line < sizeof(Slot); line += 64) __builtin_prefetch(slot + line);
  }

  /// The value stored for `word` (whose word_hash is `hash`), or nullptr. Valid until insert().
  [[nodiscard]] const Value* find(std::string_view word, std::uint64_t hash) const noexcept {
    const Slot& s = slots_[hash & mask_];
    if (s.hash != hash || s.length != word.size() || std::memcmp(s.word, word.data(), word.size()) != 0) return nullptr;
    return &s.value;
  }

  /// Stores `value` for `word` in its slot (dropping the word that was there). Words over
  /// kMaxWordBytes are not kept.
  void insert(std::string_view word, std::uint64_t hash, const Value& value) noexcept {
    if (word.empty() || word.size() > kMaxWordBytes) return;
    Slot& s = slots_[hash & mask_];
    s.hash = hash;
    s.length = static_cast<std::uint8_t>(word.size());
    std::memcpy(s.word, word.data(), word.size());
    s.value = value;
  }

 private:
  struct alignas(64) Slot {  // whole cache lines
    std::uint64_t hash;
    std::uint8_t length;  ///< 0: empty
    char word[kMaxWordBytes];
    Value value;
  };

  std::size_t mask_;
  std::uint64_t owner_ = 0;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace embedkit::tokenize
