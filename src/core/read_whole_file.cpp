#include "core/read_whole_file.h"

#include <cerrno>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "core/compressed_input.h"
#include "embedkit/core/error.h"

namespace embedkit::detail {

std::string read_whole_file(const std::string& path) {
  const bool is_stdin = path == "-";
  // stdin is not ours to close.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(is_stdin ? stdin : std::fopen(path.c_str(), "rb"),
                                                       is_stdin ? [](std::FILE*) { return 0; } : &std::fclose);
  if (!file) throw IoError(with_errno(fmt::format("cannot open '{}'", path), errno));
  std::string data;
  char chunk[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, file.get());
    data.append(chunk, got);
    if (got < sizeof chunk) break;
  }
  if (std::ferror(file.get())) throw IoError(with_errno(fmt::format("cannot read '{}'", path), errno));
  refuse_compressed_text(data, is_stdin ? "<stdin>" : path);
  return data;
}

}  // namespace embedkit::detail
