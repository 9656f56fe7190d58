// Whether two paths name one file, for refusing to write an output over an input.
#pragma once

#include <string>

namespace embedkit {

/// For two existing files: the same device and inode ("./x", "x", a hard link and a symbolic
/// link to it all count). For two that do not exist yet: the same canonical path ("d/../x").
/// False when only one exists.
[[nodiscard]] bool same_file(const std::string& a, const std::string& b);

}  // namespace embedkit
