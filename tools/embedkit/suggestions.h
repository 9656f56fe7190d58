// "Did you mean ...?": the names closest to a mistyped one, for the CLI's usage errors (unknown
// options and commands, values outside a list of choices).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace embedkit::cli {

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring bytes cost 1 each ("trian" is 1 from "train", "--treads" 1 from "--threads").
/// O(a.size() * b.size()) time.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidates closest to `typed` (letter case ignored): all of those at the smallest edit
/// distance, in candidate order, when that distance is at most a third of typed's length without
/// leading dashes (at least 1) and no more than three are that close; otherwise the one candidate
/// `typed` is a prefix of, if exactly one is. Empty when nothing is close.
[[nodiscard]] std::vector<std::string> closest_names(std::string_view typed, std::span<const std::string> candidates);

/// "; did you mean X?" (or "X or Y?", "X, Y or Z?") for closest_names(typed, candidates), each name
/// wrapped in `quote`; empty when nothing is close.
[[nodiscard]] std::string did_you_mean(std::string_view typed, std::span<const std::string> candidates,
                                       std::string_view quote = "");

/// "a, b or c".
[[nodiscard]] std::string join_choices(std::span<const std::string> names, std::string_view quote = "");

}  // namespace embedkit::cli
