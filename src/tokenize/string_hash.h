// A transparent hash for maps keyed by std::string: lookups by string_view allocate nothing.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace embedkit::tokenize {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace embedkit::tokenize
