// What `embedkit` prints for a command line CLI11 refused (exit status 2): one line a person can
// act on, then where to look.
//
//   embedkit: error: unknown option --treads; did you mean --threads?
//   Run 'embedkit train --help' for its options and examples.
//
// Installed on the root app with CLI::App::failure_message, so CLI::App::exit prints it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace embedkit::cli {

/// The message for `error`, raised while `root` parsed a command line. Unknown options and
/// commands are reported before anything else CLI11 found (a missing required option or a bad
/// value is often the same typo), each with the closest real names (suggestions.h); a command
/// group given no command lists its commands; any other error keeps CLI11's text. Ends with a
/// newline.
[[nodiscard]] std::string usage_error_message(const CLI::App& root, const CLI::Error& error);

}  // namespace embedkit::cli
