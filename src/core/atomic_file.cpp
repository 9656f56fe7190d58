#include "embedkit/core/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <random>

#include "embedkit/core/error.h"

namespace embedkit {
namespace {

// The temporary files of live writers, for a signal handler to delete. Fixed storage (a handler
// may not allocate or lock): a slot is free (0), being filled (1) or names a live file (2).
// More writers than slots at once only lose the clean-up of the extra ones.
constexpr std::size_t kSlots = 64;
struct TemporarySlot {
  std::atomic<int> state{0};
  std::array<char, PATH_MAX> path{};
};
std::array<TemporarySlot, kSlots> temporaries;

int register_temporary(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (std::size_t i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (!temporaries[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(temporaries[i].path.data(), path.c_str(), path.size() + 1);
    temporaries[i].state.store(2);
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_temporary(int slot) {
  if (slot >= 0) temporaries[static_cast<std::size_t>(slot)].state.store(0);
}

extern "C" void remove_temporaries_and_reraise(int signal_number) {
  for (TemporarySlot& slot : temporaries) {
    if (slot.state.load() == 2) ::unlink(slot.path.data());
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// The file a write to `path` should replace: `path` itself, or where its symbolic link points.
// `info` describes what is there (links followed).
std::string resolve_target(const std::string& path, struct stat& info, bool& exists) {
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    exists = false;
    return path;
  }
  exists = true;
  if (!S_ISLNK(link.st_mode)) {
    info = link;
    return path;
  }
  if (::stat(path.c_str(), &info) != 0) {
    throw IoError(detail::with_errno(
        fmt::format("'{}' is a symbolic link to nothing that exists; not writing through it", path), errno));
  }
  // Not a regular file (/dev/stdout -> /proc/self/fd/1 -> a pipe): written in place through the
  // link, which the kernel resolves even where no path names the destination.
  if (!S_ISREG(info.st_mode)) return path;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    throw IoError(detail::with_errno(fmt::format("cannot resolve the symbolic link '{}'", path), errno));
  }
  return resolved;
}

}  // namespace

void remove_temporary_files_on_signals() {
  struct sigaction action {};
  action.sa_handler = remove_temporaries_and_reraise;
  sigemptyset(&action.sa_mask);
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &action, nullptr);
}

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    // Standard output, whatever it is (a pipe, a terminal, a file opened for appending): written
    // in place through a copy of descriptor 1.
    target_ = path_;
    const int fd = ::dup(STDOUT_FILENO);
    if (fd < 0) throw IoError(detail::with_errno("cannot write standard output", errno));
    file_ = ::fdopen(fd, "wb");
    if (file_ == nullptr) {
      const int err = errno;
      ::close(fd);
      throw IoError(detail::with_errno("cannot write standard output", err));
    }
    std::fflush(stdout);  // what the program printed before comes first
    return;
  }
  struct stat info {};
  bool exists = false;
  target_ = resolve_target(path_, info, exists);
  if (exists && S_ISDIR(info.st_mode)) throw IoError(fmt::format("'{}' is a directory", path_));
  if (exists && !S_ISREG(info.st_mode)) {
    // A device, FIFO or terminal: written in place, never replaced by a regular file.
    const int fd = ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(detail::with_errno(fmt::format("cannot open '{}'", path_), errno));
    file_ = ::fdopen(fd, "wb");
    if (file_ == nullptr) {
      const int err = errno;
      ::close(fd);
      throw IoError(detail::with_errno(fmt::format("cannot open '{}'", path_), err));
    }
    return;
  }
  // O_EXCL with a random suffix instead of mkstemp: the file gets the usual 0666 & ~umask
  // permissions of a saved artefact rather than mkstemp's 0600.
  std::random_device entropy;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp_path_ = fmt::format("{}.tmp.{:08x}", target_, entropy());
    fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    throw IoError(detail::with_errno(fmt::format("cannot create a temporary file for '{}'", path_), errno));
  }
  registration_ = register_temporary(temp_path_);
  if (exists) {
    // The replacement keeps the permissions (and, where allowed, the owner) of what it replaces.
    (void)::fchown(fd, info.st_uid, info.st_gid);
    (void)::fchmod(fd, info.st_mode & 07777);
  }
  file_ = ::fdopen(fd, "wb");
  if (file_ == nullptr) {
    const int err = errno;
    ::close(fd);
    discard();
    throw IoError(detail::with_errno(fmt::format("cannot open '{}'", temp_path_), err));
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (file_ != nullptr || synced_) discard();
}

void AtomicFileWriter::discard() noexcept {
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  unregister_temporary(registration_);
  registration_ = -1;
}

void AtomicFileWriter::write(std::string_view bytes) {
  if (bytes.empty()) return;
  if (file_ == nullptr) throw IoError(fmt::format("'{}' was already committed", path_));
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    throw IoError(detail::with_errno(fmt::format("cannot write '{}'", path_), errno));
  }
}

void AtomicFileWriter::sync() {
  if (file_ == nullptr) throw IoError(fmt::format("'{}' was already committed", path_));
  std::FILE* file = file_;
  file_ = nullptr;
  synced_ = true;
  bool flushed = std::fflush(file) == 0;
  int err = errno;
  // Devices, pipes and terminals cannot be fsynced (EINVAL); their writes are what counts.
  if (flushed && ::fsync(::fileno(file)) != 0 && !(temp_path_.empty() && (errno == EINVAL || errno == ENOTSUP))) {
    flushed = false;
    err = errno;
  }
  const bool closed = std::fclose(file) == 0;
  if (!flushed || !closed) {
    discard();
    synced_ = false;
    throw IoError(detail::with_errno(fmt::format("cannot write '{}'", path_), flushed ? errno : err));
  }
}

void AtomicFileWriter::commit() {
  if (!synced_) sync();
  synced_ = false;
  if (temp_path_.empty()) return;
  if (std::rename(temp_path_.c_str(), target_.c_str()) != 0) {
    const int err = errno;
    discard();
    throw IoError(detail::with_errno(fmt::format("cannot rename '{}' to '{}'", temp_path_, target_), err));
  }
  unregister_temporary(registration_);
  registration_ = -1;
}

}  // namespace embedkit
