#include "embedkit/core/mapped_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "embedkit/core/error.h"

namespace embedkit {

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path, Access access) {
  // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever; it is refused
  // below like every other file that is not regular (nothing to map).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", path), errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int err = errno;
    ::close(fd);
    throw IoError(detail::with_errno(fmt::format("cannot stat '{}'", path), err));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    if (S_ISDIR(info.st_mode)) throw IoError(fmt::format("'{}' is a directory", path));
    throw IoError(fmt::format("'{}' is {}, not a regular file: it is read by mapping it, so copy it to a file first",
                              path,
                              S_ISFIFO(info.st_mode)   ? "a FIFO (named pipe)"
                              : S_ISCHR(info.st_mode)  ? "a character device"
                              : S_ISBLK(info.st_mode)  ? "a block device"
                              : S_ISSOCK(info.st_mode) ? "a socket"
                                                       : "not a file"));
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  const bool writable = access == Access::copy_on_write;
  char* data = nullptr;
  if (size > 0) {
    void* mapped = ::mmap(nullptr, size, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw IoError(detail::with_errno(fmt::format("cannot map '{}' ({} bytes)", path, size), err));
    }
    data = static_cast<char*>(mapped);
  }
  ::close(fd);  // the mapping keeps the file
  return std::shared_ptr<MappedFile>(new MappedFile(path, data, size, writable));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

void MappedFile::advise_sequential() const noexcept {
  if (data_ != nullptr) ::madvise(data_, size_, MADV_SEQUENTIAL);
}

void MappedFile::release(std::string_view range) const noexcept {
  if (data_ == nullptr || range.empty() || range.data() < data_ || range.data() + range.size() > data_ + size_) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(range.data()) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(range.data()) + range.size()) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void MappedFile::advise_random() const noexcept {
  if (data_ != nullptr) ::madvise(data_, size_, MADV_RANDOM);
}

}  // namespace embedkit
