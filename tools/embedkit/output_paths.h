// Checks on a command's output paths, made before any work so that a long run cannot end in an
// unwritable path or in the output replacing its own input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace embedkit::cli {

/// ArgumentError (exit 2) when `output` (given with `output_flag`) is the same file as `input`
/// (embedkit::same_file)
/// (given with `input_flag`; an input, or another output): writing it would destroy that one.
/// No-op when either is empty.
void refuse_same_file(const std::string& output, std::string_view output_flag, const std::string& input,
                      std::string_view input_flag);

/// IoError (exit 1) naming `path` unless it could be written now: it is not a directory and its
/// directory exists and is writable (the output goes to a temporary file there, then a rename).
void check_writable(const std::string& path, std::string_view flag);

/// A --checkpoint path that exists must be a checkpoint of this kind (a native file whose
/// metadata has `key`): anything else would be overwritten after the first epoch. ArgumentError.
void refuse_foreign_checkpoint(const std::string& path, std::string_view flag, std::string_view key);

/// `path`, unless it is "-": ArgumentError (exit 2) saying that `flag` needs a file name because
/// `what` (e.g. "the model") cannot be streamed to standard output.
[[nodiscard]] const std::string& file_output(const std::string& path, std::string_view flag, std::string_view what);

/// The size of a file in bytes, for reports (0 when it cannot be read).
[[nodiscard]] std::uint64_t file_bytes(const std::string& path);

/// How messages name `output`: "standard output" for "-", else the path (escaped).
[[nodiscard]] std::string output_name(const std::string& output);

}  // namespace embedkit::cli
