// Helpers for tests: scratch directories, paths to test data, error messages.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace embedkit::testing {

/// A fresh directory under the system temp dir, removed (recursively) on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// Writes `contents` to `name` inside the directory and returns its full path.
  [[nodiscard]] std::string write(std::string_view name, std::string_view contents) const;

 private:
  std::filesystem::path path_;
};

/// Reads a whole file into a string (throws std::runtime_error on failure).
std::string read_file(const std::filesystem::path& path);

/// `relative` inside ../shared/data, or an empty path when that file is absent.
std::filesystem::path shared_data(std::string_view relative);

/// `relative` inside the source tree.
std::filesystem::path source_file(std::string_view relative);

/// The message of the embedkit::Error that `f` throws, or "(no error)".
std::string error_of(const std::function<void()>& f);

}  // namespace embedkit::testing
