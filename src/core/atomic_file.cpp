#include "embedkit/core/atomic_file.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <random>

#include "embedkit/core/error.h"

namespace embedkit {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  // O_EXCL with a random suffix instead of mkstemp: the file gets the usual 0666 & ~umask
  // permissions of a saved artefact rather than mkstemp's 0600.
  std::random_device entropy;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp_path_ = fmt::format("{}.tmp.{:08x}", path_, entropy());
    fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    throw IoError(detail::with_errno(fmt::format("cannot create a temporary file for '{}'", path_), errno));
  }
  file_ = ::fdopen(fd, "wb");
  if (file_ == nullptr) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp_path_.c_str());
    throw IoError(detail::with_errno(fmt::format("cannot open '{}'", temp_path_), err));
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    ::unlink(temp_path_.c_str());
  }
}

void AtomicFileWriter::write(std::string_view bytes) {
  if (bytes.empty()) return;
  if (file_ == nullptr) throw IoError(fmt::format("'{}' was already committed", path_));
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    throw IoError(detail::with_errno(fmt::format("cannot write '{}'", temp_path_), errno));
  }
}

void AtomicFileWriter::commit() {
  if (file_ == nullptr) throw IoError(fmt::format("'{}' was already committed", path_));
  std::FILE* file = file_;
  file_ = nullptr;
  const bool flushed = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const int flush_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!flushed || !closed) {
    ::unlink(temp_path_.c_str());
    throw IoError(detail::with_errno(fmt::format("cannot write '{}'", path_), flushed ? errno : flush_errno));
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    throw IoError(detail::with_errno(fmt::format("cannot rename '{}' to '{}'", temp_path_, path_), err));
  }
}

}  // namespace embedkit
