#include "core/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace embedkit::detail {

DirectoryLock::DirectoryLock(const std::string& file_path, Mode mode) {
  const std::size_t slash = file_path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : file_path.substr(0, slash);
  fd_ = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) return;
  int result = 0;
  do {
    result = ::flock(fd_, mode == Mode::exclusive ? LOCK_EX : LOCK_SH);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace embedkit::detail
