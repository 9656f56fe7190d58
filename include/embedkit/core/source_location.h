// Where a piece of text came from, so errors can name "file:line: byte N".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace embedkit {

/// Describes the origin of a text span: `source` (a file name or "<text>"), the 1-based `line`
/// the span starts on (0 = unknown) and the absolute byte offset of the span's first byte.
struct SourceLocation {
  std::string_view source = "<text>";
  std::uint64_t line = 0;
  std::uint64_t byte_offset = 0;

  /// "source:line: byte N" for the byte `offset_in_span` bytes into the span.
  [[nodiscard]] std::string describe(std::uint64_t offset_in_span = 0) const;
};

}  // namespace embedkit
