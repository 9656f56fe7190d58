// Writes a file so that readers see either the old contents or the complete new ones, never a
// half-written file: data goes to a temporary file beside the target, which commit() flushes,
// fsyncs and renames over the target. Destroying an uncommitted writer (an exception midway)
// deletes the temporary file and leaves the target untouched.
//
//   embedkit::AtomicFileWriter out("vocab.tsv");
//   out.write("the\t42\n");
//   out.commit();
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace embedkit {

class AtomicFileWriter {
 public:
  /// Creates "<path>.tmp.<random hex>" beside the target. Throws IoError on failure.
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  /// Appends bytes (buffered). Throws IoError on failure (e.g. disk full).
  void write(std::string_view bytes);

  /// Flushes, fsyncs and renames the temporary file onto the target. Throws IoError.
  void commit();

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
};

}  // namespace embedkit
