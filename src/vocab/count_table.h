// Private to embedkit: the hash table behind VocabBuilder, specialised for counting strings.
//
// std::unordered_map<std::string, uint64_t> spends most of a corpus pass chasing node pointers
// (one allocation per word, and libstdc++ does not cache hashes for it, so every probe re-reads
// the key). This table keeps the words in one arena, the counts in a dense array, and open-
// addressed 8-byte slots holding a 32-bit hash tag, so a lookup is one hash, usually one slot and
// one memcmp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "kernels/prefetch.h"

namespace embedkit::detail {

class CountTable {
 public:
  CountTable() { rehash(1024); }

  /// Adds 1 to `word`'s count, inserting it with count 1 when new.
  void increment(std::string_view word) { increment_hashed(word, hash(word)); }

  /// increment() for each word, with the table's cache misses overlapped: the slots, then the
  /// entries, then the stored words of the whole batch are prefetched before any is compared.
  /// The result is the same as calling increment() in order.
  void increment_batch(std::span<const std::string_view> words) {
    constexpr std::size_t kMaxBatch = 256;
    std::uint64_t hashes[kMaxBatch];
    while (!words.empty()) {
      const std::size_t n = std::min(words.size(), kMaxBatch);
      for (std::size_t i = 0; i < n; ++i) {
        hashes[i] = hash(words[i]);
        kernels::prefetch_one(&slots_[hashes[i] & mask_]);
      }
      for (std::size_t i = 0; i < n; ++i) {
        const Slot& s = slots_[hashes[i] & mask_];
        if (s.entry != kEmpty) kernels::prefetch_one(&entries_[s.entry]);
      }
      for (std::size_t i = 0; i < n; ++i) {
        const Slot& s = slots_[hashes[i] & mask_];
        if (s.entry != kEmpty) kernels::prefetch_one(arena_.data() + entries_[s.entry].offset);
      }
      for (std::size_t i = 0; i < n; ++i) increment_hashed(words[i], hashes[i]);
      words = words.subspan(n);
    }
  }

  /// increment() with the hash already computed by hash(); `by` occurrences at once.
  void increment_hashed(std::string_view word, std::uint64_t h, std::uint64_t by = 1) {
    std::size_t slot = h & mask_;
    for (;;) {
      const Slot& s = slots_[slot];
      if (s.entry == kEmpty) break;
      if (s.tag == tag_of(h) && word_of(s.entry) == word) {
        entries_[s.entry].count += by;
        return;
      }
      slot = (slot + 1) & mask_;
    }
    insert_at(slot, h, word, by);
    if (entries_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
  }

  [[nodiscard]] std::optional<std::uint64_t> count(std::string_view word) const {
    const std::uint64_t h = hash(word);
    for (std::size_t slot = h & mask_;; slot = (slot + 1) & mask_) {
      const Slot& s = slots_[slot];
      if (s.entry == kEmpty) return std::nullopt;
      if (s.tag == tag_of(h) && word_of(s.entry) == word) return entries_[s.entry].count;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  static std::uint64_t hash(std::string_view word) noexcept { return std::hash<std::string_view>{}(word); }

  /// Calls f(word, count) for every entry, in insertion order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < entries_.size(); ++i) f(word_of(static_cast<std::uint32_t>(i)), entries_[i].count);
  }

  /// Removes every entry whose count is <= threshold, compacting the arena.
  void remove_at_most(std::uint64_t threshold) {
    std::vector<char> arena;
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].count <= threshold) continue;
      const std::string_view w = word_of(static_cast<std::uint32_t>(i));
      entries.push_back({entries_[i].count, arena.size(), static_cast<std::uint32_t>(w.size())});
      arena.insert(arena.end(), w.begin(), w.end());
    }
    arena_ = std::move(arena);
    entries_ = std::move(entries);
    std::size_t capacity = 1024;
    while (capacity < entries_.size() * 2) capacity *= 2;
    rehash(capacity);
  }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  // 8 bytes, so twice as many slots share a cache line: the slot load is the main miss.
  struct Slot {
    std::uint32_t tag;    // high 32 bits of the word's hash
    std::uint32_t entry;  // index into entries_, or kEmpty
  };
  struct Entry {
    std::uint64_t count;
    std::uint64_t offset;  // into arena_
    std::uint32_t length;
  };

  // Slots are chosen by the low bits, so the high bits make an independent tag.
  static std::uint32_t tag_of(std::uint64_t h) noexcept { return static_cast<std::uint32_t>(h >> 32U); }

  [[nodiscard]] std::string_view word_of(std::uint32_t entry) const noexcept {
    const Entry& e = entries_[entry];
    return {arena_.data() + e.offset, e.length};
  }

  void insert_at(std::size_t slot, std::uint64_t h, std::string_view word, std::uint64_t count) {
    slots_[slot] = {tag_of(h), static_cast<std::uint32_t>(entries_.size())};
    entries_.push_back({count, arena_.size(), static_cast<std::uint32_t>(word.size())});
    arena_.insert(arena_.end(), word.begin(), word.end());
  }

  void rehash(std::size_t capacity) {
    slots_.assign(capacity, Slot{0, kEmpty});
    mask_ = capacity - 1;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      const std::uint64_t h = hash(word_of(static_cast<std::uint32_t>(i)));
      std::size_t slot = h & mask_;
      while (slots_[slot].entry != kEmpty) slot = (slot + 1) & mask_;
      slots_[slot] = {tag_of(h), static_cast<std::uint32_t>(i)};
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<Entry> entries_;
  std::vector<char> arena_;
};

}  // namespace embedkit::detail
