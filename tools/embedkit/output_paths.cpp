#include "output_paths.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "embedkit/core/error.h"
#include "human_format.h"

namespace embedkit::cli {

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  const bool a_exists = ::stat(a.c_str(), &sa) == 0;
  const bool b_exists = ::stat(b.c_str(), &sb) == 0;
  if (a_exists && b_exists) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (a_exists || b_exists) return false;
  // Two outputs not written yet: the same path however spelt ("./x", "d/../x").
  std::error_code ec;
  const auto ca = std::filesystem::weakly_canonical(a, ec);
  const auto cb = std::filesystem::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

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

void write_output(const std::string& output, const std::function<void(const std::string&)>& write) {
  if (output != "-") {
    write(output);
    return;
  }
  const char* dir = std::getenv("TMPDIR");
  std::string temp = fmt::format("{}/embedkit-stdout.XXXXXX", dir != nullptr && *dir != '\0' ? dir : "/tmp");
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw IoError(detail::with_errno(fmt::format("cannot create a temporary file '{}'", temp), errno));
  ::close(fd);
  const std::unique_ptr<const std::string, void (*)(const std::string*)> remove(
      &temp, [](const std::string* path) { ::unlink(path->c_str()); });
  write(temp);
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(temp.c_str(), "rb"), &std::fclose);
  if (!in) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", temp), errno));
  std::fflush(stdout);
  char buffer[1 << 16];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, in.get())) > 0;) {
    if (std::fwrite(buffer, 1, n, stdout) != n) throw IoError(detail::with_errno("cannot write standard output", errno));
  }
  if (std::ferror(in.get()) != 0) throw IoError(detail::with_errno(fmt::format("cannot read '{}'", temp), errno));
  if (std::fflush(stdout) != 0) throw IoError(detail::with_errno("cannot write standard output", errno));
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

}  // namespace embedkit::cli
