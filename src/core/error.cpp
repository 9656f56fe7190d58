#include "embedkit/core/error.h"

#include <cstring>

namespace embedkit::detail {

std::string with_errno(const std::string& what, int errno_value) {
  return what + ": " + std::strerror(errno_value);
}

}  // namespace embedkit::detail
