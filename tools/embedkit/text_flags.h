// The tokenizer flags shared by every command that reads text (--split, --lower, --nfkc, ...),
// so that `vocab build` and `tokenize` always agree on what a token is; and --invalid-utf8, which
// every command that reads words (text or vector files) spells the same way.
#pragma once

#include <CLI/CLI.hpp>

#include "embedkit/text/tokenizer.h"

namespace embedkit::cli {

/// Registers the flags on `command`, storing into `options` (which must outlive parsing).
void add_text_flags(CLI::App& command, TokenizerOptions& options);

/// The one flag for invalid UTF-8 in any input, text or vector file: --invalid-utf8 error|replace.
/// Returns the option (callers set its group). `policy` must outlive parsing.
CLI::Option* add_invalid_utf8_option(CLI::App& command, InvalidUtf8& policy);

/// The help paragraph explaining those flags, for command footers.
extern const char* const kTextFlagsHelp;

}  // namespace embedkit::cli
