// Writes a file so that readers see either the old contents or the complete new ones, never a
// half-written file: data goes to a temporary file beside the target, which commit() flushes,
// fsyncs and renames over the target. Destroying an uncommitted writer (an exception midway)
// deletes the temporary file and leaves the target untouched.
//
//   embedkit::AtomicFileWriter out("vocab.tsv");
//   out.write("the\t42\n");
//   out.commit();
//
// What happens to the target path:
//   - a regular file (or nothing): replaced atomically; an existing file keeps its permission
//     bits (and, where allowed, its owner), so a 0600 file stays 0600;
//   - a symbolic link: followed; the file it points to is replaced and the link stays (a link to
//     nothing is refused, as cp refuses to write through a dangling link);
//   - anything else that exists (/dev/null, /dev/stdout, a FIFO, a terminal): written in place,
//     never replaced, so `-o /dev/null` run as root leaves the device alone; errors such as
//     /dev/full's "no space" are reported as for a file;
//   - a directory: refused;
//   - "-": standard output, written in place (as "-" reads standard input elsewhere).
// Temporary files are named "<target>.tmp.<8 hex digits>". After SIGINT or SIGTERM in a
// program that called remove_temporary_files_on_signals(), they are deleted; after a hard kill
// (SIGKILL, power loss) they stay, and `find DIR -name '*.tmp.????????'` finds them.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace embedkit {

class AtomicFileWriter {
 public:
  /// Creates "<path>.tmp.<random hex>" beside the target (or opens a non-regular target in
  /// place). Throws IoError on failure.
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  /// Appends bytes (buffered). Throws IoError on failure (e.g. disk full).
  void write(std::string_view bytes);

  /// Flushes and fsyncs the data without making it visible yet; commit() then only renames. For
  /// files that must appear together (an .npy and its vocabulary): sync all, then commit all.
  /// Throws IoError.
  void sync();

  /// Flushes, fsyncs and renames the temporary file onto the target. Throws IoError.
  void commit();

  /// The path given; target() is where the bytes go (a symbolic link's destination).
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const std::string& target() const noexcept { return target_; }

 private:
  void discard() noexcept;

  std::string path_;
  std::string target_;
  std::string temp_path_;  ///< empty when writing in place
  std::FILE* file_ = nullptr;
  bool synced_ = false;
  int registration_ = -1;  ///< slot in the list of temporary files removed on signals
};

/// Installs SIGINT and SIGTERM handlers that delete the temporary files of live writers, then
/// end the process as the signal would have. For programs (the CLI calls it first thing); a
/// library never installs handlers behind its caller's back.
void remove_temporary_files_on_signals();

}  // namespace embedkit
