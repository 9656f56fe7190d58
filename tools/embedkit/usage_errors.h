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

/// The message for an error the selected command raised while it ran (after parsing succeeded),
/// escaped for the terminal, without a newline. Invalid UTF-8 in an input names the flag that
/// reads it anyway, when the command has one, instead of the library's generic advice:
///   corpus.txt:2: byte 15: invalid UTF-8 (bytes 0xE9 0x20 0x68 0x65); pass --invalid-utf8 replace
///   to read them as U+FFFD
[[nodiscard]] std::string run_error_message(const CLI::App& root, const std::exception& error);

}  // namespace embedkit::cli
