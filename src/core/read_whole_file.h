// Private to embedkit: a whole file (or standard input) into memory, for readers of small inputs
// that parse their bytes in one pass (vocabulary files, labeled classifier data).
#pragma once

#include <string>

namespace embedkit::detail {

/// The bytes of `path`; "-" reads standard input to its end. Throws IoError naming the file and
/// the OS reason when it cannot be opened or read.
std::string read_whole_file(const std::string& path);

}  // namespace embedkit::detail
