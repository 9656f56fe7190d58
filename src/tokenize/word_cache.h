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
// A tokenizer owns its caches in a WordCachePool and lends one to each encode in progress, so
// the words stay for the next encode on any thread (encode_batch's threads last one batch), and
// a thread that switches tokenizers finds each one's words where it left them.
//
//   mutable WordCachePool<WordCache<Tokens, 46>> caches_;     // a tokenizer's member
//   auto cache = caches_.lend();                               // for one encode
//   const std::uint64_t h = word_hash(word);
//   if (const Tokens* t = cache->find(word, h)) ... else cache->insert(word, h, segment(word));
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/content_hash.h"

namespace embedkit::tokenize {

/// The hash WordCache files a word under.
[[nodiscard]] inline std::uint64_t word_hash(std::string_view word) noexcept { return ::embedkit::detail::content_hash(word); }

/// A word's tokens as a cache keeps them, inline: up to kMax, each its id and its byte range in
/// the word (words of up to 255 bytes). Most words have a few; the others are not kept.
struct CachedPieces {
  static constexpr std::size_t kMax = 8;
  std::uint8_t count;
  std::array<std::uint8_t, kMax> begin;
  std::array<std::uint8_t, kMax> end;
  std::array<std::int32_t, kMax> id;
};

template <typename Value, std::size_t kMaxWordBytes>
class WordCache {
  static_assert(std::is_trivially_copyable_v<Value>, "values are stored inline, by copy");
  static_assert(kMaxWordBytes > 0 && kMaxWordBytes < 256, "a word's length is stored in a byte");

 public:
  /// 2^slots_log2 empty slots.
  explicit WordCache(unsigned slots_log2 = 16)
      : mask_((std::size_t{1} << slots_log2) - 1), slots_(std::make_unique<Slot[]>(mask_ + 1)) {}

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
  std::unique_ptr<Slot[]> slots_;  // value-initialised: every length 0, every slot empty
};

/// Caches lent out one per encode in progress (see the file comment); made when none is free.
template <typename Cache>
class WordCachePool {
 public:
  /// A cache lent for one encode; given back when the loan ends.
  class Loan {
   public:
    /// Takes a free cache of `pool`, or a new one.
    explicit Loan(WordCachePool& pool) : pool_(pool), cache_(pool.take()) {}
    Loan(const Loan&) = delete;
    Loan& operator=(const Loan&) = delete;
    ~Loan() { pool_.give_back(std::move(cache_)); }
    Cache* operator->() const noexcept { return cache_.get(); }
    Cache& operator*() const noexcept { return *cache_; }

   private:
    WordCachePool& pool_;
    std::unique_ptr<Cache> cache_;
  };

  [[nodiscard]] Loan lend() { return Loan(*this); }

 private:
  std::unique_ptr<Cache> take() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<Cache> cache = std::move(free_.back());
        free_.pop_back();
        return cache;
      }
    }
    return std::make_unique<Cache>();
  }

  void give_back(std::unique_ptr<Cache> cache) noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    try {
      free_.push_back(std::move(cache));
    } catch (...) {  // out of memory for the list: the cache is dropped, the words recomputed
    }
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<Cache>> free_;
};

}  // namespace embedkit::tokenize
