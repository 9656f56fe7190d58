// Private to embedkit: a fast 64-bit hash of bytes fed in pieces (XXH3, from Debian's
// libxxhash-dev, compiled in header-only so that nothing more is linked), for checksums in files
// and for recognising an input seen before.
#pragma once

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace embedkit::detail {

class ContentHash {
 public:
  ContentHash() { XXH3_64bits_reset(&state_); }
  void update(std::string_view bytes) { XXH3_64bits_update(&state_, bytes.data(), bytes.size()); }
  [[nodiscard]] std::uint64_t digest() const { return XXH3_64bits_digest(&state_); }

 private:
  XXH3_state_t state_{};
};

/// The hash of `bytes` in one call.
[[nodiscard]] inline std::uint64_t content_hash(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

}  // namespace embedkit::detail
