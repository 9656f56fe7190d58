// A whole file mapped into memory: how embedkit reads vector files (parsers work on the bytes
// in place, the OS pages them in on demand) and opens native tables without reading them.
//
//   auto file = embedkit::MappedFile::open("vectors.ekv");
//   std::string_view bytes = file->bytes();
//
// copy_on_write mappings are writable, but writes stay private to this process (the file never
// changes): a fine-tuned table that started from a mapped file pays memory only for the pages it
// has written. Empty files give an empty view.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace embedkit {

class MappedFile {
 public:
  enum class Access { read_only, copy_on_write };

  /// Maps `path`. Throws IoError (naming the file and the OS reason) when it cannot be opened,
  /// is not a regular file, or cannot be mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path, Access access = Access::read_only);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::string_view bytes() const noexcept { return {data_, size_}; }
  /// Writable start of the mapping (copy_on_write only; nullptr otherwise).
  [[nodiscard]] char* writable_data() noexcept { return writable_ ? data_ : nullptr; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Tells the OS the bytes will be read front to back (read-ahead) or at random.
  void advise_sequential() const noexcept;
  void advise_random() const noexcept;
  /// Drops the whole pages inside `range` (a part of bytes()) from this process's resident
  /// memory; reading them again brings them back from the page cache. For parts that were read
  /// once (checked) and will be read only here and there later. Never for parts written through
  /// writable_data(): a copy-on-write page would lose its changes.
  void release(std::string_view range) const noexcept;

 private:
  MappedFile(std::string path, char* data, std::size_t size, bool writable)
      : path_(std::move(path)), data_(data), size_(size), writable_(writable) {}

  std::string path_;
  char* data_;
  std::size_t size_;
  bool writable_;
};

}  // namespace embedkit
