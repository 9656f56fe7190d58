// embedkit error family.
//
// Every failure the library reports is an `embedkit::Error` (a std::runtime_error), in one of
// three kinds so callers can react without parsing text:
//   - FormatError:   the *content* of an input is wrong (malformed line, invalid UTF-8, bad count).
//   - ArgumentError: the caller asked for something impossible (out-of-range id, bad option).
//   - IoError:       the operating system refused (cannot open, read or rename a file).
// Messages are one line and name where (file, line, byte offset) and what (the bad value).
// The library never prints, exits or aborts; only the CLI's main() chooses an exit code.
//
//   try { auto vocab = embedkit::Vocabulary::load("vocab.tsv"); }
//   catch (const embedkit::FormatError& e) { std::cerr << e.what() << "\n"; }
#pragma once

#include <stdexcept>
#include <string>

namespace embedkit {

/// Base of every exception thrown by embedkit.
class Error : public std::runtime_error {
 public:
  /// `message` is what a user reads; `condition` is the failed check (for bug reports), may be empty.
  explicit Error(const std::string& message, std::string condition = {})
      : std::runtime_error(message), condition_(std::move(condition)) {}

  /// The source text of the check that failed, e.g. "count <= limit"; empty when not from a check.
  [[nodiscard]] const std::string& condition() const noexcept { return condition_; }

 private:
  std::string condition_;
};

/// Input content is malformed: a file or string does not follow its format.
class FormatError : public Error {
 public:
  using Error::Error;
};

/// A caller passed an argument outside the allowed domain (ids, sizes, options).
class ArgumentError : public Error {
 public:
  using Error::Error;
};

/// The operating system failed an I/O request (open, read, write, rename).
class IoError : public Error {
 public:
  using Error::Error;
};

namespace detail {
/// Formats "<what>" followed by ": <strerror(errno_value)>" for IoError messages.
std::string with_errno(const std::string& what, int errno_value);
}  // namespace detail

}  // namespace embedkit

/// Throws `ErrorType(message)` when `cond` is false, recording the condition text.
/// `message` is any expression convertible to std::string (typically fmt::format(...)),
/// and is only evaluated on failure.
#define EMBEDKIT_CHECK(cond, ErrorType, message)      \
  do {                                                \
    if (!(cond)) [[unlikely]] {                       \
      throw ErrorType(std::string(message), #cond);   \
    }                                                 \
  } while (false)
