#include "output_paths.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "embedkit/core/error.h"
#include "embedkit/core/same_file.h"
#include "embedkit/io/vector_io.h"
#include "embedkit/io/word_vectors.h"
#include "human_format.h"

namespace embedkit::cli {

void refuse_same_file(const std::string& output, std::string_view output_flag, const std::string& input,
                      std::string_view input_flag) {
  if (input.empty() || output.empty()) return;
  EMBEDKIT_CHECK(!same_file(output, input), ArgumentError,
                 fmt::format("{} '{}' is the same file as {} '{}': writing one would destroy the other; choose "
                             "another {}",
                             output_flag, output, input_flag, input, output_flag));
}

void check_writable(const std::string& path, std::string_view flag) {
  namespace fs = std::filesystem;
  std::error_code ec;
  EMBEDKIT_CHECK(!fs::is_directory(path, ec), IoError,
                 fmt::format("cannot write {} '{}': it is a directory", flag, path));
  const fs::path parent = fs::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const fs::file_status status = fs::status(dir, ec);
  EMBEDKIT_CHECK(fs::exists(status), IoError,
                 fmt::format("cannot write {} '{}': there is no directory '{}'", flag, path, dir));
  EMBEDKIT_CHECK(fs::is_directory(status), IoError,
                 fmt::format("cannot write {} '{}': '{}' is not a directory", flag, path, dir));
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw IoError(detail::with_errno(fmt::format("cannot write {} '{}' in '{}'", flag, path, dir), errno),
                  "access(dir, W_OK | X_OK) == 0");
  }
}

std::string output_name(const std::string& output) {
  return output == "-" ? std::string("standard output") : printable(output);
}

const std::string& file_output(const std::string& path, std::string_view flag, std::string_view what) {
  EMBEDKIT_CHECK(path != "-", ArgumentError,
                 fmt::format("{} -: {} cannot go to standard output (it is written to a temporary file, then "
                             "renamed); give a file name",
                             flag, what));
  return path;
}

std::uint64_t file_bytes(const std::string& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::uint64_t>(size);
}

void refuse_foreign_checkpoint(const std::string& path, std::string_view flag, std::string_view key) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  bool ours = false;
  if (std::filesystem::is_regular_file(path, ec)) {
    try {
      ours = load_vectors(path, {.format = VectorFormat::native}).metadata.contains(std::string(key));
    } catch (const Error&) {
      // not our format: not a checkpoint
    }
  }
  EMBEDKIT_CHECK(ours, ArgumentError,
                 fmt::format("{} exists and is not such a checkpoint: it would be overwritten by one; remove it or "
                             "choose another file ({})",
                             path, flag));
}

}  // namespace embedkit::cli
