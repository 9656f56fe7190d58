#include "option_ranges.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "human_format.h"

namespace embedkit::cli {

CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
  return {[lo, hi](std::string& text) {
            const std::string problem =
                fmt::format("must be a whole number from {} to {}, not {}", lo, hi, printable(text));
            // Decimal digits only: CLI11 would read "-1" as 2^64 - 1, "0x10" as 16 and "010" as 8.
            const std::string_view digits = std::string_view(text).substr(!text.empty() && text[0] == '+' ? 1 : 0);
            std::uint64_t value = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
            if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value < lo ||
                value > hi) {
              return problem;
            }
            if (digits.size() > 1 && digits[0] == '0') return problem + " (write it without leading zeros)";
            return std::string();
          },
          fmt::format("{}..{}", lo, hi)};
}

CLI::Validator real_number(double lo, double hi, Ends ends, std::string lo_words, std::string hi_words) {
  if (lo_words.empty()) lo_words = fmt::format("{}", lo);
  if (hi_words.empty()) hi_words = fmt::format("{}", hi);
  std::string range;
  std::string interval;
  switch (ends) {
    case Ends::closed:
      range = fmt::format("from {} to {}", lo_words, hi_words);
      interval = fmt::format("[{}, {}]", lo, hi);
      break;
    case Ends::open_low:
      range = fmt::format("above {} and at most {}", lo_words, hi_words);
      interval = fmt::format("({}, {}]", lo, hi);
      break;
    case Ends::open_high:
      range = fmt::format("at least {} and below {}", lo_words, hi_words);
      interval = fmt::format("[{}, {})", lo, hi);
      break;
  }
  return {[lo, hi, ends, range](std::string& text) {
            // Parsed as CLI11 parses it, so that the value checked is the value stored.
            char* end = nullptr;
            const long double value = text.empty() ? NAN : std::strtold(text.c_str(), &end);
            const bool parsed = !text.empty() && end == text.c_str() + text.size() && std::isfinite(value);
            const bool above_low = ends == Ends::open_low ? value > lo : value >= lo;
            const bool below_high = ends == Ends::open_high ? value < hi : value <= hi;
            if (parsed && above_low && below_high) return std::string();
            return fmt::format("must be a number {}, not {}", range, printable(text));
          },
          std::move(interval)};
}

}  // namespace embedkit::cli
