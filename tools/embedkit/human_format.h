// Numbers formatted for people: "17,005,207", "106.2 MB", "1:05".
#pragma once

#include <cstdint>
#include <string>

namespace embedkit::cli {

/// 1234567 -> "1,234,567".
std::string group_digits(std::uint64_t n);

/// Bytes in decimal units: "950 B", "12.3 kB", "106.2 MB", "1.4 GB".
std::string human_bytes(double bytes);

/// Seconds as "0:07", "12:34" or "1:02:03".
std::string human_duration(double seconds);

}  // namespace embedkit::cli
