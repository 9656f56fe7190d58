// Text formatted for people: numbers ("17,005,207", "106.2 MB", "1:05") and words made safe to
// print on a terminal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace embedkit::cli {

/// 1234567 -> "1,234,567".
std::string group_digits(std::uint64_t n);

/// Bytes in decimal units: "950 B", "12.3 kB", "106.2 MB", "1.4 GB".
std::string human_bytes(double bytes);

/// Seconds as "0:07", "12:34" or "1:02:03".
std::string human_duration(double seconds);

/// An unsigned 128-bit integer (GCC and Clang), for sums of 64-bit counts that must not wrap.
__extension__ typedef unsigned __int128 Uint128;

/// The same for 128-bit numbers.
std::string group_digits(Uint128 n);

/// `text` with every character that a terminal would act on instead of showing written visibly,
/// so that a word from a file cannot move the cursor, recolour or retitle the terminal, or
/// reorder what follows: C0 controls (tab and newline included), DEL and bytes that are not
/// UTF-8 become "\x1b"; C1 controls (U+0080..U+009F), bidirectional controls (U+200E, U+200F,
/// U+202A..U+202E, U+2066..U+2069) and line/paragraph separators become "\u009b". Everything
/// else, backslashes included, is unchanged. For human-readable output; JSON escapes on its own.
std::string printable(std::string_view text);

/// Whether standard output is a terminal: output meant for other programs (tokens, vectors,
/// labels) is escaped only then, so that pipes get the bytes unchanged.
bool stdout_is_terminal();

}  // namespace embedkit::cli
