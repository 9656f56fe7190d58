// Private to embedkit: an advisory lock (flock) on the directory that holds a file, for files
// that must change together. An .npy's vectors and its vocabulary are two files; their writer
// renames both under an exclusive lock and readers open both under a shared one, so an embedkit
// reader sees the old pair or the new pair, never one of each. Best effort: where the directory
// cannot be opened or locked (no read permission, a file system without flock), it does nothing.
#pragma once

#include <string>

namespace embedkit::detail {

class DirectoryLock {
 public:
  enum class Mode { shared, exclusive };
  /// Locks the directory of `file_path` (blocking until it is free).
  DirectoryLock(const std::string& file_path, Mode mode);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace embedkit::detail
