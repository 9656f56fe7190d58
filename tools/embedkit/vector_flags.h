// The flags shared by every command that reads a vector file (--format, --invalid-utf8, ...).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "embedkit/io/vector_io.h"

namespace embedkit::cli {

struct VectorFlags {
  std::string format = "detect";
  InvalidUtf8 invalid_utf8 = InvalidUtf8::error;
  DuplicateWords duplicates = DuplicateWords::error;
  bool allow_non_finite = false;
  std::string vocabulary;
  std::string tensor;
  std::string tokenizer;

  /// The LoadOptions these flags ask for. Throws ArgumentError on a bad --format.
  [[nodiscard]] LoadOptions options() const;
};

/// Registers the flags on `command`; `flags` must outlive parsing.
void add_vector_flags(CLI::App& command, VectorFlags& flags);

/// What a file of `format` holds of `vectors`' subwords, for a summary line: " + 2,000,000 subword
/// buckets", " + 61,370 of 2,000,000 subword buckets (...)", or why none (the format keeps none);
/// empty without subwords.
[[nodiscard]] std::string written_buckets(const WordVectors& vectors, VectorFormat format);

/// The help paragraph for those flags and the formats, for command footers.
extern const char* const kVectorFormatsHelp;

}  // namespace embedkit::cli
