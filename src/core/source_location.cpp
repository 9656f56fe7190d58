#include "embedkit/core/source_location.h"

#include <fmt/format.h>

namespace embedkit {

std::string SourceLocation::describe(std::uint64_t offset_in_span) const {
  if (line == 0) return fmt::format("{}: byte {}", source, byte_offset + offset_in_span);
  return fmt::format("{}:{}: byte {}", source, line, byte_offset + offset_in_span);
}

}  // namespace embedkit
