// A transparent hash for maps keyed by std::string: lookups by string_view allocate nothing.
// Not noexcept on purpose: libstdc++ then keeps each node's hash, so that a lookup compares
// hashes along a bucket's chain instead of hashing every key it passes (a noexcept hash counts
// as cheap; hashing a string is not).
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace embedkit::tokenize {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace embedkit::tokenize
