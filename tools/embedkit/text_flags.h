// The tokenizer flags shared by every command that reads text (--split, --lower, --nfkc, ...),
// so that `vocab build` and `tokenize` always agree on what a token is.
#pragma once

#include <CLI/CLI.hpp>

#include "embedkit/text/tokenizer.h"

namespace embedkit::cli {

/// Registers the flags on `command`, storing into `options` (which must outlive parsing).
void add_text_flags(CLI::App& command, TokenizerOptions& options);

/// The help paragraph explaining those flags, for command footers.
extern const char* const kTextFlagsHelp;

}  // namespace embedkit::cli
