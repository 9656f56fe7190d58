// Private to embedkit: text inputs that are really compressed files. Read as text, a .gz or .xz
// corpus fails as "invalid UTF-8", and the advice for invalid UTF-8 (--invalid-utf8 replace)
// would train on garbage; so the first bytes are checked for the common compressors' magic
// numbers and the error says what the file is and how to read it.
#pragma once

#include <string_view>

namespace embedkit::detail {

/// Throws FormatError naming `source` and its compressor when `head` (the first bytes of a text
/// input) starts with gzip's, xz's, zstd's or bzip2's magic number.
void refuse_compressed_text(std::string_view head, std::string_view source);

}  // namespace embedkit::detail
