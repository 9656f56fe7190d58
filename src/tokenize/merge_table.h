// A BPE model's merge rules looked up by the ids of their two parts: a flat table with open
// addressing, built once at load. A word not seen before asks it once per adjacent pair at
// each step of its merging; one probe touches one cache line, where a node-based map's would
// touch three.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace embedkit::tokenize {

class MergeTable {
 public:
  struct Rule {
    std::uint32_t rank;    ///< its position in the merges list: lower merges first
    std::int32_t merged;   ///< the id of the joined token
  };

  /// Adds the rule for (left, right) ids (both >= 0); a later rule for the same pair replaces it.
  void add(std::int32_t left, std::int32_t right, Rule rule) { pending_.push_back({key(left, right), rule}); }

  /// Lays the rules out for lookups; call once, after the last add().
  void build() {
    std::size_t capacity = 16;
    while (capacity < 2 * pending_.size()) capacity *= 2;
    slots_.assign(capacity, Slot{kEmpty, {}});
    mask_ = capacity - 1;
    for (const Slot& s : pending_) {
      std::size_t i = home(s.key);
      while (slots_[i].key != kEmpty && slots_[i].key != s.key) i = (i + 1) & mask_;
      slots_[i] = s;
    }
    pending_ = {};
  }

  /// The rule for (left, right), or nullptr.
  [[nodiscard]] const Rule* find(std::int32_t left, std::int32_t right) const noexcept {
    if (slots_.empty()) return nullptr;
    const std::uint64_t k = key(left, right);
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
      if (slots_[i].key == k) return &slots_[i].rule;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  // Ids are non-negative int32s: no pair's key has every bit set.
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  struct Slot {
    std::uint64_t key;
    Rule rule;
  };
  static std::uint64_t key(std::int32_t left, std::int32_t right) noexcept {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32U) | static_cast<std::uint32_t>(right);
  }
  [[nodiscard]] std::size_t home(std::uint64_t k) const noexcept {
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ULL) >> 32U) & mask_;  // Fibonacci hashing
  }

  std::vector<Slot> slots_;
  std::vector<Slot> pending_;
  std::size_t mask_ = 0;
};

}  // namespace embedkit::tokenize
