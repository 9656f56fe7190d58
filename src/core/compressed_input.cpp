#include "core/compressed_input.h"

#include <fmt/format.h>

#include "embedkit/core/error.h"

namespace embedkit::detail {

void refuse_compressed_text(std::string_view head, std::string_view source) {
  struct Compressor {
    std::string_view magic, name, command;
  };
  constexpr Compressor kCompressors[] = {
      {"\x1F\x8B", "gzip", "zcat"},
      {"\xFD" "7zXZ\x00", "xz", "xzcat"},
      {"\x28\xB5\x2F\xFD", "zstd", "zstdcat"},
      {"BZh", "bzip2", "bzcat"},
  };
  for (const Compressor& c : kCompressors) {
    if (c.name == "bzip2" && !(head.size() >= 4 && head[3] >= '1' && head[3] <= '9')) continue;
    if (head.substr(0, c.magic.size()) == c.magic) {
      throw FormatError(fmt::format("{}: byte 0: this is a {}-compressed file, not text; decompress it first, e.g. "
                                    "`{} {} | embedkit ... -i -`",
                                    source, c.name, c.command, source),
                        "uncompressed text");
    }
  }
}

}  // namespace embedkit::detail
