// Range checks for numeric options, so that every command rejects a bad number the same way, at
// parse time, with the range in words and exit status 2:
//
//   cmd->add_option("--epochs", o.epochs, "Passes over the text")->check(whole_number(1, 100000));
//   // embedkit train --epochs -1  ->  "--epochs: must be a whole number from 1 to 100000, not -1"
//
// Without them CLI11 (2.1) reads "-1" into an unsigned option as 2^64 - 1, and "010" as octal 8.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace embedkit::cli {

/// The largest count threshold (--min-count) accepted: more tokens than any corpus has.
inline constexpr std::uint64_t kMaxCount = 1000000000000;

/// The largest number of rows, words or answers an option may ask for (--limit, --restrict, -k,
/// --top, ...): word ids are 32-bit, so no file has more.
inline constexpr std::uint64_t kMaxRows = 4294967295;

/// Accepts decimal whole numbers lo..hi (a leading '+' is allowed; leading zeros, which CLI11
/// would read as octal, are not). The help shows "lo..hi" after the type.
[[nodiscard]] CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi);

/// How a range of real numbers treats its ends.
enum class Ends { closed, open_low, open_high };

/// Accepts finite real numbers in [lo, hi] (or (lo, hi], [lo, hi) by `ends`). `lo_words` and
/// `hi_words`, when given, replace the numbers in the message ("0 (all words alike)"). The help
/// shows the interval after the type.
[[nodiscard]] CLI::Validator real_number(double lo, double hi, Ends ends = Ends::closed, std::string lo_words = {},
                                         std::string hi_words = {});

}  // namespace embedkit::cli
